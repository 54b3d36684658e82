{#
    source() for a source read from files in the data directory, which may not exist yet.

    A source declares `files` (a glob under UNDERSTOOD_DATA_DIR) in its meta, and dbt-duckdb's
    `external_location` reads that glob. DuckDB refuses a glob that matches nothing, yet "no
    submission has arrived for this dataset" is a normal state for a new contract. So when the
    glob is empty this returns an empty relation with the columns and data types declared in the
    source's YAML, and the models downstream build empty instead of failing.

    Calling source() first keeps the lineage (and `dbt source freshness`) unchanged.
#}
{% macro source_or_empty(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}

    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- set meta = node.config.meta if node.config.meta else node.meta -%}
    {%- set files = meta.get('files') -%}
    {%- if files is none -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ table_name ~ " declares no `files` glob in its meta"
        ) }}
    {%- endif -%}

    {%- set counted = run_query("select count(*) from glob(" ~ dbt.string_literal(files) ~ ")") -%}
    {%- if counted.columns[0].values()[0] > 0 -%}
        {{ return(relation) }}
    {%- endif -%}

    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if not column.data_type -%}
            {{ exceptions.raise_compiler_error(
                "source " ~ source_name ~ "." ~ table_name ~ " column " ~ column.name
                ~ " needs a data_type for the empty fallback"
            ) }}
        {%- endif -%}
        {%- do columns.append(
            "cast(null as " ~ column.data_type ~ ") as " ~ adapter.quote(column.name)
        ) -%}
    {%- endfor -%}
    {{ return("(select " ~ columns | join(", ") ~ " where 1 = 0)") }}
{% endmacro %}
