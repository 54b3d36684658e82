{#- the areas (int_areas_unioned: the seed `areas` and any further lookup), with the names of
    their parents -#}
with

areas as (

    select * from {{ ref('int_areas_unioned') }}

),

parents as (

    select * from areas

),

final as (

    select
        areas.area_code,
        areas.area_name,
        areas.area_type,
        areas.parent_area_code,
        cast(parents.area_name as {{ dbt.type_string() }}) as parent_area_name,
        areas.is_gss_code,
        areas.is_code_verified,
        areas.is_in_england,
        areas.is_in_north_west,
        areas.is_in_merseyside,
        areas.is_in_most_similar_group,
        areas.notes
    from areas
    left join parents
        on areas.parent_area_code = parents.area_code

)

select * from final
