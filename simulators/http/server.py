"""One HTTP server per source system, vendor-neutral: auth, faults, window, page, envelope.

Built on the standard library's ThreadingHTTPServer (HTTP/1.1 keep-alive) so every byte on the
wire is under our control: a truncated body really is cut mid-stream, a slow response really
stalls the socket.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import orjson

from cchc.settings import SourceCredentials, SourceSystem
from simulators.contract import World, endpoints_of
from simulators.http.faults import Fault, FaultConfig, FaultDice
from simulators.http.paging import ServingTable
from simulators.http.vendors import VENDORS, BadRequest, PageRequest, Vendor, WardVendor

log = logging.getLogger(__name__)


class ClockLock:
    """Many requests read the serving tables at once; moving the clock rebuilds them alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    def __enter__(self):
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1

    def __exit__(self, *exc):
        with self._cond:
            self._readers -= 1
            self._cond.notify_all()

    def exclusive(self, action):
        with self._cond:
            while self._writing or self._readers:
                self._cond.wait()
            self._writing = True
        try:
            return action()
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class SystemState:
    """What one system's server shares across its request threads."""

    def __init__(self, system: SourceSystem, world: World, clock: ClockLock, credentials: SourceCredentials,
                 faults: FaultConfig, seed: int, admin_token: str) -> None:
        self.system = system
        self.world = world
        self.clock = clock
        self.vendor: Vendor = VENDORS[system](credentials)
        self.tables = {e.path: ServingTable(e) for e in endpoints_of(system)}
        self.dice = FaultDice(faults, seed)
        self.seed = seed
        self.admin_token = admin_token
        self.generation = 0
        self.requests = 0
        self._local = threading.local()

    def cursor(self):
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._local.cur = self.world.con.cursor()
        return cur

    def set_faults(self, faults: FaultConfig) -> None:
        self.dice = FaultDice(faults, self.seed)

    def on_clock_moved(self) -> None:
        self.generation += 1
        for table in self.tables.values():
            table.reset()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: SystemState  # set on the subclass made per server

    def log_message(self, format, *args):  # quiet by default; credentials never appear in URLs
        log.debug("%s %s", self.address_string(), format % args)

    # ---- plumbing -------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, cut_at: int | None = None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if cut_at is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body if cut_at is None else body[:cut_at])
        self.wfile.flush()

    def _error(self, status: int, message: str, **extra) -> None:
        self._send(status, orjson.dumps({"error": message, **extra}))

    def _query(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))

    def _admin_ok(self) -> bool:
        return hmac.compare_digest(self.headers.get("X-Sim-Admin", ""), self.state.admin_token)

    # ---- verbs ----------------------------------------------------------------------------
    def do_GET(self):
        path, query = self._query()
        state = self.state
        if path == "/_sim/health":
            return self._send(200, orjson.dumps({"status": "ok", "system": state.system.value,
                                                 "as_of": state.world.as_of.isoformat()}))
        if path == "/_sim/stats":
            if not self._admin_ok():
                return self._error(401, "unauthorized")
            return self._send(200, orjson.dumps({"requests": state.requests, "faults": state.dice.counts}))
        table = state.tables.get(path)
        if table is None:
            return self._error(404, f"no such endpoint: {path}")
        if not state.vendor.authorised(self.headers):
            return self._error(401, "unauthorized")
        state.requests += 1
        if self._status_fault():
            return None
        try:
            start, end = state.vendor.window(query)
            request = state.vendor.page(query)
        except BadRequest as exc:
            return self._error(400, str(exc), param=exc.param)
        with state.clock:
            if request.generation is not None and request.generation != state.generation:
                return self._error(400, "cursor expired: the data changed, restart paging", param="cursor")
            body = self._page(table, start, end, request)
        if state.dice.roll(Fault.SLOW):
            time.sleep(state.dice.config.slow_seconds)
        cut = state.dice.randint(1, max(1, len(body) - 1)) if state.dice.roll(Fault.TRUNCATE) else None
        return self._send(200, body, cut_at=cut)

    def do_POST(self):
        path, query = self._query()
        state = self.state
        if not path.startswith("/_sim/"):
            return self._error(405, "method not allowed")
        if not self._admin_ok():
            return self._error(401, "unauthorized")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/_sim/faults":
            try:
                state.set_faults(FaultConfig.from_mapping(orjson.loads(raw or b"{}")))
            except (ValueError, TypeError) as exc:
                return self._error(400, str(exc))
            return self._send(200, orjson.dumps(state.dice.config.as_dict()))
        if path == "/_sim/clock":
            try:
                as_of = datetime.fromisoformat(query["as_of"])
            except (KeyError, ValueError):
                return self._error(400, "as_of must be an ISO-8601 local time", param="as_of")
            self.server.move_clock(as_of.replace(tzinfo=None))  # type: ignore[attr-defined]
            return self._send(200, orjson.dumps({"as_of": state.world.as_of.isoformat()}))
        return self._error(404, f"no such control endpoint: {path}")

    # ---- behaviour ------------------------------------------------------------------------
    def _status_fault(self) -> bool:
        dice = self.state.dice
        if dice.roll(Fault.RATE_LIMIT_429):
            after = str(dice.config.retry_after_seconds)
            self._send(429, orjson.dumps({"error": "too many requests"}), {"Retry-After": after})
            return True
        if dice.roll(Fault.ERROR_503):
            self._error(503, "service unavailable")
            return True
        if dice.roll(Fault.ERROR_500):
            self._error(500, "internal server error")
            return True
        return False

    def _page(self, table: ServingTable, start, end, request: PageRequest) -> bytes:
        state, vendor, cur = self.state, self.state.vendor, self.state.cursor()
        window = table.window(cur, start, end)
        if request.after_rownum is not None:
            first = request.after_rownum + 1
        else:
            first = table.nth_existing(window.lo, request.offset) if window.total else 1
        first = max(first, window.lo)
        duplicate, extra, malformed = (state.dice.roll(f) for f in (Fault.DUPLICATE, Fault.EXTRA_FIELD, Fault.MALFORMED))
        if duplicate or extra or malformed:
            rows = table.rows(cur, first, window.hi, request.limit)
            last = rows[-1][0] if rows else None
            records = [text for _, text in rows]
            if rows and duplicate and first > window.lo:
                # the vendor's unstable sort repeats the tail of the previous page
                previous = table.rows(cur, max(window.lo, first - 3), first - 1, 3)
                records = [text for _, text in previous] + records
            if records and extra:
                records = [self._with_extra_field(r) for r in records]
            if records and malformed:
                index = state.dice.randint(0, len(records) - 1)
                records[index] = self._malformed(records[index])
            body = ",".join(records).encode()
        else:
            body, last = table.body(cur, first, window.hi, request.limit)
        next_token = None
        if isinstance(vendor, WardVendor) and last is not None and last < window.hi:
            next_token = vendor.token(last, state.generation)
        if last is not None and state.dice.roll(Fault.MUTATE_BETWEEN_PAGES):
            table.mutate_one(cur, last, window.hi, state.dice.randint(0, 10**6), state.world.as_of,
                             vendor.format_cursor)
        return vendor.envelope(body, window.total, request, next_token)

    def _with_extra_field(self, text: str) -> str:
        record = orjson.loads(text)
        record[self.state.vendor.extra_field] = "v2-added-by-vendor-upgrade"
        return orjson.dumps(record).decode()

    def _malformed(self, text: str) -> str:
        spec = self.state.vendor.malformation
        record = orjson.loads(text)
        options = [("date", f) for f in spec.date_fields if f in record and record[f] is not None]
        options += [("enum", f) for f in spec.enum_fields if f in record]
        options += [("type", f) for f in spec.wrong_type_fields if f in record]
        options.append(("missing_key", None))
        kind, name = self.state.dice.choice(options)
        if kind == "date":
            record[name] = spec.bad_date
        elif kind == "enum":
            record[name] = spec.enum_fields[name]
        elif kind == "type":
            record[name] = spec.wrong_type_fields[name]
        else:
            path = urlsplit(self.path).path
            record.pop(self.state.tables[path].endpoint.key, None)
        return orjson.dumps(record).decode()


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, state: SystemState, move_clock) -> None:
        handler = type(f"{state.system.name.title()}Handler", (Handler,), {"state": state})
        super().__init__((host, port), handler)
        self.move_clock = move_clock
        self.state = state

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"
