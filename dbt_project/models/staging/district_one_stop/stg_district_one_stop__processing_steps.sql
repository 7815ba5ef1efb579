-- Processing steps (QuaTrinhXuLy) of the kept dossier version.
with

steps as (
    select * from {{ landing('district_one_stop', 'processing_steps') }}
),

dossiers as (
    select dossier_id, batch_id, cursor_raw from {{ ref('stg_district_one_stop__dossiers') }}
),

renamed as (
    select
        s."MaHoSo" as dossier_id,
        s._ordinal as step_seq,
        s."TrangThai" as status_code,
        s."NoiDungXuLy" as description,
        s."ChucDanh" as actor_role,
        s."PhongBanXuLy" as department,
        {{ vn_compact_ts('s."ThoiDiemXuLy"') }} as occurred_at
    from steps as s
    inner join dossiers as d
        on s."MaHoSo" = d.dossier_id and s._batch_id = d.batch_id and s._parent_cursor = d.cursor_raw
    qualify row_number() over (partition by s."MaHoSo", s._ordinal order by s._page desc) = 1
)

select * from renamed
