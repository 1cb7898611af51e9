"""Serve step: the release as linked data -- a SPARQL 1.1 Protocol endpoint and a page for every resource.

Stdlib ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive) over an in-memory pyoxigraph store: pyoxigraph evaluates
queries in Rust without holding the GIL, so threads serve queries concurrently. Routes:

- ``/sparql``: SPARQL 1.1 Protocol (GET, POST form, POST ``application/sparql-query``); a service description on
  a plain GET; updates refused (403); ``SERVICE`` refused; per-query deadline and result cap.
- ``/<kind>/<id>`` and every other minted IRI under the base: content negotiation between HTML, Turtle,
  N-Triples and JSON-LD (``Vary: Accept``), or the suffixes ``.html``, ``.ttl``, ``.nt``, ``.jsonld``.
- ``/``, ``/index.html`` home; ``/queries.html`` the query files; ``/query`` the query page; ``/dist/<file>`` the
  release files.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple, parse, serialize

from .namespaces import VOID
from .pages import Site
from .publish import MEDIA_TYPES, STEM
from .sparql import GRAPH_TYPES, RESULT_TYPES, Engine, QueryRefused, keywords, render

MAX_BODY = 1_000_000
#: Media types sent with "; charset=utf-8".
TEXTUAL = ("text/", "application/sparql-results", "application/json", "application/ld+json", "application/n-triples")
SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
            ".html": "text/html"}
RESOURCE_TYPES = ("text/html", "text/turtle", "application/n-triples", "application/ld+json")
RDF_FORMATS = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
               "application/ld+json": RdfFormat.JSON_LD}  # for the service description
LOAD_FORMATS = {".nt": RdfFormat.N_TRIPLES, ".ttl": RdfFormat.TURTLE, ".nq": RdfFormat.N_QUADS,
                ".trig": RdfFormat.TRIG, ".jsonld": RdfFormat.JSON_LD}


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers (q-values, ``type/*``, ``*/*``); None if none fits."""
    if not accept:
        return offered[0]
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for index, candidate in enumerate(offered):
            major = candidate.split("/")[0]
            if media in (candidate, f"{major}/*", "*/*"):
                specificity = 2 if media == candidate else (1 if media != "*/*" else 0)
                key = (q, specificity * 1000 - index - position, candidate)
                if best is None or key[:2] > best[:2]:
                    best = key
    return best[2] if best else None


@dataclass
class App:
    """What the handler serves: the store, the release directory and query files, limits."""

    store: Store
    base: str
    release: Path | None
    queries: Sequence[tuple[str, str, str, str]] = ()
    engine: Engine = field(init=False)
    site: Site = field(init=False)
    title: str = "opendata-graph release"
    description: str = ""
    counts: Sequence[tuple[str, int]] = ()
    timeout: float = 10.0
    max_results: int = 100_000

    def __post_init__(self) -> None:
        self.engine = Engine(self.store, self.timeout, self.max_results)
        self.site = Site(self.store, self.base)
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._ontology: Store | None = None

    def cached(self, key: tuple[str, str], make: Callable[[], bytes], size: int = 4096) -> bytes:
        """A rendered representation, made once: the store is read-only while it is served (LRU of ``size``)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = make()
        with self._lock:
            self._cache[key] = data
            if len(self._cache) > size:
                self._cache.popitem(last=False)
        return data

    def ontology(self) -> Store:
        """The release's ontology in a store of its own (not in the SPARQL dataset), loaded once."""
        with self._lock:
            if self._ontology is None:
                self._ontology = Store()
                if self.release is not None:
                    self._ontology.bulk_load(path=str(self.release / "ontology.ttl"), format=RdfFormat.TURTLE)
            return self._ontology


def load_app(dump: Path, base: str, queries_dir: Path | None, timeout: float, max_results: int) -> App:
    """An app serving ``dump`` (a release directory, or one RDF file: .nt .ttl .nq .trig .jsonld)."""
    store = Store()
    release = dump if dump.is_dir() else None
    path = dump / f"{STEM}.nt" if release else dump
    fmt = LOAD_FORMATS.get(path.suffix)
    if not path.is_file() or fmt is None:
        raise FileNotFoundError(f"{path}: no release to serve (run 'odg build', or give an .nt/.ttl/.nq/.trig file)")
    store.bulk_load(path=str(path), format=fmt)
    app = App(store, base, release, timeout=timeout, max_results=max_results)
    if queries_dir is not None:
        from .query import query_files

        app.queries = [(q.name, q.title, q.answers, q.text) for q in query_files(queries_dir, required=False)]
    if release and (release / "void.ttl").is_file():
        void = Store()
        void.bulk_load(path=str(release / "void.ttl"), format=RdfFormat.TURTLE)
        rows = void.query(f"""SELECT ?title ?description WHERE {{ ?d a <{VOID.Dataset}> ;
            <http://purl.org/dc/terms/title> ?title . OPTIONAL {{ ?d <http://purl.org/dc/terms/description> ?description }} }}""")
        for row in rows:  # type: ignore[union-attr]
            app.title = row["title"].value
            app.description = row["description"].value if row["description"] else ""
        counts = void.query(f"SELECT ?c ?n WHERE {{ ?d <{VOID.classPartition}> ?p . ?p <{VOID['class']}> ?c ; "
                            f"<{VOID.entities}> ?n }} ORDER BY DESC(?n) ?c")
        app.counts = [(r["c"].value, int(r["n"].value)) for r in counts]  # type: ignore[union-attr]
    return app


class Handler(BaseHTTPRequestHandler):
    server_version = "opendata-graph"
    protocol_version = "HTTP/1.1"
    #: TCP_NODELAY: headers and body leave in two writes; without it, Nagle + delayed ACK add ~40 ms a request.
    disable_nagle_algorithm = True
    app: App

    # -- plumbing -------------------------------------------------------------------------------------------
    def log_message(self, format: str, *args: object) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def send(self, status: int, body: bytes, media: str, extra: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{media}; charset=utf-8" if media.startswith(TEXTUAL) else media)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client went away: nothing to answer
            self.close_connection = True

    def error(self, status: int, message: str) -> None:
        extra = {"Allow": "GET, POST, OPTIONS"} if status == 405 else None
        self.send(status, (message + "\n").encode("utf-8"), "text/plain", extra)

    def read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.error(413, f"request body of {length:,} bytes is over the limit of {MAX_BODY:,}")
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    # -- methods --------------------------------------------------------------------------------------------
    def do_OPTIONS(self) -> None:
        self.send(204, b"", "text/plain", {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                           "Access-Control-Allow-Headers": "Content-Type, Accept",
                                           "Access-Control-Max-Age": "86400"})

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_PUT(self) -> None:
        self.error(405, "only GET, POST and OPTIONS are accepted")

    do_DELETE = do_PATCH = do_PUT

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = _route(url.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if path == "/sparql":
            if "update" in params:
                return self.error(403, "updates are not allowed: this endpoint is read-only")
            if "query" not in params:
                return self.service_description()
            return self.sparql(params)
        if path in ("/", "/index.html"):
            return self.html(self.app.site.home(self.app.description, self.app.counts, self.app.title))
        if path in ("/queries", "/queries.html"):
            return self.html(self.app.site.query_list(self.app.queries))
        if path == "/query":
            return self.query_page(params)
        if path.startswith("/dist/"):
            return self.release_file(path[len("/dist/"):])
        return self.resource(path)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if _route(url.path) != "/sparql":
            return self.error(405, "POST is only accepted at /sparql")
        body = self.read_body()
        if body is None:
            return None
        params = parse_qs(url.query, keep_blank_values=True)
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self.error(400, "the request body is not UTF-8")
        if media == "application/x-www-form-urlencoded":
            form = parse_qs(text, keep_blank_values=True)
            if "update" in form or "update" in params:
                return self.error(403, "updates are not allowed: this endpoint is read-only")
            if "query" in params:
                return self.error(400, "give the query in the body or in the URL, not both")
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            return self.sparql(params)
        if media == "application/sparql-update":
            return self.error(403, "updates are not allowed: this endpoint is read-only")
        if media == "application/sparql-query":
            if "query" in params:
                return self.error(400, "give the query in the body or in the URL, not both")
            params["query"] = [text]
            return self.sparql(params)
        return self.error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")

    # -- SPARQL ---------------------------------------------------------------------------------------------
    def sparql(self, params: dict[str, list[str]]) -> None:
        queries = params.get("query", [])
        if len(queries) != 1:
            return self.error(400, "give exactly one query")
        query = queries[0]
        words = keywords(query)
        if words & {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD"} and not words & {
                "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}:
            return self.error(403, "updates are not allowed: this endpoint is read-only")
        endpoint = f"http://{self.headers.get('Host', '127.0.0.1')}/sparql"
        try:
            answer = self.app.engine.run(query, params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                                         base_iri=endpoint)
        except QueryRefused as exc:
            return self.error(exc.status, exc.message)
        offered = list(GRAPH_TYPES) if answer.kind == "graph" else list(RESULT_TYPES)
        accept = params.get("format", [None])[0] or self.headers.get("Accept")
        media = negotiate(accept, offered) or negotiate("*/*", offered)
        assert media is not None
        self.send(200, render(answer, media), media, {"Vary": "Accept"})

    def service_description(self) -> None:
        base = f"http://{self.headers.get('Host', '127.0.0.1')}/sparql"
        sd = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
<{base}> a sd:Service ;
    sd:endpoint <{base}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON> , <http://www.w3.org/ns/formats/SPARQL_Results_XML> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV> , <http://www.w3.org/ns/formats/SPARQL_Results_TSV> ,
        <http://www.w3.org/ns/formats/Turtle> , <http://www.w3.org/ns/formats/N-Triples> , <http://www.w3.org/ns/formats/JSON-LD> ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""
        media = negotiate(self.headers.get("Accept"), ["text/turtle", "application/n-triples", "application/ld+json"])
        if media is None:
            return self.error(406, "the service description is available as Turtle, N-Triples or JSON-LD")
        data = sd.encode() if media == "text/turtle" else serialize(
            list(parse(sd.encode(), format=RdfFormat.TURTLE)), format=RDF_FORMATS[media]) or b""
        self.send(200, data, media, {"Vary": "Accept"})

    def query_page(self, params: dict[str, list[str]]) -> None:
        text = params.get("query", [""])[0]
        if not text or params.get("edit"):
            return self.html(self.app.site.query_page(text or "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20", ""))
        try:
            answer = self.app.engine.run(text)
        except QueryRefused as exc:
            return self.html(self.app.site.query_page(text, "", exc.message), exc.status)
        if answer.kind == "boolean":
            table = self.app.site.results_table(["result"], [[_bool(answer.boolean)]])
        elif answer.kind == "solutions":
            table = self.app.site.results_table(answer.variables, answer.rows)
        else:
            table = self.app.site.results_table(["subject", "predicate", "object"],
                                                [[t.subject, t.predicate, t.object] for t in answer.triples])
        return self.html(self.app.site.query_page(text, table))

    # -- linked data ----------------------------------------------------------------------------------------
    def resource(self, path: str) -> None:
        stem, suffix = path, ""
        match = re.search(r"\.(ttl|nt|jsonld|html)$", path)
        if match:
            stem, suffix = path[: match.start()], match.group(0)
        if stem in ("/ontology", "/shapes"):
            return self.vocabulary(stem.lstrip("/"), suffix)
        iri = self.app.base + stem.lstrip("/")
        if not stem.strip("/") or not self.app.site.exists(iri):
            return self.error(404, f"no resource {iri} in this release")
        media = SUFFIXES[suffix] if suffix else negotiate(self.headers.get("Accept"), RESOURCE_TYPES)
        if media is None:
            return self.error(406, f"{iri} is available as {', '.join(RESOURCE_TYPES)}")
        extra = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
        if media == "text/html":
            data = self.app.cached((iri, media), lambda: self.app.site.resource(iri).encode("utf-8"))
        else:
            data = self.app.cached((iri, media), lambda: represent(describe(self.app.store, iri), media, self.app.base))
        self.send(200, data, media, extra)

    def vocabulary(self, name: str, suffix: str) -> None:
        """``/ontology`` and ``/shapes``: the release's own files (Turtle), or the ontology's term list (HTML)."""
        release = self.app.release
        if release is None or not (release / f"{name}.ttl").is_file():
            return self.error(404, f"no {name} in this release")
        offered = ["text/html", "text/turtle"] if name == "ontology" else ["text/turtle"]
        media = SUFFIXES.get(suffix) if suffix else negotiate(self.headers.get("Accept"), offered)
        if media not in offered:
            return self.error(406, f"the {name} is available as {', '.join(offered)}")
        if media == "text/turtle":
            return self.send(200, (release / f"{name}.ttl").read_bytes(), media, {"Vary": "Accept"})
        return self.html(self.app.site.ontology(self.app.ontology(), self.app.base + name), extra={"Vary": "Accept"})

    def release_file(self, name: str) -> None:
        release = self.app.release
        if release is None or "/" in name or name.startswith(".") or not (release / name).is_file():
            return self.error(404, f"no file {name!r} in this release")
        media = MEDIA_TYPES.get(Path(name.removesuffix(".gz")).suffix, "text/plain")
        if name.endswith(".gz"):
            media = "application/gzip"
        self.send(200, (release / name).read_bytes(), media)

    def html(self, page: str, status: int = 200, extra: dict[str, str] | None = None) -> None:
        self.send(status, page.encode("utf-8"), "text/html", extra)


def _route(path: str) -> str:
    """The decoded request path, with the endpoint's trailing slash tolerated (``/sparql/``)."""
    path = unquote(path)
    return "/sparql" if path == "/sparql/" else path


def _bool(value: bool) -> Literal:
    return Literal("true" if value else "false")


def describe(store: Store, iri: str) -> list[Triple]:
    """The triples describing a resource: its own, and those of the nodes it owns (IRIs below its own)."""
    out = []
    seen = {iri}
    todo = [iri]
    while todo:
        current = todo.pop()
        for q in store.quads_for_pattern(NamedNode(current), None, None):
            out.append(Triple(q.subject, q.predicate, q.object))
            o = q.object
            if isinstance(o, NamedNode) and o.value.startswith(iri + "/") and o.value not in seen:
                seen.add(o.value)
                todo.append(o.value)
    return sorted(out, key=str)


def represent(triples: Sequence[Triple], media: str, base: str) -> bytes:
    """A resource description in the release's own writers: prefixed Turtle, sorted N-Triples, compact JSON-LD."""
    from . import serialize as writers
    from .terms import rows

    if media == "text/turtle":
        return writers.turtle(rows(triples), base)
    if media == "application/ld+json":
        return writers.jsonld(rows(triples), base)
    return writers.ntriples(rows(triples))


class Server(ThreadingHTTPServer):
    """The stdlib threading server with a listen backlog for many clients connecting at once (default: 5)."""

    request_queue_size = 128


def serve(app: App, host: str, port: int, verbose: bool = False) -> ThreadingHTTPServer:
    """A started-but-not-running server bound to ``host:port`` (port 0: a free one)."""
    handler = type("BoundHandler", (Handler,), {"app": app})
    server = Server((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def main_loop(server: ThreadingHTTPServer) -> None:
    host, port = str(server.server_address[0]), server.server_address[1]
    print(f"serving on http://{host}:{port}/ (SPARQL at /sparql); Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


__all__ = ["App", "Handler", "describe", "load_app", "negotiate", "serve"]
