"""The ``odg`` command line, run as a user would: outputs, formats and exit codes (0 ok, 1 violations, 2 input)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from opendata_graph.cli import cli
from opendata_graph.core import paths

from .checks import copy_of


def odg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opendata_graph.cli", *args], capture_output=True, text=True)


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "validate", "query"):
        assert command in result.output


def test_query_prints_a_table(dist: Path) -> None:
    result = CliRunner().invoke(cli, ["query", str(paths.queries_dir() / "licences.rq"), "--dist", str(dist)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["licence", "spdx", "dataset", "how", "publisher"]
    assert "OpenStreetMap Foundation" in result.output
    assert result.output.rstrip().endswith("(11 rows)")


def test_query_expression_and_machine_formats(dist: Path) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <http://xmlns.com/foaf/0.1/Person> }"
    runner = CliRunner()
    as_json = runner.invoke(cli, ["query", "-e", text, "--format", "json", "--dist", str(dist)])
    assert json.loads(as_json.output)["results"]["bindings"][0]["n"]["value"] == "9"
    as_csv = runner.invoke(cli, ["query", "-e", text, "--format", "csv", "--dist", str(dist)])
    assert as_csv.output.splitlines() == ["n", "9"]
    as_tsv = runner.invoke(cli, ["query", "-e", text, "--format", "tsv", "--dist", str(dist)])
    assert as_tsv.output.splitlines()[0] == "?n"


def test_query_all_compares_with_expected_results(dist: Path) -> None:
    result = CliRunner().invoke(cli, ["query", "--all", "--dist", str(dist)])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok  ") >= 15 and "FAIL" not in result.output


def test_bad_query_is_a_located_error_without_traceback(dist: Path) -> None:
    result = odg("query", "-e", "SELECT ?x WHERE { ?x ", "--dist", str(dist))
    assert result.returncode == 2
    assert result.stderr.startswith("-e: error: SPARQL syntax")


def test_an_undeclared_prefix_is_one_line_that_says_how_to_declare_it(dist: Path) -> None:
    # pyoxigraph's own message lists every character class it expected, over ten lines
    result = odg("query", "-e", "SELECT ?s WHERE { ?s a org:Organization }", "--dist", str(dist))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert re.search(r"at line 1, column \d+: the prefix 'org:' is not declared "
                     r"\(add PREFIX org: <http://www\.w3\.org/ns/org#>\)$", result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_validate_the_repository_data() -> None:
    result = odg("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "0 error(s), 1 warning(s)"


def copy_data(tmp_path: Path) -> Path:
    return copy_of(paths.data_dir(), tmp_path)


def test_validate_exit_2_on_a_schema_error_with_its_line(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "organisations" / "gbif.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("short_names:", "shortnames:"), encoding="utf-8")
    result = odg("validate", "--data", str(data))
    assert result.returncode == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("shortnames:"))
    assert result.stdout.splitlines() == [
        f"{path}:{line}:1: error: unknown key 'shortnames' (hint: did you mean 'short_names'?)",
        "1 error(s), 0 warning(s)"]
    assert "Traceback" not in result.stderr


def test_validate_exit_1_on_a_shape_violation_located_in_yaml(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "datasets" / "wikirate-data.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("publisher:")] + text[text.index("data_of:"):], encoding="utf-8")
    result = odg("validate", "--data", str(data))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "wikirate-data.yaml:1:1: error: A dataset needs a publisher organisation" in result.stdout


def test_build_writes_the_release(tmp_path: Path) -> None:
    result = odg("build", "--dist", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "opendata-graph.ttl").stat().st_size > 100_000
    assert "built " in result.stderr
