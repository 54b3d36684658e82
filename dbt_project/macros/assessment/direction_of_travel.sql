{#
    Direction of travel of a value against the previous period's, polarity-aware.

    `constant` when the change is within `tolerance` of the previous value (a fraction: 0.01
    means within 1%; 0 means only an unchanged value is constant, as the council's scorecards
    print 85.7 -> 85.71 as improving). Otherwise `improving` when the value moved the way the
    polarity calls better, else `deteriorating`. Null when either value or the polarity is
    missing: without a polarity there is no better or worse.
#}
{% macro direction_of_travel(value, previous_value, polarity, tolerance) -%}
    case
        when
            {{ value }} is null
            or {{ previous_value }} is null
            or coalesce({{ polarity }}, '') not in ('higher_is_better', 'lower_is_better')
            then null
        when abs({{ value }} - {{ previous_value }}) <= {{ tolerance }} * abs({{ previous_value }})
            then 'constant'
        when ({{ value }} > {{ previous_value }}) = ({{ polarity }} = 'higher_is_better')
            then 'improving'
        else 'deteriorating'
    end
{%- endmacro %}
