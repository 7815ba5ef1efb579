{# A row's `column_name` is never earlier than its `than` column (either missing: not judged). #}
{% test not_before(model, column_name, than) %}
select * from {{ model }} where {{ column_name }} < {{ than }}
{% endtest %}
