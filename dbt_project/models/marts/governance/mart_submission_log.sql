with

manifests as (

    select * from {{ ref('stg_ingestion__manifests') }}

),

incidents as (

    select * from {{ ref('stg_ingestion__incidents') }}

),

sources as (

    select * from {{ ref('dim_source') }}

),

first_reasons as (

    -- the first problem ingestion found, located as precisely as it could (file, row, column)
    select
        submission_id,
        json_extract_string(reasons, '$[0].file') as first_reason_file,
        cast(json_extract_string(reasons, '$[0].row') as integer) as first_reason_row,
        json_extract_string(reasons, '$[0].column') as first_reason_column,
        json_extract_string(reasons, '$[0].rule') as first_reason_rule,
        json_extract_string(reasons, '$[0].message') as first_reason_message,
        -- the reasons list is capped; reasons_total counts them all
        coalesce(reasons_total, json_array_length(reasons), 0) as reason_count
    from manifests

),

incident_breaches as (

    select
        submission_id,
        incident_id,
        array_to_string(json_extract_string(breaches, '$[*].rule'), ', ') as breach_rules
    from incidents

),

final as (

    select
        cast(manifests.submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(manifests.received_at as timestamp) as received_at,
        -- the London calendar day, as the partnership dates things
        cast(
            (manifests.received_at at time zone 'UTC') at time zone 'Europe/London' as date
        ) as received_date,
        cast(manifests.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(sources.partner_name as {{ dbt.type_string() }}) as partner_name,
        cast(manifests.dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(sources.dataset_title as {{ dbt.type_string() }}) as dataset_title,
        cast(manifests.source_file as {{ dbt.type_string() }}) as source_file,
        cast(manifests.outcome as {{ dbt.type_string() }}) as outcome,
        cast(
            case manifests.outcome
                when 'accepted' then 'Accepted'
                when 'rejected' then 'Rejected'
                when 'duplicate' then 'Duplicate (already received)'
            end as {{ dbt.type_string() }}
        ) as outcome_label,
        cast(coalesce(manifests.rows_read, 0) as {{ dbt.type_int() }}) as rows_read,
        cast(coalesce(manifests.rows_loaded, 0) as {{ dbt.type_int() }}) as rows_loaded,
        cast(first_reasons.reason_count as {{ dbt.type_int() }}) as reason_count,
        cast(first_reasons.first_reason_rule as {{ dbt.type_string() }}) as first_reason_rule,
        cast(first_reasons.first_reason_file as {{ dbt.type_string() }}) as first_reason_file,
        cast(first_reasons.first_reason_row as {{ dbt.type_int() }}) as first_reason_row,
        cast(
            first_reasons.first_reason_column as {{ dbt.type_string() }}
        ) as first_reason_column,
        cast(
            first_reasons.first_reason_message as {{ dbt.type_string() }}
        ) as first_reason_message,
        -- as ingestion writes a reason: file[:row][:column]: rule — message
        cast(
            case
                when first_reasons.first_reason_rule is not null
                    then
                        first_reasons.first_reason_file
                        || coalesce(':' || cast(first_reasons.first_reason_row as varchar), '')
                        || coalesce(':' || first_reasons.first_reason_column, '')
                        || ': ' || first_reasons.first_reason_rule
                        || ' — ' || first_reasons.first_reason_message
            end as {{ dbt.type_string() }}
        ) as first_reason,
        incident_breaches.incident_id is not null as has_incident,
        cast(incident_breaches.incident_id as {{ dbt.type_string() }}) as incident_id,
        cast(incident_breaches.breach_rules as {{ dbt.type_string() }}) as breach_rules,
        cast(manifests.duplicate_of as {{ dbt.type_string() }}) as duplicate_of,
        cast(manifests.quarantine_path as {{ dbt.type_string() }}) as quarantine_path,
        cast(manifests.sha256 as {{ dbt.type_string() }}) as sha256,
        cast(sources.marking as {{ dbt.type_string() }}) as marking
    from manifests
    left join first_reasons
        on manifests.submission_id = first_reasons.submission_id
    left join incident_breaches
        on manifests.submission_id = incident_breaches.submission_id
    left join sources
        on manifests.dataset_id = sources.dataset_id

)

select * from final
