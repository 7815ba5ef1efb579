"""Typed configuration read from the environment.

Every knob has a documented default so `make demo` works out of the box; the defaults that are
secrets (API tokens, the pseudonymisation key) are marked DEMO and must be overridden in any real
deployment (Airflow connections / environment).

Demo mode is explicit: `CCHC_DEMO=1` (set by `make demo`, `make airflow`, `make bench` and the test
suite). Outside it, `Settings.from_env()` refuses a PII key that is unset, empty, the public DEMO
key, a placeholder or shorter than 16 characters, and the extractors refuse such source
credentials — each error names the variable, never its value. A `Settings()` built in code is the
demo configuration (demo secrets, `demo=True`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

DEMO_PII_KEY = "DEMO-ONLY-pseudonymisation-key-change-me"
DEMO_DISTRICT_TOKEN = "demo-district-token"
DEMO_WARD_API_KEY = "demo-ward-api-key"
DEMO_DMS_USER = "etl"
DEMO_DMS_PASSWORD = "demo-dms-password"
# roots of the simulators' PKI (docs/signatures.md); a deployment points CCHC_TRUST_STORE at the real roots
DEMO_TRUST_STORE = REPO_ROOT / "simulators" / "trust_store"


MIN_PII_KEY_LENGTH = 16
# DuckDB memory_limit of the warehouse build (dbt) and of the other bulk queries over it (the bench's
# reference, comparing marts): above it DuckDB spills to the temp directory instead of growing. The
# dbt profile repeats it as its fallback for dbt started without our environment (Cosmos tasks, dbt by
# hand); tests/unit/test_settings_duckdb.py holds the two equal.
DEFAULT_DUCKDB_MEMORY_LIMIT = "6GB"
_PLACEHOLDERS = {"", "changeme", "change-me", "change_me", "placeholder", "secret", "password", "todo", "xxx",
                 "none", "null", "default", "test", "example"}


class InsecureSecret(RuntimeError):
    """A secret is unset, empty, a DEMO default or a placeholder outside demo mode."""


def weakness(value: str | None, demo_values: tuple[str, ...], min_length: int = 1) -> str | None:
    """Why a secret must not be used outside demo mode, or None when it may."""
    if value is None or not value.strip():
        return "is unset or empty"
    text = value.strip()
    if text in demo_values:
        return "is the public DEMO value"
    lowered = text.lower()
    if (lowered in _PLACEHOLDERS or "change-me" in lowered or "changeme" in lowered or "demo" in lowered
            or (text.startswith("<") and text.endswith(">")) or text.startswith("${")):
        return "looks like a placeholder"
    if len(text) < min_length:
        return f"is shorter than {min_length} characters"
    return None


def _refuse(variable: str, why: str) -> InsecureSecret:
    return InsecureSecret(f"{variable} {why}: set a real secret (or CCHC_DEMO=1 for the demo with its public "
                          "secrets); refusing to start")


class SourceSystem(StrEnum):
    """The three source systems; the value is the landing-zone folder name."""

    DISTRICT = "district_one_stop"
    WARD = "ward_one_stop"
    DMS = "dms"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class SimulatorPorts:
    """Loopback ports of the three simulated source systems."""

    host: str = "127.0.0.1"
    district: int = 8701
    ward: int = 8702
    dms: int = 8703

    @classmethod
    def from_env(cls) -> SimulatorPorts:
        return cls(
            host=_env("CCHC_SIM_HOST", cls.host),
            district=int(_env("CCHC_SIM_DISTRICT_PORT", str(cls.district))),
            ward=int(_env("CCHC_SIM_WARD_PORT", str(cls.ward))),
            dms=int(_env("CCHC_SIM_DMS_PORT", str(cls.dms))),
        )

    def base_url(self, system: SourceSystem) -> str:
        port = {SourceSystem.DISTRICT: self.district, SourceSystem.WARD: self.ward, SourceSystem.DMS: self.dms}
        return f"http://{self.host}:{port[system]}"


@dataclass(frozen=True)
class SourceCredentials:
    """Credentials of the source systems (DEMO defaults; set the variables in production)."""

    district_token: str = DEMO_DISTRICT_TOKEN
    ward_api_key: str = DEMO_WARD_API_KEY
    dms_user: str = DEMO_DMS_USER
    dms_password: str = DEMO_DMS_PASSWORD

    @classmethod
    def from_env(cls) -> SourceCredentials:
        return cls(
            district_token=_env("CCHC_DISTRICT_TOKEN", cls.district_token),
            ward_api_key=_env("CCHC_WARD_API_KEY", cls.ward_api_key),
            dms_user=_env("CCHC_DMS_USER", cls.dms_user),
            dms_password=_env("CCHC_DMS_PASSWORD", cls.dms_password),
        )

    def __repr__(self) -> str:  # never print secrets, even by accident
        return "SourceCredentials(<redacted>)"

    def problems(self, system: SourceSystem) -> list[tuple[str, str]]:
        """(variable, why) for each unusable credential of one source system."""
        if system is SourceSystem.DISTRICT:
            checks = [("CCHC_DISTRICT_TOKEN", self.district_token, (DEMO_DISTRICT_TOKEN,))]
        elif system is SourceSystem.WARD:
            checks = [("CCHC_WARD_API_KEY", self.ward_api_key, (DEMO_WARD_API_KEY,))]
        else:  # the DMS user name is not a secret; only its password is checked
            checks = [("CCHC_DMS_PASSWORD", self.dms_password, (DEMO_DMS_PASSWORD,))]
        return [(name, why) for name, value, demo in checks if (why := weakness(value, demo))]


@dataclass(frozen=True)
class Settings:
    """Project settings; `Settings.from_env()` is the only place the environment is read."""

    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data")
    pii_key: str = DEMO_PII_KEY
    ports: SimulatorPorts = field(default_factory=SimulatorPorts)
    credentials: SourceCredentials = field(default_factory=SourceCredentials)
    trust_store: Path = DEMO_TRUST_STORE  # directory of trusted root certificates (PEM)
    revocation_list: Path | None = None  # CSV/JSON of (serial, revoked_at); None: the landed certificate registry
    demo: bool = True  # from_env: only with CCHC_DEMO=1; then the public DEMO secrets are accepted
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT  # CCHC_DUCKDB_MEMORY_LIMIT
    duckdb_temp_override: Path | None = None  # CCHC_DUCKDB_TEMP_DIR; None: duckdb_tmp beside the candidate

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process; outside demo mode a weak PII key stops it here (InsecureSecret)."""
        revocations = _env("CCHC_REVOCATION_LIST", "")
        demo = _env("CCHC_DEMO", "") == "1"
        if not demo and (why := weakness(os.environ.get("CCHC_PII_KEY"), (DEMO_PII_KEY,), MIN_PII_KEY_LENGTH)):
            raise _refuse("CCHC_PII_KEY", why)
        return cls(
            demo=demo,
            data_dir=Path(_env("CCHC_DATA_DIR", str(REPO_ROOT / "data"))).resolve(),
            pii_key=_env("CCHC_PII_KEY", DEMO_PII_KEY),
            ports=SimulatorPorts.from_env(),
            credentials=SourceCredentials.from_env(),
            trust_store=Path(_env("CCHC_TRUST_STORE", str(DEMO_TRUST_STORE))).resolve(),
            revocation_list=Path(revocations).resolve() if revocations else None,
            duckdb_memory_limit=_env("CCHC_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT),
            duckdb_temp_override=Path(temp).resolve() if (temp := _env("CCHC_DUCKDB_TEMP_DIR", "")) else None,
        )

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.duckdb_temp_override or self.data_dir / "warehouse" / "duckdb_tmp"

    @property
    def duckdb_config(self) -> dict[str, str]:
        """DuckDB settings of a bulk connection over the warehouse (the build's, from the same settings)."""
        return {"memory_limit": self.duckdb_memory_limit, "temp_directory": str(self.duckdb_temp_dir),
                "preserve_insertion_order": "false"}

    def require_source_secrets(self, system: SourceSystem) -> None:
        """Before talking to a source: its credentials must be real outside demo mode."""
        if self.demo:
            return
        for variable, why in self.credentials.problems(system):
            raise _refuse(f"{variable} (or the password of its Airflow connection)", why)
        if why := weakness(self.pii_key, (DEMO_PII_KEY,), MIN_PII_KEY_LENGTH):
            raise _refuse("CCHC_PII_KEY", why)

    @property
    def uses_demo_trust_store(self) -> bool:
        return self.trust_store.resolve() == DEMO_TRUST_STORE.resolve()

    def __repr__(self) -> str:
        return f"Settings(data_dir={self.data_dir!s}, ports={self.ports}, demo={self.demo}, pii_key=<redacted>)"
