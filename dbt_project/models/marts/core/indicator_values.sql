{#-
    Built by slice (macros/incremental/slices.sql): a nightly build recomputes the indicators
    and periods its new submissions touch, with the rest of their years, the rolling three-year
    periods over those years and the periods after them, and keeps the rest.
-#}
{{ built_by_slice() }}

{%- set facts = ref('fct_indicator_value') -%}
{%- set every_slice = rebuilds_every_slice() -%}

with

{% if not every_slice -%}
    {{ rebuilt_slices_ctes(facts, ref('dim_period')) }},
{%- endif %}

indicator_values as (

    select * from {{ facts }}
    where is_latest_revision{% if not every_slice %} and {{ in_slices('read_slices') }}{% endif %}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

areas as (

    select * from {{ ref('dim_area') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

value_types as (

    select * from {{ ref('value_types') }}

),

sources as (

    select * from {{ ref('dim_source') }}

),

-- partners see this view: counts below the contract's small-number threshold are hidden, with
-- secondary suppression, exactly as in mart_indicator_assessment and mart_area_profile (macros
-- indicator_suppression, small_number_suppression)
disclosure as (

    {{ indicator_suppression(
        'indicator_values', 'value_types', 'sources', 'areas', 'periods'
    ) }}

),

final as (

    -- a hidden cell's measured values (actual, estimate, projection) lose their figures; a
    -- target is shown
    select
        indicators.indicator_code,
        indicators.indicator_title,
        indicator_values.area_code,
        areas.area_name,
        areas.area_type,
        periods.period_type,
        periods.period_label,
        indicator_values.value_type,
        case
            when disclosure.is_suppressed and indicator_values.value_type != 'target' then null
            else indicator_values.value
        end as value,
        case
            when disclosure.is_suppressed and indicator_values.value_type != 'target' then null
            else indicator_values.numerator
        end as numerator,
        case
            when disclosure.is_suppressed and indicator_values.value_type != 'target' then null
            else indicator_values.denominator
        end as denominator,
        indicator_values.dataset_id as source_dataset,
        indicator_values.submission_id,
        indicators.scorecard,
        indicators.strategic_objective,
        indicators.laa_theme,
        indicators.is_laa,
        indicators.polarity,
        indicators.unit,
        periods.start_date as period_start_date,
        periods.end_date as period_end_date,
        indicator_values.partner_id as source_partner,
        indicator_values.received_at,
        indicator_values.indicator_value_id,
        indicator_values.indicator_id,
        indicator_values.period_id,
        indicator_values.partner_id,
        indicator_values.marking
    from indicator_values
    inner join indicators
        on indicator_values.indicator_id = indicators.indicator_id
    inner join areas
        on indicator_values.area_code = areas.area_code
    inner join periods
        on indicator_values.period_id = periods.period_id
    left join disclosure
        on
            indicator_values.indicator_id = disclosure.indicator_id
            and indicator_values.period_id = disclosure.period_id
            and indicator_values.area_code = disclosure.area_code

)

select * from final
{%- if not every_slice %}
    where {{ in_slices('rebuilt_slices') }}
{%- endif %}
{{ slice_order() }}
