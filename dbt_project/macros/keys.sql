{#
  The integer surrogate key of a dossier, computed from its natural key (the source's dossier code, kept
  beside it as dossier_id): the lower 64 bits of its MD5 (RFC 1321), so the same in every DuckDB version,
  as a key held in incremental tables must be (DuckDB's hash() makes no such promise).
  Why: every incremental step of the per-dossier chain finds a day's changed dossiers in tables of 10M-40M
  rows; by this key instead of the string, the event fact's semi-join, join and delete took 2.2-2.9x less
  time at 10M (`python -m bench.keys`, docs/incremental.md).
  Two dossier codes could share a key (chance about n^2 / 2^65: 3e-6 for 10M dossiers, 2e-5 for 30M). A full
  build then fails fct_dossier's test one_record_per_key, which names the colliding dossier codes
  (tests/generic/one_record_per_key.sql). An incremental run replaces by key, so a new dossier would
  replace the held one sharing its key: the gate's reconciliation_landing_to_fact (FAIL) counts the
  dossier missing from the fact and stops the release, and a full refresh then names both.
#}
{% macro dossier_sk(natural_key='dossier_id') -%}
    md5_number_lower({{ natural_key }})
{%- endmacro %}
