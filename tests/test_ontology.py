"""The ontology: every term used in the data is declared; every own term is labelled, defined and aligned."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from opendata_graph import paths
from opendata_graph.namespaces import ODG, OWL, RDF, RDFS, SKOS, STANDARD_NAMESPACES
from opendata_graph.validate import load_turtle_dir

from .checks import declared_terms, undeclared_terms


def own_terms(ontology: bytes) -> dict[str, dict[str, list[object]]]:
    terms: dict[str, dict[str, list[object]]] = {}
    for t in parse(ontology, format=RdfFormat.TURTLE):
        if t.subject.value.startswith(str(ODG)) and t.subject.value != str(ODG):
            terms.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    return terms


def test_ontology_parses_strictly_and_has_no_blank_nodes(ontology_bytes: bytes) -> None:
    triples = list(parse(ontology_bytes, format=RdfFormat.TURTLE))
    assert len(triples) > 300
    assert not [t for t in triples if isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)]


def test_every_term_used_in_the_release_is_declared(triples: list[Triple], ontology_bytes: bytes) -> None:
    assert undeclared_terms(triples, ontology_bytes) == set()


def test_an_undeclared_term_is_caught(triples: list[Triple], ontology_bytes: bytes) -> None:
    typo = Triple(NamedNode("https://w3id.org/opendata-graph/organisation/gbif"), NamedNode("http://schema.org/nmae"),
                  Literal("GBIF"))
    assert undeclared_terms([*triples, typo], ontology_bytes) == {"http://schema.org/nmae"}


OWN_TERMS = sorted(own_terms(load_turtle_dir(paths.ontology_dir())))


def test_there_are_own_terms() -> None:
    assert len(OWN_TERMS) >= 20


@pytest.mark.parametrize("term", OWN_TERMS)
def test_own_term_is_labelled_defined_and_aligned(term: str, ontology_bytes: bytes) -> None:
    props = own_terms(ontology_bytes)[term]
    assert props.get(RDFS.label), f"{term} has no rdfs:label"
    assert props.get(SKOS.definition), f"{term} has no skos:definition"
    parents = [o.value for o in props.get(RDFS.subClassOf, []) + props.get(RDFS.subPropertyOf, [])
               + props.get(OWL.equivalentClass, []) + props.get(OWL.equivalentProperty, [])
               if isinstance(o, NamedNode)]
    assert any(p.startswith(STANDARD_NAMESPACES) for p in parents), f"{term} is not aligned to a standard term"


def test_own_terms_are_accompanied_by_the_standard_terms_they_refine(triples: list[Triple],
                                                                     ontology_bytes: bytes) -> None:
    """The vocabulary contract: wherever the data uses an own term, the standard super-term is stated too."""
    terms = own_terms(ontology_bytes)
    by_subject: dict[str, set[tuple[str, str]]] = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, set()).add((t.predicate.value, str(t.object)))
    missing = []
    for t in triples:
        p, o = t.predicate.value, t.object
        if p == RDF.type and isinstance(o, NamedNode) and o.value in terms:
            for parent in terms[o.value].get(RDFS.subClassOf, []):
                if (RDF.type, str(parent)) not in by_subject[t.subject.value]:
                    missing.append(f"{t.subject.value} a {o.value} but not {parent}")
        elif p in terms:
            for parent in terms[p].get(RDFS.subPropertyOf, []):
                if (parent.value, str(o)) not in by_subject[t.subject.value]:
                    missing.append(f"{t.subject.value} {p} {o} but not {parent}")
    assert missing == []


def test_declared_terms_include_own_and_standard(ontology_bytes: bytes) -> None:
    declared = declared_terms(ontology_bytes)
    assert ODG.Figure in declared and "http://www.w3.org/ns/org#Membership" in declared
