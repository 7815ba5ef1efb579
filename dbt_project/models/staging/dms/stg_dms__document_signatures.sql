-- Digital signatures of the kept document version, with the result of the extractor's verification
-- (extractors/signatures.py; null when the signature could not be verified, e.g. no revocation data).
{{ config(materialized='incremental', unique_key='document_id', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'},
          pre_hook="{{ replace_children(ref('stg_dms__documents'), 'document_id') }}") }}
with

kept as (
    {{ of_kept_version(source('dms', 'document_signatures'), ref('stg_dms__documents'), '"DocId"', 'document_id') }}
),

latest as (
    {{ latest_version('kept', '"SignatureId"', '_page') }}
),

renamed as (
    select
        s."SignatureId" as signature_id,
        s."DocId" as document_id,
        s."SignerName" as signer_name,
        s."Position" as signer_position,
        s."SignatureType" as signature_type,
        s."CertificateSerial" as certificate_serial,
        s."CertificateIssuer" as certificate_issuer,
        s."IssuerType" as issuer_type,
        {{ vn_iso_ts('s."SigningTime"') }} as signed_at,
        s."VerificationStatus" as verification_status,
        s."VerificationReason" as verification_reason,
        s._extracted_at
    from latest as s
)

select * from renamed
