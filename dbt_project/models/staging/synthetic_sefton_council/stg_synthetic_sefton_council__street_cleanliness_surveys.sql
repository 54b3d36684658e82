with

source as (

    select * from {{ source_or_empty('synthetic_sefton_council', 'street_cleanliness_surveys') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

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
