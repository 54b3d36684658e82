{#- A table built by submission, like int_partner_indicator_values_derived: a rolling value pools
    the years of one submission, so a nightly build pools only the new submissions. -#}
{{ config(materialized='incremental', incremental_strategy='append') }}

with

yearly_values as (

    select * from {{ ref('int_partner_indicator_values_derived') }}
    where period_type = 'financial_year' and {{ new_submissions_only() }}

),

measures as (

    select * from {{ ref('indicator_measures') }}

),

poolable as (

    -- only rates of events over a population are pooled (seed indicator_measures,
    -- measure_type `rate`): three years' events over three years' population is the average
    -- yearly rate, steadier for a small area than any one year
    select
        yearly_values.*,
        measures.multiplier,
        cast(substring(yearly_values.period_label, 1, 4) as {{ dbt.type_int() }})
            as financial_year_start
    from yearly_values
    inner join measures
        on yearly_values.indicator_code = measures.indicator_code
    where
        measures.measure_type = 'rate'
        and yearly_values.numerator is not null
        and yearly_values.denominator > 0

),

pooled as (

    -- each year that ends a run of three (its own and the two before it, all in the same
    -- submission) gives the rolling period named after it; a run with a year missing gives none
    select
        last_year.submission_id,
        min(years.source_row_number) as source_row_number,
        last_year.source_column,
        {{ submission_columns('last_year') }},
        last_year.area_code,
        last_year.indicator_code,
        last_year.indicator_title,
        last_year.value_type,
        last_year.multiplier,
        last_year.financial_year_start,
        sum(years.numerator) as numerator,
        sum(years.denominator) as denominator
    from poolable as last_year
    inner join poolable as years
        on
            last_year.submission_id = years.submission_id
            and last_year.indicator_code = years.indicator_code
            and last_year.indicator_title = years.indicator_title
            and last_year.area_code = years.area_code
            and last_year.value_type = years.value_type
            and years.financial_year_start between last_year.financial_year_start - 2
            and last_year.financial_year_start
    group by
        last_year.submission_id,
        last_year.source_column,
        {{ submission_columns('last_year') }},
        last_year.area_code,
        last_year.indicator_code,
        last_year.indicator_title,
        last_year.value_type,
        last_year.multiplier,
        last_year.financial_year_start
    having count(*) = 3

),

final as (

    select
        submission_id,
        source_row_number,
        source_column,
        {{ submission_columns() }},
        area_code,
        {{ rolling_three_year_label('financial_year_start') }} as reporting_period,
        indicator_code,
        indicator_title,
        'rolling_three_year' as period_type,
        {{ rolling_three_year_label('financial_year_start') }} as period_label,
        value_type,
        round(numerator / denominator * multiplier, 2) as value,
        numerator,
        denominator
    from pooled

)

select * from final
