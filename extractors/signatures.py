"""Verify the digital signatures of DMS e-documents before they land (docs/signatures.md).

For every signature the warehouse checks, itself, instead of trusting a flag of the source:
1. the signature value against SHA-256(`<ContentHash>|<SigningTime>`) with the key of the served
   end-entity certificate (which must be the certificate the DMS names in `CertificateSerial`);
2. the certificate chain up to a root of the configured trust store (`CCHC_TRUST_STORE`);
3. the validity window of every certificate of the chain at the signing time;
4. revocation at the signing time, from the configured revocation list (`CCHC_REVOCATION_LIST`) or,
   when none is configured, from the landed certificate registry (dms/certificates).

The first failing step decides the status: `invalid_signature`, `untrusted_issuer`,
`not_yet_valid` / `expired`, `revoked`; otherwise `valid`. With no revocation data at all a
signature that passed 1–3 is left unverified (status null, the reason says why) — the quality gate
refuses to publish unverified signatures. A failed signature never drops its document.

Chain validation is cached per (trust store, certificate chain) for the whole process, so the
per-signature work is one ECDSA verification plus a few comparisons.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from cchc.clock import VN_TZ
from cchc.landing_layout import entity_dir, has_landed, read_latest
from cchc.settings import Settings
from cchc.vocabularies import SignatureStatus as Status

log = logging.getLogger(__name__)

ECDSA_SHA256 = "ecdsa-with-SHA256"
RSA_SHA256 = "sha256WithRSAEncryption"
_ECDSA = ec.ECDSA(Prehashed(hashes.SHA256()))
_PREHASHED = Prehashed(hashes.SHA256())
_MAX_DEPTH = 6
_CACHE_LIMIT = 100_000
STATUS_COLUMN, REASON_COLUMN = "VerificationStatus", "VerificationReason"


class ConfigurationError(ValueError):
    """The trust store or the revocation list cannot be read; the message names the path."""


def signed_digest(content_hash: str, signing_time: str) -> bytes:
    """What a DMS signature covers: SHA-256 of `<ContentHash>|<SigningTime>` exactly as served."""
    return hashlib.sha256(f"{content_hash}|{signing_time}".encode()).digest()


def _cn(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def _local(value: datetime) -> str:
    return value.astimezone(VN_TZ).isoformat()


def parse_serial(text: str) -> int:
    """Certificate serial as hex text (`5403…`, `54:03:…`, optional 0x) → integer."""
    cleaned = str(text).strip().replace(":", "").replace(" ", "")
    return int(cleaned[2:] if cleaned.lower().startswith("0x") else cleaned, 16)


def parse_time(text: str) -> datetime:
    """ISO-8601; without an offset the time is Vietnam local time."""
    value = datetime.fromisoformat(str(text).strip())
    return value if value.tzinfo else value.replace(tzinfo=VN_TZ)


# ---- configuration --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrustStore:
    """Trusted root certificates, by subject."""

    roots: tuple[x509.Certificate, ...]
    source: str
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for der in sorted(r.public_bytes(serialization.Encoding.DER) for r in self.roots):
            digest.update(der)
        object.__setattr__(self, "fingerprint", digest.hexdigest()[:16])

    @classmethod
    def from_dir(cls, path: Path) -> TrustStore:
        """Every `*.pem`, `*.crt`, `*.cer` (PEM, one or more certificates each) in the directory."""
        if not path.is_dir():
            raise ConfigurationError(f"trust store {path} is not a directory (CCHC_TRUST_STORE)")
        roots = []
        for file in sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer")):
            try:
                roots += x509.load_pem_x509_certificates(file.read_bytes())
            except ValueError as exc:
                raise ConfigurationError(f"trust store file {file} is not PEM certificates: {exc}") from exc
        if not roots:
            log.warning("trust store %s holds no certificate: every signature will be untrusted_issuer", path)
        return cls(tuple(roots), str(path))

    def anchors_for(self, issuer: x509.Name) -> list[x509.Certificate]:
        return [r for r in self.roots if r.subject == issuer]


@dataclass(frozen=True)
class RevocationList:
    """Revoked certificate serials with the time of revocation (aware)."""

    revoked: dict[int, datetime]
    source: str

    @classmethod
    def from_file(cls, path: Path) -> RevocationList:
        """CSV with a header `serial,revoked_at` or JSON: a list of {serial, revoked_at} (or {"revoked": [...]})."""
        if not path.is_file():
            raise ConfigurationError(f"revocation list {path} does not exist (CCHC_REVOCATION_LIST)")
        text = path.read_text(encoding="utf-8-sig")
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(text)
                rows = data.get("revoked", []) if isinstance(data, dict) else data
            else:
                rows = list(csv.DictReader(text.splitlines()))
            revoked = {}
            for line, row in enumerate(rows, start=2):
                try:
                    revoked[parse_serial(row["serial"])] = parse_time(row["revoked_at"])
                except (KeyError, ValueError, TypeError) as exc:
                    raise ConfigurationError(f"revocation list {path}, entry {line - 1}: {exc!r}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"revocation list {path} is not JSON: {exc}") from exc
        return cls(revoked, str(path))

    @classmethod
    def from_landing(cls, landing_dir: Path) -> RevocationList | None:
        """Latest state of every landed certificate of the DMS registry; None when nothing has landed."""
        if not has_landed(landing_dir, "dms", "certificates"):
            return None
        rows = duckdb.connect().execute(f"""
            select "Serial", "RevokedAt" from (
                {read_latest(landing_dir, "dms", "certificates", "Serial", "ModifiedDate", '"Serial", "Status", "RevokedAt"')}
            ) where "Status" = 'revoked' and "RevokedAt" is not null""").fetchall()
        revoked = {}
        for serial, at in rows:
            try:
                revoked[parse_serial(serial)] = parse_time(at)
            except ValueError:
                log.warning("certificate registry: unreadable serial or RevokedAt %r %r", serial, at)
        return cls(revoked, f"landed certificate registry {entity_dir(landing_dir, 'dms', 'certificates')}")


# ---- chains -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chain:
    """What a served certificate chain establishes, independent of any one signature."""

    leaf_serial: int | None = None
    public_key: object | None = None
    error: tuple[str, str] | None = None  # (status, reason) when the chain itself fails
    windows: tuple[tuple[str, int, datetime, datetime], ...] = ()  # (name, serial, not before, not after)
    revocable: tuple[tuple[str, int], ...] = ()  # leaf and issuing CAs (roots are trusted as configured)
    root: str | None = None


def build_chain(pem: str, trust: TrustStore) -> Chain:
    try:
        certs = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        return Chain(error=(Status.INVALID_SIGNATURE, f"certificate chain unreadable: {exc}"[:300]))
    leaf = certs[0]
    try:
        key = leaf.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        return Chain(error=(Status.INVALID_SIGNATURE, f"certificate {leaf.serial_number:X}: unsupported key ({exc})"))
    path, pool, current, root = [leaf], certs[1:], leaf, None
    error = None
    while error is None and root is None:
        anchors = trust.anchors_for(current.issuer)
        anchor = next((a for a in anchors if _issued_by(current, a)), None)
        if anchor is not None:
            root = anchor
            break
        if anchors:
            error = f"{_cn(current.subject)} names trusted root {_cn(current.issuer)} but is not signed by its key"
            break
        parent = next((c for c in pool if c.subject == current.issuer), None)
        if parent is None or parent.subject == current.subject:
            top = _cn(current.issuer)
            error = f"chain ends at {top}, which is not in the trust store"
            break
        if not _issued_by(current, parent):
            error = f"{_cn(current.subject)} is not signed by the key of {_cn(parent.subject)}"
            break
        if not _is_ca(parent):
            error = f"{_cn(parent.subject)} is not a certification authority"
            break
        path.append(parent)
        pool = [c for c in pool if c is not parent]
        current = parent
        if len(path) > _MAX_DEPTH:
            error = "certificate chain too long"
    windows = tuple((_cn(c.subject), c.serial_number, c.not_valid_before_utc, c.not_valid_after_utc)
                    for c in ([*path, root] if root is not None else path))
    revocable = tuple((_cn(c.subject), c.serial_number) for c in path)
    return Chain(leaf.serial_number, key, (Status.UNTRUSTED_ISSUER, error) if error else None, windows, revocable,
                 _cn(root.subject) if root is not None else None)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


_CHAINS: dict[tuple[str, str], Chain] = {}


def chain_for(pem: str, trust: TrustStore) -> Chain:
    """Process-wide cache: chains repeat (one per certificate), so each is validated once."""
    key = (trust.fingerprint, pem)
    chain = _CHAINS.get(key)
    if chain is None:
        if len(_CHAINS) >= _CACHE_LIMIT:
            _CHAINS.clear()
        chain = _CHAINS[key] = build_chain(pem, trust)
    return chain


# ---- signatures -------------------------------------------------------------------------------------
@dataclass
class Verifier:
    trust: TrustStore
    revocations: RevocationList | None
    seconds: float = 0.0
    verified: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier:
        trust = TrustStore.from_dir(settings.trust_store)
        if settings.uses_demo_trust_store:
            log.warning("signature verification uses the DEMO trust store (simulators' roots); set CCHC_TRUST_STORE")
        if settings.revocation_list is not None:
            revocations = RevocationList.from_file(settings.revocation_list)
        else:
            revocations = RevocationList.from_landing(settings.landing_dir)
            if revocations is None:
                log.warning("no revocation data: no CCHC_REVOCATION_LIST and no landed dms/certificates; "
                            "signatures that pass the other checks stay unverified")
        return cls(trust, revocations)

    def describe(self) -> dict:
        return {"trust_store": self.trust.source, "trust_store_fingerprint": self.trust.fingerprint,
                "revocations": self.revocations.source if self.revocations else None,
                "revoked_serials": len(self.revocations.revoked) if self.revocations else None}

    def verify(self, content_hash: str | None, signing_time: str | None, algorithm: str | None,
               value: str | None, chain_pem: str | None, serial: str | None) -> tuple[str | None, str]:
        """(status, reason) of one signature; status None = not verified (no revocation data)."""
        if not value:
            return Status.INVALID_SIGNATURE, "no signature value"
        if not chain_pem:
            return Status.INVALID_SIGNATURE, "no certificate chain served with the signature"
        chain = chain_for(chain_pem, self.trust)
        if chain.error is not None and chain.error[0] == Status.INVALID_SIGNATURE:
            return chain.error
        try:
            claimed = parse_serial(serial) if serial else None
        except ValueError:
            claimed = None
        if claimed != chain.leaf_serial:
            return Status.INVALID_SIGNATURE, (f"certificate {chain.leaf_serial:X} of the chain is not the one named in "
                                       f"CertificateSerial ({serial})")
        if not content_hash or len(content_hash) != 64:
            return Status.INVALID_SIGNATURE, "document has no SHA-256 ContentHash to verify against"
        try:
            at = datetime.fromisoformat(signing_time) if signing_time else None
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            return Status.INVALID_SIGNATURE, f"SigningTime {signing_time!r} is not an ISO-8601 time with offset"
        try:
            signature = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return Status.INVALID_SIGNATURE, "signature value is not base64"
        digest = signed_digest(content_hash, signing_time)
        key = chain.public_key
        try:
            if isinstance(key, ec.EllipticCurvePublicKey) and algorithm in (None, ECDSA_SHA256):
                key.verify(signature, digest, _ECDSA)
            elif isinstance(key, rsa.RSAPublicKey) and algorithm == RSA_SHA256:
                key.verify(signature, digest, padding.PKCS1v15(), _PREHASHED)
            else:
                return Status.INVALID_SIGNATURE, f"algorithm {algorithm} does not fit the certificate's {type(key).__name__}"
        except InvalidSignature:
            return Status.INVALID_SIGNATURE, ("signature does not match ContentHash and SigningTime (content changed after "
                                       "signing, or not made with this certificate's key)")
        if chain.error is not None:
            return chain.error
        for name, number, not_before, not_after in chain.windows:
            if at < not_before:
                return Status.NOT_YET_VALID, (f"certificate {number:X} ({name}) valid from {_local(not_before)}, "
                                       f"signed at {signing_time}")
            if at > not_after:
                return Status.EXPIRED, f"certificate {number:X} ({name}) expired {_local(not_after)}, signed at {signing_time}"
        if self.revocations is None:
            return None, "not verified: no revocation data (set CCHC_REVOCATION_LIST or land dms/certificates first)"
        for name, number in chain.revocable:
            revoked_at = self.revocations.revoked.get(number)
            if revoked_at is not None and revoked_at <= at:
                return Status.REVOKED, (f"certificate {number:X} ({name}) revoked at {_local(revoked_at)}, "
                                 f"before signing at {signing_time}")
        return Status.VALID, f"valid: chain to {chain.root}; in validity and not revoked at signing time"

    def verify_table(self, table: pa.Table) -> pa.Table:
        """Append VerificationStatus and VerificationReason to landed signature rows."""
        started = time.perf_counter()
        columns = [table[name].to_pylist() if name in table.column_names else [None] * table.num_rows
                   for name in ("ContentHash", "SigningTime", "SignatureAlgorithm", "SignatureValue",
                                "CertificateChain", "CertificateSerial")]
        results = [self.verify(*row) for row in zip(*columns, strict=True)]
        table = table.append_column(STATUS_COLUMN, pa.array([r[0] for r in results], pa.string()))
        table = table.append_column(REASON_COLUMN, pa.array([r[1] for r in results], pa.string()))
        self.seconds += time.perf_counter() - started
        self.verified += table.num_rows
        return table

    def summary(self, statuses: Counter) -> dict:
        rate = self.verified / self.seconds if self.seconds else None
        return {**self.describe(), "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
                "signatures_verified": self.verified, "seconds": round(self.seconds, 3),
                "signatures_per_second": round(rate) if rate else None}
