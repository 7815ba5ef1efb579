"""One page from response body to the tables that land, with no state of the run: parse (columnar),
split off implausible records, scrub what is quarantined, split nested lists into child entities,
flatten structs, pseudonymise personal data.

Being a pure function of (body, `PageContext`, key), a page can be prepared in a worker process
(extractors/workers.py) while the run fetches the next one and lands the previous one; the run adds
the metadata columns (`_system`, `_batch_id`, `_extracted_at`, `_page`) when it lands the page, in
page order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from cchc.pii import PiiKind, pseudonymise, pseudonymise_array
from cchc.settings import SourceSystem
from extractors.config import MissingFieldPolicy
from extractors.pagination import Page
from extractors.parse import parse_page
from extractors.sources import EARLIEST, SOURCES, Child, Endpoint, Plausibility, Source

Rejected = tuple[str | None, str, str]  # (key, reason, raw JSON)


@dataclass(frozen=True)
class PageContext:
    """What preparing a page needs to know of its run (picklable: sent to worker processes)."""

    system: SourceSystem
    entity: str
    window_start: datetime
    window_end: datetime
    missing: MissingFieldPolicy = MissingFieldPolicy.QUARANTINE_RECORD

    @property
    def source(self) -> Source:
        return SOURCES[self.system]

    @property
    def endpoint(self) -> Endpoint:
        return self.source.endpoint(self.entity)


@dataclass
class Prepared:
    """A page ready to land (no metadata columns yet)."""

    fetched: int  # records in the page, landed or quarantined
    total: int | None  # the source's reported total, when it has one
    next_cursor: str | None
    records: pa.Table  # flattened, pseudonymised, nested lists dropped, `_extra_fields` present
    children: dict[str, pa.Table]  # child entity -> rows keyed to the parent
    rejected: list[Rejected]  # quarantined with the reason; raw payload already scrubbed
    rejected_cursors: list[str | None]  # the update time each rejected record was sent with
    drift: dict[str, int] = field(default_factory=dict)  # unknown field -> records carrying it


def prepare_page(body: bytes, ctx: PageContext, key: bytes,
                 parse: Callable[..., Page] = parse_page) -> Prepared:
    source, endpoint = ctx.source, ctx.endpoint
    page = parse(body, source, endpoint, ctx.missing)
    return prepare_parsed(page, ctx, key)


def prepare_parsed(page: Page, ctx: PageContext, key: bytes) -> Prepared:
    source, endpoint = ctx.source, ctx.endpoint
    records, implausible = _implausible(page.records, source, endpoint, ctx.window_end)
    rejected = page.quarantined + implausible
    records, drift = _drift(records)
    children = {}
    if records.num_rows:
        children = {child.entity: _children(records, endpoint, child) for child in endpoint.children}
        records = records.drop_columns([c.list_field for c in endpoint.children])
        records = _pseudonymise(_flatten_structs(records), endpoint.pii, key)
    return Prepared(page.fetched, page.total, page.next_cursor, records, children,
                    [(k, reason, _scrub_raw(raw, endpoint, key)) for k, reason, raw in rejected],
                    [_cursor_of(raw, endpoint) for _, _, raw in rejected], drift)


def _drift(records: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    if "_extra_fields" not in records.column_names:
        return records.append_column("_extra_fields", pa.nulls(records.num_rows, pa.string())), {}
    drift: dict[str, int] = {}
    for text in records["_extra_fields"].drop_null().to_pylist():
        for name in orjson.loads(text):
            drift[name] = drift.get(name, 0) + 1
    return records, drift


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


def _cursor_of(raw: str, endpoint: Endpoint) -> str | None:
    """The record's update time as sent, if the quarantined payload still has one."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    value = record.get(endpoint.cursor_field) if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


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
    return table.append_column("_ordinal", ordinal)


def _bounds(source: Source, rule: Plausibility, window_end: datetime) -> tuple[object, object]:
    if rule is Plausibility.NON_NEGATIVE:
        return 0, None
    latest = window_end + (timedelta(days=1) if rule is Plausibility.EVENT_TIME else timedelta(days=5 * 366))
    # the sources' date strings sort as their moments (fixed-width, one offset), so bounds compare as text
    return source.cursor_format.format(EARLIEST), source.cursor_format.format(latest)


def _implausible(records: pa.Table, source: Source, endpoint: Endpoint,
                 window_end: datetime) -> tuple[pa.Table, list[Rejected]]:
    """Split off records whose values cannot be true (far-future or pre-2000 dates, negative durations)."""
    if not endpoint.plausible or records.num_rows == 0:
        return records, []
    flags = {}
    for name, rule in endpoint.plausible.items():
        low, high = _bounds(source, rule, window_end)
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
