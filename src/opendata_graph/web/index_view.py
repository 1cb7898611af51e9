"""The indexes of the release as view models: every live record's names (``search.json``, which the search box
reads), the index page of one kind (``/organisation``, ``templates/kind.html``) and the page for an address the
release does not have (``templates/not_found.html``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from ..core.namespaces import DCTERMS, FOAF, RDFS, SKOS
from .views import Context, Link, kind_name


@dataclass(frozen=True)
class Entry:
    """A record in an index: a link to its page and its other names."""

    link: Link
    others: tuple[str, ...]


@dataclass(frozen=True)
class KindPage:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class NotFound:
    asked: str  #: the address asked for ("": unknown, a static host's error document does not know)
    kinds: tuple[Link, ...]  #: every kind's index
    home: str


def search_index(ctx: Context) -> list[dict[str, object]]:
    """Every live record: its label, other names, kind and page (``search.json``; made once: the home page's
    index by kind reads it too)."""
    if ctx._index is None:
        ctx._index = _search_index(ctx)
    return ctx._index


def _search_index(ctx: Context) -> list[dict[str, object]]:
    from ..source.schema import minted_record

    # A record that is the page about an outside thing (a licence with an SPDX id *is* its SPDX IRI:
    # licence/cc-by-4-0 foaf:primaryTopic <spdx:CC-BY-4.0>) is found by that thing's names and identifier.
    topics: dict[str, list[str]] = defaultdict(list)
    for q in ctx.store.quads_for_pattern(None, NamedNode(FOAF.primaryTopic), None):
        if isinstance(q.subject, NamedNode) and isinstance(q.object, NamedNode) and \
                minted_record(q.subject.value, ctx.base) is not None:
            topics[q.object.value].append(q.subject.value)
    names: dict[str, list[str]] = defaultdict(list)
    for p in (RDFS.label, SKOS.altLabel, SKOS.hiddenLabel, DCTERMS.identifier):
        for q in ctx.store.quads_for_pattern(None, NamedNode(p), None):
            subject = q.subject
            if not isinstance(subject, NamedNode) or not isinstance(q.object, Literal):
                continue
            if minted_record(subject.value, ctx.base) is not None and p != DCTERMS.identifier:
                names[subject.value].append(q.object.value)
            for record in topics.get(subject.value, ()):
                names[record].append(q.object.value)
    out: list[dict[str, object]] = []
    for iri in sorted(names):
        if ctx.retired(iri) is None:
            segment = iri[len(ctx.base):].split("/", 1)[0]
            out.append({"label": names[iri][0], "names": sorted(set(names[iri])), "kind": segment,
                        "href": ctx.href(iri)})
    return out


def kinds(ctx: Context) -> list[str]:
    """The IRI segments of the kinds the release has live records of that have an index page: each, unless
    its address is a resource itself (``dataset`` is the release description's dataset)."""
    def taken(kind: str) -> bool:
        node = NamedNode(ctx.base + kind)
        return any(True for store in (ctx.store, ctx.description) if store is not None
                   for _ in store.quads_for_pattern(node, None, None))
    return sorted(k for k in {str(e["kind"]) for e in search_index(ctx)} if not taken(k))


def kind_page(ctx: Context, kind: str) -> KindPage | None:
    """The index of one kind (``/organisation``): every live record of it by name, with its other names;
    None when the release has no record of that kind."""
    entries = sorted((e for e in search_index(ctx) if e["kind"] == kind), key=lambda e: str(e["label"]).lower())
    if not entries or kind not in kinds(ctx):
        return None
    shown = tuple(Entry(Link(str(e["label"]), str(e["href"])),
                        tuple(str(n) for n in e["names"] if n != e["label"]))  # type: ignore[attr-defined]
                  for e in entries)
    return KindPage(f"{kind_name(kind)} ({len(entries):,})", shown)


def not_found(ctx: Context, iri: str | None = None) -> NotFound:
    """The page for an address the release does not have: what was asked (when known), a search, and where to
    go."""
    return NotFound(iri or "", tuple(Link(kind_name(k).lower(), ctx.page_href(k)) for k in kinds(ctx)),
                    ctx.page_href("index"))
