"""The landing zone: immutable Parquet batches that become visible only when complete.

Layout: <data>/landing/<system>/<entity>/batch=<batch_id>/part-NNNNN.parquet + _manifest.json.
Each entity's batch is written under `.tmp-<uuid>/`. An endpoint's batches (the parent entity, its
child entities and its quarantine) are committed together (`commit_batches`): every manifest is
written, then one journal file `_commits/<uuid>.json` naming all of them (the commit point), then
the folders are renamed into place and the journal is deleted. A crash before the journal leaves
only invisible `.tmp-` folders; a crash after it is rolled forward by `recover_landing`, which runs
before every extraction and every build — so a multi-entity batch is visible whole or not at all.

`verify_landing` checks every visible batch against its manifest (parts, sha256, row counts,
columns and types, the declared schema, parent/child completeness) and names system, entity,
batch and file of each problem. Rejected records go to <data>/quarantine/… with a reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cchc.landing_layout import MANIFEST, batch_name, batch_parts, list_batches, part_name

EXTRACTOR_VERSION = "1.1"
GATHER_ROWS = 65_536  # rows an extraction gathers before it writes a row group (memory stays bounded)
JOURNAL_DIR = "_commits"


def checksum(path: Path) -> str:
    """sha256 of a landed part, as manifests record it (read in 1 MiB blocks: parts can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


VERIFIED = ".verified.json"  # in the landing root: sha256 of parts already verified against their manifest


class VerifiedParts:
    """Parts whose sha256 matched their manifest, keyed by path with size, mtime, ctime and inode, so each
    part is hashed once: the build's verification hashes what is new or changed and records it; the
    audit's (read-only) reuses that. Any write to a file changes its ctime, which no one can set back, so
    a part changed after it was verified is hashed again."""

    def __init__(self, landing_dir: Path) -> None:
        self.root = landing_dir
        self.path = landing_dir / VERIFIED
        try:
            self.known: dict[str, list] = json.loads(self.path.read_text()) if self.path.exists() else {}
        except (OSError, ValueError):
            self.known = {}  # an unreadable record only costs hashing again
        self.verified: dict[str, list] = {}
        self.hashed = self.reused = 0  # parts read and hashed by this verification / taken as verified

    def matches(self, part: Path, expected: str | None) -> bool:
        st = part.stat()
        name = str(part.relative_to(self.root))
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        if expected is not None and self.known.get(name) == [*stamp, expected]:
            self.verified[name] = self.known[name]
            self.reused += 1
            return True
        self.hashed += 1
        if checksum(part) != expected:
            return False
        self.verified[name] = [*stamp, expected]
        return True

    def save(self) -> None:
        """Keep what this verification found sound (parts gone since are forgotten), atomically."""
        tmp = self.path.with_name(f"{VERIFIED}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(self.verified))
        os.replace(tmp, self.path)


@contextlib.contextmanager
def landing_lock(root: Path, *, shared: bool = False) -> Iterator[None]:
    """Commits and repairs take the lock exclusively, verification shares it: a build never checks a
    batch halfway through its renames, and two commits never interleave."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def recover(entity_dir: Path) -> None:
    """Repair what a crash of a single writer left in one entity folder (no journal involved):
    drop unfinished tmp folders, restore a trashed batch whose replacement never arrived."""
    if not entity_dir.exists():
        return
    for path in entity_dir.iterdir():
        if path.name.startswith(".tmp-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".trash-"):
            _restore_or_drop_trash(entity_dir, path)


def _restore_or_drop_trash(entity_dir: Path, path: Path) -> None:
    batch_id = path.name[len(".trash-"):].rsplit("-", 1)[0]
    target = entity_dir / batch_name(batch_id)
    if target.exists():
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.rename(path, target)


def _apply(entries: list[dict]) -> None:
    """Rename every entry's tmp folder into place (idempotent: safe to repeat after a crash)."""
    for entry in entries:
        entity_dir = Path(entry["entity_dir"])
        tmp, target = entity_dir / entry["tmp"], entity_dir / entry["batch"]
        if not tmp.exists():
            continue  # already renamed by the run that crashed
        if target.exists():
            os.rename(target, entity_dir / f".trash-{entry['batch'][len('batch='):]}-{uuid.uuid4().hex[:8]}")
        os.rename(tmp, target)
    for entry in entries:
        entity_dir = Path(entry["entity_dir"])
        for trash in entity_dir.glob(f".trash-{entry['batch'][len('batch='):]}-*"):
            shutil.rmtree(trash, ignore_errors=True)


def recover_landing(*roots: Path) -> list[str]:
    """Roll forward every journalled commit, and restore legacy trashed batches; returns what was repaired.

    Unjournalled `.tmp-` folders are left alone here (a running extraction may own them; they are
    invisible to readers and removed by the next writer of that entity)."""
    repaired: list[str] = []
    for root in roots:
        if not root.exists():
            continue
        with landing_lock(root):
            for journal in sorted((root / JOURNAL_DIR).glob("*.json")):
                entries = json.loads(journal.read_text())["entries"]
                _apply(entries)
                journal.unlink()
                repaired += [f"{Path(e['entity_dir']).relative_to(Path(e['entity_dir']).parents[1])}/{e['batch']}"
                             for e in entries]
            for trash in root.glob("*/*/.trash-*"):
                _restore_or_drop_trash(trash.parent, trash)
                repaired.append(f"{trash.parent.relative_to(root)}/{trash.name}")
    return repaired


_landing_pool: ThreadPoolExecutor | None = None


def _landing_thread() -> ThreadPoolExecutor:
    """One thread writes the row groups of every gathering writer, in the order they were handed over."""
    global _landing_pool
    if _landing_pool is None:
        _landing_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing")
    return _landing_pool


@dataclass
class BatchWriter:
    """Parts and manifest of one entity's batch, under a temporary folder until committed."""

    root: Path  # <data>/landing or <data>/quarantine
    system: str
    entity: str
    batch_id: str
    parts: list[Path] = field(default_factory=list)
    rows: int = 0
    journalled: bool = False  # past the commit point: the folder belongs to the journal, never aborted
    journal_root: Path | None = None  # where the commit journal lives (default: root)
    gather_rows: int | None = None  # None: a part per `write`; else rows gathered per row group of one part

    def __post_init__(self) -> None:
        self.entity_dir = self.root / self.system / self.entity
        self.entity_dir.mkdir(parents=True, exist_ok=True)
        self.journal_root = self.journal_root or self.root
        recover_landing(self.journal_root)  # a journalled commit is finished before its tmp folders could go
        recover(self.entity_dir)
        self.tmp = self.entity_dir / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir()
        self.schema: pa.Schema | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._writing: Future | None = None

    @property
    def target(self) -> Path:
        return self.entity_dir / batch_name(self.batch_id)

    def write(self, table: pa.Table) -> None:
        """Add rows to the batch: a part of their own, or — `gather_rows` set — gathered into row groups of
        that many rows of one part file (a part per page made hundreds of small files, slower to scan,
        and paid the file's overhead per page); `close` completes the part."""
        if table.num_rows == 0:
            return
        if self.schema is None:
            self.schema = table.schema
        elif table.schema != self.schema:
            table = table.cast(self.schema)
        self._pending.append(table)
        self._pending_rows += table.num_rows
        self.rows += table.num_rows
        if self.gather_rows is None:
            self.close()
        elif self._pending_rows >= self.gather_rows:
            self._flush(background=True)

    def _flush(self, background: bool = False) -> None:
        """Write the gathered rows as one row group. In the background (a gathering writer), the row
        group is compressed and written by the landing thread — without the GIL — while the run goes on
        fetching; at most one row group per writer is in flight, and `close` waits for it."""
        self._wait()
        if not self._pending:
            return
        if self._writer is None:
            path = self.tmp / part_name(len(self.parts))
            self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")
            self.parts.append(path)
        table, rows = pa.concat_tables(self._pending), self._pending_rows
        self._pending, self._pending_rows = [], 0
        if background:
            self._writing = _landing_thread().submit(self._writer.write_table, table, row_group_size=rows)
        else:
            self._writer.write_table(table, row_group_size=rows)

    def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()  # a failed write (disk full) fails the batch here, before anything is committed

    def close(self) -> None:
        """Write what is gathered and complete the open part (before it is read, hashed or committed)."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def replace_parts(self, table: pa.Table) -> None:
        """Swap all parts for one table (used after de-duplication)."""
        self.close()
        for part in self.parts:
            part.unlink()
        self.parts, self.rows, self.schema = [], 0, None
        self.write(table)
        self.close()

    def manifest_base(self) -> dict:
        self.close()
        return {
            "batch_id": self.batch_id, "system": self.system, "entity": self.entity,
            "parts": [p.name for p in self.parts],
            "checksum": {p.name: checksum(p) for p in self.parts},
            "rows": {p.name: pq.ParquetFile(p).metadata.num_rows for p in self.parts},
            "schema": {f.name: str(f.type) for f in self.schema} if self.schema else {},
            "extractor_version": EXTRACTOR_VERSION,
        }

    def write_manifest(self, manifest: dict) -> None:
        _fsync_write(self.tmp / MANIFEST, json.dumps({**self.manifest_base(), **manifest}, indent=2,
                                                     ensure_ascii=False))

    def commit(self, manifest: dict) -> Path:
        commit_batches(self.root, [(self, manifest)])
        return self.target

    def abort(self) -> None:
        self._pending = []
        with contextlib.suppress(OSError, pa.ArrowException):
            self._wait()
        if self._writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                self._writer.close()
            self._writer = None
        if not self.journalled:
            shutil.rmtree(self.tmp, ignore_errors=True)


def commit_batches(journal_root: Path, batches: list[tuple[BatchWriter, dict]], _after_journal=None) -> None:
    """Make several entities' batches visible together: manifests, then the journal, then the renames."""
    for writer, manifest in batches:
        writer.write_manifest(manifest)
    entries = [{"entity_dir": str(w.entity_dir), "tmp": w.tmp.name, "batch": w.target.name} for w, _ in batches]
    with landing_lock(journal_root):
        journal_dir = journal_root / JOURNAL_DIR
        journal_dir.mkdir(parents=True, exist_ok=True)
        journal = journal_dir / f"{uuid.uuid4().hex}.json"
        _fsync_write(journal, json.dumps({"entries": entries}))  # the commit point
        for writer, _ in batches:
            writer.journalled = True
        if _after_journal:  # tests: a crash between the commit point and the renames
            _after_journal(entries)
        _apply(entries)
        journal.unlink()


# ---- verification ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LandingProblem:
    system: str
    entity: str
    batch: str  # batch id (without `batch=`)
    file: str | None
    problem: str

    def describe(self) -> str:
        where = f"{self.system}/{self.entity} batch={self.batch}" + (f" file {self.file}" if self.file else "")
        return f"{where}: {self.problem}"


class LandingDamaged(RuntimeError):
    """Visible landing batches do not match their manifests; nothing may be built or published from them."""

    def __init__(self, problems: list[LandingProblem]) -> None:
        self.problems = problems
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"landing zone damaged: {problems[0].describe()}{more}\n"
                         + "\n".join("  " + p.describe() for p in problems[:50]))


Declared = dict[str, str]  # column -> Arrow type as text


def verify_landing(landing_dir: Path, declared: dict[tuple[str, str], Declared] | None = None, *,
                   record: bool = False, stats: dict | None = None) -> list[LandingProblem]:
    """Every visible batch against its manifest and the declared columns; [] when the zone is sound.

    Parts verified before and unchanged since are not hashed again (`VerifiedParts`); with `record`
    (the build's verification) what is found sound is recorded for the next ones. `stats` receives
    how many parts were hashed and how many were reused."""
    problems: list[LandingProblem] = []
    if not landing_dir.exists():
        return problems
    with landing_lock(landing_dir, shared=True):
        parts = VerifiedParts(landing_dir)
        manifests: dict[tuple[str, str, str], dict] = {}
        for batch_dir in list_batches(landing_dir):
            system, entity, batch = batch_dir.parent.parent.name, batch_dir.parent.name, batch_dir.name[6:]
            found, manifest = _verify_batch(batch_dir, system, entity, batch, (declared or {}).get((system, entity)),
                                            parts)
            problems += found
            if manifest is not None:
                manifests[(system, entity, batch)] = manifest
        problems += _verify_families(manifests)
        if record:
            parts.save()
    if stats is not None:
        stats.update(hashed=parts.hashed, reused=parts.reused)
    return problems


def _verify_batch(batch_dir: Path, system: str, entity: str, batch: str, declared: Declared | None,
                  parts: VerifiedParts) -> tuple[list[LandingProblem], dict | None]:
    def problem(text: str, file: str | None = None) -> LandingProblem:
        return LandingProblem(system, entity, batch, file, text)

    on_disk = [p.name for p in batch_parts(batch_dir)]
    path = batch_dir / MANIFEST
    if not path.exists():
        return [problem(f"no {MANIFEST}: {len(on_disk)} part(s) visible without a manifest")], None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [problem(f"manifest unreadable: {exc}", MANIFEST)], None
    found = []
    if manifest.get("batch_id") != batch:
        found.append(problem(f"manifest is for batch {manifest.get('batch_id')!r}", MANIFEST))
    listed = list(manifest.get("parts", []))
    found += [problem("part listed in the manifest is missing", n) for n in listed if n not in on_disk]
    found += [problem("part is not listed in the manifest", n) for n in on_disk if n not in listed]
    sums, schema = manifest.get("checksum", {}), manifest.get("schema", {})
    rows = 0
    for name in (n for n in listed if n in on_disk):
        part = batch_dir / name
        if not parts.matches(part, sums.get(name)):
            found.append(problem("sha256 differs from the manifest: the file changed after it was landed", name))
            continue
        try:
            meta = pq.ParquetFile(part)
        except (OSError, pa.ArrowException) as exc:
            found.append(problem(f"unreadable Parquet: {exc}", name))
            continue
        rows += meta.metadata.num_rows
        actual = {f.name: str(f.type) for f in meta.schema_arrow}
        found += [problem(p, name) for p in _column_problems(actual, schema, "the manifest")]
        if declared:
            found += [problem(p, name) for p in _column_problems(actual, declared, "the declared schema",
                                                                 extra_allowed=True)]
    written = (manifest.get("counts") or {}).get("written")
    if written is not None and not any(p.problem.startswith(("sha256", "part", "unreadable")) for p in found) \
            and rows != written:
        found.append(problem(f"{rows} rows in the parts, the manifest says {written} written"))
    return found, manifest


def _column_problems(actual: Declared, expected: Declared, against: str, extra_allowed: bool = False) -> list[str]:
    found = [f"column {c} ({t}) is missing (required by {against})" for c, t in expected.items() if c not in actual]
    found += [f"column {c} is {actual[c]}, {against} says {t}" for c, t in expected.items()
              if c in actual and actual[c] != t]
    if not extra_allowed:
        found += [f"column {c} ({t}) is not in {against}" for c, t in actual.items() if c not in expected]
    return found


def _verify_families(manifests: dict[tuple[str, str, str], dict]) -> list[LandingProblem]:
    """A parent batch and its child batches (same window) exist together, with the counts it declared."""
    found = []
    for (system, entity, batch), manifest in manifests.items():
        for child, expected in (manifest.get("children") or {}).items():
            child_manifest = manifests.get((system, child, batch))
            if child_manifest is None and expected:
                found.append(LandingProblem(system, child, batch, None,
                                            f"batch missing: parent {entity} batch declares {expected} rows"))
            elif child_manifest is not None and (child_manifest.get("counts") or {}).get("written") != expected:
                found.append(LandingProblem(system, child, batch, MANIFEST,
                                            f"{child_manifest['counts'].get('written')} rows written, parent "
                                            f"{entity} batch declares {expected}"))
        parent = manifest.get("parent_entity")
        if parent and (system, parent, batch) not in manifests:
            found.append(LandingProblem(system, entity, batch, None,
                                        f"orphan child batch: no {parent} batch for this window"))
    return found
