-- Certificate registry.
with

latest as (
    {{ latest_version(source('dms', 'certificates'), '"Serial"', '"ModifiedDate"') }}
),

renamed as (
    select
        "Serial" as certificate_serial,
        "SubjectName" as subject_name,
        "SubjectType" as subject_type,
        "OrganId" as organ_id,
        "Issuer" as issuer,
        "IssuerType" as issuer_type,
        "Status" as status,
        {{ vn_iso_ts('"IssuedAt"') }} as issued_at,
        {{ vn_iso_ts('"ValidFrom"') }} as valid_from,
        {{ vn_iso_ts('"ValidTo"') }} as valid_to,
        {{ vn_iso_ts('"RevokedAt"') }} as revoked_at
    from latest
)

select * from renamed
