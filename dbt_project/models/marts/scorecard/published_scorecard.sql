with

scorecard_rows as (

    select * from {{ ref('stg_sefton_council__ni_scorecard') }}

),

scorecard_objectives as (

    select * from {{ ref('scorecard_objectives') }}

),

ranked as (

    -- a scorecard row re-sent in a later submission replaces the earlier one here; the earlier
    -- values stay in fct_indicator_value
    select
        *,
        row_number() over (
            partition by area_code, reporting_period, indicator_code, indicator_title
            order by received_at desc, submission_id desc
        ) as recency
    from scorecard_rows

),

latest as (

    select * from ranked
    where recency = 1

),

final as (

    select
        {{ surrogate_key([
            'latest.area_code',
            'latest.reporting_period',
            'latest.indicator_code',
            'latest.indicator_title',
        ]) }} as scorecard_row_id,
        cast(latest.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(latest.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(latest.scorecard as {{ dbt.type_string() }}) as scorecard,
        cast(
            scorecard_objectives.strategic_objective as {{ dbt.type_string() }}
        ) as strategic_objective,
        cast(latest.is_laa as boolean) as is_laa,
        cast(latest.polarity as {{ dbt.type_string() }}) as polarity,
        cast(latest.regional_comparison as {{ dbt.type_string() }}) as regional_comparison,
        cast(latest.national_comparison as {{ dbt.type_string() }}) as national_comparison,
        cast(latest.quartile as {{ dbt.type_int() }}) as quartile,
        cast(latest.direction_of_travel as {{ dbt.type_string() }}) as direction_of_travel,
        cast(latest.rag as {{ dbt.type_string() }}) as rag,
        cast(latest.op_value as double) as op_value,
        cast(latest.latest_value as double) as latest_value,
        cast(
            case
                when latest.latest_value is not null
                    then {{ value_type_from_flag('latest.latest_value_flag') }}
            end as {{ dbt.type_string() }}
        ) as latest_value_type,
        cast(latest.submission_id as {{ dbt.type_string() }}) as submission_id,
        {{ surrogate_key(['latest.indicator_code', 'latest.indicator_title']) }} as indicator_id,
        cast(latest.area_code as {{ dbt.type_string() }}) as area_code,
        cast(latest.reporting_period as {{ dbt.type_string() }}) as reporting_period,
        cast(scorecard_objectives.laa_theme as {{ dbt.type_string() }}) as laa_theme,
        cast(scorecard_objectives.sort_order as {{ dbt.type_int() }}) as scorecard_sort_order,
        cast(latest.source_row_number as {{ dbt.type_int() }}) as source_row_number,
        cast(latest.notes as {{ dbt.type_string() }}) as notes,
        cast(latest.received_at as timestamp) as received_at,
        cast(latest.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(latest.marking as {{ dbt.type_string() }}) as marking
    from latest
    left join scorecard_objectives
        on latest.scorecard = scorecard_objectives.scorecard

)

select * from final
