with

source as (

    select * from {{ source_or_empty('sefton_council', 'ni_scorecard') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

        -- where and when
        cast(trim(area_code) as varchar) as area_code,
        cast(trim(reporting_period) as varchar) as reporting_period,

        -- the indicator, as printed
        cast(trim(scorecard) as varchar) as scorecard,
        cast(trim(indicator_code) as varchar) as indicator_code,
        cast(trim(indicator_title) as varchar) as indicator_title,
        cast(nullif(trim(polarity), '') as varchar) as polarity,
        coalesce(upper(trim(is_laa)) = 'Y', false) as is_laa,

        -- values
        cast(op_value as double) as op_value,
        cast(latest_value as double) as latest_value,
        cast(nullif(upper(trim(latest_value_flag)), '') as varchar) as latest_value_flag,

        -- the council's assessment, as printed
        cast(nullif(trim(regional_comparison), '') as varchar) as regional_comparison,
        cast(nullif(trim(national_comparison), '') as varchar) as national_comparison,
        cast(quartile as integer) as quartile,
        cast(nullif(trim(direction_of_travel), '') as varchar) as direction_of_travel,
        cast(lower(trim(rag)) as varchar) as rag,
        cast(nullif(trim(notes), '') as varchar) as notes

    from source

)

select * from renamed
