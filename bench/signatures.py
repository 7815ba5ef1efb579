"""`python -m bench.signatures [-n 20000]`: signatures verified per second, on one core.

Builds N real signatures with the simulators' PKI (a few hundred end-entity certificates, chains
repeat as in a real DMS), then times `Verifier.verify_table` — exactly what extraction runs on each
page of document_signatures — with a cold chain cache and again warm. Verification is pure Python
over pyca/cryptography, which holds the GIL: the figure is for one core. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa


def build_signatures(n: int, certificates: int, seed: int = 7) -> tuple[pa.Table, dict]:
    from simulators.world import pki

    rng = np.random.default_rng(seed)
    issuers = [pki.GOV_ISSUER, *pki.PUBLIC_ISSUERS]
    valid_from = np.datetime64("2023-01-01T08:00:00")
    certs = []
    for i in range(certificates):
        serial = f"5403{i:012X}"
        key, chain = pki.end_entity(serial, f"Người ký {i}", "UBND mô phỏng", "individual", issuers[i % len(issuers)],
                                    valid_from, valid_from + np.timedelta64(3 * 365, "D"))
        certs.append((serial, key, chain))
    which = rng.integers(0, certificates, n)
    seconds = rng.integers(0, 300 * 86400, n)
    rows = {"ContentHash": [], "SigningTime": [], "SignatureAlgorithm": [], "SignatureValue": [],
            "CertificateChain": [], "CertificateSerial": []}
    base = datetime(2024, 1, 1)
    for i in range(n):
        serial, key, chain = certs[which[i]]
        content = pki.content_hash(f"document {i}")
        at = (base + np.timedelta64(int(seconds[i]), "s").astype(object)).strftime("%Y-%m-%dT%H:%M:%S+07:00")
        rows["ContentHash"].append(content)
        rows["SigningTime"].append(at)
        rows["SignatureAlgorithm"].append(pki.SIGNATURE_ALGORITHM)
        rows["SignatureValue"].append(pki.sign(key, content, at))
        rows["CertificateChain"].append(chain)
        rows["CertificateSerial"].append(serial)
    revoked = {int(certs[i][0], 16): datetime(2024, 6, 1, tzinfo=UTC) for i in range(0, certificates, 50)}
    return pa.table(rows), revoked


def run(n: int, certificates: int) -> dict:
    from cchc.settings import DEMO_TRUST_STORE
    from extractors import signatures

    table, revoked = build_signatures(n, certificates)
    trust = signatures.TrustStore.from_dir(DEMO_TRUST_STORE)
    figures = {}
    for label in ("cold", "warm"):
        if label == "cold":
            signatures._CHAINS.clear()
        verifier = signatures.Verifier(trust, signatures.RevocationList(revoked, "bench"))
        started = time.perf_counter()
        out = verifier.verify_table(table)
        seconds = time.perf_counter() - started
        figures[label] = {"seconds": round(seconds, 3), "signatures_per_second": round(n / seconds)}
    statuses = dict(zip(*np.unique(out[signatures.STATUS_COLUMN].to_numpy(zero_copy_only=False),
                                   return_counts=True), strict=True))
    from cryptography import __version__ as crypto_version
    from cryptography.hazmat.backends.openssl import backend

    return {
        "date": datetime.now(UTC).date().isoformat(), "signatures": n, "certificates": certificates,
        "chain_cache": figures, "statuses": {str(k): int(v) for k, v in statuses.items()},
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "cryptography": crypto_version,
                    "openssl": backend.openssl_version_text()},
        "note": "one core: pyca/cryptography holds the GIL while verifying",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.signatures", description=__doc__)
    parser.add_argument("-n", "--signatures", type=int, default=20_000)
    parser.add_argument("--certificates", type=int, default=300)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.signatures, args.certificates), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
