{#- A table built by submission: a nightly build derives only the submissions received since the
    last (every value here comes from one submission's rows alone), and appends them. -#}
{{ config(materialized='incremental', incremental_strategy='append') }}

with

recorded_crime as (

    select * from {{ ref('stg_synthetic_merseyside_police__recorded_crime') }}
    where {{ new_submissions_only() }}

),

ward_health as (

    select * from {{ ref('stg_synthetic_nhs_sefton__ward_health_indicators') }}
    where {{ new_submissions_only() }}

),

claimants as (

    select * from {{ ref('stg_synthetic_sefton_council__out_of_work_benefit_claimants') }}
    where {{ new_submissions_only() }}

),

fire_incidents as (

    select * from {{ ref('stg_synthetic_merseyside_fire__fire_incidents') }}
    where {{ new_submissions_only() }}

),

cleanliness as (

    select * from {{ ref('stg_synthetic_sefton_council__street_cleanliness_surveys') }}
    where {{ new_submissions_only() }}

),

partner_indicators as (

    select * from {{ ref('partner_indicators') }}

),

measures as (

    select * from {{ ref('indicator_measures') }}

),

crime_by_month as (

    -- each month's crimes as the partner gives them, also kept at month grain ('2009-04' is
    -- `Apr 2009`)
    select
        submission_id,
        source_row_number,
        {{ submission_columns() }},
        area_code,
        'month' as period_type,
        {{ month_label(
            "cast(substring(reporting_month, 1, 4) as " ~ dbt.type_int() ~ ")",
            "cast(substring(reporting_month, 6, 2) as " ~ dbt.type_int() ~ ")"
        ) }} as period_label,
        offence_group as measure,
        'recorded_crimes' as source_column,
        cast(recorded_crimes as double) as numerator,
        cast(population as double) as denominator,
        cast(null as double) as partner_value
    from recorded_crime

),

crime_by_year as (

    -- a financial year's crimes are the sum of its twelve months ('2009-04' to '2010-03');
    -- a year with a month missing gives no value
    select
        submission_id,
        min(source_row_number) as source_row_number,
        {{ submission_columns() }},
        area_code,
        'financial_year' as period_type,
        {{ financial_year_label(
            "cast(substring(reporting_month, 1, 4) as integer)"
            ~ " - case when cast(substring(reporting_month, 6, 2) as integer) < 4 then 1 else 0 end"
        ) }} as period_label,
        offence_group as measure,
        'recorded_crimes' as source_column,
        cast(sum(recorded_crimes) as double) as numerator,
        cast(avg(population) as double) as denominator,
        cast(null as double) as partner_value
    from recorded_crime
    group by
        submission_id, {{ submission_columns() }}, area_code,
        period_label, offence_group
    having count(*) = 12

),

health_values as (

    -- the partner gives the value with its numerator and denominator
    select
        submission_id,
        source_row_number,
        {{ submission_columns() }},
        area_code,
        'financial_year' as period_type,
        financial_year as period_label,
        indicator as measure,
        'value' as source_column,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        value as partner_value
    from ward_health

),

claimants_by_year as (

    -- NI 152 for a financial year is the average of its four quarterly counts
    select
        submission_id,
        min(source_row_number) as source_row_number,
        {{ submission_columns() }},
        area_code,
        'financial_year' as period_type,
        {{ dbt.right('reporting_quarter', 7) }} as period_label,
        'claimants' as measure,
        'claimants' as source_column,
        avg(claimants) as numerator,
        avg(working_age_population) as denominator,
        cast(null as double) as partner_value
    from claimants
    group by
        submission_id, {{ submission_columns() }}, area_code,
        period_label
    having count(*) = 4

),

fire_values as (

    select
        submission_id,
        source_row_number,
        {{ submission_columns() }},
        area_code,
        'financial_year' as period_type,
        financial_year as period_label,
        incident_type as measure,
        'incidents' as source_column,
        cast(incidents as double) as numerator,
        cast(population as double) as denominator,
        cast(null as double) as partner_value
    from fire_incidents

),

cleanliness_by_year as (

    -- a financial year's survey is its three tranches together
    select
        submission_id,
        min(source_row_number) as source_row_number,
        {{ submission_columns() }},
        area_code,
        financial_year as period_label,
        sum(transects_surveyed) as transects_surveyed,
        sum(litter_below_standard) as litter_below_standard,
        sum(detritus_below_standard) as detritus_below_standard,
        sum(graffiti_below_standard) as graffiti_below_standard,
        sum(fly_posting_below_standard) as fly_posting_below_standard
    from cleanliness
    group by
        submission_id, {{ submission_columns() }}, area_code,
        financial_year
    having count(*) = 3

),

cleanliness_values as (

    {% for element in ['litter', 'detritus', 'graffiti', 'fly_posting'] %}
        select
            submission_id,
            source_row_number,
            {{ submission_columns() }},
            area_code,
            'financial_year' as period_type,
            period_label,
            '{{ element }}' as measure,
            '{{ element }}_below_standard' as source_column,
            cast({{ element }}_below_standard as double) as numerator,
            cast(transects_surveyed as double) as denominator,
            cast(null as double) as partner_value
        from cleanliness_by_year
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

unioned as (

    select * from crime_by_month
    union all
    select * from crime_by_year
    union all
    select * from health_values
    union all
    select * from claimants_by_year
    union all
    select * from fire_values
    union all
    select * from cleanliness_values

),

final as (

    -- each measure becomes its indicator (seed partner_indicators); a value the partner did
    -- not give is the numerator over the denominator times the indicator's multiplier
    select
        unioned.submission_id,
        unioned.source_row_number,
        unioned.source_column,
        {{ submission_columns('unioned') }},
        unioned.area_code,
        unioned.period_label as reporting_period,
        partner_indicators.indicator_code,
        partner_indicators.indicator_title,
        unioned.period_type,
        unioned.period_label,
        'actual' as value_type,
        coalesce(
            unioned.partner_value,
            round(unioned.numerator / unioned.denominator * measures.multiplier, 2)
        ) as value,
        unioned.numerator,
        unioned.denominator
    from unioned
    inner join partner_indicators
        on
            unioned.dataset_id = partner_indicators.dataset_id
            and unioned.measure = partner_indicators.measure
    left join measures
        on partner_indicators.indicator_code = measures.indicator_code

)

select * from final
