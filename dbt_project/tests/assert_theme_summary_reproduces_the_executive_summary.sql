-- mart_theme_summary (basis `published`) reproduces the executive summary table of the Q4 2009/10
-- report (seed executive_summary_published) from the council's own scorecard rows. Returns
-- every difference that seed executive_summary_differences does not explain with the same two
-- numbers, and every explanation of a difference that no longer occurs. Passes when the Q4
-- 2009/10 scorecard has not been received (there is nothing to compare).
{%- set measures = [
    'indicator_count', 'laa_indicator_count',
    'regional_at_or_above', 'national_at_or_above', 'regional_10pct_above', 'national_10pct_above',
    'regional_below', 'national_below', 'regional_10pct_below', 'national_10pct_below',
    'quartile_1', 'quartile_2', 'quartile_3', 'quartile_4', 'green', 'amber', 'red',
] %}

with

published as (

    select * from {{ ref('executive_summary_published') }}

),

theme_summary as (

    select * from {{ ref('mart_theme_summary') }}
    where
        basis = 'published'
        and reporting_period = 'Q4 2009/10'
        and area_code = 'E08000014'

),

explained as (

    select * from {{ ref('executive_summary_differences') }}

),

published_long as (

    {% for measure in measures %}
        select
            summary_row,
            '{{ measure }}' as measure,
            -- a printed blank is none
            coalesce({{ measure }}, 0) as published_value
        from published
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

scorecard_long as (

    {% for measure in measures %}
        select
            strategic_objective as summary_row,
            '{{ measure }}' as measure,
            {{ measure }} as scorecard_value
        from theme_summary
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        coalesce(published_long.summary_row, scorecard_long.summary_row) as summary_row,
        coalesce(published_long.measure, scorecard_long.measure) as measure,
        published_long.published_value,
        scorecard_long.scorecard_value
    from published_long
    full outer join scorecard_long
        on
            published_long.summary_row = scorecard_long.summary_row
            and published_long.measure = scorecard_long.measure
    where exists (select 1 from theme_summary)

),

differences as (

    select * from compared
    where coalesce(published_value, -1) != coalesce(scorecard_value, -1)

),

unexplained as (

    select
        'unexplained difference' as problem,
        differences.summary_row,
        differences.measure,
        differences.published_value,
        differences.scorecard_value
    from differences
    left join explained
        on
            differences.summary_row = explained.summary_row
            and differences.measure = explained.measure
            and differences.published_value = explained.published_value
            and differences.scorecard_value = explained.scorecard_value
    where explained.summary_row is null

),

stale as (

    select
        'explained difference no longer occurs' as problem,
        explained.summary_row,
        explained.measure,
        explained.published_value,
        explained.scorecard_value
    from explained
    left join differences
        on
            explained.summary_row = differences.summary_row
            and explained.measure = differences.measure
            and explained.published_value = differences.published_value
            and explained.scorecard_value = differences.scorecard_value
    where differences.summary_row is null and exists (select 1 from theme_summary)

),

final as (

    select * from unexplained
    union all
    select * from stale

)

select * from final
