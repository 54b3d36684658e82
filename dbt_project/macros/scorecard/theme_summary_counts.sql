{#
    The count columns of mart_theme_summary for one group of scorecard rows: the number of rows,
    of LAA rows, and of rows meeting each condition. For the `computed` basis a count is null
    when the judgement it counts (given by judgement_of, keyed by the count's first word) was
    computed for none of the rows, so that "not computable" never reads as zero; the
    `published` basis counts what was printed, where a blank is zero. Also returns the most
    restrictive marking of the rows counted, as `marking`.
#}
{% macro theme_summary_counts(comparison_counts, judged_counts, judgement_of) -%}
    count(*) as indicator_count,
    sum(case when is_laa then 1 else 0 end) as laa_indicator_count,
    {%- for column, condition in (comparison_counts.items() | list) + (judged_counts.items() | list) %}
        {%- set judgement = judgement_of[column.split('_')[0]] %}
        case
            when basis = 'computed' and count({{ judgement }}) = 0 then null
            else sum(case when {{ condition }} then 1 else 0 end)
        end as {{ column }},
    {%- endfor %}
    -- OFFICIAL-SENSITIVE sorts after OFFICIAL
    max(marking) as marking
{%- endmacro %}
