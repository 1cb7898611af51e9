"""HTML pages of the release: one per resource, a home page, the query list and a query page.

Plain HTML and CSS; the query page is a form whose results the server renders. The one script, on the home
page, filters the static name index (``search.json``) as one types; without it the page loses only the search.
Every fact shown on a resource page carries the quote it was derived from (or its external evidence) in a
``<details>``.
Used by the server (:mod:`opendata_graph.serve`) and the static export (:mod:`opendata_graph.site`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Store

from . import mint, namespaces, schemaorg
from .formats import EXPORTED
from .locate import Locator
from .namespaces import BOUND, DCAT, DCTERMS, FOAF, OA, ODG, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from .releases import History
from .render import Markup, render

#: How a figure's number reads by its bound (odg:bound): "> 20" for "over 20", "≈ 2000" for "approximately 2,000".
BOUND_SIGNS = {BOUND["exact"]: "", BOUND["approximate"]: "≈ ", BOUND["exclusive-minimum"]: "> ",
               BOUND["inclusive-minimum"]: "≥ ", BOUND["exclusive-maximum"]: "< ", BOUND["inclusive-maximum"]: "≤ "}

#: The SPARQL editor vendored into the package (``static/``, see ``static/VENDORED.json``): YASQE, the editor of
#: YASGUI, from npm. Offline: its prefix list is bundled, and the autocompleters that ask outside services
#: (classes, properties: LOV) are left out.
EDITOR_FILES = ("yasqe.min.js", "yasqe.min.css")
#: What the query page starts with: the release's prefixes declared, and a query that answers something.
DEFAULT_QUERY = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in namespaces.PREFIXES.items()) + (
    "\nSELECT ?organisation ?name WHERE {\n  ?organisation a org:Organization ; rdfs:label ?name .\n}\n"
    "ORDER BY ?name\nLIMIT 20\n")

#: A table wider than a phone scrolls inside this box, which a keyboard can reach (axe: scrollable-region-focusable).
SCROLL = '<div class="scroll" tabindex="0" role="region" aria-label="{label}">'

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
HIDDEN_INCOMING = {RDF.subject, RDF.object, OA.hasSource, PROV.wasDerivedFrom, ORG.member, ORG.organization, ORG.hasMember, ORG.heldBy,
                   ORG.resultingOrganization, PROV.wasAssociatedWith, ORG.hasSubOrganization, SCHEMA.provider,
                   SCHEMA.sponsor, SCHEMA.publisher, DCTERMS.relation, SCHEMA.license, SCHEMA.affiliation,
                   DCTERMS.hasVersion, DCTERMS.isVersionOf}


@dataclass
class _Anchors:
    """The ids a resource page being made has given (in order), and the anchors to put inside the element of
    each (id -> ``<span id>`` elements; ``""``: inside the summary)."""

    given: list[str] = field(default_factory=list)
    inside: Mapping[str, str] = field(default_factory=dict)


#: The anchors of the resource page this thread (or task) is making: set by Site._with_anchors while it makes one
#: (a Site is shared by the server's threads: the page's state is the context's, not the Site's).
_ANCHORS: ContextVar[_Anchors | None] = ContextVar("odg_page_anchors", default=None)


@dataclass(frozen=True)
class Cited:
    """One source of a fact: the statement that reifies it and the quote or evidence, as HTML; ``at``: where the
    quote is in its document (the document's IRI and the quote's first character in its local copy), if known."""

    statement: str
    html: str
    at: tuple[str, int] | None = None


#: Where a value is stated first in the source documents, as a sort key: quoted values in document order
#: (documents by IRI, then position), then the others by label.
Order = tuple[int, str, int, str]


@dataclass(frozen=True)
class Retired:
    """A withdrawn or merged record's tombstone."""

    successor: str | None  #: merged into (an IRI)
    reason: str | None
    since: str | None


def primary_topic(store: Store, page: str) -> str | None:
    """The outside IRI that our IRI ``page`` is the page about (``foaf:primaryTopic``), if it is one."""
    for q in store.quads_for_pattern(NamedNode(page), NamedNode(FOAF.primaryTopic), None):
        if isinstance(q.object, NamedNode):
            return q.object.value
    return None


def page_of(store: Store, base: str, iri: str) -> str | None:
    """Our page about the outside IRI ``iri`` (``foaf:isPrimaryTopicOf`` an IRI under ``base``), if any."""
    for q in store.quads_for_pattern(NamedNode(iri), NamedNode(FOAF.isPrimaryTopicOf), None):
        if isinstance(q.object, NamedNode) and q.object.value.startswith(base):
            return q.object.value
    return None


def curie(iri: str) -> str:
    """A compact name for display: ``prefix:local``, or the IRI itself."""
    compact = namespaces.curie(iri)
    return iri if compact.startswith("<") else compact


def citation_of(void: Store) -> dict[str, str]:
    """What a citation of the release described in ``void`` names: its title, version, date of issue (a release
    made with ``odg release --date`` has one; a build has none) and publisher's name, as the description says."""
    rows = void.query(f"""SELECT ?title ?version ?issued ?publisher WHERE {{
        ?d a <{namespaces.VOID.Dataset}> ; <{DCTERMS.title}> ?title .
        OPTIONAL {{ ?d <{DCAT.version}> ?version }} OPTIONAL {{ ?d <{DCTERMS.issued}> ?issued }}
        OPTIONAL {{ ?d <{DCTERMS.publisher}> ?p . ?p <{FOAF.name}>|<{RDFS.label}> ?publisher }}
    }} ORDER BY ?title LIMIT 1""")
    for row in rows:  # type: ignore[union-attr]
        return {k: row[k].value for k in ("title", "version", "issued", "publisher") if row[k] is not None}
    return {}


def bibtex_text(text: str) -> str:
    """Text for a BibTeX field: its special characters escaped (no brace can end the field)."""
    return re.sub(r"([{}\\&%$#_^~])", r"\\\1", text)


def script_json(value: object) -> str:
    """JSON to embed in a ``<script>``: ``<``, ``>`` and ``&`` escaped, so no value can close the element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def kind_name(segment: str) -> str:
    """A kind's IRI segment as a heading: ``licence-family`` -> "Licence family"."""
    return segment.replace("-", " ").capitalize()


def outside_name(iri: str, labels: Mapping[str, str]) -> str:
    """An IRI the release has no name for, as a person reads it: a vocabulary term by the ontology's label or its
    local name in words, a registry's item by the registry's name and its identifier (``Wikidata Q13785927``), a
    web page by its address without the scheme; the CURIE stays for the hover text."""
    from .diff import words

    if iri in labels:
        return labels[iri]
    for space, registry in namespaces.REGISTRIES.items():
        if iri.startswith(space) and len(iri) > len(space):
            return f"{registry} {iri[len(space):]}"
    if not curie(iri).startswith(("http://", "https://")):  # a term of a vocabulary we know
        return words(iri)
    return iri.split("://", 1)[-1].removeprefix("www.").rstrip("/")


@dataclass
class Site:
    """How pages link: the release base IRI and the URL root the pages are served under."""

    store: Store
    base: str
    root: str = "/"
    suffix: str = ""  # ".html" for a static site, "" for the server (content negotiation)
    history: History = field(default_factory=History)  #: the releases so far (``dist/releases``)
    labels: Mapping[str, str] = field(default_factory=dict)  #: property IRI -> its label in the ontology
    #: The JSON-LD terms of a resource's ``.jsonld`` (the dump's: :func:`opendata_graph.jsonld.dump_terms`)
    terms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The release's VoID/DCAT description (void.ttl): the home page and the page of each dataset it holds carry
    #: that dataset's schema.org Dataset (:mod:`opendata_graph.schemaorg`)
    description: Store | None = None
    _index: list[dict[str, object]] | None = field(default=None, init=False, repr=False)
    _vocabulary: dict[str, list[str]] | None = field(default=None, init=False, repr=False)
    #: The release a record is cited in (:func:`citation_of` its description): title, version, issued, publisher
    citation: Mapping[str, str] = field(default_factory=dict)
    locate: Locator = field(init=False, repr=False)  #: where each node is shown (its page and fragment)
    _label_memo: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _source_memo: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _position_memo: dict[str, tuple[str, int] | None] = field(default_factory=dict, init=False, repr=False)
    #: What every page says first, when the server has something to say (it serves an older release)
    notice: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        self.locate = Locator(self.store, self.base)

    def href(self, iri: str) -> str:
        """Where a link to ``iri`` points: our own IRIs to their page (fragment kept last; a node an entity owns
        to its place on the entity's page), an outside IRI we keep a page about (a licence's SPDX IRI) to that
        page, others as they are."""
        if not iri.startswith(self.base):
            iri = page_of(self.store, self.base, iri) or iri
        elif "#" not in iri:
            place = self.locate(iri)
            if place.fragment:
                iri = f"{place.page}#{place.fragment}"
        if iri.startswith(self.base):
            path, _, fragment = iri[len(self.base):].partition("#")
            if path.startswith("dist/"):  # a file of the release (a dump): as it is
                page = path
            elif path == "shapes" and self.suffix:  # the static site has the shapes as Turtle only
                page = "shapes.ttl"
            else:
                page = (path + self.suffix) if path else ("index.html" if self.suffix else "")  # the base: home
            return self.root + page + (f"#{fragment}" if fragment else "")
        return iri

    def label(self, node: object) -> str:
        if isinstance(node, NamedNode):
            found = self._label_memo.get(node.value)
            if found is None:
                if len(self._label_memo) >= 200_000:  # the store is read-only: remembered, within bounds
                    self._label_memo.clear()
                found = self._label_memo[node.value] = self._label(node)
            return found
        if isinstance(node, Literal):
            return node.value
        return str(node)

    def _label(self, node: NamedNode) -> str:
        from .pictures import NAMES, label_of

        iri = node.value
        partition = self._value(node, namespaces.VOID["class"])  # the release description's class partitions
        if isinstance(partition, NamedNode):
            count = self._value(node, namespaces.VOID.entities)
            return f"{self.term(partition.value).capitalize()}" + (f" ({self.label(count)})" if count else "")
        if iri.startswith(self.base) or any(True for p in NAMES for _ in self.store.quads_for_pattern(node, p, None)):
            return label_of(self.store, node, self.base)
        return outside_name(iri, self.labels)

    def link(self, node: object) -> str:
        """A node as a link -- only for our own IRIs and http(s) ones: ``javascript:``, ``data:``... stay text."""
        if isinstance(node, NamedNode) and (node.value.startswith(self.base)
                                            or node.value.lower().startswith(("http://", "https://"))):
            label = self.label(node)
            hover = "" if node.value.startswith(self.base) or label == node.value else \
                f' title="{escape(curie(node.value))}"'
            return f'<a href="{escape(self.href(node.value))}"{hover}>{escape(label)}</a>'
        if isinstance(node, NamedNode):
            return f"&lt;{escape(node.value)}&gt;"
        return escape(self.label(node))

    def retired(self, iri: str) -> Retired | None:
        """The tombstone of a withdrawn or merged record (owl:deprecated true), else None."""
        s = NamedNode(iri)
        if self._value(s, OWL.deprecated) != Literal("true", datatype=NamedNode(XSD.boolean)):
            return None
        successor, note, since = (self._value(s, p) for p in (DCTERMS.isReplacedBy, SKOS.changeNote,
                                                                PROV.invalidatedAtTime))
        return Retired(successor.value if isinstance(successor, NamedNode) else None,
                       note.value if isinstance(note, Literal) else None,
                       since.value if isinstance(since, Literal) else None)

    def tombstone(self, iri: str) -> str:
        """What a retired record's page says first: withdrawn or merged, since when, why, where its data went."""
        r = self.retired(iri)
        if r is None:
            return ""
        what = (f"Merged into {self.link(NamedNode(r.successor))}" if r.successor
                else "Withdrawn: this record is no longer part of the registry")
        since = f" since {escape(r.since)}" if r.since else ""
        why = f"<p>Why: {escape(r.reason)}</p>" if r.reason else ""
        where = ("<p>Its data is now at its successor's page; earlier releases keep it as it was.</p>" if r.successor
                 else "<p>Earlier releases (see Changes) keep its data as it was.</p>")
        return f'<section class="tombstone"><p><strong>{what}{since}.</strong></p>{why}{where}</section>'

    def past(self, iri: str) -> str:
        """The record's history: "In the registry since 0.1.0 (2026-12-02). Changed in 0.2.0: value (figure
        members)." -- from the releases so far, each version a link to its changes."""
        events = self.history.of(iri, self.labels)
        if not events:
            return ""
        dates = {v.version: v.date for v in self.history.versions}

        def version(v: str) -> str:
            date = dates.get(v)
            when = f" ({escape(date)})" if date else ""
            return f'<a href="{self.root}changes{self.suffix}#release-{escape(v)}">{escape(v)}</a>{when}'

        parts = []
        for v, what, properties in events:
            if what == "added":
                parts.append(f"In the registry since {version(v)}.")
            elif what == "changed":
                parts.append(f"Changed in {version(v)}: {escape(', '.join(properties))}.")
            else:
                parts.append(f"{what.capitalize()} in {version(v)}.")
        latest = self.history.versions[-1].version
        return (f'<section class="history" aria-label="History"><p>{" ".join(parts)} '
                f"Latest release: {escape(latest)}.</p></section>")

    def changes(self) -> str:
        """``/changes``: every release's changelog, newest first, each entity a link to its page."""
        if not self.history.versions:
            return self.page("Changes", "<h1>Changes</h1><p>No release yet: this is the unreleased build. "
                             "<code>odg release VERSION</code> makes one.</p>")
        body = ["<h1>Changes</h1>"]
        for v in reversed(self.history.versions):
            when = f" — {escape(v.date)}" if v.date else ""
            body.append(f'<h2 id="release-{escape(v.version)}">Release {escape(v.version)}{when}</h2>')
            body.append(self._release_changes(v.changes) if v.changes else "<p>The first release.</p>")
        return self.page("Changes", "".join(body))

    def _release_changes(self, changes: Mapping[str, Any]) -> str:
        kinds = changes.get("kinds", {})
        if not kinds:
            return "<p>No entity changed.</p>"
        out = []
        for kind in sorted(kinds):
            groups = kinds[kind]
            out.append(f"<h3>{escape(kind.replace('-', ' ').capitalize())}</h3><ul>")
            for group in ("added", "withdrawn", "merged", "removed", "changed"):
                for e in groups.get(group, []):
                    link = self.link(NamedNode(e["iri"])) if e["iri"].startswith(self.base) else escape(e["label"])
                    what = {"added": "added", "withdrawn": "withdrawn", "merged": "merged into "
                            + escape(e.get("replaced_by", "")), "removed": "removed", "changed": "changed"}[group]
                    why = f" ({escape(e['reason'])})" if e.get("reason") else ""
                    lines = "".join(self._change_item(c, e["iri"]) for c in e.get("changes", [])) \
                        if group == "changed" else ""
                    out.append(f"<li>{link}: {what}{why}" + (f"<ul>{lines}</ul>" if lines else "") + "</li>")
            out.append("</ul>")
        return "".join(out)

    def _change_item(self, c: Mapping[str, Any], entity: str) -> str:
        from .diff import change_words

        return "<li>" + change_words(c.get("node", ""), c.get("predicates", []), c.get("removed", []),
                                     c.get("added", []), entity, self.labels, escape) + "</li>"

    def exists(self, iri: str) -> bool:
        return next(iter(self.store.quads_for_pattern(NamedNode(iri), None, None)), None) is not None

    def page(self, title: str, body: str, alternates: str = "") -> str:
        """A whole page: ``body`` and ``alternates`` (the head's links) are HTML built escaped; the layout is
        ``templates/page.html``, with the server's :attr:`notice` (if any) above the body."""
        return render("page.html", title=title, body=Markup(body), alternates=Markup(alternates), root=self.root,
                      suffix=self.suffix, notice=self.notice) + "\n"

    # -- provenance -----------------------------------------------------------------------------------------
    def sources(self, subject: NamedNode) -> dict[tuple[str, str], list[Cited]]:
        """(predicate, object) of each fact about ``subject`` -> its statement with the HTML of each quote or
        evidence entry."""
        out: dict[tuple[str, str], list[Cited]] = defaultdict(list)
        for r in self.store.query(f"SELECT ?st ?p ?o ?d WHERE {{ ?st <{RDF.subject}> {subject} ; "
                                  f"<{RDF.predicate}> ?p ; <{RDF.object}> ?o ; <{PROV.wasDerivedFrom}> ?d }}"):  # type: ignore[union-attr]
            out[(r["p"].value, str(r["o"]))].append(Cited(r["st"].value, self._source_html(r["d"]),
                                                          self._position(r["d"])))
        for cited in out.values():
            cited.sort(key=lambda c: (c.statement, c.html))
        return out

    def _value(self, subject: object, predicate: str) -> object | None:
        for q in self.store.quads_for_pattern(subject, NamedNode(predicate), None):  # type: ignore[arg-type]
            return q.object
        return None

    def _source_html(self, node: object) -> str:
        key = str(node)
        found = self._source_memo.get(key)
        if found is None:
            if len(self._source_memo) >= 100_000:
                self._source_memo.clear()
            found = self._source_memo[key] = self._source_text(node)
        return found

    def _position(self, node: object) -> tuple[str, int] | None:
        """Where an excerpt is in its document: the document and the quote's first character, if known (read
        from the excerpt's own triples: an OPTIONAL in the sources' query took 0.1 s a page at 1M triples)."""
        key = str(node)
        if key not in self._position_memo:
            if len(self._position_memo) >= 100_000:
                self._position_memo.clear()
            doc, start = self._value(node, OA.hasSource), self._on_selector(node, OA.start)
            found = None
            if isinstance(doc, NamedNode) and isinstance(start, Literal) and start.value.isdigit():
                found = (doc.value, int(start.value))
            self._position_memo[key] = found
        return self._position_memo[key]

    def _on_selector(self, node: object, predicate: str) -> object | None:
        """The value of ``predicate`` on one of an excerpt's selectors (its quote's, or its position's)."""
        for q in self.store.quads_for_pattern(node, NamedNode(OA.hasSelector), None):  # type: ignore[arg-type]
            found = self._value(q.object, predicate)
            if found is not None:
                return found
        return None

    def _source_text(self, node: object) -> str:
        doc, exact = self._value(node, OA.hasSource), self._on_selector(node, OA.exact)
        if exact is not None and doc is not None:
            return f"<blockquote>{escape(self.label(exact))}</blockquote>— {self.link(doc)}"
        text, confidence = self._value(node, RDFS.comment), self._value(node, ODG.confidence)
        if text is not None and confidence is not None:
            return (f"<p>External evidence ({escape(self.label(confidence))} confidence): "
                    f"{escape(self.label(text))}</p>")
        return escape(str(node))

    def source_details(self, cited: Sequence[Cited]) -> str:
        """A fact's quotes one click away; its statements' places (``#statement/...``) inside (a browser opens
        the ``<details>`` it is sent to)."""
        sources = list(dict.fromkeys(c.html for c in cited))
        if not sources:
            return ""
        label = "source" if len(sources) == 1 else f"{len(sources)} sources"
        anchors = "".join(f"<span{self._id(escape(self.locate(st).fragment))}</span>"
                          for st in dict.fromkeys(c.statement for c in cited) if self.locate(st).fragment)
        return f"<details><summary>{label}</summary>{anchors}{''.join(sources)}</details>"

    # -- pages ----------------------------------------------------------------------------------------------
    def resource(self, page: str) -> str:
        """The page at ``page``: about the entity minted there, or the outside IRI it is the page of.

        A summary box first (what it is, its description, homepage, other names, identifiers, memberships with
        their roles and dates), then its other facts with the ontology's labels (the CURIE on hover), a value
        stated under two standard properties shown once, each with its quotes one click away; then figures,
        incoming links grouped by relation, and the page's own representations."""
        iri = primary_topic(self.store, page) or page
        s = NamedNode(iri)
        title = self.label(s)
        quads = list(self.store.quads_for_pattern(s, None, None))
        sources = self.sources(s)
        by_predicate: dict[str, list[object]] = defaultdict(list)
        for q in quads:
            by_predicate[q.predicate.value].append(q.object)

        def body() -> str:
            parts = [f"<h1>{escape(title)}</h1>", self.tombstone(iri), self.past(page),
                     self.summary(s, page, by_predicate, sources)]
            if NamedNode(ODG.Cohort) in by_predicate.get(RDF.type, []):
                parts.append(self.picture(iri))
            figures = by_predicate.get(SCHEMA.additionalProperty, [])
            if figures:
                parts.append(self.figures(figures, page))
            rows = self.fact_rows({p: v for p, v in by_predicate.items() if p not in HIDDEN and p not in SUMMARY},
                                  sources, page)  # (made in the order shown: an id is given where it is first)
            if rows:
                parts.append(f'<h2>Facts</h2>{SCROLL.format(label="Facts")}<table class="facts">' + "".join(rows)
                             + "</table></div>")
            parts += [self.data_licences(s), self.excerpts(s) + self.evidence(s), self.incoming(s),
                      self.cite(page, title)]
            return "".join(parts)

        alternates = "".join(f'<link rel="alternate" type="{t}" href="{escape(self._alt(page, x))}">'
                             for t, x in ((f.media_type, f.extension) for f in EXPORTED))
        alternates += schemaorg.script(self.description, iri)
        return self.page(title, self._with_anchors(page, body), alternates)

    def _opening(self, node: object, page: str) -> str:
        """The end of the opening tag of the element showing ``node``: its ``id`` when ``page`` shows a node it
        owns (the fragment of the node's IRI's place), and what goes just inside it (:meth:`_with_anchors`)."""
        if isinstance(node, NamedNode) and node.value.startswith(self.base):
            place = self.locate(node.value)
            if place.fragment and place.page == page:
                return self._id(escape(place.fragment))
        return ">"

    @staticmethod
    def _id(fragment: str) -> str:
        """`` id="fragment">`` and the anchors that go inside it -- only the first time the page being made gives
        that id (an id is given once); ``>`` after."""
        anchors = _ANCHORS.get()
        if anchors is None:
            return f' id="{fragment}">'
        if fragment in anchors.given:
            return ">"
        anchors.given.append(fragment)
        return f' id="{fragment}">' + anchors.inside.get(fragment, "")

    def _with_anchors(self, page: str, body: Callable[[], str]) -> str:
        """The page's body, where every node shown on ``page`` has its fragment: where it is displayed, else
        beside the nearest node it belongs to (a period inside its membership, a statement at the node it is
        about), else in the summary. Made once to learn which ids it gives, and again, when some node is not
        displayed, with those nodes' anchors inside their places (no pass over the finished HTML)."""
        token = _ANCHORS.set(_Anchors())
        try:
            made = body()
            given = set(_ANCHORS.get().given)  # type: ignore[union-attr]
            missing: dict[str, list[str]] = defaultdict(list)  # where -> ids to put there
            for node in self.locate.shown_on(page)[1:]:
                fragment = escape(self.locate(node).fragment)
                if fragment in given:
                    continue
                near = self.locate.about(node)  # a statement: at the node it is about
                parts = (escape(self.locate(near).fragment) if near else fragment).split("/")
                while parts and "/".join(parts) not in given:
                    parts.pop()
                missing["/".join(parts)].append(fragment)
            if not missing:
                return made
            _ANCHORS.set(_Anchors(inside={where: "".join(f'<span id="{x}"></span>' for x in ids)
                                          for where, ids in missing.items()}))
            return body()
        finally:
            _ANCHORS.reset(token)

    def excerpts(self, s: NamedNode) -> str:
        """A source document's excerpts: each quote at its own fragment, with what the registry derives from it."""
        rows = self.store.query(f"SELECT ?x ?exact WHERE {{ ?x <{OA.hasSource}> {s} ; <{OA.hasSelector}> ?sel . "
                                f"?sel <{OA.exact}> ?exact }}")
        # in document order; a quote found more than once in the copy (no position) after the others
        found = sorted(((r["exact"].value, r["x"]) for r in rows),  # type: ignore[union-attr]
                       key=lambda r: (self._position(r[1]) is None, self._position(r[1]) or ("", 0), r[0], r[1].value))
        if not found:
            return ""
        cited = self._cited_for(f"?x <{OA.hasSource}> {s}")
        items = "".join(f"<li{self._opening(x, s.value)}<blockquote>{escape(text)}</blockquote>"
                        f"{cited.get(x.value, '')}</li>" for text, x in found)
        return f'<h2>Excerpts <span class=count>({len(found)})</span></h2><ul class="excerpts">{items}</ul>'

    def evidence(self, s: NamedNode) -> str:
        """The reference file's evidence entries, each at its own fragment, with what it supports."""
        rows = self.store.query(f"SELECT ?x ?text ?confidence WHERE {{ ?x <{PROV.wasDerivedFrom}> {s} ; "
                                f"<{RDFS.comment}> ?text ; <{ODG.confidence}> ?confidence }}")
        found = sorted((r["text"].value, r["confidence"].value, r["x"]) for r in rows)  # type: ignore[union-attr]
        if not found:
            return ""
        cited = self._cited_for(f"?x <{PROV.wasDerivedFrom}> {s}")
        items = "".join(f"<li{self._opening(x, s.value)}<p>{escape(text)} ({escape(confidence)} confidence)</p>"
                        f"{cited.get(x.value, '')}</li>" for text, confidence, x in found)
        return f'<h2>Evidence <span class=count>({len(found)})</span></h2><ul class="excerpts">{items}</ul>'

    def _cited_for(self, sources: str) -> dict[str, str]:
        """For each source ``?x`` matching the pattern ``sources``: the entities whose facts cite it, as links.
        One query for a document's every excerpt, grouped by the store: a fact's node is cut to its first two
        path segments there (the record minted there owns it, or, for ``membership/<id>``, the member)."""
        from pyoxigraph import Literal as Text

        cut = Text("^(" + re.escape(self.base) + "[^/]+/[^/]+).*$")
        rows = self.store.query(
            f"SELECT ?x (GROUP_CONCAT(DISTINCT ?near; separator=' ') AS ?nears) WHERE {{ {sources} . "
            f"?st <{PROV.wasDerivedFrom}> ?x ; <{RDF.subject}> ?about . "
            f"BIND(IF(STRSTARTS(STR(?about), {Text(self.base)}), REPLACE(STR(?about), {cut}, '$1'), STR(?about)) "
            "AS ?near) } GROUP BY ?x")
        out = {}
        for r in rows:  # type: ignore[union-attr]
            pages = set()
            for near in r["nears"].value.split(" "):
                if not near.startswith(self.base):  # a licence's SPDX IRI: our page about it
                    pages.add(page_of(self.store, self.base, near) or near)
                elif near[len(self.base):].startswith(mint.MEMBERSHIP_PATH):  # owned by the member, whatever its kind
                    pages.add(self.locate.owner(near + "/"))
                else:
                    pages.add(self.locate.owner(near))
            out[r["x"].value] = '<p class="cited">Cited for ' + ", ".join(
                self.link(NamedNode(p)) for p in sorted(pages, key=lambda p: self.label(NamedNode(p)))) + "</p>"
        return out

    def term(self, predicate: str) -> str:
        """A property's name for people: its label in the ontology, else its local name in words."""
        from .diff import property_name

        return property_name([predicate], self.labels)

    def kind(self, types: Iterable[object]) -> str:
        """What the entity is, in words: the label of its most specific class (ours first)."""
        iris = sorted((t.value for t in types if isinstance(t, NamedNode)),
                      key=lambda t: (not t.startswith(ODG.iri), t))
        return self.term(iris[0]).capitalize() if iris else "Resource"

    def summary(self, s: NamedNode, page: str, props: Mapping[str, list[object]],
                sources: Mapping[tuple[str, str], list[Cited]]) -> str:
        """The box a reader sees first."""
        def values(p: str) -> list[object]:
            return sorted(props.get(p, []), key=self.label)

        def cited(p: str, o: object) -> str:
            return self.source_details(sources.get((p, str(o)), []))

        lines = [f'<p class="kind">{escape(self.kind(props.get(RDF.type, [])))}</p>']
        for d in values(DCTERMS.description):
            lines.append(f'<p class="description">{escape(self.label(d))}{cited(DCTERMS.description, d)}</p>')
        items = []
        for p, what in ((FOAF.homepage, "Homepage"), (SKOS.altLabel, "Also called"), (OWL.sameAs, "Same as"),
                        (SCHEMA.identifier, "Identifiers")):
            shown = [f"<dd{self._opening(o, page)}{self.identifier(o) if p == SCHEMA.identifier else self.link(o)}"
                     f"{cited(p, o)}</dd>" for o in values(p)]
            if shown:
                items.append(f"<dt>{escape(what)}</dt>" + "".join(shown))
        memberships = [f"<dd{self._opening(m, page)}{self.membership(m)}</dd>" for m in values(ORG.hasMembership)]
        if memberships:
            items.append("<dt>Member of</dt>" + "".join(memberships))
        items += self.key_facts(s)
        if items:
            lines.append(f"<dl>{''.join(items)}</dl>")
        forms = ", ".join([*(f'<a href="{escape(self._alt(page, f.extension))}">{escape(f.name)}</a>' for f in EXPORTED),
                           f'<a href="{escape(self._alt(page, ".json"))}">JSON</a>'])
        lines.append(f'<p class="iri"><code>{escape(s.value)}</code> · this page as {forms}</p>')
        name_sources = sources.get((RDFS.label, str(next(iter(props.get(RDFS.label, [])), ""))), [])
        if name_sources:
            lines.append(self.source_details(name_sources))
        anchors = _ANCHORS.get()
        inside = anchors.inside.get("", "") if anchors is not None else ""  # the anchors with no better place
        return f'<section class="summary" aria-label="Summary">{inside}{"".join(lines)}</section>'

    def key_facts(self, s: NamedNode) -> list[str]:
        """What answers "who or what is this" at a glance, as ``<dt>``/``<dd>`` pairs: a person's posts and their
        organisations; what an organisation publishes, under which licences and standards; a dataset's licences
        (with the ones its parts each carry one of) and publisher; a cohort's members with their roles. Each value
        links to the page that says it with its sources; the facts below repeat it with the quotes."""
        def rows(query: str) -> list[tuple[object, ...]]:
            return [tuple(r) for r in self.store.query(query)]  # type: ignore[union-attr]

        def pair(heading: str, values: Iterable[str]) -> list[str]:
            shown = sorted(set(values))
            return [f"<dt>{escape(heading)}</dt>" + "".join(f"<dd>{v}</dd>" for v in shown)] if shown else []

        posts = rows(f"SELECT ?post ?org WHERE {{ {s} <{ORG.holds}> ?post . OPTIONAL {{ ?post <{ORG.postIn}> ?org }} }}")
        publishes = rows(f"SELECT ?d WHERE {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} }}")
        licences = rows(f"""SELECT ?how ?l WHERE {{
            VALUES ?how {{ <{DCTERMS.license}> <{ODG.licenceOption}> }}
            {{ {s} ?how ?l }} UNION {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} ; ?how ?l }} }}""")
        standards = rows(f"""SELECT ?std WHERE {{ {{ {s} <{DCTERMS.conformsTo}> ?std }} UNION
            {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} ; <{DCTERMS.conformsTo}> ?std }} }}""")
        publishers = rows(f"SELECT ?p WHERE {{ {s} a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> ?p }}")
        hosts = rows(f"SELECT ?p WHERE {{ {s} a <{DCAT.Dataset}> ; <{ODG.hostedBy}> ?p }}")
        members = rows(f"""SELECT ?member ?role WHERE {{ ?m <{ORG.organization}> {s} ; <{ORG.member}> ?member .
            OPTIONAL {{ ?m <{ORG.role}> ?role }} }}""")
        roles: dict[str, set[str]] = defaultdict(set)
        for member, role in members:
            roles[self.link(member)].update([escape(self.label(role))] if role is not None else [])
        return [
            *pair("Posts", ((f"{escape(self.label(post))}, {self.link(org)}" if org is not None
                             else escape(self.label(post))) for post, org in posts)),
            *pair("Members", (f"{m} <span class=count>({', '.join(sorted(r))})</span>" if r else m
                              for m, r in roles.items())),
            *pair("Publishes", (self.link(d) for (d,) in publishes)),
            *pair("Published by", (self.link(p) for (p,) in publishers)),
            *pair("Hosted by", (self.link(p) for (p,) in hosts)),  # where the source says only that
            *pair("Licences", (self.link(lic) + (" <span class=count>(one of the options)</span>"
                                                 if how == NamedNode(ODG.licenceOption) else "")
                               for how, lic in licences)),
            *pair("Standards", (self.link(std) for (std,) in standards)),
        ]

    def cite(self, iri: str, label: str) -> str:
        """How to cite this record: its IRI, the release's title, version and date (:func:`citation_of`), as a
        sentence, BibTeX and CSL-JSON. Nothing is invented: a release without a date is cited without one."""
        if not self.citation:
            return ""
        c = self.citation
        title, version, issued, publisher = (c.get(k, "") for k in ("title", "version", "issued", "publisher"))
        of = f"{title}, version {version}" if version else title
        text = (f"{publisher + '. ' if publisher else ''}“{label}”. In: {of}"
                f"{f' ({issued})' if issued else ''}. {iri}")
        key = "odg-" + re.sub(r"[^A-Za-z0-9]+", "-", iri[len(self.base):] if iri.startswith(self.base) else iri)
        fields = [("title", label), ("author", publisher), ("howpublished", f"\\url{{{iri}}}"),
                  ("note", of), ("year", issued[:4])]
        bibtex = f"@misc{{{key.strip('-')},\n" + "".join(
            f"  {k} = {{{v if k == 'howpublished' else bibtex_text(v)}}},\n" for k, v in fields if v) + "}"
        bibtex = bibtex.replace(f"author = {{{bibtex_text(publisher)}}}", f"author = {{{{{bibtex_text(publisher)}}}}}")
        csl: dict[str, object] = {"id": iri, "type": "dataset", "title": label, "URL": iri, "container-title": title}
        if publisher:
            csl["author"] = [{"literal": publisher}]
        if version:
            csl["version"] = version
        if issued:
            csl["issued"] = {"date-parts": [[int(x) for x in issued.split("-")]]}
        return (f'<details class="cite"><summary>Cite this</summary><p>{escape(text)}</p>'
                f"<h3>BibTeX</h3><pre>{escape(bibtex)}</pre>"
                f"<h3>CSL-JSON</h3><pre>{escape(json.dumps(csl, ensure_ascii=False, indent=2))}</pre></details>")

    def identifier(self, node: object) -> str:
        """An identifier (a schema:PropertyValue): its scheme and value, linked to its URL when it has one."""
        scheme, value, url = (self._value(node, p) for p in (SCHEMA.propertyID, SCHEMA.value, SCHEMA.url))
        text = " ".join(escape(self.label(x)) for x in (scheme, value) if x is not None) or escape(self.label(node))
        target = url if isinstance(url, NamedNode) else value if isinstance(value, NamedNode) else None
        return f'<a href="{escape(target.value)}">{text}</a>' if target is not None else text

    def membership(self, m: object) -> str:
        """A membership as a reader says it: "participant in Second cohort (from 2021 to 2022-06)"."""
        organisation, role, period = (self._value(m, p) for p in (ORG.organization, ORG.role, ORG.memberDuring))
        start, end = ((self._value(period, p) if period is not None else None)
                      for p in (SCHEMA.startDate, SCHEMA.endDate))
        when = " ".join(x for x in (f"from {self.label(start)}" if start is not None else "",
                                    f"until {self.label(end)}" if end is not None else "") if x)
        role_text = f"{escape(self.label(role))} in " if role is not None else ""
        return (f"{role_text}{self.link(organisation) if organisation is not None else ''}"
                + (f" ({escape(when)})" if when else ""))

    def fact_rows(self, props: Mapping[str, list[object]], sources: Mapping[tuple[str, str], list[Cited]],
                  page: str = "") -> list[str]:
        """One row per set of values: predicates stating the same values (``dcterms:description`` and
        ``schema:description``) are one row, named by the ontology's label, every CURIE on hover."""
        grouped: dict[frozenset[str], list[str]] = defaultdict(list)
        for p, objects in props.items():
            grouped[frozenset(str(o) for o in objects)].append(p)
        for predicates in grouped.values():
            predicates.sort(key=self._preferred)

        def order(o: object, predicates: Sequence[str]) -> Order:
            return self._order(o, self._cited(predicates, o, sources))

        def first(predicates: Sequence[str]) -> Order:  # a row where the documents first state one of its values
            found = min(order(o, predicates) for o in props[predicates[0]])
            return found if found[0] == 0 else (1, "", 0, self.term(predicates[0]))

        rows = []
        for predicates in sorted(grouped.values(), key=first):
            values = sorted(props[predicates[0]], key=lambda o: order(o, predicates))
            items = "".join(f"<li{self._opening(o, page)}{self.link(o)}"
                            f"{self.source_details(self._cited(predicates, o, sources))}</li>"
                            for o in values)
            names = " ".join(curie(p) for p in predicates)
            rows.append(f'<tr><th scope="row"><span title="{escape(names)}">{escape(self.term(predicates[0]))}'
                        f'</span></th><td><ul class="values">{items}</ul></td></tr>')
        return rows

    def _order(self, o: object, cited: Sequence[Cited]) -> Order:
        """A value in document order: where its sources first quote it, else after every quoted one, by label."""
        found = min((c.at for c in cited if c.at is not None), default=None)
        return (0, found[0], found[1], self.label(o)) if found else (1, "", 0, self.label(o))

    def _preferred(self, predicate: str) -> tuple[bool, str]:
        """The predicate a row is named by: one the ontology labels first, then the standard term."""
        return predicate not in self.labels, predicate

    @staticmethod
    def _cited(predicates: Sequence[str], o: object, sources: Mapping[tuple[str, str], list[Cited]]) -> list[Cited]:
        return [x for p in predicates for x in sources.get((p, str(o)), [])]

    def _alt(self, iri: str, extension: str) -> str:
        return (self.root + iri[len(self.base):] + extension) if iri.startswith(self.base) else iri

    def figures(self, figures: Iterable[object], page: str = "") -> str:
        rows = []
        for f in sorted(figures, key=str):
            props = {q.predicate.value: q.object for q in self.store.quads_for_pattern(f, None, None)}  # type: ignore[arg-type]
            fs = self.sources(f)  # type: ignore[arg-type]
            stated = props.get(ODG.statedAs)
            quote = self.source_details(fs.get((ODG.statedAs, str(stated)), []))
            when = props.get(DCTERMS.date) or props.get(ODG.timeReference)
            number = next((props[q] for q in (SCHEMA.value, SCHEMA.minValue, SCHEMA.maxValue, ODG.approximateValue)
                           if q in props), None)
            sign = BOUND_SIGNS.get(str(getattr(props.get(ODG.bound), "value", "")), "")
            cells = [self.link(f), escape(sign + self.label(number)) if number is not None else "—",
                     escape(self.label(props.get(ODG.qualifier))) if ODG.qualifier in props else "",
                     escape(self.label(props.get(SCHEMA.unitText))) if SCHEMA.unitText in props else "",
                     escape(self.label(when)) if when is not None else "", quote]
            rows.append(f"<tr{self._opening(f, page)}" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        head = "".join(f'<th scope="col">{h}</th>' for h in ("Stated as", "Number", "Qualifier", "Unit", "Holds for",
                                                              "Source"))
        return (f'<h2>Figures</h2>{SCROLL.format(label="Figures")}<table><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>")

    def data_licences(self, s: NamedNode) -> str:
        """For a publisher: the licences of the datasets it publishes, each with the dataset it comes from."""
        rows = self.store.query(f"""SELECT DISTINCT ?licence ?dataset WHERE {{
            ?dataset a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} ;
                     <{DCTERMS.license}> ?licence }}""")
        items = sorted((self.label(r["licence"]), self.link(r["licence"]), self.link(r["dataset"]))
                       for r in rows)  # type: ignore[union-attr]
        if not items:
            return ""
        lis = "".join(f"<li>{licence} (for {dataset})</li>" for _, licence, dataset in items)
        return f'<h2>Licences of the data it publishes</h2><ul class="values">{lis}</ul>'

    def incoming(self, s: NamedNode) -> str:
        """Links into the entity, grouped by relation: members with their roles, posts with who holds them."""
        groups: dict[str, list[object]] = defaultdict(list)
        for q in self.store.quads_for_pattern(None, None, s):
            if q.predicate.value not in HIDDEN_INCOMING:
                groups[q.predicate.value].append(q.subject)
        roles: dict[str, list[str]] = defaultdict(list)  # member -> its roles here
        for q in self.store.quads_for_pattern(None, NamedNode(ORG.organization), s):
            member, role = self._value(q.subject, ORG.member), self._value(q.subject, ORG.role)
            if member is not None and role is not None:
                roles[str(member)].append(self.label(role))
        parts = []
        for p in sorted(groups, key=lambda p: INCOMING.get(p, curie(p))):
            heading = INCOMING.get(p, f"Has this as its {self.term(p)}")
            items = "".join(f"<li>{self._incoming_item(p, x, roles)}</li>"
                            for x in sorted(groups[p], key=self.label))
            parts.append(f'<h2><span title="{escape(curie(p))}">{escape(heading)}</span> '
                         f'<span class=count>({len(groups[p])})</span></h2><ul class="values">{items}</ul>')
        return "".join(parts)

    def _incoming_item(self, p: str, x: object, roles: Mapping[str, list[str]]) -> str:
        if p == ORG.postIn:  # a post: who holds it
            holder = self._value(x, ORG.heldBy)
            return f"{self.link(holder)}, {escape(self.label(x))}" if holder is not None else self.link(x)
        if p == ORG.memberOf and roles.get(str(x)):
            return f"{self.link(x)} ({escape(', '.join(sorted(set(roles[str(x)]))))})"
        return self.link(x)

    def ontology(self, ontology: Store, iri: str) -> str:
        """The ontology's documentation page: what the owl:Ontology says of itself (title, comment, version IRI,
        licence), then its classes, object, data and annotation properties, each with its label, comment (its
        definition) and what it refines; then the concept schemes with their concepts (from the release)."""
        head = self._ontology_head(ontology, iri)
        sections = []
        for kind, heading in ((OWL.Class, "Classes"), (OWL.ObjectProperty, "Object properties"),
                              (OWL.DatatypeProperty, "Data properties"),
                              (OWL.AnnotationProperty, "Annotation properties")):
            rows = self._ontology_terms(ontology, iri, kind)
            if rows:
                cols = "".join(f'<th scope="col">{h}</th>' for h in ("Term", "Label", "Comment", "Refines"))
                sections.append(f'<h2 id="{escape(heading.lower().replace(" ", "-"))}">{heading} '
                                f"<span class=count>({len(rows)})</span></h2>{SCROLL.format(label=heading)}"
                                f"<table><thead><tr>{cols}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
        return self.page("Ontology", head + "".join(sections) + self._concept_schemes())

    def _ontology_head(self, ontology: Store, iri: str) -> str:
        found: dict[str, str] = {}
        for q in ontology.quads_for_pattern(NamedNode(iri), None, None):
            if isinstance(q.object, NamedNode | Literal):
                found.setdefault(q.predicate.value, q.object.value)
        title = found.get(DCTERMS.title, "opendata-graph ontology")
        facts = [("IRI", f"<code>{escape(iri)}</code>")]
        if OWL.versionIRI in found:
            facts.append(("Version IRI", f"<code>{escape(found[OWL.versionIRI])}</code>"))
        if OWL.versionInfo in found:
            facts.append(("Version", escape(found[OWL.versionInfo])))
        if DCTERMS.license in found:
            facts.append(("Licence", self.link(NamedNode(found[DCTERMS.license]))))
        facts.append(("As Turtle", f'<a href="{self.root}ontology.ttl">ontology.ttl</a>'))
        listed = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
        comment = f"<p>{escape(found[RDFS.comment])}</p>" if RDFS.comment in found else ""
        return f"<h1>{escape(title)}</h1>{comment}<dl class=iri>{listed}</dl>"

    def _ontology_terms(self, ontology: Store, iri: str, kind: str) -> list[str]:
        """One table row per own term of ``kind``: its name (the row's id), label, comment, what it refines."""
        rows = ontology.query(f"""
            PREFIX rdfs: <{RDFS}>
            SELECT ?term ?label ?comment (GROUP_CONCAT(STR(?parent); separator=" ") AS ?parents) WHERE {{
              ?term rdfs:isDefinedBy <{iri}> ; a <{kind}> ; rdfs:label ?label ; rdfs:comment ?comment .
              OPTIONAL {{ ?term rdfs:subClassOf|rdfs:subPropertyOf ?parent . FILTER(isIRI(?parent)) }}
            }} GROUP BY ?term ?label ?comment ORDER BY ?term""")
        out = []
        for r in rows:  # type: ignore[union-attr]
            local = r["term"].value.rsplit("#", 1)[-1]
            parents = ", ".join(f'<a href="{escape(self.href(p))}">{escape(curie(p))}</a>'
                                for p in sorted(r["parents"].value.split() if r["parents"] else ()))
            out.append(f'<tr id="{escape(local)}"><td><code>odg:{escape(local)}</code></td>'
                       f'<td>{escape(r["label"].value)}</td><td>{escape(r["comment"].value)}</td>'
                       f"<td>{parents}</td></tr>")
        return out

    def _concept_schemes(self) -> str:
        """Each concept scheme (roles, qualifiers: not in the published ontology document, whose concepts the
        release's own data carries): its concepts, labels, definitions."""
        schemes = self.store.query(f"""
            PREFIX skos: <{SKOS}>
            SELECT ?scheme ?label ?definition WHERE {{ ?scheme a skos:ConceptScheme ; skos:prefLabel ?label .
              OPTIONAL {{ ?scheme skos:definition ?definition }} }} ORDER BY ?scheme""")
        parts = []
        for sch in schemes:  # type: ignore[union-attr]
            concepts = self.store.query(f"""
                PREFIX skos: <{SKOS}>
                SELECT ?c ?label ?definition WHERE {{ ?c skos:inScheme <{sch["scheme"].value}> ;
                  skos:prefLabel ?label . OPTIONAL {{ ?c skos:definition ?definition }} }} ORDER BY ?c""")
            rows = "".join(f'<tr><td><a href="{escape(self.href(c["c"].value))}"><code>'
                           f'{escape(curie(c["c"].value))}</code></a></td><td>{escape(c["label"].value)}</td>'
                           f'<td>{escape(c["definition"].value) if c["definition"] else ""}</td></tr>'
                           for c in concepts)  # type: ignore[union-attr]
            definition = f"<p>{escape(sch['definition'].value)}</p>" if sch["definition"] else ""
            label = escape(sch["label"].value)
            parts.append(f"<h3>{label}</h3><p class=iri><code>{escape(sch['scheme'].value)}</code></p>{definition}"
                         f"{SCROLL.format(label=label)}<table><thead><tr><th scope=\"col\">Concept</th>"
                         f'<th scope="col">Label</th><th scope="col">Definition</th></tr></thead>'
                         f"<tbody>{rows}</tbody></table></div>")
        return '<h2 id="concept-schemes">Concept schemes</h2>' + "".join(parts) if parts else ""

    def home(self, description: str, counts: Sequence[tuple[str, int]], title: str,
             examples: Sequence[str] = (), dataset: str | None = None) -> str:
        """The home page: what the release covers (release.yaml's title and description), a search over every
        name, the cohorts with their members and roles, the licences and standards in use, where to start
        (release.yaml's ``featured``), an index per kind, the downloads and releases, the resources per class."""
        links = "".join(f"<li>{self.link(NamedNode(e))}</li>" for e in examples if self.exists(e))
        downloads = ", ".join(f'<a href="{self.root}dist/{f.dump}">{escape(f.name)}</a>' for f in EXPORTED
                              if f.dumped)
        rows = "".join(f'<tr><td><span title="{escape(curie(c))}">{escape(self.term(c).capitalize())}</span></td>'
                       f'<td class="count">{n:,}</td></tr>' for c, n in counts)
        body = (f"<h1>{escape(title)}</h1><p>{escape(description)}</p>" + self.search_box()
                + (f"<h2>Start here</h2><ul>{links}</ul>" if links else "")
                + self.picture() + self.cohorts() + self.in_use()
                + f'<p>Download the release: {downloads}, <a href="{self.root}dist/void.ttl">VoID/DCAT description</a>.</p>'
                + self._releases() + self.kinds_index()
                + f'<h2>Resources per class</h2>{SCROLL.format(label="Resources per class")}<table><thead><tr>'
                '<th scope="col">Class</th>'
                f'<th scope="col">Resources</th></tr></thead><tbody>{rows}</tbody></table></div>')
        return self.page(title, body, schemaorg.script(self.description, dataset) if dataset else "")

    def picture(self, cohort: str | None = None) -> str:
        """The network diagram and the membership timeline (pictures.py), inline: their nodes are links; they
        scroll on a narrow screen."""
        from . import pictures

        out = []
        svg = pictures.network(self.store, self.label, self.href, cohort)
        if svg.count("<a ") > 0:  # on a phone, the same as nested lists (the figure is 1,110 px wide)
            download = f' <a href="{self.root}network.svg">(SVG)</a>' if cohort is None else ""
            listed = pictures.network_list(self.store, self.label, self.href, cohort)
            out.append(f'<h2>{"The network" if cohort is None else "Its network"}{download}</h2>'
                       f'<div class="wide">{SCROLL.format(label="Network diagram")}{svg}</div></div>'
                       f'<div class="narrow">{listed}</div>')
        times = pictures.timeline(self.store, self.label, self.href, cohort)
        if times:
            download = f' <a href="{self.root}timeline.svg">(SVG)</a>' if cohort is None else ""
            listed = pictures.timeline_list(self.store, self.label, self.href, cohort)
            out.append(f"<h2>Memberships over time{download}</h2><p>Only what the sources date: a dot is a "
                       "date a membership held on; a dashed bar, a period it falls within whose end alone is "
                       f'stated.</p><div class="wide">{SCROLL.format(label="Membership timeline")}{times}</div></div>'
                       f'<div class="narrow">{listed}</div>')
        return "".join(out)

    def search_box(self) -> str:
        """A search over every record's names, in the browser, from the static index ``search.json`` (the form's
        action: ``static/search.js`` reads it there)."""
        return render("search.html", root=self.root)

    def search_index(self) -> list[dict[str, object]]:
        """Every live record: its label, other names, kind and page (``search.json``; made once: the home page's
        index by kind reads it too)."""
        if self._index is None:
            self._index = self._search_index()
        return self._index

    def _search_index(self) -> list[dict[str, object]]:
        from .schema import minted_record

        # A record that is the page about an outside thing (a licence with an SPDX id *is* its SPDX IRI:
        # licence/cc-by-4-0 foaf:primaryTopic <spdx:CC-BY-4.0>) is found by that thing's names and identifier.
        topics: dict[str, list[str]] = defaultdict(list)
        for q in self.store.quads_for_pattern(None, NamedNode(FOAF.primaryTopic), None):
            if isinstance(q.subject, NamedNode) and isinstance(q.object, NamedNode) and \
                    minted_record(q.subject.value, self.base) is not None:
                topics[q.object.value].append(q.subject.value)
        names: dict[str, list[str]] = defaultdict(list)
        for p in (RDFS.label, SKOS.altLabel, SKOS.hiddenLabel, DCTERMS.identifier):
            for q in self.store.quads_for_pattern(None, NamedNode(p), None):
                subject = q.subject
                if not isinstance(subject, NamedNode) or not isinstance(q.object, Literal):
                    continue
                if minted_record(subject.value, self.base) is not None and p != DCTERMS.identifier:
                    names[subject.value].append(q.object.value)
                for record in topics.get(subject.value, ()):
                    names[record].append(q.object.value)
        out: list[dict[str, object]] = []
        for iri in sorted(names):
            if self.retired(iri) is None:
                segment = iri[len(self.base):].split("/", 1)[0]
                out.append({"label": names[iri][0], "names": sorted(set(names[iri])), "kind": segment,
                            "href": self.href(iri)})
        return out

    def cohorts(self) -> str:
        """The cohorts, each with the programme it belongs to and its members with their roles."""
        rows = self.store.query(f"""SELECT ?cohort ?member ?role WHERE {{ ?cohort a <{ODG.Cohort}> .
            OPTIONAL {{ ?m <{ORG.organization}> ?cohort ; <{ORG.member}> ?member ; <{ORG.role}> ?role }} }}""")
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in rows:  # type: ignore[union-attr]
            members[r["cohort"].value]
            if r["member"] is not None:
                members[r["cohort"].value].append((self.link(r["member"]), self.label(r["role"])))
        if not members:
            return ""
        parts = ["<h2>The cohorts</h2>"]
        for cohort in sorted(members, key=lambda c: self.label(NamedNode(c))):
            whole = [self.link(o) for o in self._values(cohort, ORG.subOrganizationOf)]
            within = f" <span class=count>(part of {', '.join(whole)})</span>" if whole else ""
            items = "".join(f"<li>{m} <span class=count>({escape(role)})</span></li>"
                            for m, role in sorted(members[cohort]))
            parts.append(f"<h3>{self.link(NamedNode(cohort))}{within}</h3><ul class=\"columns\">{items}</ul>")
        return "".join(parts)

    def _values(self, s: str, p: str) -> list[object]:
        return sorted((q.object for q in self.store.quads_for_pattern(NamedNode(s), NamedNode(p), None)), key=str)

    def in_use(self) -> str:
        """The licences the datasets are under, and the standards anything conforms to, with how many use each."""
        parts = []
        for heading, predicate in (("Licences in use", DCTERMS.license), ("Standards in use", DCTERMS.conformsTo)):
            rows = self.store.query(f"SELECT ?o (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{predicate}> ?o }} "
                                    "GROUP BY ?o ORDER BY DESC(?n) ?o")
            items = "".join(f"<li>{self.link(r['o'])} <span class=count>({r['n'].value})</span></li>"
                            for r in rows)  # type: ignore[union-attr]
            if items:
                parts.append(f"<h2>{heading}</h2><ul class=\"columns\">{items}</ul>")
        return "".join(parts)

    def kinds_index(self, limit: int = 200) -> str:
        """Every live record, by kind (the first ``limit`` of a kind; the search finds the others)."""
        by_kind: dict[str, list[dict[str, object]]] = defaultdict(list)
        for entry in self.search_index():
            by_kind[str(entry["kind"])].append(entry)
        parts = []
        for kind in sorted(by_kind):
            entries = sorted(by_kind[kind], key=lambda e: str(e["label"]).lower())
            items = "".join(f'<li><a href="{escape(str(e["href"]))}">{escape(str(e["label"]))}</a></li>'
                            for e in entries[:limit])
            more = f"<p>… and {len(entries) - limit:,} more: use the search.</p>" if len(entries) > limit else ""
            parts.append(f"<details><summary>{escape(kind_name(kind))} "
                         f"<span class=count>({len(entries):,})</span></summary><ul class=\"columns\">{items}</ul>"
                         f"{more}{self._all_link(kind)}</details>")
        return "<h2>Everything, by kind</h2>" + "".join(parts) if parts else ""

    def _all_link(self, kind: str) -> str:
        if kind not in self.kinds():
            return ""
        return f'<p><a href="{self.root}{escape(kind)}{self.suffix}">All of them on one page</a></p>'

    def kinds(self) -> list[str]:
        """The IRI segments of the kinds the release has live records of that have an index page: each, unless
        its address is a resource itself (``dataset`` is the release description's dataset)."""
        def taken(kind: str) -> bool:
            node = NamedNode(self.base + kind)
            return any(True for store in (self.store, self.description) if store is not None
                       for _ in store.quads_for_pattern(node, None, None))
        return sorted(k for k in {str(e["kind"]) for e in self.search_index()} if not taken(k))

    def kind_page(self, kind: str) -> str | None:
        """The index of one kind (``/organisation``): every live record of it by name, with its other names;
        None when the release has no record of that kind."""
        entries = sorted((e for e in self.search_index() if e["kind"] == kind), key=lambda e: str(e["label"]).lower())
        if not entries or kind not in self.kinds():
            return None
        items = "".join(
            f'<li><a href="{escape(str(e["href"]))}">{escape(str(e["label"]))}</a>'
            + (f' <span class=count>({escape(", ".join(str(n) for n in others))})</span>' if others else "")
            + "</li>"
            for e in entries for others in [[n for n in e["names"] if n != e["label"]]])  # type: ignore[attr-defined]
        title = f"{kind_name(kind)} ({len(entries):,})"
        return self.page(title, f"<h1>{escape(title)}</h1>{self.search_box()}<ul class=\"columns\">{items}</ul>")

    def not_found(self, iri: str | None = None) -> str:
        """The page for an address the release does not have: what was asked (when known: a static host's error
        document does not know), a search, and where to go."""
        kinds = ", ".join(f'<a href="{self.root}{escape(k)}{self.suffix}">{escape(kind_name(k).lower())}</a>'
                          for k in self.kinds())
        where = f"at <code>{escape(iri)}</code>" if iri else "at this address"
        return self.page("Not found", f"<h1>Not found</h1><p>This release has nothing {where}.</p>"
                         f"<p>Search its names, or browse its {kinds}.</p>{self.search_box()}"
                         f'<p><a href="{self.root}index{self.suffix}">The home page</a></p>')

    def _releases(self) -> str:
        """The home page's line on releases: the latest, and where every changelog is."""
        if not self.history.versions:
            return ""
        latest = self.history.versions[-1]
        when = f" ({escape(latest.date)})" if latest.date else ""
        return (f"<p>Latest release: {escape(latest.version)}{when}, one of {len(self.history.versions)}; "
                f'<a href="{self.root}changes{self.suffix}">what changed in each</a>.</p>')

    def query_list(self, queries: Sequence[tuple[str, str, str, str]]) -> str:
        """``queries``: (name, title, answers, text) of each query file."""
        items = []
        for name, title, answers, text in queries:
            items.append(f'<li><h2 id="{escape(name)}">{escape(title)}</h2><p>{escape(answers)}</p>'
                         f'<form method="get" action="{self.root}query">'
                         f'<input type="hidden" name="query" value="{escape(text)}">'
                         f'<button type="submit" aria-label="Run {escape(title)}">Run</button> '
                         f'<a href="{self.root}query?query={quote(text)}&amp;edit=1">edit</a></form></li>')
        return self.page("Query files", f'<h1>Query files</h1><ul class="queries">{"".join(items)}</ul>')

    def query_page(self, text: str, result_html: str, error: str = "",
                   examples: Sequence[tuple[str, str, str, str]] = (), endpoint: str | None = None) -> str:
        """The query page: the SPARQL editor (YASQE, vendored: :data:`EDITOR_FILES`) over a plain form that works
        without it, the results as a table with links, an error as one line, the query files as examples.
        ``endpoint``: a static site's live form sends the query there and shows the answer as a table."""
        action = escape(endpoint) if endpoint else f"{self.root}query"
        live = f' data-endpoint="{escape(endpoint)}" data-base="{escape(self.base)}"' if endpoint else ""
        form = (f'<form method="get" action="{action}" id="query-form"{live}><label for="q"><h1>SPARQL query</h1>'
                f'</label><textarea id="q" name="query" spellcheck="false">{escape(text)}</textarea>'
                f'<p><button type="submit">Run query</button> (Ctrl+Enter) or send it to '
                f"<code>{escape(endpoint or self.root + 'sparql')}</code> with any SPARQL 1.1 client.</p></form>")
        error_html = f'<p role="alert" id="query-error"><strong>Error:</strong> {escape(error)}</p>' if error else ""
        items = "".join(f'<li><a href="{self.root}query{self.suffix if endpoint else ""}?query={quote(q)}&amp;edit=1">'
                        f"{escape(title)}</a></li>" for _, title, _, q in examples)
        listed = f'<h2>Examples: the query files</h2><ul class="columns">{items}</ul>' if items else ""
        return self.page("SPARQL query", form + error_html + f'<div id="live-results">{result_html}</div>'
                         + listed + self.editor())

    def editor(self) -> str:
        """The SPARQL editor's files and the script that puts it over the form's text area (``static/editor.js``,
        reading the site's root and the release's own vocabulary from the JSON beside it)."""
        data = script_json({"root": self.root, "terms": self.vocabulary()})
        return render("editor.html", root=self.root, data=Markup(data))

    def vocabulary(self) -> dict[str, list[str]]:
        """The release's own classes and properties (every IRI it uses as one), for the editor's completion."""
        if self._vocabulary is None:
            classes = self.store.query(f"SELECT DISTINCT ?c WHERE {{ ?s <{RDF.type}> ?c }}")
            properties = self.store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
            self._vocabulary = {
                "class": sorted(r[0].value for r in classes if isinstance(r[0], NamedNode)),  # type: ignore[union-attr]
                "property": sorted(r[0].value for r in properties),  # type: ignore[union-attr]
            }
        return self._vocabulary

    def results_table(self, variables: Sequence[str], rows: Sequence[Sequence[object]],
                      downloads: Sequence[tuple[str, str, str]] = ()) -> str:
        """Results as a table with links; ``downloads``: (name, address, file name) of the same results as files
        (CSV, SPARQL JSON) for a spreadsheet or a program."""
        head = "".join(f'<th scope="col">{escape(v)}</th>' for v in variables)
        body = "".join("<tr>" + "".join(f"<td>{'' if t is None else self.link(t)}</td>" for t in row) + "</tr>"
                       for row in rows)
        files = " · ".join(f'<a href="{escape(href)}" download="{escape(file)}">{escape(name)}</a>'
                           for name, href, file in downloads)
        return (f'<h2>Results <span class=count>({len(rows)} row{"s" if len(rows) != 1 else ""})</span></h2>'
                + (f'<p class="downloads">Download the results: {files}</p>' if files else "")
                + f'<table id="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
