"""Are two warehouse files the same? Rows of each public mart that one file has and the other has not.

Used to prove that an incremental build equals a full rebuild, and a backfill equals one run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# Lineage, not content: which landing batch a kept record version came from, and when the records a row is
# built from were extracted (the incremental watermark).
LINEAGE_COLUMNS = ("source_batch_id", "source_extracted_at")


def compare_marts(left: Path, right: Path, *, ignore_lineage: bool = False) -> dict[str, int]:
    """Per table of `left`'s marts: rows only in left plus rows only in right (as multisets). Empty = identical."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                        "where table_catalog = 'l' and table_schema = 'marts' order by 1").fetchall()]
    differences = {}
    for table in tables:
        columns = [c for (c,) in con.execute("select column_name from information_schema.columns where table_catalog "
                                             "= 'l' and table_schema = 'marts' and table_name = ? order by ordinal_position",
                                             [table]).fetchall()
                   if not (ignore_lineage and c in LINEAGE_COLUMNS)]
        select = ", ".join(f'"{c}"' for c in columns)
        gap = con.execute(f"select (select count(*) from (select {select} from l.marts.{table} except all "
                          f"select {select} from r.marts.{table})) + (select count(*) from (select {select} from "
                          f"r.marts.{table} except all select {select} from l.marts.{table}))").fetchone()[0]
        if gap:
            differences[table] = gap
    con.close()
    return differences
