{#- the areas each profile is set against; documented in _area_profile__docs.md -#}
{%- set borough_code = var('area_profile_borough_code', 'E08000014') -%}
{%- set country_code = var('area_profile_country_code', 'E92000001') -%}
{#- an indicator is profiled in the first of these period types it has ward values for -#}
{%- set period_types = var('area_profile_period_types', [
    'financial_year', 'academic_year', 'calendar_year', 'rolling_three_year', 'quarter', 'month'
]) -%}

with

all_areas as (

    select * from {{ ref('dim_area') }}

),

areas as (

    -- Sefton's wards (those in an area committee) and every area that is not a ward: the
    -- wards of other authorities (in dim_area at scale) have no area profile of Sefton's
    select all_areas.*
    from all_areas
    left join all_areas as parents
        on all_areas.parent_area_code = parents.area_code
    where all_areas.area_type != 'ward' or parents.area_type = 'area_committee'

),

indicator_values as (

    -- the latest values of those areas (at scale, most values are other authorities' wards)
    select * from {{ ref('fct_indicator_value') }}
    where
        is_latest_revision
        and area_code in (select areas.area_code from areas)

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

sources as (

    select * from {{ ref('dim_source') }}

),

measures as (

    select * from {{ ref('indicator_measures') }}

),

ward_tiles as (

    select * from {{ ref('ward_tiles') }}

),

outturns as (

    -- a period's outturn is its best measured value, as mart_indicator_assessment takes it
    -- (macro best_outturns): an actual, else an estimate, else a projection; never a target
    {{ best_outturns('indicator_values', 'value_types') }}

),

-- primary and secondary suppression (macros indicator_suppression, small_number_suppression),
-- for the wards, the area committees (the sums of their wards) and every other area, exactly
-- as mart_indicator_assessment and indicator_values decide them
disclosure as (

    {{ indicator_suppression(
        'indicator_values', 'value_types', 'sources', 'areas', 'periods'
    ) }}

),

ward_outturns as (

    select
        outturns.indicator_id,
        outturns.area_code,
        outturns.period_id,
        outturns.value,
        outturns.numerator,
        outturns.denominator,
        outturns.partner_id,
        outturns.marking,
        outturns.dataset_id,
        areas.parent_area_code,
        periods.period_type,
        periods.end_date
    from outturns
    inner join areas
        on outturns.area_code = areas.area_code
    inner join periods
        on outturns.period_id = periods.period_id
    where areas.area_type = 'ward'

),

edition_dates as (

    -- two editions a year, in April and October (the profiles are refreshed twice a year)
    select
        financial_year_start as edition_year,
        4 as edition_month,
        start_date as edition_date
    from periods
    where period_type = 'financial_year'
    union all
    select
        financial_year_start as edition_year,
        10 as edition_month,
        {{ dbt.dateadd('month', 6, 'start_date') }} as edition_date
    from periods
    where period_type = 'financial_year'

),

period_types_preferred as (

    -- the periods each indicator has ward values for, with the place of their type in the
    -- order of preference
    select distinct
        ward_outturns.indicator_id,
        ward_outturns.period_id,
        ward_outturns.end_date,
        case ward_outturns.period_type
            {%- for period_type in period_types %}
                when '{{ period_type }}' then {{ loop.index }}
            {%- endfor %}
            else {{ period_types | length + 1 }}
        end as type_preference
    from ward_outturns

),

preferred_types as (

    select
        indicator_id,
        min(type_preference) as type_preference
    from period_types_preferred
    group by indicator_id

),

indicator_periods as (

    -- an indicator's profile shows periods of one type only, the first it has ward values
    -- for: its financial years rather than the months, quarters or rolling years beside them
    select
        period_types_preferred.indicator_id,
        period_types_preferred.period_id,
        period_types_preferred.end_date
    from period_types_preferred
    inner join preferred_types
        on
            period_types_preferred.indicator_id = preferred_types.indicator_id
            and period_types_preferred.type_preference = preferred_types.type_preference

),

coverage as (

    select
        min(end_date) as first_end_date,
        max(end_date) as last_end_date
    from indicator_periods

),

editions as (

    -- from the first edition after a ward period ends to the first after the last one ends
    select
        {{ dbt.concat([
            'cast(edition_dates.edition_year as ' ~ dbt.type_string() ~ ')',
            "case edition_dates.edition_month when 4 then '-04' else '-10' end",
        ]) }} as edition_id,
        {{ dbt.concat([
            "'Area Profiles, '",
            "case edition_dates.edition_month when 4 then 'April ' else 'October ' end",
            'cast(edition_dates.edition_year as ' ~ dbt.type_string() ~ ')',
        ]) }} as edition_label,
        cast(edition_dates.edition_date as date) as edition_date
    from edition_dates
    cross join coverage
    where
        edition_dates.edition_date > coverage.first_end_date
        and {{ dbt.dateadd('month', -6, 'edition_dates.edition_date') }}
        <= coverage.last_end_date

),

edition_periods_ranked as (

    -- each indicator's latest period that ended before the edition date
    select
        editions.edition_id,
        editions.edition_label,
        editions.edition_date,
        indicator_periods.indicator_id,
        indicator_periods.period_id,
        row_number() over (
            partition by editions.edition_id, indicator_periods.indicator_id
            order by indicator_periods.end_date desc, indicator_periods.period_id asc
        ) as recency
    from editions
    inner join indicator_periods
        on editions.edition_date > indicator_periods.end_date

),

edition_periods as (

    select * from edition_periods_ranked
    where recency = 1

),

ward_rows as (

    select
        edition_periods.edition_id,
        edition_periods.indicator_id,
        edition_periods.period_id,
        ward_outturns.area_code,
        ward_outturns.value,
        ward_outturns.numerator,
        ward_outturns.denominator,
        ward_outturns.partner_id,
        ward_outturns.marking,
        ward_outturns.dataset_id
    from edition_periods
    inner join ward_outturns
        on
            edition_periods.indicator_id = ward_outturns.indicator_id
            and edition_periods.period_id = ward_outturns.period_id

),

committee_sizes as (

    select
        parent_area_code as area_code,
        count(*) as ward_total
    from areas
    where area_type = 'ward'
    group by parent_area_code

),

committee_sums as (

    -- an area committee's counts are its wards' sums, when every ward has both
    select
        ward_rows.edition_id,
        ward_rows.indicator_id,
        ward_rows.period_id,
        ward_areas.parent_area_code as area_code,
        sum(ward_rows.numerator) as numerator,
        sum(ward_rows.denominator) as denominator,
        count(ward_rows.numerator) as numerator_count,
        count(ward_rows.denominator) as denominator_count,
        max(ward_rows.partner_id) as partner_id,
        max(ward_rows.marking) as marking,
        max(ward_rows.dataset_id) as dataset_id
    from ward_rows
    inner join areas as ward_areas
        on ward_rows.area_code = ward_areas.area_code
    group by
        ward_rows.edition_id,
        ward_rows.indicator_id,
        ward_rows.period_id,
        ward_areas.parent_area_code

),

committee_rows as (

    -- only a rate, a proportion or a count can be summed (seed indicator_measures): an
    -- average, a score or a value without its counts has no committee value
    select
        committee_sums.edition_id,
        committee_sums.indicator_id,
        committee_sums.period_id,
        committee_sums.area_code,
        round(case
            when measures.measure_type = 'count' then committee_sums.numerator
            else committee_sums.numerator / committee_sums.denominator * measures.multiplier
        end, 2) as value,
        committee_sums.numerator,
        committee_sums.denominator,
        committee_sums.partner_id,
        committee_sums.marking,
        committee_sums.dataset_id
    from committee_sums
    inner join committee_sizes
        on committee_sums.area_code = committee_sizes.area_code
    inner join indicators
        on committee_sums.indicator_id = indicators.indicator_id
    inner join measures
        on indicators.indicator_code = measures.indicator_code
    where
        measures.measure_type in ('rate', 'proportion', 'count')
        and committee_sums.numerator_count = committee_sizes.ward_total
        and committee_sums.denominator_count = committee_sizes.ward_total
        and (measures.measure_type = 'count' or committee_sums.denominator > 0)

),

profile_rows as (

    select * from ward_rows
    union all
    select * from committee_rows

),

benchmarks as (

    -- the borough's and England's outturns, unless disclosure control hides them
    select
        outturns.indicator_id,
        outturns.period_id,
        outturns.area_code,
        {{ suppressed('outturns.value') }} as value
    from outturns
    left join disclosure
        on
            outturns.indicator_id = disclosure.indicator_id
            and outturns.period_id = disclosure.period_id
            and outturns.area_code = disclosure.area_code
    where outturns.area_code in ('{{ borough_code }}', '{{ country_code }}')

),

with_ci_method as (

    -- the confidence limits mart_indicator_assessment computes (macros ci_method, ci_scale):
    -- Wilson for a proportion, Byar for a rate or a count of 10 or more
    select
        profile_rows.*,
        measures.measure_type,
        {{ ci_method(
            'measures.measure_type', 'profile_rows.numerator', 'profile_rows.denominator'
        ) }} as ci_method,
        {{ ci_scale(
            'measures.measure_type', 'measures.multiplier', 'profile_rows.denominator'
        ) }} as ci_scale
    from profile_rows
    inner join indicators
        on profile_rows.indicator_id = indicators.indicator_id
    left join measures
        on indicators.indicator_code = measures.indicator_code

),

with_limits as (

    select
        *,
        {{ confidence_limit('lower', 95) }} as lower_ci_95,
        {{ confidence_limit('upper', 95) }} as upper_ci_95
    from with_ci_method

),

disclosed as (

    -- a suppressed cell keeps its row but loses its figures
    select
        with_limits.edition_id,
        with_limits.indicator_id,
        with_limits.period_id,
        with_limits.area_code,
        {{ suppressed('with_limits.value') }} as value,
        {{ suppressed('with_limits.numerator') }} as numerator,
        {{ suppressed('with_limits.denominator') }} as denominator,
        {{ suppressed('with_limits.lower_ci_95') }} as lower_ci_95,
        {{ suppressed('with_limits.upper_ci_95') }} as upper_ci_95,
        coalesce(disclosure.is_suppressed, false) as is_suppressed,
        disclosure.suppression_reason,
        with_limits.partner_id,
        with_limits.marking,
        with_limits.dataset_id
    from with_limits
    left join disclosure
        on
            with_limits.indicator_id = disclosure.indicator_id
            and with_limits.period_id = disclosure.period_id
            and with_limits.area_code = disclosure.area_code

),

compared as (

    select
        disclosed.*,
        areas.area_type,
        indicators.polarity,
        borough.value as borough_value,
        england.value as england_value,
        coalesce(
            {{ significance(
                'disclosed.lower_ci_95', 'disclosed.upper_ci_95', 'borough.value',
                'indicators.polarity'
            ) }},
            'not compared'
        ) as borough_comparison,
        coalesce(
            {{ significance(
                'disclosed.lower_ci_95', 'disclosed.upper_ci_95', 'england.value',
                'indicators.polarity'
            ) }},
            'not compared'
        ) as england_comparison,
        -- the wards ranked: those with a value shown, best first by polarity
        case
            when
                areas.area_type = 'ward'
                and disclosed.value is not null
                and indicators.polarity in ('higher_is_better', 'lower_is_better')
                then
                    case
                        when indicators.polarity = 'lower_is_better' then disclosed.value
                        else -disclosed.value
                    end
        end as rank_key
    from disclosed
    inner join areas
        on disclosed.area_code = areas.area_code
    inner join indicators
        on disclosed.indicator_id = indicators.indicator_id
    left join benchmarks as borough
        on
            disclosed.indicator_id = borough.indicator_id
            and disclosed.period_id = borough.period_id
            and borough.area_code = '{{ borough_code }}'
    left join benchmarks as england
        on
            disclosed.indicator_id = england.indicator_id
            and disclosed.period_id = england.period_id
            and england.area_code = '{{ country_code }}'

),

ward_ranks as (

    select
        edition_id,
        indicator_id,
        area_code,
        rank() over (partition by edition_id, indicator_id order by rank_key) as rank_among_wards
    from compared
    where rank_key is not null

),

ranked as (

    select
        compared.*,
        ward_ranks.rank_among_wards,
        count(
            case when compared.area_type = 'ward' and compared.value is not null then 1 end
        ) over (partition by compared.edition_id, compared.indicator_id) as ward_count
    from compared
    left join ward_ranks
        on
            compared.edition_id = ward_ranks.edition_id
            and compared.indicator_id = ward_ranks.indicator_id
            and compared.area_code = ward_ranks.area_code

),

final as (

    select
        cast(ranked.edition_id as {{ dbt.type_string() }}) as edition_id,
        cast(edition_periods.edition_label as {{ dbt.type_string() }}) as edition_label,
        cast(edition_periods.edition_date as date) as edition_date,
        cast(ranked.period_id as {{ dbt.type_string() }}) as period_id,
        cast(periods.period_type as {{ dbt.type_string() }}) as period_type,
        cast(periods.period_label as {{ dbt.type_string() }}) as period_label,
        cast(ranked.area_code as {{ dbt.type_string() }}) as area_code,
        cast(areas.area_name as {{ dbt.type_string() }}) as area_name,
        cast(areas.area_type as {{ dbt.type_string() }}) as area_type,
        cast(areas.parent_area_code as {{ dbt.type_string() }}) as parent_area_code,
        cast(areas.parent_area_name as {{ dbt.type_string() }}) as parent_area_name,
        cast(ranked.indicator_id as {{ dbt.type_string() }}) as indicator_id,
        cast(indicators.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(indicators.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(indicators.polarity as {{ dbt.type_string() }}) as polarity,
        cast(indicators.unit as {{ dbt.type_string() }}) as unit,
        cast(coalesce(sources.theme_label, sources.theme) as {{ dbt.type_string() }}) as theme,
        cast(sources.theme as {{ dbt.type_string() }}) as theme_code,
        cast(ranked.value as double) as value,
        cast(ranked.numerator as double) as numerator,
        cast(ranked.denominator as double) as denominator,
        cast(ranked.lower_ci_95 as double) as lower_ci_95,
        cast(ranked.upper_ci_95 as double) as upper_ci_95,
        cast(ranked.borough_value as double) as borough_value,
        cast(ranked.england_value as double) as england_value,
        cast(ranked.borough_comparison as {{ dbt.type_string() }}) as borough_comparison,
        cast(ranked.england_comparison as {{ dbt.type_string() }}) as england_comparison,
        cast(ranked.rank_among_wards as {{ dbt.type_int() }}) as rank_among_wards,
        cast(ranked.ward_count as {{ dbt.type_int() }}) as ward_count,
        cast(ranked.is_suppressed as boolean) as is_suppressed,
        cast(ranked.suppression_reason as {{ dbt.type_string() }}) as suppression_reason,
        cast(coalesce(sources.is_synthetic, false) as boolean) as is_synthetic,
        cast(ranked.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(ranked.marking as {{ dbt.type_string() }}) as marking,
        cast(ward_tiles.tile_column as {{ dbt.type_int() }}) as tile_column,
        cast(ward_tiles.tile_row as {{ dbt.type_int() }}) as tile_row
    from ranked
    inner join edition_periods
        on
            ranked.edition_id = edition_periods.edition_id
            and ranked.indicator_id = edition_periods.indicator_id
    inner join periods
        on ranked.period_id = periods.period_id
    inner join areas
        on ranked.area_code = areas.area_code
    inner join indicators
        on ranked.indicator_id = indicators.indicator_id
    left join sources
        on ranked.dataset_id = sources.dataset_id
    left join ward_tiles
        on ranked.area_code = ward_tiles.area_code

)

select * from final
