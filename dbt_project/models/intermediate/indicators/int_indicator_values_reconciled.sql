with

prioritised as (

    select * from {{ ref('int_indicator_values_prioritised') }}

),

final as (

    -- the values of the dataset kept for each indicator, area, period and value type, in the
    -- long format of int_indicator_values_unioned; what is set aside is in
    -- mart_indicator_values_set_aside
    select
        {{ indicator_value_columns() }}
    from prioritised
    where is_kept

)

select * from final
