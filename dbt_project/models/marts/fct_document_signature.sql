-- One row per digital signature on an e-document.
select
    s.signature_id, s.document_id, d.unit_code, s.signature_type, s.signer_name, s.signer_position,
    s.certificate_serial, s.certificate_issuer, s.issuer_type, s.signed_at, s.verification_status,
    s.verification_reason
from {{ ref('stg_dms__document_signatures') }} as s
inner join {{ ref('fct_document') }} as d on s.document_id = d.document_id
