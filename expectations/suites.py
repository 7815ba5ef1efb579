"""The suites that gate publication. Column names of each target live in its suite only."""

from __future__ import annotations

from cchc.landing_layout import landing_glob, manifest_glob, read_landed, read_latest
from cchc.vocabularies import SignatureStatus
from expectations.framework import LatestInLanding, MartRows, NewBatches, Severity, Suite


def _gxe():
    import great_expectations.expectations as gxe

    return gxe


SIGNATURE_STATUSES = [s.value for s in SignatureStatus]
INVALID_SIGNATURE_SHARE_WARN = 0.10  # an agency whose outgoing signatures fail more often than this is flagged
INVALID_SIGNATURE_MIN_SIGNATURES = 20  # … when it has at least this many verified signatures


def landed(system: str, entity: str) -> str:
    """Every landed row of an entity; `{landing}` is filled in by the runner."""
    return read_landed("{landing}", system, entity)


def latest(delta: LatestInLanding) -> str:
    """The latest version of each landed record (as staging keeps it): a value fixed by a later batch is
    judged as fixed, not counted once per old version."""
    return read_latest("{landing}", delta.system, delta.entity, delta.key, delta.cursor, delta.columns)


DISTRICT_LATEST = LatestInLanding("district_one_stop", "dossiers", "MaHoSo", "NgayCapNhat",
                                  "\"KenhThucHien\", \"TrangThaiHoSo\", \"MucDo\"")
WARD_LATEST = LatestInLanding("ward_one_stop", "dossiers", "id", "updated_at", "channel, status, online_level")
SIGNATURES_LATEST = LatestInLanding("dms", "document_signatures", "SignatureId", "_parent_cursor",
                                    "\"SignatureType\"")


# per landed batch: rows readers see (all parts) against the manifest's count; a mismatch names the batch
LANDING_ROWS_VS_MANIFESTS = (
    "with manifest as (select system, entity, batch_id, (counts->>'written')::bigint as written "
    f"from read_json('{manifest_glob('{landing}')}', union_by_name = true, "
    "columns = {{system: 'VARCHAR', entity: 'VARCHAR', batch_id: 'VARCHAR', counts: 'JSON'}})), "
    "parts as (select regexp_extract(filename, '([^/]+)/([^/]+)/batch=([^/]+)/part-[^/]*$', 1) as system, "
    "regexp_extract(filename, '([^/]+)/([^/]+)/batch=([^/]+)/part-[^/]*$', 2) as entity, "
    "regexp_extract(filename, '([^/]+)/([^/]+)/batch=([^/]+)/part-[^/]*$', 3) as batch_id, count(*) as landed "
    f"from read_parquet('{landing_glob('{landing}')}', union_by_name = true, filename = true) "
    "group by all) "
    "select case when coalesce(landed, 0) = coalesce(written, -1) then 'ok' else "
    "coalesce(m.system, p.system) || '/' || coalesce(m.entity, p.entity) || ' batch=' "
    "|| coalesce(m.batch_id, p.batch_id) || ': ' || coalesce(landed, 0) || ' rows landed, manifest says ' "
    "|| coalesce(written::varchar, 'nothing') end as batch_reconciliation "
    "from manifest m full join parts p using (system, entity, batch_id) "
    "where written is not null or landed is not null")


def duplicate_keys(district_rows: str, ward_rows: str) -> str:
    """Dossier keys landed twice in one batch, over the given rows of each one-stop system."""
    return (f"select (select count(*) - count(distinct (\"MaHoSo\", _batch_id)) from {district_rows}) + "
            f"(select count(*) - count(distinct (id, _batch_id)) from {ward_rows}) as duplicate_keys")


def zero(column: str):
    """An aggregate query returns one row; its column must be 0."""
    return lambda: [_gxe().ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0)]


SUITES: list[Suite] = [
    # ---- landing batches ------------------------------------------------------------------
    Suite("landing_dossier_keys_unique_per_batch", Severity.FAIL, "landing dossiers",
          duplicate_keys(landed("district_one_stop", "dossiers"), landed("ward_one_stop", "dossiers")),
          zero("duplicate_keys"),
          delta=NewBatches((("district_one_stop", "dossiers"), ("ward_one_stop", "dossiers")),
                           duplicate_keys("{rows[district_one_stop/dossiers]}", "{rows[ward_one_stop/dossiers]}"))),
    Suite("landing_district_domains", Severity.FAIL, "landing district_one_stop.dossiers (latest versions)",
          latest(DISTRICT_LATEST),
          lambda: [_gxe().ExpectColumnValuesToBeInSet(column="KenhThucHien", value_set=[1, 2, 3], mostly=0.999),
                   _gxe().ExpectColumnValuesToBeInSet(column="TrangThaiHoSo", value_set=list(range(1, 11)),
                                                      mostly=0.999),
                   _gxe().ExpectColumnValuesToBeInSet(column="MucDo", value_set=[2, 3, 4], mostly=0.999)],
          delta=DISTRICT_LATEST),
    Suite("landing_ward_domains", Severity.FAIL, "landing ward_one_stop.dossiers (latest versions)",
          latest(WARD_LATEST),
          lambda: [_gxe().ExpectColumnValuesToBeInSet(column="channel", value_set=["direct", "online", "postal"],
                                                      mostly=0.999),
                   _gxe().ExpectColumnValuesToBeInSet(column="online_level", value_set=["info", "partial", "full"],
                                                      mostly=0.999)],
          delta=WARD_LATEST),
    Suite("landing_signature_types", Severity.FAIL, "landing dms.document_signatures (latest versions)",
          latest(SIGNATURES_LATEST),
          lambda: [_gxe().ExpectColumnValuesToBeInSet(column="SignatureType", value_set=["personal", "organisation"],
                                                      mostly=0.999)],
          delta=SIGNATURES_LATEST),
    # what dbt's landing views read, batch by batch, against the manifests' counts (docs/landing-zone.md)
    Suite("landing_rows_match_manifests", Severity.FAIL, "landing batches vs manifests", LANDING_ROWS_VS_MANIFESTS,
          lambda: [_gxe().ExpectColumnValuesToBeInSet(column="batch_reconciliation", value_set=["ok"])]),
    # ---- candidate marts --------------------------------------------------------------------
    # Keys, references, closed domains and the II.06a identity and rate bounds of the marts are dbt tests of
    # error severity (the build fails, nothing is published); the suites here judge what a dbt test cannot
    # state exactly: tolerances, reconciliations with the landing zone, drift and freshness (docs/gate.md).
    Suite("fct_dossier_due_after_receipt", Severity.FAIL, "marts.fct_dossier",
          "select received_at, due_at from marts.fct_dossier",
          lambda: [_gxe().ExpectColumnPairValuesAToBeGreaterThanB(column_A="due_at", column_B="received_at",
                                                                 or_equal=True, ignore_row_if="either_value_is_missing",
                                                                 mostly=0.999)],
          delta=MartRows(
              "fct_dossier", "source_extracted_at",
              "select received_at, due_at from marts.fct_dossier where source_extracted_at > {since}",
              # GX's counts for this pair expectation: every row is an element, a row with either value
              # missing is missing (ignored), a pair with due_at before received_at is unexpected
              "select 'due_at' as \"column\", count(*) as element_count, "
              "count(*) filter (where received_at is null or due_at is null) as missing_count, "
              "count(*) filter (where due_at < received_at) as unexpected_count from marts.fct_dossier")),
    # every signature verified by the extractor (docs/signatures.md): none left without a known status
    Suite("signatures_all_verified", Severity.FAIL, "marts.fct_document_signature",
          "select count(*) filter (where verification_status is null or verification_status not in ("
          + ", ".join(f"'{s}'" for s in SIGNATURE_STATUSES) + ")) as unverified_signatures "
          "from marts.fct_document_signature",
          zero("unverified_signatures")),
    Suite("reconciliation_landing_to_fact", Severity.FAIL, "landing → marts.fct_dossier",
          "select (select count(distinct \"MaHoSo\") from "
          + landed("district_one_stop", "dossiers")
          + ") - (select count(*) from marts.fct_dossier where source_system = 'district_one_stop') "
          "as district_gap, (select count(distinct id) from "
          + landed("ward_one_stop", "dossiers")
          + ") - (select count(*) from marts.fct_dossier where source_system = 'ward_one_stop') as ward_gap",
          lambda: [_gxe().ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0)
                   for c in ("district_gap", "ward_gap")]),
    # ---- warnings: drift and freshness ------------------------------------------------------
    Suite("volume_drop_vs_trailing_four_weeks", Severity.WARN, "marts.fct_dossier",
          "with daily as (select unit_code, received_at::date as day, count(*) as n from marts.fct_dossier "
          "where received_at is not null group by all), last_day as (select max(day) as d from daily), "
          "recent as (select unit_code, sum(n) filter (where day > d - 7) / 7.0 as last_week, "
          "sum(n) filter (where day > d - 35 and day <= d - 7) / 28.0 as trailing_avg from daily, last_day "
          "group by unit_code) select unit_code, last_week / nullif(trailing_avg, 0) as ratio from recent "
          "where trailing_avg >= 1",
          lambda: [_gxe().ExpectColumnValuesToBeBetween(column="ratio", min_value=0.3, mostly=0.95)]),
    Suite("late_share_jump", Severity.WARN, "marts.rpt_dossier_period",
          "with m as (select unit_code, handling_level, period_start, resolved_late / nullif(resolved_total, 0) "
          "as late_share from marts.rpt_dossier_period where period_type = 'month' and resolved_total >= 30) "
          "select late_share - lag(late_share) over (partition by unit_code, handling_level order by period_start) "
          "as late_share_jump from m",
          lambda: [_gxe().ExpectColumnValuesToBeBetween(column="late_share_jump", max_value=0.2, mostly=0.99)]),
    Suite("source_freshness", Severity.WARN, "marts.fct_dossier",
          "select source_system, date_diff('day', max(coalesce(finished_at, received_at)), current_date) "
          "as days_since_last_change from marts.fct_dossier group by source_system",
          lambda: [_gxe().ExpectColumnValuesToBeBetween(column="days_since_last_change", max_value=2)]),
    Suite("signature_invalid_share_per_agency", Severity.WARN, "marts.fct_document_signature",
          "select d.organ_id, count(*) as signatures, "
          "avg(case when s.verification_status = 'valid' then 0.0 else 1.0 end) as invalid_share "
          "from marts.fct_document_signature as s join marts.fct_document as d using (document_id) "
          "where d.direction = 'outgoing' and s.verification_status is not null group by d.organ_id "
          f"having count(*) >= {INVALID_SIGNATURE_MIN_SIGNATURES}",
          lambda: [_gxe().ExpectColumnValuesToBeBetween(column="invalid_share", min_value=0,
                                                        max_value=INVALID_SIGNATURE_SHARE_WARN)]),
    Suite("schema_drift_in_manifests", Severity.WARN, "landing manifests",
          "select count(*) filter (where json_array_length(json_keys(schema_drift)) > 0) as batches_with_drift "
          f"from read_json('{manifest_glob('{landing}')}', union_by_name = true, "
          "columns = {{schema_drift: 'JSON'}})",
          zero("batches_with_drift")),
]
