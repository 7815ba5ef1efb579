-- Standard report periods: month, quarter, half-year, year, and year-to-date at each month end.
with

months as (
    select distinct date_trunc('month', calendar_date)::date as month_start
    from {{ ref('dim_date') }}
    where calendar_date between (select min(received_at)::date from {{ ref('int_dossiers_unified') }})
                            and (select max(coalesce(finished_at, received_at))::date from {{ ref('int_dossiers_unified') }})
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
)

select * from periods
