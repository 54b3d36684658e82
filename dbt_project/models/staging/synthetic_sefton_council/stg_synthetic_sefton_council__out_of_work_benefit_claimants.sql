with

source as (

    select * from {{ source_or_empty('synthetic_sefton_council', 'out_of_work_benefit_claimants') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- the file's columns
        cast(trim(area_code) as varchar) as area_code,
        cast(trim(quarter) as varchar) as reporting_quarter,
        cast(claimants as integer) as claimants,
        cast(working_age_population as integer) as working_age_population,
        cast(trim(is_synthetic) = 'Y' as boolean) as is_synthetic

    from source

)

select * from renamed
