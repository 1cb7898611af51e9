"""A second SHACL engine (pyrudof, Rust) agrees with pyshacl on the core constraints we use.

Both engines judge the real release and the mutated fixture that breaks every node shape. They must agree on
conformance and on the set of (focus node, constraint component, severity) of the results. SHACL-SPARQL
constraints (``sh:sparql``) are not SHACL Core: they are left out of the comparison, and pyrudof is given the
shapes without them.
"""

from __future__ import annotations

import pyrudof
import rdflib
from pyoxigraph import Triple
from pyshacl import validate

from .checks import SH, SHAPES, mutate, to_rdflib

Row = tuple[str, str, str]
SEVERITY = {"Violation": "Violation", "Warning": "Warning", "Info": "Info"}


def core_shapes() -> rdflib.Graph:
    """The shapes without their SHACL-SPARQL constraints."""
    g = rdflib.Graph()
    for t in SHAPES:
        g.add(t)
    for shape, constraint in list(g.subject_objects(SH.sparql)):
        g.remove((shape, SH.sparql, constraint))
        for t in list(g.triples((constraint, None, None))):
            g.remove(t)
    return g


def pyshacl_rows(data: rdflib.Graph) -> set[Row]:
    _, report, _ = validate(data, shacl_graph=SHAPES, inference="none", advanced=True, allow_warnings=True)
    rows = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        component = str(report.value(r, SH.sourceConstraintComponent))
        if component.endswith("SPARQLConstraintComponent"):
            continue
        severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1]
        rows.add((str(report.value(r, SH.focusNode)), component, severity))
    return rows


def pyrudof_rows(data: rdflib.Graph) -> set[Row]:
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(core_shapes().serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
    report = rudof.validate_shacl()
    rows = set()
    for v in report.violations:
        focus, component, severity = (str(getattr(v, a)()) if callable(getattr(v, a)) else str(getattr(v, a))
                                      for a in ("focus_node", "constraint_component", "severity"))
        rows.add((focus.strip("<>"), component.strip("<>"), SEVERITY.get(severity, severity)))
    return rows


def test_engines_agree_on_the_release(triples: list[Triple]) -> None:
    data = to_rdflib(triples)
    ours, theirs = pyshacl_rows(data), pyrudof_rows(data)
    assert ours == theirs
    assert ours == {("https://w3id.org/opendata-graph/product/openstreetmap-org",
                     "http://www.w3.org/ns/shacl#MinCountConstraintComponent", "Warning")}


def test_engines_agree_on_the_fixture_that_breaks_every_shape(triples: list[Triple]) -> None:
    mutated, expected = mutate(to_rdflib(triples))
    ours, theirs = pyshacl_rows(mutated), pyrudof_rows(mutated)
    assert len(ours) >= len(expected)
    assert ours - theirs == set() and theirs - ours == set()
    assert {focus for focus, _, _ in ours} >= {str(f) for f in expected.values()}
