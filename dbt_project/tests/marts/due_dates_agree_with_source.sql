-- Warn: dossiers whose source due date (NgayHenTra / due_at) differs from the statutory one (statutory
-- duration from the effective receipt day + the citizen's supplement waits; int_dossier_sla). The
-- warehouse judges by the statutory deadline; a disagreement usually means the source rewrote the due
-- date (e.g. to an apology letter's promised date) or forgot a supplement's extension.
{{ config(severity='warn') }}
select dossier_id, source_system, due_at_source, due_at
from {{ ref('fct_dossier') }}
where due_date_disagrees
