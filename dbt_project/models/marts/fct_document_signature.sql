-- One row per digital signature on an e-document.
-- Incremental: the signatures of the documents fct_document re-wrote (delete+insert by document_id).
{{ config(materialized='incremental', unique_key='document_id', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': 'source_extracted_at'},
          pre_hook="{{ replace_children(ref('fct_document'), 'document_id', 'source_extracted_at') }}") }}
select
    s.signature_id, s.document_id, d.unit_code, s.signature_type, s.signer_name, s.signer_position,
    s.certificate_serial, s.certificate_issuer, s.issuer_type, s.signed_at, s.verification_status,
    s.verification_reason, d.source_extracted_at
from {{ ref('stg_dms__document_signatures') }} as s
inner join {{ ref('fct_document') }} as d on s.document_id = d.document_id
{%- if is_incremental() %}
where {{ extracted_after_held('d.source_extracted_at', held='source_extracted_at') }}
{%- endif %}
