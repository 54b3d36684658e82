{#
    The council's scorecards mark a latest value T (target), P (projection) or E (estimate);
    an unmarked value is an actual. Any other flag gives null, which the not_null and
    accepted_values tests downstream report instead of guessing.
#}
{% macro value_type_from_flag(flag) -%}
    case
        when {{ flag }} is null then 'actual'
        when {{ flag }} = 'T' then 'target'
        when {{ flag }} = 'P' then 'projection'
        when {{ flag }} = 'E' then 'estimate'
    end
{%- endmacro %}
