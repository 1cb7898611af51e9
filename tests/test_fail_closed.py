"""Validation fails closed: what is missing, empty, unparsable or forbidden is an error (exit 2), never "conforms".

Shapes files are parsed one by one, so a problem is located at its file and line and names the shape; every
problem is reported at once. A bug is exit 3 with one line and the traceback in a file, never exit 1 (which means
"violations found").
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from opendata_graph.core import paths

from .checks import copy_of

ODG = [sys.executable, "-c", "from opendata_graph.cli import main; main()"]


def odg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ODG, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_missing_shapes_directory_is_an_error() -> None:
    result = odg("validate", "--shapes", "/nonexistent")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "shapes directory /nonexistent not found" in result.stdout + result.stderr
    assert "conforms" not in result.stdout


@pytest.mark.parametrize("what", ["shapes", "ontology", "queries"])
def test_an_empty_directory_is_an_error(tmp_path: Path, what: str) -> None:
    result = odg("validate", f"--{what}", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(rf"no {'query files' if what == 'queries' else what} \(\*\.(ttl|rq)\) in", result.stdout + result.stderr)


def test_a_shapes_graph_without_shapes_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.ttl").write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\n")
    result = odg("validate", "--shapes", str(tmp_path))
    assert result.returncode == 2 and "no SHACL shapes" in result.stdout


def shapes_copy(tmp_path: Path) -> Path:
    return copy_of(paths.shapes_dir(), tmp_path)


def test_shapes_errors_are_located_and_all_reported(tmp_path: Path) -> None:
    shapes = shapes_copy(tmp_path)
    (shapes / "broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\nsh:a sh:b .\n")
    (shapes / "also-broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> <b> \"c .\n")
    (shapes / "forbidden.ttl").write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix shapes: <https://w3id.org/opendata-graph/shapes#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

shapes:Extra a sh:NodeShape ;
  sh:targetClass <http://www.w3.org/ns/dcat#Dataset> ;
  sh:property [
    sh:path dcterms:license ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o MINUS { ?o ?q ?r } }" ] ;
  ] .
""")
    result = odg("validate", "--shapes", str(shapes))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(re.match(r".*shapes/also-broken\.ttl:2:\d+: error: Turtle syntax", x) for x in lines), lines
    assert any(re.match(r".*shapes/broken\.ttl:3:\d+: error: Turtle syntax", x) for x in lines), lines
    assert len([x for x in lines if ": error:" in x]) == 2  # both files, at once (the SPARQL check needs a graph)
    (shapes / "broken.ttl").unlink()
    (shapes / "also-broken.ttl").unlink()
    result = odg("validate", "--shapes", str(shapes))
    assert result.returncode == 2
    assert re.search(r"shapes/forbidden\.ttl:5: error: shapes:Extra / dcterms:license: MINUS is not allowed",
                     result.stdout), result.stdout


def test_a_crash_is_exit_3_with_the_traceback_in_a_file(tmp_path: Path) -> None:
    code = ("import opendata_graph.stages.validate as v\n"
            "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
            "v.check_quotes = boom\n"
            "from opendata_graph.cli import main; main()\n")
    result = subprocess.run([sys.executable, "-c", code, "validate", "--no-cache"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 3, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("internal error: RuntimeError: simulated bug; traceback in ")
    assert "Traceback" not in result.stderr
    trace = Path(line.split("traceback in ", 1)[1].split(" ", 1)[0])
    assert "RuntimeError: simulated bug" in trace.read_text()
    trace.unlink()


@pytest.mark.parametrize(("term", "says"), [("sh:minCont 1", "not a SHACL term"),
                                            ("sh:rule [ a sh:TripleRule ]", "SHACL Advanced Features")])
def test_shapes_with_terms_an_engine_would_ignore_are_refused(tmp_path: Path, term: str, says: str) -> None:
    shapes = shapes_copy(tmp_path)
    (shapes / "extra.ttl").write_text(f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix shapes: <https://w3id.org/opendata-graph/shapes#> .

shapes:Extra a sh:NodeShape ;
  sh:targetClass <http://www.w3.org/ns/dcat#Dataset> ;
  {term} .
""")
    result = odg("validate", "--shapes", str(shapes))
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(rf"shapes/extra\.ttl:4: error: shapes:Extra: sh:\w+ is .*{says}", result.stdout), result.stdout
