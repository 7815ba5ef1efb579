"""Signature verification, unit level: each way a signature breaks gets the right status and reason.

Certificates come from the simulators' PKI helpers (real ECDSA P-256 keys and X.509 chains).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from cchc.settings import DEMO_TRUST_STORE
from extractors import signatures as sg
from simulators.world import pki

SIGNED_AT = "2024-03-01T09:00:00+07:00"
CONTENT = pki.content_hash("Quyết định 45/QĐ-UBND")


def certificate(serial: str, issuer: str = pki.GOV_ISSUER, valid_from: str = "2023-01-01T08:00:00",
                valid_to: str = "2026-01-01T08:00:00"):
    return pki.end_entity(serial, "Nguyễn Văn An", "UBND Phường Nhật Tân", "individual", issuer,
                          np.datetime64(valid_from), np.datetime64(valid_to))


def signed(serial: str = "5403000000000001", *, content: str = CONTENT, at: str = SIGNED_AT, **cert) -> dict:
    key, chain = certificate(serial, **cert)
    return {"content_hash": content, "signing_time": at, "algorithm": pki.SIGNATURE_ALGORITHM,
            "value": pki.sign(key, content, at), "chain_pem": chain, "serial": serial}


def verifier(revoked: dict[str, str] | None = None, trust: sg.TrustStore | None = None) -> sg.Verifier:
    revocations = sg.RevocationList({int(s, 16): sg.parse_time(t) for s, t in (revoked or {}).items()}, "test")
    return sg.Verifier(trust or sg.TrustStore.from_dir(DEMO_TRUST_STORE), revocations)


def check(signature: dict, v: sg.Verifier | None = None) -> tuple[str | None, str]:
    return (v or verifier()).verify(**signature)


def test_a_good_signature_is_valid_and_names_the_root():
    status, reason = check(signed())
    assert status == "valid" and "Root CA chuyên dùng Chính phủ" in reason
    status, _ = check(signed("5403000000000002", issuer="Viettel-CA"))
    assert status == "valid"


def test_content_changed_after_signing_is_an_invalid_signature():
    signature = signed()
    signature["content_hash"] = pki.content_hash("Quyết định 45/QĐ-UBND (sửa)")
    status, reason = check(signature)
    assert status == "invalid_signature" and "ContentHash" in reason


def test_a_moved_signing_time_is_an_invalid_signature():
    signature = signed()
    signature["signing_time"] = "2024-02-01T09:00:00+07:00"  # covered by the signature, so it cannot be moved
    assert check(signature)[0] == "invalid_signature"


def test_certificate_expired_at_signing_time():
    status, reason = check(signed(valid_from="2020-01-01T08:00:00", valid_to="2023-01-01T08:00:00"))
    assert status == "expired" and "5403000000000001" in reason and "2023-01-01T08:00:00+07:00" in reason


def test_certificate_not_yet_valid_at_signing_time():
    status, reason = check(signed(valid_from="2024-03-01T09:00:01", valid_to="2027-03-01T09:00:00"))
    assert status == "not_yet_valid" and "2024-03-01T09:00:01+07:00" in reason


def test_revoked_before_signing_but_not_after():
    signature = signed()
    status, reason = check(signature, verifier({"5403000000000001": "2024-02-15T10:00:00+07:00"}))
    assert status == "revoked" and "2024-02-15T10:00:00+07:00" in reason
    assert check(signature, verifier({"5403000000000001": "2024-03-01T09:00:01+07:00"}))[0] == "valid"


def test_issuer_not_in_the_trust_store():
    status, reason = check(signed(issuer=pki.UNTRUSTED_ISSUER))
    assert status == "untrusted_issuer" and "Unlicensed Test Root CA" in reason


def test_chain_without_its_issuing_ca_is_untrusted():
    signature = signed()
    signature["chain_pem"] = signature["chain_pem"].split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    status, reason = check(signature)
    assert status == "untrusted_issuer" and "not in the trust store" in reason


def test_a_root_with_the_right_name_but_another_key_is_not_trusted(tmp_path):
    genuine = pki.authorities()["gov_root"]
    impostor_key = pki.derive_key("impostor")
    impostor = (x509.CertificateBuilder().subject_name(genuine.certificate.subject)
                .issuer_name(genuine.certificate.subject).public_key(impostor_key.public_key()).serial_number(7)
                .not_valid_before(datetime(2010, 1, 1, tzinfo=UTC)).not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(impostor_key, hashes.SHA256()))
    (tmp_path / "root.pem").write_bytes(impostor.public_bytes(serialization.Encoding.PEM))
    status, reason = check(signed(), verifier(trust=sg.TrustStore.from_dir(tmp_path)))
    assert status == "untrusted_issuer" and "not signed by its key" in reason


def test_empty_trust_store_trusts_nothing(tmp_path):
    assert check(signed(), verifier(trust=sg.TrustStore.from_dir(tmp_path)))[0] == "untrusted_issuer"


def test_the_signature_must_be_made_with_the_named_certificate():
    other_key, _ = certificate("5403000000000009")
    signature = signed()
    signature["value"] = pki.sign(other_key, CONTENT, SIGNED_AT)
    assert check(signature)[0] == "invalid_signature"
    mismatch = signed()
    mismatch["serial"] = "5403000000000009"
    status, reason = check(mismatch)
    assert status == "invalid_signature" and "CertificateSerial" in reason


@pytest.mark.parametrize(("field", "value", "words"), [
    ("value", None, "no signature value"), ("value", "%%%not-base64", "not base64"),
    ("chain_pem", None, "no certificate chain"), ("chain_pem", "garbage", "unreadable"),
    ("content_hash", None, "ContentHash"), ("signing_time", "2024-02-30", "SigningTime"),
    ("signing_time", "2024-03-01T09:00:00", "SigningTime"), ("algorithm", "sha256WithRSAEncryption", "algorithm"),
])
def test_missing_or_malformed_parts_are_invalid_signatures(field, value, words):
    signature = signed()
    signature[field] = value
    status, reason = check(signature)
    assert status == "invalid_signature" and words in reason


def test_precedence_signature_first_then_trust_then_validity_then_revocation():
    broken = signed(issuer=pki.UNTRUSTED_ISSUER, valid_from="2020-01-01T08:00:00", valid_to="2023-01-01T08:00:00")
    assert check(broken)[0] == "untrusted_issuer"
    broken["content_hash"] = pki.content_hash("other")
    assert check(broken)[0] == "invalid_signature"
    expired_and_revoked = signed(valid_from="2020-01-01T08:00:00", valid_to="2023-01-01T08:00:00")
    assert check(expired_and_revoked, verifier({"5403000000000001": "2022-01-01T00:00:00+07:00"}))[0] == "expired"


def test_without_revocation_data_a_signature_stays_unverified():
    v = sg.Verifier(sg.TrustStore.from_dir(DEMO_TRUST_STORE), None)
    status, reason = v.verify(**signed())
    assert status is None and "no revocation data" in reason
    assert v.verify(**signed(issuer=pki.UNTRUSTED_ISSUER))[0] == "untrusted_issuer"  # still decided


def test_chain_validation_is_cached_per_chain():
    signature = signed()
    trust = sg.TrustStore.from_dir(DEMO_TRUST_STORE)
    first = sg.chain_for(signature["chain_pem"], trust)
    assert sg.chain_for(str(signature["chain_pem"]), trust) is first
    assert first.root and first.leaf_serial == 0x5403000000000001


def test_verify_table_appends_status_and_reason():
    import pyarrow as pa

    rows = [signed(), signed("5403000000000002", issuer=pki.UNTRUSTED_ISSUER)]
    table = pa.table({"ContentHash": [r["content_hash"] for r in rows], "SigningTime": [r["signing_time"] for r in rows],
                      "SignatureAlgorithm": [r["algorithm"] for r in rows],
                      "SignatureValue": [r["value"] for r in rows], "CertificateChain": [r["chain_pem"] for r in rows],
                      "CertificateSerial": [r["serial"] for r in rows]})
    out = verifier().verify_table(table)
    assert out[sg.STATUS_COLUMN].to_pylist() == ["valid", "untrusted_issuer"]
    assert all(out[sg.REASON_COLUMN].to_pylist())
    assert verifier().verify_table(table.slice(0, 0)).num_rows == 0


def test_times_compare_across_time_zones():
    # 08:59:59 in Hà Nội is 01:59:59 UTC: one second before a certificate valid from 09:00 local
    signature = signed(valid_from="2024-03-01T09:00:00", valid_to="2027-01-01T00:00:00",
                       at=(datetime(2024, 3, 1, 1, 59, 59, tzinfo=UTC)).isoformat())
    assert check(signature)[0] == "not_yet_valid"
    signature = signed(valid_from="2024-03-01T09:00:00", valid_to="2027-01-01T00:00:00",
                       at=(datetime(2024, 3, 1, 2, 0, 0, tzinfo=UTC) + timedelta(0)).isoformat())
    assert check(signature)[0] == "valid"
