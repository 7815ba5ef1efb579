"""Turn one response body into an Arrow table of records, without per-record Python when possible.

Fast path: pyarrow's C++ JSON reader with the endpoint's declared schema (unknown fields inferred,
so schema drift is visible). If the page holds a value of the wrong type, the reader rejects the
whole page; the slow path then parses with orjson and isolates the bad records for quarantine.

The schema contract (docs/landing-zone.md): every declared top-level field is present in every
record (its value may be null; the three vendors always send every field). A record lacking one is
never NULL-filled: by `MissingFieldPolicy` it is quarantined (default) or the whole page is.
Extra fields land as JSON in `_extra_fields` and are counted in the manifest's schema drift; a value
of the wrong type quarantines its record. A body that is not valid UTF-8 is decoded with
replacement characters and the records that held invalid bytes are quarantined, naming the field.
"""

from __future__ import annotations

import io

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from extractors.config import MissingFieldPolicy
from extractors.http import CorruptResponse
from extractors.pagination import Page
from extractors.sources import Endpoint, Source

REPLACEMENT = "\ufffd"


def parse_page(body: bytes, source: Source, endpoint: Endpoint,
               missing: MissingFieldPolicy = MissingFieldPolicy.QUARANTINE_RECORD) -> Page:
    if not _valid_utf8(body):
        # one bad byte must not stop the endpoint: decode with U+FFFD, quarantine the records it hit
        return _slow(body.decode("utf-8", errors="replace").encode(), source, endpoint, missing, bad_bytes=True)
    try:
        page, table = _fast(body, source, endpoint)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Arrow rejects the page as a whole when one record does not fit the declared schema; the
        # record-by-record path lands the good records and quarantines the others with a reason.
        return _slow(body, source, endpoint, missing)
    if _maybe_missing(body, table):
        return _slow(body, source, endpoint, missing)
    return page


def _valid_utf8(body: bytes) -> bool:
    """Arrow's UTF-8 validation over the body in place (no Python string of the whole page is made)."""
    offsets = pa.array([0, len(body)], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(body)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _maybe_missing(body: bytes, table: pa.Table) -> bool:
    """Cheap necessary test for an absent field, which Arrow's reader fills with null: in compact JSON
    every member of every object ends its name with `":`, and inside a string those two bytes can
    only follow a backslash. So the body holds `count('":') - count('\\":')` members; if the parsed
    envelope accounts for a different number (its declared and inferred fields, per object present),
    some object lacks a field — or the JSON is not compact — and the slow path finds which records.
    Two C-level counts per page, whatever the number of columns."""
    sent = body.count(b'":') - (body.count(b'\\":') if b"\\" in body else 0)  # a backslash is rare: one memchr
    return sent != sum(1 + _members(table.column(i)) for i in range(table.num_columns))


def _members(values: pa.Array | pa.ChunkedArray) -> int:
    """Object members held by the non-null objects nested in `values` (0 for scalars)."""
    if isinstance(values, pa.ChunkedArray):
        return sum(_members(chunk) for chunk in values.chunks)
    kind = values.type
    if pa.types.is_struct(kind):
        present = len(values) - values.null_count
        return present * kind.num_fields + sum(_members(child) for child in values.flatten())
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _members(values.flatten())
    return 0


def _fast(body: bytes, source: Source, endpoint: Endpoint) -> tuple[Page, pa.Table]:
    fields = [*source.paging.envelope_fields, (source.records_field, pa.list_(endpoint.record))]
    table = pj.read_json(
        io.BytesIO(body),
        read_options=pj.ReadOptions(block_size=max(1 << 20, len(body) + 1), use_threads=False),
        parse_options=pj.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior="infer"),
    )
    if table.num_rows != 1:
        raise CorruptResponse(f"expected one JSON envelope, got {table.num_rows}")
    envelope = {name: table[name][0].as_py() for name, _ in source.paging.envelope_fields}
    records = table[source.records_field].combine_chunks()
    struct = pc.list_flatten(records)
    inferred = struct.type
    # the record type may have been widened by inference: keep declared fields in order, then extras
    names = [f.name for f in inferred]
    declared = [f.name for f in endpoint.record]
    columns = {n: struct.field(n) for n in names}
    rows = pa.table({n: conform(columns[n], endpoint.record.field(n).type) if n in columns
                     else pa.nulls(len(struct), endpoint.record.field(n).type) for n in declared})
    extras = [n for n in names if n not in declared]
    quarantined = []
    if extras:
        rows = rows.append_column("_extra_fields", _extras_json(pa.table({n: columns[n] for n in extras})))
    missing_key = pc.is_null(rows[endpoint.key])
    if pc.any(missing_key).as_py():
        bad = rows.filter(missing_key)
        quarantined = [(None, f"missing key field {endpoint.key}", orjson.dumps(r, default=str).decode())
                       for r in bad.to_pylist()]
        rows = rows.filter(pc.invert(missing_key))
    total, cursor = source.paging.read_envelope(envelope)
    return Page(records=rows, quarantined=quarantined, total=total, next_cursor=cursor), table


def conform(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Bring an inferred array to the declared type (drops inferred nested extras, fills missing)."""
    if array.type == target:
        return array
    if pa.types.is_struct(target) and pa.types.is_struct(array.type):
        names = {f.name for f in array.type}
        children = [conform(array.field(f.name), f.type) if f.name in names else pa.nulls(len(array), f.type)
                    for f in target]
        return pa.StructArray.from_arrays(children, fields=list(target), mask=array.is_null())
    if pa.types.is_list(target) and pa.types.is_list(array.type):
        values = conform(array.flatten(), target.value_type)
        return pa.ListArray.from_arrays(array.offsets, values, type=target, mask=array.is_null())
    return array.cast(target)


def _extras_json(extra: pa.Table) -> pa.Array:
    values = []
    for row in extra.to_pylist():
        present = {k: v for k, v in row.items() if v is not None}
        values.append(orjson.dumps(present).decode() if present else None)
    return pa.array(values, pa.string())


def _slow(body: bytes, source: Source, endpoint: Endpoint,
          missing: MissingFieldPolicy = MissingFieldPolicy.QUARANTINE_RECORD, bad_bytes: bool = False) -> Page:
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise CorruptResponse(f"body is not JSON: {exc}") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get(source.records_field), list):
        raise CorruptResponse(f"envelope has no list {source.records_field!r}")
    schema = pa.schema(list(endpoint.record))
    declared = set(schema.names)
    good, extras, quarantined = [], [], []
    for record in envelope[source.records_field]:
        if not isinstance(record, dict):
            quarantined.append((None, "record is not a JSON object", orjson.dumps(record).decode()))
            continue
        key = record.get(endpoint.key)
        if key is None:
            quarantined.append((None, f"missing key field {endpoint.key}", orjson.dumps(record).decode()))
            continue
        reason = _contract_breach(record, schema, bad_bytes)
        if reason is None:
            try:
                pa.Table.from_pylist([record], schema=schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                field = next((f for f in schema.names if f in str(exc)), None) or _guess_field(record, schema)
                reason = f"field {field}: value {record.get(field)!r} is not {schema.field(field).type}" if field \
                    else f"cannot cast record: {exc}"
        if reason is not None:
            quarantined.append((str(key), reason, orjson.dumps(record).decode()))
            continue
        good.append(record)
        unknown = {k: v for k, v in record.items() if k not in declared}
        extras.append(orjson.dumps(unknown).decode() if unknown else None)
    if missing is MissingFieldPolicy.QUARANTINE_PAGE and any(r.startswith("declared field") for _, r, _ in quarantined):
        why = next(r for _, r, _ in quarantined if r.startswith("declared field"))
        quarantined += [(str(r.get(endpoint.key)), f"page quarantined by policy: another record's {why}",
                         orjson.dumps(r).decode()) for r in good]
        good, extras = [], []
    rows = pa.Table.from_pylist(good, schema=schema)
    if any(e is not None for e in extras):
        rows = rows.append_column("_extra_fields", pa.array(extras, pa.string()))
    total, cursor = source.paging.read_envelope(envelope)
    return Page(records=rows, quarantined=quarantined, total=total, next_cursor=cursor)


def _contract_breach(record: dict, schema: pa.Schema, bad_bytes: bool) -> str | None:
    absent = [name for name in schema.names if name not in record]
    if absent:
        return f"declared field {absent[0]} is missing from the record" + (f" (+{len(absent) - 1} more)"
                                                                            if len(absent) > 1 else "")
    if bad_bytes:
        hit = _field_with(record, REPLACEMENT)
        if hit is not None:
            return f"field {hit}: invalid UTF-8 bytes in the source's value"
    return None


def _field_with(value, needle: str, path: str = "") -> str | None:
    """The (dotted) field whose string value holds `needle`, if any."""
    if isinstance(value, str):
        return path or "?" if needle in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
        return next((hit for p, v in items if (hit := _field_with(v, needle, p)) is not None), None)
    else:
        return None
    return next((hit for k, v in items if (hit := _field_with(v, needle, f"{path}.{k}" if path else k)) is not None),
                None)


def _guess_field(record: dict, schema: pa.Schema) -> str | None:
    for field in schema:
        if field.name in record:
            try:
                pa.array([record[field.name]], field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return field.name
    return None
