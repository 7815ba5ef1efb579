-- Both one-stop systems in one shape, with official unit codes and the handling level.
-- A view: its one reader, int_dossier_sla, is the table; a table here would only be written and read back once.
{{ config(materialized='view') }}
with

district as (
    select * from {{ ref('stg_district_one_stop__dossiers') }}
),

district_units as (
    select * from {{ ref('stg_district_one_stop__units') }}
),

ward as (
    select * from {{ ref('stg_ward_one_stop__dossiers') }}
),

ward_units as (
    select * from {{ ref('stg_ward_one_stop__units') }}
),

ward_ratings as (
    select dossier_id, rating_level, rated_at, _extracted_at from {{ ref('stg_ward_one_stop__ratings') }}
    qualify row_number() over (partition by dossier_id order by rated_at desc) = 1
),

district_shaped as (
    select
        d.dossier_id, 'district_one_stop' as source_system, 'district' as handling_level,
        u.unit_code, u.parent_unit_code, d.procedure_code, d.channel, d.online_level, d.status_code,
        d.submitted_at, d.received_at, d.due_at, d.finished_at, d.returned_at,
        d.postal_return_requested, d.postal_returned, d.result_returned_online, d.has_digitised_inputs,
        d.result_digitised, d.paid_online, d.fee_amount, d.fee_paid_online_amount,
        d.rating_level, d.rated_at, d.applicant_pseudonym, d.applicant_type, d.batch_id as source_batch_id,
        d._extracted_at
    from district as d
    left join district_units as u on d.vendor_unit_code = u.vendor_unit_code
),

ward_shaped as (
    select
        w.dossier_id, 'ward_one_stop' as source_system, 'ward' as handling_level,
        w.unit_code, u.parent_unit_code, w.procedure_code, w.channel, w.online_level, w.status_code,
        w.submitted_at, w.received_at, w.due_at, w.finished_at, w.returned_at,
        w.postal_return_requested, w.postal_returned, w.result_returned_online, w.has_digitised_inputs,
        w.result_digitised, w.paid_online, w.fee_amount, w.fee_paid_online_amount,
        r.rating_level, r.rated_at, w.applicant_pseudonym, w.applicant_type, w.batch_id as source_batch_id,
        greatest(w._extracted_at, r._extracted_at) as _extracted_at
    from ward as w
    left join ward_units as u on w.unit_code = u.unit_code
    left join ward_ratings as r on w.dossier_id = r.dossier_id
)

select * from district_shaped
union all
select * from ward_shaped
