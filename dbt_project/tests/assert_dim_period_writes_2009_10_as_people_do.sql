-- The financial year 2009/10 and its fourth quarter have the dates and labels people use.
-- Returns the expected periods that dim_period gets wrong or lacks.

with

expected as (

    select
        'FY2009-10' as period_id,
        'financial_year' as period_type,
        '2009/10' as period_label,
        {{ dbt.date(2009, 4, 1) }} as start_date,
        {{ dbt.date(2010, 3, 31) }} as end_date
    union all
    select
        'FY2009-10-Q4' as period_id,
        'quarter' as period_type,
        'Q4 2009/10' as period_label,
        {{ dbt.date(2010, 1, 1) }} as start_date,
        {{ dbt.date(2010, 3, 31) }} as end_date
    union all
    select
        'FY2008-09' as period_id,
        'financial_year' as period_type,
        '2008/09' as period_label,
        {{ dbt.date(2008, 4, 1) }} as start_date,
        {{ dbt.date(2009, 3, 31) }} as end_date
    union all
    select
        'AY2009-10' as period_id,
        'academic_year' as period_type,
        '2009/10' as period_label,
        {{ dbt.date(2009, 9, 1) }} as start_date,
        {{ dbt.date(2010, 8, 31) }} as end_date

),

periods as (

    select * from {{ ref('dim_period') }}

),

final as (

    select expected.*
    from expected
    left join periods
        on
            expected.period_id = periods.period_id
            and expected.period_type = periods.period_type
            and expected.period_label = periods.period_label
            and expected.start_date = periods.start_date
            and expected.end_date = periods.end_date
    where periods.period_id is null

)

select * from final
