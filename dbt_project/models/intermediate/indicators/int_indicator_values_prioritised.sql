{#- a value's indicator, area, period and value type: two datasets giving one are reconciled -#}
{%- set value_key = [
    'indicator_code', 'indicator_title', 'area_code', 'period_type', 'period_label', 'value_type'
] -%}
{#- the order datasets are kept in: lowest priority first, no stated priority last -#}
{%- set dataset_order = source_order() -%}

with

-- not materialized: read by two branches below, each filtered (by a test, or by
-- int_indicator_values_reconciled's reader) before it reads every value
indicator_values as not materialized (

    select * from {{ ref('int_indicator_values_unioned') }}

),

precedence as (

    select * from {{ ref('source_precedence') }}

),

indicator_datasets as (

    -- how many datasets give each indicator: only the values of an indicator given by two or
    -- more are ranked below (at scale, almost none are)
    select * from {{ ref('int_indicator_datasets_counted') }}

),

with_precedence as not materialized (

    {{ with_source_precedence('indicator_values', 'precedence') }}

),

contested as (

    select with_precedence.*
    from with_precedence
    inner join indicator_datasets
        on
            with_precedence.indicator_code = indicator_datasets.indicator_code
            and with_precedence.indicator_title = indicator_datasets.indicator_title
    where indicator_datasets.dataset_count > 1

),

uncontested as (

    -- the only dataset giving the indicator is kept
    select
        with_precedence.*,
        1 as source_rank,
        with_precedence.dataset_id as kept_dataset_id,
        with_precedence.source_priority as kept_source_priority,
        with_precedence.precedence_reason as kept_precedence_reason,
        1 as source_count
    from with_precedence
    inner join indicator_datasets
        on
            with_precedence.indicator_code = indicator_datasets.indicator_code
            and with_precedence.indicator_title = indicator_datasets.indicator_title
    where indicator_datasets.dataset_count = 1

),

ranked as (

    -- datasets ranked within each value key: lowest priority first, no priority last, then by
    -- dataset id; every submission of a dataset shares its rank (revisions are not ranked here)
    select
        *,
        dense_rank() over (
            partition by {{ value_key | join(', ') }}
            order by {{ dataset_order }}
        ) as source_rank,
        first_value(dataset_id) over (
            partition by {{ value_key | join(', ') }}
            order by {{ dataset_order }}
        ) as kept_dataset_id,
        first_value(source_priority) over (
            partition by {{ value_key | join(', ') }}
            order by {{ dataset_order }}
        ) as kept_source_priority,
        first_value(precedence_reason) over (
            partition by {{ value_key | join(', ') }}
            order by {{ dataset_order }}
        ) as kept_precedence_reason
    from contested

),

counted as (

    select
        *,
        max(source_rank) over (partition by {{ value_key | join(', ') }}) as source_count
    from ranked

    union all by name

    select * from uncontested

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
