"""Production extraction code never imports the simulators (issue 16): benches that need them live in bench/."""

from __future__ import annotations

import ast
from pathlib import Path

EXTRACTORS = Path(__file__).resolve().parents[2] / "extractors"


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_extractor_module_imports_the_simulators():
    modules = sorted(EXTRACTORS.glob("*.py"))
    assert len(modules) > 10
    assert [p.name for p in modules if "simulators" in imported(p)] == []
