with

counts_received as (

    select * from {{ ref('stg_sefton_council__action_summary') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

counts_ranked as (

    -- a count re-sent for the same reporting period in a later submission replaces the earlier
    select
        *,
        row_number() over (
            partition by reporting_period, plan, printed_in, label_as_printed
            order by received_at desc, submission_id desc
        ) as recency
    from counts_received

),

counts as (

    select * from counts_ranked
    where recency = 1

),

table_totals as (

    -- each printed table counts the same actions once: its `all` row is the total
    select
        reporting_period,
        plan,
        printed_in,
        max(action_count) as table_total
    from counts
    where status = 'all'
    group by reporting_period, plan, printed_in

),

final as (

    select
        {{ surrogate_key([
            'counts.reporting_period', 'counts.plan', 'counts.printed_in', 'counts.label_as_printed'
        ]) }} as action_summary_id,
        cast(counts.reporting_period as {{ dbt.type_string() }}) as reporting_period,
        cast(quarters.period_id as {{ dbt.type_string() }}) as period_id,
        cast(quarters.end_date as date) as period_end_date,
        cast(counts.plan as {{ dbt.type_string() }}) as plan,
        cast(
            case counts.plan
                when 'corporate_plan' then 'Corporate Plan'
                when 'departmental_service_plans' then 'Departmental Service Plans'
            end as {{ dbt.type_string() }}
        ) as plan_label,
        cast(counts.printed_in as {{ dbt.type_string() }}) as printed_in,
        cast(counts.label_as_printed as {{ dbt.type_string() }}) as label_as_printed,
        cast(counts.status as {{ dbt.type_string() }}) as status,
        cast(
            case counts.status
                when 'all' then 'All actions'
                when 'completed' then 'Completed'
                when 'all_activities_completed' then 'All activities completed'
                when 'on_target' then 'On target'
                when 'on_hold' then 'On hold'
                when 'delayed_or_overdue' then 'Delayed or overdue'
                when 'delayed_or_on_hold' then 'Delayed or on hold'
                when 'not_reported' then 'Not reported'
            end as {{ dbt.type_string() }}
        ) as status_label,
        cast(counts.rag as {{ dbt.type_string() }}) as rag,
        coalesce(counts.status = 'all', false) as is_total,
        cast(counts.action_count as {{ dbt.type_int() }}) as action_count,
        cast(counts.percentage as double) as printed_percent,
        cast(table_totals.table_total as {{ dbt.type_int() }}) as table_total,
        cast(
            round(100.0 * counts.action_count / nullif(table_totals.table_total, 0), 1) as double
        ) as percent_of_table_total,
        cast(counts.notes as {{ dbt.type_string() }}) as notes,
        cast(counts.submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(counts.received_at as timestamp) as received_at,
        cast(counts.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(counts.marking as {{ dbt.type_string() }}) as marking
    from counts
    left join table_totals
        on
            counts.reporting_period = table_totals.reporting_period
            and counts.plan = table_totals.plan
            and counts.printed_in = table_totals.printed_in
    left join periods as quarters
        on
            quarters.period_type = 'quarter'
            and counts.reporting_period = quarters.period_label

)

select * from final
