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


#: Hosts of IRIs that are not vocabulary terms: placeholders and examples in messages, a schema document, the
#: ORCID pattern (written as a regular expression).
NOT_VOCABULARY = ("example.org", "docs.oasis-open.org", "orcid.org", "orcid", "127.0.0.1", "...")


def stray_iris(path: Path) -> list[str]:
    """IRIs written in the code of ``path`` (docstrings and comments aside) that do not come from namespaces.py."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            for iri in re.findall(r"https?://([\w.-]+)[^\s\"'<>]*", node.value):
                if not iri.endswith(NOT_VOCABULARY):
                    found.append(f"{path.name}:{node.lineno}: {iri}")
    return found


def test_stray_iri_finder_finds_one(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""Docs may say http://purl.org/dc/terms/."""\nX = f"<http://purl.org/dc/terms/{1}>"\n'
                      'Y = "https://example.org/x"\n', encoding="utf-8")
    assert stray_iris(module) == ["m.py:2: purl.org"]


def test_every_vocabulary_iri_comes_from_namespaces_py() -> None:
    found = [hit for path in sorted(SRC.glob("*.py")) if path.name != "namespaces.py" for hit in stray_iris(path)]
    assert found == []


def test_no_constant_is_defined_in_two_modules() -> None:
    """A concept declared in one place: no upper-case top-level name is assigned in two modules of the package."""
    where: dict[str, list[str]] = {}
    for path in sorted(SRC.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign) else []
            for t in targets:
                if isinstance(t, ast.Name) and t.id.isupper() and t.id != "__all__":
                    where.setdefault(t.id, []).append(path.name)
    assert {name: modules for name, modules in where.items() if len(modules) > 1} == {}


def spelled_segments(path: Path, segments: tuple[str, ...]) -> list[str]:
    """Minted-IRI path segments (``figure/``, ``/period``) written in the code of ``path``, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant)}
    names = "|".join(segments)  # at a string's start or after a space or brace: not a file path's folder
    pattern = re.compile(rf"(?<![\w./-])(?:{names})/|(?<![\w./-])/(?:{names})(?![\w-])")
    return [f"{path.name}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and pattern.search(node.value)]


def test_segment_finder_finds_one(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""Docs may say organisation/gbif/figure/x."""\nX = f"{s}/figure/{i}"\nY = "figures"\n'
                      'Z = base + "membership/"\nW = owner + "/period"\nV = "shared/reference/x.yaml"\n', encoding="utf-8")
    assert [hit.split(":")[1] for hit in spelled_segments(module, ("figure", "membership", "period"))] == \
        ["2", "4", "5"]


def test_the_minted_iri_grammar_is_spelled_only_in_mint_py() -> None:
    """Every minted IRI (``organisation/<id>/figure/<id>``, ``membership/...``, ``dataset/<version>``) is made and
    read through opendata_graph.mint: no other module writes its path segments."""
    from opendata_graph import mint

    found = [hit for path in sorted(SRC.glob("*.py")) if path.name != "mint.py"
             for hit in spelled_segments(path, mint.SEGMENTS)]
    assert found == []
