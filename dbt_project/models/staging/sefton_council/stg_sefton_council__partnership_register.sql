-- The officer columns reach the raw zone as keyed pseudonyms (ingestion replaces every
-- identifier column of a personal dataset); they are named for what they hold.
with

source as (

    select * from {{ source_or_empty('sefton_council', 'partnership_register') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- when, and the row's place in the printed register
        cast(reported_on as date) as reported_on,
        cast(trim(significance) as varchar) as significance,
        coalesce(trim(significance) = 'significant', false) as is_significant,
        cast(list_row as integer) as list_row,

        -- the partnership
        cast(trim(partnership_id) as varchar) as partnership_id,
        cast(trim(partnership_name) as varchar) as partnership_name,

        -- who, as pseudonyms only, and the department where printed
        cast(responsible_director as varchar) as responsible_director_pseudonym,
        cast(departmental_lead as varchar) as departmental_lead_pseudonym,
        cast(further_lead as varchar) as further_lead_pseudonym,
        cast(nullif(trim(lead_department), '') as varchar) as lead_department,

        -- the database record
        cast(inputted_on as date) as inputted_on,
        cast(nullif(trim(register_remark), '') as varchar) as register_remark,
        cast(nullif(trim(notes), '') as varchar) as notes

    from source

)

select * from renamed
