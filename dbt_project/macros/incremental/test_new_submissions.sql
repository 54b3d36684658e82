{#
    Data tests scoped to the new submissions in a nightly build.

    A build that starts from the published warehouse (ingestion.publish.prepare_build) holds
    every row tested by the builds before it, and submissions never change. So a data test on
    rows by submission opts in with `where: "__new_submissions__"` (dbt_project.yml gives it to
    whole folders of models) and then checks only the submissions the last build did not take
    in: `intermediate.built_submissions` lists what each successful build took in (written at
    the end of the run), `intermediate.new_submissions` what this build takes in (written at
    its start). A build into an empty warehouse has neither, and tests every row.
#}

{#- dbt's hook for a test's `where` config, with the placeholder `__new_submissions__` -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__new_submissions__' in where -%}
            {%- set where = where | replace('__new_submissions__', new_submissions_condition()) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{%- macro build_state_relation(identifier) -%}
    {{ return(api.Relation.create(
        database=target.database, schema='intermediate', identifier=identifier
    )) }}
{%- endmacro -%}

{#- `submission_id in ('...', ...)`, the new submissions written out (so that DuckDB filters the
    raw files and tables it reads by them, below any join), or `true` when there is no list: the
    build started empty, or dbt compiles outside a build (`dbt docs generate`) -#}
{%- macro new_submissions_condition(column='submission_id') -%}
    {#- asked of the database, not dbt's cache: on-run-start wrote the table during this run -#}
    {%- set listed = run_query(
        "select count(*) from information_schema.tables"
        ~ " where table_schema = 'intermediate' and table_name = 'new_submissions'"
    ) if execute else none -%}
    {%- if listed is none or listed.columns[0].values()[0] == 0 -%}
        true
    {%- else -%}
        {%- set new_ids = run_query(
            "select submission_id from " ~ build_state_relation('new_submissions')
            ~ " order by 1"
        ) -%}
        {{ submission_id_filter(new_ids.columns[0].values() | list, column) }}
    {%- endif -%}
{%- endmacro -%}

{#- on-run-start: the accepted submissions the last build did not take in (the same in the
    nightly's two invocations, models then tests: nothing is recorded as built in between) -#}
{% macro record_new_submissions() %}
    {%- set built = adapter.get_relation(
        database=target.database, schema='intermediate', identifier='built_submissions'
    ) -%}
    {%- set manifests = adapter.get_relation(
        database=target.database, schema='staging', identifier='stg_ingestion__manifests'
    ) -%}
    {%- if built is not none and manifests is not none -%}
        create or replace table {{ build_state_relation('new_submissions') }} as
        select submission_id from {{ manifests }}
        where outcome = 'accepted'
        except
        select submission_id from {{ built }}
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{#- on-run-end: the submissions this build took in (with their raw files, so that
    prepare_build can tell when retention deleted one), once the data tests of
    fct_indicator_value have run in this invocation and nothing failed. The nightly DAG builds
    the models in one dbt invocation and tests them in the next: only the second records. -#}
{% macro record_built_submissions(results) %}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail']) | list -%}
    {%- set tested_fact = results
        | selectattr('node.resource_type', 'equalto', 'test')
        | selectattr('node.attached_node', 'equalto', 'model.sefton_understood.fct_indicator_value')
        | list -%}
    {%- if execute and failed | length == 0 and tested_fact | length > 0 -%}
        create or replace table {{ build_state_relation('built_submissions') }} as
        select submission_id, dataset_id, raw_path, received_at
        from {{ adapter.get_relation(
            database=target.database, schema='staging', identifier='stg_ingestion__manifests'
        ) }}
        where outcome = 'accepted';
        drop table if exists {{ build_state_relation('new_submissions') }}
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}
