-- Apology letters of the kept ward dossier version.
with

letters as (
    select * from {{ landing('ward_one_stop', 'apology_letters') }}
),

dossiers as (
    select dossier_id, batch_id, cursor_raw from {{ ref('stg_ward_one_stop__dossiers') }}
),

renamed as (
    select
        l.dossier_id,
        l._ordinal as letter_seq,
        l.reason,
        {{ vn_iso_ts('l.issued_at') }} as issued_at,
        {{ vn_iso_ts('l.old_due_at') }} as old_due_at,
        {{ vn_iso_ts('l.new_due_at') }} as new_due_at
    from letters as l
    inner join dossiers as d
        on l.dossier_id = d.dossier_id and l._batch_id = d.batch_id and l._parent_cursor = d.cursor_raw
    qualify row_number() over (partition by l.dossier_id, l._ordinal order by l._page desc) = 1
)

select * from renamed
