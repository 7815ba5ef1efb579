{#
  A surrogate key (`column_name`, macro dossier_sk) names one record: each failing row is a key and the
  natural keys (`natural_key`) that share it, so a collision of the hash names the records involved.
#}
{% test one_record_per_key(model, column_name, natural_key) %}
select {{ column_name }}, list({{ natural_key }} order by {{ natural_key }}) as natural_keys, count(*) as n
from {{ model }}
group by {{ column_name }}
having count(*) > 1
{% endtest %}
