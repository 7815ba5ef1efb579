-- Supplement requests of the kept dossier version only (a later version replaces the list).
with

requests as (
    select * from {{ landing('district_one_stop', 'supplement_requests') }}
),

dossiers as (
    select dossier_id, batch_id, cursor_raw from {{ ref('stg_district_one_stop__dossiers') }}
),

renamed as (
    select
        r."MaHoSo" as dossier_id,
        r._ordinal as request_seq,
        r."NoiDungBoSung" as request_content,
        {{ vn_compact_ts('r."NgayYeuCauBoSung"') }} as requested_at,
        {{ vn_compact_ts('r."NgayTiepNhanBoSung"') }} as resumed_at,
        {{ vn_compact_ts('r."NgayHenTraTruoc"') }} as old_due_at,
        {{ vn_compact_ts('r."NgayHenTraMoi"') }} as new_due_at
    from requests as r
    inner join dossiers as d
        on r."MaHoSo" = d.dossier_id and r._batch_id = d.batch_id and r._parent_cursor = d.cursor_raw
    qualify row_number() over (partition by r."MaHoSo", r._ordinal order by r._page desc) = 1
)

select * from renamed
