-- Apology letters of both systems (one row per letter).
{{ config(materialized='view') }}
select dossier_sk, dossier_id, letter_seq, issued_at, old_due_at, new_due_at, _extracted_at
from {{ ref('stg_district_one_stop__apology_letters') }}
union all
select dossier_sk, dossier_id, letter_seq, issued_at, old_due_at, new_due_at, _extracted_at
from {{ ref('stg_ward_one_stop__apology_letters') }}
