with

scorecard_rows as (

    select * from {{ ref('stg_sefton_council__ni_scorecard') }}

),

scorecard_objectives as (

    select * from {{ ref('scorecard_objectives') }}

),

ranked as (

    -- an indicator's attributes are taken from the latest submission that lists it
    select
        *,
        row_number() over (
            partition by indicator_code, indicator_title
            order by received_at desc, submission_id desc, source_row_number asc
        ) as recency
    from scorecard_rows

),

latest as (

    select * from ranked
    where recency = 1

),

final as (

    select
        {{ surrogate_key(['latest.indicator_code', 'latest.indicator_title']) }} as indicator_id,
        cast(latest.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(latest.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(latest.polarity as {{ dbt.type_string() }}) as polarity,
        -- no dataset states units yet; the scorecards print rates, percentages and counts alike
        cast(null as {{ dbt.type_string() }}) as unit,
        cast(latest.is_laa as boolean) as is_laa,
        cast(latest.scorecard as {{ dbt.type_string() }}) as scorecard,
        cast(scorecard_objectives.sort_order as {{ dbt.type_int() }}) as scorecard_sort_order,
        cast(
            scorecard_objectives.strategic_objective as {{ dbt.type_string() }}
        ) as strategic_objective,
        cast(scorecard_objectives.laa_theme as {{ dbt.type_string() }}) as laa_theme,
        cast(latest.dataset_id as {{ dbt.type_string() }}) as source_dataset,
        cast(latest.submission_id as {{ dbt.type_string() }}) as last_submission_id
    from latest
    left join scorecard_objectives
        on latest.scorecard = scorecard_objectives.scorecard

)

select * from final
