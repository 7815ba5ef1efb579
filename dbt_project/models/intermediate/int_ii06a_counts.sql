-- The additive counts of report form II.06a per unit, handling level, procedure and standard period
-- (macro ii06a_counts); rpt_procedure_period adds the rates. Incremental by the changed dossiers: only the
-- (grain, period) rows they move are re-written, from the ledger of what was counted (docs/incremental.md).
{{ config(materialized='incremental', incremental_strategy='replace_keys', on_schema_change='fail',
          unique_key=['unit_code', 'parent_unit_code', 'handling_level', 'procedure_code',
                      'period_type', 'period_start', 'period_end'],
          keep_rows_where='carried_over + received_new + ratings_total + apologies_issued > 0',
          post_hook="{{ ii06a_record_counted(['procedure_code']) }}") }}
{{ ii06a_counts(['procedure_code']) }}
