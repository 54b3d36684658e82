{#
    A row-level rule that must hold on every row; the rows that break it are returned.
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
