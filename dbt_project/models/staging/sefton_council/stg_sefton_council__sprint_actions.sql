-- The officer columns reach the raw zone as keyed pseudonyms (ingestion replaces every
-- identifier column of a personal dataset); they are named for what they hold.
with

source as (

    select * from {{ source_or_empty('sefton_council', 'sprint_actions') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- when and which action
        cast(trim(reporting_period) as varchar) as reporting_period,
        cast(trim(action_reference) as varchar) as action_reference,
        cast(trim(plan) as varchar) as plan,
        cast(trim(department) as varchar) as department,
        cast(nullif(trim(service), '') as varchar) as service,
        cast(trim(action_title) as varchar) as action_title,

        -- who, as pseudonyms only
        cast(authorising_officer as varchar) as authorising_officer_pseudonym,
        cast(lead_officer as varchar) as lead_officer_pseudonym,

        -- progress
        cast(deadline as date) as deadline,
        cast(trim(status) as varchar) as status,
        cast(nullif(trim(q1_status), '') as varchar) as q1_status,
        cast(q1_percent_complete as integer) as q1_percent_complete,
        cast(nullif(trim(q2_status), '') as varchar) as q2_status,
        cast(q2_percent_complete as integer) as q2_percent_complete,
        cast(lower(trim(rag)) as varchar) as rag,
        cast(nullif(trim(notes), '') as varchar) as notes

    from source

)

select * from renamed
