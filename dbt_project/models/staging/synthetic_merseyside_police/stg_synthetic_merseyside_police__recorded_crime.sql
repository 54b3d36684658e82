with

source as (

    select * from {{ source_or_empty('synthetic_merseyside_police', 'recorded_crime') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

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
