{#
    The label people write for a calendar month, from integer SQL expressions for its calendar
    year and its month number (1-12): (2009, 4) -> 'Apr 2009'.
#}
{% macro month_label(calendar_year, calendar_month) -%}
    {%- set names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
                     'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] -%}
    {%- set name -%}
        case {{ calendar_month }}
        {%- for name in names %} when {{ loop.index }} then '{{ name }}'{% endfor %} end
    {%- endset -%}
    {{ dbt.concat([name, "' '", "cast(" ~ calendar_year ~ " as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}

{#
    The stable id of a calendar month in dim_period: (2009, 4) -> '2009-04', as ISO 8601 writes
    a month, so ids sort in time order.
#}
{% macro month_period_id(calendar_year, calendar_month) -%}
    {{ dbt.concat([
        "cast(" ~ calendar_year ~ " as " ~ dbt.type_string() ~ ")",
        "'-'",
        dbt.right(dbt.concat(["'0'", "cast(" ~ calendar_month ~ " as " ~ dbt.type_string() ~ ")"]), 2),
    ]) }}
{%- endmacro %}
