-- Which communes offer a procedure (offered_by of the kept procedure version): official unit code,
-- online level, first and last day offered (inclusive; null = still offered).
with

offerings as (
    select * from {{ landing('ward_one_stop', 'procedure_offerings') }}
),

procedures as (
    select code as procedure_code, _batch_id as batch_id, updated_at as cursor_raw
    from {{ landing('ward_one_stop', 'procedures') }}
    qualify row_number() over (partition by code order by updated_at desc, _batch_id desc) = 1
),

renamed as (
    select
        o.procedure_code,
        o.unit_code,
        o.online_level,
        try_cast(o.valid_from as date) as valid_from,
        try_cast(o.valid_to as date) as valid_to
    from offerings as o
    inner join procedures as p
        on o.procedure_code = p.procedure_code and o._batch_id = p.batch_id and o._parent_cursor = p.cursor_raw
    qualify row_number() over (partition by o.procedure_code, o._ordinal order by o._page desc) = 1
)

select * from renamed
