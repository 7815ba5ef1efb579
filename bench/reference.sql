-- The hand-written reference of `make bench` (bench/reference.py): fct_dossier's judged dossiers and
-- report form II.06a per unit and period, straight from the landing zone in plain DuckDB SQL, written
-- for speed rather than for lineage, to price what the dbt build costs on top of the same work.
-- Same rules as the dbt models (docs/on-time.md); {landing} and {as_of} are filled in by reference.py,
-- and the working-day calendar (cchc.calendar) is loaded as table `calendar` before this runs.

-- latest version of each record: arg_max streams, where row_number() over a window holds every version
create temp table district_dossiers as
select unnest(latest) from (
    select arg_max(d, ("NgayCapNhat", _batch_id)) as latest
    from read_parquet('{landing}/district_one_stop/dossiers/batch=*/part-*.parquet', union_by_name = true,
                      hive_partitioning = false) as d
    group by "MaHoSo"
);

create temp table ward_dossiers as
select unnest(latest) from (
    select arg_max(w, (updated_at, _batch_id)) as latest
    from read_parquet('{landing}/ward_one_stop/dossiers/batch=*/part-*.parquet', union_by_name = true,
                      hive_partitioning = false) as w
    group by id
);

create temp table district_units as
select "MaDonVi" as vendor_unit_code, arg_max("MaDVHC", ("NgayCapNhat", _batch_id)) as unit_code,
       arg_max("MaDVHCCha", ("NgayCapNhat", _batch_id)) as parent_unit_code
from read_parquet('{landing}/district_one_stop/units/batch=*/part-*.parquet', union_by_name = true,
                  hive_partitioning = false)
group by "MaDonVi";

create temp table ward_units as
select code as unit_code, arg_max(coalesce(district_code, province_code), (updated_at, _batch_id)) as parent_unit_code
from read_parquet('{landing}/ward_one_stop/units/batch=*/part-*.parquet', union_by_name = true,
                  hive_partitioning = false)
group by code;

-- statutory durations: the district catalogue wins where a code is in both
create temp table durations as
with district as (
    select "MaTTHC" as procedure_code, arg_max("ThoiHanGiaiQuyet", ("NgayCapNhat", _batch_id)) as days
    from read_parquet('{landing}/district_one_stop/procedures/batch=*/part-*.parquet', union_by_name = true,
                      hive_partitioning = false)
    group by 1
), ward as (
    select code as procedure_code, arg_max(duration_working_days, (updated_at, _batch_id)) as days
    from read_parquet('{landing}/ward_one_stop/procedures/batch=*/part-*.parquet', union_by_name = true,
                      hive_partitioning = false)
    group by 1
)
select * from district
union all
select * from ward where procedure_code not in (select procedure_code from district);

-- the latest rating of each ward dossier (ratings are versioned by rating_id)
create temp table ward_ratings as
with latest as (
    select rating_id, arg_max(dossier_id, (updated_at, _batch_id)) as dossier_id,
           arg_max(satisfaction, (updated_at, _batch_id)) as satisfaction,
           arg_max(rated_at, (updated_at, _batch_id)) as rated_raw
    from read_parquet('{landing}/ward_one_stop/ratings/batch=*/part-*.parquet', union_by_name = true,
                      hive_partitioning = false)
    group by rating_id
)
select dossier_id,
       arg_max(case satisfaction when 'very_satisfied' then 1 when 'satisfied' then 2 when 'neutral' then 3
                   when 'dissatisfied' then 4 end,
               try_cast(rated_raw as timestamptz) at time zone 'Asia/Ho_Chi_Minh') as rating_level,
       max(try_cast(rated_raw as timestamptz) at time zone 'Asia/Ho_Chi_Minh') as rated_at
from latest
group by dossier_id;

-- both systems in one shape
create temp table dossiers as
select d."MaHoSo" as dossier_id, 'district_one_stop' as source_system, 'district' as handling_level,
       u.unit_code, u.parent_unit_code, d."MaTTHC" as procedure_code,
       case d."KenhThucHien" when 1 then 'direct' when 2 then 'online' when 3 then 'postal' end as channel,
       d."TrangThaiHoSo" as status_code,
       try_strptime(d."NgayTiepNhan", '%Y%m%d%H%M%S') as received_at,
       try_strptime(d."NgayHenTra", '%Y%m%d%H%M%S') as due_at_source,
       try_strptime(d."NgayKetThucXuLy", '%Y%m%d%H%M%S') as finished_at_source,
       try_strptime(d."NgayTra", '%Y%m%d%H%M%S') as returned_at,
       coalesce(d."HinhThucTra" = 2, false) as postal_return_requested,
       coalesce(d."TrangThaiTraBuuDien" = 1, false) as postal_returned,
       coalesce(d."HinhThucTra" = 3, false) as result_returned_online,
       coalesce(d."DaSoHoaKetQua" = 1, false) as result_digitised,
       d."DanhGiaHaiLong__MucDoHaiLong" as rating_level,
       try_strptime(d."DanhGiaHaiLong__NgayDanhGia", '%Y%m%d%H%M%S') as rated_at,
       d._batch_id as batch_id, d."NgayCapNhat" as cursor_raw
from district_dossiers as d
left join district_units as u on d."MaDonVi" = u.vendor_unit_code
union all
select w.id, 'ward_one_stop', 'ward', w.unit_code, u.parent_unit_code, w.procedure_code, w.channel,
       case w.status when 'new' then 1 when 'received' then 2 when 'rejected' then 3 when 'processing' then 4
           when 'supplement_requested' then 5 when 'financial_obligation' then 6 when 'withdrawn' then 7
           when 'stopped' then 8 when 'processed' then 9 when 'returned' then 10 end,
       try_cast(w.received_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh',
       try_cast(w.due_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh',
       try_cast(w.finished_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh',
       try_cast(w.returned_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh',
       coalesce(w.return_method = 'postal', false), coalesce(w.postal_delivered, false),
       coalesce(w.return_method = 'online', false), coalesce(w.result_digitised, false),
       r.rating_level, r.rated_at, w._batch_id, w.updated_at
from ward_dossiers as w
left join ward_units as u on w.unit_code = u.unit_code
left join ward_ratings as r on w.id = r.dossier_id;

-- children of the kept version only; a re-sent page replaces the earlier one
create temp table kept as select dossier_id, batch_id, cursor_raw from dossiers;

create temp table supplement_requests as
with district as (
    select r."MaHoSo" as dossier_id, r._ordinal,
           arg_max(try_strptime(r."NgayYeuCauBoSung", '%Y%m%d%H%M%S'), r._page) as requested_at,
           arg_max(try_strptime(r."NgayTiepNhanBoSung", '%Y%m%d%H%M%S'), r._page) as resumed_at
    from read_parquet('{landing}/district_one_stop/supplement_requests/batch=*/part-*.parquet',
                      union_by_name = true, hive_partitioning = false) as r
    semi join kept as k on r."MaHoSo" = k.dossier_id and r._batch_id = k.batch_id and r._parent_cursor = k.cursor_raw
    group by 1, 2
), ward as (
    select r.dossier_id, r._ordinal,
           arg_max(try_cast(r.requested_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh', r._page) as requested_at,
           arg_max(try_cast(r.resumed_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh', r._page) as resumed_at
    from read_parquet('{landing}/ward_one_stop/supplement_requests/batch=*/part-*.parquet',
                      union_by_name = true, hive_partitioning = false) as r
    semi join kept as k on r.dossier_id = k.dossier_id and r._batch_id = k.batch_id and r._parent_cursor = k.cursor_raw
    group by 1, 2
)
select dossier_id, requested_at, resumed_at from district
union all
select dossier_id, requested_at, resumed_at from ward;

create temp table apologies as
with district as (
    select l."MaHoSo" as dossier_id, l._ordinal,
           arg_max(try_strptime(l."NgayXinLoi", '%Y%m%d%H%M%S'), l._page) as issued_at
    from read_parquet('{landing}/district_one_stop/apology_letters/batch=*/part-*.parquet',
                      union_by_name = true, hive_partitioning = false) as l
    semi join kept as k on l."MaHoSo" = k.dossier_id and l._batch_id = k.batch_id and l._parent_cursor = k.cursor_raw
    group by 1, 2
), ward as (
    select l.dossier_id, l._ordinal,
           arg_max(try_cast(l.issued_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh', l._page) as issued_at
    from read_parquet('{landing}/ward_one_stop/apology_letters/batch=*/part-*.parquet',
                      union_by_name = true, hive_partitioning = false) as l
    semi join kept as k on l.dossier_id = k.dossier_id and l._batch_id = k.batch_id and l._parent_cursor = k.cursor_raw
    group by 1, 2
)
select dossier_id, issued_at from district
union all
select dossier_id, issued_at from ward;

-- first completion state (processed, returned, stopped, withdrawn) of each dossier's trail
create temp table completions as
with district_steps as (
    select s."MaHoSo" as dossier_id, s._ordinal,
           arg_max(s."TrangThai", s._page) as status_code,
           arg_max(try_strptime(s."ThoiDiemXuLy", '%Y%m%d%H%M%S'), s._page) as occurred_at
    from read_parquet('{landing}/district_one_stop/processing_steps/batch=*/part-*.parquet',
                      union_by_name = true, hive_partitioning = false) as s
    semi join kept as k on s."MaHoSo" = k.dossier_id and s._batch_id = k.batch_id and s._parent_cursor = k.cursor_raw
    group by 1, 2
), ward_events as (
    select event_id, arg_max(dossier_id, (updated_at, _batch_id)) as dossier_id,
           arg_max(status, (updated_at, _batch_id)) as status,
           arg_max(try_cast(occurred_at as timestamptz) at time zone 'Asia/Ho_Chi_Minh', (updated_at, _batch_id))
               as occurred_at
    from read_parquet('{landing}/ward_one_stop/dossier_events/batch=*/part-*.parquet',
                      union_by_name = true, hive_partitioning = false)
    group by event_id
)
select dossier_id, min(occurred_at) as first_completion_at
from (
    select dossier_id, occurred_at from district_steps where status_code in (7, 8, 9, 10)
    union all
    select dossier_id, occurred_at from ward_events
    where status in ('withdrawn', 'stopped', 'processed', 'returned')
)
where occurred_at is not null
group by dossier_id;

-- supplement waits in working days (request day → return day), per dossier
create temp table supplements as
with waits as (
    select r.dossier_id, r.requested_at, r.resumed_at,
           row_number() over (partition by r.dossier_id order by r.requested_at, r.resumed_at) as seq,
           coalesce(back.ordinal - asked.ordinal, 0) as wait_days
    from supplement_requests as r
    left join calendar as asked on asked.day = r.requested_at::date
    left join calendar as back on back.day = r.resumed_at::date
)
select dossier_id, count(*) as request_count, sum(wait_days) as wait_days,
       min(requested_at) filter (where seq = 1) as first_requested_at,
       min(resumed_at) filter (where seq = 1) as first_resumed_at,
       min(wait_days) filter (where seq = 1) as first_wait_days,
       min(requested_at) filter (where seq = 2) as second_requested_at
from waits
group by dossier_id;

-- the judged dossiers (fct_dossier's timeliness columns)
create temp table judged as
with ended as (
    select d.*,
           coalesce(d.finished_at_source, c.first_completion_at,
                    case when d.status_code in (7, 8, 9, 10) then d.returned_at end) as finished_at,
           p.days as duration_days,
           coalesce(s.request_count, 0) as request_count, coalesce(s.wait_days, 0) as wait_days,
           s.first_requested_at, s.first_resumed_at, s.first_wait_days, s.second_requested_at
    from dossiers as d
    left join completions as c using (dossier_id)
    left join durations as p using (procedure_code)
    left join supplements as s using (dossier_id)
), ordinals as (
    select e.*,
           r.ordinal + case when r.is_working and hour(e.received_at) < 17 then 0 else 1 end + e.duration_days
               as base_ordinal,
           case when e.request_count = 1 and e.first_resumed_at is null and e.finished_at is not null
                then f.ordinal - q.ordinal else 0 end as open_wait_days
    from ended as e
    left join calendar as r on r.day = e.received_at::date
    left join calendar as f on f.day = e.finished_at::date
    left join calendar as q on q.day = e.first_requested_at::date
), due as (
    select o.*,
           o.received_at::date as received_date, o.finished_at::date as finished_date,
           coalesce(b.day, o.due_at_source::date) as base_due,
           coalesce(fw.day, o.due_at_source::date) as due_after_first,
           coalesce(j.day, o.due_at_source::date) as due_date
    from ordinals as o
    left join working_days as b on b.ordinal = o.base_ordinal
    left join working_days as fw on fw.ordinal = o.base_ordinal + coalesce(o.first_wait_days, 0)
    left join working_days as j on j.ordinal = o.base_ordinal + o.wait_days + o.open_wait_days
)
select *,
       due_date + interval 17 hour as due_at,
       case when finished_at is null then null
            when request_count > 1 then 'late'
            when due_date is null or finished_date = due_date then 'on_time'
            when finished_date < due_date then 'early'
            else 'late' end as finished_timeliness,
       case when finished_at is null then null
            when request_count > 1 then 'late'
            when due_date is null or finished_at <= due_date + interval 17 hour then 'on_time'
            else 'late' end as finished_timeliness_766,
       {'first_req': first_requested_at, 'first_res': first_resumed_at, 'second_req': second_requested_at,
        'base_due': base_due, 'due_after_first': due_after_first} as w
from due;

-- open at a day: II.06a compares dates, 766 compares the request time with 17:00 of the due date
-- (w: the dossier's supplement dates and due dates, packed in judged)
create temp macro overdue_at(day, by_time, w) as (
    coalesce(w.second_req::date <= day, false)
    or coalesce(case
        when w.first_req::date <= day and (w.first_res is null or w.first_res::date > day)
            then case when by_time then w.first_req > w.base_due + interval 17 hour
                      else w.first_req::date > w.base_due end
        when w.first_res::date <= day then w.due_after_first < day
        else w.base_due < day
    end, false)
);

create temp table fct_dossier as
select dossier_id, source_system, handling_level, unit_code, parent_unit_code, procedure_code, channel,
       received_at, due_at, finished_at, request_count as supplement_request_count,
       coalesce(finished_timeliness,
                case when overdue_at('{as_of}'::date, false, w)
                     then 'open_overdue' else 'open_within_deadline' end)
           as on_time_status,
       coalesce(finished_timeliness_766,
                case when overdue_at('{as_of}'::date, true, w)
                     then 'open_overdue' else 'open_within_deadline' end)
           as on_time_status_766
from judged;

-- standard periods over the data: months from the January of the first data year, and the quarter,
-- half, year and year-to-date built on them; a period is kept where it overlaps the data
create temp table periods as
with bounds as (
    select min(received_at)::date as first_day, max(coalesce(finished_at_source, received_at))::date as last_day
    from dossiers
), months as (
    select m::date as month_start
    from bounds, range(date_trunc('year', first_day), last_day + interval 1 day, interval 1 month) as t(m)
), all_periods as (
    select 'month' as period_type, month_start as period_start, month_start + interval 1 month as next_start
    from months
    union all
    select 'quarter', month_start, month_start + interval 3 month from months where month(month_start) % 3 = 1
    union all
    select 'half', month_start, month_start + interval 6 month from months where month(month_start) in (1, 7)
    union all
    select 'year', month_start, month_start + interval 12 month from months where month(month_start) = 1
    union all
    select 'ytd', date_trunc('year', month_start)::date, month_start + interval 1 month from months
)
select period_type, period_start, (next_start - interval 1 day)::date as period_end,
       (next_start - interval 1 month)::date as last_month
from all_periods, bounds
where next_start - interval 1 day >= first_day and period_start <= last_day;

-- II.06a: flows counted per (unit, received month, finished month), each period adds the months it covers
create temp table rpt_dossier_period as
with received as (
    select * from judged where received_at is not null
), flows as (
    select unit_code, parent_unit_code, handling_level,
           date_trunc('month', received_date)::date as rm, date_trunc('month', finished_date)::date as fm,
           count(*) as n,
           count(*) filter (where channel = 'online') as online,
           count(*) filter (where coalesce(channel, 'direct') = 'direct') as direct,
           count(*) filter (where channel = 'postal') as postal,
           count(*) filter (where finished_timeliness = 'early') as early,
           count(*) filter (where finished_timeliness = 'on_time') as on_time,
           count(*) filter (where finished_timeliness = 'late') as late,
           count(*) filter (where postal_return_requested) as postal_requested,
           count(*) filter (where postal_returned) as postal_returned,
           count(*) filter (where result_returned_online) as returned_online,
           count(*) filter (where result_digitised) as digitised
    from received
    group by all
), open_at_end as (
    select unit_code, parent_unit_code, handling_level, e.period_end,
           count(*) filter (where overdue_at(e.period_end, false, w)) as overdue,
           count(*) filter (where not overdue_at(e.period_end, false, w)) as within
    from received
    join (select distinct period_end from periods) as e
        on received_date <= e.period_end and (finished_date is null or finished_date > e.period_end)
    group by all
), rated as (
    select unit_code, parent_unit_code, handling_level, date_trunc('month', rated_at)::date as month,
           count(*) as ratings, count(*) filter (where rating_level in (1, 2)) as satisfied
    from received where rated_at is not null
    group by all
), apologised as (
    select d.unit_code, d.parent_unit_code, d.handling_level, date_trunc('month', a.issued_at)::date as month,
           count(*) as apologies
    from apologies as a join received as d using (dossier_id)
    where a.issued_at is not null
    group by all
), parts as (
    select f.unit_code, f.parent_unit_code, f.handling_level, p.period_type, p.period_start, p.period_end,
           if(f.rm < p.period_start, f.n, 0) as carried_over, if(f.rm >= p.period_start, f.n, 0) as received_new,
           if(f.rm >= p.period_start, f.online, 0) as received_online,
           if(f.rm >= p.period_start, f.direct, 0) as received_direct,
           if(f.rm >= p.period_start, f.postal, 0) as received_postal,
           if(f.fm <= p.last_month, f.n, 0) as resolved_total, if(f.fm <= p.last_month, f.early, 0) as resolved_early,
           if(f.fm <= p.last_month, f.on_time, 0) as resolved_on_time,
           if(f.fm <= p.last_month, f.late, 0) as resolved_late,
           if(f.fm is null or f.fm > p.last_month, f.n, 0) as in_progress_total,
           0 as in_progress_within_deadline, 0 as in_progress_overdue,
           if(f.fm <= p.last_month, f.postal_requested, 0) as postal_return_requested,
           if(f.fm <= p.last_month, f.postal_returned, 0) as postal_returned,
           if(f.fm <= p.last_month, f.returned_online, 0) as results_returned_online,
           0 as apologies_issued, 0 as ratings_total, 0 as ratings_satisfied,
           if(f.fm <= p.last_month, f.digitised, 0) as results_digitised
    from flows as f join periods as p on f.rm <= p.last_month and (f.fm is null or f.fm >= p.period_start)
    union all by name
    select o.unit_code, o.parent_unit_code, o.handling_level, p.period_type, p.period_start, p.period_end,
           o.within as in_progress_within_deadline, o.overdue as in_progress_overdue
    from open_at_end as o join periods as p using (period_end)
    union all by name
    select r.unit_code, r.parent_unit_code, r.handling_level, p.period_type, p.period_start, p.period_end,
           r.ratings as ratings_total, r.satisfied as ratings_satisfied
    from rated as r join periods as p on r.month between p.period_start and p.last_month
    union all by name
    select a.unit_code, a.parent_unit_code, a.handling_level, p.period_type, p.period_start, p.period_end,
           a.apologies as apologies_issued
    from apologised as a join periods as p on a.month between p.period_start and p.last_month
), summed as (
    select unit_code, parent_unit_code, handling_level, period_type, period_start, period_end,
           coalesce(sum(carried_over), 0)::bigint as carried_over, coalesce(sum(received_new), 0)::bigint as received_new,
           coalesce(sum(received_online), 0)::bigint as received_online,
           coalesce(sum(received_direct), 0)::bigint as received_direct,
           coalesce(sum(received_postal), 0)::bigint as received_postal,
           coalesce(sum(resolved_total), 0)::bigint as resolved_total,
           coalesce(sum(resolved_early), 0)::bigint as resolved_early,
           coalesce(sum(resolved_on_time), 0)::bigint as resolved_on_time,
           coalesce(sum(resolved_late), 0)::bigint as resolved_late,
           coalesce(sum(in_progress_total), 0)::bigint as in_progress_total,
           coalesce(sum(in_progress_within_deadline), 0)::bigint as in_progress_within_deadline,
           coalesce(sum(in_progress_overdue), 0)::bigint as in_progress_overdue,
           coalesce(sum(postal_return_requested), 0)::bigint as postal_return_requested,
           coalesce(sum(postal_returned), 0)::bigint as postal_returned,
           coalesce(sum(results_returned_online), 0)::bigint as results_returned_online,
           coalesce(sum(apologies_issued), 0)::bigint as apologies_issued,
           coalesce(sum(ratings_total), 0)::bigint as ratings_total,
           coalesce(sum(ratings_satisfied), 0)::bigint as ratings_satisfied,
           coalesce(sum(results_digitised), 0)::bigint as results_digitised
    from parts
    group by all
)
select *, carried_over + received_new as received_total,
       (resolved_early + resolved_on_time) / nullif(resolved_total, 0) as on_time_rate,
       received_online / nullif(received_new, 0) as online_rate
from summed;
