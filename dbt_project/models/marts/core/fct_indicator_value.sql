{#-
    Built by submission. A full build keys every reconciled value and numbers its revisions. A
    nightly build takes in only the submissions received since the last one, and merges:
    - their values are inserted, numbered after the revisions already held;
    - the value each new revision supersedes is updated (`is_latest_revision`, `superseded_at`);
    - where a new submission's dataset outranks the dataset held for a value (seed
      source_precedence), the held rows come back as tombstones (`revision_number` 0) and the
      merge deletes them: they are set aside (mart_indicator_values_set_aside), as a full build
      would set them aside. A new value outranked by the one held is not inserted.
    A build after files were deleted (retention) starts from an empty warehouse instead
    (ingestion.publish.prepare_build), so no row of a deleted file survives here.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='indicator_value_id',
    on_schema_change='fail',
    merge_clauses={
        'when_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.revision_number = 0', 'action': 'delete'},
            {
                'action': 'update',
                'mode': 'explicit',
                'update': {'include': ['is_latest_revision', 'superseded_at']},
            },
        ],
        'when_not_matched': [{'action': 'insert', 'mode': 'by_name'}],
    },
) }}

{#- every ref outside the branches below, so that dbt sees each dependency -#}
{%- set new_values = ref('int_indicator_values_unioned') -%}
{%- set reconciled_values = ref('int_indicator_values_reconciled') -%}
{%- set source_precedence = ref('source_precedence') -%}
{%- set manifests = ref('stg_ingestion__manifests') -%}
{%- set value_partition = 'indicator_id, area_code, period_id, value_type' -%}
{%- set revision_order = 'received_at asc, submission_id asc' -%}

with

{% if is_incremental() %}

    indicator_values as (

        -- the values of the submissions this table does not hold yet
        select * from {{ new_values }}
        where {{ new_submissions_only() }}

    ),

    precedence as (

        select * from {{ source_precedence }}

    ),

    with_precedence as (

        {{ with_source_precedence('indicator_values', 'precedence') }}

    ),

{% else %}

    with_precedence as (

        -- every value of the dataset kept for it
        select
            *,
            cast(null as {{ dbt.type_int() }}) as source_priority
        from {{ reconciled_values }}

    ),

{% endif %}

periods as (

    select * from {{ ref('dim_period') }}

),

keyed as (

    select
        {{ surrogate_key([
            'with_precedence.indicator_code', 'with_precedence.indicator_title'
        ]) }} as indicator_id,
        with_precedence.area_code,
        periods.period_id,
        with_precedence.value_type,
        with_precedence.value,
        with_precedence.numerator,
        with_precedence.denominator,
        with_precedence.submission_id,
        with_precedence.partner_id,
        with_precedence.marking,
        with_precedence.dataset_id,
        with_precedence.source_file,
        with_precedence.source_row_number,
        with_precedence.source_column,
        with_precedence.received_at,
        with_precedence.indicator_code,
        with_precedence.source_priority
    from with_precedence
    left join periods
        on
            with_precedence.period_type = periods.period_type
            and with_precedence.period_label = periods.period_label

),

{% if is_incremental() %}

    held as (

        -- the rows this table holds for the values that arrived
        select held.*
        from {{ this }} as held
        where exists (
            select 1
            from keyed
            where
                {{ same_indicator_value('keyed', 'held') }}
        )

    ),

    held_datasets as (

        -- the dataset held for each of those values, with its precedence for the indicator
        select distinct
            held.indicator_id,
            held.area_code,
            held.period_id,
            held.value_type,
            held.dataset_id,
            keyed.indicator_code
        from held
        inner join keyed
            on
                {{ same_indicator_value('held', 'keyed') }}

    ),

    held_precedence as (

        {{ with_source_precedence('held_datasets', 'precedence') }}

    ),

    candidates as (

        select
            {{ value_partition }}, dataset_id, source_priority
        from keyed
        union
        select
            {{ value_partition }}, dataset_id, source_priority
        from held_precedence

    ),

    kept as (

        -- the dataset kept for each value, held or new
        select
            {{ value_partition }},
            -- the order of source_order(): lowest priority first, none last, then dataset id
            arg_min(
                dataset_id,
                struct_pack(
                    unranked := source_priority is null,
                    priority := coalesce(source_priority, 0),
                    dataset := dataset_id
                )
            ) as kept_dataset_id
        from candidates
        group by {{ value_partition }}

    ),

    held_revisions as (

        select
            held.indicator_id,
            held.area_code,
            held.period_id,
            held.value_type,
            max(held.revision_number) as revisions_held
        from held
        inner join kept
            on
                {{ same_indicator_value('held', 'kept') }}
                and held.dataset_id = kept.kept_dataset_id
        group by held.indicator_id, held.area_code, held.period_id, held.value_type

    ),

    arrived as (

        -- the new values of the kept dataset, numbered after the revisions held
        select
            keyed.* exclude (indicator_code, source_priority),
            coalesce(held_revisions.revisions_held, 0) + row_number() over (
                partition by keyed.indicator_id, keyed.area_code, keyed.period_id, keyed.value_type
                order by keyed.received_at asc, keyed.submission_id asc
            ) as revision_number,
            lead(keyed.received_at) over (
                partition by keyed.indicator_id, keyed.area_code, keyed.period_id, keyed.value_type
                order by keyed.received_at asc, keyed.submission_id asc
            ) as superseded_at
        from keyed
        inner join kept
            on
                {{ same_indicator_value('keyed', 'kept') }}
                and keyed.dataset_id = kept.kept_dataset_id
        left join held_revisions
            on
                {{ same_indicator_value('keyed', 'held_revisions') }}

    ),

    first_arrivals as (

        select
            {{ value_partition }},
            min(received_at) as first_received_at
        from arrived
        group by {{ value_partition }}

    ),

    revisions as (

        select * from arrived

        union all by name

        -- the latest revision held, now superseded by the first new one
        select
            held.* exclude (indicator_value_id, is_latest_revision, superseded_at),
            first_arrivals.first_received_at as superseded_at
        from held
        inner join first_arrivals
            on
                {{ same_indicator_value('held', 'first_arrivals') }}
        inner join kept
            on
                {{ same_indicator_value('held', 'kept') }}
                and held.dataset_id = kept.kept_dataset_id
        where held.is_latest_revision

        union all by name

        -- tombstones: the held rows of a dataset a new one outranks, deleted by the merge
        select
            held.* exclude (
                indicator_value_id, revision_number, is_latest_revision, superseded_at
            ),
            0 as revision_number,
            held.superseded_at
        from held
        inner join kept
            on
                {{ same_indicator_value('held', 'kept') }}
        where held.dataset_id != kept.kept_dataset_id

    ),

{% else %}

    revisions as (

        -- every submission's value is kept; the one received last is the current figure
        select
            * exclude (indicator_code, source_priority),
            row_number() over (
                partition by {{ value_partition }}
                order by {{ revision_order }}
            ) as revision_number,
            -- when the next revision arrived: until then this one was the figure known
            lead(received_at) over (
                partition by {{ value_partition }}
                order by {{ revision_order }}
            ) as superseded_at
        from keyed

    ),

{% endif %}

final as (

    select
        {{ surrogate_key([
            'indicator_id', 'area_code', 'period_id', 'value_type', 'submission_id'
        ]) }} as indicator_value_id,
        cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
        cast(area_code as {{ dbt.type_string() }}) as area_code,
        cast(period_id as {{ dbt.type_string() }}) as period_id,
        cast(value_type as {{ dbt.type_string() }}) as value_type,
        cast(value as double) as value,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(marking as {{ dbt.type_string() }}) as marking,
        cast(dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row_number as {{ dbt.type_int() }}) as source_row_number,
        cast(source_column as {{ dbt.type_string() }}) as source_column,
        cast(received_at as timestamp) as received_at,
        cast(revision_number as {{ dbt.type_int() }}) as revision_number,
        superseded_at is null as is_latest_revision,
        cast(superseded_at as timestamp) as superseded_at
    from revisions

)

select * from final
