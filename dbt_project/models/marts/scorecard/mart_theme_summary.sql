{#- the counts of the report's executive summary table, in its column order -#}
{%- set comparison_counts = {
    'regional_at_or_above': "regional_comparison in ('better_by_10pct', 'better', 'equal')",
    'national_at_or_above': "national_comparison in ('better_by_10pct', 'better', 'equal')",
    'regional_10pct_above': "regional_comparison = 'better_by_10pct'",
    'national_10pct_above': "national_comparison = 'better_by_10pct'",
    'regional_below': "regional_comparison in ('worse', 'worse_by_10pct')",
    'national_below': "national_comparison in ('worse', 'worse_by_10pct')",
    'regional_10pct_below': "regional_comparison = 'worse_by_10pct'",
    'national_10pct_below': "national_comparison = 'worse_by_10pct'",
} -%}
{%- set judged_counts = {
    'quartile_1': 'quartile = 1',
    'quartile_2': 'quartile = 2',
    'quartile_3': 'quartile = 3',
    'quartile_4': 'quartile = 4',
    'green': "rag = 'green'",
    'amber': "rag = 'amber'",
    'red': "rag = 'red'",
} -%}
{#- which judgement each count is made from: a computed count is null when that judgement could
    not be computed for any indicator counted -#}
{%- set judgement_of = {
    'regional': 'regional_comparison', 'national': 'national_comparison',
    'quartile': 'quartile', 'green': 'rag', 'amber': 'rag', 'red': 'rag',
} -%}

with

scorecard_rows as (

    select * from {{ ref('published_scorecard') }}

),

objectives as (

    select * from {{ ref('scorecard_objectives') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

total_row_position as (

    -- the total comes after the last objective
    select max(summary_sort_order) + 1 as summary_sort_order
    from objectives

),

assessments as (

    select * from {{ ref('mart_indicator_assessment') }}

),

published_judgements as (

    -- the council's own judgements, as printed on each scorecard row
    select
        'published' as basis,
        scorecard_rows.reporting_period,
        scorecard_rows.area_code,
        scorecard_rows.partner_id,
        scorecard_rows.marking,
        scorecard_rows.scorecard,
        scorecard_rows.is_laa,
        scorecard_rows.regional_comparison,
        scorecard_rows.national_comparison,
        scorecard_rows.quartile,
        scorecard_rows.rag
    from scorecard_rows

),

computed_judgements as (

    -- the same scorecard rows judged by the warehouse: the assessment of the indicator for the
    -- area and the financial year of the reporting period
    select
        'computed' as basis,
        scorecard_rows.reporting_period,
        scorecard_rows.area_code,
        scorecard_rows.partner_id,
        scorecard_rows.marking,
        scorecard_rows.scorecard,
        scorecard_rows.is_laa,
        assessments.regional_comparison,
        assessments.national_comparison,
        assessments.quartile,
        assessments.rag
    from scorecard_rows
    left join periods as quarters
        on
            quarters.period_type = 'quarter'
            and scorecard_rows.reporting_period = quarters.period_label
    left join assessments
        on
            scorecard_rows.indicator_id = assessments.indicator_id
            and scorecard_rows.area_code = assessments.area_code
            and quarters.parent_period_id = assessments.period_id

),

judgements as (

    select * from published_judgements
    union all
    select * from computed_judgements

),

with_objectives as (

    select
        judgements.*,
        objectives.summary_row,
        objectives.summary_group,
        objectives.summary_sort_order,
        total_row_position.summary_sort_order as total_sort_order
    from judgements
    left join objectives
        on judgements.scorecard = objectives.scorecard
    cross join total_row_position

),

by_objective as (

    select
        basis,
        reporting_period,
        area_code,
        partner_id,
        summary_row,
        summary_group,
        summary_sort_order,
        false as is_total,
        {{ theme_summary_counts(comparison_counts, judged_counts, judgement_of) }}
    from with_objectives
    group by
        basis,
        reporting_period,
        area_code,
        partner_id,
        summary_row,
        summary_group,
        summary_sort_order

),

totals as (

    select
        basis,
        reporting_period,
        area_code,
        partner_id,
        'Total' as summary_row,
        cast(null as {{ dbt.type_string() }}) as summary_group,
        total_sort_order as summary_sort_order,
        true as is_total,
        {{ theme_summary_counts(comparison_counts, judged_counts, judgement_of) }}
    from with_objectives
    group by
        basis,
        reporting_period,
        area_code,
        partner_id,
        total_sort_order

),

unioned as (

    select * from by_objective
    union all
    select * from totals

),

final as (

    select
        {{ surrogate_key([
            'basis', 'reporting_period', 'area_code', 'partner_id', 'summary_row'
        ]) }} as theme_summary_id,
        cast(basis as {{ dbt.type_string() }}) as basis,
        cast(reporting_period as {{ dbt.type_string() }}) as reporting_period,
        cast(area_code as {{ dbt.type_string() }}) as area_code,
        cast(summary_row as {{ dbt.type_string() }}) as strategic_objective,
        cast(summary_group as {{ dbt.type_string() }}) as objective_group,
        cast(summary_sort_order as {{ dbt.type_int() }}) as sort_order,
        cast(is_total as boolean) as is_total,
        {% for column in ['indicator_count', 'laa_indicator_count']
            + comparison_counts.keys() | list + judged_counts.keys() | list %}
            cast({{ column }} as {{ dbt.type_int() }}) as {{ column }},
        {% endfor %}
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(marking as {{ dbt.type_string() }}) as marking
    from unioned

)

select * from final
