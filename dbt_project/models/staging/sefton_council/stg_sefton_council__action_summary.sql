with

source as (

    select * from {{ source_or_empty('sefton_council', 'action_summary') }}

),

renamed as (

    select
        -- lineage
        {{ lineage_columns() }}

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
