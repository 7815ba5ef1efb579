"""Extract one endpoint (or a whole system) for a window into the landing zone.

Per page: parse (columnar), pseudonymise personal data, split nested lists into child entities,
write a Parquet part. Every `checkpoint_pages` pages and at the end: drop duplicate keys (keep the
latest version), write manifests, commit the endpoint's batches together (one journal,
extractors/landing.py) and save where the window goes on (extractors/state.py `ResumeStore`); at the
end — and only then — advance the high-water mark. A window whose pages held fewer distinct records
than the source's total is paged again (offset paging steps over records when others change).
Quarantined records, and windows still short, go to the rework ledger (extractors/state.py): each
later run of the system re-requests them until the keys land (or a pass sees the whole total) or
the item is declared dead; windows of damaged batches set aside by the build are re-landed first.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from cchc.clock import now_local
from cchc.landing_layout import has_landed, landing_glob
from cchc.settings import Settings, SourceSystem
from extractors.config import ExtractConfig
from extractors.http import CorruptResponse, SourceClient, SourceRequestError, SourceUnavailableError
from extractors.landing import GATHER_ROWS, BatchWriter, commit_batches, recover_landing
from extractors.pagination import Resume
from extractors.parse import parse_page
from extractors.prepare import PageContext, Prepared, Rejected, prepare_page
from extractors.signatures import STATUS_COLUMN, Verifier
from extractors.sources import SOURCES, Source
from extractors.state import ResumeStore, Rework, ReworkItem, ReworkLedger, SavedResume, StateStore
from extractors.workers import WorkerLost, shared_pool

log = logging.getLogger(__name__)
EPOCH = datetime(2000, 1, 1)
_IN_FLIGHT_PER_WORKER = 2  # pages being prepared per worker while the run lands the oldest


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
    complete: bool = True  # every record the source reported for the window was seen (no skip, no circuit)


def _with_meta(table: pa.Table, system: str, batch_id: str, extracted_at: datetime, page: int) -> pa.Table:
    """The lineage columns, one value each: built as repeated scalars (no per-row Python)."""
    n = table.num_rows
    for name, value in (("_system", pa.scalar(system, pa.string())), ("_batch_id", pa.scalar(batch_id, pa.string())),
                        ("_extracted_at", pa.scalar(extracted_at, pa.timestamp("us", tz="UTC"))),
                        ("_page", pa.scalar(page, pa.int64()))):
        table = table.append_column(name, pa.repeat(value, n))
    return table


def _quarantine_table(rows: list[tuple[str | None, str, str]], system: str, batch_id: str,
                      extracted_at: datetime, page: int) -> pa.Table:
    table = pa.table({"_key": pa.array([r[0] for r in rows], pa.string()),
                      "_reason": pa.array([r[1] for r in rows], pa.string()),
                      "_raw": pa.array([r[2] for r in rows], pa.string())})
    return _with_meta(table, system, batch_id, extracted_at, page)


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


def incremental_window(system: SourceSystem, entity: str, settings: Settings, config: ExtractConfig,
                       end: datetime | None = None) -> Window:
    """The window a stopped run left half-finished, if any (it is finished first, from its resume point);
    else from the high-water mark minus the look-back (or the beginning) to `end` (default: now)."""
    saved = ResumeStore(settings.state_dir, system.value, entity).load()
    if saved is not None:
        return Window(*saved.window)
    mark = StateStore(settings.state_dir).high_water(system.value, entity)
    start = (mark - config.lookback) if mark else EPOCH
    return Window(start, end or now_local())


def extract_endpoint(system: SourceSystem, entity: str, settings: Settings, base_url: str,
                     window: Window | None = None, config: ExtractConfig | None = None,
                     register: bool = True) -> Manifest:
    """Land one endpoint's records updated in `window` (default: incremental from the high-water mark,
    or the window a stopped run left half-finished, from its last committed page).

    Quarantined records and incomplete windows are registered for re-request (`register`; a rework run
    settles its own and neither resumes nor leaves a resume point)."""
    config = config or ExtractConfig()
    settings.require_source_secrets(system)
    window = window or incremental_window(system, entity, settings, config)
    resume = ResumeStore(settings.state_dir, system.value, entity) if register else None
    run = _EndpointRun(system, entity, settings, window, config, resume)
    client = SourceClient(system.value, base_url, run.source.auth_headers(settings.credentials), config)
    try:
        circuit = run.fetch_window(client)
        run.commit(circuit)
    except BaseException:
        run.abort()
        raise
    finally:
        client.close()
    run.finish(circuit)
    manifest = run.manifest(complete=circuit is None and not run.short_of_total)
    if register:
        _register_quarantine(system, settings, manifest, window)
        _register_gap(system, settings, run, circuit)
    if circuit is not None:
        raise circuit
    return manifest


class _EndpointRun:
    """One endpoint over one window: what was seen across the window's batches, and the open batch.

    Every `ExtractConfig.checkpoint_pages` pages the open batch is committed and the resume point
    (`ResumeStore`) saved, so a killed run loses at most that many pages: the next run continues the
    window from there (`<window>~NNN` batch ids after the first) instead of from its first page."""

    def __init__(self, system: SourceSystem, entity: str, settings: Settings, window: Window,
                 config: ExtractConfig, resume: ResumeStore | None) -> None:
        self.system, self.entity, self.settings, self.window, self.config = system, entity, settings, window, config
        self.source = SOURCES[system]
        self.endpoint = self.source.endpoint(entity)
        self.context = PageContext(system, entity, window.start, window.end, config.missing_field)
        self.key = settings.pii_key.encode()
        self.extracted_at = datetime.now(UTC)
        # configuration errors (trust store, revocation list) surface before anything is fetched or written
        self.verifier = (Verifier.from_settings(settings)
                         if any(c.verify_signatures for c in self.endpoint.children) else None)
        self.resume = resume
        saved = resume.load() if resume else None
        self.start = saved if saved and saved.window == (window.start, window.end) else None
        self.batches: list[str] = list(self.start.batches) if self.start else []
        self.reported_total: int | None = None
        self.pages, self.passes = (self.start.pages, self.start.passes - 1) if self.start else (0, 0)
        self.max_cursor: str | None = None
        self.seen: set[str] = set()  # keys landed in this window
        self.seen_quarantined: set[str] = set()
        self.keyless_quarantined = 0
        self.quarantined: list[tuple[str | None, str | None]] = []
        self.totals, self.window_drift = Counter(), Counter()  # over every batch of the window this run
        if self.start:
            self._recall_batches()
        self._open_batch()

    # ---- batches -------------------------------------------------------------------------------
    def _open_batch(self) -> None:
        n = len(self.batches)
        self.batch_id = self.window.batch_id if n == 0 else f"{self.window.batch_id}~{n:03d}"
        landing, system = self.settings.landing_dir, self.system.value
        self.writers = {self.entity: BatchWriter(landing, system, self.entity, self.batch_id, gather_rows=GATHER_ROWS)}
        for child in self.endpoint.children:
            self.writers[child.entity] = BatchWriter(landing, system, child.entity, self.batch_id,
                                                     gather_rows=GATHER_ROWS)
        self.quarantine = BatchWriter(self.settings.quarantine_dir, system, self.entity, self.batch_id,
                                      journal_root=landing, gather_rows=GATHER_ROWS)
        self.counts = {"fetched": 0, "written": 0, "quarantined": 0, "duplicates_dropped": 0}
        self.drift: dict[str, int] = {}
        self.batch_keys: set[str] = set()
        self.duplicates, self.batch_pages = 0, 0

    def _recall_batches(self) -> None:
        """A resumed window: the keys and latest cursor its committed batches already hold."""
        system, key, cursor = self.system.value, self.endpoint.key, self.endpoint.cursor_field
        parts = [str(p) for b in self.batches
                 for p in (self.settings.landing_dir / system / self.entity / f"batch={b}").glob("part-*.parquet")]
        if parts:
            con = duckdb.connect()
            self.seen = {k for (k,) in con.execute(f'select distinct "{key}" from read_parquet(?)', [parts]).fetchall()}
            self.max_cursor = con.execute(f'select max("{cursor}") from read_parquet(?)', [parts]).fetchone()[0]
        quarantined = [str(p) for b in self.batches for p in
                       (self.settings.quarantine_dir / system / self.entity / f"batch={b}").glob("part-*.parquet")]
        if quarantined:
            rows = duckdb.connect().execute("select _key from read_parquet(?)", [quarantined]).fetchall()
            self.seen_quarantined = {k for (k,) in rows if k is not None}
            self.keyless_quarantined = sum(k is None for (k,) in rows)

    # ---- fetching ------------------------------------------------------------------------------
    def _fetcher(self, client: SourceClient):
        """`fetch(params) -> _Fetched`. Pages of at least `ExtractConfig.worker_min_bytes` are prepared in the
        worker processes (the pool starts at the first such page; their envelope is read here when paging
        needs it); smaller ones here, with the module's `parse_page`. A page a worker could not prepare (a body it found corrupt, a lost worker)
        is requested again and prepared here, with the client's retries."""
        window_params = self.source.window_query(self.window.start, self.window.end)
        breaker = _Breaker(self.system.value, self.endpoint.path, self.config)
        ctx, config, key = self.context, self.config, self.key
        decoder = _envelope_decoder(self.source)

        def get(params: dict, receive):
            while True:
                try:
                    return client.get(self.endpoint.path, {**window_params, **params}, receive)
                except SourceUnavailableError as exc:
                    breaker.failed(params, exc)  # raises CircuitOpen once the run's budget is spent
                    client.pause()

        def here(params: dict) -> _Fetched:
            return get(params, lambda body: _Fetched(params, prepare_page(body, ctx, key, parse=parse_page)))

        def read_envelope(body: bytes) -> tuple[int | None, str | None]:
            return self.source.paging.read_envelope(msgspec.structs.asdict(decoder.decode(body)))

        def receive(params: dict, body: bytes) -> _Fetched:
            if config.parse_workers == 0 or len(body) < config.worker_min_bytes:
                return _Fetched(params, prepare_page(body, ctx, key, parse=parse_page))
            pool = shared_pool(config.parse_workers)  # started at the first large page, then kept by the process
            return _Fetched(params, future=pool.submit(prepare_page, body, ctx, key), body=body,
                            envelope=read_envelope, again=lambda: here(params).result())

        self.in_flight = max(1, _IN_FLIGHT_PER_WORKER * config.parse_workers)
        return lambda params: get(params, lambda body: receive(params, body))

    @property
    def distinct(self) -> int:
        """Records of the window seen so far, each once (landed or quarantined)."""
        return len(self.seen | self.seen_quarantined) + self.keyless_quarantined

    @property
    def short_of_total(self) -> bool:
        """Fewer distinct records than the source reported for the window: offset paging skipped some."""
        return self.reported_total is not None and self.distinct < self.reported_total

    def fetch_window(self, client: SourceClient) -> CircuitOpen | None:
        """Page through the window; again while the pages held fewer records than the source's total.

        Offset paging (page number or offset) skips a record whenever one the client already read is
        updated while it pages: the vendor moves the updated record to the end, every later record
        shifts one place down, and the next offset steps over one of them — a record that did not
        change, so no later window brings it. Counting distinct keys against the reported total finds
        the skip; another pass over the window (its pages added to the same batch, de-duplicated)
        lands what was skipped."""
        fetch = self._fetcher(client)
        start = self.start.resume if self.start else None
        try:
            while True:
                self.passes += 1
                self.reported_total = None
                self._one_pass(fetch, start)
                start = None
                if not self.short_of_total or self.passes >= self.config.paging_passes:
                    return None
                log.warning("%s %s window %s: %d distinct records in pass %d, the source reports %d; paging "
                            "the window again", self.system.value, self.entity, self.window.batch_id,
                            self.distinct, self.passes, self.reported_total)
        except CircuitOpen as exc:  # land what came through; the next run resumes after it
            return exc

    def _one_pass(self, fetch, start: Resume | None) -> None:
        """Land the pages in order while later ones are fetched and prepared (at most `in_flight` ahead).
        Pages fetched before a failure are landed before it is raised, as when they were landed one by one."""
        size = min(self.config.page_size or self.source.max_page_size, self.source.max_page_size)
        pending: deque[tuple[_Fetched, Resume]] = deque()
        try:
            for fetched, after in self.source.paging.pages(fetch, size, self.config.prefetch_pages, start):
                pending.append((fetched, after))
                while pending and (len(pending) > self.in_flight or pending[0][0].done):
                    self._land(*pending.popleft())
            self._land_all(pending)
        except SourceRequestError as exc:
            if start is None or exc.status != 400:
                raise
            self._land_all(pending)
            # a token from before the restart the source no longer honours: page the window from its start
            log.warning("%s %s: resume point %s refused (%s); paging window %s from its first page",
                        self.system.value, self.entity, start, exc, self.window.batch_id)
            self._one_pass(fetch, None)
            return
        except CircuitOpen:
            self._land_all(pending)
            raise
        finally:
            for fetched, _ in pending:  # a failed pass: pages still queued for a worker are not prepared
                fetched.cancel()

    def _land_all(self, pending: deque) -> None:
        while pending:
            self._land(*pending.popleft())

    def _land(self, fetched: _Fetched, after: Resume) -> None:
        self.land_page(fetched.result())
        self.resume_after = after
        if self.batch_pages >= self.config.checkpoint_pages:
            self._checkpoint(after)

    def _checkpoint(self, after: Resume) -> None:
        self.commit(None, final=False)
        self._save_resume(after)
        self._open_batch()

    def _save_resume(self, after: Resume) -> None:
        if self.resume is not None:
            self.resume.save(SavedResume((self.window.start, self.window.end), after, tuple(self.batches),
                                         self.pages, self.passes))

    # ---- one page ------------------------------------------------------------------------------
    def land_page(self, page: Prepared) -> None:
        self.pages += 1
        self.batch_pages += 1
        if self.reported_total is None and page.total is not None:
            self.reported_total = page.total
        self.counts["fetched"] += page.fetched
        self._quarantine(page.rejected, page.rejected_cursors)
        for name, n in page.drift.items():
            self.drift[name] = self.drift.get(name, 0) + n
        records = page.records
        if records.num_rows == 0:
            return
        self._note_keys_and_cursor(records)
        for child in self.endpoint.children:
            rows = self._with_meta(page.children[child.entity])
            if child.verify_signatures:
                rows = self.verifier.verify_table(rows)
            self.writers[child.entity].write(rows)
        self.writers[self.entity].write(self._with_meta(records))

    def _with_meta(self, table: pa.Table) -> pa.Table:
        return _with_meta(table, self.system.value, self.batch_id, self.extracted_at, self.pages)

    def _quarantine(self, rejected: list[Rejected], cursors: list[str | None]) -> None:
        if not rejected:
            return
        self.quarantined += [(k, cursor) for (k, _, _), cursor in zip(rejected, cursors, strict=True)]
        self.seen_quarantined.update(k for k, _, _ in rejected if k is not None)
        self.keyless_quarantined += sum(1 for k, _, _ in rejected if k is None)
        self.quarantine.write(_quarantine_table(rejected, self.system.value, self.batch_id, self.extracted_at,
                                                self.pages))
        self.counts["quarantined"] += len(rejected)

    def _note_keys_and_cursor(self, records: pa.Table) -> None:
        keys = records[self.endpoint.key].to_pylist()
        self.seen.update(keys)
        before = len(self.batch_keys)
        self.batch_keys.update(keys)
        self.duplicates += len(keys) - (len(self.batch_keys) - before)
        page_max = pc.max(records[self.endpoint.cursor_field]).as_py()
        if page_max is not None and (self.max_cursor is None or page_max > self.max_cursor):
            self.max_cursor = page_max

    # ---- the end -------------------------------------------------------------------------------
    def commit(self, circuit: CircuitOpen | None, final: bool = True) -> None:
        """De-duplicate, write every manifest and make the open batch's entities visible at once."""
        for writer in [*self.writers.values(), self.quarantine]:
            writer.close()
        parent = self.writers[self.entity]
        if self.duplicates:
            self.counts["duplicates_dropped"] = _dedupe(parent, self.endpoint.key, self.endpoint.cursor_field)
            for child in self.endpoint.children:
                if self.writers[child.entity].parts:
                    _keep_children_of(self.writers[child.entity], parent, self.endpoint.key, child.parent_key_as)
        self.counts["written"] = parent.rows
        common = {"window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
                  "extracted_at": self.extracted_at.isoformat(), "pages": self.batch_pages, "passes": self.passes,
                  "source_reported_total": self.reported_total,
                  **({"partial": True, "stopped": str(circuit)} if circuit else {}),
                  **({"short_of_total": self.distinct} if final and circuit is None and self.short_of_total else {})}
        batches = []
        for child in self.endpoint.children:
            w = self.writers[child.entity]
            extra = {"verification": self.verifier.summary(_status_counts(w))} if child.verify_signatures else {}
            batches.append((w, {**common, "parent_entity": self.entity, "counts": {"written": w.rows}, **extra}))
        batches.append((self.quarantine, {**common, "counts": {"quarantined": self.counts["quarantined"]}}))
        batches.append((parent, {**common, "counts": self.counts, "schema_drift": self.drift,
                                 "children": self.child_rows}))
        commit_batches(self.settings.landing_dir, batches)  # all of the batch's entities visible at once
        self.batches.append(self.batch_id)
        self.totals.update(self.counts)
        self.window_drift.update(self.drift)
        log.info("%s %s batch %s: %s drift=%s", self.system.value, self.entity, self.batch_id, self.counts,
                 self.drift)

    @property
    def child_rows(self) -> dict[str, int]:
        return {c.entity: self.writers[c.entity].rows for c in self.endpoint.children}

    def abort(self) -> None:
        for w in [*self.writers.values(), self.quarantine]:
            w.abort()

    def finish(self, circuit: CircuitOpen | None) -> None:
        """After the last commit: keep the resume point of a stopped window, or drop it; then move the
        high-water mark (only after the commit, and never backwards: extractors/state.py)."""
        if circuit is not None and getattr(self, "resume_after", None) is not None:
            self._save_resume(self.resume_after)
        elif circuit is None and self.resume is not None and (saved := self.resume.load()) is not None \
                and saved.window == (self.window.start, self.window.end):  # another window's point stays
            self.resume.clear()
        if self.max_cursor is None:
            return
        try:
            mark = min(self.source.cursor_format.parse(self.max_cursor), self.window.end)
        except ValueError:
            log.warning("%s %s: cursor %r unparsable; state not advanced", self.system.value, self.entity,
                        self.max_cursor)
            return
        StateStore(self.settings.state_dir).advance(self.system.value, self.entity, mark, self.window.batch_id)

    def manifest(self, complete: bool) -> Manifest:
        counts = {k: self.totals.get(k, 0) for k in ("fetched", "written", "quarantined", "duplicates_dropped")}
        return Manifest(self.system.value, self.entity, self.window.batch_id, counts, self.reported_total,
                        dict(self.window_drift), self.child_rows, self.quarantined, complete)


class _Fetched:
    """A received page: its envelope values (what paging needs next) and its preparation, done here or
    pending in a worker process. The envelope of a page sent to a worker is read from its body only
    when paging asks for it (every cursor page; only the first of page-number paging)."""

    def __init__(self, params: dict, prepared: Prepared | None = None, *, future=None, body: bytes | None = None,
                 envelope=None, again=None) -> None:
        self.params, self._prepared, self._future, self._again = params, prepared, future, again
        self._body, self._envelope = body, envelope  # envelope: body -> (total, next cursor)
        self._read: tuple[int | None, str | None] | None = None

    @property
    def total(self) -> int | None:
        return self._values()[0]

    @property
    def next_cursor(self) -> str | None:
        return self._values()[1]

    def _values(self) -> tuple[int | None, str | None]:
        if self._prepared is not None:
            return self._prepared.total, self._prepared.next_cursor
        if self._read is None:
            try:
                self._read = self._envelope(self._body)
            except (msgspec.DecodeError, msgspec.ValidationError):  # not plain JSON: the full parse decides
                prepared = self.result()
                self._read = prepared.total, prepared.next_cursor
            self._body = None
        return self._read

    @property
    def done(self) -> bool:
        return self._future is None or self._future.done()

    def cancel(self) -> None:
        if self._future is not None:
            self._future.cancel()

    def result(self) -> Prepared:
        if self._prepared is None:
            try:
                self._prepared = self._future.result()
            except (CorruptResponse, WorkerLost) as exc:
                log.warning("page %s could not be prepared in a worker (%s); requesting it again", self.params, exc)
                self._prepared = self._again()
            self._future = self._again = self._body = None
        return self._prepared


def _envelope_decoder(source: Source) -> msgspec.json.Decoder:
    """Reads only the envelope's paging fields of a body (validating the JSON, skipping the records)."""
    fields = [(name, int | None if pa.types.is_integer(kind) else str | None, None)
              for name, kind in source.paging.envelope_fields]
    return msgspec.json.Decoder(msgspec.defstruct(f"{source.system.name.title()}Envelope", fields))


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


def _register_gap(system: SourceSystem, settings: Settings, run: _EndpointRun, circuit: CircuitOpen | None) -> None:
    """A window still short of the source's total after its passes is re-requested on later runs until
    one pass sees it whole. (A window whose circuit opened is not: its resume point continues it, and
    the count then covers its earlier batches too.)"""
    if circuit is not None or not run.short_of_total:
        return
    why = (f"batch {run.window.batch_id}: {run.distinct} distinct records after {run.passes} pass(es), "
           f"the source reported {run.reported_total}")
    ReworkLedger(settings.state_dir, system.value).add(ReworkItem(
        system.value, run.entity, run.window.start.isoformat(), run.window.end.isoformat(), Rework.GAP, why))


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
    """Re-request every open window of the system's rework ledger: damaged batches first, then the others.

    An item whose circuit opens stays open (not counted as a try: the source was down, the window was
    not answered) and the other items go on; the first such CircuitOpen is raised at the end."""
    config = config or ExtractConfig()
    ledger = ReworkLedger(settings.state_dir, system.value)
    _drop_dead_that_landed(system, settings, ledger)
    items = sorted((i for i in ledger.items() if not i.dead), key=lambda i: i.kind is not Rework.DAMAGED)
    manifests, circuit = [], None
    for item in items:
        window = Window(datetime.fromisoformat(item.start), datetime.fromisoformat(item.end))
        try:
            manifest = extract_endpoint(system, item.entity, settings, base_url, window, config, register=False)
        except CircuitOpen as exc:
            log.warning("%s %s rework %s: circuit open, stays open (%s)", system.value, item.entity, item.ident, exc)
            circuit = circuit or exc
            continue
        manifests.append(manifest)
        _settle(system, settings, ledger, item, manifest, window, config)
    if circuit is not None:
        raise circuit
    return manifests


def _drop_dead_that_landed(system: SourceSystem, settings: Settings, ledger: ReworkLedger) -> None:
    """A dead quarantine item is no longer re-requested, but its keys may still land through later
    windows (a record updated since): once all have, the item is settled (a local query, no request)."""
    for item in ledger.items():
        if item.dead and item.kind is Rework.QUARANTINE and NO_KEY not in item.keys \
                and set(item.keys) <= _landed_keys(settings, system, item.entity, item.keys, item.first_seen):
            ledger.settle(item, [])


def _settle(system: SourceSystem, settings: Settings, ledger: ReworkLedger, item: ReworkItem, manifest: Manifest,
            window: Window, config: ExtractConfig) -> None:
    if item.kind is not Rework.QUARANTINE:  # a damaged batch is re-landed; a gap closes with a complete pass
        ledger.settle(item, [] if item.kind is Rework.DAMAGED or manifest.complete else None,
                      config.rework_dead_after)
        _register_quarantine(system, settings, manifest, window)
        return
    still = {k or NO_KEY for k, _ in manifest.quarantined}
    landed = _landed_keys(settings, system, item.entity, item.keys, item.first_seen)
    missing = sorted(k for k in item.keys if k not in landed and (k != NO_KEY or NO_KEY in still))
    missing += sorted(still - set(item.keys) - {NO_KEY})  # quarantined anew in the same window
    ledger.settle(item, missing, config.rework_dead_after)
    log.info("%s %s rework %s: %d of %d key(s) still missing", system.value, item.entity, item.ident,
             len(missing), len(item.keys))


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
    circuits: list[CircuitOpen] = []
    try:
        manifests = rework(system, settings, base_url, config)
    except CircuitOpen as exc:
        circuits.append(exc)
        manifests = []
    for e in sorted(SOURCES[system].endpoints, key=lambda e: bool(e.children)):
        try:  # one endpoint's open circuit does not stop the others
            manifests.append(extract_endpoint(system, e.entity, settings, base_url,
                                              window or incremental_window(system, e.entity, settings, config, end),
                                              config))
        except CircuitOpen as exc:
            circuits.append(exc)
    if circuits:
        raise circuits[0]
    return manifests
