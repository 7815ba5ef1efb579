-- Commune-level procedure catalogue.
with

latest as (
    {{ latest_version(source('ward_one_stop', 'procedures'), 'code', 'updated_at') }}
),

renamed as (
    select
        code as procedure_code,
        name as procedure_name,
        field_code,
        field_name,
        online_level,
        duration_working_days,
        'ward' as level,
        coalesce(has_fee, false) as has_fee
    from latest
)

select * from renamed
