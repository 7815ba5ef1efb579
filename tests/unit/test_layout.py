"""The floors of the code base (README "Layout"): no import runs back up a floor.

foundations (cchc/) < domain rooms (extractors, simulators, expectations, warehouse, scoring, bi)
< glue (pipeline/) < entry points (dags/, bench/). Tests may import anything. Read from the source
with `ast`, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast

from cchc.settings import REPO_ROOT

FOUNDATIONS = {"cchc"}
DOMAIN = {"extractors", "simulators", "expectations", "warehouse", "scoring", "bi"}
GLUE = {"pipeline"}
ENTRY = {"dags", "bench"}
OURS = FOUNDATIONS | DOMAIN | GLUE | ENTRY
# The simulators stand in for the real source systems: production code never imports them. The demo
# (it starts them) is the one exception; benchmarks that drive them live in bench/.
MAY_IMPORT_SIMULATORS = {"pipeline.demo"}


def _imports() -> dict[str, set[str]]:
    """module name → the top-level packages of ours it imports."""
    graph: dict[str, set[str]] = {}
    for package in OURS:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            targets = set()
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
                targets |= {n.split(".")[0] for n in names} & OURS
            graph[module] = targets - {module.split(".")[0]}
    return graph


def _floor(package: str) -> int:
    return next(i for i, floor in enumerate((FOUNDATIONS, DOMAIN, GLUE, ENTRY)) if package in floor)


def test_every_package_is_on_a_floor():
    on_disk = {p.name for p in REPO_ROOT.iterdir() if (p / "__init__.py").exists() or p.name == "dags"}
    assert on_disk - {"tests"} == OURS


def test_foundations_import_nothing_of_ours():
    graph = _imports()
    upward = {m: t for m, t in graph.items() if m.split(".")[0] in FOUNDATIONS and t}
    assert upward == {}


def test_no_import_runs_up_a_floor():
    graph = _imports()
    upward = {f"{m} -> {t}" for m, targets in graph.items() for t in targets
              if _floor(t) > _floor(m.split(".")[0])}
    assert upward == set()


def test_only_entry_points_import_the_glue():
    graph = _imports()
    importers = {m for m, targets in graph.items() if targets & GLUE}
    assert importers and {m.split(".")[0] for m in importers} <= ENTRY


def test_production_code_never_imports_the_simulators():
    graph = _imports()
    importers = {m for m, targets in graph.items() if "simulators" in targets and m.split(".")[0] != "bench"}
    assert importers <= MAY_IMPORT_SIMULATORS, importers - MAY_IMPORT_SIMULATORS


def test_the_graph_is_read_from_the_source():
    # guards the reader itself: a known edge must be seen, else every test above passes vacuously
    assert "cchc" in _imports()["extractors.run"] and "pipeline" in _imports()["dags.cchc_warehouse"]
