-- Satisfaction ratings (separate endpoint in this vendor's API).
with

source as (
    select * from {{ landing('ward_one_stop', 'ratings') }}
    qualify row_number() over (partition by rating_id order by updated_at desc, _batch_id desc) = 1
),

renamed as (
    select
        rating_id,
        dossier_id,
        satisfaction,
        case satisfaction when 'very_satisfied' then 1 when 'satisfied' then 2 when 'neutral' then 3
            when 'dissatisfied' then 4 end as rating_level,
        {{ vn_iso_ts('rated_at') }} as rated_at
    from source
)

select * from renamed
