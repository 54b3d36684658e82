with

source as (

    select * from {{ source_or_empty('synthetic_merseyside_fire', 'fire_incidents') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- the file's columns
        cast(trim(area_code) as varchar) as area_code,
        cast(trim(financial_year) as varchar) as financial_year,
        cast(trim(incident_type) as varchar) as incident_type,
        cast(incidents as integer) as incidents,
        cast(population as integer) as population,
        cast(trim(is_synthetic) = 'Y' as boolean) as is_synthetic

    from source

)

select * from renamed
