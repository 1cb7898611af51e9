"""The ontology's documentation page as a view model (``templates/ontology.html``): what the owl:Ontology says of
itself (title, comment, version IRI, licence), then its classes, object, data and annotation properties, each with
its label, comment (its definition) and what it refines; then the concept schemes with their concepts (from the
release)."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Store

from ..core.namespaces import DCTERMS, OWL, RDFS, SKOS
from .views import Context, Link, curie

#: The sections of the page: the kind of term, its heading.
SECTIONS = ((OWL.Class, "Classes"), (OWL.ObjectProperty, "Object properties"),
            (OWL.DatatypeProperty, "Data properties"), (OWL.AnnotationProperty, "Annotation properties"))


@dataclass(frozen=True)
class Term:
    """An own term: its local name (the row's id), label, comment, and the terms it refines (by CURIE)."""

    local: str
    label: str
    comment: str
    parents: tuple[Link, ...]


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Scheme:
    """A concept scheme and its concepts: (the concept by CURIE, its label, its definition)."""

    label: str
    iri: str
    definition: str
    concepts: tuple[tuple[Link, str, str], ...]


@dataclass(frozen=True)
class OntologyPage:
    title: str
    comment: str
    iri: str
    version_iri: str
    version: str
    licence: Link | None
    turtle: str  #: the ontology as Turtle
    sections: tuple[Section, ...]
    schemes: tuple[Scheme, ...]


def ontology(ctx: Context, store: Store, iri: str) -> OntologyPage:
    """The page of the ontology ``iri`` described in ``store``."""
    found: dict[str, str] = {}
    for q in store.quads_for_pattern(NamedNode(iri), None, None):
        if isinstance(q.object, NamedNode | Literal):
            found.setdefault(q.predicate.value, q.object.value)
    sections = tuple(Section(heading.lower().replace(" ", "-"), heading, terms)
                     for kind, heading in SECTIONS if (terms := _terms(ctx, store, iri, kind)))
    return OntologyPage(found.get(DCTERMS.title, "opendata-graph ontology"), found.get(RDFS.comment, ""), iri,
                        found.get(OWL.versionIRI, ""), found.get(OWL.versionInfo, ""),
                        ctx.link(NamedNode(found[DCTERMS.license])) if DCTERMS.license in found else None,
                        f"{ctx.root}ontology.ttl", sections, schemes(ctx))


def _terms(ctx: Context, store: Store, iri: str, kind: str) -> tuple[Term, ...]:
    """Every own term of ``kind``: its name, label, comment, what it refines."""
    rows = store.query(f"""
        PREFIX rdfs: <{RDFS}>
        SELECT ?term ?label ?comment (GROUP_CONCAT(STR(?parent); separator=" ") AS ?parents) WHERE {{
          ?term rdfs:isDefinedBy <{iri}> ; a <{kind}> ; rdfs:label ?label ; rdfs:comment ?comment .
          OPTIONAL {{ ?term rdfs:subClassOf|rdfs:subPropertyOf ?parent . FILTER(isIRI(?parent)) }}
        }} GROUP BY ?term ?label ?comment ORDER BY ?term""")
    return tuple(Term(r["term"].value.rsplit("#", 1)[-1], r["label"].value, r["comment"].value,
                      tuple(Link(curie(p), ctx.href(p) if ctx.linkable(p) else "")
                            for p in sorted(r["parents"].value.split() if r["parents"] else ())))
                 for r in rows)  # type: ignore[union-attr]


def schemes(ctx: Context) -> tuple[Scheme, ...]:
    """Each concept scheme (roles, qualifiers: not in the published ontology document, whose concepts the
    release's own data carries): its concepts, labels, definitions."""
    found = ctx.store.query(f"""
        PREFIX skos: <{SKOS}>
        SELECT ?scheme ?label ?definition WHERE {{ ?scheme a skos:ConceptScheme ; skos:prefLabel ?label .
          OPTIONAL {{ ?scheme skos:definition ?definition }} }} ORDER BY ?scheme""")
    out = []
    for sch in found:  # type: ignore[union-attr]
        concepts = ctx.store.query(f"""
            PREFIX skos: <{SKOS}>
            SELECT ?c ?label ?definition WHERE {{ ?c skos:inScheme <{sch["scheme"].value}> ;
              skos:prefLabel ?label . OPTIONAL {{ ?c skos:definition ?definition }} }} ORDER BY ?c""")
        out.append(Scheme(sch["label"].value, sch["scheme"].value,
                          sch["definition"].value if sch["definition"] else "",
                          tuple((Link(curie(c["c"].value), ctx.href(c["c"].value)), c["label"].value,
                                 c["definition"].value if c["definition"] else "")
                                for c in concepts)))  # type: ignore[union-attr]
    return tuple(out)
