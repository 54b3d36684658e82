with

scorecard_rows as (

    select * from {{ ref('stg_sefton_council__ni_scorecard') }}

),

scorecard_objectives as (

    select * from {{ ref('scorecard_objectives') }}

),

partner_values as (

    select * from {{ ref('int_partner_indicator_values_derived') }}

),

partner_indicators as (

    select * from {{ ref('partner_indicators') }}

),

partner_latest as (

    -- an indicator computed from a partner dataset, with the latest submission that gave it
    -- (an aggregate, not a window: one pass over the values, without sorting them)
    select
        indicator_code,
        indicator_title,
        arg_max(
            dataset_id, struct_pack(received := received_at, submission := submission_id)
        ) as dataset_id,
        arg_max(
            submission_id, struct_pack(received := received_at, submission := submission_id)
        ) as submission_id
    from partner_values
    group by indicator_code, indicator_title

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

scorecard_indicators as (

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

),

partner_rows as (

    -- the partner datasets' indicators (seed partner_indicators): on no scorecard, not LAA
    select
        {{ surrogate_key(['partner_latest.indicator_code', 'partner_latest.indicator_title']) }}
            as indicator_id,
        cast(partner_latest.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(partner_latest.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(partner_indicators.polarity as {{ dbt.type_string() }}) as polarity,
        cast(partner_indicators.unit as {{ dbt.type_string() }}) as unit,
        false as is_laa,
        cast(null as {{ dbt.type_string() }}) as scorecard,
        cast(null as {{ dbt.type_int() }}) as scorecard_sort_order,
        cast(null as {{ dbt.type_string() }}) as strategic_objective,
        cast(null as {{ dbt.type_string() }}) as laa_theme,
        cast(partner_latest.dataset_id as {{ dbt.type_string() }}) as source_dataset,
        cast(partner_latest.submission_id as {{ dbt.type_string() }}) as last_submission_id
    from partner_latest
    inner join partner_indicators
        on
            partner_latest.indicator_code = partner_indicators.indicator_code
            and partner_latest.indicator_title = partner_indicators.indicator_title

),

final as (

    select * from scorecard_indicators
    union all
    select * from partner_rows

)

select * from final
