-- Satisfaction ratings (separate endpoint in this vendor's API).
{{ config(materialized='incremental', unique_key='rating_id', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
with

latest as (
    {{ latest_version(source('ward_one_stop', 'ratings'), 'rating_id', 'updated_at') }}
),

renamed as (
    select
        rating_id,
        dossier_id,
        {{ dossier_sk() }} as dossier_sk,
        satisfaction,
        case satisfaction when 'very_satisfied' then 1 when 'satisfied' then 2 when 'neutral' then 3
            when 'dissatisfied' then 4 end as rating_level,
        {{ vn_iso_ts('rated_at') }} as rated_at,
        updated_at as cursor_raw,
        _batch_id as batch_id,
        _extracted_at
    from latest
)

select * from renamed
{{ unless_held('renamed', 'rating_id') }}
