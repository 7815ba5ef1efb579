"""A real Airflow on one machine: scheduler, DAG processor, API server and triggerer on SQLite with the
LocalExecutor (what `airflow standalone` starts), driven over the REST API.

Used by `make airflow` (environment only), `make demo`, the scheduler test and the scheduler benchmark.
Every instance lives in its own AIRFLOW_HOME with its own ports and its own Cosmos cache, so several
checkouts (or a test next to a demo) can run side by side.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cchc.settings import REPO_ROOT, Settings

VENV_BIN = Path(sys.executable).parent
COMPONENTS = ("scheduler", "dag-processor", "api-server", "triggerer")
ADMIN = "admin"
TERMINAL = {"success", "failed"}


@dataclass(frozen=True)
class AirflowPorts:
    """The UI/API port (the one a user chooses) and the two log-server ports a second instance must move."""

    api: int = 8080
    worker_logs: int = 8793
    trigger_logs: int = 8794

    @classmethod
    def from_env(cls) -> AirflowPorts:
        # AIRFLOW_PORT is the documented knob (Makefile, README); the log servers default next to Airflow's own
        return cls(api=int(os.environ.get("AIRFLOW_PORT", cls.api)),
                   worker_logs=int(os.environ.get("AIRFLOW_WORKER_LOG_PORT", cls.worker_logs)),
                   trigger_logs=int(os.environ.get("AIRFLOW_TRIGGER_LOG_PORT", cls.trigger_logs)))


def airflow_env(settings: Settings, ports: AirflowPorts | None = None, home: Path | None = None) -> dict[str, str]:
    """Environment of every Airflow process of this checkout (components, CLI calls, tasks)."""
    creds, sims = settings.credentials, settings.ports
    ports = ports or AirflowPorts.from_env()
    home = home or settings.data_dir / "airflow"
    base_url = f"http://localhost:{ports.api}"
    return {
        **os.environ,
        # one signing key per Airflow home, long enough for HS512 (the generated default is 24 bytes and
        # every task start warns about it)
        "AIRFLOW__API_AUTH__JWT_SECRET": _home_secret(home, "jwt_secret"),
        # `airflow standalone` and the LocalExecutor start their parts as `airflow` from PATH
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        # naive datetimes (CLI arguments) are Vietnam time, like the DAGs' schedules
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        # tasks report to the execution API of THIS instance: both must follow the port
        "AIRFLOW__API__PORT": str(ports.api),
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(ports.worker_logs),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(ports.trigger_logs),
        # Cosmos would otherwise share /tmp/cosmos/<dag> with every checkout on the machine
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos_cache"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # a new DAG file is picked up in seconds, not the default 5 minutes
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "30",
        "CCHC_DATA_DIR": str(settings.data_dir),
        "AIRFLOW_CONN_CCHC_DISTRICT_ONE_STOP": f"http://:{creds.district_token}@{sims.host}:{sims.district}",
        "AIRFLOW_CONN_CCHC_WARD_ONE_STOP": f"http://:{creds.ward_api_key}@{sims.host}:{sims.ward}",
        "AIRFLOW_CONN_CCHC_DMS": f"http://{creds.dms_user}:{creds.dms_password}@{sims.host}:{sims.dms}",
    }


def _home_secret(home: Path, name: str) -> str:
    path = home / name
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text()


def password_file(env: dict[str, str]) -> Path:
    return Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"


def ensure_admin_password(env: dict[str, str]) -> str:
    """The admin password: AIRFLOW_ADMIN_PASSWORD if set, else one generated once per Airflow home."""
    path = password_file(env)
    wanted = env.get("AIRFLOW_ADMIN_PASSWORD")
    current = json.loads(path.read_text()).get(ADMIN) if path.exists() else None
    password = wanted or current or secrets.token_urlsafe(12)
    if password != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({ADMIN: password}))
        path.chmod(0o600)
    return password


def airflow_cli(env: dict[str, str], *args: str, log: Path) -> None:
    with log.open("a") as out:
        proc = subprocess.run([str(VENV_BIN / "airflow"), *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SystemExit(f"airflow {' '.join(args)} failed (exit {proc.returncode}); see {log}")


def prepare_home(env: dict[str, str], log: Path) -> None:
    """Metadata database (SQLite in AIRFLOW_HOME) and the one-slot writer pool."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    airflow_cli(env, "db", "migrate", log=log)
    airflow_cli(env, "pools", "set", "duckdb_writer", "1", "one writer of the build DuckDB file", log=log)


@dataclass
class TaskState:
    task_id: str
    state: str | None
    seconds: float | None
    try_number: int


@dataclass
class LocalAirflow:
    """Start the components, talk to the REST API, stop what was started (and only that)."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    token: str | None = None

    @property
    def base_url(self) -> str:
        return self.env["AIRFLOW__API__BASE_URL"]

    def start(self, timeout: float = 180) -> LocalAirflow:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        password = ensure_admin_password(self.env)
        for name in COMPONENTS:
            out = (self.log_dir / f"{name}.log").open("a")
            self.processes[name] = subprocess.Popen([str(VENV_BIN / "airflow"), name], env=self.env, stdout=out,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                self.token = self._login(password)
                return self
            except (urllib.error.URLError, ConnectionError) as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Airflow API not up on {self.base_url} after {timeout} s; "
                                       f"see {self.log_dir}") from error
                time.sleep(1)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()

    def __enter__(self) -> LocalAirflow:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"airflow {name} exited with {proc.returncode}; see {self.log_dir / name}.log")

    def _login(self, password: str) -> str:
        body = json.dumps({"username": ADMIN, "password": password}).encode()
        request = urllib.request.Request(f"{self.base_url}/auth/token", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["access_token"]

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/api/v2{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: HTTP {error.code} {error.read()[:500]!r}") from error

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 300) -> None:
        """Until the DAG processor has parsed every DAG (they show up in the API)."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            known = {d["dag_id"] for d in self.api("GET", "/dags?limit=100")["dags"]}
            if set(dag_ids) <= known:
                return
            errors = self.api("GET", "/importErrors")["import_errors"]
            if errors:
                raise RuntimeError(f"DAG import errors: {errors}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAGs {sorted(set(dag_ids) - known)} not parsed after {timeout} s")
            time.sleep(2)

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.api("PATCH", f"/dags/{dag_id}", {"is_paused": paused})

    def trigger(self, dag_id: str, conf: dict | None = None, logical_date: str | None = None,
                data_interval: tuple[str, str] | None = None) -> str:
        body = {"conf": conf or {}, "logical_date": logical_date}
        if data_interval:
            body |= {"data_interval_start": data_interval[0], "data_interval_end": data_interval[1]}
        return self.api("POST", f"/dags/{dag_id}/dagRuns", body)["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")

    def tasks(self, dag_id: str, run_id: str) -> list[TaskState]:
        items = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")["task_instances"]
        return [TaskState(t["task_id"], t["state"], t.get("duration"), t.get("try_number") or 0) for t in items]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value"):
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}?deserialize=true"
        return self.api("GET", path)["value"]

    def clear_failed(self, dag_id: str, run_id: str) -> None:
        """Re-run the failed tasks of a run (what "Clear failed" in the UI does)."""
        self.api("POST", f"/dags/{dag_id}/clearTaskInstances",
                 {"dag_run_id": run_id, "only_failed": True, "dry_run": False, "reset_dag_runs": True})

    def wait(self, dag_id: str, run_id: str, timeout: float = 1800,
             on_progress: Callable[[list[TaskState]], None] | None = None) -> str:
        """Poll the run until it ends; returns its final state ('success' or 'failed')."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            state = self.run(dag_id, run_id)["state"]
            if on_progress:
                on_progress(self.tasks(dag_id, run_id))
            if state in TERMINAL:
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} {run_id} still {state} after {timeout} s")
            time.sleep(1)


def standalone(settings: Settings | None = None) -> None:
    """`make airflow`: prepare this checkout's Airflow home, say where the login is, exec `airflow standalone`."""
    settings = settings or Settings.from_env()
    env = airflow_env(settings)
    home = Path(env["AIRFLOW_HOME"])
    prepare_home(env, home / "prepare.log")
    ensure_admin_password(env)
    print(f"Airflow UI: {env['AIRFLOW__API__BASE_URL']}  (user {ADMIN}; password in {password_file(env)}, "
          "or set AIRFLOW_ADMIN_PASSWORD)", flush=True)
    print("Times in the UI follow your browser; pick Asia/Ho_Chi_Minh in the user menu → Timezone.", flush=True)
    os.execvpe(str(VENV_BIN / "airflow"), ["airflow", "standalone"], env)


if __name__ == "__main__":
    standalone()
