with

areas as (

    select * from {{ ref('areas') }}

),

parents as (

    select * from {{ ref('areas') }}

),

final as (

    select
        cast(areas.area_code as {{ dbt.type_string() }}) as area_code,
        cast(areas.area_name as {{ dbt.type_string() }}) as area_name,
        cast(areas.area_type as {{ dbt.type_string() }}) as area_type,
        cast(areas.parent_area_code as {{ dbt.type_string() }}) as parent_area_code,
        cast(parents.area_name as {{ dbt.type_string() }}) as parent_area_name,
        cast(areas.is_gss_code as boolean) as is_gss_code,
        cast(areas.is_code_verified as boolean) as is_code_verified,
        cast(areas.is_in_england as boolean) as is_in_england,
        cast(areas.is_in_north_west as boolean) as is_in_north_west,
        cast(areas.is_in_merseyside as boolean) as is_in_merseyside,
        cast(areas.is_in_most_similar_group as boolean) as is_in_most_similar_group,
        cast(areas.notes as {{ dbt.type_string() }}) as notes
    from areas
    left join parents
        on areas.parent_area_code = parents.area_code

)

select * from final
