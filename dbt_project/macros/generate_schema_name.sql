{#
    Models are built into schemas named exactly as configured (staging, intermediate, marts,
    seeds), without dbt's default "<target schema>_" prefix: the warehouse has one target, and
    analysts and Superset address `marts.<table>` directly.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
