with

scorecard_values as (

    -- the council's scorecard rows, one value per row and period
    select * from {{ ref('int_indicator_values_unpivoted') }}

),

partner_values as (

    -- the yearly (and, for recorded crime, monthly) values of the partner datasets
    select * from {{ ref('int_partner_indicator_values_derived') }}

),

pooled_values as (

    -- the rolling three-year values pooled from those yearly values
    select * from {{ ref('int_partner_indicator_values_pooled') }}

),

final as (

    -- one long format, the same columns in the same order from every partner
    select
        {{ indicator_value_columns() }}
    from scorecard_values
    union all
    select
        {{ indicator_value_columns() }}
    from partner_values
    union all
    select
        {{ indicator_value_columns() }}
    from pooled_values

)

select * from final
