-- Both one-stop systems in one shape, with official unit codes and the handling level.
-- A view: its one reader, int_dossier_sla, is the table; a table here would only be written and read back once.
{{ config(materialized='view') }}
-- the SQL: macros/dossier_inputs.sql (int_dossier_sla renders it for the dossiers it re-writes)
{{ unified_dossiers() }}
