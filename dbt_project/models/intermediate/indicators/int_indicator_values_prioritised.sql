{#- a value's indicator, area, period and value type: two datasets giving one are reconciled -#}
{%- set value_key = [
    'indicator_code', 'indicator_title', 'area_code', 'period_type', 'period_label', 'value_type'
] -%}
{#- the order datasets are kept in: lowest priority first, no stated priority last -#}
{%- set source_order =
    'case when source_priority is null then 1 else 0 end, source_priority, dataset_id' -%}

with

indicator_values as (

    select * from {{ ref('int_indicator_values_unioned') }}

),

precedence as (

    select * from {{ ref('source_precedence') }}

),

with_precedence as (

    -- the dataset's line for the indicator's code if it has one, else its line for every
    -- indicator (`*`); a dataset with no line has no priority
    select
        indicator_values.*,
        coalesce(for_indicator.priority, for_dataset.priority) as source_priority,
        coalesce(for_indicator.indicator_scope, for_dataset.indicator_scope) as precedence_scope,
        coalesce(for_indicator.reason, for_dataset.reason) as precedence_reason
    from indicator_values
    left join precedence as for_indicator
        on
            indicator_values.dataset_id = for_indicator.dataset_id
            and indicator_values.indicator_code = for_indicator.indicator_scope
    left join precedence as for_dataset
        on
            indicator_values.dataset_id = for_dataset.dataset_id
            and for_dataset.indicator_scope = '*'

),

ranked as (

    -- datasets ranked within each value key: lowest priority first, no priority last, then by
    -- dataset id; every submission of a dataset shares its rank (revisions are not ranked here)
    select
        *,
        dense_rank() over (
            partition by {{ value_key | join(', ') }}
            order by {{ source_order }}
        ) as source_rank,
        first_value(dataset_id) over (
            partition by {{ value_key | join(', ') }}
            order by {{ source_order }}
        ) as kept_dataset_id,
        first_value(source_priority) over (
            partition by {{ value_key | join(', ') }}
            order by {{ source_order }}
        ) as kept_source_priority,
        first_value(precedence_reason) over (
            partition by {{ value_key | join(', ') }}
            order by {{ source_order }}
        ) as kept_precedence_reason
    from with_precedence

),

counted as (

    select
        *,
        max(source_rank) over (partition by {{ value_key | join(', ') }}) as source_count
    from ranked

),

final as (

    select
        {{ indicator_value_columns() }},
        source_priority,
        precedence_scope,
        precedence_reason,
        source_rank,
        source_count,
        kept_dataset_id,
        kept_source_priority,
        kept_precedence_reason,
        source_rank = 1 as is_kept,
        case
            when source_rank = 1 then null
            when source_priority is null and kept_source_priority is null
                then {{ dbt.concat([
                    "'no precedence stated for '", "dataset_id", "' or '", "kept_dataset_id",
                    "' (seed source_precedence): '", "kept_dataset_id",
                    "' kept, first by dataset id'",
                ]) }}
            when source_priority is null
                then {{ dbt.concat([
                    "'no precedence stated for '", "dataset_id",
                    "' (seed source_precedence): '", "kept_dataset_id", "' kept at priority '",
                    "cast(kept_source_priority as " ~ dbt.type_string() ~ ")",
                ]) }}
            when source_priority = kept_source_priority
                then {{ dbt.concat([
                    "kept_dataset_id", "' kept, first by dataset id at the same priority '",
                    "cast(kept_source_priority as " ~ dbt.type_string() ~ ")",
                ]) }}
            else {{ dbt.concat([
                "kept_dataset_id", "' kept: priority '",
                "cast(kept_source_priority as " ~ dbt.type_string() ~ ")",
                "' before '", "dataset_id", "' at '",
                "cast(source_priority as " ~ dbt.type_string() ~ ")",
            ]) }}
        end as set_aside_reason
    from counted

)

select * from final
