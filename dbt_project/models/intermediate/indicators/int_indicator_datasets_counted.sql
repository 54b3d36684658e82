{#- a table, computed once per build: the models and tests that read it need not aggregate
    every indicator value again -#}
{{ config(materialized='table') }}

with

indicator_values as (

    select * from {{ ref('int_indicator_values_unioned') }}

),

final as (

    -- how many datasets give each indicator (code and title): only an indicator given by two
    -- or more can have values to reconcile
    select
        indicator_code,
        indicator_title,
        count(distinct dataset_id) as dataset_count
    from indicator_values
    group by indicator_code, indicator_title

)

select * from final
