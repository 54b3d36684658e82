{#
    indicator_value_columns(relation, exclude): the columns of the long format of indicator
    values, in their order, comma-separated (see _indicators__macros.yml).
#}
{% macro indicator_value_columns(relation=none, exclude=[]) -%}
    {%- set columns = [
        'submission_id', 'source_row_number', 'source_column', 'partner_id', 'marking',
        'dataset_id', 'source_file', 'received_at', 'area_code', 'reporting_period',
        'indicator_code', 'indicator_title', 'period_type', 'period_label', 'value_type',
        'value', 'numerator', 'denominator',
    ] -%}
    {%- for column in columns | reject('in', exclude) -%}
        {{ relation ~ '.' if relation }}{{ column }}{{ ',' if not loop.last }}
        {% endfor -%}
{%- endmacro %}
