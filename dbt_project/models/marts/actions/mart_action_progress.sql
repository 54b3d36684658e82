with

actions_received as (

    select * from {{ ref('stg_sefton_council__sprint_actions') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

actions_ranked as (

    -- an action re-sent for the same reporting period in a later submission replaces the earlier
    select
        *,
        row_number() over (
            partition by reporting_period, action_reference
            order by received_at desc, submission_id desc
        ) as recency
    from actions_received

),

actions as (

    select
        actions_ranked.*,
        quarters.period_id,
        quarters.end_date as period_end_date,
        actions_ranked.status in ('completed', 'all_activities_completed') as is_complete
    from actions_ranked
    left join periods as quarters
        on
            quarters.period_type = 'quarter'
            and actions_ranked.reporting_period = quarters.period_label
    where actions_ranked.recency = 1

),

judged as (

    -- Overdue: the deadline passed before the reporting period ended and the action was neither
    -- complete nor cancelled by then. Judged on the period's end, never on the day of the build,
    -- so the same export always gives the same answer.
    select
        *,
        deadline < period_end_date
        and not is_complete
        and status != 'cancelled' as is_overdue
    from actions

),

final as (

    select
        {{ surrogate_key(['reporting_period', 'action_reference']) }} as action_progress_id,
        cast(reporting_period as {{ dbt.type_string() }}) as reporting_period,
        cast(period_id as {{ dbt.type_string() }}) as period_id,
        cast(period_end_date as date) as period_end_date,
        cast(action_reference as {{ dbt.type_string() }}) as action_reference,
        cast(plan as {{ dbt.type_string() }}) as plan,
        cast(
            case plan
                when 'corporate_plan' then 'Corporate Plan'
                when 'departmental_service_plan' then 'Departmental Service Plan'
                when 'annual_service_plan' then 'Annual Service Plan'
            end as {{ dbt.type_string() }}
        ) as plan_label,
        cast(department as {{ dbt.type_string() }}) as department,
        cast(service as {{ dbt.type_string() }}) as service,
        cast(action_title as {{ dbt.type_string() }}) as action_title,
        cast(deadline as date) as deadline_date,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(
            case status
                when 'on_target' then 'On target'
                when 'completed' then 'Completed'
                when 'all_activities_completed' then 'All activities completed'
                when 'not_started' then 'Not started'
                when 'on_hold' then 'On hold'
                when 'delayed' then 'Delayed'
                when 'overdue' then 'Overdue'
                when 'cancelled' then 'Cancelled'
            end as {{ dbt.type_string() }}
        ) as status_label,
        cast(rag as {{ dbt.type_string() }}) as rag,

        -- progress by quarter, as SPRINT's Progress Summary reports it
        cast(q1_status as {{ dbt.type_string() }}) as q1_status,
        cast(q1_percent_complete as {{ dbt.type_int() }}) as q1_percent_complete,
        cast(q2_status as {{ dbt.type_string() }}) as q2_status,
        cast(q2_percent_complete as {{ dbt.type_int() }}) as q2_percent_complete,
        cast(
            coalesce(q2_percent_complete, q1_percent_complete) as {{ dbt.type_int() }}
        ) as latest_percent_complete,

        -- judged on the reporting period's end
        cast(is_complete as boolean) as is_complete,
        cast(is_overdue as boolean) as is_overdue,
        cast(
            case
                when is_overdue then {{ dbt.datediff('deadline', 'period_end_date', 'day') }}
                else 0
            end as {{ dbt.type_int() }}
        ) as days_past_deadline,
        cast(status in ('delayed', 'overdue') as boolean) as is_reported_delayed,

        cast(notes as {{ dbt.type_string() }}) as notes,
        cast(submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(received_at as timestamp) as received_at,
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(marking as {{ dbt.type_string() }}) as marking
    from judged

)

select * from final
