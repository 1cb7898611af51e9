"""What the page builders read the store through, and the pieces their view models are made of.

A view model is plain data -- labels, hrefs, rows -- never HTML: the templates (``templates/``, autoescaped)
render it. The pieces every page kind shares are here: a labelled link (:class:`Link`, the CURIE on hover), a
phrase of links and words (:data:`Phrase`), a fact's sources (:class:`Details`), and the ids a page gives
(:class:`Ids`). :class:`Context` is the release as the builders see it: labels, where each node's page is, the
sources of each fact. The builders are the ``*_view`` modules, one per page kind; :mod:`opendata_graph.web.pages`
puts a view model into its template.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from pyoxigraph import Literal, NamedNode, Store

from ..core import namespaces
from ..core.namespaces import DCTERMS, FOAF, OA, ODG, OWL, PROV, RDF, RDFS, SKOS, XSD
from ..releases.locate import Locator
from ..releases.releases import History


@dataclass(frozen=True)
class Link:
    """A node as a reader meets it: its label, where it links (``""``: shown as text) and the CURIE on hover
    (``""``: none)."""

    text: str
    href: str = ""
    title: str = ""
    kind: ClassVar[str] = "link"


@dataclass(frozen=True)
class Text:
    """Words between the links of a phrase."""

    text: str
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class Count:
    """A parenthesised aside, set smaller: "(7)", "(participating organisation)"."""

    text: str
    kind: ClassVar[str] = "count"


#: Links and words read in a row: "Head of Informatics, <GBIF>", "<WikiRate> (participant)".
Phrase = tuple[Link | Text | Count, ...]


@dataclass(frozen=True)
class Source:
    """One source of a fact: a quote and its document, external evidence with its confidence, or (neither
    known) the source node itself as text."""

    text: str
    document: Link | None = None  #: a quote's document
    confidence: str = ""  #: external evidence's


@dataclass(frozen=True)
class Cited:
    """One source of a fact: the statement that reifies it and the source; ``at``: where the quote is in its
    document (the document's IRI and the quote's first character in its local copy), if known."""

    statement: str
    source: Source
    at: tuple[str, int] | None = None


@dataclass(frozen=True)
class Details:
    """A fact's sources one click away: "source" or "3 sources", and the ids of its statements (given inside)."""

    label: str
    anchors: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Retired:
    """A withdrawn or merged record's tombstone."""

    successor: str | None  #: merged into (an IRI)
    reason: str | None
    since: str | None


@dataclass
class Ids:
    """The ids a page being built has given, in order: each once, where its node is first shown."""

    given: list[str] = field(default_factory=list)

    def give(self, fragment: str) -> str:
        """``fragment`` the first time, ``""`` (no id) after."""
        if not fragment or fragment in self.given:
            return ""
        self.given.append(fragment)
        return fragment


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


def kind_name(segment: str) -> str:
    """A kind's IRI segment as a heading: ``licence-family`` -> "Licence family"."""
    return segment.replace("-", " ").capitalize()


def outside_name(iri: str, labels: Mapping[str, str]) -> str:
    """An IRI the release has no name for, as a person reads it: a vocabulary term by the ontology's label or its
    local name in words, a registry's item by the registry's name and its identifier (``Wikidata Q13785927``), a
    web page by its address without the scheme; the CURIE stays for the hover text."""
    from ..releases.diff import words

    if iri in labels:
        return labels[iri]
    for space, registry in namespaces.REGISTRIES.items():
        if iri.startswith(space) and len(iri) > len(space):
            return f"{registry} {iri[len(space):]}"
    if not curie(iri).startswith(("http://", "https://")):  # a term of a vocabulary we know
        return words(iri)
    return iri.split("://", 1)[-1].removeprefix("www.").rstrip("/")


@dataclass
class Context:
    """The release as the page builders read it: the store, the base IRI and the URL root the pages are served
    under, with the labels, places and sources of its nodes (remembered: the store is read-only)."""

    store: Store
    base: str
    root: str = "/"
    suffix: str = ""  # ".html" for a static site, "" for the server (content negotiation)
    history: History = field(default_factory=History)  #: the releases so far (``dist/releases``)
    labels: Mapping[str, str] = field(default_factory=dict)  #: property IRI -> its label in the ontology
    #: The JSON-LD terms of a resource's ``.jsonld`` (the dump's: :func:`opendata_graph.core.jsonld.dump_terms`)
    terms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The release's VoID/DCAT description (void.ttl): the home page and the page of each dataset it holds carry
    #: that dataset's schema.org Dataset (:mod:`opendata_graph.web.schemaorg`)
    description: Store | None = None
    _index: list[dict[str, object]] | None = field(default=None, init=False, repr=False)
    _vocabulary: dict[str, list[str]] | None = field(default=None, init=False, repr=False)
    #: The release a record is cited in (:func:`opendata_graph.web.pages.citation_of`): title, version, issued...
    citation: Mapping[str, str] = field(default_factory=dict)
    locate: Locator = field(init=False, repr=False)  #: where each node is shown (its page and fragment)
    _label_memo: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _source_memo: dict[str, Source] = field(default_factory=dict, init=False, repr=False)
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

    def page_href(self, path: str) -> str:
        """The address of one of the site's own pages (``changes``, ``organisation``): the suffix a static site's
        pages have."""
        return f"{self.root}{path}{self.suffix}"

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
        from ..stages.pictures import NAMES, label_of

        iri = node.value
        partition = self.value(node, namespaces.VOID["class"])  # the release description's class partitions
        if isinstance(partition, NamedNode):
            count = self.value(node, namespaces.VOID.entities)
            return f"{self.term(partition.value).capitalize()}" + (f" ({self.label(count)})" if count else "")
        if iri.startswith(self.base) or any(True for p in NAMES for _ in self.store.quads_for_pattern(node, p, None)):
            return label_of(self.store, node, self.base)
        return outside_name(iri, self.labels)

    def linkable(self, iri: str) -> bool:
        """Whether an IRI may be a link's target: our own, or http(s) -- ``javascript:``, ``data:``... stay text."""
        return iri.startswith(self.base) or iri.lower().startswith(("http://", "https://"))

    def link(self, node: object) -> Link:
        """A node as a link (only where :meth:`linkable`), the CURIE of an outside IRI on hover; any other IRI
        as ``<iri>`` text, a literal as its value."""
        if isinstance(node, NamedNode) and self.linkable(node.value):
            label = self.label(node)
            hover = "" if node.value.startswith(self.base) or label == node.value else curie(node.value)
            return Link(label, self.href(node.value), hover)
        if isinstance(node, NamedNode):
            return Link(f"<{node.value}>")
        return Link(self.label(node))

    def term(self, predicate: str) -> str:
        """A property's name for people: its label in the ontology, else its local name in words."""
        from ..releases.diff import property_name

        return property_name([predicate], self.labels)

    def kind(self, types: Iterable[object]) -> str:
        """What the entity is, in words: the label of its most specific class (ours first)."""
        iris = sorted((t.value for t in types if isinstance(t, NamedNode)),
                      key=lambda t: (not t.startswith(ODG.iri), t))
        return self.term(iris[0]).capitalize() if iris else "Resource"

    def value(self, subject: object, predicate: str) -> object | None:
        for q in self.store.quads_for_pattern(subject, NamedNode(predicate), None):  # type: ignore[arg-type]
            return q.object
        return None

    def values(self, s: str, p: str) -> list[object]:
        return sorted((q.object for q in self.store.quads_for_pattern(NamedNode(s), NamedNode(p), None)), key=str)

    def exists(self, iri: str) -> bool:
        return next(iter(self.store.quads_for_pattern(NamedNode(iri), None, None)), None) is not None

    def retired(self, iri: str) -> Retired | None:
        """The tombstone of a withdrawn or merged record (owl:deprecated true), else None."""
        s = NamedNode(iri)
        if self.value(s, OWL.deprecated) != Literal("true", datatype=NamedNode(XSD.boolean)):
            return None
        successor, note, since = (self.value(s, p) for p in (DCTERMS.isReplacedBy, SKOS.changeNote,
                                                               PROV.invalidatedAtTime))
        return Retired(successor.value if isinstance(successor, NamedNode) else None,
                       note.value if isinstance(note, Literal) else None,
                       since.value if isinstance(since, Literal) else None)

    # -- provenance -----------------------------------------------------------------------------------------
    def sources(self, subject: NamedNode) -> dict[tuple[str, str], list[Cited]]:
        """(predicate, object) of each fact about ``subject`` -> its statements, each with its quote or
        evidence entry."""
        out: dict[tuple[str, str], list[Cited]] = defaultdict(list)
        for r in self.store.query(f"SELECT ?st ?p ?o ?d WHERE {{ ?st <{RDF.subject}> {subject} ; "
                                  f"<{RDF.predicate}> ?p ; <{RDF.object}> ?o ; <{PROV.wasDerivedFrom}> ?d }}"):  # type: ignore[union-attr]
            out[(r["p"].value, str(r["o"]))].append(Cited(r["st"].value, self.source(r["d"]), self.position(r["d"])))
        for cited in out.values():
            cited.sort(key=lambda c: (c.statement, c.source.text, c.source.confidence,
                                      c.source.document.href if c.source.document else ""))
        return out

    def source(self, node: object) -> Source:
        """A quote with its document, or an evidence entry (remembered)."""
        key = str(node)
        found = self._source_memo.get(key)
        if found is None:
            if len(self._source_memo) >= 100_000:
                self._source_memo.clear()
            found = self._source_memo[key] = self._source(node)
        return found

    def _source(self, node: object) -> Source:
        doc, exact = self.value(node, OA.hasSource), self.on_selector(node, OA.exact)
        if exact is not None and doc is not None:
            return Source(self.label(exact), document=self.link(doc))
        text, confidence = self.value(node, RDFS.comment), self.value(node, ODG.confidence)
        if text is not None and confidence is not None:
            return Source(self.label(text), confidence=self.label(confidence))
        return Source(str(node))

    def position(self, node: object) -> tuple[str, int] | None:
        """Where an excerpt is in its document: the document and the quote's first character, if known (read
        from the excerpt's own triples: an OPTIONAL in the sources' query took 0.1 s a page at 1M triples)."""
        key = str(node)
        if key not in self._position_memo:
            if len(self._position_memo) >= 100_000:
                self._position_memo.clear()
            doc, start = self.value(node, OA.hasSource), self.on_selector(node, OA.start)
            found = None
            if isinstance(doc, NamedNode) and isinstance(start, Literal) and start.value.isdigit():
                found = (doc.value, int(start.value))
            self._position_memo[key] = found
        return self._position_memo[key]

    def on_selector(self, node: object, predicate: str) -> object | None:
        """The value of ``predicate`` on one of an excerpt's selectors (its quote's, or its position's)."""
        for q in self.store.quads_for_pattern(node, NamedNode(OA.hasSelector), None):  # type: ignore[arg-type]
            found = self.value(q.object, predicate)
            if found is not None:
                return found
        return None

    def details(self, cited: Sequence[Cited], ids: Ids) -> Details | None:
        """A fact's quotes one click away, with its statements' places (``#statement/...``: a browser opens the
        ``<details>`` it is sent to); None without a source."""
        sources = tuple(dict.fromkeys(c.source for c in cited))
        if not sources:
            return None
        label = "source" if len(sources) == 1 else f"{len(sources)} sources"
        anchors = tuple(given for st in dict.fromkeys(c.statement for c in cited)
                        if (given := ids.give(self.locate(st).fragment)))
        return Details(label, anchors, sources)

    def place_id(self, node: object, page: str, ids: Ids) -> str:
        """The id of the element showing ``node`` on ``page``: the fragment of its place when ``page`` shows a
        node it owns (the first time only); ``""`` otherwise."""
        if isinstance(node, NamedNode) and node.value.startswith(self.base):
            place = self.locate(node.value)
            if place.fragment and place.page == page:
                return ids.give(place.fragment)
        return ""


def phrase_key(phrase: Phrase) -> tuple[str, ...]:
    """A phrase's place in a sorted list: links by where they point, words as they read."""
    return tuple(p.href or p.text if isinstance(p, Link) else p.text for p in phrase)
