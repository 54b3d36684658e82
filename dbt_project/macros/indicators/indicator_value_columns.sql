{#
    indicator_value_columns(relation, exclude): the columns of the long format of indicator
    values, in their order, comma-separated (see _indicators__macros.yml).
#}
{% macro indicator_value_columns(relation=none, exclude=[]) -%}
    {%- set columns = ['submission_id', 'source_row_number', 'source_column']
        + submission_column_names()
        + [
            'area_code', 'reporting_period', 'indicator_code', 'indicator_title', 'period_type',
            'period_label', 'value_type', 'value', 'numerator', 'denominator',
        ] -%}
    {{ column_list(columns | reject('in', exclude) | list, relation) }}
{%- endmacro %}

{#
    submission_columns(relation): what a value's submission tells of it besides its id,
    comma-separated: partner_id, marking, dataset_id, source_file, received_at.
#}
{% macro submission_columns(relation=none) -%}
    {{ column_list(submission_column_names(), relation) }}
{%- endmacro %}

{% macro submission_column_names() -%}
    {{ return(['partner_id', 'marking', 'dataset_id', 'source_file', 'received_at']) }}
{%- endmacro %}

{#- the names, each qualified by `relation` if given, one a line, without a trailing comma -#}
{% macro column_list(columns, relation=none) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append((relation ~ '.' if relation else '') ~ column) -%}
    {%- endfor -%}
    {{ qualified | join(',\n        ') }}
{%- endmacro %}
