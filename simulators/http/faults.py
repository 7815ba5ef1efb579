"""Switchable faults, each with a rate in [0, 1], drawn from a seeded generator.

Real vendors' systems fail in these ways; extractors must survive every one of them. The rates
are per request (status faults, slowness, truncation) or per page (data faults).
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from enum import StrEnum


class Fault(StrEnum):
    ERROR_500 = "error_500"
    ERROR_503 = "error_503"
    RATE_LIMIT_429 = "rate_limit_429"
    SLOW = "slow"
    TRUNCATE = "truncate"
    DUPLICATE = "duplicate"
    MUTATE_BETWEEN_PAGES = "mutate_between_pages"
    EXTRA_FIELD = "extra_field"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class FaultConfig:
    """Fault rates (0 = never). `slow_seconds` should exceed the client's read timeout."""

    error_500: float = 0.0
    error_503: float = 0.0
    rate_limit_429: float = 0.0
    slow: float = 0.0
    truncate: float = 0.0
    duplicate: float = 0.0
    mutate_between_pages: float = 0.0
    extra_field: float = 0.0
    malformed: float = 0.0
    slow_seconds: float = 5.0
    retry_after_seconds: int = 1

    def __post_init__(self) -> None:
        for fault in Fault:
            rate = getattr(self, fault.value)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {fault.value}={rate} is outside [0, 1]")

    @classmethod
    def from_mapping(cls, values: dict[str, object]) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: type(getattr(cls, k))(v) for k, v in values.items()})

    @classmethod
    def every_fault(cls, rate: float = 0.1, slow_seconds: float = 5.0) -> FaultConfig:
        return cls(**{f.value: rate for f in Fault}, slow_seconds=slow_seconds)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class FaultDice:
    """Thread-safe, seeded decisions: the same seed and request sequence give the same faults."""

    def __init__(self, config: FaultConfig, seed: int) -> None:
        self.config = config
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {f.value: 0 for f in Fault}

    def roll(self, fault: Fault) -> bool:
        rate = getattr(self.config, fault.value)
        if rate <= 0.0:
            return False
        with self._lock:
            hit = self._rng.random() < rate
            if hit:
                self.counts[fault.value] += 1
        return hit

    def choice(self, options):
        with self._lock:
            return self._rng.choice(options)

    def randint(self, low: int, high: int) -> int:
        with self._lock:
            return self._rng.randint(low, high)
