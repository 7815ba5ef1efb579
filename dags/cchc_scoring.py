"""
### Yearly CCHC index scoring

Runs on 5 January at 06:00 (Asia/Ho_Chi_Minh) for the previous year, and on demand for any year
(trigger with `year`). `score` reads the published warehouse read-only and freezes that year's scores
(marts score_indicator / score_unit, rubric `rubric_version`) into a new immutable snapshot of the
score store, tagged with the warehouse release it read; re-running creates another snapshot and never
changes an earlier one. With `official` the new snapshot becomes the official one of its year (the
change is logged with who and when). `scorecards` writes the snapshot's HTML scorecards (one page per
unit, a ranking page) and the committee's XLSX workbook. See docs/scoring.md.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

DEFAULT_RUBRIC = "qd766-2022"  # = scoring.DEFAULT_RUBRIC, not imported here to keep parsing light


@dag(
    dag_id="cchc_index_scoring",
    schedule="0 6 5 1 *",  # 5 January, 06:00 in the start date's time zone
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,  # one writer of the score store at a time
    params={
        "year": Param(None, type=["null", "integer"], minimum=2000, maximum=2100,
                      description="year to score; empty = the year before the run date"),
        "official": Param(False, type="boolean", description="mark the new snapshot official for its year"),
        "rubric_version": Param(DEFAULT_RUBRIC, type="string", description="rubric version (seed score_rubric)"),
    },
    tags=["cchc", "scoring"],
    doc_md=__doc__,
)
def cchc_index_scoring():
    @task
    def score(**context) -> str:
        """Freeze the year's scores of the published warehouse into a new snapshot; returns its id."""
        from cchc.settings import Settings
        from scoring.snapshots import score_year, year_to_score

        params = context["params"]
        moment = context.get("logical_date") or context["dag_run"].run_after
        year = int(params["year"]) if params.get("year") else year_to_score(moment)
        return score_year(Settings.from_env(), year, rubric_version=params["rubric_version"],
                          official=bool(params["official"]), by=f"airflow:{context['run_id']}")

    @task
    def scorecards(snapshot_id: str) -> str:
        """One HTML page per unit, ranking.html and scores.xlsx under <data>/scores/<snapshot_id>/."""
        from cchc.settings import Settings
        from scoring.scorecards import write_scorecards

        return str(write_scorecards(Settings.from_env(), snapshot_id))

    scorecards(score())


cchc_index_scoring()
