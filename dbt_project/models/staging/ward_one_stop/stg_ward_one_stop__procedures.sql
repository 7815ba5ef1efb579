-- Commune-level procedure catalogue.
with

source as (
    select * from {{ landing('ward_one_stop', 'procedures') }}
    qualify row_number() over (partition by code order by updated_at desc, _batch_id desc) = 1
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
    from source
)

select * from renamed
