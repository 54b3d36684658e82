{#
    A stable text key from several columns: the md5 of the columns cast to text, joined with
    '|', nulls written as a marker so that (null, 'a') and ('', 'a') differ. The same inputs give
    the same key on every build, so keys survive rebuilds and can be linked to from outside.
#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')"
        ) -%}
        {%- if not loop.last -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
