with

source as (

    select * from {{ source_or_empty('synthetic_sefton_council', 'street_cleanliness_surveys') }}

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
        cast(trim(financial_year) as varchar) as financial_year,
        cast(tranche as integer) as tranche,
        cast(transects_surveyed as integer) as transects_surveyed,
        cast(litter_below_standard as integer) as litter_below_standard,
        cast(detritus_below_standard as integer) as detritus_below_standard,
        cast(graffiti_below_standard as integer) as graffiti_below_standard,
        cast(fly_posting_below_standard as integer) as fly_posting_below_standard,
        cast(survey_cost as double) as survey_cost,
        cast(nullif(trim(notes), '') as varchar) as notes,
        cast(trim(is_synthetic) = 'Y' as boolean) as is_synthetic

    from source

)

select * from renamed
