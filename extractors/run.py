"""Extract one endpoint (or a whole system) for a window into the landing zone.

Per page: parse (columnar), pseudonymise personal data, split nested lists into child entities,
write a Parquet part. At the end: drop duplicate keys (keep the latest version), write manifests,
commit the endpoint's batches together (one journal, extractors/landing.py), then — and only then —
advance the high-water mark. Quarantined records put their window in the rework ledger
(extractors/state.py): each later run of the system re-requests it until the keys land or the
window is declared dead; windows of damaged batches set aside by the build are re-landed first.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from cchc.landing_layout import has_landed, landing_glob
from cchc.pii import PiiKind, pseudonymise, pseudonymise_array
from cchc.settings import Settings, SourceSystem
from extractors.config import ExtractConfig
from extractors.http import SourceClient, SourceUnavailableError
from extractors.landing import BatchWriter, commit_batches, recover_landing
from extractors.pagination import CursorPaginator, OffsetPaginator, Page, PageNumberPaginator
from extractors.parse import parse_page
from extractors.signatures import STATUS_COLUMN, Verifier
from extractors.sources import EARLIEST, SOURCES, Child, Endpoint, PagingStyle, Plausibility, Source
from extractors.state import Rework, ReworkItem, ReworkLedger, StateStore

log = logging.getLogger(__name__)
EPOCH = datetime(2000, 1, 1)
_META = ("_system", "_batch_id", "_extracted_at", "_page")


@dataclass(frozen=True)
class Window:
    """Half-open [start, end) on the source's last-update field, Vietnam local time."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"extraction window is empty or reversed: {self.start} .. {self.end}")

    @property
    def batch_id(self) -> str:
        return f"{self.start:%Y%m%dT%H%M%S}_{self.end:%Y%m%dT%H%M%S}"


@dataclass
class Manifest:
    system: str
    entity: str
    batch_id: str
    counts: dict[str, int]
    source_reported_total: int | None
    schema_drift: dict[str, int] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)
    quarantined: list[tuple[str | None, str | None]] = field(default_factory=list)  # (key, cursor) of each


def _paginator(source: Source, config: ExtractConfig):
    size = min(config.page_size or source.max_page_size, source.max_page_size)
    if source.paging is PagingStyle.PAGE_NUMBER:
        return PageNumberPaginator(size, config.prefetch_pages)
    if source.paging is PagingStyle.OFFSET:
        return OffsetPaginator(size, config.prefetch_pages)
    return CursorPaginator(size)


def _flatten_structs(table: pa.Table) -> pa.Table:
    """Nested objects become `parent__child` columns (lists are split off separately)."""
    for i, f in reversed(list(enumerate(table.schema))):
        if pa.types.is_struct(f.type):
            column = table.column(i).combine_chunks()
            table = table.remove_column(i)
            for j, sub in enumerate(f.type):
                table = table.add_column(i + j, f"{f.name}__{sub.name}", column.field(j))
    return table


def _pseudonymise(table: pa.Table, pii: dict[str, PiiKind], key: bytes) -> pa.Table:
    for name, kind in pii.items():
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, pseudonymise_array(kind, table.column(name), key))
    return table


def _scrub_raw(raw: str, endpoint: Endpoint, key: bytes) -> str:
    """Quarantined payloads are kept for diagnosis, but never with personal data in clear."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    if isinstance(record, dict):
        for name, kind in endpoint.pii.items():
            parent, _, child = name.partition("__")
            holder = record.get(parent) if child else record
            leaf = child or name
            if isinstance(holder, dict) and isinstance(holder.get(leaf), str):
                holder[leaf] = pseudonymise(kind, holder[leaf], key)
    return orjson.dumps(record).decode()


def _with_meta(table: pa.Table, system: str, batch_id: str, extracted_at: datetime, page: int) -> pa.Table:
    n = table.num_rows
    table = table.append_column("_system", pa.array([system] * n, pa.string()))
    table = table.append_column("_batch_id", pa.array([batch_id] * n, pa.string()))
    table = table.append_column("_extracted_at", pa.array([extracted_at] * n, pa.timestamp("us", tz="UTC")))
    return table.append_column("_page", pa.array([page] * n, pa.int64()))


def _children(parent: pa.Table, endpoint: Endpoint, child: Child) -> pa.Table:
    lists = parent[child.list_field].combine_chunks()
    parent_index = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    offsets = lists.offsets.to_numpy()[:-1]
    ordinal = pa.array(range(len(flat)), pa.int64()) if len(flat) else pa.array([], pa.int64())
    ordinal = pc.subtract(ordinal, pc.take(pa.array(offsets, pa.int64()), parent_index))
    table = pa.Table.from_arrays([flat.field(i) for i in range(flat.type.num_fields)],
                                 names=[f.name for f in flat.type])
    table = table.append_column(child.parent_key_as, pc.take(parent[endpoint.key], parent_index))
    for name in child.inherit:
        table = table.append_column(name, pc.take(parent[name], parent_index))
    table = table.append_column("_parent_cursor", pc.take(parent[endpoint.cursor_field], parent_index))
    table = table.append_column("_ordinal", ordinal)
    return _with_meta_like(table, parent, parent_index)


def _with_meta_like(table: pa.Table, parent: pa.Table, index) -> pa.Table:
    for name in _META:
        table = table.append_column(name, pc.take(parent[name], index))
    return table


def _quarantine_table(rows: list[tuple[str | None, str, str]], system: str, batch_id: str,
                      extracted_at: datetime, page: int) -> pa.Table:
    table = pa.table({"_key": pa.array([r[0] for r in rows], pa.string()),
                      "_reason": pa.array([r[1] for r in rows], pa.string()),
                      "_raw": pa.array([r[2] for r in rows], pa.string())})
    return _with_meta(table, system, batch_id, extracted_at, page)


def _bounds(source: Source, rule: Plausibility, window: Window) -> tuple[object, object]:
    if rule is Plausibility.NON_NEGATIVE:
        return 0, None
    latest = window.end + (timedelta(days=1) if rule is Plausibility.EVENT_TIME else timedelta(days=5 * 366))
    # the sources' date strings sort as their moments (fixed-width, one offset), so bounds compare as text
    return source.cursor_format.format(EARLIEST), source.cursor_format.format(latest)


def _implausible(records: pa.Table, source: Source, endpoint: Endpoint,
                 window: Window) -> tuple[pa.Table, list[tuple[str, str, str]]]:
    """Split off records whose values cannot be true (far-future or pre-2000 dates, negative durations)."""
    if not endpoint.plausible or records.num_rows == 0:
        return records, []
    flags = {}
    for name, rule in endpoint.plausible.items():
        low, high = _bounds(source, rule, window)
        column = records[name]
        bad = pc.less(column, pa.scalar(low, column.type))
        if high is not None:
            bad = pc.or_(bad, pc.greater(column, pa.scalar(high, column.type)))
        flags[name] = (pc.fill_null(bad, False), low, high)
    mask = None
    for bad, _, _ in flags.values():
        mask = bad if mask is None else pc.or_(mask, bad)
    if not pc.any(mask).as_py():
        return records, []
    rejected = []
    for row in records.filter(mask).to_pylist():
        name, (_, low, high) = next((n, f) for n, f in flags.items() if _outside(row[n], f[1], f[2]))
        limits = f"not below {low}" if high is None else f"between {low} and {high}"
        rejected.append((str(row[endpoint.key]), f"field {name}: implausible value {row[name]!r} (must be {limits})",
                         orjson.dumps(row, default=str).decode()))
    return records.filter(pc.invert(mask)), rejected


def _outside(value, low, high) -> bool:
    return value is not None and (value < low or (high is not None and value > high))


def _dedupe(writer: BatchWriter, key: str, cursor: str) -> int:
    """Keep the latest version of each key (greatest cursor, then latest page). Returns rows dropped."""
    con = duckdb.connect()
    parts = [str(p) for p in writer.parts]
    table = con.execute(
        f"select * from read_parquet(?) qualify row_number() over "
        f"(partition by \"{key}\" order by \"{cursor}\" desc, _page desc) = 1 order by _page",
        [parts],
    ).to_arrow_table()
    dropped = writer.rows - table.num_rows
    writer.replace_parts(table.cast(writer.schema))
    return dropped


def _keep_children_of(writer: BatchWriter, parent: BatchWriter, parent_key: str, key_as: str) -> None:
    con = duckdb.connect()
    kept = con.execute(
        f"select c.* from read_parquet(?) c semi join read_parquet(?) p "
        f"on c.\"{key_as}\" = p.\"{parent_key}\" and c._page = p._page order by c._page, c._ordinal",
        [[str(p) for p in writer.parts], [str(p) for p in parent.parts]],
    ).to_arrow_table()
    writer.replace_parts(kept.cast(writer.schema))


def _status_counts(writer: BatchWriter) -> Counter:
    """Verification statuses of the rows that land (after de-duplication); null = not verified."""
    if not writer.parts:
        return Counter()
    rows = duckdb.connect().execute(f"select \"{STATUS_COLUMN}\", count(*) from read_parquet(?) group by 1",
                                    [[str(p) for p in writer.parts]]).fetchall()
    return Counter({status or "unverified": n for status, n in rows})


def now_local() -> datetime:
    """Wall-clock time in Vietnam (UTC+7), naive, to the second."""
    return (datetime.now(UTC) + timedelta(hours=7)).replace(tzinfo=None, microsecond=0)


def incremental_window(system: SourceSystem, entity: str, settings: Settings, config: ExtractConfig,
                       end: datetime | None = None) -> Window:
    """From the high-water mark minus the look-back (or the beginning) to `end` (default: now)."""
    mark = StateStore(settings.state_dir).high_water(system.value, entity)
    start = (mark - config.lookback) if mark else EPOCH
    return Window(start, end or now_local())


def extract_endpoint(system: SourceSystem, entity: str, settings: Settings, base_url: str,
                     window: Window | None = None, config: ExtractConfig | None = None,
                     register: bool = True) -> Manifest:
    """Land one endpoint's records updated in `window` (default: incremental from the high-water mark).

    Quarantined records are registered for re-request (`register`; a rework run settles its own)."""
    config = config or ExtractConfig()
    settings.require_source_secrets(system)
    source = SOURCES[system]
    endpoint = source.endpoint(entity)
    state = StateStore(settings.state_dir)
    window = window or incremental_window(system, entity, settings, config)
    key = settings.pii_key.encode()
    extracted_at = datetime.now(UTC)
    batch_id = window.batch_id
    # configuration errors (trust store, revocation list) surface before anything is fetched or written
    verifier = Verifier.from_settings(settings) if any(c.verify_signatures for c in endpoint.children) else None
    writers = {entity: BatchWriter(settings.landing_dir, system.value, entity, batch_id)}
    for child in endpoint.children:
        writers[child.entity] = BatchWriter(settings.landing_dir, system.value, child.entity, batch_id)
    quarantine = BatchWriter(settings.quarantine_dir, system.value, entity, batch_id,
                             journal_root=settings.landing_dir)
    counts = {"fetched": 0, "written": 0, "quarantined": 0, "duplicates_dropped": 0}
    drift: dict[str, int] = {}
    reported_total, pages, max_cursor = None, 0, None
    seen: set[str] = set()
    duplicates = 0
    quarantined: list[tuple[str | None, str | None]] = []
    client = SourceClient(system.value, base_url, source.auth_headers(settings.credentials), config)
    try:
        window_params = source.window_query(window.start, window.end)

        breaker = _Breaker(system.value, endpoint.path, config)

        def fetch(params: dict) -> Page:
            while True:
                try:
                    return client.get(endpoint.path, {**window_params, **params},
                                      lambda body: parse_page(body, source, endpoint, config.missing_field))
                except SourceUnavailableError as exc:
                    breaker.failed(params, exc)  # raises CircuitOpen once the run's budget is spent
                    client.pause()

        circuit: CircuitOpen | None = None
        try:
            for number, page in enumerate(_paginator(source, config).pages(fetch), start=1):
                pages = number
                if reported_total is None and page.total is not None:
                    reported_total = page.total
                counts["fetched"] += page.fetched
                records, implausible = _implausible(page.records, source, endpoint, window)
                if implausible:
                    page.quarantined.extend(implausible)
                if "_extra_fields" in records.column_names:
                    for text in records["_extra_fields"].drop_null().to_pylist():
                        for name in orjson.loads(text):
                            drift[name] = drift.get(name, 0) + 1
                else:
                    records = records.append_column("_extra_fields", pa.nulls(records.num_rows, pa.string()))
                if page.quarantined:
                    rows = [(k, reason, _scrub_raw(raw, endpoint, key)) for k, reason, raw in page.quarantined]
                    quarantined += [(k, _cursor_of(raw, endpoint)) for k, _, raw in page.quarantined]
                    quarantine.write(_quarantine_table(rows, system.value, batch_id, extracted_at, number))
                    counts["quarantined"] += len(rows)
                if records.num_rows == 0:
                    continue
                keys = records[endpoint.key].to_pylist()
                before = len(seen)
                seen.update(keys)
                duplicates += len(keys) - (len(seen) - before)
                page_max = pc.max(records[endpoint.cursor_field]).as_py()
                if page_max is not None and (max_cursor is None or page_max > max_cursor):
                    max_cursor = page_max
                records = _with_meta(records, system.value, batch_id, extracted_at, number)
                for child in endpoint.children:
                    rows = _children(records, endpoint, child)
                    if child.verify_signatures:
                        rows = verifier.verify_table(rows)
                    writers[child.entity].write(rows)
                records = records.drop_columns([c.list_field for c in endpoint.children])
                records = _pseudonymise(_flatten_structs(records), endpoint.pii, key)
                writers[entity].write(records)
        except CircuitOpen as exc:  # land what came through; the next run resumes after it
            circuit = exc
        parent = writers[entity]
        if duplicates:
            counts["duplicates_dropped"] = _dedupe(parent, endpoint.key, endpoint.cursor_field)
            for child in endpoint.children:
                if writers[child.entity].parts:
                    _keep_children_of(writers[child.entity], parent, endpoint.key, child.parent_key_as)
        counts["written"] = parent.rows
        common = {"window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
                  "extracted_at": extracted_at.isoformat(), "pages": pages,
                  "source_reported_total": reported_total,
                  **({"partial": True, "stopped": str(circuit)} if circuit else {})}
        batches = []
        for child in endpoint.children:
            w = writers[child.entity]
            extra = {"verification": verifier.summary(_status_counts(w))} if child.verify_signatures else {}
            batches.append((w, {**common, "parent_entity": entity, "counts": {"written": w.rows}, **extra}))
        batches.append((quarantine, {**common, "counts": {"quarantined": counts["quarantined"]}}))
        batches.append((parent, {**common, "counts": counts, "schema_drift": drift,
                                 "children": {c.entity: writers[c.entity].rows for c in endpoint.children}}))
        commit_batches(settings.landing_dir, batches)  # all of the endpoint's batches visible at once
    except BaseException:
        for w in [*writers.values(), quarantine]:
            w.abort()
        raise
    finally:
        client.close()
    if max_cursor is not None:
        try:
            state.advance(system.value, entity, min(source.cursor_format.parse(max_cursor), window.end), batch_id)
        except ValueError:
            log.warning("%s %s: cursor %r unparsable; state not advanced", system.value, entity, max_cursor)
    log.info("%s %s batch %s: %s drift=%s", system.value, entity, batch_id, counts, drift)
    if circuit is not None:
        raise circuit
    manifest = Manifest(system.value, entity, batch_id, counts, reported_total, drift,
                        {c.entity: writers[c.entity].rows for c in endpoint.children}, quarantined)
    if register:
        _register_quarantine(system, settings, manifest, window)
    return manifest


class CircuitOpen(RuntimeError):
    """An endpoint kept failing after its per-request retries until the run's retry budget was spent.
    The pages fetched before are committed (manifest `partial`), the high-water mark moves past
    them, and the next run resumes from there."""


class _Breaker:
    """The run's retry budget for one endpoint: page re-requests after the per-request policy gave up."""

    def __init__(self, system: str, path: str, config: ExtractConfig) -> None:
        self.system, self.path, self.left, self.budget = system, path, config.retry_budget, config.retry_budget
        self._lock = threading.Lock()

    def failed(self, params: dict, exc: Exception) -> None:
        with self._lock:
            self.left -= 1
            left = self.left
        if left < 0:
            raise CircuitOpen(f"{self.system} {self.path}: circuit open after {self.budget} page re-requests "
                              f"this run (last at {params}: {exc}); pages before it are landed, the next run "
                              "resumes after them") from exc
        log.warning("%s %s: page %s failed after its retries (%s); re-requesting it (%d of the run's budget left)",
                    self.system, self.path, params, exc, left)


def _cursor_of(raw: str, endpoint: Endpoint) -> str | None:
    """The record's update time as sent, if the quarantined payload still has one."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    value = record.get(endpoint.cursor_field) if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


NO_KEY = "<no key>"  # quarantined records without a key are tracked by their window only


def _heal_window(source: Source, quarantined: list[tuple[str | None, str | None]], window: Window) -> Window:
    """The narrowest window holding every quarantined record (the batch's own when a cursor is unreadable)."""
    moments = []
    for _, cursor in quarantined:
        try:
            moments.append(source.cursor_format.parse(cursor))
        except (TypeError, ValueError):
            return window
    start, end = max(min(moments), window.start), min(max(moments) + timedelta(seconds=1), window.end)
    return Window(start, end) if end > start else window


def _register_quarantine(system: SourceSystem, settings: Settings, manifest: Manifest, window: Window) -> None:
    if not manifest.quarantined:
        return
    heal = _heal_window(SOURCES[system], manifest.quarantined, window)
    ledger = ReworkLedger(settings.state_dir, system.value)
    tracked = {k for i in ledger.items() if i.entity == manifest.entity and i.kind is Rework.QUARANTINE
               for k in i.keys if k != NO_KEY}
    keys = sorted({k or NO_KEY for k, _ in manifest.quarantined} - tracked)  # a key is re-requested by one item
    if keys:
        ledger.add(ReworkItem(system.value, manifest.entity, heal.start.isoformat(), heal.end.isoformat(),
                              Rework.QUARANTINE,
                              f"{len(keys)} record(s) quarantined in batch {manifest.batch_id}", keys))


def _landed_keys(settings: Settings, system: SourceSystem, entity: str, keys: list[str], since: str) -> set[str]:
    """Which of `keys` landed in a batch extracted at or after `since` (UTC ISO)."""
    endpoint = SOURCES[system].endpoint(entity)
    glob = landing_glob(settings.landing_dir, system.value, entity)
    wanted = [k for k in keys if k != NO_KEY]
    if not wanted or not has_landed(settings.landing_dir, system.value, entity):
        return set()
    rows = duckdb.connect().execute(
        f"select distinct \"{endpoint.key}\" from read_parquet(?, union_by_name = true) "
        f"where \"{endpoint.key}\" in (select unnest(?)) and _extracted_at >= ?::timestamptz",
        [str(glob), wanted, since]).fetchall()
    return {r[0] for r in rows}


def rework(system: SourceSystem, settings: Settings, base_url: str, config: ExtractConfig | None = None) -> list[Manifest]:
    """Re-request every open window of the system's rework ledger: damaged batches first, then quarantine."""
    config = config or ExtractConfig()
    ledger = ReworkLedger(settings.state_dir, system.value)
    items = sorted((i for i in ledger.items() if not i.dead), key=lambda i: i.kind is not Rework.DAMAGED)
    manifests = []
    for item in items:
        window = Window(datetime.fromisoformat(item.start), datetime.fromisoformat(item.end))
        manifest = extract_endpoint(system, item.entity, settings, base_url, window, config, register=False)
        manifests.append(manifest)
        if item.kind is Rework.DAMAGED:
            ledger.settle(item, [])
            _register_quarantine(system, settings, manifest, window)
            continue
        still = {k or NO_KEY for k, _ in manifest.quarantined}
        landed = _landed_keys(settings, system, item.entity, item.keys, item.first_seen)
        missing = sorted(k for k in item.keys if k not in landed and (k != NO_KEY or NO_KEY in still))
        missing += sorted(still - set(item.keys) - {NO_KEY})  # quarantined anew in the same window
        ledger.settle(item, missing, config.rework_dead_after)
        log.info("%s %s rework %s: %d of %d key(s) still missing", system.value, item.entity, item.ident,
                 len(missing), len(item.keys))
    return manifests


def extract_system(system: SourceSystem, settings: Settings, base_url: str, window: Window | None = None,
                   config: ExtractConfig | None = None, end: datetime | None = None) -> list[Manifest]:
    """Every endpoint of one source system (reference lists first, then transactional data).

    With `window`, exactly that window; otherwise each endpoint from its high-water mark minus the
    look-back up to `end` (default now) — one end for every endpoint, so their batches line up.
    First, interrupted commits are rolled forward and the rework ledger is worked off (`rework`)."""
    config = config or ExtractConfig()
    end = end or now_local()
    settings.require_source_secrets(system)
    recover_landing(settings.landing_dir, settings.quarantine_dir)
    manifests = rework(system, settings, base_url, config)
    order = sorted(SOURCES[system].endpoints, key=lambda e: bool(e.children))
    return manifests + [
        extract_endpoint(system, e.entity, settings, base_url,
                         window or incremental_window(system, e.entity, settings, config, end), config)
        for e in order]
