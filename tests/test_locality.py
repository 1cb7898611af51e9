"""Which violation queries an incremental validation may re-run per subject (stages/locality.py): the project's
own two, and queries of the same shape; anything reading another node's triples, or all of them, is not."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from pyoxigraph import RdfFormat, Store

from opendata_graph.core import paths
from opendata_graph.stages.locality import why_not_local

from . import registry as generate
from .checks import BASE
from .sparql_strategies import query

P = ("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX prov: <http://www.w3.org/ns/prov#> "
     "PREFIX ex: <http://example.org/> ")

LOCAL = {
    "a filter on the subject's triples": "SELECT ?subject WHERE { ?subject ?p ?o FILTER(isBlank(?o)) }",
    "an OPTIONAL on the subject": "SELECT ?subject WHERE { ?subject a ex:C OPTIONAL { ?subject ex:p ?x } "
                                  "FILTER(!BOUND(?x)) }",
    "NOT EXISTS reading the statements of its facts": (
        "SELECT ?subject WHERE { ?subject ?p ?o FILTER NOT EXISTS { ?st rdf:subject ?subject ; rdf:predicate ?p ; "
        "rdf:object ?o ; prov:wasDerivedFrom ?s . ?s a ex:Excerpt } }"),
    "a source typed in a UNION under the statement's group": (
        "SELECT ?subject WHERE { ?subject ?p ?o MINUS { ?st rdf:subject ?subject ; prov:wasDerivedFrom ?s . "
        "{ ?s a ex:A } UNION { ?s a ex:B } } }"),
    "VALUES and BIND": "SELECT ?subject ?t WHERE { VALUES ?c { ex:A ex:B } ?subject a ?c BIND(STR(?c) AS ?t) }",
    "ORDER BY and DISTINCT": "SELECT DISTINCT ?subject WHERE { ?subject ex:p ?o } ORDER BY ?subject",
    "OPTIONAL on a statement the left side binds": (
        "SELECT ?subject WHERE { ?subject ex:p ?o . ?st rdf:subject ?subject OPTIONAL { ?st ex:flag ?y } "
        "FILTER(!BOUND(?y)) }"),
    "NOT EXISTS after a BIND": "SELECT ?subject WHERE { ?subject ex:p ?o BIND(1 AS ?one) FILTER NOT EXISTS { "
                               "?subject ex:q ?one } }",
}

NOT_LOCAL = {
    "a node the subject links to": "SELECT ?subject WHERE { ?subject ex:p ?o . ?o ex:q ?x }",
    "a node linking to the subject": "SELECT ?subject WHERE { ?subject a ex:C FILTER NOT EXISTS { ?x ex:p ?subject } }",
    "a constant subject": "SELECT ?subject WHERE { ?subject a ex:C . ex:config ex:on true }",
    "a property path": "SELECT ?subject WHERE { ?subject ex:p/ex:q ?x }",
    "an aggregate over every subject": "SELECT ?subject (COUNT(*) AS ?n) WHERE { ?subject ?p ?o } GROUP BY ?subject",
    "LIMIT": "SELECT ?subject WHERE { ?subject ?p ?o } LIMIT 10",
    "a named graph": "SELECT ?subject WHERE { GRAPH ?g { ?subject ?p ?o } }",
    "a sub-query": "SELECT ?subject WHERE { { SELECT ?subject WHERE { ?subject ?p ?o } } }",
    "a blank node in the pattern": "SELECT ?subject WHERE { ?subject ex:p [ ex:q ?x ] }",
    "a statement's other triples read from another group's anchor (UNION does not carry it)": (
        "SELECT ?subject WHERE { { ?st rdf:subject ?subject } UNION { ?st ex:p ?x } }"),
    "a statement variable of MINUS's left side reused on its right (evaluated on its own)": (
        "SELECT ?subject WHERE { ?subject ?p ?o . ?st rdf:subject ?subject MINUS { ?st ex:flag ?subject } }"),
    "a source read beyond its type": (
        "SELECT ?subject WHERE { ?st rdf:subject ?subject ; prov:wasDerivedFrom ?s . ?s ex:text ?t }"),
    "a statement about another subject": "SELECT ?subject WHERE { ?subject ?p ?o . ?st rdf:subject ?o ; ex:p ?x }",
    # SPARQL evaluates a group's parts on their own before joining them: ?subject is not bound inside these
    "OPTIONAL inside MINUS, before the statement is bound": (
        "SELECT ?subject ?p ?o WHERE { ?subject ex:name ?o . BIND(ex:name AS ?p) MINUS { OPTIONAL { ?statement "
        "prov:wasDerivedFrom ?source } ?statement rdf:subject ?subject ; rdf:predicate ?p ; rdf:object ?o . } }"),
    "EXISTS in a sub-group": "SELECT ?subject WHERE { { FILTER EXISTS { ?subject a ex:D } } ?subject a ex:C }",
    "EXISTS in a BIND before the pattern": (
        "SELECT ?subject WHERE { BIND(EXISTS { ?subject a ex:D } AS ?e) ?subject a ex:C FILTER(?e) }"),
    "EXISTS in a UNION branch": (
        "SELECT ?subject WHERE { { { ?subject a ex:X } UNION { FILTER EXISTS { ?subject a ex:D } } } ?subject ex:n ?n }"),
    "OPTIONAL before the statement is bound, inside MINUS": (
        "SELECT ?subject WHERE { ?subject ex:name ?n MINUS { ?subject ex:name ?n OPTIONAL { ?st ex:flag ?y } "
        "?st rdf:subject ?subject } }"),
    "OPTIONAL first": "SELECT ?subject WHERE { OPTIONAL { ?subject a ex:D } ?subject a ex:C }",
    "an OPTIONAL reading a statement the left side does not bind": (
        "SELECT ?subject WHERE { ?subject ex:p ?o OPTIONAL { ?st ex:flag ?y } ?st rdf:subject ?subject }"),
    "EXISTS in the projection": "SELECT ?subject (EXISTS { ?o ex:q ?x } AS ?e) WHERE { ?subject ex:p ?o }",
    "EXISTS in ORDER BY": "SELECT ?subject WHERE { ?subject ex:p ?o } ORDER BY (EXISTS { ?subject ex:q ?x })",
    # a second review: EXISTS, OPTIONAL or MINUS applied before anything binds ?subject for certain
    "EXISTS before ?subject is bound, then OPTIONAL": (
        "SELECT ?subject WHERE { { FILTER EXISTS { ?subject a ex:D } } OPTIONAL { ?subject a ex:C } }"),
    "a statement's EXISTS before ?subject is bound": (
        "SELECT ?subject WHERE { { FILTER EXISTS { ?statement rdf:subject ?subject ; prov:wasDerivedFrom ?source } }"
        " OPTIONAL { ?subject a ex:Dataset } FILTER NOT EXISTS { ?subject ex:title ?t } }"),
    "VALUES then EXISTS, then OPTIONAL": (
        "SELECT ?subject WHERE { { VALUES ?z { 1 } FILTER EXISTS { ?st rdf:subject ?subject ; "
        "prov:wasDerivedFrom ?src } } OPTIONAL { ?subject a ex:C } }"),
    "EXISTS before ?subject is bound, then BIND ?subject": (
        "SELECT ?subject WHERE { { FILTER EXISTS { ?subject a ex:D } } BIND(ex:a AS ?subject) }"),
    "two OPTIONALs and nothing required": (
        "SELECT ?subject WHERE { OPTIONAL { ?subject a ex:C } OPTIONAL { ?subject a ex:D } }"),
    "MINUS after VALUES only": (
        "SELECT ?subject WHERE { VALUES ?o { ex:C } MINUS { ?subject a ?o } OPTIONAL { ?subject a ex:D } }"),
    "a new UUID for every part": (
        "SELECT ?subject WHERE { BIND(IRI(CONCAT('http://example.org/u', STRUUID())) AS ?subject) }"),
    "RAND in a filter": "SELECT ?subject WHERE { ?subject ex:p ?o FILTER(RAND() < 0.5) }",
    "not SPARQL": "SELECT ?subject WHERE { ?subject",
    "no ?subject projected (whose answer is it?)": "SELECT ?s WHERE { ?s ?p ?o FILTER(isBlank(?o)) }",
    "not a SELECT": "ASK { ?subject ?p ?o }",
}


@pytest.mark.parametrize("query", LOCAL.values(), ids=LOCAL.keys())
def test_local(query: str) -> None:
    assert why_not_local(P + query) is None


@pytest.mark.parametrize("query", NOT_LOCAL.values(), ids=NOT_LOCAL.keys())
def test_not_local(query: str) -> None:
    assert why_not_local(P + query)


def test_the_projects_violation_queries_are_local() -> None:
    """Else every incremental validation would run in full (tests/test_incremental.py checks the answers)."""
    found = sorted(paths.queries_dir().glob("*-violation.rq"))
    assert len(found) == 2
    assert {q.name: why_not_local(q.read_text(encoding="utf-8")) for q in found} == {q.name: None for q in found}


# -- the analysis against the converter's files: a query it calls local answers for a subject from that subject's
# files what it answers from the whole graph -------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def files() -> tuple[Store, dict[str, Store]]:
    """A small registry's whole graph, and for each subject the graphs of the files that state something about it
    (what the cache's re-run reads)."""
    from opendata_graph.source.load import load
    from opendata_graph.stages.convert import convert_files

    root = Path(tempfile.mkdtemp(prefix="odg-locality-"))
    generate.generate(6, root, cohorts=2)
    rows = convert_files(load(root / "data"), BASE).rows.values()
    everything = store(r for file in rows for r in file)
    subjects = {s for file in rows for s, _, _ in file}
    return everything, {s: store(r for file in rows if any(t[0] == s for t in file) for r in file) for s in subjects}


def store(rows: Iterable[tuple[str, str, str]]) -> Store:
    out = Store()
    out.load("".join(f"{s} {p} {o} .\n" for s, p, o in rows).encode(), format=RdfFormat.N_TRIPLES)
    return out


def answers(graph: Store, query: str) -> set[str]:
    return {str(row["subject"]) for row in graph.query(query)}  # type: ignore[index, union-attr]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(text=query())
def test_a_local_query_answers_for_a_subject_from_its_files(text: str) -> None:
    assume(why_not_local(text) is None)
    everything, stated = files()
    found = answers(everything, text)
    wrong = [s for s, graph in stated.items() if (s in found) != (s in answers(graph, text))]
    assert not wrong, (text, wrong[:3])
