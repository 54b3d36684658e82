with

source as (

    select * from {{ source_or_empty('synthetic_sefton_council', 'out_of_work_benefit_claimants') }}

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
        cast(trim(quarter) as varchar) as reporting_quarter,
        cast(claimants as integer) as claimants,
        cast(working_age_population as integer) as working_age_population,
        cast(trim(is_synthetic) = 'Y' as boolean) as is_synthetic

    from source

)

select * from renamed
