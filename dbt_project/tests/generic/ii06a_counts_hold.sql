{#
  The II.06a counts are sound: none below 0 (an incremental run that took away more than was counted would
  mean the ledger and the counts disagree), and no row where nothing is received, rated or apologised (a
  full build never writes one; replace_keys deletes a row whose counts fell to 0).
#}
{% test ii06a_counts_hold(model) %}
select * from {{ model }}
where least({{ _ii06a_counts() | join(', ') }}) < 0
   or carried_over + received_new + ratings_total + apologies_issued = 0
{% endtest %}
