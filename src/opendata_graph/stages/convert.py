"""Convert step: records -> triples, each fact traced to its quote and each node to its file and line.

Every node gets a minted IRI under the configured base (no blank nodes): ``<base><kind>/<id>`` for entities and
paths below them for what they own (``.../membership/...``, ``.../figure/<id>``, ``.../period``). Each fact
triple is reified once as an ``rdf:Statement`` whose ``prov:wasDerivedFrom`` points at an ``odg:Excerpt`` of a
source document (an ``oa:SpecificResource`` with an ``oa:TextQuoteSelector``, and an ``oa:TextPositionSelector``
giving where its local copy has the quote when it has it once) or at ``odg:ExternalEvidence``.
The standard triples of the vocabulary contract (``org:memberOf`` beside ``org:Membership``, ``schema:name``
beside ``rdfs:label``...) are written explicitly, so consumers need no reasoner.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from ..core import mint
from ..core.errors import Location
from ..core.namespaces import (
    ADMS,
    ADMS_STATUS,
    BOUND,
    CC,
    DCAT,
    DCTERMS,
    FOAF,
    OA,
    ODG,
    ORG,
    OWL,
    PROV,
    QUALIFIER,
    QUDT,
    RDF,
    RDFS,
    ROLE,
    SCHEMA,
    SKOS,
    TEXT_LANGUAGE,
    TIME,
    WD,
    XSD,
)
from ..core.terms import RDF_TYPE, Row, Term, external_iri, iri, literal, value_of
from ..source.load import Dataset, Record, sources
from ..source.schema import REQUIREMENTS, UNIT_CODES, ListOf, Obj, date_text

#: Identifier keys published as schema:identifier PropertyValues, with their propertyID.
IDENTIFIER_SCHEMES = {"ror": "ROR", "orcid": "ORCID"}
#: What each figure qualifier makes the number: the local name of its bound (``odg:bound`` of the qualifier
#: concept in the ontology, which the shapes hold the figures to), and the property that bound carries the number
#: under (its ``odg:numberProperty``). A figure without a qualifier is exact.
QUALIFIER_BOUND = {"exact": "exact", "about": "approximate", "approximately": "approximate",
                   "more-than": "exclusive-minimum", "over": "exclusive-minimum", "from": "inclusive-minimum",
                   "nearly": "exclusive-maximum", "almost": "exclusive-maximum", "within-top": "inclusive-maximum"}
BOUND_PROPERTY: dict[str, tuple[str, ...]] = {
                  "exact": (SCHEMA.value,), "approximate": (ODG.approximateValue, QUDT.value),
                  "exclusive-minimum": (SCHEMA.minValue,), "inclusive-minimum": (SCHEMA.minValue,),
                  "exclusive-maximum": (SCHEMA.maxValue,), "inclusive-maximum": (SCHEMA.maxValue,)}
#: Kinds whose nodes are provenance machinery: their triples need no reified source of their own.
EXEMPT_TYPES = frozenset({ODG.SourceDocument, ODG.Excerpt, OA.TextQuoteSelector, OA.TextPositionSelector,
                          ODG.ExternalEvidence,
                          ODG.ReferenceFile, RDF.Statement, ODG.Ambiguity, SKOS.ConceptScheme})


def date_datatype(value: Any) -> tuple[str, str]:
    """The text and datatype (xsd:gYear, xsd:gYearMonth or xsd:date) of a YAML date value."""
    text = date_text(value) or str(value)
    return text, {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)


def literal_date(value: Any) -> Term:
    """An xsd:gYear, xsd:gYearMonth or xsd:date literal from a YAML date value."""
    text, datatype = date_datatype(value)
    return literal(text, datatype=datatype)


def en(text: str) -> Term:
    return literal(" ".join(text.split()), language=TEXT_LANGUAGE)


def digest(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass
class Graph:
    """The converted graph: fact triples with their provenance, plus where every node came from."""

    base: str
    facts: dict[Row, list[Term]] = field(default_factory=dict)
    annotations: dict[Row, set[tuple[str, str]]] = field(default_factory=dict)
    plain: set[Row] = field(default_factory=set)
    #: Minted node IRI -> the file/line that produced it (the last record to mint it wins; for nodes several
    #: records share, such as evidence, ``first_origins``: the first wins); (subject, predicate) -> the location
    #: of the key that first produced it.
    origins: dict[str, Location] = field(default_factory=dict)
    first_origins: dict[str, Location] = field(default_factory=dict)
    key_origins: dict[tuple[str, str], Location] = field(default_factory=dict)

    def iri(self, *parts: str) -> Term:
        return iri(mint.path(self.base, *parts))

    def add(self, s: Term, p: str, o: Term, prov: Sequence[Term], loc: Location | None = None,
            notes: Iterable[tuple[str, str]] = ()) -> None:
        """A fact triple, derived from ``prov`` (excerpts or evidence)."""
        triple = (s, _predicate(p), o)
        known = self.facts.setdefault(triple, [])
        known.extend(x for x in prov if x not in known)
        if notes:
            self.annotations.setdefault(triple, set()).update(notes)
        if loc is not None:
            self.key_origins.setdefault((s[1:-1], p), loc)

    def add_all(self, s: Term, predicates: Iterable[str], o: Term, prov: Sequence[Term],
                loc: Location | None = None, notes: Iterable[tuple[str, str]] = ()) -> None:
        for p in predicates:
            self.add(s, p, o, prov, loc, notes)

    def describe(self, s: Term, p: str, o: Term) -> None:
        """A triple of the provenance machinery (documents, excerpts, evidence): no source of its own."""
        self.plain.add((s, _predicate(p), o))

    def triples(self, ordered: bool = True) -> list[Row]:
        """Every triple, reifications included, in a deterministic order (subject, predicate rank, object) unless
        ``ordered`` is false."""
        out = self.plain | self.facts.keys()
        exempt_types = {iri(t) for t in EXEMPT_TYPES}
        exempt = {s for s, p, o in self.plain if p == RDF_TYPE and o in exempt_types}
        statement, subject, predicate, object_, derived = (iri(x) for x in (
            RDF.Statement, RDF.subject, RDF.predicate, RDF.object, PROV.wasDerivedFrom))
        for triple, prov in self.facts.items():
            s, p, o = triple
            if not prov and s in exempt:
                continue
            st = iri(mint.statement(self.base, digest(f"{s} {p} {o}", 20)))
            out.update(((st, RDF_TYPE, statement), (st, subject, s), (st, predicate, p), (st, object_, o)))
            out.update((st, derived, x) for x in prov)
            out.update((st, iri(note), en(text)) for note, text in self.annotations.get(triple, ()))
        return sorted(out, key=sort_key) if ordered else list(out)


@functools.lru_cache(maxsize=4096)
def _predicate(p: str) -> Term:
    """One shared string per predicate term (a million rows would otherwise hold a million copies)."""
    return iri(p)


_PREDICATE_RANK = {iri(RDF.type): "0", iri(RDFS.label): "1", iri(SKOS.prefLabel): "2"}


def sort_key(t: Row) -> tuple[str, str, str]:
    """Subject, then rdf:type, labels and the other predicates by IRI, then object: a stable reading order."""
    s, p, o = t
    return (s, _PREDICATE_RANK.get(p, "3") + p, o)


#: Where a word begins after white space (the position matched is the white space; the word starts at its end).
_WORD_START = re.compile(r"\s(?=\S)")


class LocalCopy:
    """A document's local copy, and where it has a quote: the quote's first character when the copy has it
    exactly once (twice, and which one a fact means is not said). A large copy (a million-triple registry's
    document, 18,000 quotes) is looked up through an index of the 8 characters that begin each of its words
    (after white space), not searched whole twice per quote."""

    GRAM = 8
    INDEX_FROM = 100_000  #: characters from which the index beats two searches of the text per quote

    def __init__(self, text: str) -> None:
        self.text = text
        self._grams: dict[str, list[int]] | None = None
        self._where: dict[str, int | None] = {}

    def where(self, quote: str) -> int | None:
        if quote not in self._where:
            self._where[quote] = self._find(quote)
        return self._where[quote]

    def _find(self, quote: str) -> int | None:
        text, g = self.text, self.GRAM
        if not quote:
            return None
        words = [m.end() for m in _WORD_START.finditer(quote) if m.end() + g <= len(quote)]  # inside the quote
        if not words or len(text) < self.INDEX_FROM:
            start = text.find(quote)
            return start if start >= 0 and text.find(quote, start + 1) < 0 else None
        if self._grams is None:
            self._grams = {}
            for m in _WORD_START.finditer(text):
                self._grams.setdefault(text[m.end():m.end() + g], []).append(m.end())
        grams = self._grams
        rarest = min(words, key=lambda j: len(grams.get(quote[j:j + g], ())))
        # every occurrence of the quote has this word of it at a word start of the text, which the index holds
        hits = [p - rarest for p in grams.get(quote[rarest:rarest + g], ())
                if p >= rarest and text.startswith(quote, p - rarest)]
        return hits[0] if len(hits) == 1 else None


class Converter:
    """Turns a loaded :class:`Dataset` into a :class:`Graph`."""

    def __init__(self, dataset: Dataset, base: str, texts: Mapping[str, str] | None = None) -> None:
        self.ds = dataset
        self.g = Graph(base)
        #: each document's local copy (:func:`opendata_graph.source.load.local_copies`): where its quotes are
        self.texts = {doc: LocalCopy(text) for doc, text in (texts or {}).items()}

    # -- identifiers --------------------------------------------------------------------------------------
    def node(self, id_: str) -> Term:
        """The entity's IRI: its own outside IRI where it has one (a licence's SPDX IRI), else the minted one."""
        record = self.ds.records[id_]
        external = record.external()
        return iri(external) if external is not None else iri(mint.record(self.g.base, record.kind.segment, id_))

    def label(self, id_: str) -> str:
        return self.ds.records[id_].label()

    # -- provenance -----------------------------------------------------------------------------------------
    def prov(self, record: Record, value: dict[str, Any], key: tuple[str | int, ...]) -> list[Term]:
        """The excerpt or evidence nodes that a fact mapping cites."""
        if "source" in value:
            return [self.excerpt(doc, quote) for doc, quote in sources(value["source"])]
        if "evidence" in value:
            return [self.evidence(str(value["evidence"]), str(value["confidence"]), record.loc(*key))]
        return []

    def excerpt(self, doc: str, quote: str) -> Term:
        node = iri(mint.excerpt(self.g.base, doc, digest(quote)))
        selector = iri(mint.below(value_of(node), mint.SELECTOR))
        g = self.g
        for t in (ODG.Excerpt, OA.SpecificResource, PROV.Entity):
            g.describe(node, RDF.type, iri(t))
        g.describe(node, OA.hasSource, self.node(doc))
        g.describe(node, OA.hasSelector, selector)
        g.describe(selector, RDF.type, iri(OA.TextQuoteSelector))
        g.describe(selector, OA.exact, literal(quote))
        copy = self.texts.get(doc)
        start = copy.where(quote) if copy is not None else None
        if start is not None:
            # xsd:integer, not the Web Annotation's xsd:nonNegativeInteger: pyoxigraph's store keeps every
            # integer type as xsd:integer, and a rebuild renders from the store (the shape checks >= 0)
            position = iri(mint.below(value_of(node), mint.POSITION))
            g.describe(node, OA.hasSelector, position)
            g.describe(position, RDF.type, iri(OA.TextPositionSelector))
            g.describe(position, OA.start, literal(str(start), datatype=XSD.integer))
            g.describe(position, OA.end, literal(str(start + len(quote)), datatype=XSD.integer))
        return node

    def evidence(self, text: str, confidence: str, loc: Location) -> Term:
        node = iri(mint.evidence(self.g.base, digest(confidence + "\n" + text)))
        reference = iri(mint.reference(self.g.base, "identifiers"))
        g = self.g
        for t in (ODG.ExternalEvidence, PROV.Entity):
            g.describe(node, RDF.type, iri(t))
        g.describe(node, RDFS.comment, literal(text))
        g.describe(node, ODG.confidence, literal(confidence))
        g.describe(node, SKOS.note, literal(confidence))  # odg:confidence refines skos:note
        g.describe(node, PROV.wasDerivedFrom, reference)
        g.describe(reference, RDF.type, iri(ODG.ReferenceFile))
        g.describe(reference, RDF.type, iri(PROV.Entity))
        g.describe(reference, RDFS.label,
                   en("Reference identifiers with their evidence (shared/reference/identifiers.yaml)"))
        g.first_origins.setdefault(value_of(node), loc)
        return node

    def sub_node(self, value: str, types: Sequence[str], label: str | None, prov: list[Term],
                 loc: Location) -> Term:
        """A node an entity owns (figure, membership, post, event...): minted, typed, labelled, located."""
        node = iri(value)
        self.g.origins[value] = loc
        for t in types:
            self.g.add(node, RDF.type, iri(t), prov, loc)
        if label is not None:
            self.g.add(node, RDFS.label, en(label), prov, loc)
        return node

    @staticmethod
    def notes_of(value: dict[str, Any]) -> list[tuple[str, str]]:
        out = []
        if "note" in value:
            out.append((SKOS.editorialNote, str(value["note"])))
        if "scope" in value:
            out.append((SKOS.scopeNote, str(value["scope"])))
        return out

    # -- the walk -----------------------------------------------------------------------------------------
    def convert(self) -> Graph:
        for record in sorted(self.ds.records.values(), key=lambda r: r.id):
            self.record(record)
        return self.g

    def record(self, r: Record) -> None:
        g, d, seg = self.g, r.data, r.kind.segment
        s = self.node(r.id)
        g.origins[value_of(s)] = r.loc()
        if "status" in d:
            return self.tombstone(r, s)
        prov = self.prov(r, d, ())
        for t in r.kind.classes:
            if seg in ("document", "ambiguity"):  # provenance machinery: typed without a source of its own
                g.describe(s, RDF.type, iri(t))
            else:
                g.add(s, RDF.type, iri(t), prov, r.loc())
        if "name" in d:
            for p in (RDFS.label, SKOS.prefLabel, SCHEMA.name) + ((FOAF.name,) if seg == "person" else ()):
                g.add(s, p, en(d["name"]), prov, r.loc("name"))
        for alt in d.get("short_names", []):
            g.add(s, SKOS.altLabel, en(alt), prov, r.loc("short_names"))
        self.declared(r, s)
        self.identifiers(r, s)
        for i, fig in enumerate(d.get("figures", [])):
            self.figure(r, s, fig, i)
        for i, m in enumerate(d.get("memberships", [])):
            self.membership(r, r.id, m["organisation"], m["role"], m, ("memberships", i))
        for i, lead in enumerate(d.get("leads", [])):
            self.membership(r, lead["value"], r.id, "lead", lead, ("leads", i))
        getattr(self, "kind_" + seg.replace("-", "_"), lambda *_: None)(r, s, prov)

    def tombstone(self, r: Record, s: Term) -> None:
        """A retired record: its IRI stays, deprecated, with its last label, its ADMS status, why and since when,
        and (merged) its successor; none of its facts. Registry metadata, not a fact of the sources: no
        statement of its own."""
        g, d = self.g, r.data
        g.describe(s, RDF.type, iri(ODG.RetiredResource))
        for p in (RDFS.label, SKOS.prefLabel):
            g.describe(s, p, en(r.label()))
        g.describe(s, OWL.deprecated, literal("true", datatype=XSD.boolean))
        g.describe(s, ADMS.status, iri(ADMS_STATUS[d["status"]]))
        if "replaced_by" in d:
            g.describe(s, DCTERMS.isReplacedBy, self.node(d["replaced_by"]))
        if "reason" in d:
            g.describe(s, SKOS.changeNote, en(d["reason"]))
        if "date" in d:
            g.describe(s, PROV.invalidatedAtTime, literal_date(d["date"]))
        for excerpt in self.prov(r, d, ()) if "source" in d else ():
            g.describe(s, PROV.wasDerivedFrom, excerpt)

    def declared(self, r: Record, s: Term) -> None:
        """The keys whose predicates the schema declares (``ListOf.to``): texts, then references, then
        references written in both directions."""
        g, d = self.g, r.data
        declared = [(key, spec) for key, spec in r.kind.spec.fields.items() if isinstance(spec, ListOf) and spec.to]
        texts = [(k, spec) for k, spec in declared if _is_text(spec)]
        references = [(k, spec) for k, spec in declared if not _is_text(spec) and spec.inverse is None]
        for key, spec in texts:
            for i, item in enumerate(d.get(key, [])):
                g.add_all(s, spec.to, en(item["text"]), self.prov(r, item, (key, i)), r.loc(key, i),
                          self.notes_of(item))
        for key, spec in references:
            for i, item in enumerate(d.get(key, [])):
                g.add_all(s, spec.to, self.node(item["value"]), self.prov(r, item, (key, i)), r.loc(key, i),
                          self.notes_of(item))
        for key, spec in declared:
            if spec.inverse is None:
                continue
            for i, item in enumerate(d.get(key, [])):
                cited, target = self.prov(r, item, (key, i)), self.node(item["value"])
                g.add_all(s, spec.to, target, cited, r.loc(key, i), self.notes_of(item))
                g.add(target, spec.inverse, s, cited, r.loc(key, i), self.notes_of(item))

    def identifiers(self, r: Record, s: Term) -> None:
        ids = r.data.get("identifiers", {})
        for key, values in ids.items():
            for i, item in enumerate(values):
                p, loc = self.prov(r, item, ("identifiers", key, i)), r.loc("identifiers", key, i)
                notes = self.notes_of(item)
                v = str(item["value"])
                if key == "homepage":
                    self.g.add_all(s, (FOAF.homepage, SCHEMA.url), external_iri(v), p, loc, notes)
                elif key == "wikidata":
                    self.g.add(s, OWL.sameAs, external_iri(WD[v]), p, loc, notes)
                elif key == "email":
                    self.g.add_all(s, (FOAF.mbox,), external_iri("mailto:" + v), p, loc, notes)
                elif key in IDENTIFIER_SCHEMES:
                    self.identifier(s, key, i, v, p, loc, notes)
                else:  # same_as: another IRI of the very same resource
                    self.g.add(s, OWL.sameAs, external_iri(v), p, loc, notes)

    def identifier(self, s: Term, key: str, i: int, v: str, p: list[Term], loc: Location,
                   notes: list[tuple[str, str]]) -> None:
        """A ROR or ORCID iD as its community publishes it: a schema:PropertyValue (propertyID, value, url), not
        owl:sameAs -- the registry's record is evidence about the entity, not the entity itself."""
        scheme = IDENTIFIER_SCHEMES[key]
        node = self.sub_node(mint.below(value_of(s), mint.IDENTIFIER, key + (f"-{i + 1}" if i else "")),
                             (SCHEMA.PropertyValue,), f"{scheme} {v}", p, loc)
        self.g.add(s, SCHEMA.identifier, node, p, loc, notes)
        self.g.add(node, SCHEMA.propertyID, literal(scheme), p, loc)
        self.g.add(node, SCHEMA.value, literal(v), p, loc)
        self.g.add(node, SCHEMA.url, external_iri(v), p, loc)

    def figure(self, r: Record, s: Term, fig: dict[str, Any], i: int) -> None:
        """A figure as a schema:PropertyValue: its name (what is counted or measured), the words the source uses,
        the number and its bound where the words give one, the unit as text and, where one exists, as a
        UN/CEFACT code and a QUDT unit; a price also as a schema:UnitPriceSpecification with its ISO 4217
        currency."""
        g, key = self.g, ("figures", i)
        p, loc, notes = self.prov(r, fig, key), r.loc(*key), self.notes_of(fig)
        name = fig["id"].replace("-", " ")
        f = self.sub_node(mint.below(value_of(s), mint.FIGURE, fig["id"]), (ODG.Figure, SCHEMA.PropertyValue),
                          f"{name[:1].upper()}{name[1:]} of {r.label()}: {fig['stated_as']}", p, loc)
        g.add(s, SCHEMA.additionalProperty, f, p, loc, notes)
        g.add(f, SCHEMA.name, en(name), p, r.loc(*key, "id"))
        g.add(f, SCHEMA.unitText, en(fig["unit"]), p, r.loc(*key, "unit"))
        g.add_all(f, (ODG.statedAs, SCHEMA.description), en(fig["stated_as"]), p, r.loc(*key, "stated_as"), notes)
        if "unit_code" in fig:
            g.add(f, SCHEMA.unitCode, literal(fig["unit_code"]), p, r.loc(*key, "unit_code"))
            g.add(f, QUDT.hasUnit, iri(UNIT_CODES[fig["unit_code"]][1]), p, r.loc(*key, "unit_code"))
        qualifier = fig.get("qualifier")  # only where the source's words carry one: never a default
        if qualifier is not None:
            g.add_all(f, (ODG.qualifier, SCHEMA.valueReference), iri(QUALIFIER[qualifier]), p,
                      r.loc(*key, "qualifier"))
        if "value" in fig:  # the number under the one property its bound gives: schema:value only when exact
            value = fig["value"]
            lit = literal(str(value), datatype=XSD.integer if isinstance(value, int) else XSD.decimal)
            bound = QUALIFIER_BOUND[qualifier] if qualifier is not None else "exact"
            g.add_all(f, BOUND_PROPERTY[bound], lit, p, r.loc(*key, "value"))
            g.add_all(f, (ODG.bound, SCHEMA.valueReference), iri(BOUND[bound]), p,
                      r.loc(*key, "qualifier" if qualifier else "value"))
            if "currency" in fig:
                self.price(r, f, fig, lit, p, key)
        if "date" in fig:
            g.add(f, DCTERMS.date, literal_date(fig["date"]), p, r.loc(*key, "date"))
        if "time_reference" in fig:
            g.add_all(f, (ODG.timeReference, SKOS.scopeNote), en(fig["time_reference"]), p,
                      r.loc(*key, "time_reference"))

    def price(self, r: Record, f: Term, fig: dict[str, Any], amount: Term, p: list[Term],
              key: tuple[str | int, ...]) -> None:
        """The price a figure states (``currency``): a schema:UnitPriceSpecification in its ISO 4217 currency,
        the amount as the price or its bound, ``per`` as the unit the price is given for."""
        g = self.g
        spec = self.sub_node(mint.below(value_of(f), mint.PRICE), (SCHEMA.UnitPriceSpecification,), fig["stated_as"], p,
                             r.loc(*key))
        g.add(f, SCHEMA.valueReference, spec, p, r.loc(*key, "currency"))
        g.add(spec, SCHEMA.priceCurrency, literal(fig["currency"]), p, r.loc(*key, "currency"))
        qualifier = fig.get("qualifier")
        kind = BOUND_PROPERTY[QUALIFIER_BOUND[qualifier] if qualifier is not None else "exact"][0]
        bound = {SCHEMA.minValue: SCHEMA.minPrice, SCHEMA.maxValue: SCHEMA.maxPrice}.get(kind, SCHEMA.price)
        g.add(spec, bound, amount, p, r.loc(*key, "value"))
        if "per" in fig:
            g.add(spec, SCHEMA.unitCode, literal(fig["per"]), p, r.loc(*key, "per"))
            g.add(spec, SCHEMA.unitText, en(UNIT_CODES[fig["per"]][0]), p, r.loc(*key, "per"))

    def membership(self, r: Record, member: str, organisation: str, role: str, value: dict[str, Any],
                   key: tuple[str | int, ...]) -> None:
        g = self.g
        m, o = self.node(member), self.node(organisation)
        p, loc, notes = self.prov(r, value, key), r.loc(*key), self.notes_of(value)
        label = f"{self.label(member)}, {role.replace('-', ' ')}, {self.label(organisation)}"
        ms = self.sub_node(mint.membership(g.base, member, organisation, role), (ORG.Membership,), label, p, loc)
        g.add(ms, ORG.member, m, p, loc)
        g.add(ms, ORG.organization, o, p, r.loc(*key, "organisation"))
        g.add(ms, ORG.role, iri(ROLE[role]), p, r.loc(*key, "role"))
        g.add(m, ORG.hasMembership, ms, p, loc)
        g.add(m, ORG.memberOf, o, p, loc, notes)
        g.add(o, ORG.hasMember, m, p, loc, notes)
        if "during" in value:
            g.add(ms, ORG.memberDuring, self.interval(r, ms, value["during"], p, (*key, "during")), p, loc)
        if "as_part_of" in value:
            g.add_all(ms, (ODG.asPartOf, DCTERMS.isPartOf), self.node(value["as_part_of"]), p,
                      r.loc(*key, "as_part_of"))

    def interval(self, r: Record, owner: Term, spec: dict[str, Any], default_prov: list[Term],
                 key: tuple[str | int, ...]) -> Term:
        """An OWL-Time interval (also a dcterms:PeriodOfTime) owned by ``owner``."""
        g = self.g
        node = iri(mint.below(value_of(owner), mint.PERIOD))
        p = [self.excerpt(doc, q) for doc, q in sources(spec["source"])] if "source" in spec else default_prov
        loc = r.loc(*key)
        g.origins[value_of(node)] = loc
        for t in (TIME.Interval, DCTERMS.PeriodOfTime):
            g.add(node, RDF.type, iri(t), p, loc)
        for field_, link, dcat in (("begin", TIME.hasBeginning, DCAT.startDate), ("end", TIME.hasEnd, DCAT.endDate),
                                   ("inside", TIME.inside, None)):
            if field_ not in spec:
                continue
            text, datatype = date_datatype(spec[field_])
            lit = literal(text, datatype=datatype)
            instant = iri(mint.below(value_of(node), field_))
            g.origins[value_of(instant)] = r.loc(*key, field_)
            g.add(node, link, instant, p, r.loc(*key, field_))
            g.add(instant, RDF.type, iri(TIME.Instant), p, r.loc(*key, field_))
            in_xsd = {XSD.gYear: TIME.inXSDgYear, XSD.gYearMonth: TIME.inXSDgYearMonth}.get(datatype, TIME.inXSDDate)
            g.add(instant, in_xsd, lit, p, r.loc(*key, field_))
            if dcat:
                g.add(node, dcat, lit, p, r.loc(*key, field_))
        if "within" in spec:
            g.add(node, TIME.intervalDuring, iri(mint.below(value_of(self.node(spec["within"])), mint.PERIOD)), p,
                  r.loc(*key, "within"))
        if "duration" in spec:
            g.add(node, TIME.hasXSDDuration, literal(spec["duration"], datatype=XSD.duration), p,
                  r.loc(*key, "duration"))
        return node

    # -- kind-specific fields -------------------------------------------------------------------------------
    def kind_document(self, r: Record, s: Term, _: list[Term]) -> None:
        g, d = self.g, r.data
        g.describe(s, RDFS.label, en(d["label"]))
        g.describe(s, DCTERMS.identifier, literal(d["local_copy"]))
        for i, item in enumerate(d.get("issued", [])):
            g.add(s, DCTERMS.issued, literal_date(item["value"]), self.prov(r, item, ("issued", i)), r.loc("issued", i))
        for i, item in enumerate(d.get("url", [])):
            g.add_all(s, (FOAF.page, SCHEMA.url), external_iri(item["value"]), self.prov(r, item, ("url", i)),
                      r.loc("url", i))

    def kind_organisation(self, r: Record, s: Term, _: list[Term]) -> None:
        g, d = self.g, r.data
        for i, ev in enumerate(d.get("events", [])):
            key = ("events", i)
            p, loc = self.prov(r, ev, key), r.loc(*key)
            e = self.sub_node(mint.below(value_of(s), mint.EVENT, ev["id"]), (ORG.ChangeEvent, PROV.Activity),
                              ev["label"], p, loc)
            g.add(e, ORG.resultingOrganization, s, p, loc)
            g.add(s, ORG.resultedFrom, e, p, loc)
            if "original" in ev:
                g.add(e, ORG.originalOrganization, self.node(ev["original"]), p, r.loc(*key, "original"))
            if "date" in ev:
                g.add(e, DCTERMS.date, literal_date(ev["date"]), p, r.loc(*key, "date"))
        for i, funding in enumerate(d.get("funding", [])):
            self.funding(r, s, funding, ("funding", i))
        for i, act in enumerate(d.get("activities", [])):
            key = ("activities", i)
            p, loc = self.prov(r, act, key), r.loc(*key)
            a = self.sub_node(mint.below(value_of(s), mint.ACTIVITY, act["id"]), (ODG.Activity, PROV.Activity),
                              act["text"], p, loc)
            g.add(a, PROV.wasAssociatedWith, s, p, loc)
            if "during" in act:
                g.add(a, TIME.hasTime, self.interval(r, a, act["during"], p, (*key, "during")), p, loc)

    def funding(self, r: Record, s: Term, f: dict[str, Any], key: tuple[str | int, ...]) -> None:
        """Funding as the source states it, received (a schema:Grant the organisation has as schema:funding) or
        denied (an odg:FundingDenial, its funder under odg:deniedFunder), each node carrying its funder and its
        scope (odg:fundingScope), so the scope is part of the fact in every dump. The plain relation
        (schema:funder, odg:notFundedBy) is written only for funding without a scope: it would drop it."""
        g = self.g
        p, loc = self.prov(r, f, key), r.loc(*key)
        funder = self.node(f["funder"]) if "funder" in f else None
        who = f.get("funders") or self.label(f["funder"])
        scope = f" {f['scope']}" if "scope" in f else ""
        received = f["received"]
        label = f"{r.label()} {'funded' if received else 'not funded'} by {who}{scope}"
        types = (ODG.Funding, SCHEMA.Grant) if received else (ODG.FundingDenial, PROV.Entity)
        n = self.sub_node(mint.below(value_of(s), mint.FUNDING, f["id"]), types, label, p, loc)
        g.add_all(s, (ODG.fundingStatement, DCTERMS.relation), n, p, loc)
        if received:
            g.add(s, SCHEMA.funding, n, p, loc)
            if funder is not None:
                g.add(n, SCHEMA.funder, funder, p, r.loc(*key, "funder"))
                if not scope:
                    g.add(s, SCHEMA.funder, funder, p, r.loc(*key, "funder"))
        elif funder is not None:
            g.add(n, ODG.deniedFunder, funder, p, r.loc(*key, "funder"))
            if not scope:
                g.add(s, ODG.notFundedBy, funder, p, r.loc(*key, "funder"))
        if "funders" in f:
            g.add_all(n, (ODG.funderText, SKOS.note), en(f["funders"]), p, r.loc(*key, "funders"))
        if "scope" in f:
            g.add_all(n, (ODG.fundingScope, SKOS.scopeNote), en(f["scope"]), p, r.loc(*key, "scope"))

    def kind_programme(self, r: Record, s: Term, prov: list[Term]) -> None:
        if "period" in r.data:
            self.g.add(s, DCTERMS.temporal, self.interval(r, s, r.data["period"], prov, ("period",)), prov,
                       r.loc("period"))

    def kind_person(self, r: Record, s: Term, _: list[Term]) -> None:
        g = self.g
        for i, post in enumerate(r.data.get("posts", [])):
            key = ("posts", i)
            p, loc = self.prov(r, post, key), r.loc(*key)
            o = self.node(post["organisation"])
            named_by = "title" if "title" in post else "body"  # a job title, or only the body sat on
            node = self.sub_node(mint.below(value_of(s), mint.POST, post["organisation"]), (ORG.Post,), post[named_by],
                                 p, loc)
            title = en(post[named_by])
            g.add(node, SKOS.prefLabel, title, p, r.loc(*key, named_by))
            g.add(node, ORG.postIn, o, p, r.loc(*key, "organisation"))
            g.add(node, ORG.heldBy, s, p, loc)
            g.add(o, ORG.hasPost, node, p, loc)
            g.add(s, ORG.holds, node, p, loc)
            if named_by == "title":
                g.add(s, SCHEMA.jobTitle, title, p, r.loc(*key, "title"))
            g.add(s, SCHEMA.affiliation, o, p, r.loc(*key, "organisation"))
        for i, said in enumerate(r.data.get("statements", [])):
            self.quotation(r, s, said, ("statements", i))

    def quotation(self, r: Record, s: Term, said: dict[str, Any], key: tuple[str | int, ...]) -> None:
        """A statement the person is quoted as making: a schema:Quotation with its exact text (not normalised),
        its speaker (schema:spokenByCharacter, prov:wasAttributedTo), the post they spoke in and the document."""
        g = self.g
        p, loc = self.prov(r, said, key), r.loc(*key)
        documents = [doc for doc, quote in sources(said["source"]) if quote == said["text"]]
        q = self.sub_node(mint.below(value_of(s), mint.QUOTATION, said["id"]), (SCHEMA.Quotation, PROV.Entity),
                          f"{r.label()} quoted ({said['id'].replace('-', ' ')})", p, loc)
        g.add(q, SCHEMA.text, literal(said["text"], language=TEXT_LANGUAGE), p, r.loc(*key, "text"))
        g.add(q, SCHEMA.spokenByCharacter, s, p, loc)
        g.add(q, PROV.wasAttributedTo, s, p, loc)
        g.add_all(q, (ODG.spokenInPost, DCTERMS.relation), iri(mint.below(value_of(s), mint.POST, said["post"])), p,
                  r.loc(*key, "post"))
        for doc in documents:  # none when the text is not one of its quotes: the shape says so
            g.add(q, SCHEMA.isPartOf, self.node(doc), p, r.loc(*key, "text"))

    def kind_licence(self, r: Record, s: Term, prov: list[Term]) -> None:
        g, d = self.g, r.data
        if "spdx" in d:  # the licence is its SPDX IRI (self.node); the minted IRI is the page about it
            page, loc = iri(mint.record(g.base, r.kind.segment, r.id)), r.loc("spdx")
            g.origins[value_of(page)] = loc
            g.add(page, RDF.type, iri(FOAF.Document), prov, loc)
            g.add(page, FOAF.primaryTopic, s, prov, loc)
            g.add(s, FOAF.isPrimaryTopicOf, page, prov, loc)
            g.add(s, DCTERMS.identifier, literal(d["spdx"]), prov, loc)
        for i, req in enumerate(d.get("requires", [])):
            g.add(s, CC.requires, iri(REQUIREMENTS[req["value"]]), self.prov(r, req, ("requires", i)),
                  r.loc("requires", i), self.notes_of(req))

    def kind_ambiguity(self, r: Record, s: Term, prov: list[Term]) -> None:
        g, d = self.g, r.data
        g.describe(s, RDFS.label, en(d["title"]))
        g.describe(s, OA.bodyValue, en(d["text"]))
        g.describe(s, OA.motivatedBy, iri(OA.questioning))
        for target in d["about"]:
            g.describe(s, OA.hasTarget, self.node(target))
        for excerpt in prov:
            g.describe(s, OA.hasTarget, excerpt)


def _is_text(spec: ListOf) -> bool:
    return isinstance(spec.item, Obj) and "text" in spec.item.fields


def vocabulary(ontology: bytes) -> list[Row]:
    """The ontology's concept schemes (membership roles, figure qualifiers and bounds) that the data points at.

    They are copied into the release so that a consumer of the dump alone can read every role and qualifier.
    """
    from pyoxigraph import RdfFormat, parse

    schemes = (str(ROLE), str(QUALIFIER), str(BOUND))
    return [(str(t.subject), str(t.predicate), str(t.object)) for t in parse(ontology, format=RdfFormat.TURTLE)
            if isinstance(t.subject, NamedNode) and (t.subject.value + "/").startswith(schemes)]


def convert(dataset: Dataset, base: str, ontology: bytes = b"", texts: Mapping[str, str] | None = None) -> Graph:
    """Convert every record of ``dataset`` into triples under ``base`` (plus the ontology's concept schemes);
    ``texts``: the documents' local copies, where each quote's position is found."""
    graph = Converter(dataset, base, texts).convert()
    graph.plain.update(vocabulary(ontology) if ontology else ())
    return graph


#: Where each record's origins came from: (kind, key, record id, location); kind is "last" (origins), "first"
#: (first_origins) or "key" (key_origins, the key being "subject\tpredicate").
Contribution = tuple[str, str, str, Location]


@dataclass
class FileConversion:
    """The graph converted file by file: each source file's rows and origin contributions (for the cache), and
    the merged source map (``located``: a :class:`Graph` without triples, for locating results)."""

    rows: dict[Path, list[Row]]
    contributions: dict[Path, list[Contribution]]
    located: Graph


def convert_files(dataset: Dataset, base: str, records: Iterable[Record] | None = None,
                  texts: Mapping[str, str] | None = None, emit: Callable[[list[Row]], None] | None = None,
                  keep: bool = True) -> FileConversion:
    """Convert ``records`` (default: all) file by file, in the same record order as :func:`convert`.

    The union of the files' rows (plus :func:`vocabulary`) is the graph :func:`convert` gives (tested), and
    replaying the contributions in record-id order rebuilds its source map. ``emit`` is given each file's rows as
    soon as its last record is converted (a graph streamed to its checks); ``keep=False``: the rows are not kept
    (``rows`` is empty, the graph is only emitted).
    """
    conv = Converter(dataset, base, texts)
    merged = Graph(base)
    graphs: dict[Path, Graph] = {}
    contributions: dict[Path, list[Contribution]] = {}
    chosen = sorted(dataset.records.values() if records is None else records, key=lambda r: r.id)
    left = collections.Counter(r.path for r in chosen)  # records still to convert, by file
    rows: dict[Path, list[Row]] = {}
    for record in chosen:
        g = graphs.setdefault(record.path, Graph(base))
        g.origins, g.first_origins, g.key_origins = {}, {}, {}
        conv.g = g
        conv.record(record)
        merged.origins.update(g.origins)
        for k, loc in g.first_origins.items():
            merged.first_origins.setdefault(k, loc)
        for key, loc in g.key_origins.items():
            merged.key_origins.setdefault(key, loc)
        mine = contributions.setdefault(record.path, [])
        mine += [("last", k, record.id, loc) for k, loc in g.origins.items()]
        mine += [("first", k, record.id, loc) for k, loc in g.first_origins.items()]
        mine += [("key", f"{k[0]}\t{k[1]}", record.id, loc) for k, loc in g.key_origins.items()]
        left[record.path] -= 1
        if not left[record.path]:  # the file's last record: its rows are complete
            done = graphs.pop(record.path).triples(ordered=False)
            if emit is not None:
                emit(done)
            if keep:
                rows[record.path] = done
    return FileConversion(rows, contributions, merged)
