{#
    The label people write for the year starting in `start_year` (an integer expression):
    2009 -> '2009/10'. Used for financial years (April-March) and academic years
    (September-August), which are written the same way.
#}
{% macro financial_year_label(start_year) -%}
    {{ dbt.concat([
        "cast(" ~ start_year ~ " as " ~ dbt.type_string() ~ ")",
        "'/'",
        dbt.right("cast(" ~ start_year ~ " + 1 as " ~ dbt.type_string() ~ ")", 2),
    ]) }}
{%- endmacro %}

{#
    The stable id of a financial year in dim_period: 2009 -> 'FY2009-10'.
#}
{% macro financial_year_period_id(start_year) -%}
    {{ dbt.concat([
        "'FY'",
        "cast(" ~ start_year ~ " as " ~ dbt.type_string() ~ ")",
        "'-'",
        dbt.right("cast(" ~ start_year ~ " + 1 as " ~ dbt.type_string() ~ ")", 2),
    ]) }}
{%- endmacro %}
