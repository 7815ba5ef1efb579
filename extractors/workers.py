"""Worker processes that prepare pages (extractors/prepare.py) beside the process that fetches and lands.

Parsing and pseudonymising a page is CPU work under the GIL; in worker processes it uses the other
cores while the run receives the next page and writes the previous one. Each worker is
`python -m extractors.workers`, fed over its stdin and answering on its stdout (length-prefixed
pickles: the page's bytes in, Arrow tables out). Nothing is written to disk and the key travels only
through the pipe. A worker exits when its stdin closes — also when the run is killed, so a SIGKILL
leaves no worker behind. A worker that dies fails its page with `WorkerLost`; the run then prepares
that page itself.

Plain subprocesses rather than `multiprocessing`: a spawned multiprocessing child re-imports the
parent's main script (under Airflow, all of Airflow), and a forked one inherits the threads of the
HTTP client.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future

_HEADER = struct.Struct("<Q")


class WorkerLost(RuntimeError):
    """A worker process ended before answering."""


def _read(stream, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise EOFError
    return data


def _send(stream, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream):
    (size,) = _HEADER.unpack(_read(stream, _HEADER.size))
    return pickle.loads(_read(stream, size))


class _Worker:
    def __init__(self, tasks: queue.Queue) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen([sys.executable, "-m", "extractors.workers"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
        self.lost: WorkerLost | None = None
        self.thread = threading.Thread(target=self._serve, args=(tasks,), daemon=True, name="page-worker")
        self.thread.start()

    def _serve(self, tasks: queue.Queue) -> None:
        """Hand this worker one task at a time (the pipe I/O runs without the GIL). Once the worker is
        gone, every task this thread takes fails with WorkerLost, so no caller waits forever."""
        while True:
            task = tasks.get()
            if task is None:
                return
            future, call = task
            if not future.set_running_or_notify_cancel():
                continue
            if self.lost is not None:
                future.set_exception(self.lost)
                continue
            try:
                _send(self.process.stdin, call)
                ok, value = _receive(self.process.stdout)
            except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:  # ValueError: pipe closed
                self.lost = WorkerLost(f"page worker {self.process.pid} ended: {exc!r}")
                future.set_exception(self.lost)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def close(self) -> None:
        # The worker may already have died and broken its pipe: only reaping it is left then.
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.wait(timeout=10)


class WorkerPool:
    """N worker processes sharing one task queue; `submit(fn, *args)` returns a Future."""

    def __init__(self, workers: int) -> None:
        self.size = workers
        self._tasks: queue.Queue = queue.Queue()
        self._workers = [_Worker(self._tasks) for _ in range(workers)]

    @property
    def alive(self) -> bool:
        return all(w.lost is None and w.process.poll() is None for w in self._workers)

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        self._tasks.put((future, (fn, args)))
        return future

    def close(self) -> None:
        for _ in self._workers:
            self._tasks.put(None)
        for worker in self._workers:
            worker.close()


_pool: WorkerPool | None = None
_lock = threading.Lock()


def shared_pool(workers: int) -> WorkerPool:
    """The process's pool of `workers` page workers, started on first use and reused by later runs."""
    global _pool
    with _lock:
        if _pool is not None and (_pool.size != workers or not _pool.alive):
            _pool.close()
            _pool = None
        if _pool is None:
            _pool = WorkerPool(workers)
        return _pool


@atexit.register
def _close_shared() -> None:
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None


class _WithoutPandas:
    """A worker never needs pandas, which pyarrow imports (a quarter of a worker's start-up CPU) the first
    time it builds an array from Python objects, only to ask whether they are pandas objects; refused
    here, pyarrow carries on without it."""

    def find_spec(self, name: str, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not used by page workers")
        return None


def main() -> None:
    sys.meta_path.insert(0, _WithoutPandas())
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed by accident must not corrupt the answers
    while True:
        try:
            fn, args = _receive(stdin)
        except EOFError:
            return
        try:
            answer = (True, fn(*args))
        except Exception as exc:  # the run decides what a failed page means (retry, or prepare it itself)
            answer = (False, exc)
        _send(stdout, answer)


if __name__ == "__main__":
    main()
