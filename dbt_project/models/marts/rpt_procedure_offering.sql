/*
  Procedures a unit offers on the last day of each standard period, by online level: full online
  ("toàn trình", MucDo 4), partial online ("một phần", MucDo 3) — the two online levels of Decree
  42/2022/NĐ-CP that replaced "mức độ 4 / 3" — and information only (MucDo 2). Published reports give
  the online ones together ("137 thủ tục mức độ 3 và 4" = online_total). A procedure counts once per unit,
  at the level of its offering row in force that day (the latest started if rows overlap).
*/
with

offerings as (select * from {{ ref('int_procedure_offerings') }}),

periods as (select * from {{ ref('int_report_periods') }}),

in_force as (
    select o.unit_code, o.parent_unit_code, o.handling_level, p.period_type, p.period_start, p.period_end,
        o.procedure_code, o.online_level
    from offerings as o
    inner join periods as p
        on o.valid_from <= p.period_end and (o.valid_to is null or o.valid_to >= p.period_end)
    qualify row_number() over (
        partition by o.unit_code, o.handling_level, p.period_type, p.period_start, p.period_end, o.procedure_code
        order by o.valid_from desc, o.online_level
    ) = 1
),

final as (
    select unit_code, parent_unit_code, handling_level, period_type, period_start, period_end,
        count(*) as procedures_offered,
        count(*) filter (where online_level = 'full') as full_online,
        count(*) filter (where online_level = 'partial') as partial_online,
        count(*) filter (where online_level = 'info') as info_only,
        count(*) filter (where online_level in ('full', 'partial')) as online_total,
        count(*) filter (where online_level in ('full', 'partial')) / count(*) as online_rate
    from in_force
    group by all
)

select * from final
