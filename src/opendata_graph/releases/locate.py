"""Where each node of the release is shown: on its own page, or on the page of the entity it belongs to.

A record's IRI (``<base>organisation/gbif``) has a page. The nodes it owns have none of their own: its figures,
identifiers and posts (minted below it, ``organisation/gbif/figure/...``), its memberships (minted under
``membership/<its id>/``), the statements that reify its facts and theirs (``statement/<hash>``), and, for a source
document or the reference file, its excerpts and evidence entries. Each is shown on that page at the fragment
named by its path (``organisation/gbif#membership/gbif/cohort-2/participant``); the static site's rules send a
request for it there (303). Any other IRI under the base (an ontology's concept, a page of the VoID description)
has a page of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Store

from ..core import mint
from ..core.mint import EVIDENCE, MEMBERSHIP, STATEMENT
from ..core.namespaces import FOAF, OA, ORG, PROV, RDF
from ..source.schema import KINDS

#: The links by which a node that belongs to a page points at one of the page's nodes: a statement at what it is
#: about, a membership at its member, a selector's excerpt at its document. (Into the page's own IRI every link
#: is followed: an activity minted below an organisation points at it. Not into an excerpt: the statements
#: deriving from it point at it and belong elsewhere.)
_BELONGING = tuple(NamedNode(p) for p in (RDF.subject, ORG.member, OA.hasSource))


@dataclass(frozen=True)
class Place:
    """A node's place: the page (an IRI with a page of its own) and the fragment on it ("" for the page itself)."""

    page: str
    fragment: str = ""


class Locator:
    """Places the nodes of ``store``; remembers what it found (one per site or server, read-only store)."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base
        self._memo: dict[str, Place] = {}
        self._records: dict[str, bool] = {}
        self._shown: tuple[str, list[str]] | None = None
        self._statements = mint.statements(base)
        self._about: dict[str, str] = {}  #: statement or evidence -> what it is about (:meth:`preload`)

    def preload(self) -> None:
        """What every statement and evidence entry is about, in two queries (instead of a lookup per node):
        for placing a whole release."""
        from pyoxigraph import Literal

        for segment, predicate in ((STATEMENT, RDF.subject), (EVIDENCE, PROV.wasDerivedFrom)):
            rows = self.store.query(f"SELECT ?n ?t WHERE {{ ?n <{predicate}> ?t "
                                    f"FILTER(STRSTARTS(STR(?n), {Literal(mint.path(self.base, segment, ''))})) }}")
            for r in rows:  # type: ignore[union-attr]
                if isinstance(r["t"], NamedNode):
                    self._about.setdefault(r["n"].value, r["t"].value)

    def __call__(self, iri: str) -> Place:
        found = self._memo.get(iri)
        if found is None:
            found = self._memo[iri] = self._place(iri)
        return found

    def about(self, iri: str) -> str | None:
        """What the statement ``iri`` is about (its ``rdf:subject``); None for any other node."""
        if not iri.startswith(self._statements):
            return None
        return self._about.get(iri) or self._value(iri, RDF.subject)

    def owner(self, iri: str) -> str:
        """The IRI of the page ``iri`` is shown on."""
        return self(iri).page

    def _exists(self, iri: str) -> bool:
        known = self._records.get(iri)
        if known is None:
            known = self._records[iri] = next(iter(self.store.quads_for_pattern(NamedNode(iri), None, None)),
                                              None) is not None
        return known

    def _value(self, iri: str, predicate: str) -> str | None:
        for q in self.store.quads_for_pattern(NamedNode(iri), NamedNode(predicate), None):
            if isinstance(q.object, NamedNode):
                return q.object.value
        return None

    def _place(self, iri: str) -> Place:
        base = self.base
        if not iri.startswith(base) or "#" in iri:
            return Place(iri)
        path = iri[len(base):]
        segment, _, rest = path.partition("/")
        if segment in KINDS:
            id_, _, below = rest.partition("/")
            record = mint.record(base, segment, id_)
            return Place(record, path) if below and id_ and self._exists(record) else Place(iri)
        if segment == MEMBERSHIP and rest:
            member = rest.split("/", 1)[0]
            for kind in KINDS:
                if self._exists(mint.record(base, kind, member)):
                    return Place(mint.record(base, kind, member), path)
            return Place(iri)
        about = {STATEMENT: RDF.subject, EVIDENCE: PROV.wasDerivedFrom}.get(segment)
        if about is not None and rest and "/" not in rest:
            target = self._about.get(iri) or self._value(iri, about)
            if target is not None and not target.startswith(base):  # a licence's SPDX IRI: shown on our page
                target = self._value(target, FOAF.isPrimaryTopicOf)
            if target is not None and target.startswith(base) and target != iri:
                return Place(self.owner(target), path)
        return Place(iri)

    def shown_on(self, page: str) -> list[str]:
        """Every node shown on ``page`` (the page first): what it links to or is linked from that belongs to it,
        transitively -- its owned nodes, its memberships, the statements about any of them, a document's excerpts,
        the reference file's evidence. (The last page's answer is remembered: its page and its data both ask.)"""
        last = self._shown  # read once: the server's threads share the locator
        if last is not None and last[0] == page:
            return last[1]
        topic = self._value(page, FOAF.primaryTopic)  # our page about an outside IRI: the facts are about that
        todo = [page, topic] if topic else [page]  # a list, never a set's order: the same page from every run
        seen, out = set(todo), [page]
        while todo:
            node = NamedNode(todo.pop())
            near = [q.object for q in self.store.quads_for_pattern(node, None, None)]
            for p in (None,) if node.value == page else _BELONGING:  # what points at it and is its own
                near += [q.subject for q in self.store.quads_for_pattern(None, p, node)]
            for x in near:
                if isinstance(x, NamedNode) and x.value not in seen and x.value.startswith(self.base):
                    seen.add(x.value)
                    if self(x.value).page == page and self(x.value).fragment:
                        out.append(x.value)
                        if not x.value.startswith(self._statements):  # what a statement links to is reached
                            todo.append(x.value)  # from the entity already (it is about the entity's nodes)
        self._shown = (page, out)
        return out
