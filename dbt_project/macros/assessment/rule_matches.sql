{#
    One condition of a rule in a rule-set seed (rag_rules): an empty cell matches anything; a
    cell lists the values that match, separated by '|' (`worse|worse_by_10pct`). A listed
    condition is not met by an unknown (null) value.
#}
{% macro rule_matches(rule_cell, value) -%}
    (
        {{ rule_cell }} is null
        or {{ dbt.position(
            dbt.concat(["'|'", value, "'|'"]),
            dbt.concat(["'|'", rule_cell, "'|'"])
        ) }} > 0
    )
{%- endmacro %}
