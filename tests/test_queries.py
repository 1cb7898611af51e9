"""Every query file runs on the release and returns its expected results, compared as multisets of rows.

When the data changes on purpose, regenerate the expected files with: make golden
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Store, Triple

from opendata_graph.core import paths
from opendata_graph.core.namespaces import ORG
from opendata_graph.stores import query as q

from .checks import NO_ROWS_IN_THE_RELEASE, unsourced_facts

QUERIES = q.query_files(paths.queries_dir())
VIOLATIONS = q.query_files(paths.queries_dir(), violations=True)


@pytest.fixture(scope="module")
def store(dist: Path) -> Store:
    return q.open_store(dist)


def test_there_are_at_least_fifteen_analyst_queries() -> None:
    assert len(QUERIES) >= 15
    assert {v.name for v in VIOLATIONS} >= {"unsourced-fact-violation", "blank-node-violation"}


@pytest.mark.parametrize("qf", QUERIES + VIOLATIONS, ids=lambda qf: qf.name)
def test_query_has_a_header(qf: q.QueryFile) -> None:
    assert qf.title != qf.name, f"{qf.path}: add '# title: ...' as the first line"
    assert len(qf.answers) > 30, f"{qf.path}: add '# answers: ...' saying what question it answers"


@pytest.mark.parametrize("qf", QUERIES, ids=lambda qf: qf.name)
def test_query_returns_expected_results(qf: q.QueryFile, store: Store) -> None:
    actual = q.rows(q.run(store, qf.text, str(qf.path)))
    assert qf.expected.exists(), f"no expected results for {qf.name}. Run: make golden"
    expected = q.expected_rows(qf.expected)
    assert (sum(actual.values()) > 0) != (qf.name in NO_ROWS_IN_THE_RELEASE), f"{qf.name} returns no rows"
    assert actual == expected, f"{qf.name} differs (- expected, + actual); if intended, run: make golden\n" + \
        "\n".join(q.diff(actual, expected))


@pytest.mark.parametrize("qf", VIOLATIONS, ids=lambda qf: qf.name)
def test_violation_query_finds_nothing_in_the_release(qf: q.QueryFile, store: Store) -> None:
    assert q.rows(q.run(store, qf.text)) == q.rows(q.run(Store(), qf.text))


def test_unsourced_fact_query_catches_a_fact_without_a_quote(triples: list[Triple]) -> None:
    query = (paths.queries_dir() / "unsourced-fact-violation.rq").read_text(encoding="utf-8")
    assert unsourced_facts(triples, query) == []
    gbif = NamedNode("https://w3id.org/opendata-graph/organisation/gbif")
    invented = Triple(gbif, NamedNode(ORG.memberOf), NamedNode("https://w3id.org/opendata-graph/cohort/cohort-1"))
    assert unsourced_facts([*triples, invented], query) == [tuple(str(t) for t in invented)]
    note = Triple(gbif, NamedNode("http://www.w3.org/2004/02/skos/core#note"), Literal("unquoted"))
    assert len(unsourced_facts([*triples, invented, note], query)) == 2


def test_table_output_is_readable(store: Store) -> None:
    (qf,) = [x for x in QUERIES if x.name == "people-and-roles"]
    text = q.serialize_results(q.run(store, qf.text), "table")
    lines = text.splitlines()
    assert lines[0].split() == ["person", "title", "organisation"]
    assert set(lines[1]) <= {"-", " "}
    assert "Tim Robertson" in text and "Head of Informatics" in text
    assert lines[-1] == "(9 rows)"


def test_a_violation_query_with_rows_fails_validation_at_the_yaml(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    queries = tmp_path / "queries"
    shutil.copytree(paths.queries_dir(), queries)
    (queries / "people-without-orcid-violation.rq").write_text(
        "# title: People without an ORCID\n# answers: every person lacks one but Tim Robertson.\n"
        "SELECT ?person WHERE { ?person a <http://xmlns.com/foaf/0.1/Person> . "
        "FILTER NOT EXISTS { ?person <http://schema.org/identifier>/<http://schema.org/propertyID> \"ORCID\" } }\n",
        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "validate", "--queries", str(queries)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error: People without an ORCID" in line]
    assert len(errors) == 8
    assert errors[0].startswith("data/people/guillaume-rischard.yaml:1:1: error: People without an ORCID "
                                "(people-without-orcid-violation.rq)")
