"""Document management system: agencies, their certificates and e-documents with signatures.

Decree 30/2020 (art. 5, 8, 13): an e-document has the legal value of the original when signed
digitally by the competent person AND the organisation. Most outgoing e-documents here carry both
signatures; a realistic minority carry only the personal one or none, and paper ones none.

Signatures are real (simulators/world/pki.py) and a configurable share of signed documents is broken
on purpose (`sign_documents`, kinds in BREAKAGE_KINDS); the expected verification status of every
signature is kept as ground truth (`w_signature.expected_status`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cchc.calendar import WorkingCalendar
from cchc.clock import ISO_LOCAL
from simulators.scenario import Scenario, ScenarioError
from simulators.world import catalog, pki
from simulators.world import lifecycle as lc


def organs(province: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    """UBND of each district with a few departments, and the UBND of each ward; after the 1 July 2025
    reform (no districts) the UBND of each commune, directly under the province."""
    rows = []
    province_code = province.province_code.iloc[0]
    rows.append(("UBND " + province.province_name.iloc[0], province_code, "tinh", None))
    direct = province[province.district_code.isna()]
    rows += [(f"UBND {w}", wc, "xa", None) for w, wc in zip(direct.ward_name, direct.ward_code, strict=True)]
    for code in districts:
        wards = province[province.district_code == code]
        name = wards.district_name.iloc[0]
        rows.append((f"UBND {name}", code, "huyen", code))
        rows += [(f"{dept} {name}", code, "huyen", code) for dept in catalog.DISTRICT_DEPARTMENTS]
        rows += [(f"UBND {w}", wc, "xa", code) for w, wc in zip(wards.ward_name, wards.ward_code, strict=True)]
    frame = pd.DataFrame(rows, columns=["organ_name", "unit_code", "unit_level", "district_code"])
    seq = np.arange(len(frame))
    frame["organ_id"] = [f"000.{s // 100:02d}.{s % 100:02d}.H{province_code}" for s in seq]
    return frame


def certificates(rng, organ_frame: pd.DataFrame, world_start: np.datetime64, world_end: np.datetime64,
                 scenario: Scenario | None, scenario_organs: np.ndarray, period: tuple | None) -> pd.DataFrame:
    """Registry: an organisation certificate per agency and personal ones for two leaders each."""
    n_org = len(organ_frame)
    organ_idx = np.concatenate([np.arange(n_org), np.repeat(np.arange(n_org), 2)])
    kind = np.array(["organisation"] * n_org + ["individual"] * (2 * n_org))
    leader = np.concatenate([np.full(n_org, -1), np.tile([0, 1], n_org)])
    issued = world_start.astype("datetime64[s]") - rng.integers(30, 700, organ_idx.size).astype("timedelta64[D]")
    extra = []
    if scenario is not None and period is not None:
        start, end = period
        for count, what in ((scenario.certificates_personal or 0, "individual"),
                            (scenario.certificates_organisation or 0, "organisation")):
            if count and scenario_organs.size == 0:
                raise ScenarioError(f"scenario {scenario.name}: certificates given but the unit has no agencies")
            days = (end - start).astype("int64") + 1
            at = start.astype("datetime64[s]") + rng.integers(0, days * 86400, count).astype("timedelta64[s]")
            extra.append(pd.DataFrame({"organ_idx": rng.choice(scenario_organs, count), "kind": what,
                                       "leader": np.where(what == "individual", 2, -1), "issued": at}))
    frame = pd.concat([pd.DataFrame({"organ_idx": organ_idx, "kind": kind, "leader": leader, "issued": issued}),
                       *extra], ignore_index=True)
    n = len(frame)
    frame["serial"] = [f"5403{v:012X}" for v in rng.integers(0, 2**47, n)]
    gov = rng.random(n) < 0.85
    frame["issuer_type"] = np.where(gov, "government_ca", "public_ca")
    frame["issuer"] = np.where(gov, "Cục Chứng thực số và Bảo mật thông tin (Ban Cơ yếu Chính phủ)",
                               rng.choice(np.array(["VNPT-CA", "Viettel-CA", "FPT-CA"]), n))
    frame["valid_from"] = frame.issued.to_numpy(dtype="datetime64[s]")
    frame["valid_to"] = frame.valid_from + np.timedelta64(3 * 365, "D")
    revoke = (rng.random(n) < 0.03) & (frame.leader.to_numpy() != 2)
    span = max(1, int((world_end - world_start).astype("int64")))
    revoked_at = world_start.astype("datetime64[s]") + rng.integers(0, span * 86400, n).astype("timedelta64[s]")
    frame["revoked_at"] = np.where(revoke, revoked_at, lc.NAT)
    names = rng.integers(0, 10**6, n)
    frame["subject_name"] = [
        catalog.FAMILY_NAMES[v % 20] + " " + catalog.MIDDLE_NAMES[(v // 20) % 16] + " " + catalog.GIVEN_NAMES[(v // 320) % 34]
        for v in names
    ]
    frame.loc[frame.kind == "organisation", "subject_name"] = organ_frame.organ_name.to_numpy()[
        frame.organ_idx.to_numpy()[frame.kind.to_numpy() == "organisation"]]
    frame["position"] = rng.choice(np.array(catalog.STAFF_POSITIONS), n)  # drawn, so later draws stay as they were
    head, deputy = head_titles(organ_frame.organ_name.to_numpy()[frame.organ_idx.to_numpy()])
    leader = frame.leader.to_numpy()
    frame["position"] = np.select([leader == 0, leader == 1], [head, deputy], frame.position.to_numpy())
    return frame


def head_titles(organ_names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(head, deputy) title of each agency: Chủ tịch of a People's Committee (UBND), Chánh Văn phòng of an
    office, Trưởng phòng of a department; deputies sign for the head ("KT.", Decree 30/2020 art. 13)."""
    names = pd.Series(organ_names, dtype=object)
    office, committee = names.str.startswith("Văn phòng").to_numpy(), names.str.startswith("UBND").to_numpy()
    head = np.select([committee, office], ["Chủ tịch", "Chánh Văn phòng"], "Trưởng phòng")
    deputy = np.select([committee, office], ["Phó Chủ tịch", "Phó Chánh Văn phòng"], "Phó Trưởng phòng")
    return head, deputy


def documents(rng, cal: WorkingCalendar, n: int, organ_frame: pd.DataFrame, certs: pd.DataFrame,
              start: np.datetime64, end: np.datetime64, scenario: Scenario | None, scenario_organs: np.ndarray,
              period: tuple | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Documents, their signatures and recipients."""
    n_org = len(organ_frame)
    n_background = n
    organ = rng.integers(1, n_org, n)  # organ 0 is the province, which only receives here
    issued = lc.random_receipts(rng, cal, start, end, n, after_hours_share=0.0)
    outgoing = rng.random(n) < 0.55
    electronic = rng.random(n) < 0.95
    pattern = rng.choice(np.array([2, 1, 0]), n, p=[0.93, 0.05, 0.02])  # both, personal only, none
    if scenario is not None and period is not None:
        p_start, p_end = period
        day = issued.astype("datetime64[D]")
        figures = scenario.documents
        mine = np.isin(organ, scenario_organs) & (day >= p_start) & (day <= p_end)
        if figures is not None and (figures.incoming_electronic is not None or figures.incoming_paper is not None):
            # the scenario gives both directions: the unit's agencies exchange only its documents in the period
            keep = ~mine
            organ, issued, outgoing, electronic, pattern = (a[keep] for a in (organ, issued, outgoing, electronic,
                                                                               pattern))
            n = n_background = int(keep.sum())
        else:
            outgoing = np.where(mine & outgoing, False, outgoing)
        if figures is not None:
            e = figures.outgoing_electronic or 0
            p = figures.outgoing_paper or 0
            both = figures.signed_both if figures.signed_both is not None else e - (figures.signed_personal_only or 0) - (figures.signed_none or 0)
            personal = figures.signed_personal_only or 0
            if both < 0 or both + personal + (figures.signed_none or 0) != e:
                raise ScenarioError(f"scenario {scenario.name}: documents.signed.* do not add up to outgoing_electronic")
            k = e + p
            extra_issued = lc.random_receipts(rng, cal, p_start, p_end, k, after_hours_share=0.0)
            organ = np.concatenate([organ, rng.choice(scenario_organs, k)])
            issued = np.concatenate([issued, extra_issued])
            outgoing = np.concatenate([outgoing, np.ones(k, bool)])
            electronic = np.concatenate([electronic, np.arange(k) < e])
            pattern = np.concatenate([pattern, np.where(np.arange(k) < both, 2, np.where(np.arange(k) < both + personal, 1, 0))])
            n += k
            k_in = (figures.incoming_electronic or 0) + (figures.incoming_paper or 0)
            organ = np.concatenate([organ, rng.choice(scenario_organs, k_in)])
            issued = np.concatenate([issued, lc.random_receipts(rng, cal, p_start, p_end, k_in, after_hours_share=0.0)])
            outgoing = np.concatenate([outgoing, np.zeros(k_in, bool)])
            electronic = np.concatenate([electronic, np.arange(k_in) < (figures.incoming_electronic or 0)])
            pattern = np.concatenate([pattern, np.full(k_in, 2)])
            n += k_in
    doc_type = rng.choice(np.array(catalog.DOC_TYPES), n)
    docs = pd.DataFrame({
        "doc_idx": np.arange(n), "organ_idx": organ, "issued": issued, "outgoing": outgoing,
        "electronic": electronic, "axis": outgoing & electronic & (rng.random(n) < 0.6),
        "type_name": doc_type, "number": rng.integers(1, 3000, n), "priority": rng.choice(np.array([0, 1, 2, 3]), n, p=[0.85, 0.1, 0.04, 0.01]),
        "subject": rng.choice(np.array(catalog.DOC_SUBJECTS), n),
        "pattern": np.where(electronic, np.where(outgoing, pattern, 2), 0),
    })
    docs["notation"] = docs.number.astype(str) + "/" + docs.type_name.map(catalog.DOC_NOTATION)
    docs["doc_id"] = [f"{a:08x}-{b:04x}-4{c:03x}-a{d:03x}-{e:012x}" for a, b, c, d, e in zip(
        rng.integers(0, 2**32, n), rng.integers(0, 2**16, n), rng.integers(0, 2**12, n), rng.integers(0, 2**12, n),
        rng.integers(0, 2**47, n), strict=True)]
    docs["modified"] = docs.issued.to_numpy(dtype="datetime64[s]") + np.timedelta64(900, "s")
    # signatures: personal by a leader of the issuing agency (incoming: of a sender agency), then the seal
    signer_organ = np.where(docs.outgoing, docs.organ_idx, rng.integers(0, n_org, n))
    docs["signer_organ"] = signer_organ
    docs["scenario_doc"] = np.arange(n) >= n_background
    personal = certs[certs.kind == "individual"].groupby("organ_idx").head(2)
    org_cert = certs[certs.kind == "organisation"].drop_duplicates("organ_idx").set_index("organ_idx")
    leader_rows = personal.groupby("organ_idx").nth(0).set_index("organ_idx")
    deputy_rows = personal.groupby("organ_idx").nth(1).set_index("organ_idx")
    # a deputy signs for the head ("KT.") on a quarter of the documents; a scenario's by_unit_head says how many
    by_head = (docs.number.to_numpy() % 4) != 0
    figures = scenario.documents if scenario is not None else None
    if figures is not None and figures.signed_by_unit_head is not None:
        signed_out = docs.scenario_doc.to_numpy() & docs.outgoing.to_numpy() & (docs.pattern.to_numpy() >= 1)
        rank = np.cumsum(signed_out) - 1
        by_head = np.where(signed_out, rank < figures.signed_by_unit_head, by_head)
    has_personal = docs.pattern.to_numpy() >= 1
    has_org = docs.pattern.to_numpy() == 2
    signing = docs.issued.to_numpy(dtype="datetime64[s]") + np.timedelta64(300, "s")
    sig_p = pd.DataFrame({"doc_idx": docs.doc_idx[has_personal], "kind": "personal", "ordinal": 0,
                          "cert": np.where(by_head[has_personal],
                                           leader_rows.serial.reindex(signer_organ[has_personal]).to_numpy(),
                                           deputy_rows.serial.reindex(signer_organ[has_personal]).to_numpy()),
                          "event_at": signing[has_personal]})
    sig_o = pd.DataFrame({"doc_idx": docs.doc_idx[has_org], "kind": "organisation", "ordinal": 1,
                          "cert": org_cert.serial.reindex(signer_organ[has_org]).to_numpy(),
                          "event_at": signing[has_org] + np.timedelta64(120, "s")})
    signatures = pd.concat([sig_p, sig_o], ignore_index=True)
    n_rec = rng.integers(1, 4, n)
    recipients = pd.DataFrame({"doc_idx": np.repeat(docs.doc_idx.to_numpy(), n_rec),
                               "organ_idx": rng.integers(0, n_org, int(n_rec.sum()))})
    recipients["ordinal"] = recipients.groupby("doc_idx").cumcount()
    return docs, signatures, recipients


BREAKAGE_KINDS = ("content_changed", "expired", "not_yet_valid", "revoked", "untrusted_issuer",
                  "organisation_missing")
_CERT_BREAKAGE = ("expired", "not_yet_valid", "revoked", "untrusted_issuer")
_TAMPERED = "\nĐã sửa nội dung sau khi ký"
_DAY, _HOUR = 86400, 3600
_VALIDITY = np.timedelta64(3 * 365, "D")


def _canonical(docs: pd.DataFrame, organ_frame: pd.DataFrame) -> list[str]:
    """The document content the DMS hashes (a stand-in for the PDF of the e-document)."""
    organ_ids = organ_frame.organ_id.to_numpy()[docs.organ_idx.to_numpy()]
    issued = docs.issued.to_numpy(dtype="datetime64[D]").astype(str)
    return [f"{d}\n{o}\n{n}\n{i}\n{t}\n{s}" for d, o, n, i, t, s in zip(
        docs.doc_id, organ_ids, docs.notation, issued, docs.type_name, docs.subject, strict=True)]


def _breakage_certificates(rng, targets: pd.DataFrame, certs: pd.DataFrame) -> pd.DataFrame:
    """One extra certificate per broken signature, in the way its breakage kind needs."""
    m = len(targets)
    original = certs.set_index("serial").loc[targets.cert.to_numpy()]
    signing = targets.event_at.to_numpy(dtype="datetime64[s]")
    kind = targets.breakage.to_numpy()
    near = rng.integers(_HOUR, 30 * _DAY, m).astype("timedelta64[s]")
    far = rng.integers(60 * _DAY, 700 * _DAY, m).astype("timedelta64[s]")
    valid_from = np.select([kind == "expired", kind == "not_yet_valid"],
                           [signing - near - _VALIDITY, signing + near], signing - far)
    untrusted = kind == "untrusted_issuer"
    serials = [f"54B0{v:012X}" for v in rng.integers(0, 2**47, m)]
    return pd.DataFrame({
        "organ_idx": targets.signer_organ.to_numpy(),
        "kind": np.where(targets.kind.to_numpy() == "personal", "individual", "organisation"),
        "leader": 3, "issued": valid_from, "serial": serials,
        "issuer_type": np.where(untrusted, "public_ca", original.issuer_type.to_numpy()),
        "issuer": np.where(untrusted, pki.UNTRUSTED_ISSUER, original.issuer.to_numpy()),
        "valid_from": valid_from, "valid_to": valid_from + _VALIDITY,
        "revoked_at": np.where(kind == "revoked", signing - near, lc.NAT),
        "subject_name": original.subject_name.to_numpy(), "position": original.position.to_numpy(),
        # the DMS registry only records certificates of licensed CAs
        "registered": ~untrusted,
    })


def expected_status(sigs: pd.DataFrame, docs: pd.DataFrame, certs: pd.DataFrame) -> np.ndarray:
    """Ground truth, in the verifier's order: signature, trust, validity window, revocation."""
    cert = certs.set_index("serial").loc[sigs.cert.to_numpy()]
    at = sigs.event_at.to_numpy(dtype="datetime64[s]")
    tampered = (docs.breakage.to_numpy() == "content_changed")[sigs.doc_idx.to_numpy()]
    revoked_at = cert.revoked_at.to_numpy(dtype="datetime64[s]")
    return np.select(
        [tampered, cert.issuer.to_numpy() == pki.UNTRUSTED_ISSUER, at < cert.valid_from.to_numpy(dtype="datetime64[s]"),
         at > cert.valid_to.to_numpy(dtype="datetime64[s]"), ~np.isnat(revoked_at) & (revoked_at <= at)],
        ["invalid_signature", "untrusted_issuer", "not_yet_valid", "expired", "revoked"], "valid")


def sign_documents(rng, docs: pd.DataFrame, sigs: pd.DataFrame, certs: pd.DataFrame, organ_frame: pd.DataFrame,
                   share: float, protected_organs: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Break `share` of the signed documents on purpose, then sign every signature for real.

    Documents of a scenario (and any document issued or signed by a scenario unit's agencies) are
    never broken on purpose: they reproduce a published report. Natural revocations still apply.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"signature_breakage must be in [0, 1], got {share}")
    n = len(docs)
    pattern = docs.pattern.to_numpy()
    protected = (np.isin(docs.organ_idx.to_numpy(), protected_organs)
                 | np.isin(docs.signer_organ.to_numpy(), protected_organs) | docs.scenario_doc.to_numpy())
    broken = (pattern >= 1) & ~protected & (rng.random(n) < share)
    # organisation_missing needs an organisation signature to remove
    kind_idx = np.where(pattern == 2, rng.integers(0, len(BREAKAGE_KINDS), n), rng.integers(0, len(BREAKAGE_KINDS) - 1, n))
    docs["breakage"] = np.where(broken, np.array(BREAKAGE_KINDS, dtype=object)[kind_idx], None)
    target = np.where((pattern == 2) & (rng.random(n) < 0.5), "organisation", "personal")
    canonical = _canonical(docs, organ_frame)
    docs["content_hash_signed"] = [pki.content_hash(c) for c in canonical]
    docs["content_hash"] = [pki.content_hash(c + _TAMPERED) if b == "content_changed" else h for c, b, h in zip(
        canonical, docs.breakage, docs.content_hash_signed, strict=True)]
    doc_breakage = docs.breakage.to_numpy()[sigs.doc_idx.to_numpy()]
    missing = (doc_breakage == "organisation_missing") & (sigs.kind.to_numpy() == "organisation")
    sigs = sigs[~missing].reset_index(drop=True)
    docs.loc[docs.breakage == "organisation_missing", "pattern"] = 1
    doc_breakage = docs.breakage.to_numpy()[sigs.doc_idx.to_numpy()]
    hit = np.isin(doc_breakage, _CERT_BREAKAGE) & (sigs.kind.to_numpy() == target[sigs.doc_idx.to_numpy()])
    targets = sigs[hit].assign(breakage=doc_breakage[hit],
                               signer_organ=docs.signer_organ.to_numpy()[sigs.doc_idx.to_numpy()[hit]])
    certs = certs.assign(registered=True)
    extra = _breakage_certificates(rng, targets, certs)
    if len(extra):
        certs = pd.concat([certs, extra], ignore_index=True)
        sigs.loc[hit, "cert"] = extra.serial.to_numpy()
    if certs.serial.duplicated().any():
        raise RuntimeError("certificate serials collide; change the seed")
    sigs["breakage"] = np.where(hit, doc_breakage, None)
    sigs.loc[(doc_breakage == "content_changed"), "breakage"] = "content_changed"
    sigs["expected_status"] = expected_status(sigs, docs, certs)
    # real keys, certificates and signatures: one key and chain per certificate actually used
    used = certs[certs.serial.isin(set(sigs.cert))]
    organ_names = organ_frame.organ_name.to_numpy()
    keys, chains = {}, {}
    for row in used.itertuples(index=False):
        keys[row.serial], chains[row.serial] = pki.end_entity(
            row.serial, row.subject_name, organ_names[row.organ_idx], row.kind, row.issuer,
            np.datetime64(row.valid_from, "s"), np.datetime64(row.valid_to, "s"))
    certs["chain_pem"] = certs.serial.map(chains)
    times = pd.Series(sigs.event_at.to_numpy(dtype="datetime64[s]")).dt.strftime(ISO_LOCAL)
    hashes = docs.content_hash_signed.to_numpy()[sigs.doc_idx.to_numpy()]
    sigs["signature_value"] = [pki.sign_with_serial(c, keys[c], h, t)
                               for c, h, t in zip(sigs.cert, hashes, times, strict=True)]
    return docs, sigs, certs
