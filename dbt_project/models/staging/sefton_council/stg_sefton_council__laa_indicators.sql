with

source as (

    select * from {{ source_or_empty('sefton_council', 'laa_indicators') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- where and when
        cast(trim(area_code) as varchar) as area_code,
        cast(trim(reporting_period) as varchar) as reporting_period,

        -- the indicator, as listed in the LAA Annual Review
        cast(trim(laa_theme) as varchar) as laa_theme,
        cast(trim(indicator_code) as varchar) as indicator_code,
        cast(trim(code_as_printed) as varchar) as code_as_printed,
        cast(trim(indicator_title) as varchar) as indicator_title,
        cast(nullif(trim(code_in_report), '') as varchar) as code_in_report,
        cast(nullif(trim(title_in_report), '') as varchar) as title_in_report,
        coalesce(upper(trim(is_statutory)) = 'Y', false) as is_statutory,
        coalesce(upper(trim(is_local_target)) = 'Y', false) as is_local_target,

        -- the council's assessment against the year's target
        cast(trim(status) as varchar) as status,
        cast(trim(status_as_printed) as varchar) as status_as_printed,
        cast(counts_as as double) as counts_as,
        cast(nullif(trim(notes), '') as varchar) as notes

    from source

)

select * from renamed
