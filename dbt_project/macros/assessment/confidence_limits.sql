{#
    Confidence limits as Public Health England's Fingertips computes them (PHE Technical Guide,
    Confidence Intervals; APHO Technical Briefing 3).

    z_score(confidence): the standard normal quantile for a two-sided level, 95 or 99.8.
#}
{% macro z_score(confidence) -%}
    {%- if confidence == 95 -%}
        1.959963984540054
    {%- elif confidence == 99.8 -%}
        3.090232306167813
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "z_score: confidence must be 95 or 99.8, not " ~ confidence
        ) }}
    {%- endif -%}
{%- endmacro %}

{#
    Wilson score limits (without continuity correction) of a proportion, `observed` cases out
    of `total`, as a proportion between 0 and 1:
        (2O + z^2 -/+ z * sqrt(z^2 + 4O(1 - O/n))) / (2(n + z^2))
    Clamped to [0, 1] against rounding at O = 0 and O = n.
#}
{% macro wilson_lower(observed, total, confidence) -%}
    {%- set z = z_score(confidence) -%}
    greatest(
        0.0,
        (
            2 * {{ observed }} + {{ z }} * {{ z }}
            - {{ z }} * sqrt(
                {{ z }} * {{ z }}
                + 4 * {{ observed }} * (1 - cast({{ observed }} as double) / {{ total }})
            )
        ) / (2 * ({{ total }} + {{ z }} * {{ z }}))
    )
{%- endmacro %}

{% macro wilson_upper(observed, total, confidence) -%}
    {%- set z = z_score(confidence) -%}
    least(
        1.0,
        (
            2 * {{ observed }} + {{ z }} * {{ z }}
            + {{ z }} * sqrt(
                {{ z }} * {{ z }}
                + 4 * {{ observed }} * (1 - cast({{ observed }} as double) / {{ total }})
            )
        ) / (2 * ({{ total }} + {{ z }} * {{ z }}))
    )
{%- endmacro %}

{#
    Byar's approximation to the exact Poisson limits of an observed count O:
        lower = O * (1 - 1/(9O) - z/(3 sqrt(O)))^3
        upper = (O + 1) * (1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3
    Fingertips uses it for counts of 10 or more (within 0.2% of the exact limits at 95%); the
    caller must not apply it to smaller counts.
#}
{% macro byar_lower(observed, confidence) -%}
    {%- set z = z_score(confidence) -%}
    {{ observed }} * power(
        1 - 1 / (9.0 * {{ observed }}) - {{ z }} / (3 * sqrt({{ observed }})), 3
    )
{%- endmacro %}

{% macro byar_upper(observed, confidence) -%}
    {%- set z = z_score(confidence) -%}
    ({{ observed }} + 1) * power(
        1 - 1 / (9.0 * ({{ observed }} + 1)) + {{ z }} / (3 * sqrt({{ observed }} + 1)), 3
    )
{%- endmacro %}

{#
    ci_method(measure_type, numerator, denominator): which limits a value can have: Wilson for
    a proportion (0 <= numerator <= denominator), Byar for a rate or a count of 10 or more
    (Fingertips uses the exact method below 10, which is not computed here), else null.
#}
{% macro ci_method(measure_type, numerator, denominator) -%}
    case
        when
            {{ measure_type }} = 'proportion'
            and {{ denominator }} > 0
            and {{ numerator }} >= 0
            and {{ numerator }} <= {{ denominator }}
            then 'wilson'
        when
            {{ measure_type }} = 'rate'
            and {{ denominator }} > 0
            and {{ numerator }} >= 10
            then 'byar'
        when {{ measure_type }} = 'count' and {{ numerator }} >= 10 then 'byar'
    end
{%- endmacro %}

{#
    ci_scale(measure_type, multiplier, denominator): what a limit on the count is multiplied
    by to be on the value's scale.
#}
{% macro ci_scale(measure_type, multiplier, denominator) -%}
    case
        when {{ measure_type }} = 'proportion' then coalesce({{ multiplier }}, 1)
        when {{ measure_type }} = 'rate' then coalesce({{ multiplier }}, 1) / {{ denominator }}
        when {{ measure_type }} = 'count' then 1
    end
{%- endmacro %}

{#
    confidence_limit(bound, confidence): the lower or upper limit on the value's scale, by the
    row's ci_method and ci_scale, rounded to 6 places; null where there is no method.
#}
{% macro confidence_limit(
    bound, confidence, numerator='numerator', denominator='denominator',
    method='ci_method', scale='ci_scale'
) -%}
    {%- if bound == 'lower' -%}
        {%- set wilson = wilson_lower(numerator, denominator, confidence) -%}
        {%- set byar = byar_lower(numerator, confidence) -%}
    {%- elif bound == 'upper' -%}
        {%- set wilson = wilson_upper(numerator, denominator, confidence) -%}
        {%- set byar = byar_upper(numerator, confidence) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "confidence_limit: bound must be lower or upper, not " ~ bound
        ) }}
    {%- endif -%}
    round(case
        when {{ method }} = 'wilson' then {{ wilson }} * {{ scale }}
        when {{ method }} = 'byar' then {{ byar }} * {{ scale }}
    end, 6)
{%- endmacro %}
