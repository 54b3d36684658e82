with

source as (

    select * from {{ source_or_empty('synthetic_merseyside_police', 'recorded_crime') }}

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

        -- the file's columns
        cast(trim(area_code) as varchar) as area_code,
        cast(trim(month) as varchar) as reporting_month,
        cast(trim(offence_group) as varchar) as offence_group,
        cast(recorded_crimes as integer) as recorded_crimes,
        cast(population as integer) as population,
        cast(trim(is_synthetic) = 'Y' as boolean) as is_synthetic

    from source

)

select * from renamed
