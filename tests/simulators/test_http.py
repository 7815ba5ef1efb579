"""The three vendor APIs over a small world: paging, filters, auth, errors and every fault."""

from __future__ import annotations

import base64

import httpx
import orjson
import pytest

from cchc.settings import SourceCredentials, SourceSystem
from simulators.http.faults import FaultConfig

CREDS = SourceCredentials()
N = 1234  # records per endpoint in the fake world


def auth_headers(system: SourceSystem) -> dict[str, str]:
    if system is SourceSystem.DISTRICT:
        return {"Authorization": f"Bearer {CREDS.district_token}"}
    if system is SourceSystem.WARD:
        return {"X-API-Key": CREDS.ward_api_key}
    token = base64.b64encode(f"{CREDS.dms_user}:{CREDS.dms_password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def fetch_all(cluster, system: SourceSystem, path: str, size: int, params: dict | None = None,
              client: httpx.Client | None = None) -> tuple[list[dict], list[dict]]:
    """Page through one endpoint in its vendor's style; returns (records, envelopes)."""
    client = client or httpx.Client(timeout=10)
    base, headers, params = cluster.base_url(system), auth_headers(system), dict(params or {})
    records, envelopes, page, offset, cursor = [], [], 1, 0, None
    while True:
        if system is SourceSystem.DISTRICT:
            query = {**params, "trang": page, "soLuong": size}
        elif system is SourceSystem.WARD:
            query = {**params, "limit": size, **({"cursor": cursor} if cursor else {})}
        else:
            query = {**params, "offset": offset, "limit": size}
        response = client.get(base + path, params=query, headers=headers)
        response.raise_for_status()
        body = response.json()
        envelopes.append(body)
        if system is SourceSystem.DISTRICT:
            records += body["duLieu"]
            if page >= body["tongSoTrang"]:
                return records, envelopes
            page += 1
        elif system is SourceSystem.WARD:
            records += body["data"]
            cursor = body["next_cursor"]
            if cursor is None:
                return records, envelopes
        else:
            records += body["items"]
            offset += size
            if offset >= body["total"]:
                return records, envelopes


STYLES = [
    (SourceSystem.DISTRICT, "/api/v1/hoso", "MaHoSo"),
    (SourceSystem.WARD, "/v2/dossiers", "id"),
    (SourceSystem.DMS, "/dms/api/documents", "DocId"),
]


@pytest.mark.parametrize(("system", "path", "key"), STYLES)
def test_every_record_exactly_once(fake_cluster, system, path, key):
    records, envelopes = fetch_all(fake_cluster, system, path, size=100)
    keys = [r[key] for r in records]
    assert len(keys) == N and len(set(keys)) == N
    if system is SourceSystem.DISTRICT:
        assert envelopes[0]["tongSo"] == N and envelopes[0]["tongSoTrang"] == 13


def test_window_filters_are_half_open(fake_cluster):
    # records are born one a minute from 2024-01-01 00:00; [00:10, 00:20) holds ten of them
    d, _ = fetch_all(fake_cluster, SourceSystem.DISTRICT, "/api/v1/hoso", 3,
                     {"tuNgay": "20240101001000", "denNgay": "20240101002000"})
    w, _ = fetch_all(fake_cluster, SourceSystem.WARD, "/v2/dossiers", 3,
                     {"updated_after": "2024-01-01T00:10:00+07:00", "updated_before": "2024-01-01T00:20:00+07:00"})
    m, _ = fetch_all(fake_cluster, SourceSystem.DMS, "/dms/api/documents", 3,
                     {"modifiedSince": "2023-12-31T17:10:00+00:00", "modifiedUntil": "2024-01-01T00:20:00+07:00"})
    for records, key in ((d, "MaHoSo"), (w, "id"), (m, "DocId")):
        assert [r["value"] for r in records] == list(range(10, 20)), key


@pytest.mark.parametrize(("system", "path", "key"), STYLES)
def test_credentials_required(fake_cluster, system, path, key):
    url = fake_cluster.base_url(system) + path
    assert httpx.get(url).status_code == 401
    wrong = {k: v + "x" for k, v in auth_headers(system).items()}
    assert httpx.get(url, headers=wrong).status_code == 401
    assert httpx.get(url, headers=auth_headers(system)).status_code == 200


def test_bad_parameters_name_the_parameter(fake_cluster):
    url = fake_cluster.base_url(SourceSystem.DISTRICT) + "/api/v1/hoso"
    response = httpx.get(url, params={"tuNgay": "2024-01-01"}, headers=auth_headers(SourceSystem.DISTRICT))
    assert response.status_code == 400 and response.json()["param"] == "tuNgay"
    response = httpx.get(url, params={"soLuong": "99999"}, headers=auth_headers(SourceSystem.DISTRICT))
    assert response.status_code == 400 and response.json()["param"] == "soLuong"
    url = fake_cluster.base_url(SourceSystem.WARD) + "/v2/dossiers"
    response = httpx.get(url, params={"cursor": "garbage!"}, headers=auth_headers(SourceSystem.WARD))
    assert response.status_code == 400 and response.json()["param"] == "cursor"


def _one(fake_cluster, system=SourceSystem.DISTRICT, path="/api/v1/hoso", timeout=10.0, **params):
    return httpx.get(fake_cluster.base_url(system) + path, params=params or None,
                     headers=auth_headers(system), timeout=timeout)


@pytest.mark.parametrize(("fault", "status"), [("error_500", 500), ("error_503", 503), ("rate_limit_429", 429)])
def test_status_faults(fake_cluster, fault, status):
    fake_cluster.set_faults(FaultConfig(**{fault: 1.0}, retry_after_seconds=3))
    response = _one(fake_cluster)
    assert response.status_code == status
    if status == 429:
        assert response.headers["Retry-After"] == "3"


def test_slow_responses_exceed_client_timeout(fake_cluster):
    fake_cluster.set_faults(FaultConfig(slow=1.0, slow_seconds=1.5))
    with pytest.raises(httpx.ReadTimeout):
        _one(fake_cluster, timeout=0.5)


def test_truncated_body_is_cut_mid_stream(fake_cluster):
    fake_cluster.set_faults(FaultConfig(truncate=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        _one(fake_cluster)


def test_duplicates_across_pages(fake_cluster):
    fake_cluster.set_faults(FaultConfig(duplicate=1.0))
    records, _ = fetch_all(fake_cluster, SourceSystem.DMS, "/dms/api/documents", 100)
    keys = [r["DocId"] for r in records]
    assert len(set(keys)) == N and len(keys) > N


def test_record_changed_between_pages_moves_out_of_the_window(fake_cluster):
    fake_cluster.set_faults(FaultConfig(mutate_between_pages=1.0))
    end = "20240101200000"  # everything is older than this; moved records get newer cursors
    records, envelopes = fetch_all(fake_cluster, SourceSystem.DISTRICT, "/api/v1/hoso", 100, {"denNgay": end})
    keys = {r["MaHoSo"] for r in records}
    assert len(keys) < N  # offset paging over a moving table skips records: the real hazard
    fake_cluster.set_faults(FaultConfig())
    later, _ = fetch_all(fake_cluster, SourceSystem.DISTRICT, "/api/v1/hoso", 500, {"tuNgay": end})
    assert keys | {r["MaHoSo"] for r in later} == {f"dossiers-{i:06d}" for i in range(N)}
    assert all(r["NgayCapNhat"] >= end for r in later)


def test_extra_fields_and_malformed_values(fake_cluster):
    fake_cluster.set_faults(FaultConfig(extra_field=1.0))
    record = _one(fake_cluster, SourceSystem.WARD, "/v2/dossiers", limit=5).json()["data"][0]
    assert record["sla_policy_version"]
    fake_cluster.set_faults(FaultConfig(malformed=1.0))
    records, _ = fetch_all(fake_cluster, SourceSystem.DISTRICT, "/api/v1/hoso", 200)
    assert sum("MaHoSo" not in r for r in records) >= 1  # fake records only have key + cursor


def test_fault_settings_and_clock_over_http(fake_cluster):
    url = fake_cluster.base_url(SourceSystem.DISTRICT)
    admin = {"X-Sim-Admin": fake_cluster.config.admin_token}
    assert httpx.post(url + "/_sim/faults", content=b'{"error_500": 1}').status_code == 401
    assert httpx.post(url + "/_sim/faults", content=b'{"nonsense": 1}', headers=admin).status_code == 400
    assert httpx.post(url + "/_sim/faults", content=b'{"error_503": 1.0}', headers=admin).status_code == 200
    assert _one(fake_cluster).status_code == 503
    httpx.post(url + "/_sim/faults", content=b"{}", headers=admin)
    response = httpx.post(url + "/_sim/clock", params={"as_of": "2024-01-01T00:09:30"}, headers=admin)
    assert response.status_code == 200
    assert _one(fake_cluster).json()["tongSo"] == 10
    health = orjson.loads(httpx.get(url + "/_sim/health").content)
    assert health["as_of"] == "2024-01-01T00:09:30"
