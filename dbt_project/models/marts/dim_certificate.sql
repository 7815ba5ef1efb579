-- Certificate registry with the unit of the agency each certificate belongs to.
select
    c.certificate_serial, c.subject_name, c.subject_type, c.organ_id, o.unit_code, u.parent_unit_code,
    c.issuer, c.issuer_type, c.status, c.issued_at, c.valid_from, c.valid_to, c.revoked_at
from {{ ref('stg_dms__certificates') }} as c
left join {{ ref('stg_dms__organs') }} as o on c.organ_id = o.organ_id
left join {{ ref('int_units') }} as u on o.unit_code = u.unit_code
