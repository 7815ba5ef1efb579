"""Which SQLAlchemy pool a BI client must use (README "Connecting a BI tool"): with the default
QueuePool a client keeps reading the release its pooled connection opened; with NullPool every
checkout follows the published symlink to the current release."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest
import sqlalchemy
from sqlalchemy.pool import NullPool, QueuePool

from cchc.settings import Settings
from expectations.framework import AuditResult, CheckResult, Severity
from warehouse.publish import gate, publish, published_path


def candidate(path, marker: str):
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.pool_marker as select ? as marker", [marker])
    con.close()
    return path


def read_marker(engine) -> str:
    with engine.connect() as connection:
        return connection.execute(sqlalchemy.text("select release_id from marts.release_manifest")).scalar_one()


@pytest.mark.parametrize(("pool", "sees_new_release"), [(QueuePool, False), (NullPool, True)])
def test_only_nullpool_follows_a_new_release(tmp_path, pool, sees_new_release):
    settings = replace(Settings(), data_dir=tmp_path / "data")
    passed = AuditResult([CheckResult("marker", Severity.FAIL, "marts.pool_marker", "exists", None, True)], 0.0)
    first = publish(settings, candidate(tmp_path / "c1.duckdb", "one"), gate(settings, passed))
    engine = sqlalchemy.create_engine(f"duckdb:///{published_path(settings)}", poolclass=pool,
                                      connect_args={"read_only": True})
    assert read_marker(engine) == first
    second = publish(settings, candidate(tmp_path / "c2.duckdb", "two"), gate(settings, passed))
    assert second != first
    assert read_marker(engine) == (second if sees_new_release else first)
    engine.dispose()
