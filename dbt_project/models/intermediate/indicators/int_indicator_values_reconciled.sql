with

prioritised as (

    select * from {{ ref('int_indicator_values_prioritised') }}

),

final as (

    -- the values of the dataset kept for each indicator, area, period and value type, in the
    -- long format of int_indicator_values_unioned; what is set aside is in
    -- mart_indicator_values_set_aside
    select
        submission_id,
        source_row_number,
        source_column,
        partner_id,
        marking,
        dataset_id,
        source_file,
        received_at,
        area_code,
        reporting_period,
        indicator_code,
        indicator_title,
        period_type,
        period_label,
        value_type,
        value,
        numerator,
        denominator
    from prioritised
    where is_kept

)

select * from final
