"""Yearly CCHC index scoring: immutable score snapshots from the published warehouse, and scorecards.

The scores themselves are computed by dbt in every build (marts score_indicator and score_unit,
snapshot_id 'live'; rubric in seed score_rubric, formulas in macro score_points). This package
freezes one year of them into an append-only store (`snapshots`) and renders the committee's
scorecards (`scorecards`). See docs/scoring.md.
"""

DEFAULT_RUBRIC = "qd766-2022"
