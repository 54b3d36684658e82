{#
    Incremental builds by slice: one indicator in one period.

    The marts that judge or disclose the latest values (mart_indicator_assessment,
    indicator_values) decide each row from the other rows of its slice (comparators, benchmarks,
    small-number suppression), from the slices of the same financial year (a year's quarters and
    months are suppressed together), from the years a rolling three-year period pools (it is
    suppressed with them) and from the slice of the period before (previous value, direction of
    travel). A nightly build recomputes only the slices the new submissions touch,
    with the slices those rows are decided from and the slices decided from them, and keeps the
    rest of the table as it is. When anything else the rows are decided from has changed (a
    dimension, a seed, a var, the model's SQL) it recomputes every slice.
#}

{#- The slices related to each slice of `slices` (indicator_id, period_id), as a query: the same
    indicator in every period aliased `there` that `condition` relates to the slice's own period,
    aliased `here` (both rows of `periods`) -#}
{% macro related_slices(slices, periods, here, there, condition) -%}
    select
        {{ slices }}.indicator_id,
        {{ there }}.period_id
    from {{ slices }}
    inner join {{ periods }} as {{ here }}
        on {{ slices }}.period_id = {{ here }}.period_id
    inner join {{ periods }} as {{ there }}
        on {{ condition | trim }}
{%- endmacro %}

{#- The other periods of the financial year (year, quarters and months) of each slice of
    `slices`, as a query -#}
{% macro same_year_slices(slices, periods) -%}
    {{ related_slices(slices, periods, 'slice_periods', 'same_year', "
            slice_periods.financial_year_start = same_year.financial_year_start
            and slice_periods.period_type in ('financial_year', 'quarter', 'month')
            and same_year.period_type in ('financial_year', 'quarter', 'month')") }}
{%- endmacro %}

{#- The rolling three-year periods whose window holds the financial year of each slice of
    `slices` (`direction` 'windows'), or the years, quarters and months of the window of each
    rolling three-year slice (`direction` 'years'), as a query: a pooled value is suppressed
    with a hidden period of its years -#}
{% macro window_slices(slices, periods, direction) -%}
    {%- set here, there = ('years', 'windows') if direction == 'windows' else ('windows', 'years') -%}
    {{ related_slices(slices, periods, here, there, "
            windows.period_type = 'rolling_three_year'
            and years.period_type in ('financial_year', 'quarter', 'month')
            and years.financial_year_start
            between windows.financial_year_start - 2 and windows.financial_year_start") }}
{%- endmacro %}

{#- The period after (`direction` 'next') or before ('previous') each slice of `slices`, as a
    query -#}
{% macro neighbour_slices(slices, periods, direction) -%}
    {%- set here, there = ('earlier', 'later') if direction == 'next' else ('later', 'earlier') -%}
    {{ related_slices(slices, periods, here, there, "
            earlier.period_type = later.period_type
            and earlier.end_date = " ~ dbt.dateadd('day', -1, 'later.start_date')) }}
{%- endmacro %}

{#- The CTEs `touched_slices`, `rebuilt_slices` (the slices a nightly build recomputes) and
    `read_slices` (the slices their rows are decided from), for the latest values in `facts` of
    the submissions this build takes in (intermediate.new_submissions) -#}
{% macro rebuilt_slices_ctes(facts, periods) -%}
    touched_slices as (

        -- the slices the new submissions give a value to
        select distinct
            indicator_id,
            period_id
        from {{ facts }}
        where {{ new_submissions_condition() }}

    ),

    touched_years as (

        select * from touched_slices
        union
        {{ same_year_slices('touched_slices', periods) }}

    ),

    touched_windows as (

        -- and the rolling three-year periods over those years
        select * from touched_years
        union
        {{ window_slices('touched_years', periods, 'windows') }}

    ),

    rebuilt_slices as (

        -- and the periods after them, whose previous value they are
        select * from touched_windows
        union
        {{ neighbour_slices('touched_windows', periods, 'next') }}

    ),

    rebuilt_with_previous as (

        select * from rebuilt_slices
        union
        {{ neighbour_slices('rebuilt_slices', periods, 'previous') }}

    ),

    read_slices as (

        select * from rebuilt_with_previous
        union
        {{ same_year_slices('rebuilt_with_previous', periods) }}
        union
        {{ window_slices('rebuilt_with_previous', periods, 'years') }}

    )
{%- endmacro %}

{#- `(indicator_id, period_id) in (...)`: the row is in one of the slices of the CTE `slices` -#}
{% macro in_slices(slices) -%}
    (indicator_id, period_id) in (select indicator_id, period_id from {{ slices }})
{%- endmacro %}

{#- What the model's rows are decided from besides the facts, as one fingerprint: the model's
    SQL, the vars judgements read and the rows of `relations`, each a dict of `relation` and
    `columns` (a list; all columns when none) -#}
{% macro slice_context_fingerprint(relations) -%}
    md5(concat_ws(
        '|',
        {{ dbt.string_literal(model.checksum.checksum) }},
        {{ dbt.string_literal(tojson(context_vars())) }}
        {%- for context in relations %},
            (
                select coalesce(string_agg(
                    cast(context_row as {{ dbt.type_string() }}), '|' order by context_row
                ), '')
                from (
                    select {{ context.columns | join(', ') if context.columns else '*' }}
                    from {{ context.relation }}
                ) as context_row
            )
        {%- endfor %}
    ))
{%- endmacro %}

{#- What a model built by slice decides its rows from besides the facts: the relations, with
    the columns it reads of those that a new submission changes (dim_source counts
    submissions, dim_indicator names the last one) -#}
{% macro slice_context(model_name) %}
    {%- set relations = [
        {
            'relation': ref('dim_indicator'),
            'columns': [
                'indicator_id', 'indicator_code', 'indicator_title', 'polarity', 'unit',
                'is_laa', 'scorecard', 'strategic_objective', 'laa_theme',
            ],
        },
        {
            'relation': ref('dim_source'),
            'columns': ['dataset_id', 'small_number_threshold', 'theme', 'theme_label'],
        },
        {'relation': ref('dim_area')},
        {'relation': ref('dim_period')},
        {'relation': ref('value_types')},
    ] -%}
    {%- if model_name == 'mart_indicator_assessment' -%}
        {%- set relations = relations + [
            {'relation': ref('int_area_benchmarks_resolved')},
            {'relation': ref('indicator_measures')},
            {'relation': ref('rag_rules')},
        ] -%}
    {%- endif -%}
    {{ return(relations) }}
{% endmacro %}

{#- The fingerprint of what this model decides its rows from (macro slice_context) -#}
{% macro this_slice_fingerprint() -%}
    {{ slice_context_fingerprint(slice_context(this.identifier)) }}
{%- endmacro %}

{#- The configuration of a model built by slice (call it at the top of the model) -#}
{% macro built_by_slice() %}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_rebuilt_slices() }}",
        post_hook="{{ record_slice_context() }}",
    ) }}
{% endmacro %}

{#- `order by` the slice (period, then indicator), closing the select of a model built by slice:
    a table stored in that order keeps each period's rows in a few row groups, so a nightly
    build's delete and append touch the row groups of the recent periods only, and the commit
    rewrites those instead of every row group of the table -#}
{% macro slice_order() -%}
    order by period_id, indicator_id
{%- endmacro %}

{#- The vars that judgements read, in a stable order -#}
{% macro context_vars() -%}
    {{ return({
        'direction_of_travel_tolerance': var('direction_of_travel_tolerance'),
        'quartile_comparator_group': var('quartile_comparator_group'),
        'quartile_minimum_comparators': var('quartile_minimum_comparators'),
        'first_financial_year': var('first_financial_year'),
        'last_financial_year': var('last_financial_year'),
    }) }}
{%- endmacro %}

{#- Whether this build recomputes every slice of the model: it is a full build, or what the
    rows are decided from (macro this_slice_fingerprint) is not what it was
    when the table was last built (intermediate.slice_contexts) -#}
{% macro rebuilds_every_slice() %}
    {%- if not execute or not is_incremental() -%}
        {{ return(true) }}
    {%- endif -%}
    {#- asked of the database, not dbt's cache: a hook, not a model, writes the table -#}
    {%- set recorded = run_query(
        "select count(*) from information_schema.tables"
        ~ " where table_schema = 'intermediate' and table_name = 'slice_contexts'"
    ) -%}
    {%- if recorded.columns[0].values()[0] == 0 -%}
        {{ return(true) }}
    {%- endif -%}
    {#- the fingerprint of the model's last build -#}
    {%- set same = run_query(
        "select count(*) from (select fingerprint from " ~ build_state_relation('slice_contexts')
        ~ " where model_name = " ~ dbt.string_literal(this.identifier)
        ~ " order by recorded_at desc limit 1) where fingerprint = " ~ this_slice_fingerprint()
    ) -%}
    {{ return(same.columns[0].values()[0] == 0) }}
{% endmacro %}

{#- pre-hook of a model built by slice: in a nightly build, delete the slices it recomputes
    (all of them when macro rebuilds_every_slice says so), so that the build appends them afresh -#}
{% macro delete_rebuilt_slices() %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if not rebuilds_every_slice() %}
            where (indicator_id, period_id) in (
                with
                {{ rebuilt_slices_ctes(ref('fct_indicator_value'), ref('dim_period')) }}
                select
                    indicator_id,
                    period_id
                from rebuilt_slices
            )
        {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{#- on-run-start: the log of what the models built by slice were built from, one row a model
    and build (created here, before the models' threads start: two post-hooks creating it at
    once would conflict) -#}
{% macro create_slice_contexts() %}
    create schema if not exists {{ build_state_relation('slice_contexts').schema }};
    create table if not exists {{ build_state_relation('slice_contexts') }} (
        model_name {{ dbt.type_string() }},
        fingerprint {{ dbt.type_string() }},
        slices_held {{ dbt.type_int() }},
        slices_rebuilt {{ dbt.type_int() }},
        recorded_at timestamp
    )
{% endmacro %}

{#- post-hook of a model built by slice: log the fingerprint of what its rows were decided
    from, for the next nightly build to compare, and how many of the slices the table holds this
    build recomputed (appended: the models' post-hooks run at once); nothing when it recomputed
    nothing -#}
{% macro record_slice_context() %}
    {%- set every_slice = rebuilds_every_slice() -%}
    insert into {{ build_state_relation('slice_contexts') }}
    with

    {% if not every_slice -%}
        {{ rebuilt_slices_ctes(ref('fct_indicator_value'), ref('dim_period')) }},
    {%- endif %}

    held as (

        select distinct
            indicator_id,
            period_id
        from {{ this }}

    ),

    logged as (

        select
            {{ dbt.string_literal(this.identifier) }} as model_name,
            {{ this_slice_fingerprint() }} as fingerprint,
            (select count(*) from held) as slices_held,
            (
                select count(*) from held
                {%- if not every_slice %}
                    where {{ in_slices('rebuilt_slices') }}
                {%- endif %}
            ) as slices_rebuilt,
            current_timestamp as recorded_at

    )

    select * from logged
    {%- if not every_slice %}
        -- a build that recomputed nothing leaves the warehouse as it was, this log included
        where slices_rebuilt > 0
    {%- endif %}
{% endmacro %}
