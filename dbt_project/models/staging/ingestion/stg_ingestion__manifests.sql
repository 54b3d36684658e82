with

source as (

    select * from {{ source_or_empty('ingestion', 'manifests') }}

),

renamed as (

    select
        cast(submission_id as varchar) as submission_id,
        cast(partner_id as varchar) as partner_id,
        cast(dataset_id as varchar) as dataset_id,
        cast(source_file as varchar) as source_file,
        cast(sha256 as varchar) as sha256,
        cast(size_bytes as bigint) as size_bytes,
        -- ISO 8601 text with an offset, normalised to a UTC timestamp
        cast(
            cast(received_at as timestamp with time zone) at time zone 'UTC' as timestamp
        ) as received_at,
        cast(outcome as varchar) as outcome,
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(checks as json) as checks,
        cast(reasons as json) as reasons,
        cast(reasons_total as bigint) as reasons_total,
        cast(archive_path as varchar) as archive_path,
        cast(raw_path as varchar) as raw_path,
        cast(quarantine_path as varchar) as quarantine_path,
        cast(duplicate_of as varchar) as duplicate_of

    from source

)

select * from renamed
