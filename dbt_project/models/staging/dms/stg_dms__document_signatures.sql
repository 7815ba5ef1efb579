-- Digital signatures of the kept document version, with the result of the extractor's verification
-- (extractors/signatures.py; null when the signature could not be verified, e.g. no revocation data).
with

signatures as (
    select * from {{ landing('dms', 'document_signatures') }}
),

documents as (
    select document_id, batch_id, cursor_raw from {{ ref('stg_dms__documents') }}
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
        s."VerificationReason" as verification_reason
    from signatures as s
    inner join documents as d
        on s."DocId" = d.document_id and s._batch_id = d.batch_id and s._parent_cursor = d.cursor_raw
    qualify row_number() over (partition by s."SignatureId" order by s._page desc) = 1
)

select * from renamed
