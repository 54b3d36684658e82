{#-
    The day the next review is looked for from: var `as_of_date` (an ISO date) when given, else
    the London calendar day the build started. Never the database's current date.
-#}
{%- set as_of = var('as_of_date', none)
    or run_started_at.astimezone(modules.pytz.timezone('Europe/London')).strftime('%Y-%m-%d') -%}
{#- as the housekeeping DAG's reminders: reviews falling due within this many days -#}
{%- set review_lookahead_days = 28 -%}

with

register_rows as (

    select * from {{ ref('stg_sefton_council__partnership_register') }}

),

latest_submission as (

    -- the register as last received: every row of the latest accepted submission
    select submission_id
    from register_rows
    order by received_at desc, submission_id desc
    limit 1

),

register as (

    select
        register_rows.*,
        cast('{{ as_of }}' as date) as assessed_date
    from register_rows
    inner join latest_submission
        on register_rows.submission_id = latest_submission.submission_id

),

anniversaries as (

    -- The review falls due every year on the anniversary of the day the partnership was
    -- entered in the register (29 February falls on 28 February in other years).
    select
        *,
        {{ dbt.dateadd('year', 1, 'inputted_on') }} as first_anniversary,
        {{ dbt.dateadd(
            'year',
            'extract(year from assessed_date) - extract(year from inputted_on)',
            'inputted_on'
        ) }} as anniversary_in_assessed_year,
        {{ dbt.dateadd(
            'year',
            'extract(year from assessed_date) - extract(year from inputted_on) + 1',
            'inputted_on'
        ) }} as anniversary_after_assessed_year
    from register

),

reviews as (

    select
        *,
        -- the first anniversary on or after assessed_date, and never the day of entry itself
        greatest(
            first_anniversary,
            case
                when anniversary_in_assessed_year >= assessed_date
                    then anniversary_in_assessed_year
                else anniversary_after_assessed_year
            end
        ) as next_review_due
    from anniversaries

),

final as (

    select
        {{ surrogate_key(['significance', 'list_row']) }} as partnership_row_id,
        cast(partnership_id as {{ dbt.type_string() }}) as partnership_id,
        cast(partnership_name as {{ dbt.type_string() }}) as partnership_name,
        cast(significance as {{ dbt.type_string() }}) as significance,
        cast(
            case significance
                when 'significant' then 'Significant'
                when 'non_significant' then 'Non-significant'
            end as {{ dbt.type_string() }}
        ) as significance_label,
        cast(is_significant as boolean) as is_significant,
        cast(list_row as {{ dbt.type_int() }}) as list_row,
        cast(lead_department as {{ dbt.type_string() }}) as lead_department,
        cast(
            coalesce(lead_department, 'Not recorded') as {{ dbt.type_string() }}
        ) as department_label,
        cast(inputted_on as date) as registered_date,
        cast(reported_on as date) as register_reported_date,
        cast(register_remark as {{ dbt.type_string() }}) as register_remark,

        -- the annual review (Agenda Item 8, 2.4)
        cast(assessed_date as date) as assessed_date,
        cast(first_anniversary as date) as first_review_due_date,
        cast(next_review_due as date) as next_review_due_date,
        cast(
            {{ dbt.datediff('assessed_date', 'next_review_due', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_until_next_review,
        cast(
            case
                when inputted_on is null then 'no_date_in_register'
                when {{ dbt.datediff('assessed_date', 'next_review_due', 'day') }}
                    < {{ review_lookahead_days }}
                    then 'due_within_{{ review_lookahead_days }}_days'
                else 'scheduled'
            end as {{ dbt.type_string() }}
        ) as review_status,

        cast(notes as {{ dbt.type_string() }}) as notes,
        cast(submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(received_at as timestamp) as received_at,
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(marking as {{ dbt.type_string() }}) as marking
    from reviews

)

select * from final
