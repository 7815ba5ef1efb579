-- One row per dossier of both one-stop systems, with its timeliness judged by int_dossier_sla.
-- Incremental: a run re-writes (delete+insert by dossier_sk) the dossiers int_dossier_sla re-wrote: from
-- records extracted after the newest one this table holds (source_extracted_at), or still open and judged
-- otherwise at this as-of date than in the row held; a full refresh gives the same rows.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': 'source_extracted_at'}) }}
with

{%- if is_incremental() %}
-- two selects, not one filter with `or`: the rows extracted after the newest held are the last ones
-- int_dossier_sla appended (delete+insert), which its zone maps find without reading the older row
-- groups; an `or` made DuckDB read every column of every row (at 10M: 1.7 s of CPU of the 2.8 s select)
extracted as (
    select * from {{ ref('int_dossier_sla') }}
    where {{ extracted_after_held(held='source_extracted_at') }}
),

rejudged as (
    select s.dossier_sk
    from {{ ref('int_dossier_sla') }} as s
    inner join {{ this }} as held on s.dossier_sk = held.dossier_sk
    where s.finished_at is null
        and (s.on_time_status is distinct from held.on_time_status
             or s.on_time_status_766 is distinct from held.on_time_status_766)
),
{%- endif %}

sla as (
    {%- if is_incremental() %}
    select * from extracted
    union all
    select * from {{ ref('int_dossier_sla') }}
    where ({{ extracted_after_held(held='source_extracted_at') }}) is not true
        and dossier_sk in (select dossier_sk from rejudged)
    {%- else %}
    select * from {{ ref('int_dossier_sla') }}
    {%- endif %}
),

final as (
    select
        dossier_sk, dossier_id, source_system, handling_level, unit_code, parent_unit_code, procedure_code, channel,
        online_level, status_code, outcome, submitted_at, received_at, due_at, due_at_source, due_date_disagrees,
        finished_at, finished_at_source, end_from_trail, returned_at,
        supplement_request_count, supplement_wait_working_days, awaiting_supplement, on_time_status,
        on_time_status_766, postal_return_requested,
        postal_returned, has_digitised_inputs, result_digitised, paid_online, rating_level, rated_at,
        apology_count, applicant_pseudonym, applicant_type, source_batch_id,
        _extracted_at as source_extracted_at
    from sla
)

select * from final
