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
    if ODG.NegativeProperty in {o.value for o in props.get(RDF.type, [])}:  # aligned to what it denies
        parents = [o.value for o in props.get(SKOS.related, []) if isinstance(o, NamedNode)]
    assert any(p.startswith(STANDARD_NAMESPACES) for p in parents), f"{term} is not aligned to a standard term"


def test_no_negative_property_refines_a_positive_one(ontology_bytes: bytes) -> None:
    """A negative fact ("not funded by") never entails a positive one: a property typed odg:NegativeProperty, or
    labelled "not ...", has no super-property at all (transitively: nothing above it but other negatives), and
    one labelled "not ..." is typed so."""
    terms = own_terms(ontology_bytes)
    negative = {t for t, props in terms.items() if ODG.NegativeProperty in {o.value for o in props.get(RDF.type, [])}}
    labelled = {t for t, props in terms.items()
                if any(str(o.value).lower().startswith("not ") for o in props.get(RDFS.label, []))}
    assert labelled <= negative, f"labelled as negations but not typed odg:NegativeProperty: {labelled - negative}"
    assert negative, "the ontology has a negative property (odg:notFundedBy)"
    for term in negative:
        above = [o.value for o in terms[term].get(RDFS.subPropertyOf, [])]
        assert all(p in negative for p in above), f"{term} refines {above}, a positive relation"


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


def test_the_converter_bounds_each_qualifier_as_the_ontology_says(ontology_bytes: bytes) -> None:
    """Each qualifier concept states its bound (odg:bound) and each bound its number's property
    (odg:numberProperty); the converter's tables follow them exactly, for every qualifier."""
    from pyoxigraph import RdfFormat, parse

    from opendata_graph.convert import BOUND_PROPERTY, QUALIFIER_BOUND
    from opendata_graph.namespaces import BOUND, QUALIFIER

    triples = list(parse(ontology_bytes, format=RdfFormat.TURTLE))
    bounds = {t.subject.value.removeprefix(str(QUALIFIER)): t.object.value.removeprefix(str(BOUND))
              for t in triples if t.predicate.value == ODG.bound and t.subject.value.startswith(str(QUALIFIER))}
    numbers = {t.subject.value.removeprefix(str(BOUND)): t.object.value
               for t in triples if t.predicate.value == ODG.numberProperty}
    assert bounds == QUALIFIER_BOUND
    assert numbers == {k: v[0] for k, v in BOUND_PROPERTY.items()}
