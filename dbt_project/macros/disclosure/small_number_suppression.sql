{#
    Disclosure control of counts (see macros/disclosure/_disclosure__macros.yml).

    is_small_number(count, threshold): a count above zero and below the threshold. Zero
    is shown: it discloses no one. A null count or threshold is never small.
#}
{% macro is_small_number(count, threshold) -%}
    coalesce({{ count }} > 0 and {{ count }} < {{ threshold }}, false)
{%- endmacro %}

{#
    is_primary(numerator, denominator, threshold): a cell hidden on its own counts, because its
    numerator or its denominator is a small number.
#}
{% macro is_primary(numerator, denominator, threshold) -%}
    (
        {{ is_small_number(numerator, threshold) }}
        or {{ is_small_number(denominator, threshold) }}
    )
{%- endmacro %}

{#
    secondary_siblings(relation, keys, where): the rows of `relation` (with is_primary,
    parent_area_code, numerator, denominator, area_code), each with is_secondary: true for the
    smallest area not hidden among siblings of which exactly one is hidden, which would
    otherwise be recovered as the parent's total minus the others.
#}
{% macro secondary_siblings(relation, keys, where=none) -%}
    select
        *,
        (not is_primary and primary_siblings = 1 and smallness = 1) as is_secondary
    from (
        select
            *,
            sum(case when is_primary then 1 else 0 end) over (
                partition by {{ keys }}, parent_area_code
            ) as primary_siblings,
            row_number() over (
                partition by {{ keys }}, parent_area_code, is_primary
                order by numerator asc nulls last, denominator asc nulls last, area_code asc
            ) as smallness
        from {{ relation }}
        {%- if where is not none %}
            where {{ where }}
        {%- endif %}
    ) as siblings_ranked
{%- endmacro %}

{#
    small_number_suppression(cells, areas, partition_by, child_area_type): which cells to hide.

    `cells` has one row per partition (e.g. indicator and period) and area, with columns
    area_code, numerator, denominator and small_number_threshold; `areas` is dim_area. Returns
    the partition columns, area_code, is_suppressed and suppression_reason for every cell, and
    for every parent of a `child_area_type` area (an area committee), whose counts are the sums
    of its children's.
#}
{% macro small_number_suppression(
    cells, areas, partition_by, child_area_type='ward', periods=none
) -%}
    {%- set keys = partition_by | join(', ') -%}
    {%- set others = partition_by | reject('equalto', 'period_id') | list -%}
    with

    suppression_cells as (

        select
            {% for column in partition_by -%}
                cells.{{ column }},
            {% endfor -%}
            cells.area_code,
            cell_areas.area_type,
            cell_areas.parent_area_code,
            cells.numerator,
            cells.denominator,
            cells.small_number_threshold,
            {{ is_primary(
                'cells.numerator', 'cells.denominator', 'cells.small_number_threshold'
            ) }} as is_primary
        from {{ cells }} as cells
        left join {{ areas }} as cell_areas
            on cells.area_code = cell_areas.area_code

    ),

    children as (

        -- one hidden child (ward) could be recovered as its parent's total minus the others:
        -- the smallest other child is hidden with it
        {{ secondary_siblings(
            'suppression_cells', keys, "area_type = '" ~ child_area_type ~ "'"
        ) }}

    ),

    parents_summed as (

        -- a parent's counts are its children's sums
        select
            {% for column in partition_by -%}
                children.{{ column }},
            {% endfor -%}
            children.parent_area_code as area_code,
            parent_areas.parent_area_code,
            sum(children.numerator) as numerator,
            sum(children.denominator) as denominator,
            max(children.small_number_threshold) as small_number_threshold
        from children
        inner join {{ areas }} as parent_areas
            on children.parent_area_code = parent_areas.area_code
        group by
            {% for column in partition_by -%}
                children.{{ column }},
            {% endfor -%}
            children.parent_area_code,
            parent_areas.parent_area_code

    ),

    parents_flagged as (

        select
            *,
            {{ is_primary('numerator', 'denominator', 'small_number_threshold') }} as is_primary
        from parents_summed

    ),

    parents as (

        -- the same rule one level up: one hidden parent could be recovered from the
        -- grandparent's total (the borough) minus the other parents
        {{ secondary_siblings('parents_flagged', keys) }}

    ),

    decided_children as (

        -- a hidden parent whose children were shown could be recovered as their sum: its
        -- children are hidden with it
        select
            {% for column in partition_by -%}
                children.{{ column }},
            {% endfor -%}
            children.area_code,
            case
                when children.is_primary then 'small_number'
                when children.is_secondary then 'secondary_sibling'
                when parents.is_primary or parents.is_secondary then 'secondary_parent'
            end as suppression_reason
        from children
        left join parents
            on
                {% for column in partition_by -%}
                    children.{{ column }} = parents.{{ column }}
                    and
                {% endfor -%}
                children.parent_area_code = parents.area_code

    ),

    decided_parents as (

        select
            {% for column in partition_by -%}
                {{ column }},
            {% endfor -%}
            area_code,
            case
                when is_primary then 'small_number'
                when is_secondary then 'secondary_sibling'
            end as suppression_reason
        from parents

    ),

    decided_others as (

        -- areas outside the hierarchy of children and parents: their own counts only
        select
            {% for column in partition_by -%}
                {{ column }},
            {% endfor -%}
            area_code,
            case when is_primary then 'small_number' end as suppression_reason
        from suppression_cells
        where
            coalesce(area_type, '') != '{{ child_area_type }}'
            and area_code not in (select parents.area_code from parents)

    ),

    decided as (

        select * from decided_children
        union all
        select * from decided_parents
        union all
        select * from decided_others

    ),

    {% if periods is not none -%}
        decided_periods as (

            select
                decided.*,
                block_periods.period_type,
                block_periods.financial_year_start
            from decided
            left join {{ periods }} as block_periods
                on decided.period_id = block_periods.period_id

        ),

        hidden_years as (

            -- the financial years of an area in which a year, quarter or month is hidden
            select distinct
                {% for column in others -%}
                    {{ column }},
                {% endfor -%}
                area_code,
                financial_year_start
            from decided_periods
            where
                suppression_reason is not null
                and period_type in ('financial_year', 'quarter', 'month')

        ),

        hidden_windows as (

            -- the rolling three-year periods of an area whose window holds such a year: the
            -- pooled value less the other two years would recover the hidden one
            select distinct
                {% for column in others -%}
                    hidden_years.{{ column }},
                {% endfor -%}
                hidden_years.area_code,
                window_periods.period_id
            from hidden_years
            inner join {{ periods }} as window_periods
                on
                    window_periods.period_type = 'rolling_three_year'
                    and hidden_years.financial_year_start
                    between window_periods.financial_year_start - 2
                    and window_periods.financial_year_start

        ),

        blocked as (

            -- a year is the sum of its quarters and months: one of them hidden could be
            -- recovered as the year minus the others, so all of them are hidden with it; and a
            -- rolling three-year value over a year with a hidden period is hidden too
            select
                {% for column in partition_by -%}
                    decided_periods.{{ column }},
                {% endfor -%}
                decided_periods.area_code,
                case
                    when decided_periods.suppression_reason is not null
                        then decided_periods.suppression_reason
                    when
                        hidden_years.area_code is not null
                        and decided_periods.period_type in ('quarter', 'month')
                        then 'secondary_period'
                    when hidden_windows.area_code is not null then 'secondary_period'
                end as suppression_reason
            from decided_periods
            left join hidden_years
                on
                    {% for column in others -%}
                        decided_periods.{{ column }} = hidden_years.{{ column }}
                        and
                    {% endfor -%}
                    decided_periods.area_code = hidden_years.area_code
                    and decided_periods.financial_year_start = hidden_years.financial_year_start
            left join hidden_windows
                on
                    {% for column in others -%}
                        decided_periods.{{ column }} = hidden_windows.{{ column }}
                        and
                    {% endfor -%}
                    decided_periods.area_code = hidden_windows.area_code
                    and decided_periods.period_id = hidden_windows.period_id

        ),
    {%- else -%}
        blocked as (

            select * from decided

        ),
    {%- endif %}

    final_decisions as (

        select
            *,
            suppression_reason is not null as is_suppressed
        from blocked

    )

    select * from final_decisions
{%- endmacro %}

{#
    suppressed(expression, is_suppressed): the expression, or null where the cell is hidden.
#}
{% macro suppressed(expression, is_suppressed='disclosure.is_suppressed') -%}
    case when coalesce({{ is_suppressed }}, false) then null else {{ expression }} end
{%- endmacro %}

{#
    suppression_cells(indicator_values, value_types, sources): the cells disclosure control
    decides on, built the same way for every mart so that all of them hide the same counts.
#}
{% macro suppression_cells(indicator_values, value_types, sources) -%}
    select
        cell_keys.indicator_id,
        cell_keys.period_id,
        cell_keys.area_code,
        cell_outturns.numerator,
        cell_outturns.denominator,
        cell_sources.small_number_threshold
    from (
        select
            indicator_id,
            area_code,
            period_id,
            max(dataset_id) as any_dataset_id
        from {{ indicator_values }}
        group by indicator_id, area_code, period_id
    ) as cell_keys
    left join (
        {{ best_outturns(indicator_values, value_types) }}
    ) as cell_outturns
        on
            cell_keys.indicator_id = cell_outturns.indicator_id
            and cell_keys.area_code = cell_outturns.area_code
            and cell_keys.period_id = cell_outturns.period_id
    left join {{ sources }} as cell_sources
        on coalesce(cell_outturns.dataset_id, cell_keys.any_dataset_id) = cell_sources.dataset_id
{%- endmacro %}

{#
    indicator_suppression(indicator_values, value_types, sources, areas, periods): the
    decisions of disclosure control on every indicator cell (indicator, period and area), as
    every partner mart takes them.
#}
{% macro indicator_suppression(indicator_values, value_types, sources, areas, periods) -%}
    {{ small_number_suppression(
        '(' ~ suppression_cells(indicator_values, value_types, sources) ~ ')',
        areas, ['indicator_id', 'period_id'], periods=periods
    ) }}
{%- endmacro %}
