-- Apology letters (phiếu xin lỗi) of the kept dossier version.
with

letters as (
    select * from {{ landing('district_one_stop', 'apology_letters') }}
),

dossiers as (
    select dossier_id, batch_id, cursor_raw from {{ ref('stg_district_one_stop__dossiers') }}
),

renamed as (
    select
        l."MaHoSo" as dossier_id,
        l._ordinal as letter_seq,
        l."LyDo" as reason,
        {{ vn_compact_ts('l."NgayXinLoi"') }} as issued_at,
        {{ vn_compact_ts('l."NgayHenTraCu"') }} as old_due_at,
        {{ vn_compact_ts('l."NgayHenTraMoi"') }} as new_due_at
    from letters as l
    inner join dossiers as d
        on l."MaHoSo" = d.dossier_id and l._batch_id = d.batch_id and l._parent_cursor = d.cursor_raw
    qualify row_number() over (partition by l."MaHoSo", l._ordinal order by l._page desc) = 1
)

select * from renamed
