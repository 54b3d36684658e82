with

source as (

    select * from {{ source_or_empty('sefton_council', 'red_indicator_narratives') }}

),

renamed as (

    select
        -- lineage
        cast(_submission_id as varchar) as submission_id,
        cast(_source_row as integer) as source_row_number,
        cast(_partner_id as varchar) as partner_id,
        cast(_dataset_id as varchar) as dataset_id,
        cast(_source_file as varchar) as source_file,
        cast(_received_at as timestamp) as received_at,
        cast(_marking as varchar) as marking,
        cast(_is_sensitive as boolean) as is_sensitive,

        -- when and which indicator
        cast(trim(reporting_period) as varchar) as reporting_period,
        cast(trim(indicator_code) as varchar) as indicator_code,
        cast(trim(code_as_printed) as varchar) as code_as_printed,

        -- the council's position, as printed
        cast(nullif(trim(narrative), '') as varchar) as narrative,
        cast(nullif(trim(notes), '') as varchar) as notes

    from source

)

select * from renamed
