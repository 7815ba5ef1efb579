-- Which communes offer a procedure (offered_by of the kept procedure version): official unit code,
-- online level, first and last day offered (inclusive; null = still offered).
with

procedures as (
    select code as procedure_code, _batch_id as batch_id, updated_at as cursor_raw
    from ({{ latest_version(source('ward_one_stop', 'procedures'), 'code', 'updated_at') }})
),

kept as (
    {{ of_kept_version(source('ward_one_stop', 'procedure_offerings'), 'procedures', 'procedure_code', 'procedure_code') }}
),

latest as (
    {{ latest_version('kept', ['procedure_code', '_ordinal'], '_page') }}
),

renamed as (
    select
        procedure_code,
        unit_code,
        online_level,
        try_cast(valid_from as date) as valid_from,
        try_cast(valid_to as date) as valid_to
    from latest
)

select * from renamed
