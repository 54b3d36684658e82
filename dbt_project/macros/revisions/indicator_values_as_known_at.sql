{#
    The indicator values as they were known at a moment: for every indicator, area, period and
    value type, the revision received at or before `as_at` and not yet superseded by then.
    Reproduces any report as it was published, however the figures were revised later.

        {{ indicator_values_as_known_at("timestamp '2010-06-01 00:00:00'") }}

    `as_at` is a SQL expression; `relation` defaults to fct_indicator_value (any relation with
    its received_at and superseded_at columns will do). The warehouse holds the same query as
    a DuckDB table function for analysts (create_indicator_values_as_known_at).
#}
{% macro indicator_values_as_known_at(as_at, relation=none) -%}
    select *
    from {{ relation if relation is not none else ref('fct_indicator_value') }}
    where
        received_at <= {{ as_at }}
        and (superseded_at is null or superseded_at > {{ as_at }})
{%- endmacro %}

{#
    Run at the end of every dbt run and build (on-run-end): creates the DuckDB table function
    `marts.indicator_values_as_known_at(as_at)` in the warehouse, so that an analyst in SQL Lab
    can write

        select * from marts.indicator_values_as_known_at(timestamp '2010-06-01')

    It is the macro above, over marts.fct_indicator_value, named without the database so that
    it keeps working when the built file is published under another name. Nothing is done for
    another adapter, for the in-memory lint target, or before fct_indicator_value exists.
#}
{% macro create_indicator_values_as_known_at() -%}
    {%- if execute and target.type == 'duckdb' and target.path != ':memory:' -%}
        {%- set fct = adapter.get_relation(
            database=target.database, schema='marts', identifier='fct_indicator_value'
        ) -%}
        {%- if fct is not none -%}
            create or replace macro marts.indicator_values_as_known_at(as_at) as table
            {{ indicator_values_as_known_at('as_at', 'marts.fct_indicator_value') }}
        {%- else -%}
            select 1 as nothing_to_create
        {%- endif -%}
    {%- else -%}
        select 1 as nothing_to_create
    {%- endif -%}
{%- endmacro %}
