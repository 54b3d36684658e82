with

source as (

    select * from {{ source_or_empty('synthetic_nhs_sefton', 'ward_health_indicators') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- the file's columns
        cast(trim(area_code) as varchar) as area_code,
        cast(trim(financial_year) as varchar) as financial_year,
        cast(trim(indicator) as varchar) as indicator,
        cast(numerator as integer) as numerator,
        cast(denominator as integer) as denominator,
        cast(value as double) as value,
        cast(trim(is_synthetic) = 'Y' as boolean) as is_synthetic

    from source

)

select * from renamed
