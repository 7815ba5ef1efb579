-- Procedure catalogue of both levels (int_procedures chooses between the two systems' entries).
select procedure_code, procedure_name, field_code, field_name, online_level, duration_working_days, level, has_fee
from {{ ref('int_procedures') }}
