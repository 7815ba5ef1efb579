-- The five island districts without communes map to their special zone (đặc khu) from 1 July 2025
-- (Resolution 202/2025/QH15; the 2025 commune arrangement): district code → special-zone commune code.
with expected as (
    select * from (values ('318', '11948'), ('471', '19742'), ('498', '20333'), ('536', '21548'), ('755', '26732'))
        as t(old_code, new_code)
)
select e.old_code, e.new_code
from expected as e
left join {{ ref('bridge_admin_unit_succession') }} as b
    on b.old_code = e.old_code and b.new_code = e.new_code and b.weight = 1 and b.old_level = 'district'
where b.old_code is null
