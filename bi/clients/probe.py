"""Open a published warehouse the way a BI client does and print what it saw, as JSON.

Run with another environment's Python (an older duckdb, SQLAlchemy + duckdb-engine): imports nothing
of this project. Usage: python probe.py WAREHOUSE.duckdb
"""

import json
import sys

import duckdb
import sqlalchemy
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

path = sys.argv[1]
raw = duckdb.connect(path, read_only=True)
tables = [t for (t,) in raw.execute(
    "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
comments = {t: c for t, c in raw.execute(
    "select table_name, comment from duckdb_tables() where schema_name = 'marts'").fetchall()}
raw.close()

# NullPool: every checkout opens the file anew, so a client sees the release the symlink points at now;
# a pooled connection would keep reading the release it first opened.
engine = create_engine(f"duckdb:///{path}", poolclass=NullPool, connect_args={"read_only": True})
inspector = inspect(engine)
columns = {t: [{"name": c["name"], "type": str(c["type"]), "comment": c.get("comment")}
               for c in inspector.get_columns(t, schema="marts")] for t in tables}
with engine.connect() as con:
    rows = con.execute(text("select count(*), sum(received_new) from marts.rpt_dossier_period")).one()
print(json.dumps({"duckdb": duckdb.__version__, "sqlalchemy": sqlalchemy.__version__, "tables": tables,
                  "table_comments": comments, "columns": columns, "dossier_rows": rows[0],
                  "received_new": int(rows[1])}))
