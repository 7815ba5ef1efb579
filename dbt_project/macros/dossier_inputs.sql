{#
  The per-dossier inputs of the SLA chain, whole or for some dossiers only. The views int_dossiers_unified
  and int_dossier_supplements render them whole; an incremental int_dossier_sla renders them for the
  dossiers it re-writes (`only`: a query of dossier_sk), so that filter reaches the staging scans before
  the ratings window, the unit joins and the supplement window. On the views DuckDB applies it after them,
  joining every dossier to its units and rating first. With this and one lookup in landed_dossiers, the
  incremental int_dossier_sla select of an ordinary day at 10M (110k dossiers re-written) took 5.1 s
  against 9.1 s (bench landing zone, median of 3 fresh processes each, identical rows). Both filters are by
  dossier (dossier_sk, the key of dossier_id), the partition of both windows, so they give the same rows as
  the views.
#}

{% macro _of_dossiers(only) -%}
    {%- if only %} where dossier_sk in ({{ only }}){% endif -%}
{%- endmacro %}

{#- Dossiers of both one-stop systems in one shape, with official unit codes and the handling level. #}
{% macro unified_dossiers(only=none) -%}
with

district as (
    select * from {{ ref('stg_district_one_stop__dossiers') }}{{ _of_dossiers(only) }}
),

district_units as (
    select * from {{ ref('stg_district_one_stop__units') }}
),

ward as (
    select * from {{ ref('stg_ward_one_stop__dossiers') }}{{ _of_dossiers(only) }}
),

ward_units as (
    select * from {{ ref('stg_ward_one_stop__units') }}
),

ward_ratings as (
    select dossier_sk, dossier_id, rating_level, rated_at, _extracted_at from {{ ref('stg_ward_one_stop__ratings') }}{{ _of_dossiers(only) }}
    qualify row_number() over (partition by dossier_id order by rated_at desc) = 1
),

district_shaped as (
    select
        d.dossier_sk, d.dossier_id, 'district_one_stop' as source_system, 'district' as handling_level,
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
        w.dossier_sk, w.dossier_id, 'ward_one_stop' as source_system, 'ward' as handling_level,
        w.unit_code, u.parent_unit_code, w.procedure_code, w.channel, w.online_level, w.status_code,
        w.submitted_at, w.received_at, w.due_at, w.finished_at, w.returned_at,
        w.postal_return_requested, w.postal_returned, w.result_returned_online, w.has_digitised_inputs,
        w.result_digitised, w.paid_online, w.fee_amount, w.fee_paid_online_amount,
        r.rating_level, r.rated_at, w.applicant_pseudonym, w.applicant_type, w.batch_id as source_batch_id,
        greatest(w._extracted_at, r._extracted_at) as _extracted_at
    from ward as w
    left join ward_units as u on w.unit_code = u.unit_code
    left join ward_ratings as r on w.dossier_sk = r.dossier_sk
)

select * from district_shaped
union all
select * from ward_shaped
{%- endmacro %}

{#- Supplement requests of both systems, per dossier (int_dossier_supplements). #}
{% macro dossier_supplements(only=none) -%}
with

requests as (
    select dossier_sk, dossier_id, requested_at, resumed_at, _extracted_at
    from {{ ref('stg_district_one_stop__supplement_requests') }}{{ _of_dossiers(only) }}
    union all
    select dossier_sk, dossier_id, requested_at, resumed_at, _extracted_at
    from {{ ref('stg_ward_one_stop__supplement_requests') }}{{ _of_dossiers(only) }}
),

calendar as (
    select calendar_date, working_day_ordinal from {{ ref('dim_date') }}
),

waits as (
    select
        r.dossier_sk,
        r.dossier_id,
        r.requested_at,
        r.resumed_at,
        r._extracted_at,
        row_number() over (partition by r.dossier_id order by r.requested_at, r.resumed_at) as request_seq,
        coalesce(back.working_day_ordinal - asked.working_day_ordinal, 0) as wait_working_days
    from requests as r
    left join calendar as asked on asked.calendar_date = r.requested_at::date
    left join calendar as back on back.calendar_date = r.resumed_at::date
),

per_dossier as (
    select
        dossier_sk,
        dossier_id,
        count(*) as supplement_request_count,
        sum(wait_working_days) as supplement_wait_working_days,
        bool_or(resumed_at is null) as awaiting_supplement,
        min(requested_at) filter (where request_seq = 1) as first_supplement_requested_at,
        min(resumed_at) filter (where request_seq = 1) as first_supplement_resumed_at,
        min(wait_working_days) filter (where request_seq = 1) as first_supplement_wait_working_days,
        min(requested_at) filter (where request_seq = 2) as second_supplement_requested_at,
        max(_extracted_at) as _extracted_at
    from waits
    group by dossier_sk, dossier_id
)

select * from per_dossier
{%- endmacro %}
