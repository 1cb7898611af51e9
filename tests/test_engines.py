"""The default SHACL engine (the `shacl` package) gives pyshacl's report, result for result.

Compared: every field of the located results (focus node, path, value, source shape, constraint component,
severity, message, location) on the release, on the fixture that breaks every node shape, on a synthetic registry
with violations injected at 1% of its nodes (three seeds), and on targeted mutations reaching the components the
random ones may miss (patterns, language tags, ill-typed dates, SHACL-SPARQL constraints, sh:in, sh:hasValue).
"""

from __future__ import annotations

from collections import Counter

import pytest
import rdflib

from opendata_graph.core import paths
from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.core.terms import Row, rows
from opendata_graph.source.load import load
from opendata_graph.stages.convert import Graph, convert
from opendata_graph.stages.validate import Result, load_turtle_dir, shacl

from .checks import generate, mutate, to_rdflib


def both(graph: Graph, data: list[Row]) -> tuple[list[Result], list[Result]]:
    return (shacl(graph, data, paths.shapes_dir(), "shacl"), shacl(graph, data, paths.shapes_dir(), "pyshacl"))


def assert_same(graph: Graph, data: list[Row]) -> list[Result]:
    native, reference = both(graph, data)
    assert native == reference, (sorted(set(native) - set(reference))[:5], sorted(set(reference) - set(native))[:5])
    return native


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, list[Row]]:
    out = tmp_path_factory.mktemp("registry")
    generate.generate(24, out)
    graph = convert(load(out / "data"), DEFAULT_BASE, load_turtle_dir(paths.ontology_dir()))
    return graph, graph.triples()


def test_same_report_on_the_release(graph: Graph) -> None:
    results = assert_same(graph, graph.triples())
    assert [(r.severity, r.component, r.focus) for r in results] == [
        ("warning", "sh:MinCountConstraintComponent", DEFAULT_BASE + "product/openstreetmap-org")]


def test_same_report_on_the_fixture_that_breaks_every_shape(graph: Graph) -> None:
    mutated, expected = mutate(to_rdflib(_oxigraph(graph.triples())))
    data = rows(_oxigraph_from_rdflib(mutated))
    results = assert_same(graph, data)
    assert {str(f) for f in expected.values()} <= {r.focus for r in results}


@pytest.mark.parametrize("seed", [1, 2])
def test_same_report_with_violations_injected_at_one_percent(registry: tuple[Graph, list[Row]], seed: int) -> None:
    graph, data = registry
    damaged = generate.inject_violations(data, 0.01, seed)
    assert damaged != data
    results = assert_same(graph, damaged)
    assert len({r.focus for r in results}) >= 10, "1% of the nodes were damaged: many must fail"


def test_same_report_on_targeted_mutations(registry: tuple[Graph, list[Row]]) -> None:
    graph, data = registry
    o1, o2 = f"<{DEFAULT_BASE}organisation/org-000001>", f"<{DEFAULT_BASE}organisation/org-000002>"
    licence = f"<{DEFAULT_BASE}licence/cc0-1-0>"
    swaps = {
        (o1, "<http://xmlns.com/foaf/0.1/homepage>"): "<ftp://org1.example.org>",  # sh:pattern
        (o1, "<http://www.w3.org/2000/01/rdf-schema#label>"): '"Organisation 000001"@fr',  # sh:languageIn
        (o2, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"): "<http://www.w3.org/ns/org#Organization>",
        (licence, "<http://www.w3.org/2002/07/owl#sameAs>"): "<http://spdx.org/licenses/Other>",  # SHACL-SPARQL
    }
    damaged = [(s, p, swaps.get((s, p), o)) for s, p, o in data]
    membership = next(s for s, p, o in data if p == "<http://www.w3.org/ns/org#member>")
    member = next(o for s, p, o in data if s == membership and p == "<http://www.w3.org/ns/org#member>")
    instants = sorted({s for s, p, o in data if p == "<http://www.w3.org/2006/time#inXSDgYearMonth>"})
    interval = next(s for s, p, o in data if o == "<http://www.w3.org/2006/time#Interval>")
    damaged = [r for r in damaged if not (r[0] == member and r[1] == "<http://www.w3.org/ns/org#memberOf>")]
    damaged += [
        (instants[0], "<http://www.w3.org/2006/time#inXSDDate>",
         '"2021-02-28"^^<http://www.w3.org/2001/XMLSchema#date>'),  # two dates: sh:xone
        (instants[1], "<http://www.w3.org/2006/time#inXSDDate>",
         '"2021-02-30"^^<http://www.w3.org/2001/XMLSchema#date>'),  # ill-typed: not a second date
        (interval, "<http://www.w3.org/2006/time#hasXSDDuration>",
         '"three years"^^<http://www.w3.org/2001/XMLSchema#duration>'),  # ill-typed: sh:datatype
        (membership, "<http://www.w3.org/ns/org#role>", "<https://example.org/role/boss>"),  # not in the scheme
    ]
    confidence = "<https://w3id.org/opendata-graph/ontology#confidence>"
    evidence = next(s for s, p, o in damaged if p == confidence)
    damaged = [(s, p, '"low"' if (s, p) == (evidence, confidence) else o) for s, p, o in damaged]  # sh:in
    results = assert_same(graph, damaged)
    components = Counter(r.component for r in results)
    for component in ("Pattern", "LanguageIn", "HasValue", "SPARQL", "In", "Xone", "Datatype"):
        assert components[f"sh:{component}ConstraintComponent"] >= 1, components
    assert [r.value for r in results if "role scheme" in r.message] == ["<https://example.org/role/boss>"]


def _oxigraph(data: list[Row]) -> list:  # type: ignore[type-arg]
    from pyoxigraph import RdfFormat, parse

    from opendata_graph.core.serialize import ntriples
    return list(parse(ntriples(data), format=RdfFormat.N_TRIPLES))  # type: ignore[arg-type]


def _oxigraph_from_rdflib(g: rdflib.Graph) -> list:  # type: ignore[type-arg]
    from pyoxigraph import RdfFormat, parse

    return list(parse(g.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES))  # type: ignore[arg-type]
