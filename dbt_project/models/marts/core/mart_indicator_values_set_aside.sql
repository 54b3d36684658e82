with

prioritised as (

    select * from {{ ref('int_indicator_values_prioritised') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

set_aside as (

    select * from prioritised
    where not is_kept

),

final as (

    -- keyed as fct_indicator_value keys its rows, so a value set aside and the value kept in
    -- its place share indicator_id, area_code, period_id and value_type
    select
        {{ surrogate_key([
            surrogate_key(['set_aside.indicator_code', 'set_aside.indicator_title']),
            'set_aside.area_code', 'periods.period_id', 'set_aside.value_type',
            'set_aside.submission_id',
        ]) }} as set_aside_value_id,
        cast(
            {{ surrogate_key(['set_aside.indicator_code', 'set_aside.indicator_title']) }}
            as {{ dbt.type_string() }}
        ) as indicator_id,
        cast(set_aside.indicator_code as {{ dbt.type_string() }}) as indicator_code,
        cast(set_aside.indicator_title as {{ dbt.type_string() }}) as indicator_title,
        cast(set_aside.area_code as {{ dbt.type_string() }}) as area_code,
        cast(periods.period_id as {{ dbt.type_string() }}) as period_id,
        cast(set_aside.period_type as {{ dbt.type_string() }}) as period_type,
        cast(set_aside.period_label as {{ dbt.type_string() }}) as period_label,
        cast(set_aside.value_type as {{ dbt.type_string() }}) as value_type,
        cast(set_aside.value as double) as value,
        cast(set_aside.numerator as double) as numerator,
        cast(set_aside.denominator as double) as denominator,
        cast(set_aside.dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(set_aside.source_priority as {{ dbt.type_int() }}) as source_priority,
        cast(set_aside.precedence_scope as {{ dbt.type_string() }}) as precedence_scope,
        cast(set_aside.precedence_reason as {{ dbt.type_string() }}) as precedence_reason,
        cast(set_aside.kept_dataset_id as {{ dbt.type_string() }}) as kept_dataset_id,
        cast(set_aside.kept_source_priority as {{ dbt.type_int() }}) as kept_source_priority,
        cast(set_aside.kept_precedence_reason as {{ dbt.type_string() }})
            as kept_precedence_reason,
        cast(set_aside.set_aside_reason as {{ dbt.type_string() }}) as set_aside_reason,
        cast(set_aside.submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(set_aside.source_file as {{ dbt.type_string() }}) as source_file,
        cast(set_aside.source_row_number as {{ dbt.type_int() }}) as source_row_number,
        cast(set_aside.source_column as {{ dbt.type_string() }}) as source_column,
        cast(set_aside.received_at as timestamp) as received_at,
        cast(set_aside.partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(set_aside.marking as {{ dbt.type_string() }}) as marking
    from set_aside
    left join periods
        on
            set_aside.period_type = periods.period_type
            and set_aside.period_label = periods.period_label

)

select * from final
