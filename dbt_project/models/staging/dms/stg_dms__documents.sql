-- E-documents (Decree 30/2020 fields): latest version of each document.
{{ config(materialized='incremental', unique_key='document_id', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
with

latest as (
    {{ latest_version(source('dms', 'documents'), '"DocId"', '"ModifiedDate"') }}
),

renamed as (
    select
        "DocId" as document_id,
        "OrganId" as organ_id,
        "OrganName" as organ_name,
        "CodeNumber" as code_number,
        "CodeNotation" as code_notation,
        "TypeName" as type_name,
        try_cast("IssuedDate" as date) as issued_date,
        "IssuedDate" as issued_date_raw,
        "Subject" as subject,
        "Priority" as priority,
        "Direction" as direction,
        coalesce("IsElectronic", false) as is_electronic,
        coalesce("SentViaAxis", false) as sent_via_axis,
        {{ vn_iso_ts('"ModifiedDate"') }} as modified_at,
        "ModifiedDate" as cursor_raw,
        _batch_id as batch_id,
        _extracted_at
    from latest
)

select * from renamed
{{ unless_held('renamed', 'document_id') }}
