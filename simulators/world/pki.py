"""A small PKI for the simulated document management system, with real ECDSA P-256 signatures.

Hierarchy (docs/signatures.md):

    Root CA chuyên dùng Chính phủ (simulated)   ── Cục Chứng thực số và Bảo mật thông tin  (government_ca)
    Root CA công cộng quốc gia (simulated)      ── VNPT-CA, Viettel-CA, FPT-CA             (public_ca)
    Unlicensed Test Root CA (simulated)         ── Unlicensed Test CA                      (not trusted)

Roots and issuing CAs are the same in every world — their keys are derived from fixed labels and
their certificates signed deterministically (RFC 6979) — so one demo trust store
(`simulators/trust_store/*.pem`, the two trusted roots) fits any seed. End-entity keys are derived
from the certificate serial (one key per serial, shared by every signature made with it); the
end-entity certificates carry the registry's validity and subject.

What a signature covers (the DMS contract, docs/source-contracts.md): ECDSA over
SHA-256(`<ContentHash>|<SigningTime>`), i.e. the document's content hash and the signing time
exactly as served — like the signed attributes (message digest, signing time) of a CMS signature.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from cchc.clock import VN_OFFSET

CURVE = ec.SECP256R1()
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SIGNATURE_ALGORITHM = "ecdsa-with-SHA256"
_SIGN = ec.ECDSA(Prehashed(hashes.SHA256()), deterministic_signing=True)
TRUST_STORE_DIR = Path(__file__).resolve().parent.parent / "trust_store"

GOV_ISSUER = "Cục Chứng thực số và Bảo mật thông tin (Ban Cơ yếu Chính phủ)"
PUBLIC_ISSUERS = ("VNPT-CA", "Viettel-CA", "FPT-CA")
UNTRUSTED_ISSUER = "Unlicensed Test CA"

# (id, registry name, common name, organisation, parent id or None, issuer_type, file in the trust store)
_AUTHORITIES = (
    ("gov_root", "Root CA chuyên dùng Chính phủ", "Root CA chuyên dùng Chính phủ (mô phỏng)",
     "Ban Cơ yếu Chính phủ", None, None, "gov-root.pem"),
    ("public_root", "Root CA công cộng quốc gia", "Root CA công cộng quốc gia (mô phỏng)",
     "Trung tâm Chứng thực điện tử quốc gia", None, None, "public-root.pem"),
    ("untrusted_root", "Unlicensed Test Root CA", "Unlicensed Test Root CA (mô phỏng)", "Unlicensed", None, None,
     None),
    ("gov_ca", GOV_ISSUER, "Cục Chứng thực số và Bảo mật thông tin", "Ban Cơ yếu Chính phủ", "gov_root",
     "government_ca", None),
    *((name, name, name, name, "public_root", "public_ca", None) for name in PUBLIC_ISSUERS),
    ("untrusted_ca", UNTRUSTED_ISSUER, UNTRUSTED_ISSUER, "Unlicensed", "untrusted_root", "public_ca", None),
)
_CA_NOT_BEFORE = datetime(2010, 1, 1, tzinfo=UTC)
_ROOT_NOT_AFTER = datetime(2049, 12, 31, 16, 59, 59, tzinfo=UTC)
_CA_NOT_AFTER = datetime(2044, 12, 31, 16, 59, 59, tzinfo=UTC)


def derive_key(label: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key fixed by a label (deterministic worlds; this is a simulator, not key management)."""
    scalar = int.from_bytes(hashlib.sha256(f"cchc-sim-pki:{label}".encode()).digest(), "big") % (P256_ORDER - 1)
    return ec.derive_private_key(scalar + 1, CURVE)


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(parts)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class Authority:
    id: str
    name: str  # subject common name; for issuing CAs exactly the registry's `Issuer`
    issuer_type: str | None
    trusted: bool  # chains to a root of the demo trust store
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    pem: str
    trust_store_file: str | None


@cache
def authorities() -> dict[str, Authority]:
    """Every root and issuing CA, built once per process."""
    built: dict[str, Authority] = {}
    for ident, name, cn, org, parent, issuer_type, file in _AUTHORITIES:
        key = derive_key(ident)
        subject = _name(cn, org)
        issuer = built[parent] if parent else None
        root_id = parent if parent else ident
        builder = (x509.CertificateBuilder()
                   .subject_name(subject).issuer_name(issuer.certificate.subject if issuer else subject)
                   .public_key(key.public_key())
                   .serial_number(int.from_bytes(hashlib.sha256(ident.encode()).digest()[:8], "big"))
                   .not_valid_before(_CA_NOT_BEFORE).not_valid_after(_CA_NOT_AFTER if issuer else _ROOT_NOT_AFTER)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0 if issuer else 1), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                decipher_only=False), critical=True))
        cert = builder.sign((issuer.key if issuer else key), hashes.SHA256(), ecdsa_deterministic=True)
        trusted = root_id != "untrusted_root"
        built[ident] = Authority(ident, name, issuer_type, trusted, key, cert, _pem(cert), file)
    return built


def issuing_ca(issuer_name: str) -> Authority:
    for authority in authorities().values():
        if authority.name == issuer_name and authority.issuer_type is not None:
            return authority
    raise KeyError(f"no issuing CA named {issuer_name!r} in the simulated PKI")


def write_trust_store(directory: Path) -> list[Path]:
    """Write the trusted roots (one PEM each) — what a deployment's trust store holds for the simulators."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for authority in authorities().values():
        if authority.trust_store_file:
            path = directory / authority.trust_store_file
            path.write_text(authority.pem)
            written.append(path)
    return written


def _utc(local: np.datetime64) -> datetime:
    """Vietnam local (naive datetime64[s]) → aware UTC datetime."""
    value = local.astype("datetime64[s]").astype(datetime)
    return (value - VN_OFFSET).replace(tzinfo=UTC)


@lru_cache(maxsize=8192)
def end_entity(serial: str, subject_name: str, organisation: str, subject_type: str, issuer_name: str,
               valid_from: np.datetime64, valid_to: np.datetime64) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """Key and certificate chain (PEM of the certificate, then its issuing CA) of one registry entry."""
    ca = issuing_ca(issuer_name)
    key = derive_key(f"ee:{serial}")
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(subject_name, organisation if subject_type == "individual" else None))
            .issuer_name(ca.certificate.subject).public_key(key.public_key())
            .serial_number(int(serial, 16)).not_valid_before(_utc(valid_from)).not_valid_after(_utc(valid_to))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(ca.key, hashes.SHA256(), ecdsa_deterministic=True))
    return key, _pem(cert) + ca.pem


def signed_digest(content_hash: str, signing_time: str) -> bytes:
    """What a signature covers: SHA-256 of `<ContentHash>|<SigningTime>` (both as served)."""
    return hashlib.sha256(f"{content_hash}|{signing_time}".encode()).digest()


def sign(key: ec.EllipticCurvePrivateKey, content_hash: str, signing_time: str) -> str:
    """Base64 of the DER ECDSA signature."""
    return base64.b64encode(key.sign(signed_digest(content_hash, signing_time), _SIGN)).decode()


_SIGNATURES: dict[tuple[str, str, str], str] = {}


def sign_with_serial(serial: str, key: ec.EllipticCurvePrivateKey, content_hash: str, signing_time: str) -> str:
    """`sign`, memoised per process: keys follow the serial and signing is deterministic (RFC 6979), so a
    world built again (tests, a restarted demo in the same process) does not pay for its signatures twice."""
    memo = (serial, content_hash, signing_time)
    value = _SIGNATURES.get(memo)
    if value is None:
        if len(_SIGNATURES) >= 500_000:
            _SIGNATURES.clear()
        value = _SIGNATURES[memo] = sign(key, content_hash, signing_time)
    return value


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()

