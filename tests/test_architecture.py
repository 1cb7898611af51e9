"""The rules of the house, checked: data flows down the modules, concepts are declared once, tests stand alone.

Every import of the package is counted, function-local ones included (they are lazy, not absent).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from opendata_graph.core import paths

SRC = paths.ROOT / "src" / "opendata_graph"
TESTS = paths.ROOT / "tests"


def module_name(path: Path) -> str:
    """``src/opendata_graph/stages/pipeline.py`` -> ``build.pipeline``; a package's ``__init__`` -> its name."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports by relative imports (``from .x import``, ``from ..core import paths``),
    function-local ones included; a name imported from a package counts as its module when it is one."""
    own = path.relative_to(SRC).with_suffix("").parts
    package = list(own[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.level):
            continue
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        stem = [*base, *(node.module.split(".") if node.module else [])]
        for alias in node.names:
            name = ".".join([*stem, alias.name])
            out.add(name if name in modules else ".".join(stem) or "__init__")
    return out


def module_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in SRC.rglob("*.py")}
    return {name: (imports_of(path, set(files)) & set(files)) - {name} for name, path in files.items()}


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
    assert {m for m, deps in graph.items() if "cli" in deps and not m.startswith("cli.")} == set()
    assert {m for m, deps in graph.items() if "stages.pipeline" in deps and not m.startswith("cli.")} == set()


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
    found = [hit for path in sorted(SRC.rglob("*.py")) if path.name != "namespaces.py" for hit in stray_iris(path)]
    assert found == []


def test_no_constant_is_defined_in_two_modules() -> None:
    """A concept declared in one place: no upper-case top-level name is assigned in two modules of the package."""
    where: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign) else []
            for t in targets:
                if isinstance(t, ast.Name) and t.id.isupper() and t.id != "__all__":
                    where.setdefault(t.id, []).append(module_name(path))
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
    read through opendata_graph.core.mint: no other module writes its path segments."""
    from opendata_graph.core import mint

    found = [hit for path in sorted(SRC.rglob("*.py")) if path.name != "mint.py"
             for hit in spelled_segments(path, mint.SEGMENTS)]
    assert found == []


def layers() -> list[str]:
    """The layers of the import-linter contract in pyproject.toml, top first, as subpackage names."""
    import tomllib

    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [layer.removeprefix("opendata_graph.") for layer in contract["layers"]]


def test_every_module_lives_in_a_layer_and_imports_only_layers_below() -> None:
    """The same rule `lint-imports` holds in `make test`, read from the same contract: a layer imports only the
    layers listed below it (function-local imports included); no module sits outside the layers."""
    order = layers()
    rank = {layer: i for i, layer in enumerate(order)}
    graph = module_graph()
    outside = sorted(m for m in graph if m != "__init__" and m.split(".")[0] not in rank)
    assert outside == []
    upward = sorted(f"{m} -> {d}" for m, deps in graph.items() for d in deps
                    if m != "__init__" and d != "__init__" and rank[d.split(".")[0]] < rank[m.split(".")[0]])
    assert upward == []


def test_each_layer_says_what_it_owns_and_may_import() -> None:
    """Each subpackage's docstring names what it owns and exactly the layers below it in the contract."""
    order = layers()
    for i, layer in enumerate(order):
        init = SRC / layer / "__init__.py"
        if not init.exists():
            assert (SRC / f"{layer}.py").is_file(), layer  # a top module (the CLI) is a layer of one
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "Owns:" in doc, layer
        (said,) = re.findall(r"May import:(.*?)(?:\n\n|$)", doc, flags=re.S)
        named = set(re.findall(r"``(\w+)``", said))
        assert named == set(order[i + 1:]), (layer, named)


def test_every_guard_tests_guards_py_deletes_is_found_once() -> None:
    """`python -m tests.guards NAME` deletes a guard by its text: each text is found exactly once in its module, so
    the list stays true as modules move and change (a guard that is not found is not checked)."""
    from tests.guards import MUTANTS
    from tests.guards import SRC as GUARDED

    missing = {name: module for name, (module, guard, _, *_) in MUTANTS.items()
               if not (GUARDED / module).is_file() or (GUARDED / module).read_text(encoding="utf-8").count(guard) != 1}
    assert missing == {}


def test_no_file_of_the_package_is_ignored_by_git() -> None:
    """Every file of the package is one git keeps: an ignore pattern meant for the checkout's top (``build/``, the
    setuptools folder) once hid the ``build`` layer's ``__init__.py`` from every commit."""
    import subprocess

    ignored = subprocess.run(["git", "ls-files", "--others", "--ignored", "--exclude-standard", "src", "ontology",
                              "shapes", "queries", "data", "sources", "tests"],
                             cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert [f for f in ignored if "__pycache__" not in f and ".egg-info/" not in f] == []
