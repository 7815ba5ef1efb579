"""An incremental build equals a full refresh after new batches land: every mart, table by table, and the
incremental staging and intermediate tables (delete+insert by key, issue 19)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime

import duckdb
import pytest

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse import release_file
from warehouse.build import build_candidate, work_path
from warehouse.compare import compare_marts

AS_OF = "2024-05-01"
JUNE = "2024-06-21"
LATER = "2024-07-15"
LATEST = "2024-09-01"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """A full build in mid-April, the rest extracted, then an incremental and a full build at a later date."""
    tmp_path = tmp_path_factory.mktemp("incremental")
    settings = replace(Settings(), data_dir=tmp_path, pii_key="k")
    with running_simulators(WorldConfig(dossiers=3000, seed=21)) as cluster:
        end = cluster.world.as_of
        cluster.move_clock(datetime(2024, 4, 15))
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
        first = build_candidate(settings, full_refresh=True, as_of_date=AS_OF)
        before = duckdb.connect(str(first.candidate), read_only=True)
        rows_before = before.execute("select count(*) from marts.fct_dossier").fetchone()[0]
        before.close()
        # a day in June: new months since the first build, so the report counts are counted again
        cluster.move_clock(datetime(2024, 6, 20))
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
        june = build_candidate(settings, full_refresh=False, as_of_date=JUNE)
        # a new as-of date is no reason to parse the project again (it reaches dbt as an env var, not --vars)
        assert "Unable to do partial parsing" not in june.log
        modes = [counted_mode(settings)]
        # the rest of June: the same months, so only the report rows the changed dossiers move are re-written
        cluster.move_clock(end)
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    # the unit list as another vietnamadminunits release gave it (an upgrade): the incremental build replaces it
    # whole, so it equals the full build's (compare_marts) and the stale unit is gone
    held = duckdb.connect(str(settings.data_dir / "warehouse" / "candidate.duckdb"))
    held.execute("update marts.dim_admin_unit set source_release = 'vietnamadminunits 0.0.1'")
    held.execute("insert into marts.dim_admin_unit (unit_code, unit_name, level, source_release) "
                 "values ('99999', 'stale', 'commune', 'vietnamadminunits 0.0.1')")
    held.close()
    # a later as-of date: still-open dossiers are judged again, not only the changed ones
    incremental = build_candidate(settings, full_refresh=False, as_of_date=LATER)
    modes.append(counted_mode(settings))
    assert modes == ["recount", "delta"]
    full = build_candidate(settings, full_refresh=True, as_of_date=LATER, candidate=tmp_path / "full.duckdb")
    return tmp_path, rows_before, incremental, full


def test_incremental_run_matches_full_refresh(builds):
    tmp_path, rows_before, incremental, full = builds
    con = duckdb.connect()
    con.execute(f"attach '{incremental.candidate}' as inc (read_only)")
    con.execute(f"attach '{full.candidate}' as fr (read_only)")
    con.execute(f"attach '{work_path(incremental.candidate)}' as inc_work (read_only)")
    con.execute(f"attach '{work_path(full.candidate)}' as fr_work (read_only)")
    rows = con.execute("select count(*) from inc.marts.fct_dossier").fetchone()[0]
    assert rows > rows_before  # the second batch really added dossiers
    assert rows == con.execute("select count(*) from fr.marts.fct_dossier").fetchone()[0]
    for a, b in (("inc", "fr"), ("fr", "inc")):
        diff = con.execute(f"select count(*) from (select * from {a}.marts.fct_dossier "
                           f"except select * from {b}.marts.fct_dossier)").fetchone()[0]
        assert diff == 0, f"{a} has {diff} rows that {b} has not"
    assert compare_marts(incremental.candidate, full.candidate) == {}
    # what publish copies byte for byte: the marts only (staging, intermediate, seeds are in the work file),
    # in the release storage format
    assert {s for (s,) in con.execute("select distinct schema_name from duckdb_tables() "
                                      "where database_name = 'inc'").fetchall()} == {"marts"}
    assert con.execute("select count(*) from duckdb_views() where database_name = 'inc' and not internal").fetchone()[0] == 0
    release_file.open_for_writing(tmp_path / "probe.duckdb").close()
    con.execute(f"attach '{tmp_path / 'probe.duckdb'}' as probe (read_only)")
    con.execute(f"attach '{tmp_path / 'default.duckdb'}' as default_format")
    tags = dict(con.execute("select database_name, tags['storage_version'] from duckdb_databases()").fetchall())
    assert tags["inc"] == tags["probe"] != tags["default_format"]
    tables = _incremental_tables(con, "inc_work")
    assert ("staging", "stg_ward_one_stop__dossier_events") in tables and ("intermediate", "int_dossier_sla") in tables
    for schema, table in tables:
        for a, b in (("inc", "fr"), ("fr", "inc")):
            diff = con.execute(f"select count(*) from (select * from {a}_work.{schema}.{table} "
                               f"except all select * from {b}_work.{schema}.{table})").fetchone()[0]
            assert diff == 0, f"{schema}.{table}: {a} has {diff} rows that {b} has not"


def test_a_day_with_nothing_landed_judges_open_dossiers_again(builds):
    """Nothing new extracted, a later as-of date: the still-open dossiers whose status changed are re-written
    (their records did not change), and the result is again a full refresh's."""
    tmp_path, _, incremental, _ = builds
    day = tmp_path / "day.duckdb"
    shutil.copyfile(incremental.candidate, day)
    shutil.copyfile(work_path(incremental.candidate), work_path(day))
    settings = replace(Settings(), data_dir=tmp_path, pii_key="k")
    again = build_candidate(settings, full_refresh=False, as_of_date=LATEST, candidate=day)
    assert counted_mode(settings) == "delta"  # nothing changed: no report row is re-written
    full = build_candidate(settings, full_refresh=True, as_of_date=LATEST, candidate=tmp_path / "day_full.duckdb")
    assert compare_marts(again.candidate, full.candidate) == {}
    con = duckdb.connect()
    con.execute(f"attach '{incremental.candidate}' as before (read_only)")
    con.execute(f"attach '{again.candidate}' as after (read_only)")
    open_before, rejudged = con.execute(
        "select count(*), count(*) filter (where a.on_time_status <> b.on_time_status) "
        "from before.marts.fct_dossier as b join after.marts.fct_dossier as a using (dossier_id) "
        "where b.finished_at is null and a.source_extracted_at = b.source_extracted_at").fetchone()
    assert 0 < rejudged < open_before  # some due dates passed between the two days, not every open dossier's


def test_a_warehouse_built_before_a_key_was_added_stops_with_what_to_do(builds):
    """An incremental build over tables without the key their model replaces rows by (as a warehouse built
    before dossier_sk) stops before any model runs, naming the table and the full refresh it needs."""
    from warehouse.build import BuildFailed

    tmp_path, _, incremental, _ = builds
    old = tmp_path / "old.duckdb"
    shutil.copyfile(incremental.candidate, old)
    shutil.copyfile(work_path(incremental.candidate), work_path(old))
    con = duckdb.connect(str(work_path(old)))
    con.execute("alter table staging.stg_ward_one_stop__dossiers drop column dossier_sk")
    con.close()
    settings = replace(Settings(), data_dir=tmp_path, pii_key="k")
    with pytest.raises(BuildFailed) as failed:
        build_candidate(settings, full_refresh=False, as_of_date=LATEST, candidate=old)
    message = " ".join(str(failed.value).split())
    assert "work.staging.stg_ward_one_stop__dossiers holds no column dossier_sk" in message
    assert "full refresh" in message
    newest = "select max(source_extracted_at), count(*) from marts.fct_dossier"
    with duckdb.connect(str(incremental.candidate), read_only=True) as con:
        before = con.execute(newest).fetchall()
    with duckdb.connect(str(old), read_only=True) as con:  # nothing was written
        assert con.execute(newest).fetchall() == before

def counted_mode(settings: Settings) -> str:
    """How the last build's int_ii06a_counts counted (full, recount or delta: macro ii06a_counts)."""
    compiled = (settings.data_dir / "warehouse" / "dbt_target" / "compiled" / "cchc_warehouse" / "models"
                / "intermediate" / "int_ii06a_counts.sql").read_text()
    return compiled.split("-- counted: ", 1)[1].split()[0]


def _incremental_tables(con, catalog: str) -> list[tuple[str, str]]:
    return con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                       "and schema_name in ('staging', 'intermediate') order by 1, 2", [catalog]).fetchall()



# The per-dossier figures of int_score_measures as defined: every dossier joined to every year, quarter and
# month it touches, judged at that period's end (Decision 766 formula 2.1; an open dossier by macro
# open_overdue_at's 766 reading, written out here). The model counts month cells instead; both must agree.
DOSSIER_PERIOD_FIGURES = """
with d as (
    select s.*, s.rated_at::date as rated_date, coalesce(p.has_fee, false) as has_fee,
           coalesce(p.level = s.handling_level, false) as of_level
    from w.intermediate.int_dossier_sla as s left join m.marts.dim_procedure as p using (procedure_code)
    where s.received_at is not null
),
j as (
    select d.*, p.period_type, p.period_start, p.period_end,
        d.received_date <= p.period_end and (d.finished_date is null or d.finished_date >= p.period_start) as handled,
        case when d.finished_date <= p.period_end then d.finished_timeliness_766 = 'late'
             else coalesce(d.second_supplement_requested_at::date <= p.period_end, false) or coalesce(case
                 when d.first_supplement_requested_at::date <= p.period_end and (d.first_supplement_resumed_at is null
                      or d.first_supplement_resumed_at::date > p.period_end)
                     then d.first_supplement_requested_at > d.base_due_date + interval 17 hour
                 when d.first_supplement_resumed_at::date <= p.period_end
                     then d.due_date_after_first_supplement < p.period_end
                 else d.base_due_date < p.period_end end, false) end as late,
        d.rated_date between p.period_start and p.period_end and d.rating_level = 4 as dissatisfied,
        d.received_date >= p.period_start as received_in,
        d.finished_date between p.period_start and p.period_end as finished_in
    from d join w.intermediate.int_report_periods as p
        on p.period_type in ('year', 'quarter', 'month') and d.received_date <= p.period_end
        and (d.finished_date is null or d.finished_date >= p.period_start or d.rated_date >= p.period_start)
),
figures as (
    select unit_code, handling_level, period_type, period_start, period_end,
        count(*) filter (where received_in and has_digitised_inputs) as received_with_reused_digitised_data,
        count(*) filter (where finished_in and has_digitised_inputs and result_digitised)
            as resolved_with_digitised_components_and_result,
        count(*) filter (where finished_in and finished_timeliness = 'late' and apology_count > 0)
            as resolved_late_with_apology,
        count(*) filter (where received_in and has_fee) as fee_dossiers_received,
        count(*) filter (where received_in and has_fee and paid_online) as fee_dossiers_paid_online,
        coalesce(sum(fee_amount) filter (where received_in and has_fee), 0) as fee_amount_due,
        count(distinct procedure_code) filter (where received_in and has_fee and paid_online and of_level)
            as fee_procedures_paid_online,
        count(*) filter (where dissatisfied) as ratings_dissatisfied,
        count(*) filter (where handled and not late) as handled_on_time_766,
        count(*) filter (where (handled and late) or dissatisfied) as late_or_dissatisfied
    from j group by all
)
unpivot (select f.* exclude (late_or_dissatisfied),
                greatest(r.carried_over + r.received_new - f.late_or_dissatisfied, 0)
                    as dossiers_handled_without_delay_or_dissatisfaction
         from figures as f join m.marts.rpt_dossier_period as r
             using (unit_code, handling_level, period_type, period_start, period_end))
on columns(* exclude (unit_code, handling_level, period_type, period_start, period_end))
into name measure value value
"""


def test_score_measures_by_month_cells_equal_the_dossier_period_join(builds):
    full = builds[3]
    con = duckdb.connect()
    con.execute(f"attach '{full.candidate}' as m (read_only)")
    con.execute(f"attach '{work_path(full.candidate)}' as w (read_only)")
    con.execute(f"create temp table expected as {DOSSIER_PERIOD_FIGURES}")
    measures = [m for (m,) in con.execute("select distinct measure from expected").fetchall()]
    assert len(measures) == 10
    nonzero = dict(con.execute("select measure, count(*) filter (where value <> 0) from expected group by 1").fetchall())
    assert nonzero["handled_on_time_766"] > 0 and nonzero["ratings_dissatisfied"] > 0  # the world exercises them
    # a unit-period the join reaches exists in the model; the model's other rows are 0 for these measures
    model = ("select unit_code, handling_level, period_type, period_start, period_end, measure, value "
             "from w.intermediate.int_score_measures where measure in (select measure from expected)")
    missing = con.execute(f"select count(*) from (select * from expected except all {model})").fetchone()[0]
    extra = con.execute(f"select count(*) from ({model} except all select * from expected) where value <> 0"
                        ).fetchone()[0]
    assert (missing, extra) == (0, 0)
