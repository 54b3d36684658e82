with recursive

areas as (

    select * from {{ ref('int_areas_unioned') }}

),

ancestors as (

    -- every area with itself and each area above it (ward -> area committee -> local authority
    -- -> region -> country)
    select
        area_code,
        area_code as ancestor_code,
        area_type as ancestor_type,
        parent_area_code as next_code,
        0 as generations
    from areas

    union all

    select
        ancestors.area_code,
        parents.area_code as ancestor_code,
        parents.area_type as ancestor_type,
        parents.parent_area_code as next_code,
        ancestors.generations + 1 as generations
    from ancestors
    inner join areas as parents
        on ancestors.next_code = parents.area_code
    where ancestors.generations < 10

),

final as (

    -- the benchmarks of an area are the region and the country above it, never the area itself
    select
        areas.area_code,
        areas.area_type,
        max(
            case
                when ancestors.ancestor_type = 'region' and ancestors.generations > 0
                    then ancestors.ancestor_code
            end
        ) as region_code,
        max(
            case
                when ancestors.ancestor_type = 'country' and ancestors.generations > 0
                    then ancestors.ancestor_code
            end
        ) as country_code
    from areas
    inner join ancestors
        on areas.area_code = ancestors.area_code
    group by areas.area_code, areas.area_type

)

select * from final
