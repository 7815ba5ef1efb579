"""Typed configuration read from the environment.

Every knob has a documented default so `make demo` works out of the box; the defaults that are
secrets (API tokens, the pseudonymisation key) are marked DEMO and must be overridden in any real
deployment (Airflow connections / environment).
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


@dataclass(frozen=True)
class Settings:
    """Project settings; `Settings.from_env()` is the only place the environment is read."""

    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data")
    pii_key: str = DEMO_PII_KEY
    ports: SimulatorPorts = field(default_factory=SimulatorPorts)
    credentials: SourceCredentials = field(default_factory=SourceCredentials)
    trust_store: Path = DEMO_TRUST_STORE  # directory of trusted root certificates (PEM)
    revocation_list: Path | None = None  # CSV/JSON of (serial, revoked_at); None: the landed certificate registry

    @classmethod
    def from_env(cls) -> Settings:
        revocations = _env("CCHC_REVOCATION_LIST", "")
        return cls(
            data_dir=Path(_env("CCHC_DATA_DIR", str(REPO_ROOT / "data"))).resolve(),
            pii_key=_env("CCHC_PII_KEY", DEMO_PII_KEY),
            ports=SimulatorPorts.from_env(),
            credentials=SourceCredentials.from_env(),
            trust_store=Path(_env("CCHC_TRUST_STORE", str(DEMO_TRUST_STORE))).resolve(),
            revocation_list=Path(revocations).resolve() if revocations else None,
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
    def uses_demo_pii_key(self) -> bool:
        return self.pii_key == DEMO_PII_KEY

    @property
    def uses_demo_trust_store(self) -> bool:
        return self.trust_store.resolve() == DEMO_TRUST_STORE.resolve()

    def __repr__(self) -> str:
        return f"Settings(data_dir={self.data_dir!s}, ports={self.ports}, pii_key=<redacted>)"
