"""The web layer's route table: every page and file of the release's site, made once for ``odg serve`` and
``odg site`` alike.

A :class:`Web` answers a path (``/organisation/gbif``, ``/index.html``, ``/search.json``...) with an
:class:`Answer`: status, media type, headers and the bytes. The server sends that answer; the static export writes
the same bytes into the file the route names (:meth:`Web.exported`). Which routes a site has depends on its kind:
the server answers content negotiation and runs queries (``/sparql``, ``/query``: the server's own, with the
release files it streams); a static site (``static=True``: links to ``.html`` files, a query's results
pre-rendered) has only files. A server started with a static :class:`Web` serves exactly the static site's bytes
(tests/test_site.py checks every exported page so).

Routes (:data:`ROUTES`): home, query files, changes, query page, a query's results, the ontology and shapes,
search index, JSON-LD context, pictures, the editor's files, a kind's index, the 404 page, every resource (page,
framed JSON and RDF representations; 301 merged, 410 withdrawn), the release files (``/dist``, ``/releases``:
served by the server, copied by the export) and ``/sparql`` (the server's).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import NamedNode, Store, Triple

from ..core import jsonld
from ..core.formats import DUMPS, EXPORTED, HTML, RESOURCE, Format, by_media_type
from ..core.jsonld import CONTEXT_PATH
from ..core.namespaces import SCHEMA_WEB
from ..core.serialize import NO_TERMS, Terms
from ..releases.locate import Locator
from ..stores.sparql import negotiate
from . import render
from .pages import DEFAULT_QUERY, EDITOR_FILES, Site, page_of, primary_topic

#: A resource's representations: its page, and its description in each resource format.
SUFFIXES = {".html": HTML, **{f.extension: f.media_type for f in RESOURCE}}
RESOURCE_TYPES = (HTML, *(f.media_type for f in RESOURCE))
RESOURCE_MEDIA = tuple(f.media_type for f in RESOURCE)
_SUFFIX = re.compile("(" + "|".join(re.escape(s) for s in SUFFIXES) + ")$")
#: The files of a query's results beside its page on the static site.
QUERY_FORMS = (("CSV", "csv"), ("JSON", "json"))


@dataclass(frozen=True)
class Route:
    """One kind of page or file: its name, the paths it answers (a regular expression on the decoded path),
    and whether the static site has it (``static``) and the server (``served``)."""

    name: str
    pattern: str
    static: bool = True
    served: bool = True

    def match(self, path: str) -> re.Match[str] | None:
        return re.fullmatch(self.pattern, path)


#: The route table, in the order paths are matched. The last, ``resource``, takes every other path.
ROUTES = (
    Route("sparql", r"/sparql/?", static=False),
    Route("home", r"/(?:index\.html)?"),
    Route("queries", r"/queries(?:\.html)?"),
    Route("changes", r"/changes(?:\.html)?"),
    Route("query", r"/query", static=False),  # the server's form, running the query (serve.py)
    Route("query-page", r"/query\.html", served=False),  # the static site's query page
    Route("query-results", r"/queries/(?P<name>[^/]+)\.(?P<form>html|csv|json)", served=False),
    Route("context", re.escape("/" + CONTEXT_PATH)),
    Route("search", r"/search\.json"),
    Route("picture", r"/(?P<picture>network|timeline)\.svg"),
    Route("editor", r"/static/(?P<file>" + "|".join(re.escape(f) for f in EDITOR_FILES) + ")"),
    Route("not-found", r"/404\.html", served=False),  # the static host's error document
    Route("download", r"/(?:dist|releases)/.*"),  # the release files (the server streams them; the export copies)
    Route("resource", r"/.*"),
)


def route_of(path: str, static: bool = False) -> tuple[Route, Mapping[str, str]]:
    """The route answering ``path`` (decoded) on a server (``static``: on the static site), and its parts."""
    for route in ROUTES:
        if (route.static if static else route.served):
            found = route.match(path)
            if found is not None:
                return route, found.groupdict()
    raise AssertionError(f"no route for {path!r}")  # the resource route takes every path


@dataclass(frozen=True)
class Answer:
    """What a route answers: the status, the media type, the body and extra headers."""

    status: int
    body: bytes
    media: str
    headers: Mapping[str, str] = field(default_factory=dict)


class Loaded(Protocol):
    """The release as the web layer reads it (:class:`opendata_graph.web.serve.App`)."""

    store: Store
    base: str
    release: Path | None
    queries: Sequence[tuple[str, str, str, str]]
    site: Site
    title: str
    description: str
    counts: Sequence[tuple[str, int]]
    examples: Sequence[str]
    void: Store | None
    void_site: Site | None
    dataset: str | None
    licence: str | None

    def cached(self, key: tuple[str, str], make: Callable[[], bytes], size: int = ...) -> bytes: ...

    def context(self) -> dict[str, Any]: ...

    def ontology(self) -> Store: ...


class Web:
    """The pages and files of ``app``'s site: a server's (links without suffix, content negotiation) or, with
    ``static``, the static site's at ``root`` (links to ``.html`` files; ``endpoint``: the SPARQL endpoint its
    query page's live form asks)."""

    def __init__(self, app: Loaded, static: bool = False, root: str = "/", endpoint: str | None = None) -> None:
        self.app, self.static, self.root, self.endpoint = app, static, root, endpoint
        if static or root != app.site.root:
            self.site = dataclasses.replace(app.site, root=root, suffix=".html" if static else "")
        else:
            self.site = app.site
        self.void_site = app.void_site if self.site is app.site else None if app.void is None else Site(
            app.void, app.base, root=root, suffix=self.site.suffix, terms=self.site.terms, description=app.void)
        self._key = "static" if static else "served"

    def set_notice(self, notice: str) -> None:
        """What every page made from now on says first (the server's notice of an older release)."""
        for site in (self.site, self.void_site, self.app.site, self.app.void_site):
            if site is not None:
                site.notice = notice

    # -- answering ------------------------------------------------------------------------------------------
    def answer(self, path: str, accept: str | None = None) -> Answer | None:
        """The answer to a GET of ``path`` (decoded, without its query string); None for the routes the server
        answers itself (``/sparql``, ``/query``, the release files)."""
        route, parts = route_of(path, self.static)
        make = getattr(self, "_" + route.name.replace("-", "_"), None)
        return None if make is None else make(path, parts, accept)

    def _page(self, html: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Answer:
        return Answer(status, html.encode("utf-8"), HTML, headers or {})

    def _cached(self, key: str, make: Callable[[], bytes]) -> bytes:
        return self.app.cached((self._key, key), make)

    def _home(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        app = self.app
        body = self._cached("home", lambda: self.site.home(app.description, app.counts, app.title, app.examples,
                                                           app.dataset).encode("utf-8"))
        return Answer(200, body, HTML, {"Link": landing_links(app)})

    def _queries(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        if not self.static:
            return self._page(self.site.query_list(self.app.queries))
        return self._page(self.site.query_files(self.app.queries))

    def _changes(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        return self._page(self.site.changes())

    def _query_page(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        if self.endpoint:  # the live form: the editor, the query sent to the endpoint, the answer as a table
            return self._page(self.site.query_page(DEFAULT_QUERY, examples=self.app.queries,
                                                   endpoint=self.endpoint))
        return self._page(self.site.query_static())

    def _query_results(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer | None:
        """A query file's results, computed here (the static site has no endpoint): a page, CSV and JSON."""
        from ..stores.query import serialize_results
        from ..stores.sparql import Engine

        found = [q for q in self.app.queries if q[0] == parts["name"]]
        if not found:
            return self._not_found(path, parts, accept)
        name, title, answers, text = found[0]
        form = parts["form"]
        if form != "html":
            media = "text/csv" if form == "csv" else "application/sparql-results+json"
            return Answer(200, serialize_results(self.app.store.query(text), form).encode("utf-8"), media)
        answer = Engine(self.app.store, max_results=1_000_000).run(text)
        downloads = [(label, f"{self.root}queries/{name}.{f}", f"{name}.{f}") for label, f in QUERY_FORMS]
        table = self.site.results_table(answer.variables, answer.rows, downloads)
        return self._page(self.site.query_results(title, answers, text, table))

    def _context(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        return Answer(200, self._cached("context", lambda: jsonld.dumps(self.app.context())), "application/ld+json")

    def _search(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        data = self._cached("search", lambda: json.dumps(self.site.search_index(), ensure_ascii=False,
                                                         separators=(",", ":")).encode("utf-8"))
        return Answer(200, data, "application/json")

    def _picture(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        from ..stages import pictures

        draw = pictures.network if parts["picture"] == "network" else pictures.timeline
        data = self._cached(path, lambda: draw(self.app.store, self.site.label, self.site.href).encode("utf-8"))
        return Answer(200, data, "image/svg+xml") if data else _text(404, "nothing is dated")

    def _editor(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        name = parts["file"]
        data = self._cached(path, lambda: (render.static_dir() / name).read_bytes())
        return Answer(200, data, "text/css" if name.endswith(".css") else "text/javascript",
                      {"Cache-Control": "max-age=86400"})

    def _not_found(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        return self._page(self.site.not_found(), 404)

    # -- resources ------------------------------------------------------------------------------------------
    def _resource(self, path: str, parts: Mapping[str, str], accept: str | None) -> Answer:
        """A minted IRI's page or representation (by its suffix, else by ``accept``), its framed JSON
        (``.json``), the ontology and shapes, a kind's index, or nothing (404: a page with the search for a
        browser, one line for a program)."""
        found = self.find(path[: -len(".json")]) if path.endswith(".json") else None
        if found is not None:  # the entity as framed JSON-LD
            iri = self.app.base + path[1: -len(".json")]
            return Answer(200, self.framed(iri, found[1]), "application/ld+json",
                          {"Link": f'<{iri}>; rel="canonical"'})
        stem, suffix = path, ""
        match = _SUFFIX.search(path)
        if match:
            stem, suffix = path[: match.start()], match.group(0)
        if stem in ("/ontology", "/shapes"):
            return self.vocabulary(stem.lstrip("/"), suffix, accept)
        found = self.find(stem)
        if found is None and suffix and self.find(path) is not None:  # an IRI ending in ".nt": a distribution
            stem, suffix, found = path, "", self.find(path)
        iri = self.app.base + stem.lstrip("/")
        if found is None:
            return self.missing(stem, suffix, iri, accept)
        site, store = found
        media = SUFFIXES[suffix] if suffix else negotiate(accept, RESOURCE_TYPES)
        if media is None:
            return _text(406, f"{iri} is available as {', '.join(RESOURCE_TYPES)}", {"Vary": "Accept"})
        extra = {"Vary": "Accept", "Link": resource_links(self.app, iri)}
        retired = site.retired(iri)
        if retired is not None and retired.successor is not None:  # merged: its data is at its successor's IRI
            return Answer(301, f"{iri} was merged into {retired.successor}\n".encode(), "text/plain",
                          {**extra, "Location": self.site.href(retired.successor) + suffix})
        status = 410 if retired is not None else 200  # withdrawn: gone, with its tombstone
        if media == HTML:
            return Answer(status, self._cached(iri, lambda: site.resource(iri).encode("utf-8")), media, extra)
        data = self._cached(iri + " " + media, lambda: represent(describe(store, iri, site.locate), media,
                                                                 self.app.base, site.terms))
        return Answer(status, data, media, extra)

    def framed(self, iri: str, store: Store) -> bytes:
        return self._cached(iri + " json", lambda: jsonld.dumps(jsonld.entity(store, iri, self.app.base,
                                                                                self.app.context())))

    def missing(self, stem: str, suffix: str, iri: str, accept: str | None) -> Answer:
        """Nothing at ``stem``: a kind's index (``/organisation``) when it names one, else 404."""
        wants_html = suffix == ".html" or (not suffix and negotiate(accept, ["text/plain", "text/html"]) == HTML)
        kind = stem.strip("/")
        page = self.site.kind_page(kind) if "/" not in kind and suffix in ("", ".html") else None
        if page is not None:
            return self._page(page)
        if wants_html:
            return self._page(self.site.not_found(iri), 404)
        return _text(404, f"no resource {iri} in this release")

    def find(self, stem: str) -> tuple[Site, Store] | None:
        """Where the resource at ``stem`` is described: the release, or its VoID/DCAT description (the dataset
        IRI, its distributions and versions: not in the SPARQL dataset); None when nowhere."""
        iri = self.app.base + stem.lstrip("/")
        if not stem.strip("/"):
            return None
        if self.site.exists(iri):
            return self.site, self.app.store
        if self.void_site is not None and self.app.void is not None and self.void_site.exists(iri):
            return self.void_site, self.app.void
        return None

    def vocabulary(self, name: str, suffix: str, accept: str | None) -> Answer:
        """``/ontology`` and ``/shapes``: the release's own files (Turtle), or the ontology's term list (HTML)."""
        release = self.app.release
        if release is None or not (release / f"{name}.ttl").is_file():
            return _text(404, f"no {name} in this release")
        offered = [HTML, "text/turtle"] if name == "ontology" else ["text/turtle"]
        media = SUFFIXES.get(suffix) if suffix else negotiate(accept, offered)
        if media not in offered:
            return _text(406, f"the {name} is available as {', '.join(offered)}", {"Vary": "Accept"})
        if media == "text/turtle":
            return Answer(200, (release / f"{name}.ttl").read_bytes(), media, {"Vary": "Accept"})
        return self._page(self.site.ontology(self.app.ontology(), self.app.base + name), headers={"Vary": "Accept"})

    # -- the static site's files ----------------------------------------------------------------------------
    def resource_files(self, iri: str) -> dict[str, bytes]:
        """One resource's files on the static site, by path under its root: the page, its framed JSON and each
        RDF representation (rendered in one pass), the same bytes as the server's answers to their paths."""
        found = self.find("/" + iri[len(self.app.base):])
        assert found is not None, iri
        site, store = found
        relative = iri[len(self.app.base):]
        documents = represent_all(describe(store, iri, site.locate), self.app.base,
                                  [f.media_type for f in EXPORTED], terms=site.terms)
        return {relative + ".html": site.resource(iri).encode("utf-8"), relative + ".json": self.framed(iri, store),
                **{relative + f.extension: documents[f.media_type] for f in EXPORTED}}

    def exported(self) -> Iterator[tuple[str, bytes]]:
        """The static site's pages and files other than the resources' and the release files: (path under the
        root, bytes), each what :meth:`answer` gives for it."""
        names = ["index.html", "queries.html", "changes.html", "query.html", "404.html", "search.json",
                 CONTEXT_PATH, *(f"{kind}.html" for kind in self.site.kinds()), "network.svg", "timeline.svg",
                 *(f"queries/{n}.{f}" for n, *_ in self.app.queries for f in ("html", "csv", "json"))]
        if self.endpoint:
            names += [f"static/{f}" for f in EDITOR_FILES]
        if self.app.release is not None and (self.app.release / "ontology.ttl").is_file():
            names.append("ontology.html")
        for name in names:
            got = self.answer("/" + name, HTML)
            assert got is not None, name
            if got.status == 200 or name == "404.html":  # (a release with nothing dated has no timeline)
                yield name, got.body


def _text(status: int, message: str, headers: Mapping[str, str] | None = None) -> Answer:
    return Answer(status, (message + "\n").encode("utf-8"), "text/plain", headers or {})


# -- representations and signposts -------------------------------------------------------------------------
def describe(store: Store, iri: str, locate: Locator) -> list[Triple]:
    """The triples describing a resource. For a page: its own, and those of every node shown on it (what it
    owns, its memberships, the statements about them, a document's excerpts: :meth:`Locator.shown_on`); for a
    node shown on another page, its own and those of the nodes below it; for our page about an outside IRI (a
    licence's SPDX IRI), also that IRI's."""
    topic = primary_topic(store, iri)
    if locate(iri).fragment:
        nodes, todo = [iri], [iri]
        while todo:
            for q in store.quads_for_pattern(NamedNode(todo.pop()), None, None):
                o = q.object
                if isinstance(o, NamedNode) and o.value.startswith(iri + "/") and o.value not in nodes:
                    nodes.append(o.value)
                    todo.append(o.value)
    else:
        nodes = locate.shown_on(iri)
    return [Triple(q.subject, q.predicate, q.object)  # in no particular order: each writer sorts
            for node in [*nodes, *([topic] if topic and topic not in nodes else [])]
            for q in store.quads_for_pattern(NamedNode(node), None, None)]


def represent(triples: Sequence[Triple], media: str, base: str, terms: Terms = NO_TERMS) -> bytes:
    """A resource description in the release's own writers: prefixed Turtle, sorted N-Triples, compact JSON-LD
    (under the dump's ``terms``)."""
    return represent_all(triples, base, [media], terms)[media]


def represent_all(triples: Sequence[Triple], base: str, media: Sequence[str] = RESOURCE_MEDIA,
                  terms: Terms = NO_TERMS) -> dict[str, bytes]:
    """The description in each of ``media``, rendered once (the renderer writes every format in one pass)."""
    from ..core.serialize import Renderer
    from ..core.terms import rows

    unique = sorted(set(rows(triples)))
    rendered = Renderer(base, terms=terms).render(unique, quads=False)
    out = {}
    for m in media:
        fmt = by_media_type(m)
        assert fmt is not None and fmt.writer is not None and fmt.resource, m  # rendered without quads
        out[m] = fmt.writer.framed(rendered, base, not unique, terms)
    return out


def _link(target: str, rel: str, media: str | None = None) -> str:
    return f'<{target}>; rel="{rel}"' + (f'; type="{media}"' if media else "")


def landing_links(app: Loaded) -> str:
    """FAIR Signposting level 1 on the home page, the release's landing page: the dataset IRI to cite, its
    VoID/DCAT description, each dump, its licence, and what the page is (schema.org's AboutPage of a Dataset)."""
    links = [_link(app.dataset, "cite-as")] if app.dataset else []
    if app.release is not None and (app.release / "void.ttl").is_file():
        links.append(_link(f"{app.base}dist/void.ttl", "describedby", "text/turtle"))
    links += [_link(f"{app.base}dist/{f.dump}", "item", f.media_type) for f in DUMPS
              if app.release is not None and (app.release / f.dump).is_file()]
    links += [_link(app.licence, "license")] if app.licence else []
    links += [_link(SCHEMA_WEB.AboutPage, "type"), _link(SCHEMA_WEB.Dataset, "type")]
    return ", ".join(links)


def resource_links(app: Loaded, iri: str, formats: Sequence[Format] = RESOURCE, canonical: bool = True) -> str:
    """Signposting on a resource's answers (each representation alike): its IRI (canonical, to cite), its
    descriptions in each of ``formats``, the release's licence, an AboutPage. (The static site's rules write
    ``iri`` with the server's placeholder for the path.)"""
    links = [_link(iri, "canonical")] if canonical else []
    links += [_link(iri, "cite-as")]
    links += [_link(iri + f.extension, "describedby", f.media_type) for f in formats]
    links += [_link(app.licence, "license")] if app.licence else []
    return ", ".join([*links, _link(SCHEMA_WEB.AboutPage, "type")])


def item_links(app: Loaded) -> str:
    """Signposting on a release file (a dump, the description): the landing page it belongs to, the licence."""
    links = [_link(app.base, "collection", "text/html")]
    return ", ".join(links + ([_link(app.licence, "license")] if app.licence else []))


__all__ = ["ROUTES", "Answer", "Loaded", "Route", "Web", "describe", "item_links", "landing_links", "page_of",
           "represent", "represent_all", "resource_links", "route_of"]
