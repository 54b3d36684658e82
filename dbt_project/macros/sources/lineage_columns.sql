{#- The lineage columns ingestion writes on every raw row, renamed and typed the same way in every
    staging model: which submission, file and row a value came from, and how it is marked. -#}
{% macro lineage_columns() -%}
        cast(_submission_id as varchar) as submission_id,
        cast(_source_row as integer) as source_row_number,
        cast(_partner_id as varchar) as partner_id,
        cast(_dataset_id as varchar) as dataset_id,
        cast(_source_file as varchar) as source_file,
        cast(_received_at as timestamp) as received_at,
        cast(_marking as varchar) as marking,
        cast(_is_sensitive as boolean) as is_sensitive,
{%- endmacro %}
