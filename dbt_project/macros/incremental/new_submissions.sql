{#
    Incremental builds by submission.

    A submission (one accepted file) never changes once ingested, so a model that holds rows by
    submission only has to take in the submissions it does not hold yet. These macros name them
    as a literal list, so that DuckDB reads only their raw files (parquet statistics) or table
    blocks (zone maps) instead of the whole raw zone.
#}

{#- The accepted submissions that `relation` holds no row of, as a list of ids. -#}
{% macro submissions_not_in(relation, manifests) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select submission_id from {{ manifests }}
        where outcome = 'accepted'
        except
        select distinct submission_id from {{ relation }}
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{#- A filter for the rows of the submissions this incremental model does not hold yet:
    `submission_id in (...)`, `false` when there are none; `true` in a full build. -#}
{% macro new_submissions_only(column='submission_id') %}
    {#- ref() before any condition, so that dbt orders the model after the manifests -#}
    {%- set manifests = ref('stg_ingestion__manifests') -%}
    {%- if execute and is_incremental() -%}
        {{ submission_id_filter(submissions_not_in(this, manifests), column) }}
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}

{%- macro submission_id_filter(ids, column='submission_id') -%}
    {%- if ids | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in (
            {%- for id in ids -%}
                {{ dbt.string_literal(id) }}{{ ", " if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro -%}
