{#-
    Built by slice (macros/incremental/slices.sql): a nightly build recomputes the indicators
    and periods its new submissions touch, with the rest of their years, the rolling three-year
    periods over those years and the periods after them, and keeps the rest.
-#}
{{ built_by_slice() }}

{#- the partnership's settings: dbt_project.yml vars, documented in _assessment__docs.md -#}
{%- set tolerance = var('direction_of_travel_tolerance') -%}
{%- set comparator_flag = 'is_in_' ~ var('quartile_comparator_group') -%}
{%- set minimum_comparators = var('quartile_minimum_comparators') -%}

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

value_types as (

    select * from {{ ref('value_types') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

areas as (

    select * from {{ ref('dim_area') }}

),

benchmark_areas as (

    select * from {{ ref('int_area_benchmarks_resolved') }}

),

measures as (

    select * from {{ ref('indicator_measures') }}

),

rag_rules as (

    select * from {{ ref('rag_rules') }}

),

sources as (

    select * from {{ ref('dim_source') }}

),

outturns as (

    -- a period's outturn is its best measured value: an actual, else an estimate, else a
    -- projection (seed value_types, outturn_precedence); a target is never an outturn
    {{ best_outturns('indicator_values', 'value_types') }}

),

targets as (

    select * from indicator_values
    where value_type = 'target'

),

assessed_keys as (

    -- every indicator, area and period that has any value
    select distinct
        indicator_id,
        area_code,
        period_id
    from indicator_values

),

previous_periods as (

    -- the period of the same type that ends the day before this one starts
    select
        periods.period_id,
        previous_period.period_id as previous_period_id
    from periods
    inner join periods as previous_period
        on
            periods.period_type = previous_period.period_type
            and previous_period.end_date = {{ dbt.dateadd('day', -1, 'periods.start_date') }}

),

comparator_values as (

    -- the outturns of the areas in the comparator group, each with its place among areas of
    -- the same type for the same indicator and period, best first
    select
        outturns.indicator_id,
        outturns.area_code,
        outturns.period_id,
        count(*) over (
            partition by outturns.indicator_id, outturns.period_id, areas.area_type
        ) as comparator_count,
        indicators.polarity,
        -- the share of the group at or above the area, best first; without a polarity there
        -- is no best
        cume_dist() over (
            partition by outturns.indicator_id, outturns.period_id, areas.area_type
            order by
                case
                    when indicators.polarity = 'lower_is_better' then outturns.value
                    else -outturns.value
                end
        ) as share_at_or_above
    from outturns
    inner join areas
        on outturns.area_code = areas.area_code
    inner join indicators
        on outturns.indicator_id = indicators.indicator_id
    where areas.{{ comparator_flag }}

),

assembled as (

    select
        assessed_keys.indicator_id,
        indicators.indicator_code,
        indicators.indicator_title,
        indicators.polarity,
        assessed_keys.area_code,
        areas.area_name,
        areas.area_type,
        assessed_keys.period_id,
        periods.period_type,
        periods.period_label,
        outturns.value,
        outturns.value_type,
        outturns.numerator,
        outturns.denominator,
        targets.value as target,
        previous_periods.previous_period_id,
        previous_outturns.value as previous_value,
        benchmark_areas.region_code as regional_area_code,
        regional_outturns.value as regional_value,
        benchmark_areas.country_code as national_area_code,
        national_outturns.value as national_value,
        measures.measure_type,
        measures.multiplier,
        comparator_values.comparator_count,
        case
            when comparator_values.polarity in ('higher_is_better', 'lower_is_better')
                then comparator_values.share_at_or_above
        end as share_at_or_above,
        coalesce(outturns.submission_id, targets.submission_id) as submission_id,
        coalesce(outturns.partner_id, targets.partner_id) as partner_id,
        coalesce(outturns.marking, targets.marking) as marking,
        coalesce(sources.theme_label, sources.theme) as theme
    from assessed_keys
    inner join indicators
        on assessed_keys.indicator_id = indicators.indicator_id
    inner join periods
        on assessed_keys.period_id = periods.period_id
    left join areas
        on assessed_keys.area_code = areas.area_code
    left join benchmark_areas
        on assessed_keys.area_code = benchmark_areas.area_code
    left join outturns
        on
            assessed_keys.indicator_id = outturns.indicator_id
            and assessed_keys.area_code = outturns.area_code
            and assessed_keys.period_id = outturns.period_id
    left join targets
        on
            assessed_keys.indicator_id = targets.indicator_id
            and assessed_keys.area_code = targets.area_code
            and assessed_keys.period_id = targets.period_id
    left join previous_periods
        on assessed_keys.period_id = previous_periods.period_id
    left join outturns as previous_outturns
        on
            assessed_keys.indicator_id = previous_outturns.indicator_id
            and assessed_keys.area_code = previous_outturns.area_code
            and previous_periods.previous_period_id = previous_outturns.period_id
    left join outturns as regional_outturns
        on
            assessed_keys.indicator_id = regional_outturns.indicator_id
            and benchmark_areas.region_code = regional_outturns.area_code
            and assessed_keys.period_id = regional_outturns.period_id
    left join outturns as national_outturns
        on
            assessed_keys.indicator_id = national_outturns.indicator_id
            and benchmark_areas.country_code = national_outturns.area_code
            and assessed_keys.period_id = national_outturns.period_id
    left join measures
        on indicators.indicator_code = measures.indicator_code
    left join comparator_values
        on
            assessed_keys.indicator_id = comparator_values.indicator_id
            and assessed_keys.area_code = comparator_values.area_code
            and assessed_keys.period_id = comparator_values.period_id
    left join sources
        on coalesce(outturns.dataset_id, targets.dataset_id) = sources.dataset_id

),

with_ci_method as (

    -- Wilson for a proportion, Byar for a rate or a count of 10 or more (macro ci_method), and
    -- what a limit on the count is multiplied by to be on the value's scale
    select
        *,
        {{ ci_method('measure_type', 'numerator', 'denominator') }} as ci_method,
        {{ ci_scale('measure_type', 'multiplier', 'denominator') }} as ci_scale
    from assembled

),

with_limits as (

    select
        *,
        {{ confidence_limit('lower', 95) }} as lower_ci_95,
        {{ confidence_limit('upper', 95) }} as upper_ci_95,
        {{ confidence_limit('lower', 99.8) }} as lower_ci_99_8,
        {{ confidence_limit('upper', 99.8) }} as upper_ci_99_8
    from with_ci_method

),

judged as (

    select
        *,
        case
            when value is null or target is null then null
            when polarity = 'higher_is_better' then value >= target
            when polarity = 'lower_is_better' then value <= target
        end as is_target_met,
        {{ direction_of_travel('value', 'previous_value', 'polarity', tolerance) }}
            as direction_of_travel,
        {{ comparison_band('value', 'regional_value', 'polarity') }} as regional_comparison,
        {{ comparison_band('value', 'national_value', 'polarity') }} as national_comparison,
        {{ significance('lower_ci_95', 'upper_ci_95', 'regional_value', 'polarity') }}
            as regional_significance_95,
        {{ significance('lower_ci_99_8', 'upper_ci_99_8', 'regional_value', 'polarity') }}
            as regional_significance_99_8,
        {{ significance('lower_ci_95', 'upper_ci_95', 'national_value', 'polarity') }}
            as national_significance_95,
        {{ significance('lower_ci_99_8', 'upper_ci_99_8', 'national_value', 'polarity') }}
            as national_significance_99_8,
        -- quartile 1 holds the best quarter of the comparator group
        case
            when comparator_count >= {{ minimum_comparators }} and share_at_or_above is not null
                then cast(ceil(4 * share_at_or_above) as {{ dbt.type_int() }})
        end as quartile
    from with_limits

),

rag_candidates as (

    -- every rule a row meets; the first by rule_order decides its rating
    select
        judged.indicator_id,
        judged.area_code,
        judged.period_id,
        rag_rules.rag,
        rag_rules.rule_order,
        rag_rules.description as rag_rule,
        row_number() over (
            partition by judged.indicator_id, judged.area_code, judged.period_id
            order by rag_rules.rule_order
        ) as rule_rank
    from judged
    inner join rag_rules
        on
            {{ rule_matches(
                'rag_rules.is_target_met',
                'cast(judged.is_target_met as ' ~ dbt.type_string() ~ ')'
            ) }}
            and {{ rule_matches('rag_rules.direction_of_travel', 'judged.direction_of_travel') }}
            and {{ rule_matches('rag_rules.regional_comparison', 'judged.regional_comparison') }}
            and {{ rule_matches('rag_rules.national_comparison', 'judged.national_comparison') }}
            and (rag_rules.quartile_min is null or judged.quartile >= rag_rules.quartile_min)
            and (rag_rules.quartile_max is null or judged.quartile <= rag_rules.quartile_max)
    -- a row with no judgement at all gets no rating, rather than the catch-all's
    where
        judged.is_target_met is not null
        or judged.direction_of_travel is not null
        or judged.regional_comparison is not null
        or judged.national_comparison is not null
        or judged.quartile is not null

),

rated as (

    select * from rag_candidates
    where rule_rank = 1

),

final as (

    select
        {{ surrogate_key([
            'judged.indicator_id', 'judged.area_code', 'judged.period_id'
        ]) }} as indicator_assessment_id,
        cast(judged.indicator_id as {{ dbt.type_string() }}) as indicator_id,
        cast(judged.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(judged.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(judged.theme as {{ dbt.type_string() }}) as theme,
        cast(judged.area_code as {{ dbt.type_string() }}) as area_code,
        cast(judged.area_name as {{ dbt.type_string() }}) as area_name,
        cast(judged.area_type as {{ dbt.type_string() }}) as area_type,
        cast(judged.period_id as {{ dbt.type_string() }}) as period_id,
        cast(judged.period_type as {{ dbt.type_string() }}) as period_type,
        cast(judged.period_label as {{ dbt.type_string() }}) as period_label,
        cast(judged.polarity as {{ dbt.type_string() }}) as polarity,
        cast(judged.value as double) as value,
        cast(judged.value_type as {{ dbt.type_string() }}) as value_type,
        cast(judged.numerator as double) as numerator,
        cast(judged.denominator as double) as denominator,
        cast(judged.target as double) as target,
        cast(judged.is_target_met as boolean) as is_target_met,
        cast(judged.previous_period_id as {{ dbt.type_string() }}) as previous_period_id,
        cast(judged.previous_value as double) as previous_value,
        cast(judged.direction_of_travel as {{ dbt.type_string() }}) as direction_of_travel,
        cast(judged.regional_area_code as {{ dbt.type_string() }}) as regional_area_code,
        cast(judged.regional_value as double) as regional_value,
        cast(judged.regional_comparison as {{ dbt.type_string() }}) as regional_comparison,
        cast(judged.national_area_code as {{ dbt.type_string() }}) as national_area_code,
        cast(judged.national_value as double) as national_value,
        cast(judged.national_comparison as {{ dbt.type_string() }}) as national_comparison,
        cast(judged.ci_method as {{ dbt.type_string() }}) as ci_method,
        cast(judged.lower_ci_95 as double) as lower_ci_95,
        cast(judged.upper_ci_95 as double) as upper_ci_95,
        cast(judged.lower_ci_99_8 as double) as lower_ci_99_8,
        cast(judged.upper_ci_99_8 as double) as upper_ci_99_8,
        cast(
            judged.regional_significance_95 as {{ dbt.type_string() }}
        ) as regional_significance_95,
        cast(
            judged.regional_significance_99_8 as {{ dbt.type_string() }}
        ) as regional_significance_99_8,
        cast(
            judged.national_significance_95 as {{ dbt.type_string() }}
        ) as national_significance_95,
        cast(
            judged.national_significance_99_8 as {{ dbt.type_string() }}
        ) as national_significance_99_8,
        cast(judged.comparator_count as {{ dbt.type_int() }}) as comparator_count,
        cast(judged.quartile as {{ dbt.type_int() }}) as quartile,
        cast(rated.rag as {{ dbt.type_string() }}) as rag,
        cast(rated.rule_order as {{ dbt.type_int() }}) as rag_rule_order,
        cast(rated.rag_rule as {{ dbt.type_string() }}) as rag_rule,
        cast(judged.submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(judged.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(judged.marking as {{ dbt.type_string() }}) as marking
    from judged
    left join rated
        on
            judged.indicator_id = rated.indicator_id
            and judged.area_code = rated.area_code
            and judged.period_id = rated.period_id

),

-- primary and secondary suppression (macros indicator_suppression, small_number_suppression),
-- decided on the counts behind each outturn with the small-number threshold of the contract of
-- its dataset (dim_source), as in mart_area_profile and indicator_values, so the marts hide the
-- same counts
disclosure as (

    {{ indicator_suppression(
        'indicator_values', 'value_types', 'sources', 'areas', 'periods'
    ) }}

),

disclosed as (

    -- a hidden cell keeps its judgements but loses its figures, wherever they appear: its own
    -- row, and the previous, regional or national value of another row
    select
        final.indicator_assessment_id,
        final.indicator_id,
        final.indicator_code,
        final.indicator_title,
        final.theme,
        final.area_code,
        final.area_name,
        final.area_type,
        final.period_id,
        final.period_type,
        final.period_label,
        final.polarity,
        {{ suppressed('final.value') }} as value,
        final.value_type,
        {{ suppressed('final.numerator') }} as numerator,
        {{ suppressed('final.denominator') }} as denominator,
        final.target,
        final.is_target_met,
        final.previous_period_id,
        {{ suppressed('final.previous_value', 'previous_disclosure.is_suppressed') }}
            as previous_value,
        final.direction_of_travel,
        final.regional_area_code,
        {{ suppressed('final.regional_value', 'regional_disclosure.is_suppressed') }}
            as regional_value,
        final.regional_comparison,
        final.national_area_code,
        {{ suppressed('final.national_value', 'national_disclosure.is_suppressed') }}
            as national_value,
        final.national_comparison,
        {{ suppressed('final.ci_method') }} as ci_method,
        {{ suppressed('final.lower_ci_95') }} as lower_ci_95,
        {{ suppressed('final.upper_ci_95') }} as upper_ci_95,
        {{ suppressed('final.lower_ci_99_8') }} as lower_ci_99_8,
        {{ suppressed('final.upper_ci_99_8') }} as upper_ci_99_8,
        {{ suppressed('final.regional_significance_95') }} as regional_significance_95,
        {{ suppressed('final.regional_significance_99_8') }} as regional_significance_99_8,
        {{ suppressed('final.national_significance_95') }} as national_significance_95,
        {{ suppressed('final.national_significance_99_8') }} as national_significance_99_8,
        final.comparator_count,
        final.quartile,
        final.rag,
        final.rag_rule_order,
        final.rag_rule,
        final.submission_id,
        final.partner_id,
        final.marking,
        coalesce(disclosure.is_suppressed, false) as is_suppressed,
        cast(disclosure.suppression_reason as {{ dbt.type_string() }}) as suppression_reason
    from final
    left join disclosure
        on
            final.indicator_id = disclosure.indicator_id
            and final.period_id = disclosure.period_id
            and final.area_code = disclosure.area_code
    left join disclosure as previous_disclosure
        on
            final.indicator_id = previous_disclosure.indicator_id
            and final.previous_period_id = previous_disclosure.period_id
            and final.area_code = previous_disclosure.area_code
    left join disclosure as regional_disclosure
        on
            final.indicator_id = regional_disclosure.indicator_id
            and final.period_id = regional_disclosure.period_id
            and final.regional_area_code = regional_disclosure.area_code
    left join disclosure as national_disclosure
        on
            final.indicator_id = national_disclosure.indicator_id
            and final.period_id = national_disclosure.period_id
            and final.national_area_code = national_disclosure.area_code

)

select * from disclosed
{%- if not every_slice %}
    where {{ in_slices('rebuilt_slices') }}
{%- endif %}
{{ slice_order() }}
