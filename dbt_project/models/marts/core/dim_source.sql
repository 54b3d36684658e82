with

contracts as (

    select * from {{ ref('int_contracts_catalogued') }}

),

manifests as (

    select * from {{ ref('stg_ingestion__manifests') }}

),

themes as (

    select * from {{ ref('core_evidence_themes') }}

),

deliveries as (

    -- what has actually arrived for each dataset, accepted files only
    select
        dataset_id,
        max(partner_id) as partner_id,
        count(*) as accepted_submission_count,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at
    from manifests
    where outcome = 'accepted' and dataset_id is not null
    group by dataset_id

),

catalogued_or_delivered as (

    -- every contract in the catalogue, and any dataset delivered that the catalogue lacks (so
    -- that every value in fct_indicator_value has its source here even before the catalogue
    -- is written)
    select
        coalesce(contracts.dataset_id, deliveries.dataset_id) as dataset_id,
        coalesce(contracts.partner_id, deliveries.partner_id) as partner_id,
        contracts.dataset_id is not null as is_in_catalogue,
        contracts.partner_name,
        contracts.title,
        contracts.theme,
        themes.theme_label,
        contracts.geography_level,
        contracts.refresh_period,
        contracts.cadence,
        contracts.due_day,
        contracts.agreement_reference,
        contracts.category,
        contracts.is_sensitive,
        contracts.marking,
        contracts.retention,
        contracts.valid_from,
        contracts.valid_to,
        contracts.small_number_threshold,
        contracts.is_synthetic,
        coalesce(deliveries.accepted_submission_count, 0) as accepted_submission_count,
        deliveries.first_received_at,
        deliveries.last_received_at
    from contracts
    full outer join deliveries
        on contracts.dataset_id = deliveries.dataset_id
    left join themes
        on contracts.theme = themes.theme

),

final as (

    select
        cast(dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(partner_name as {{ dbt.type_string() }}) as partner_name,
        cast(title as {{ dbt.type_string() }}) as dataset_title,
        cast(theme as {{ dbt.type_string() }}) as theme,
        cast(theme_label as {{ dbt.type_string() }}) as theme_label,
        cast(geography_level as {{ dbt.type_string() }}) as geography_level,
        cast(refresh_period as {{ dbt.type_string() }}) as refresh_period,
        cast(cadence as {{ dbt.type_string() }}) as cadence,
        cast(due_day as {{ dbt.type_int() }}) as due_day,
        cast(agreement_reference as {{ dbt.type_string() }}) as agreement_reference,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(is_sensitive as boolean) as is_sensitive,
        cast(marking as {{ dbt.type_string() }}) as marking,
        cast(retention as {{ dbt.type_string() }}) as retention,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(small_number_threshold as {{ dbt.type_int() }}) as small_number_threshold,
        cast(is_synthetic as boolean) as is_synthetic,
        cast(is_in_catalogue as boolean) as is_in_catalogue,
        cast(accepted_submission_count as {{ dbt.type_int() }}) as accepted_submission_count,
        cast(first_received_at as timestamp) as first_received_at,
        cast(last_received_at as timestamp) as last_received_at
    from catalogued_or_delivered

)

select * from final
