-- Supplement requests of the kept ward dossier version.
with

requests as (
    select * from {{ landing('ward_one_stop', 'supplement_requests') }}
),

dossiers as (
    select dossier_id, batch_id, cursor_raw from {{ ref('stg_ward_one_stop__dossiers') }}
),

renamed as (
    select
        r.dossier_id,
        r._ordinal as request_seq,
        r.reason as request_content,
        {{ vn_iso_ts('r.requested_at') }} as requested_at,
        {{ vn_iso_ts('r.resumed_at') }} as resumed_at,
        {{ vn_iso_ts('r.old_due_at') }} as old_due_at,
        {{ vn_iso_ts('r.new_due_at') }} as new_due_at
    from requests as r
    inner join dossiers as d
        on r.dossier_id = d.dossier_id and r._batch_id = d.batch_id and r._parent_cursor = d.cursor_raw
    qualify row_number() over (partition by r.dossier_id, r._ordinal order by r._page desc) = 1
)

select * from renamed
