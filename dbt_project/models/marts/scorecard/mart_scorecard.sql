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

assessments as (

    select * from {{ ref('mart_indicator_assessment') }}

),

final as (

    select
        scorecard_rows.scorecard_row_id,
        scorecard_rows.reporting_period,
        scorecard_rows.area_code,
        scorecard_rows.strategic_objective,
        scorecard_rows.laa_theme,
        scorecard_rows.scorecard,
        cast(objectives.summary_row as {{ dbt.type_string() }}) as summary_row,
        scorecard_rows.scorecard_sort_order,
        cast(
            row_number() over (
                partition by
                    scorecard_rows.reporting_period,
                    scorecard_rows.area_code,
                    scorecard_rows.scorecard
                order by scorecard_rows.source_row_number
            ) as {{ dbt.type_int() }}
        ) as row_order,
        scorecard_rows.indicator_id,
        scorecard_rows.indicator_code,
        scorecard_rows.indicator_title,
        scorecard_rows.polarity,
        scorecard_rows.is_laa,
        -- as printed
        scorecard_rows.op_value,
        scorecard_rows.regional_comparison,
        scorecard_rows.national_comparison,
        scorecard_rows.quartile,
        scorecard_rows.latest_value,
        scorecard_rows.latest_value_type,
        scorecard_rows.direction_of_travel,
        scorecard_rows.rag,
        -- as the warehouse judges the same indicator, area and financial year
        assessments.target,
        assessments.is_target_met,
        assessments.direction_of_travel as computed_direction_of_travel,
        assessments.regional_comparison as computed_regional_comparison,
        assessments.national_comparison as computed_national_comparison,
        assessments.quartile as computed_quartile,
        assessments.rag as computed_rag,
        assessments.rag_rule as computed_rag_rule,
        scorecard_rows.notes,
        scorecard_rows.submission_id,
        scorecard_rows.partner_id,
        scorecard_rows.marking
    from scorecard_rows
    left join objectives
        on scorecard_rows.scorecard = objectives.scorecard
    left join periods as quarters
        on
            quarters.period_type = 'quarter'
            and scorecard_rows.reporting_period = quarters.period_label
    left join assessments
        on
            scorecard_rows.indicator_id = assessments.indicator_id
            and scorecard_rows.area_code = assessments.area_code
            and quarters.parent_period_id = assessments.period_id

)

select * from final
