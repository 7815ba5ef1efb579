/*
  Supplement requests of both systems, per dossier: how many, the first request and the citizen's
  return, the second request's time, and the working days the dossier waited for the citizen
  (request day → return day on dim_date's working-day ordinal; the citizen's time, not the agency's).
  int_dossier_sla extends the statutory due date by these waits (Decision 766 formula 2.1).
*/
-- A view: read once, by int_dossier_sla (the table of the chain).
{{ config(materialized='view') }}
-- the SQL: macros/dossier_inputs.sql (int_dossier_sla renders it for the dossiers it re-writes)
{{ dossier_supplements() }}
