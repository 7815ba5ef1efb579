"""The published warehouse opens read-only in the clients BI tools bundle (warehouse/release_file.py).

An older DuckDB (1.1.0, the supported floor) and SQLAlchemy 2.0.x + duckdb-engine, installed from the
package registry into their own environment, open the release, reflect every public mart's columns with
the dbt descriptions as comments, and run a query whose answer equals DuckDB 2.0's.
"""

from __future__ import annotations

import json
import subprocess

import duckdb
import pytest

from bi import venv
from warehouse.release_file import MIN_DUCKDB_CLIENT

PROBE = venv.ROOT / "bi" / "clients" / "probe.py"


CLIENTS = {"duckdb-1.1": (MIN_DUCKDB_CLIENT, "2.0.36"), "duckdb-1.5": ("1.5.6", "2.0.58")}


def _client(name: str) -> venv.Env:
    try:
        return venv.ensure(name, venv.ROOT / "bi" / "clients" / f"requirements-{name}.txt")
    except venv.RegistryUnreachable as err:
        pytest.skip(f"package registry unreachable, cannot install the {name} client: {err}")


@pytest.fixture(scope="module")
def old_client():
    return _client("duckdb-1.1")


def test_default_duckdb_2_file_is_unreadable_by_the_old_client(old_client, tmp_path):
    """Why the storage version matters: the same data in 2.0's default format is refused."""
    path = tmp_path / "default.duckdb"
    duckdb.connect(str(path)).execute("create table t as select 1 as a").close()
    done = subprocess.run([old_client.python, "-c", f"import duckdb; duckdb.connect('{path}', read_only=True)"],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "version" in done.stderr.lower()


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_old_duckdb_and_sqlalchemy_read_every_public_mart(name, release):
    _, published = release
    client = _client(name)
    done = subprocess.run([client.python, PROBE, str(published.resolve())], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert (seen["duckdb"], seen["sqlalchemy"]) == CLIENTS[name]

    con = duckdb.connect(str(published), read_only=True)
    expected_tables = [t for (t,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
    expected_columns = {t: [(c, comment) for c, comment in con.execute(
        "select column_name, comment from duckdb_columns() where schema_name = 'marts' and table_name = ? "
        "order by column_index", [t]).fetchall()] for t in expected_tables}
    count, received = con.execute("select count(*), sum(received_new) from marts.rpt_dossier_period").fetchone()
    con.close()

    assert seen["tables"] == expected_tables and "rpt_dossier_period" in expected_tables
    for table in expected_tables:
        assert [(c["name"], c["comment"]) for c in seen["columns"][table]] == expected_columns[table], table
        assert seen["table_comments"][table], f"{table} has no table comment"
    assert (seen["dossier_rows"], seen["received_new"]) == (count, received) and count > 0


def test_dbt_descriptions_are_persisted_as_comments(release):
    """persist_docs (dbt_project.yml) puts the model descriptions on the candidate; publish copies them."""
    _, published = release
    con = duckdb.connect(str(published), read_only=True)
    documented = dict(con.execute(
        "select column_name, comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'rpt_dossier_period'").fetchall())
    con.close()
    assert documented["unit_code"].startswith("Official (NSO) code")
    assert documented["on_time_rate"].startswith("(resolved_early + resolved_on_time)")
