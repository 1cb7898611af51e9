"""Every SHACL node shape has a passing fixture (the real release) and a failing one (a mutated copy).

Failing fixtures are made by mutation: for each node shape, one focus node of its target class loses the
values of the shape's first required property (``sh:minCount`` >= 1); or, for shapes built only of
``sh:or``/``sh:xone``, every property but its type. All mutations go into one graph, validated once, and each
must produce a result for its focus node from its shape (or from one of the shape's property shapes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Triple
from pyshacl import validate

from .checks import NODE_SHAPES, NOT_IN_THE_RELEASE, SH, SHAPES, mutate, to_rdflib


@pytest.fixture(scope="module")
def data(triples: list[Triple]) -> rdflib.Graph:
    return to_rdflib(triples)


def test_every_class_in_the_data_has_a_shape(data: rdflib.Graph) -> None:
    targets = {str(o) for o in SHAPES.objects(None, SH.targetClass)}
    data_namespaces = ("https://w3id.org/opendata-graph/ontology#", "http://www.w3.org/ns/org#",
                       "http://xmlns.com/foaf/0.1/Person", "http://www.w3.org/ns/dcat#Dataset")
    classes = {str(o) for o in data.objects(None, rdflib.RDF.type) if str(o).startswith(data_namespaces)}
    assert classes - targets <= {"http://www.w3.org/ns/org#OrganizationalCollaboration", "http://www.w3.org/ns/org#Role"}


@pytest.mark.parametrize("shape", [s for s in NODE_SHAPES if s not in NOT_IN_THE_RELEASE])
def test_shape_has_passing_focus_nodes(shape: str, data: rdflib.Graph) -> None:
    cls = SHAPES.value(rdflib.URIRef(shape), SH.targetClass)
    assert len(set(data.subjects(rdflib.RDF.type, cls))) >= 1, f"no {cls} in the release to pass {shape}"


def test_real_release_conforms(data: rdflib.Graph) -> None:
    conforms, _, text = validate(data, shacl_graph=SHAPES, inference="none", advanced=True, allow_warnings=True)
    assert conforms, text


def test_every_shape_fails_on_its_mutated_fixture(data: rdflib.Graph, tmp_path: Path) -> None:
    mutated, expected = mutate(data)
    mutated.serialize(tmp_path / "mutated.nt", format="nt", encoding="utf-8")  # the failing fixture
    _, report, _ = validate(mutated, shacl_graph=SHAPES, inference="none", advanced=True, allow_warnings=True)
    found: set[tuple[str, str]] = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        source = report.value(r, SH.sourceShape)
        owners = {str(s) for s in SHAPES.subjects(SH.property, source)} | {str(source)}
        for owner in owners:
            found.add((owner, str(report.value(r, SH.focusNode))))
    missing = [shape for shape, focus in expected.items() if (shape, str(focus)) not in found]
    assert missing == []


def test_bounds_are_bounds(data: rdflib.Graph) -> None:
    """A bounded figure carries its number as schema:minValue/maxValue with the bound its qualifier makes, never as
    schema:value: a figure given the value beside its bound, a bound its qualifier's words do not make, or a
    number without a bound, is a violation at that figure (and the release, unchanged, has none)."""
    from opendata_graph.core.namespaces import BOUND, ODG

    schema = rdflib.Namespace("http://schema.org/")
    stated = {str(o): s for s, o in data.subject_objects(rdflib.URIRef(ODG.statedAs))}
    over, nearly, seven = (stated[w] for w in ("over 20 organisations", "nearly 2 billion records",
                                                "seven established organisations"))
    mutated = rdflib.Graph()
    for t in data:
        mutated.add(t)
    mutated.add((over, schema.value, rdflib.Literal(20)))  # the bound read as the value
    mutated.set((nearly, rdflib.URIRef(ODG.bound), rdflib.URIRef(BOUND["inclusive-maximum"])))  # not what "nearly" says
    mutated.remove((seven, rdflib.URIRef(ODG.bound), None))  # a number with no bound
    _, report, _ = validate(mutated, shacl_graph=SHAPES, inference="none", advanced=True, allow_warnings=True)
    found = {(report.value(r, SH.focusNode), str(report.value(r, SH.resultMessage)).split(":")[0])
             for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
             if report.value(r, SH.resultSeverity) == SH.Violation}
    assert (over, "A figure's number stands under the one property its bound names (odg") in found
    assert (nearly, "The figure's bound is not the one its qualifier's words make (the qualifier's odg") in found
    assert (seven, "A figure's number stands under the one property its bound names (odg") in found
    assert {f for f, _ in found} == {over, nearly, seven}, found


def test_the_shapes_stay_within_one_link_so_validation_stays_incremental() -> None:
    """A SPARQL constraint that looks backwards (``$this ?p ?value`` reads as ``?x ?p ?value``) makes every
    incremental validation fall back to a full one, silently (issue 27's first figure shape did)."""
    from opendata_graph.core import paths
    from opendata_graph.stages.shapes import reach, read

    assert reach(read(paths.shapes_dir(), checked=True)) == 1
