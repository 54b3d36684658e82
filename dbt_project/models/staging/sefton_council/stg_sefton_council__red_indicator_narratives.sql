with

source as (

    select * from {{ source_or_empty('sefton_council', 'red_indicator_narratives') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

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
