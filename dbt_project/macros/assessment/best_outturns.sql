{#
    best_outturns(indicator_values, value_types): one row per indicator, area and period with
    its outturn (see _macros.yml).
#}
{% macro best_outturns(indicator_values, value_types) -%}
    select * from (
        select
            measured.*,
            row_number() over (
                partition by measured.indicator_id, measured.area_code, measured.period_id
                order by outturn_types.outturn_precedence
            ) as outturn_rank
        from {{ indicator_values }} as measured
        inner join {{ value_types }} as outturn_types
            on measured.value_type = outturn_types.value_type
        where outturn_types.outturn_precedence is not null
    ) as outturns_ranked
    where outturn_rank = 1
{%- endmacro %}
