with

source as (

    select * from {{ source_or_empty('catalogue', 'contracts') }}

),

typed as (

    select
        cast(trim(dataset_id) as {{ dbt.type_string() }}) as dataset_id,
        cast(trim(partner_id) as {{ dbt.type_string() }}) as partner_id,
        cast(nullif(trim(partner_name), '') as {{ dbt.type_string() }}) as partner_name,
        cast(nullif(trim(title), '') as {{ dbt.type_string() }}) as title,
        cast(nullif(trim(theme), '') as {{ dbt.type_string() }}) as theme,
        cast(nullif(trim(geography_level), '') as {{ dbt.type_string() }}) as geography_level,
        cast(nullif(trim(refresh_period), '') as {{ dbt.type_string() }}) as refresh_period,
        cast(nullif(trim(cadence), '') as {{ dbt.type_string() }}) as cadence,
        cast(due_day as {{ dbt.type_int() }}) as due_day,
        cast(
            nullif(trim(agreement_reference), '') as {{ dbt.type_string() }}
        ) as agreement_reference,
        cast(nullif(trim(category), '') as {{ dbt.type_string() }}) as category,
        cast(is_sensitive as boolean) as is_sensitive,
        cast(upper(nullif(trim(marking), '')) as {{ dbt.type_string() }}) as marking,
        cast(nullif(trim(retention), '') as {{ dbt.type_string() }}) as retention,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(small_number_threshold as {{ dbt.type_int() }}) as small_number_threshold,
        coalesce(cast(is_synthetic as boolean), false) as is_synthetic
    from source

)

select * from typed
