-- One row per e-document with its signature summary (Decree 30/2020 art. 5: personal AND organisation).
-- legally_complete: an electronic document with a VERIFIED valid personal and organisation signature.
-- signed_by_unit_head: the personal signature is the head's own (signer position a head title: Chủ tịch,
-- Giám đốc, Chánh Văn phòng, Trưởng phòng), not a deputy's signing for the head ("KT. ..."; Decree 30/2020
-- art. 13 lets the head assign deputies to sign).
-- Incremental: the documents whose record or signatures were extracted after the newest row held are
-- re-written (delete+insert by document_id).
{{ config(materialized='incremental', unique_key='document_id', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': 'source_extracted_at'}) }}
with

documents as (
    select * from {{ ref('stg_dms__documents') }}
    {%- if is_incremental() %}
    where {{ extracted_after_held(held='source_extracted_at') }}
       or document_id in (select document_id from {{ ref('stg_dms__document_signatures') }}
                          where {{ extracted_after_held(held='source_extracted_at') }})
    {%- endif %}
),

organs as (select * from {{ ref('stg_dms__organs') }}),

units as (select * from {{ ref('int_units') }}),

signatures as (
    select
        document_id,
        count(*) as signature_count,
        bool_or(signature_type = 'personal') as has_personal_signature,
        bool_or(signature_type = 'organisation') as has_organisation_signature,
        bool_or(signature_type = 'personal'
            and trim(signer_position) in ('Chủ tịch', 'Giám đốc', 'Chánh Văn phòng', 'Trưởng phòng'))
            as has_unit_head_signature,
        max(_extracted_at) as _extracted_at,
        count(*) filter (where verification_status = 'valid') as valid_signature_count,
        count(*) filter (where verification_status <> 'valid') as invalid_signature_count,
        bool_or(signature_type = 'personal' and verification_status = 'valid') as has_valid_personal_signature,
        bool_or(signature_type = 'organisation' and verification_status = 'valid') as has_valid_organisation_signature
    from {{ ref('stg_dms__document_signatures') }}
    {%- if is_incremental() %} where document_id in (select document_id from documents){% endif %}
    group by document_id
),

final as (
    select
        d.document_id, d.organ_id, o.unit_code, u.parent_unit_code, d.direction, d.is_electronic,
        d.sent_via_axis, d.issued_date, d.type_name, d.code_notation, d.priority,
        coalesce(s.signature_count, 0) as signature_count,
        coalesce(s.has_personal_signature, false) as has_personal_signature,
        coalesce(s.has_organisation_signature, false) as has_organisation_signature,
        coalesce(s.has_personal_signature and s.has_organisation_signature, false) as is_fully_signed,
        coalesce(s.has_unit_head_signature, false) as signed_by_unit_head,
        coalesce(s.valid_signature_count, 0) as valid_signature_count,
        coalesce(s.invalid_signature_count, 0) as invalid_signature_count,
        coalesce(s.has_valid_personal_signature, false) as has_valid_personal_signature,
        coalesce(s.has_valid_organisation_signature, false) as has_valid_organisation_signature,
        coalesce(d.is_electronic and s.has_valid_personal_signature and s.has_valid_organisation_signature, false)
            as legally_complete,
        greatest(d._extracted_at, s._extracted_at) as source_extracted_at
    from documents as d
    left join organs as o on d.organ_id = o.organ_id
    left join units as u on o.unit_code = u.unit_code
    left join signatures as s on d.document_id = s.document_id
)

select * from final
