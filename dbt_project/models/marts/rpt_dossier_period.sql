/*
  Report form II.06a per unit, handling level and standard period.
  Received: carried over (received before the period, not finished before it) + newly received
  (channel online / direct / postal). Resolved in the period by timeliness (int_dossier_sla).
  In progress at period end: within deadline while due date >= period end, else overdue.
  Identity: carried_over + received_new = resolved_total + in_progress_total.
  The ward level of a district is the sum of the rows whose parent_unit_code is that district.
  Counted once, per procedure (int_ii06a_counts, macro ii06a_counts; rates in rpt_procedure_period); here the procedures are added up.
*/
{{ ii06a_sum_procedures() }}
