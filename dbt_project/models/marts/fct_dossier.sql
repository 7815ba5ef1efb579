-- One row per dossier of both one-stop systems, with its timeliness judged by int_dossier_sla.
-- Incremental: a run re-writes (delete+insert by dossier_id) the dossiers landed in newer batches and
-- every still-open dossier (its on_time_status depends on the as-of date); full refresh gives the same.
{{ config(materialized='incremental', unique_key='dossier_id', incremental_strategy='delete+insert',
          on_schema_change='fail') }}
with

sla as (
    select * from {{ ref('int_dossier_sla') }}
    {% if is_incremental() %}
    where source_batch_id > (select max(source_batch_id) from {{ this }})
       or finished_at is null
       or dossier_id not in (select dossier_id from {{ this }})
    {% endif %}
),

final as (
    select
        dossier_id, source_system, handling_level, unit_code, parent_unit_code, procedure_code, channel,
        online_level, status_code, outcome, submitted_at, received_at, due_at, due_at_source, due_date_disagrees,
        finished_at, finished_at_source, end_from_trail, returned_at,
        supplement_request_count, supplement_wait_working_days, awaiting_supplement, on_time_status,
        on_time_status_766, postal_return_requested,
        postal_returned, has_digitised_inputs, result_digitised, paid_online, rating_level, rated_at,
        apology_count, applicant_pseudonym, applicant_type, source_batch_id
    from sla
)

select * from final
