"""The rules of the house, checked: data flows down the modules, concepts are declared once, tests stand alone.

Every import of the package is counted, function-local ones included (they are lazy, not absent).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from opendata_graph import paths

SRC = paths.ROOT / "src" / "opendata_graph"
TESTS = paths.ROOT / "tests"


def imports_of(path: Path) -> set[str]:
    """The package modules ``path`` imports (relative imports: ``from .x import`` and ``from . import x``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(alias.name for alias in node.names)
    return out


def module_graph() -> dict[str, set[str]]:
    modules = {p.stem for p in SRC.glob("*.py")}
    return {p.stem: (imports_of(p) & modules) - {p.stem} for p in SRC.glob("*.py")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle found by a depth-first walk, as the path that closes it."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                found.append([*path[path.index(dep):], dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_the_package() -> None:
    assert cycles(module_graph()) == []


def test_the_cli_and_the_pipeline_stand_on_top() -> None:
    """Nothing calls back up: only the CLI imports the pipeline, and nothing imports the CLI."""
    graph = module_graph()
    assert {m for m, deps in graph.items() if "cli" in deps} == set()
    assert {m for m, deps in graph.items() if "pipeline" in deps} == {"cli"}


def test_no_test_imports_another_test_module_or_the_benchmarks() -> None:
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                name = ("." * node.level) + (node.module or "")
                names = [name] + [f"{name}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(re.search(r"(^|\.)(test_\w+|conftest)$|^benchmarks\b", n) for n in names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
