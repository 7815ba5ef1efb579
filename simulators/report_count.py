"""An independent, deliberately plain count of report figures from records in wire format.

It does not import the generator: it reads what a client would read (dossiers as the vendors
serialise them) and applies the II.06a rules (date-level comparisons) on its own. Tests and the
scenario sweep (`python -m simulators sweep`) check generated worlds with it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime


def _district_day(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y%m%d%H%M%S").date() if value else None


def _iso_day(value: str | None) -> date | None:
    return datetime.fromisoformat(value).date() if value else None


def _ii06a(rows: list[dict], start: date, end: date) -> Counter:
    """rows: dicts with received, due, finish (dates or None), channel, postal_requested/delivered."""
    c = Counter()
    for r in rows:
        received, due, finish = r["received"], r["due"], r["finish"]
        if received is None or received > end or (finish is not None and finish < start):
            continue
        if received < start:
            c["carried_over"] += 1
        else:
            c["received"] += 1
            c[{1: "direct", 2: "online", 3: "postal"}[r["channel"]]] += 1
        if finish is not None and finish <= end:
            c["resolved.total"] += 1
            kind = "on_time" if due is None or finish == due else ("early" if finish < due else "late")
            c[f"resolved.{kind}"] += 1
            c["postal_return.requested"] += r["postal_requested"]
            c["postal_return.delivered"] += r["postal_delivered"]
            c["results_online"] += r["online_return"]
        else:
            kind = "within_deadline" if due is None or due >= end else "overdue"
            c[f"in_progress.{kind}"] += 1
    c["resolved.early_or_on_time"] = c["resolved.early"] + c["resolved.on_time"]
    c["received_total"] = c["carried_over"] + c["received"]
    return c


def district_figures(dossiers: list[dict], vendor_unit: str, start: date, end: date,
                     procedure: str | None = None) -> Counter:
    mine = [d for d in dossiers if d["MaDonVi"] == vendor_unit and procedure in (None, d["MaTTHC"])]
    rows = [{
        "received": _district_day(d["NgayTiepNhan"]), "due": _district_day(d["NgayHenTra"]),
        "finish": _district_day(d["NgayKetThucXuLy"]), "channel": d["KenhThucHien"],
        "postal_requested": int(d["HinhThucTra"] == 2), "postal_delivered": int(d["TrangThaiTraBuuDien"] == 1),
        "online_return": int(d["HinhThucTra"] == 3),
    } for d in mine]
    c = _ii06a(rows, start, end)
    for d in mine:
        c["apologies"] += sum(start <= _district_day(p["NgayXinLoi"]) <= end for p in d["PhieuXinLoi"])
        rating = d["DanhGiaHaiLong"]
        if rating and start <= _district_day(rating["NgayDanhGia"]) <= end:
            c["ratings.total"] += 1
            c["ratings.satisfied"] += rating["MucDoHaiLong"] in (1, 2)
    return c


def ward_figures(dossiers: list[dict], ratings: list[dict], ward_codes: set[str], start: date, end: date,
                 procedure: str | None = None) -> Counter:
    mine = [d for d in dossiers if d["unit_code"] in ward_codes and procedure in (None, d["procedure_code"])]
    channel = {"direct": 1, "online": 2, "postal": 3}
    rows = [{
        "received": _iso_day(d["received_at"]), "due": _iso_day(d["due_at"]), "finish": _iso_day(d["finished_at"]),
        "channel": channel[d["channel"]], "postal_requested": int(d["return_method"] == "postal"),
        "online_return": int(d["return_method"] == "online"),
        "postal_delivered": int(d["postal_delivered"] is True),
    } for d in mine]
    c = _ii06a(rows, start, end)
    ids = {d["id"] for d in mine}
    for d in mine:
        c["apologies"] += sum(start <= _iso_day(a["issued_at"]) <= end for a in d["apologies"])
    for r in ratings:
        if r["dossier_id"] in ids and start <= _iso_day(r["rated_at"]) <= end:
            c["ratings.total"] += 1
            c["ratings.satisfied"] += r["satisfaction"] in ("very_satisfied", "satisfied")
    return c


def _organs_of(organs: list[dict], unit_codes: set[str]) -> set[str]:
    return {o["OrganId"] for o in organs if o["UnitCode"] in unit_codes}


def certificate_figures(certificates: list[dict], organs: list[dict], unit_codes: set[str], start: date,
                        end: date) -> Counter:
    mine = _organs_of(organs, unit_codes)
    c = Counter()
    for cert in certificates:
        if cert["OrganId"] in mine and start <= _iso_day(cert["IssuedAt"]) <= end:
            c["personal" if cert["SubjectType"] == "individual" else "organisation"] += 1
    return c


def document_figures(documents: list[dict], organs: list[dict], unit_codes: set[str], start: date,
                     end: date) -> Counter:
    mine = _organs_of(organs, unit_codes)
    c = Counter()
    for doc in documents:
        if doc["OrganId"] not in mine or not start <= date.fromisoformat(doc["IssuedDate"]) <= end:
            continue
        if doc["Direction"] != "outgoing":
            c["incoming_electronic" if doc["IsElectronic"] else "incoming_paper"] += 1
            continue
        if not doc["IsElectronic"]:
            c["outgoing_paper"] += 1
            continue
        c["outgoing_electronic"] += 1
        kinds = {s["SignatureType"] for s in doc["Signatures"]}
        key = "personal_and_organisation" if kinds == {"personal", "organisation"} else (
            "personal_only" if kinds == {"personal"} else "none")
        c[f"signed.{key}"] += 1
        c["signed.by_unit_head"] += any(s["SignatureType"] == "personal" and s["Position"] in HEAD_TITLES
                                        for s in doc["Signatures"])
    return c


HEAD_TITLES = {"Chủ tịch", "Giám đốc", "Chánh Văn phòng", "Trưởng phòng"}  # not deputies ("Phó ...")
_LEVEL = {2: "info_only", 3: "partial_online", 4: "full_online", "info": "info_only",
          "partial": "partial_online", "full": "full_online"}


def offering_figures(procedures: list[dict], units: set[str], day: date, district: bool) -> Counter:
    """Procedures the units offer on `day` by online level, from the procedure catalogue's offering rows."""
    c = Counter()
    for p in procedures:
        rows = p["DonViThucHien"] if district else p["offered_by"]
        for unit in units:
            level = None
            for r in rows:
                code, first, last = ((r["MaDonVi"], r["TuNgay"], r["DenNgay"]) if district
                                     else (r["unit_code"], r["valid_from"], r["valid_to"]))
                parse = (lambda v: datetime.strptime(v, "%Y%m%d").date()) if district else date.fromisoformat
                if code == unit and parse(first) <= day and (last is None or parse(last) >= day):
                    level = _LEVEL[r["MucDo"] if district else r["online_level"]]
            if level:
                c[level] += 1
    c["online"] = c["full_online"] + c["partial_online"]
    return c


def flatten(figures: dict, prefix: str = "") -> dict[str, int]:
    """Scenario YAML figures as dotted keys: {'resolved': {'total': 3}} -> {'resolved.total': 3}."""
    out = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            out |= flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def _records(con, table: str) -> list[dict]:
    import orjson

    return [orjson.loads(r[0]) for r in con.execute(f"select _json from {table} order by _rownum").fetchall()]


def scenario_mismatches(con, scenario) -> list[str]:
    """Every figure the scenario gives, counted here from the served records of a world (its DuckDB
    connection, serving tables as of the world's clock); returns 'key: counted != given' for each miss."""
    from simulators.scenario import DOCUMENT_KEYS, FIELD_KEYS

    start, end = scenario.period_from, scenario.period_to
    wards = set(scenario.ward_codes)
    vendor = next((u["MaDonVi"] for u in _records(con, "serve_district_one_stop__units")
                   if u["MaDVHC"] == scenario.district_code), None)
    district, ward = _records(con, "serve_district_one_stop__dossiers"), _records(con, "serve_ward_one_stop__dossiers")
    ratings = _records(con, "serve_ward_one_stop__ratings")

    def count(level: str, procedure: str | None) -> Counter:
        if level == "district":
            return district_figures(district, vendor, start, end, procedure)
        return ward_figures(ward, ratings, wards, start, end, procedure)

    wrong = []
    groups = [(f"one_stop.{level}", level, None, figures)
              for level, figures in (("district", scenario.district), ("wards", scenario.ward_level)) if figures]
    groups += [(f"procedures[{p.code}]", p.level, p.code, p.figures) for p in scenario.procedures]
    for label, level, procedure, figures in groups:
        counted = count(level, procedure)
        for name, given in vars(figures).items():
            key = FIELD_KEYS[name]
            if given is not None and counted[key] != given:
                wrong.append(f"{label}.{key}: {counted[key]} != {given}")
    organs = _records(con, "serve_dms__organs")
    if scenario.documents is not None:
        docs = document_figures(_records(con, "serve_dms__documents"), organs, wards | {scenario.unit_code}, start,
                                end)
        for name, given in vars(scenario.documents).items():
            key = DOCUMENT_KEYS[name].removeprefix("documents.")
            if given is not None and docs[key] != given:
                wrong.append(f"documents.{key}: {docs[key]} != {given}")
    for level, figures in (("district", scenario.offering_district), ("wards", scenario.offering_wards)):
        if figures is None:
            continue
        if level == "district":
            units = {vendor}
            procedures = _records(con, "serve_district_one_stop__procedures")
        else:
            units, procedures = wards, _records(con, "serve_ward_one_stop__procedures")
        offered = offering_figures(procedures, units, end, level == "district")
        for key, given in vars(figures).items():
            if given is not None and offered[key] != given:
                wrong.append(f"offering.{level}.{key}: {offered[key]} != {given}")
    if scenario.certificates_personal is not None or scenario.certificates_organisation is not None:
        certs = certificate_figures(_records(con, "serve_dms__certificates"), organs,
                                    wards | {scenario.unit_code}, start, end)
        for kind, given in (("personal", scenario.certificates_personal),
                            ("organisation", scenario.certificates_organisation)):
            if given is not None and certs[kind] != given:
                wrong.append(f"certificates.{kind}: {certs[kind]} != {given}")
    return wrong
