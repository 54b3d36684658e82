with

scorecard as (

    select * from {{ ref('mart_scorecard') }}

),

narratives_received as (

    select * from {{ ref('stg_sefton_council__red_indicator_narratives') }}

),

narratives_ranked as (

    -- a narrative re-sent in a later submission replaces the earlier one
    select
        *,
        row_number() over (
            partition by reporting_period, indicator_code
            order by received_at desc, submission_id desc
        ) as recency
    from narratives_received

),

narratives as (

    select * from narratives_ranked
    where recency = 1

),

red_rows as (

    -- rated red by the council, by the warehouse's rule set, or by both
    select
        *,
        case
            when rag = 'red' and computed_rag = 'red' then 'both'
            when rag = 'red' then 'council'
            else 'warehouse'
        end as rated_red_by
    from scorecard
    where rag = 'red' or computed_rag = 'red'

),

final as (

    select
        red_rows.scorecard_row_id,
        red_rows.reporting_period,
        red_rows.area_code,
        red_rows.strategic_objective,
        red_rows.scorecard,
        red_rows.scorecard_sort_order,
        red_rows.row_order,
        red_rows.indicator_id,
        red_rows.indicator_code,
        red_rows.indicator_title,
        red_rows.polarity,
        red_rows.is_laa,
        cast(red_rows.rated_red_by as {{ dbt.type_string() }}) as rated_red_by,
        red_rows.rag,
        red_rows.computed_rag,
        red_rows.computed_rag_rule,
        red_rows.op_value,
        red_rows.latest_value,
        red_rows.latest_value_type,
        red_rows.regional_comparison,
        red_rows.national_comparison,
        red_rows.quartile,
        red_rows.direction_of_travel,
        red_rows.computed_direction_of_travel,
        cast(narratives.narrative as {{ dbt.type_string() }}) as narrative,
        cast(narratives.code_as_printed as {{ dbt.type_string() }}) as narrative_code_as_printed,
        cast(narratives.notes as {{ dbt.type_string() }}) as narrative_notes,
        narratives.submission_id is not null as has_narrative_row,
        cast(narratives.submission_id as {{ dbt.type_string() }}) as narrative_submission_id,
        red_rows.submission_id,
        red_rows.partner_id,
        -- the more restrictive marking of the scorecard row and its narrative
        cast(
            case
                when narratives.marking = 'OFFICIAL-SENSITIVE' then narratives.marking
                else red_rows.marking
            end as {{ dbt.type_string() }}
        ) as marking
    from red_rows
    left join narratives
        on
            red_rows.reporting_period = narratives.reporting_period
            and red_rows.indicator_code = narratives.indicator_code

)

select * from final
