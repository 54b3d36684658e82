{#
    The areas of the seed `areas`, plus, when a lookup of further areas is given, the areas of
    that lookup the seed does not have. The lookup is a CSV in the seed's columns, named by the
    var `extra_areas_path` or else the environment variable UNDERSTOOD_EXTRA_AREAS_PATH; it is
    how a larger set of areas (the scale benchmark's, benchmarks/generate_scale.py) reaches the
    warehouse without touching the seed. Ingestion checks area codes against the same file when
    UNDERSTOOD_AREAS_PATH names it. Unset, the model is the seed alone.
#}
{%- set extra_areas_path = var('extra_areas_path', env_var('UNDERSTOOD_EXTRA_AREAS_PATH', '')) -%}
{%- set extra_areas_csv = dbt.string_literal(extra_areas_path) -%}

with

seeded as (

    select * from {{ ref('areas') }}

),

{% if extra_areas_path %}
    extra as (

        select * from read_csv({{ extra_areas_csv }}, header = true, all_varchar = true)

    ),

{% endif %}
areas as (

    select
        cast(area_code as {{ dbt.type_string() }}) as area_code,
        cast(area_name as {{ dbt.type_string() }}) as area_name,
        cast(area_type as {{ dbt.type_string() }}) as area_type,
        cast(parent_area_code as {{ dbt.type_string() }}) as parent_area_code,
        cast(is_gss_code as boolean) as is_gss_code,
        cast(is_code_verified as boolean) as is_code_verified,
        cast(is_in_england as boolean) as is_in_england,
        cast(is_in_north_west as boolean) as is_in_north_west,
        cast(is_in_merseyside as boolean) as is_in_merseyside,
        cast(is_in_most_similar_group as boolean) as is_in_most_similar_group,
        cast(notes as {{ dbt.type_string() }}) as notes
    from seeded
    {% if extra_areas_path %}
        union all
        select
            area_code,
            area_name,
            area_type,
            nullif(parent_area_code, '') as parent_area_code,
            cast(nullif(is_gss_code, '') as boolean) as is_gss_code,
            cast(nullif(is_code_verified, '') as boolean) as is_code_verified,
            cast(nullif(is_in_england, '') as boolean) as is_in_england,
            cast(nullif(is_in_north_west, '') as boolean) as is_in_north_west,
            cast(nullif(is_in_merseyside, '') as boolean) as is_in_merseyside,
            cast(nullif(is_in_most_similar_group, '') as boolean) as is_in_most_similar_group,
            nullif(notes, '') as notes
        from extra
        where area_code not in (select seeded.area_code from seeded)
    {% endif %}

)

select * from areas
