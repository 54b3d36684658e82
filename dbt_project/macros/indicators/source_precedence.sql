{#- The rows of `indicator_values` (a CTE of int_indicator_values_unioned's columns) with their
    dataset's precedence from `precedence` (the seed source_precedence): the dataset's line for
    the row's indicator code if it has one, else its line for every indicator (`*`); a dataset
    with no line has no priority (null). -#}
{% macro with_source_precedence(indicator_values='indicator_values', precedence='precedence') %}
    select
        {{ indicator_values }}.*,
        coalesce(for_indicator.priority, for_dataset.priority) as source_priority,
        coalesce(for_indicator.indicator_scope, for_dataset.indicator_scope) as precedence_scope,
        coalesce(for_indicator.reason, for_dataset.reason) as precedence_reason
    from {{ indicator_values }}
    left join {{ precedence }} as for_indicator
        on
            {{ indicator_values }}.dataset_id = for_indicator.dataset_id
            and {{ indicator_values }}.indicator_code = for_indicator.indicator_scope
    left join {{ precedence }} as for_dataset
        on
            {{ indicator_values }}.dataset_id = for_dataset.dataset_id
            and for_dataset.indicator_scope = '*'
{% endmacro %}

{#- The order datasets are kept in for one value: lowest priority first, no stated priority
    last, then by dataset id (an `order by` list). -#}
{% macro source_order(priority='source_priority', dataset_id='dataset_id') -%}
    case when {{ priority }} is null then 1 else 0 end, {{ priority }}, {{ dataset_id }}
{%- endmacro %}
