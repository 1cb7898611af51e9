"""A resource's page as a view model (``templates/resource.html`` renders it): the summary box first
(:mod:`opendata_graph.web.summary_view`), then its figures, its other facts with the ontology's labels (the CURIE on
hover; a value stated under two standard properties shown once), each with its quotes one click away; then a
publisher's data licences, a document's excerpts, the reference file's evidence, incoming links grouped by
relation, and how to cite it.

Every node the page shows has its fragment: the element that displays it carries the id (given once, where it
is first shown), and a node not displayed gets an empty anchor beside the nearest node it belongs to (a period
inside its membership, a statement at the node it is about), else in the summary (:func:`anchors`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup
from pyoxigraph import NamedNode

from ..core import mint
from ..core.formats import EXPORTED
from ..core.namespaces import BOUND, DCAT, DCTERMS, FOAF, OA, ODG, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS
from . import schemaorg
from .home_view import Picture, pictures
from .summary_view import Citation, Past, Summary, Tombstone, Value, alternate, cite, past, summary, tombstone
from .views import Cited, Context, Details, Ids, Link, Phrase, Text, curie, page_of, primary_topic

#: How a figure's number reads by its bound (odg:bound): "> 20" for "over 20", "≈ 2000" for "approximately 2,000".
BOUND_SIGNS = {BOUND["exact"]: "", BOUND["approximate"]: "≈ ", BOUND["exclusive-minimum"]: "> ",
               BOUND["inclusive-minimum"]: "≥ ", BOUND["exclusive-maximum"]: "< ", BOUND["inclusive-maximum"]: "≤ "}

#: Phrases for links into a resource ("members of this cohort", "datasets under this licence").
INCOMING = {
    ORG.memberOf: "Members",
    ORG.subOrganizationOf: "Parts",
    DCTERMS.license: "Released under this licence",
    DCTERMS.conformsTo: "Conforming to this standard",
    DCTERMS.publisher: "Published by this organisation",
    ORG.postIn: "Posts in this organisation",
    ODG.operatedBy: "Products it runs",
    ODG.supportedBy: "Products it supports",
    ODG.licenceFamily: "In this licence family",
    ODG.dataOf: "Datasets of this product",
    DCTERMS.spatial: "Located here",
    SCHEMA.location: "Located here",
    OA.hasTarget: "Recorded ambiguities",
    ODG.notFundedBy: "Stated as not funded by this organisation",
}
#: Predicates not shown as properties (shown elsewhere on the page, or duplicates of the contract).
HIDDEN = {RDF.type, RDFS.label, SCHEMA.name, SKOS.prefLabel, SCHEMA.additionalProperty}
#: Predicates the summary box shows (with the standard terms that state the same: never listed again as facts).
SUMMARY = {DCTERMS.description, SCHEMA.description, FOAF.homepage, SCHEMA.url, SKOS.altLabel, OWL.sameAs,
           SCHEMA.identifier, ORG.hasMembership, ORG.memberOf, SCHEMA.memberOf,
           ORG.hasMember, SCHEMA.member}  # the last two: the members, with their roles, are listed below
#: Incoming predicates not listed (they mirror forward links shown already).
HIDDEN_INCOMING = {RDF.subject, RDF.object, OA.hasSource, PROV.wasDerivedFrom, ORG.member, ORG.organization,
                   ORG.hasMember, ORG.heldBy, ORG.resultingOrganization, PROV.wasAssociatedWith,
                   ORG.hasSubOrganization, SCHEMA.provider, SCHEMA.sponsor, SCHEMA.publisher, DCTERMS.relation,
                   SCHEMA.license, SCHEMA.affiliation, DCTERMS.hasVersion, DCTERMS.isVersionOf}

#: Where a value is stated first in the source documents, as a sort key: quoted values in document order
#: (documents by IRI, then position), then the others by label.
Order = tuple[int, str, int, str]


@dataclass(frozen=True)
class FactRow:
    """A row of the facts table: the property's name (the CURIEs of the predicates it stands for on hover) and
    its values."""

    term: str
    names: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class FigureRow:
    id: str
    stated: Link
    number: str
    qualifier: str
    unit: str
    when: str
    details: Details | None


@dataclass(frozen=True)
class Excerpt:
    """A document's excerpt (or an evidence entry, with its confidence) at its own fragment, with the pages of
    what the registry derives from it."""

    id: str
    text: str
    confidence: str
    cited: tuple[Link, ...]


@dataclass(frozen=True)
class Incoming:
    """Links into the entity by one relation."""

    heading: str
    names: str  #: the relation's CURIE, on hover
    items: tuple[Phrase, ...]


@dataclass(frozen=True)
class ResourcePage:
    title: str
    tombstone: Tombstone | None
    past: Past | None
    summary: Summary
    pictures: tuple[Picture, ...]
    figures: tuple[FigureRow, ...]
    facts: tuple[FactRow, ...]
    data_licences: tuple[tuple[Link, Link], ...]  #: (licence, the dataset under it)
    excerpts: tuple[Excerpt, ...]
    evidence: tuple[Excerpt, ...]
    incoming: tuple[Incoming, ...]
    citation: Citation | None
    alternates: tuple[tuple[str, str], ...]  #: (media type, address) of the page's other representations
    schema_org: Markup  #: the schema.org Dataset's JSON-LD script (:func:`opendata_graph.web.schemaorg.script`)
    inside: Mapping[str, tuple[str, ...]]  #: element id -> the anchors (ids) to put inside it (``""``: the summary)


def resource(ctx: Context, page: str) -> ResourcePage:
    """The page at ``page``: about the entity minted there, or the outside IRI it is the page of."""
    iri = primary_topic(ctx.store, page) or page
    s = NamedNode(iri)
    title = ctx.label(s)
    sources = ctx.sources(s)
    by_predicate: dict[str, list[object]] = defaultdict(list)
    for q in ctx.store.quads_for_pattern(s, None, None):
        by_predicate[q.predicate.value].append(q.object)
    ids = Ids()  # built in the order shown: an id is given where its node is first shown
    box = summary(ctx, s, page, by_predicate, sources, ids)
    cohort = NamedNode(ODG.Cohort) in by_predicate.get(RDF.type, [])
    figure_rows = figures(ctx, by_predicate.get(SCHEMA.additionalProperty, []), page, ids)
    facts = fact_rows(ctx, {p: v for p, v in by_predicate.items() if p not in HIDDEN and p not in SUMMARY},
                      sources, page, ids)
    found = excerpts(ctx, s, ids)
    evidence_rows = evidence(ctx, s, ids)
    return ResourcePage(
        title, tombstone(ctx, iri), past(ctx, page), box, pictures(ctx, iri) if cohort else (), figure_rows,
        facts, data_licences(ctx, s), found, evidence_rows, incoming(ctx, s), cite(ctx, page, title),
        tuple((f.media_type, alternate(ctx, page, f.extension)) for f in EXPORTED),
        Markup(schemaorg.script(ctx.description, iri)), anchors(ctx, page, ids))


def anchors(ctx: Context, page: str, ids: Ids) -> dict[str, tuple[str, ...]]:
    """Where the nodes shown on ``page`` that no element displays get their anchors: beside the nearest node
    they belong to that has an element, else in the summary (``""``)."""
    given = set(ids.given)
    missing: dict[str, list[str]] = defaultdict(list)  # where -> ids to put there
    for node in ctx.locate.shown_on(page)[1:]:
        fragment = ctx.locate(node).fragment
        if fragment in given:
            continue
        near = ctx.locate.about(node)  # a statement: at the node it is about
        parts = (ctx.locate(near).fragment if near else fragment).split("/")
        while parts and "/".join(parts) not in given:
            parts.pop()
        missing["/".join(parts)].append(fragment)
    return {where: tuple(x) for where, x in missing.items()}


def fact_rows(ctx: Context, props: Mapping[str, list[object]], sources: Mapping[tuple[str, str], list[Cited]],
              page: str, ids: Ids) -> tuple[FactRow, ...]:
    """One row per set of values: predicates stating the same values (``dcterms:description`` and
    ``schema:description``) are one row, named by the ontology's label, every CURIE on hover."""
    grouped: dict[frozenset[str], list[str]] = defaultdict(list)
    for p, objects in props.items():
        grouped[frozenset(str(o) for o in objects)].append(p)
    for predicates in grouped.values():
        predicates.sort(key=lambda p: (p not in ctx.labels, p))  # one the ontology labels first

    def order(o: object, predicates: Sequence[str]) -> Order:
        return _order(ctx, o, _cited(predicates, o, sources))

    def first(predicates: Sequence[str]) -> Order:  # a row where the documents first state one of its values
        found = min(order(o, predicates) for o in props[predicates[0]])
        return found if found[0] == 0 else (1, "", 0, ctx.term(predicates[0]))

    rows = []
    for predicates in sorted(grouped.values(), key=first):
        values = sorted(props[predicates[0]], key=lambda o: order(o, predicates))
        shown = tuple(Value((ctx.link(o),), ctx.place_id(o, page, ids),
                            ctx.details(_cited(predicates, o, sources), ids)) for o in values)
        rows.append(FactRow(ctx.term(predicates[0]), " ".join(curie(p) for p in predicates), shown))
    return tuple(rows)


def _order(ctx: Context, o: object, cited: Sequence[Cited]) -> Order:
    """A value in document order: where its sources first quote it, else after every quoted one, by label."""
    found = min((c.at for c in cited if c.at is not None), default=None)
    return (0, found[0], found[1], ctx.label(o)) if found else (1, "", 0, ctx.label(o))


def _cited(predicates: Sequence[str], o: object, sources: Mapping[tuple[str, str], list[Cited]]) -> list[Cited]:
    return [x for p in predicates for x in sources.get((p, str(o)), [])]


def figures(ctx: Context, nodes: Iterable[object], page: str, ids: Ids) -> tuple[FigureRow, ...]:
    rows = []
    for f in sorted(nodes, key=str):
        props = {q.predicate.value: q.object for q in ctx.store.quads_for_pattern(f, None, None)}  # type: ignore[arg-type]
        stated = props.get(ODG.statedAs)
        row_id = ctx.place_id(f, page, ids)
        quote = ctx.details(ctx.sources(f).get((ODG.statedAs, str(stated)), []), ids)  # type: ignore[arg-type]
        when = props.get(DCTERMS.date) or props.get(ODG.timeReference)
        number = next((props[q] for q in (SCHEMA.value, SCHEMA.minValue, SCHEMA.maxValue, ODG.approximateValue)
                       if q in props), None)
        sign = BOUND_SIGNS.get(str(getattr(props.get(ODG.bound), "value", "")), "")

        qualifier, unit = (ctx.label(props[p]) if p in props else "" for p in (ODG.qualifier, SCHEMA.unitText))
        rows.append(FigureRow(row_id, ctx.link(f), sign + ctx.label(number) if number is not None else "—",
                              qualifier, unit,
                              ctx.label(when) if when is not None else "", quote))
    return tuple(rows)


def data_licences(ctx: Context, s: NamedNode) -> tuple[tuple[Link, Link], ...]:
    """For a publisher: the licences of the datasets it publishes, each with the dataset it comes from."""
    rows = ctx.store.query(f"""SELECT DISTINCT ?licence ?dataset WHERE {{
        ?dataset a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} ; <{DCTERMS.license}> ?licence }}""")
    found = [(ctx.label(r["licence"]), ctx.link(r["licence"]), ctx.link(r["dataset"])) for r in rows]  # type: ignore[union-attr]
    found.sort(key=lambda x: (x[0], x[1].href, x[1].text, x[2].href, x[2].text))
    return tuple((licence, dataset) for _, licence, dataset in found)


def excerpts(ctx: Context, s: NamedNode, ids: Ids) -> tuple[Excerpt, ...]:
    """A source document's excerpts: each quote at its own fragment, with what the registry derives from it."""
    rows = ctx.store.query(f"SELECT ?x ?exact WHERE {{ ?x <{OA.hasSource}> {s} ; <{OA.hasSelector}> ?sel . "
                           f"?sel <{OA.exact}> ?exact }}")
    # in document order; a quote found more than once in the copy (no position) after the others
    found = sorted(((r["exact"].value, r["x"]) for r in rows),  # type: ignore[union-attr]
                   key=lambda r: (ctx.position(r[1]) is None, ctx.position(r[1]) or ("", 0), r[0], r[1].value))
    if not found:
        return ()
    cited = _cited_for(ctx, f"?x <{OA.hasSource}> {s}")
    return tuple(Excerpt(ctx.place_id(x, s.value, ids), text, "", cited.get(x.value, ())) for text, x in found)


def evidence(ctx: Context, s: NamedNode, ids: Ids) -> tuple[Excerpt, ...]:
    """The reference file's evidence entries, each at its own fragment, with what it supports."""
    rows = ctx.store.query(f"SELECT ?x ?text ?confidence WHERE {{ ?x <{PROV.wasDerivedFrom}> {s} ; "
                           f"<{RDFS.comment}> ?text ; <{ODG.confidence}> ?confidence }}")
    found = sorted((r["text"].value, r["confidence"].value, r["x"]) for r in rows)  # type: ignore[union-attr]
    if not found:
        return ()
    cited = _cited_for(ctx, f"?x <{PROV.wasDerivedFrom}> {s}")
    return tuple(Excerpt(ctx.place_id(x, s.value, ids), text, confidence, cited.get(x.value, ()))
                 for text, confidence, x in found)


def _cited_for(ctx: Context, sources: str) -> dict[str, tuple[Link, ...]]:
    """For each source ``?x`` matching the pattern ``sources``: the entities whose facts cite it, as links.
    One query for a document's every excerpt, grouped by the store: a fact's node is cut to its first two
    path segments there (the record minted there owns it, or, for ``membership/<id>``, the member)."""
    from pyoxigraph import Literal as Lit

    cut = Lit("^(" + re.escape(ctx.base) + "[^/]+/[^/]+).*$")
    rows = ctx.store.query(
        f"SELECT ?x (GROUP_CONCAT(DISTINCT ?near; separator=' ') AS ?nears) WHERE {{ {sources} . "
        f"?st <{PROV.wasDerivedFrom}> ?x ; <{RDF.subject}> ?about . "
        f"BIND(IF(STRSTARTS(STR(?about), {Lit(ctx.base)}), REPLACE(STR(?about), {cut}, '$1'), STR(?about)) "
        "AS ?near) } GROUP BY ?x")
    out = {}
    for r in rows:  # type: ignore[union-attr]
        pages = set()
        for near in r["nears"].value.split(" "):
            if not near.startswith(ctx.base):  # a licence's SPDX IRI: our page about it
                pages.add(page_of(ctx.store, ctx.base, near) or near)
            elif near[len(ctx.base):].startswith(mint.MEMBERSHIP_PATH):  # owned by the member, whatever its kind
                pages.add(ctx.locate.owner(near + "/"))
            else:
                pages.add(ctx.locate.owner(near))
        out[r["x"].value] = tuple(ctx.link(NamedNode(p)) for p in sorted(pages, key=lambda p: ctx.label(NamedNode(p))))
    return out


def incoming(ctx: Context, s: NamedNode) -> tuple[Incoming, ...]:
    """Links into the entity, grouped by relation: members with their roles, posts with who holds them."""
    groups: dict[str, list[object]] = defaultdict(list)
    for q in ctx.store.quads_for_pattern(None, None, s):
        if q.predicate.value not in HIDDEN_INCOMING:
            groups[q.predicate.value].append(q.subject)
    roles: dict[str, list[str]] = defaultdict(list)  # member -> its roles here
    for q in ctx.store.quads_for_pattern(None, NamedNode(ORG.organization), s):
        member, role = ctx.value(q.subject, ORG.member), ctx.value(q.subject, ORG.role)
        if member is not None and role is not None:
            roles[str(member)].append(ctx.label(role))
    return tuple(Incoming(INCOMING.get(p, f"Has this as its {ctx.term(p)}"), curie(p),
                          tuple(_incoming_item(ctx, p, x, roles) for x in sorted(groups[p], key=ctx.label)))
                 for p in sorted(groups, key=lambda p: INCOMING.get(p, curie(p))))


def _incoming_item(ctx: Context, p: str, x: object, roles: Mapping[str, list[str]]) -> Phrase:
    if p == ORG.postIn:  # a post: who holds it
        holder = ctx.value(x, ORG.heldBy)
        return (ctx.link(holder), Text(f", {ctx.label(x)}")) if holder is not None else (ctx.link(x),)
    if p == ORG.memberOf and roles.get(str(x)):
        return ctx.link(x), Text(f" ({', '.join(sorted(set(roles[str(x)])))})")
    return (ctx.link(x),)
