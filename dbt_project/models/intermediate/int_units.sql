-- Units the source systems know, with their parent (districts → province, communes → district).
select unit_code, parent_unit_code, unit_level as level from {{ ref('stg_district_one_stop__units') }}
union
select unit_code, parent_unit_code, 'xa' as level from {{ ref('stg_ward_one_stop__units') }}
