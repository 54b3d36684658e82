with

scorecard_rows as (

    select * from {{ ref('stg_sefton_council__ni_scorecard') }}

),

with_financial_year as (

    -- 'Q4 2009/10' and '2009/10' both end in the financial year they belong to
    select
        *,
        {{ dbt.safe_cast(
            "substring(" ~ dbt.right('reporting_period', 7) ~ ", 1, 4)",
            dbt.type_int()
        ) }} as financial_year_start
    from scorecard_rows

),

op_values as (

    -- the OP (One Place) value is the outturn of the financial year before the one reported
    select
        submission_id,
        source_row_number,
        {{ submission_columns() }},
        area_code,
        reporting_period,
        indicator_code,
        indicator_title,
        'op_value' as source_column,
        'financial_year' as period_type,
        {{ financial_year_label('financial_year_start - 1') }} as period_label,
        'actual' as value_type,
        op_value as value
    from with_financial_year
    where op_value is not null

),

latest_values as (

    -- the latest value is for the financial year reported; its flag says what kind of value
    select
        submission_id,
        source_row_number,
        {{ submission_columns() }},
        area_code,
        reporting_period,
        indicator_code,
        indicator_title,
        'latest_value' as source_column,
        'financial_year' as period_type,
        {{ financial_year_label('financial_year_start') }} as period_label,
        {{ value_type_from_flag('latest_value_flag') }} as value_type,
        latest_value as value
    from with_financial_year
    where latest_value is not null

),

unioned as (

    select * from op_values
    union all
    select * from latest_values

),

final as (

    select
        {{ indicator_value_columns(exclude=['numerator', 'denominator']) }},
        -- the scorecards print rates and percentages without their counts
        cast(null as double) as numerator,
        cast(null as double) as denominator
    from unioned

)

select * from final
