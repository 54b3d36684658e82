{#
    The label of the rolling three-year period made of the three financial years ending with
    the one starting in `last_start_year` (an integer SQL expression): 2009 -> '2007/08 - 2009/10'.
#}
{% macro rolling_three_year_label(last_start_year) -%}
    {{ dbt.concat([
        financial_year_label("(" ~ last_start_year ~ ") - 2"),
        "' - '",
        financial_year_label(last_start_year),
    ]) }}
{%- endmacro %}

{#
    The stable id of that period in dim_period: 'R3-' and the id of the financial year it ends
    with (the year it is named after): 2009 -> 'R3-FY2009-10'.
#}
{% macro rolling_three_year_period_id(last_start_year) -%}
    {{ dbt.concat(["'R3-'", financial_year_period_id(last_start_year)]) }}
{%- endmacro %}
