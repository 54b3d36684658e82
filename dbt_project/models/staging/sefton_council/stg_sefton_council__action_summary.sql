with

source as (

    select * from {{ source_or_empty('sefton_council', 'action_summary') }}

),

renamed as (

    select
        -- lineage
        cast(_submission_id as varchar) as submission_id,
        cast(_source_row as integer) as source_row_number,
        cast(_partner_id as varchar) as partner_id,
        cast(_dataset_id as varchar) as dataset_id,
        cast(_source_file as varchar) as source_file,
        cast(_received_at as timestamp) as received_at,
        cast(_marking as varchar) as marking,
        cast(_is_sensitive as boolean) as is_sensitive,

        -- when, whose actions, and where the count is printed
        cast(trim(reporting_period) as varchar) as reporting_period,
        cast(trim(plan) as varchar) as plan,
        cast(trim(printed_in) as varchar) as printed_in,
        cast(trim(label_as_printed) as varchar) as label_as_printed,

        -- what is counted
        cast(nullif(trim(status), '') as varchar) as status,
        cast(nullif(lower(trim(rag)), '') as varchar) as rag,
        cast(action_count as integer) as action_count,
        cast(percentage as double) as percentage,
        cast(nullif(trim(notes), '') as varchar) as notes

    from source

)

select * from renamed
