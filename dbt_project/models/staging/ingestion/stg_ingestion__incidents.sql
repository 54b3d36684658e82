with

source as (

    select * from {{ source_or_empty('ingestion', 'incidents') }}

),

renamed as (

    select
        cast(incident_id as varchar) as incident_id,
        cast(submission_id as varchar) as submission_id,
        cast(partner_id as varchar) as partner_id,
        cast(partner_name as varchar) as partner_name,
        cast(dataset_id as varchar) as dataset_id,
        cast(source_file as varchar) as source_file,
        cast(sha256 as varchar) as sha256,
        -- ISO 8601 text with an offset, normalised to a UTC timestamp
        cast(
            cast(detected_at as timestamp with time zone) at time zone 'UTC' as timestamp
        ) as detected_at,
        cast(report_to as varchar) as report_to,
        cast(also_report_to as varchar) as also_report_to,
        cast(breaches as json) as breaches,
        cast(action_taken as varchar) as action_taken,
        cast(quarantine_path as varchar) as quarantine_path

    from source

)

select * from renamed
