"""The simulated DMS breaks signatures in each documented way, and the verifier's inputs come from configuration."""

from __future__ import annotations

import json
from datetime import datetime

import orjson
import pytest

from cchc.settings import DEMO_TRUST_STORE, Settings
from extractors import signatures as sg
from simulators.world import WorldConfig, build_world, pki
from simulators.world.documents import BREAKAGE_KINDS

EXPECTED = {"content_changed": "invalid_signature", "expired": "expired", "not_yet_valid": "not_yet_valid",
            "revoked": "revoked", "untrusted_issuer": "untrusted_issuer"}


@pytest.fixture(scope="module")
def broken_world():
    return build_world(WorldConfig(dossiers=1000, documents=1200, seed=5, signature_breakage=0.5))


def served_signatures(world) -> list[tuple[dict, dict]]:
    out = []
    for (text,) in world.con.execute("select _json from serve_dms__documents").fetchall():
        doc = orjson.loads(text)
        out += [(doc, s) for s in doc["Signatures"]]
    return out


def test_every_breakage_kind_is_detected_with_its_status(broken_world, tmp_path):
    crl = broken_world.write_revocation_list(tmp_path / "revocations.csv")
    verifier = sg.Verifier(sg.TrustStore.from_dir(DEMO_TRUST_STORE), sg.RevocationList.from_file(crl))
    truth = broken_world.signature_truth().set_index("signature_id")
    seen = {}
    for doc, s in served_signatures(broken_world):
        status, reason = verifier.verify(doc["ContentHash"], s["SigningTime"], s["SignatureAlgorithm"],
                                         s["SignatureValue"], s["CertificateChain"], s["CertificateSerial"])
        row = truth.loc[s["SignatureId"]]
        assert status == row.expected_status, (s["SignatureId"], row.breakage, reason)
        if isinstance(row.breakage, str):
            seen.setdefault(row.breakage, set()).add(status)
    assert seen == {kind: {status} for kind, status in EXPECTED.items()}


def test_organisation_signature_missing_makes_documents_incomplete(broken_world):
    docs = broken_world.document_truth()
    missing = docs[docs.breakage == "organisation_missing"]
    assert len(missing) > 0 and not missing.legally_complete.any()
    kinds = broken_world.signature_truth().groupby("document_id").signature_type.agg(set)
    assert all(kinds[d] == {"personal"} for d in missing.document_id)
    assert set(docs.breakage.dropna()) == set(BREAKAGE_KINDS)


def test_breakage_share_is_configurable():
    clean = build_world(WorldConfig(dossiers=600, documents=600, seed=5, signature_breakage=0.0))
    assert clean.con.execute("select count(*) from w_document where breakage is not null").fetchone()[0] == 0
    statuses = set(clean.signature_truth().expected_status)
    assert statuses <= {"valid", "revoked"}  # only natural revocations of certificates still in use
    with pytest.raises(ValueError, match="signature_breakage"):
        build_world(WorldConfig(dossiers=300, documents=300, signature_breakage=1.5))


def test_same_seed_same_signatures():
    a, b = (build_world(WorldConfig(dossiers=400, documents=300, seed=9)) for _ in range(2))
    dump = "select string_agg(_json, '' order by _rownum) from serve_dms__documents"
    assert a.con.execute(dump).fetchone() == b.con.execute(dump).fetchone()


def test_scenario_documents_are_never_broken_on_purpose():
    from simulators.scenario import SCENARIO_DIR, load_scenario

    world = build_world(WorldConfig(scenario=load_scenario(SCENARIO_DIR / "tay-ho-2024q1.yaml"), dossiers=800,
                                    signature_breakage=0.5))
    broken = world.con.execute("""
        select count(*) from w_document d join w_organ o on o.organ_idx = d.organ_idx
        where d.breakage is not null and (d.scenario_doc or o.district_code = '003')""").fetchone()[0]
    assert broken == 0


def test_registry_lists_licensed_certificates_only(broken_world):
    served = {orjson.loads(t)["Serial"] for (t,) in broken_world.con.execute(
        "select _json from serve_dms__certificates").fetchall()}
    untrusted = {s for (s,) in broken_world.con.execute(
        "select serial from w_certificate where issuer = ?", [pki.UNTRUSTED_ISSUER]).fetchall()}
    assert untrusted and not (served & untrusted)


def test_committed_demo_trust_store_is_the_simulators_roots(tmp_path):
    written = pki.write_trust_store(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in DEMO_TRUST_STORE.glob("*.pem"))
    for path in written:
        assert path.read_text() == (DEMO_TRUST_STORE / path.name).read_text(), path.name


def test_settings_read_trust_store_and_revocation_list_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CCHC_TRUST_STORE", raising=False)
    monkeypatch.delenv("CCHC_REVOCATION_LIST", raising=False)
    default = Settings.from_env()
    assert default.uses_demo_trust_store and default.revocation_list is None
    monkeypatch.setenv("CCHC_TRUST_STORE", str(tmp_path / "roots"))
    monkeypatch.setenv("CCHC_REVOCATION_LIST", str(tmp_path / "crl.csv"))
    configured = Settings.from_env()
    assert configured.trust_store == tmp_path / "roots" and configured.revocation_list == tmp_path / "crl.csv"
    assert not configured.uses_demo_trust_store


def test_revocation_list_formats_and_errors(tmp_path):
    csv = tmp_path / "crl.csv"
    csv.write_text("serial,revoked_at\n54:03:00:00:00:00:00:01,2024-02-15T10:00:00+07:00\n0x5403000000000002,"
                   "2024-02-16 08:00:00\n")
    js = tmp_path / "crl.json"
    js.write_text(json.dumps({"revoked": [{"serial": "5403000000000001", "revoked_at": "2024-02-15T03:00:00Z"},
                                          {"serial": "5403000000000002", "revoked_at": "2024-02-16T08:00:00+07:00"}]}))
    a, b = sg.RevocationList.from_file(csv).revoked, sg.RevocationList.from_file(js).revoked
    assert a == b and a[0x5403000000000002] == datetime.fromisoformat("2024-02-16T08:00:00+07:00")
    with pytest.raises(sg.ConfigurationError, match="does not exist"):
        sg.RevocationList.from_file(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("serial,revoked_at\nXYZ,2024-01-01\n")
    with pytest.raises(sg.ConfigurationError, match="entry 1"):
        sg.RevocationList.from_file(bad)
    with pytest.raises(sg.ConfigurationError, match="not a directory"):
        sg.TrustStore.from_dir(tmp_path / "nowhere")
    assert sg.RevocationList.from_landing(tmp_path) is None
