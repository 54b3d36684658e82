{#
    The significance of the difference between a value and a benchmark as Fingertips reports
    it: the benchmark lies below the value's confidence interval (value significantly higher),
    above it (significantly lower), or within it (`similar`); higher or lower read as `better`
    or `worse` by the indicator's polarity. A benchmark exactly on a limit is `similar`. Null
    when the interval, the benchmark or the polarity is missing.
#}
{% macro significance(lower_limit, upper_limit, benchmark, polarity) -%}
    case
        when
            {{ lower_limit }} is null
            or {{ upper_limit }} is null
            or {{ benchmark }} is null
            or coalesce({{ polarity }}, '') not in ('higher_is_better', 'lower_is_better')
            then null
        when {{ lower_limit }} > {{ benchmark }}
            then case when {{ polarity }} = 'higher_is_better' then 'better' else 'worse' end
        when {{ upper_limit }} < {{ benchmark }}
            then case when {{ polarity }} = 'higher_is_better' then 'worse' else 'better' end
        else 'similar'
    end
{%- endmacro %}
