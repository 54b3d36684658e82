with

indicator_values as (

    select * from {{ ref('int_indicator_values_reconciled') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

keyed as (

    select
        {{ surrogate_key([
            'indicator_values.indicator_code', 'indicator_values.indicator_title'
        ]) }} as indicator_id,
        indicator_values.area_code,
        periods.period_id,
        indicator_values.value_type,
        indicator_values.value,
        indicator_values.numerator,
        indicator_values.denominator,
        indicator_values.submission_id,
        indicator_values.partner_id,
        indicator_values.marking,
        indicator_values.dataset_id,
        indicator_values.source_file,
        indicator_values.source_row_number,
        indicator_values.source_column,
        indicator_values.received_at
    from indicator_values
    left join periods
        on
            indicator_values.period_type = periods.period_type
            and indicator_values.period_label = periods.period_label

),

revisions as (

    -- every submission's value is kept; the one received last is the current figure
    select
        *,
        row_number() over (
            partition by indicator_id, area_code, period_id, value_type
            order by received_at asc, submission_id asc
        ) as revision_number,
        count(*) over (
            partition by indicator_id, area_code, period_id, value_type
        ) as revision_count,
        -- when the next revision arrived: until then this one was the figure known
        lead(received_at) over (
            partition by indicator_id, area_code, period_id, value_type
            order by received_at asc, submission_id asc
        ) as superseded_at
    from keyed

),

final as (

    select
        {{ surrogate_key([
            'indicator_id', 'area_code', 'period_id', 'value_type', 'submission_id'
        ]) }} as indicator_value_id,
        cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
        cast(area_code as {{ dbt.type_string() }}) as area_code,
        cast(period_id as {{ dbt.type_string() }}) as period_id,
        cast(value_type as {{ dbt.type_string() }}) as value_type,
        cast(value as double) as value,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(submission_id as {{ dbt.type_string() }}) as submission_id,
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(marking as {{ dbt.type_string() }}) as marking,
        cast(dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row_number as {{ dbt.type_int() }}) as source_row_number,
        cast(source_column as {{ dbt.type_string() }}) as source_column,
        cast(received_at as timestamp) as received_at,
        cast(revision_number as {{ dbt.type_int() }}) as revision_number,
        revision_number = revision_count as is_latest_revision,
        cast(superseded_at as timestamp) as superseded_at
    from revisions

)

select * from final
