"""Document management system: agencies, their certificates and e-documents with signatures.

Decree 30/2020 (art. 5, 8, 13): an e-document has the legal value of the original when signed
digitally by the competent person AND the organisation. Most outgoing e-documents here carry both
signatures; a realistic minority carry only the personal one or none, and paper ones none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cchc.calendar import WorkingCalendar
from simulators.scenario import Scenario, ScenarioError
from simulators.world import catalog
from simulators.world import lifecycle as lc


def organs(province: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    """UBND of each district with a few departments, and the UBND of each ward."""
    rows = []
    province_code = province.province_code.iloc[0]
    rows.append(("UBND " + province.province_name.iloc[0], province_code, "tinh", None))
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
    frame["position"] = rng.choice(np.array(catalog.STAFF_POSITIONS), n)
    return frame


def documents(rng, cal: WorkingCalendar, n: int, organ_frame: pd.DataFrame, certs: pd.DataFrame,
              start: np.datetime64, end: np.datetime64, scenario: Scenario | None, scenario_organs: np.ndarray,
              period: tuple | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Documents, their signatures and recipients."""
    n_org = len(organ_frame)
    organ = rng.integers(1, n_org, n)  # organ 0 is the province, which only receives here
    issued = lc.random_receipts(rng, cal, start, end, n, after_hours_share=0.0)
    outgoing = rng.random(n) < 0.55
    electronic = rng.random(n) < 0.95
    pattern = rng.choice(np.array([2, 1, 0]), n, p=[0.93, 0.05, 0.02])  # both, personal only, none
    if scenario is not None and period is not None:
        p_start, p_end = period
        day = issued.astype("datetime64[D]")
        clash = np.isin(organ, scenario_organs) & outgoing & (day >= p_start) & (day <= p_end)
        outgoing = np.where(clash, False, outgoing)
        figures = scenario.documents
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
    personal = certs[certs.kind == "individual"].groupby("organ_idx").head(2)
    org_cert = certs[certs.kind == "organisation"].drop_duplicates("organ_idx").set_index("organ_idx")
    leader_rows = personal.groupby("organ_idx").nth(0).set_index("organ_idx")
    has_personal = docs.pattern.to_numpy() >= 1
    has_org = docs.pattern.to_numpy() == 2
    signing = docs.issued.to_numpy(dtype="datetime64[s]") + np.timedelta64(300, "s")
    sig_p = pd.DataFrame({"doc_idx": docs.doc_idx[has_personal], "kind": "personal", "ordinal": 0,
                          "cert": leader_rows.serial.reindex(signer_organ[has_personal]).to_numpy(),
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
