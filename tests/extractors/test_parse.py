"""Page parsing: bad records are quarantined with a clear reason, odd-but-typed values are kept."""

import orjson

from extractors.config import MissingFieldPolicy
from extractors.parse import parse_page
from extractors.sources import DISTRICT, WARD


def body(records, **envelope):
    return orjson.dumps({"trang": 1, "soLuong": 10, "tongSo": len(records), "tongSoTrang": 1, **envelope,
                         "duLieu": records})


def full(endpoint, **values):
    """A record as the vendors send it: every declared field present, null unless given."""
    return {**dict.fromkeys(f.name for f in endpoint.record), **values}


GOOD = {**full(DISTRICT.endpoint("dossiers")), "MaHoSo": "H01.003-240105-0000001", "KenhThucHien": 2, "NgayCapNhat": "20240105083000",
        "NgayTiepNhan": "20240105083000", "QuaTrinhXuLy": [{"MaBuoc": 2, "TrangThai": 2}]}


def test_clean_page_takes_the_columnar_path():
    page = parse_page(body([GOOD]), DISTRICT, DISTRICT.endpoint("dossiers"))
    assert page.records.num_rows == 1 and page.total == 1 and not page.quarantined
    assert page.records["QuaTrinhXuLy"].to_pylist()[0][0]["MaBuoc"] == 2


def test_wrong_type_missing_key_and_non_object_are_quarantined():
    records = [GOOD, {**GOOD, "MaHoSo": "B", "KenhThucHien": "truc tuyen"}, {"KenhThucHien": 1}, 42]
    page = parse_page(body(records), DISTRICT, DISTRICT.endpoint("dossiers"))
    assert page.records["MaHoSo"].to_pylist() == [GOOD["MaHoSo"]]
    reasons = {key: reason for key, reason, _ in page.quarantined}
    assert "KenhThucHien" in reasons["B"] and "truc tuyen" in reasons["B"]
    assert reasons[None] in ("missing key field MaHoSo", "record is not a JSON object")
    assert len(page.quarantined) == 3 and page.fetched == 4


def test_bad_dates_and_unknown_codes_are_kept_for_staging_to_flag():
    odd = {**GOOD, "NgayTiepNhan": "2024-13-45 25:61", "KenhThucHien": 9}
    page = parse_page(body([odd]), DISTRICT, DISTRICT.endpoint("dossiers"))
    assert page.records["NgayTiepNhan"].to_pylist() == ["2024-13-45 25:61"] and not page.quarantined


def test_unknown_fields_are_kept_as_json_and_cursor_pages_expose_the_token():
    raw = orjson.dumps({"data": [full(WARD.endpoint("dossiers"), id="W1", updated_at="2024-01-05T08:30:00+07:00",
                                      sla="v2")],
                        "next_cursor": "abc"})
    page = parse_page(raw, WARD, WARD.endpoint("dossiers"))
    assert page.next_cursor == "abc" and orjson.loads(page.records["_extra_fields"][0].as_py()) == {"sla": "v2"}


def test_a_record_lacking_a_declared_field_is_quarantined_never_null_filled():
    lacking = {k: v for k, v in {**GOOD, "MaHoSo": "NO-CHANNEL"}.items() if k != "KenhThucHien"}
    page = parse_page(body([GOOD, lacking]), DISTRICT, DISTRICT.endpoint("dossiers"))
    assert page.records["MaHoSo"].to_pylist() == [GOOD["MaHoSo"]]
    assert [(k, r) for k, r, _ in page.quarantined] == [
        ("NO-CHANNEL", "declared field KenhThucHien is missing from the record")]


def test_a_lacking_field_is_found_where_strings_hold_quote_colon_and_its_column_has_nulls_elsewhere():
    """The absent-field test counts `":` in the body: one inside a string (always `\\":`) must not
    make up for a member missing elsewhere, nor must other records' explicit nulls."""
    tricky = {**GOOD, "MaHoSo": "TRICKY", "TenTTHC": 'he said "NgayTra": null', "KenhThucHien": None}
    lacking = {k: v for k, v in {**GOOD, "MaHoSo": "NO-CHANNEL"}.items() if k != "KenhThucHien"}
    page = parse_page(body([GOOD, tricky, lacking]), DISTRICT, DISTRICT.endpoint("dossiers"))
    assert page.records["MaHoSo"].to_pylist() == [GOOD["MaHoSo"], "TRICKY"]
    assert page.records["TenTTHC"].to_pylist()[1] == 'he said "NgayTra": null'
    assert [(k, r) for k, r, _ in page.quarantined] == [
        ("NO-CHANNEL", "declared field KenhThucHien is missing from the record")]


def test_page_policy_quarantines_the_whole_page():
    lacking = {k: v for k, v in {**GOOD, "MaHoSo": "NO-CHANNEL"}.items() if k != "KenhThucHien"}
    page = parse_page(body([GOOD, lacking]), DISTRICT, DISTRICT.endpoint("dossiers"),
                      MissingFieldPolicy.QUARANTINE_PAGE)
    assert page.records.num_rows == 0 and len(page.quarantined) == 2
    assert page.quarantined[1][1].startswith("page quarantined by policy: another record's declared field KenhThucHien")


def test_invalid_utf8_quarantines_only_its_record_naming_the_field():
    ward = WARD.endpoint("dossiers")
    clean = full(ward, id="W1", updated_at="2024-01-05T08:30:00+07:00", applicant={"full_name": "An"})
    dirty = full(ward, id="W2", updated_at="2024-01-05T08:30:00+07:00", applicant={"full_name": "Bình"})
    raw = orjson.dumps({"data": [clean, dirty], "next_cursor": None}).replace("Bình".encode(), b"B\xc3\x28nh")
    page = parse_page(raw, WARD, ward)
    assert page.records["id"].to_pylist() == ["W1"]
    assert [(k, r) for k, r, _ in page.quarantined] == [
        ("W2", "field applicant.full_name: invalid UTF-8 bytes in the source's value")]
