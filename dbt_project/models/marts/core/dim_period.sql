{%- set first_year = var('first_financial_year') -%}
{%- set last_year = var('last_financial_year') -%}

with

years as (

    {{ dbt.generate_series(last_year - first_year + 1) }}

),

quarters as (

    {{ dbt.generate_series(4) }}

),

months as (

    {{ dbt.generate_series(12) }}

),

year_starts as (

    select
        {{ first_year }} + generated_number - 1 as start_year,
        generated_number - 1 as years_after_first
    from years

),

financial_years as (

    -- April to March
    select
        {{ financial_year_period_id('start_year') }} as period_id,
        'financial_year' as period_type,
        {{ financial_year_label('start_year') }} as period_label,
        {{ dbt.dateadd('month', '12 * years_after_first', dbt.date(first_year, 4, 1)) }}
            as start_date,
        start_year as financial_year_start,
        cast(null as {{ dbt.type_int() }}) as quarter_number,
        cast(null as {{ dbt.type_string() }}) as parent_period_id,
        12 as months_long
    from year_starts

),

financial_quarters as (

    -- Q1 is April to June, so Q4 2009/10 is January to March 2010
    select
        {{ dbt.concat([
            'financial_years.period_id',
            "'-Q'",
            'cast(quarters.generated_number as ' ~ dbt.type_string() ~ ')',
        ]) }} as period_id,
        'quarter' as period_type,
        {{ dbt.concat([
            "'Q'",
            'cast(quarters.generated_number as ' ~ dbt.type_string() ~ ')',
            "' '",
            'financial_years.period_label',
        ]) }} as period_label,
        {{ dbt.dateadd(
            'month', '3 * (quarters.generated_number - 1)', 'financial_years.start_date'
        ) }} as start_date,
        financial_years.financial_year_start,
        quarters.generated_number as quarter_number,
        financial_years.period_id as parent_period_id,
        3 as months_long
    from financial_years
    cross join quarters

),

months_of_years as (

    -- the twelve months of each financial year, April (1) to March (12)
    select
        financial_years.period_id as financial_year_id,
        financial_years.financial_year_start,
        months.generated_number as month_of_year,
        {{ dbt.dateadd(
            'month', 'months.generated_number - 1', 'financial_years.start_date'
        ) }} as start_date,
        -- January to March lie in the calendar year after the one the financial year starts in
        financial_years.financial_year_start
        + case when months.generated_number >= 10 then 1 else 0 end as calendar_year,
        mod(months.generated_number + 2, 12) + 1 as calendar_month,
        case
            when months.generated_number <= 3 then 1
            when months.generated_number <= 6 then 2
            when months.generated_number <= 9 then 3
            else 4
        end as quarter_number
    from financial_years
    cross join months

),

financial_months as (

    -- a month is written as people write it (`Apr 2009`) and lies in a quarter
    select
        {{ month_period_id('calendar_year', 'calendar_month') }} as period_id,
        'month' as period_type,
        {{ month_label('calendar_year', 'calendar_month') }} as period_label,
        start_date,
        financial_year_start,
        quarter_number,
        {{ dbt.concat([
            'financial_year_id',
            "'-Q'",
            'cast(quarter_number as ' ~ dbt.type_string() ~ ')',
        ]) }} as parent_period_id,
        1 as months_long
    from months_of_years

),

rolling_three_years as (

    -- three financial years, named after the last of them: `2007/08 - 2009/10` ends with
    -- 2009/10 (so it starts on 1 April 2007); the first two years of the range start none
    select
        {{ rolling_three_year_period_id('start_year') }} as period_id,
        'rolling_three_year' as period_type,
        {{ rolling_three_year_label('start_year') }} as period_label,
        {{ dbt.dateadd(
            'month', '12 * (years_after_first - 2)', dbt.date(first_year, 4, 1)
        ) }} as start_date,
        start_year as financial_year_start,
        cast(null as {{ dbt.type_int() }}) as quarter_number,
        cast(null as {{ dbt.type_string() }}) as parent_period_id,
        36 as months_long
    from year_starts
    where years_after_first >= 2

),

calendar_years as (

    -- January to December
    select
        {{ dbt.concat([
            "'CY'", 'cast(start_year as ' ~ dbt.type_string() ~ ')'
        ]) }} as period_id,
        'calendar_year' as period_type,
        cast(start_year as {{ dbt.type_string() }}) as period_label,
        {{ dbt.dateadd('month', '12 * years_after_first', dbt.date(first_year, 1, 1)) }}
            as start_date,
        cast(null as {{ dbt.type_int() }}) as financial_year_start,
        cast(null as {{ dbt.type_int() }}) as quarter_number,
        cast(null as {{ dbt.type_string() }}) as parent_period_id,
        12 as months_long
    from year_starts

),

academic_years as (

    -- September to August, written like a financial year
    select
        {{ dbt.concat([
            "'AY'",
            'cast(start_year as ' ~ dbt.type_string() ~ ')',
            "'-'",
            dbt.right('cast(start_year + 1 as ' ~ dbt.type_string() ~ ')', 2),
        ]) }} as period_id,
        'academic_year' as period_type,
        {{ financial_year_label('start_year') }} as period_label,
        {{ dbt.dateadd('month', '12 * years_after_first', dbt.date(first_year, 9, 1)) }}
            as start_date,
        cast(null as {{ dbt.type_int() }}) as financial_year_start,
        cast(null as {{ dbt.type_int() }}) as quarter_number,
        cast(null as {{ dbt.type_string() }}) as parent_period_id,
        12 as months_long
    from year_starts

),

unioned as (

    -- every part has the same columns in the same order
    select * from financial_years
    union all
    select * from financial_quarters
    union all
    select * from financial_months
    union all
    select * from rolling_three_years
    union all
    select * from calendar_years
    union all
    select * from academic_years

),

final as (

    select
        cast(period_id as {{ dbt.type_string() }}) as period_id,
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        cast(period_label as {{ dbt.type_string() }}) as period_label,
        cast(start_date as date) as start_date,
        -- the day before the next period starts
        cast(
            {{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('month', 'months_long', 'start_date')
            ) }} as date
        ) as end_date,
        cast(financial_year_start as {{ dbt.type_int() }}) as financial_year_start,
        cast(quarter_number as {{ dbt.type_int() }}) as quarter_number,
        cast(parent_period_id as {{ dbt.type_string() }}) as parent_period_id
    from unioned

)

select * from final
