{#
    SPRINT's five bands for a value against a benchmark (the regional or national average),
    polarity-aware, as the council's scorecards show them with faces:

      better_by_10pct   better than the benchmark by 10% of the benchmark or more
      better            better, by less than 10%
      equal             exactly the benchmark
      worse             worse, by less than 10%
      worse_by_10pct    worse by 10% of the benchmark or more

    The 10% boundary belongs to the outer band ("10%+" in the report's key). The relative
    difference is rounded to 9 decimal places before the comparison so that a difference of
    exactly 10% is not lost to binary floating point. Against a benchmark of 0 any difference
    counts as 10% or more. Null when the value, the benchmark or the polarity is missing.
#}
{% macro comparison_band(value, benchmark, polarity, threshold=0.1) -%}
    {%- set is_better -%}
        (({{ value }} > {{ benchmark }}) = ({{ polarity }} = 'higher_is_better'))
    {%- endset -%}
    {%- set is_beyond_threshold -%}
        (
            {{ benchmark }} = 0
            or round(
                abs({{ value }} - {{ benchmark }}) / abs(nullif({{ benchmark }}, 0)), 9
            ) >= {{ threshold }}
        )
    {%- endset -%}
    case
        when
            {{ value }} is null
            or {{ benchmark }} is null
            or coalesce({{ polarity }}, '') not in ('higher_is_better', 'lower_is_better')
            then null
        when {{ value }} = {{ benchmark }} then 'equal'
        when {{ is_better }} and {{ is_beyond_threshold }} then 'better_by_10pct'
        when {{ is_better }} then 'better'
        when {{ is_beyond_threshold }} then 'worse_by_10pct'
        else 'worse'
    end
{%- endmacro %}
