"""Reference lists read from an installed package (the official unit lists of vietnamadminunits) change only
with the package's release: the dbt Python models that read them keep a table holding the installed release
(column `source_release`) and re-read the package only when it differs (docs/incremental.md)."""

from __future__ import annotations

from importlib.metadata import version


def release_of(package: str) -> str:
    """`<package> <version>` of the installed distribution, as the models store it."""
    return f"{package} {version(package)}"


def holds_release(session, relation, release: str) -> bool:
    """Whether `relation` holds rows of `release` only (a table built before it kept the release: no)."""
    columns = {name for (name,) in session.sql(f"select column_name from (describe {relation})").fetchall()}
    return "source_release" in columns and session.sql(
        f"select distinct source_release from {relation}").fetchall() == [(release,)]
