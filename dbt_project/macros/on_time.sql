{#
  Is a dossier still open at a period end overdue there? The one home of the open-dossier rule, used
  by int_dossier_sla (at the as-of date), macro ii06a_counts and int_score_measures (at each period
  end). Expects the columns of int_dossier_sla. Two readings, named (docs/on-time.md):
    rule='ii06a'  report form II.06a (Circular 01/2018/TT-VPCP): dates compared; a dossier waiting for
                  the citizen's supplement is "trong hạn" ("bao gồm cả hồ sơ chờ bổ sung") when the
                  request was made on or before its due date.
    rule='766'    Decision 766/QĐ-TTg formula 2.1: the open request's time is the end of the agency's
                  part and is compared with the due time (17:00 of the due date), so a request at 17:30
                  on the due date is late there.
  Both: more than one supplement request by the period end is late (766 formula 2.1); a supplement the
  citizen answered by the period end extends the due date by the working days waited; no due date at
  all is within deadline (DVCAPI report builder: "NgayHenTra is null" counts as on time).
#}
{% macro open_overdue_at(period_end, rule='ii06a') -%}
(
    coalesce(second_supplement_requested_at::date <= {{ period_end }}, false)
    or coalesce(case
        when first_supplement_requested_at::date <= {{ period_end }}
             and (first_supplement_resumed_at is null or first_supplement_resumed_at::date > {{ period_end }})
            {%- if rule == '766' %}
            then first_supplement_requested_at > base_due_date + interval 17 hour
            {%- else %}
            then first_supplement_requested_at::date > base_due_date
            {%- endif %}
        when first_supplement_resumed_at::date <= {{ period_end }}
            then due_date_after_first_supplement < {{ period_end }}
        else base_due_date < {{ period_end }}
    end, false)
)
{%- endmacro %}

{#- The status of a dossier still open at `day` (a date expression): open_overdue or open_within_deadline. -#}
{% macro open_status_at(day, rule='ii06a') -%}
case when {{ open_overdue_at(day, rule=rule) }} then 'open_overdue' else 'open_within_deadline' end
{%- endmacro %}
