{#- the judgements the council published on each scorecard row, and what each needs -#}
{%- set judgements = [
    'direction_of_travel', 'regional_comparison', 'national_comparison', 'quartile', 'rag',
] -%}
{%- set rag_needs = 'the council rated on regional and national averages, quartile and direction'
    ~ ' of travel (report section 14.1); the averages and quartiles need benchmark values no'
    ~ ' partner has sent' -%}

with

scorecard_rows as (

    select * from {{ ref('published_scorecard') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

assessments as (

    select * from {{ ref('mart_indicator_assessment') }}

),

explanations as (

    select * from {{ ref('reconciliation_explanations') }}

),

paired as (

    -- each scorecard row with the warehouse's assessment of the same indicator, area and
    -- financial year
    select
        scorecard_rows.*,
        assessments.direction_of_travel as computed_direction_of_travel,
        assessments.regional_comparison as computed_regional_comparison,
        assessments.national_comparison as computed_national_comparison,
        cast(assessments.quartile as {{ dbt.type_string() }}) as computed_quartile,
        assessments.rag as computed_rag,
        assessments.regional_value,
        assessments.national_value,
        assessments.comparator_count
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

judged as (

    {% for judgement in judgements %}
        select
            scorecard_row_id,
            reporting_period,
            area_code,
            indicator_id,
            indicator_code,
            indicator_title,
            scorecard,
            scorecard_sort_order,
            source_row_number,
            polarity,
            op_value,
            latest_value,
            latest_value_type,
            partner_id,
            marking,
            '{{ judgement }}' as judgement,
            cast({{ judgement }} as {{ dbt.type_string() }}) as published_judgement,
            computed_{{ judgement }} as computed_judgement,
            case
                {% if judgement == 'direction_of_travel' %}
                    when latest_value_type = 'target'
                        then 'the latest value is a target, not an outturn'
                    when op_value is null or latest_value is null
                        then 'the previous (OP) or latest value is not published'
                    when polarity is null
                        then 'no polarity is printed, so better or worse cannot be judged'
                {% elif judgement == 'regional_comparison' %}
                    when regional_value is null
                        then 'needs the North West value, which no partner has sent'
                {% elif judgement == 'national_comparison' %}
                    when national_value is null
                        then 'needs the England value, which no partner has sent'
                {% elif judgement == 'quartile' %}
                    when computed_quartile is null
                        then 'needs the values of other authorities, which no partner has sent'
                {% elif judgement == 'rag' %}
                    when computed_national_comparison is null and computed_quartile is null
                        then '{{ rag_needs }}'
                {% endif %}
            end as missing_input
        from paired
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

classified as (

    select
        judged.*,
        case
            when judged.judgement = 'direction_of_travel' and judged.missing_input is not null
                then 'not comparable'
            when judged.missing_input is not null then 'not computable from real data'
            when judged.published_judgement is null then 'not comparable'
            when judged.computed_judgement is null then 'not comparable'
            when judged.published_judgement = judged.computed_judgement then 'agree'
            else 'disagree'
        end as status
    from judged

),

final as (

    select
        {{ surrogate_key(['classified.scorecard_row_id', 'classified.judgement']) }}
            as reconciliation_id,
        cast(classified.scorecard_row_id as {{ dbt.type_string() }}) as scorecard_row_id,
        cast(classified.reporting_period as {{ dbt.type_string() }}) as reporting_period,
        cast(classified.area_code as {{ dbt.type_string() }}) as area_code,
        cast(classified.indicator_id as {{ dbt.type_string() }}) as indicator_id,
        cast(classified.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(classified.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(classified.scorecard as {{ dbt.type_string() }}) as scorecard,
        cast(classified.judgement as {{ dbt.type_string() }}) as judgement,
        cast(classified.published_judgement as {{ dbt.type_string() }}) as published_judgement,
        cast(classified.computed_judgement as {{ dbt.type_string() }}) as computed_judgement,
        cast(classified.status as {{ dbt.type_string() }}) as status,
        classified.status in ('agree', 'disagree') as is_in_agreement_rate,
        cast(
            case
                when classified.missing_input is not null then classified.missing_input
                when classified.status != 'not comparable' then null
                when classified.published_judgement is null
                    then 'the council published no judgement'
                else 'the warehouse could not judge it'
            end as {{ dbt.type_string() }}
        ) as reason,
        cast(explanations.cause as {{ dbt.type_string() }}) as disagreement_cause,
        cast(explanations.explanation as {{ dbt.type_string() }}) as explanation,
        cast(classified.polarity as {{ dbt.type_string() }}) as polarity,
        cast(classified.op_value as double) as previous_value,
        cast(classified.latest_value as double) as latest_value,
        cast(classified.latest_value_type as {{ dbt.type_string() }}) as latest_value_type,
        cast(classified.scorecard_sort_order as {{ dbt.type_int() }}) as scorecard_sort_order,
        cast(classified.source_row_number as {{ dbt.type_int() }}) as source_row_number,
        cast(classified.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(classified.marking as {{ dbt.type_string() }}) as marking
    from classified
    left join explanations
        on
            classified.indicator_code = explanations.indicator_code
            and classified.indicator_title = explanations.indicator_title
            and classified.judgement = explanations.judgement
            and classified.status = 'disagree'

)

select * from final
