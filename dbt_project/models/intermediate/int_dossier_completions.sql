/*
  First completion state of each landed dossier from its processing trail (district QuaTrinhXuLy steps,
  ward status events): processed 9, returned 10, stopped/refused 8, withdrawn 7; null when the trail has
  none. Decision 766 formula 2.1 ends a dossier at the first of these states; int_dossier_sla uses it
  when the source leaves the end-of-processing time empty.
  Incremental: the dossiers whose record or trail was extracted after the newest row held are re-written
  (one row per dossier, so a trail that lost its completion state replaces the old row too).
*/
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
with

district_steps as (
    select dossier_sk, status_code, occurred_at, _extracted_at
    from {{ ref('stg_district_one_stop__processing_steps') }}
),

ward_events as (
    select dossier_sk, status_code, occurred_at, _extracted_at from {{ ref('stg_ward_one_stop__dossier_events') }}
),

dossiers as (
    {{ landed_dossiers(changed_in=[ref('stg_district_one_stop__processing_steps'),
                                   ref('stg_ward_one_stop__dossier_events')]) }}
),

trail as (
    select * from district_steps
    {%- if is_incremental() %} where dossier_sk in (select dossier_sk from dossiers){% endif %}
    union all
    select * from ward_events
    {%- if is_incremental() %} where dossier_sk in (select dossier_sk from dossiers){% endif %}
),

completions as (
    select
        d.dossier_sk,
        d.dossier_id,
        min(t.occurred_at) filter (where t.status_code in (7, 8, 9, 10)) as first_completion_at,
        greatest(d._extracted_at, max(t._extracted_at)) as _extracted_at
    from dossiers as d
    left join trail as t on d.dossier_sk = t.dossier_sk
    group by d.dossier_sk, d.dossier_id, d._extracted_at
)

select * from completions
