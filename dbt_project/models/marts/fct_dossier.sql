-- One row per dossier of both one-stop systems, with its timeliness judged by int_dossier_sla.
with

sla as (
    select * from {{ ref('int_dossier_sla') }}
),

final as (
    select
        dossier_id, source_system, handling_level, unit_code, parent_unit_code, procedure_code, channel,
        online_level, status_code, outcome, submitted_at, received_at, due_at, finished_at, returned_at,
        supplement_request_count, supplement_wait_working_days, on_time_status, postal_return_requested,
        postal_returned, has_digitised_inputs, result_digitised, paid_online, rating_level, rated_at,
        apology_count, applicant_pseudonym, applicant_type
    from sla
)

select * from final
