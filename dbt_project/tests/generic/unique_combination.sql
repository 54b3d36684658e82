{#
    The columns listed, taken together, identify at most one row: the grain of a table whose key
    is a combination (an indicator's code and title; a value's indicator, area, period, type and
    submission).
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
