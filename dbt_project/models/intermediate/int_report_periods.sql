/*
  Standard report periods: month, quarter, half-year, year, and year-to-date at each month end
  ("7 tháng đầu năm" = Jan–Jul). Every standard period that overlaps the data exists, including a
  quarter, half or year whose first months precede the first dossier: months are generated from the
  January of the first data year, and periods are kept when they overlap [first day, last day].
*/
with

bounds as (
    select
        min(received_at)::date as first_day,
        max(coalesce(finished_at_source, received_at))::date as last_day
    from {{ ref('int_dossier_sla') }}  -- the table of the dossier chain (int_dossiers_unified is a view)
),

months as (
    select distinct d.month_start
    from {{ ref('dim_date') }} as d, bounds as b
    where d.calendar_date between date_trunc('year', b.first_day)::date and b.last_day
),

periods as (
    select 'month' as period_type, month_start as period_start,
           (month_start + interval 1 month - interval 1 day)::date as period_end from months
    union all
    select 'quarter', month_start, (month_start + interval 3 month - interval 1 day)::date
    from months where month(month_start) in (1, 4, 7, 10)
    union all
    select 'half', month_start, (month_start + interval 6 month - interval 1 day)::date
    from months where month(month_start) in (1, 7)
    union all
    select 'year', month_start, (month_start + interval 12 month - interval 1 day)::date
    from months where month(month_start) = 1
    union all
    select 'ytd', date_trunc('year', month_start)::date, (month_start + interval 1 month - interval 1 day)::date
    from months
),

overlapping as (
    select p.*
    from periods as p, bounds as b
    where p.period_end >= b.first_day and p.period_start <= b.last_day
)

select * from overlapping
