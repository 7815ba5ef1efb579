"""Shared HTTP layer: timeouts, and retries with exponential backoff + jitter on transient failures.

Transient = 429 (honour Retry-After), 5xx, connection errors, timeouts, and a body cut off or
unreadable (a proxy dropping the connection mid-body). Any other 4xx is a fatal `SourceRequestError`
naming system, endpoint and status. Credentials travel only in headers and never appear in logs
or error messages.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

from extractors.config import ExtractConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


class SourceRequestError(RuntimeError):
    """A request the source refused for a reason retrying cannot fix (4xx other than 429)."""

    def __init__(self, system: str, endpoint: str, status: int, detail: str) -> None:
        super().__init__(f"{system} {endpoint}: HTTP {status}: {detail}")
        self.system, self.endpoint, self.status = system, endpoint, status


class SourceUnavailableError(RuntimeError):
    """The source kept failing transiently until the retry budget ran out."""


class CorruptResponse(Exception):
    """A 200 whose body could not be parsed: treated like a cut-off body, i.e. retried."""


class SourceClient:
    """One keep-alive HTTP client per source system."""

    def __init__(self, system: str, base_url: str, headers: dict[str, str], config: ExtractConfig,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.system = system
        self.config = config
        self._sleep = sleep
        timeout = httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s)
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
        self.retries = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def pause(self) -> None:
        """Wait the longest backoff before a page is requested again from scratch."""
        self._sleep(self.config.retry.backoff_cap_s)

    def _backoff(self, attempt: int) -> float:
        policy = self.config.retry
        return random.uniform(0, min(policy.backoff_cap_s, policy.backoff_base_s * 2**attempt))

    def get(self, path: str, params: dict, parse: Callable[[bytes], T]) -> T:
        """GET and parse, retrying transient failures; returns whatever `parse` returns."""
        policy = self.config.retry
        last: str = ""
        for attempt in range(policy.max_attempts):
            wait = self._backoff(attempt)
            try:
                response = self._client.get(path, params=params)
                status = response.status_code
                if status == 200:
                    return parse(response.content)
                if status == 429:
                    header = response.headers.get("Retry-After", "")
                    wait = min(float(header), policy.retry_after_cap_s) if header.isdigit() else wait
                    last = "HTTP 429 rate limited"
                elif status >= 500:
                    last = f"HTTP {status}"
                else:
                    detail = response.text[:200].replace("\n", " ")
                    raise SourceRequestError(self.system, path, status, detail)
            except (httpx.TimeoutException, httpx.TransportError, CorruptResponse) as exc:
                last = f"{type(exc).__name__}: {str(exc)[:120]}"
            self.retries += 1
            if attempt + 1 < policy.max_attempts:
                log.warning("%s %s attempt %d failed (%s); retrying in %.2f s", self.system, path, attempt + 1,
                            last, wait)
                self._sleep(wait)
        raise SourceUnavailableError(f"{self.system} {path}: gave up after {policy.max_attempts} attempts: {last}")
