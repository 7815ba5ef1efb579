"""A damaged landing zone never publishes: every batch is verified against its manifest before the
build and in the audit; the error names system, entity, batch and file; the next extraction heals it.

Damage is done by hand to real batches landed from the simulators (the red-team cases of issue 15:
random bytes in a part, a part rewritten after its manifest, a kill between a batch's renames, a
child batch lost, a declared column missing or retyped)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cchc.settings import Settings, SourceSystem
from extractors import landing
from extractors import run as run_module
from extractors.integrity import check_landing, prepare_landing
from extractors.landing import LandingDamaged, checksum
from extractors.run import extract_endpoint, extract_system
from extractors.state import ReworkLedger
from simulators.scenario import SCENARIO_DIR, load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate
from warehouse.pipeline import audit_candidate
from warehouse.publish import GateFailed, current_release, gate, publish, published_path

AS_OF = "2030-01-01"


@pytest.fixture(scope="module")
def cluster():
    scenario = load_scenario(SCENARIO_DIR / "tay-ho-2024q1.yaml")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=1500)) as running:
        yield running


@pytest.fixture(scope="module")
def baseline(cluster, tmp_path_factory):
    """Everything landed, built and published once: (settings, release, published counts)."""
    settings = replace(Settings(), data_dir=tmp_path_factory.mktemp("integrity"), pii_key="k")
    for system in SourceSystem:
        extract_system(system, settings, cluster.base_url(system))
    release = run_pipeline(settings)
    return settings, release, published_counts(settings)


@pytest.fixture
def fresh(baseline, tmp_path):
    settings, release, counts = baseline
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data, symlinks=True)
    return replace(settings, data_dir=data), release, counts


def run_pipeline(settings: Settings) -> str:
    build = build_candidate(settings, as_of_date=AS_OF)
    return publish(settings, build.candidate, gate(settings, audit_candidate(settings, build.candidate)))


def published_counts(settings: Settings) -> dict[str, int]:
    con = duckdb.connect(str(published_path(settings)), read_only=True)
    try:
        rows = con.execute("select source_system, count(*), count(*) filter (where channel = 'online') "
                           "from marts.fct_dossier group by 1").fetchall()
    finally:
        con.close()
    return {f"{system}.{what}": n for system, total, online in rows
            for what, n in (("dossiers", total), ("online", online))}


def only_batch(settings: Settings, system: str, entity: str) -> Path:
    batches = sorted((settings.landing_dir / system / entity).glob("batch=*"))
    assert len(batches) == 1, batches
    return batches[0]


def rewrite_part(batch: Path, table: pa.Table, *, update_manifest: bool) -> str:
    part = sorted(batch.glob("part-*.parquet"))[0]
    pq.write_table(table, part, compression="zstd")
    if update_manifest:  # as a buggy writer would: manifest consistent with the bad file
        manifest = json.loads((batch / "_manifest.json").read_text())
        manifest["checksum"][part.name] = checksum(part)
        manifest["schema"] = {f.name: str(f.type) for f in table.schema}
        manifest["counts"]["written"] = table.num_rows
        manifest["rows"] = {part.name: table.num_rows}
        (batch / "_manifest.json").write_text(json.dumps(manifest))
    return part.name


def heal_and_publish(settings: Settings, cluster, system: SourceSystem) -> str:
    extract_system(system, settings, cluster.base_url(system))
    assert check_landing(settings) == []
    return run_pipeline(settings)


def test_random_bytes_in_a_part_block_the_build_naming_it_and_the_next_run_heals(fresh, cluster):
    settings, first, counts = fresh
    before = [p.stem for p in (settings.data_dir / "audits" / "store").glob("*.parquet")]
    batch = only_batch(settings, "ward_one_stop", "dossiers")
    part = sorted(batch.glob("part-*.parquet"))[0]
    data = bytearray(part.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = os.urandom(64)
    part.write_bytes(bytes(data))

    with pytest.raises(LandingDamaged) as err:
        build_candidate(settings, as_of_date=AS_OF)
    first_line = str(err.value).splitlines()[0]
    assert f"ward_one_stop/dossiers batch={batch.name[6:]} file {part.name}: sha256 differs" in first_line
    assert current_release(settings) == first
    # the damaged family is set aside and waits for re-extraction; until then nothing publishes
    assert not batch.exists() and not (batch.parent.parent / "supplement_requests" / batch.name).exists()
    with pytest.raises(GateFailed) as blocked:
        publish(settings, settings.data_dir / "warehouse" / "candidate.duckdb", gate(settings, audit_candidate(settings)))
    assert str(blocked.value).splitlines()[0].startswith("blocked by landing_awaiting_reextraction")
    assert current_release(settings) == first

    healed = heal_and_publish(settings, cluster, SourceSystem.WARD)  # one extraction run heals
    assert healed != first and current_release(settings) == healed
    assert published_counts(settings) == counts
    assert ReworkLedger(settings.state_dir, "ward_one_stop").items() == []
    # the audit store beside the releases holds both blocked runs and the healed one, queryable
    store = settings.data_dir / "audits" / "store" / "*.parquet"
    runs = duckdb.execute(
        "select stage, outcome, release_id, list(suite order by suite) filter (where not success and severity = 'fail'),"
        " list(sample) filter (where not success and severity = 'fail') from read_parquet(?) "
        "where audit_id not in (select unnest(?)) "
        "group by audit_id, stage, outcome, release_id order by min(audited_at)", [str(store), before]).fetchall()
    assert [(stage, outcome) for stage, outcome, *_ in runs] == [
        ("prepare", "blocked"), ("audit", "blocked"), ("audit", "published")]
    assert runs[0][3] == ["landing_integrity"] and "landing_awaiting_reextraction" in runs[1][3]
    assert runs[2][3] is None
    assert part.name in runs[0][4][0] and runs[2][2] == healed


def test_a_part_rewritten_after_its_manifest_is_not_published(fresh, cluster):
    settings, first, counts = fresh
    batch = only_batch(settings, "district_one_stop", "dossiers")
    part = sorted(batch.glob("part-*.parquet"))[0]
    table = pq.read_table(part)
    i = table.schema.get_field_index("KenhThucHien")
    table = table.set_column(i, "KenhThucHien", pa.array([2] * table.num_rows, pa.int64()))  # all "online"
    rewrite_part(batch, table, update_manifest=False)

    problems = check_landing(settings)
    assert [p.describe() for p in problems] == [
        f"district_one_stop/dossiers batch={batch.name[6:]} file {part.name}: sha256 differs from the manifest: "
        "the file changed after it was landed"]
    with pytest.raises(LandingDamaged):
        build_candidate(settings, as_of_date=AS_OF)
    assert current_release(settings) == first
    heal_and_publish(settings, cluster, SourceSystem.DISTRICT)
    assert published_counts(settings) == counts  # online count back to the source's, not all-online


def test_damage_after_the_build_fails_the_audit(fresh):
    settings, first, _ = fresh
    build = build_candidate(settings, as_of_date=AS_OF)
    batch = only_batch(settings, "dms", "documents")
    (batch / "part-00099.parquet").write_bytes(b"PAR1 not really")
    result = audit_candidate(settings, build.candidate)
    failed = {c.suite: c for c in result.failed}
    assert "landing_integrity" in failed
    assert failed["landing_integrity"].sample == [
        f"dms/documents batch={batch.name[6:]} file part-00099.parquet: part is not listed in the manifest"]
    with pytest.raises(GateFailed) as blocked:
        publish(settings, build.candidate, gate(settings, result))
    assert "landing_integrity" in str(blocked.value).splitlines()[0]
    assert current_release(settings) == first


def test_declared_column_missing_or_retyped_is_named_with_its_file(fresh):
    settings, _, _ = fresh
    ward = only_batch(settings, "ward_one_stop", "dossiers")
    table = pq.read_table(sorted(ward.glob("part-*.parquet"))[0])
    ward_part = rewrite_part(ward, table.drop_columns(["channel"]), update_manifest=True)
    district = only_batch(settings, "district_one_stop", "dossiers")
    table = pq.read_table(sorted(district.glob("part-*.parquet"))[0])
    i = table.schema.get_field_index("KenhThucHien")
    retyped = pc.cast(table["KenhThucHien"], pa.string())
    district_part = rewrite_part(district, table.set_column(i, "KenhThucHien", retyped), update_manifest=True)

    described = sorted(p.describe() for p in check_landing(settings))
    assert described == sorted([
        f"district_one_stop/dossiers batch={district.name[6:]} file {district_part}: column KenhThucHien is "
        "string, the declared schema says int64",
        f"ward_one_stop/dossiers batch={ward.name[6:]} file {ward_part}: column channel (string) is missing "
        "(required by the declared schema)",
    ])


def test_a_kill_between_a_batchs_renames_is_rolled_forward(baseline, cluster, tmp_path, monkeypatch):
    """The red-team case: one entity folder renamed into place, the next not, then the process dies."""
    settings = replace(baseline[0], data_dir=tmp_path / "data")
    for system in (SourceSystem.DISTRICT, SourceSystem.DMS):
        extract_system(system, settings, cluster.base_url(system))
    for entity in ("procedures", "units", "dossier_events", "ratings"):
        extract_endpoint(SourceSystem.WARD, entity, settings, cluster.base_url(SourceSystem.WARD))
    real_commit = landing.commit_batches

    def killed_midway(root, batches, _after_journal=None):
        def die(entries):
            landing._apply(entries[:1])  # the first folder is in place …
            raise SystemExit("SIGKILL (simulated) between renames")  # … the others are not

        real_commit(root, batches, _after_journal=die)

    monkeypatch.setattr(run_module, "commit_batches", killed_midway)
    with pytest.raises(SystemExit):
        extract_endpoint(SourceSystem.WARD, "dossiers", settings, cluster.base_url(SourceSystem.WARD))
    monkeypatch.undo()
    half = [p.describe() for p in check_landing(settings)]
    assert half and all("ward_one_stop" in p for p in half)  # visible half-batch, seen by verification
    assert prepare_landing(settings)  # the journal is rolled forward: the whole batch becomes visible
    assert check_landing(settings) == []
    run_pipeline(settings)
    assert published_counts(settings) == baseline[2]


def test_a_lost_child_batch_is_set_aside_with_its_parent_and_re_extracted(fresh, cluster):
    settings, first, counts = fresh
    child = only_batch(settings, "ward_one_stop", "supplement_requests")
    shutil.rmtree(child)
    with pytest.raises(LandingDamaged) as err:
        build_candidate(settings, as_of_date=AS_OF)
    assert f"ward_one_stop/supplement_requests batch={child.name[6:]}: batch missing: parent dossiers batch " \
           "declares" in str(err.value)
    assert not (child.parent.parent / "dossiers" / child.name).exists()  # parent set aside too
    assert current_release(settings) == first
    heal_and_publish(settings, cluster, SourceSystem.WARD)
    assert published_counts(settings) == counts
