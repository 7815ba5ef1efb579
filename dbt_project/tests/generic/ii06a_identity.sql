{# Report form II.06a: everything handled in a period is either resolved or still in progress. #}
{% test ii06a_identity(model) %}
select *
from {{ model }}
where carried_over + received_new <> resolved_total + in_progress_total
   or resolved_total <> resolved_early + resolved_on_time + resolved_late
   or in_progress_total <> in_progress_within_deadline + in_progress_overdue
   or received_new <> received_online + received_direct + received_postal
{% endtest %}
