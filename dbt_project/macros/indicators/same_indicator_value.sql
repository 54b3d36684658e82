{#- The join condition of two rows of one indicator value: the same indicator, area, period and
    value type (the partition of fct_indicator_value's revisions). -#}
{% macro same_indicator_value(left, right) -%}
    {{ left }}.indicator_id = {{ right }}.indicator_id
    and {{ left }}.area_code = {{ right }}.area_code
    and {{ left }}.period_id = {{ right }}.period_id
    and {{ left }}.value_type = {{ right }}.value_type
{%- endmacro %}
