{#-
    The day lateness is judged on: var `as_of_date` (an ISO date) when given, else the
    London calendar day the build started. Never the database's current date, so a rebuild with
    the var set reproduces a past judgement.
-#}
{%- set as_of = var('as_of_date', none)
    or run_started_at.astimezone(modules.pytz.timezone('Europe/London')).strftime('%Y-%m-%d') -%}

with

sources as (

    select * from {{ ref('dim_source') }}

),

submissions as (

    select * from {{ ref('mart_submission_log') }}

),

incidents as (

    select * from {{ ref('stg_ingestion__incidents') }}

),

received as (

    select
        dataset_id,
        count(*) as submission_count,
        sum(case when outcome = 'accepted' then 1 else 0 end) as accepted_count,
        sum(case when outcome = 'rejected' then 1 else 0 end) as rejected_count,
        sum(case when outcome = 'duplicate' then 1 else 0 end) as duplicate_count,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at,
        max(case when outcome = 'accepted' then received_at end) as last_accepted_at,
        max(case when outcome = 'accepted' then received_date end) as last_accepted_date
    from submissions
    where dataset_id is not null
    group by dataset_id

),

incident_counts as (

    select
        dataset_id,
        count(*) as incident_count
    from incidents
    group by dataset_id

),

contracts as (

    select
        sources.*,
        cast('{{ as_of }}' as date) as assessed_date,
        -- the length of a period of the cadence, in months; ad hoc deliveries have none
        case sources.cadence
            when 'monthly' then 1
            when 'quarterly' then 3
            when 'biannual' then 6
            when 'annual' then 12
        end as period_months,
        -- days after a period's end by which its file is due (the contract's delivery.due_day);
        -- without one, lateness is not assessed, as in the overdue report
        sources.due_day as due_days
    from sources

),

shifted as (

    -- Shifting the day three months back makes the financial year's periods calendar ones
    -- (April becomes January), so a period's end is found by month arithmetic alone.
    select
        *,
        {{ dbt.dateadd(
            'month', -3, dbt.dateadd('day', '-due_days', 'assessed_date')
        ) }} as shifted_day
    from contracts

),

latest_due_period as (

    -- The latest period whose file is due by now: the last period of the cadence that ends on
    -- or before assessed_date minus the due days minus one day.
    select
        *,
        cast(
            {{ dbt.dateadd(
                'day',
                -1,
                dbt.dateadd(
                    'month',
                    '3 - mod(cast(extract(year from shifted_day) as integer) * 12'
                    ~ ' + cast(extract(month from shifted_day) as integer) - 1, period_months)',
                    dbt.date_trunc('month', 'shifted_day')
                )
            ) }} as date
        ) as period_end_date
    from shifted

),

judged as (

    select
        latest_due_period.*,
        received.last_accepted_date,
        case
            when latest_due_period.period_months is null then 'not_assessed'
            when latest_due_period.due_days is null then 'not_assessed'
            when latest_due_period.valid_from > latest_due_period.assessed_date then 'not_assessed'
            when latest_due_period.valid_to < latest_due_period.assessed_date then 'not_assessed'
            -- the arrangement's first period is not due yet
            when latest_due_period.period_end_date < latest_due_period.valid_from
                then 'not_due_yet'
            -- a file accepted after the period ended is taken to be that period's
            when received.last_accepted_date > latest_due_period.period_end_date then 'on_time'
            else 'overdue'
        end as lateness_status
    from latest_due_period
    left join received
        on latest_due_period.dataset_id = received.dataset_id

),

final as (

    select
        cast(judged.dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(judged.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(judged.partner_name as {{ dbt.type_string() }}) as partner_name,
        cast(judged.dataset_title as {{ dbt.type_string() }}) as dataset_title,
        cast(judged.theme as {{ dbt.type_string() }}) as theme,
        cast(judged.category as {{ dbt.type_string() }}) as category,
        cast(judged.cadence as {{ dbt.type_string() }}) as cadence,
        cast(judged.agreement_reference as {{ dbt.type_string() }}) as agreement_reference,
        cast(judged.is_in_catalogue as boolean) as is_in_catalogue,

        -- what was received and what became of it
        cast(coalesce(received.submission_count, 0) as {{ dbt.type_int() }}) as submission_count,
        cast(coalesce(received.accepted_count, 0) as {{ dbt.type_int() }}) as accepted_count,
        cast(coalesce(received.rejected_count, 0) as {{ dbt.type_int() }}) as rejected_count,
        cast(coalesce(received.duplicate_count, 0) as {{ dbt.type_int() }}) as duplicate_count,
        cast(
            round(
                100.0 * received.accepted_count
                / nullif(received.accepted_count + received.rejected_count, 0),
                1
            ) as double
        ) as acceptance_percent,
        cast(coalesce(incident_counts.incident_count, 0) as {{ dbt.type_int() }}) as incident_count,

        -- completeness: how much of what was read reached the warehouse
        cast(coalesce(received.rows_read, 0) as {{ dbt.type_int() }}) as rows_read,
        cast(coalesce(received.rows_loaded, 0) as {{ dbt.type_int() }}) as rows_loaded,
        cast(
            round(100.0 * received.rows_loaded / nullif(received.rows_read, 0), 1) as double
        ) as rows_loaded_percent,

        -- when
        cast(received.first_received_at as timestamp) as first_received_at,
        cast(received.last_received_at as timestamp) as last_received_at,
        cast(received.last_accepted_at as timestamp) as last_accepted_at,
        cast(
            {{ dbt.datediff('judged.last_accepted_date', 'judged.assessed_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_since_last_accepted,

        -- lateness against the cadence, judged on assessed_date
        cast(judged.assessed_date as date) as assessed_date,
        cast(judged.lateness_status as {{ dbt.type_string() }}) as lateness_status,
        cast(
            case when judged.lateness_status != 'not_assessed' then judged.period_end_date end
            as date
        ) as period_end_date,
        cast(
            case
                when judged.lateness_status != 'not_assessed'
                    then {{ dbt.dateadd('day', 'judged.due_days', 'judged.period_end_date') }}
            end as date
        ) as due_date,
        cast(judged.due_days as {{ dbt.type_int() }}) as due_days,
        case
            when judged.lateness_status = 'not_assessed' then null
            else judged.lateness_status = 'overdue'
        end as is_overdue,
        cast(
            case
                when judged.lateness_status = 'overdue'
                    then {{ dbt.datediff(
                        dbt.dateadd('day', 'judged.due_days', 'judged.period_end_date'),
                        'judged.assessed_date',
                        'day'
                    ) }}
                when judged.lateness_status != 'not_assessed' then 0
            end as {{ dbt.type_int() }}
        ) as days_overdue,

        cast(judged.marking as {{ dbt.type_string() }}) as marking
    from judged
    left join received
        on judged.dataset_id = received.dataset_id
    left join incident_counts
        on judged.dataset_id = incident_counts.dataset_id

)

select * from final
