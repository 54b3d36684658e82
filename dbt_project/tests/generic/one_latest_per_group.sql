{#
    Revisions: within each group of rows sharing the columns in group_by, exactly one row has
    the boolean column set. Groups with no latest row, or several, are returned.
#}
{% test one_latest_per_group(model, column_name, group_by) %}

select
    {{ group_by | join(', ') }},
    count(*) as row_count,
    sum(case when {{ column_name }} then 1 else 0 end) as latest_count
from {{ model }}
group by {{ group_by | join(', ') }}
having sum(case when {{ column_name }} then 1 else 0 end) != 1

{% endtest %}
