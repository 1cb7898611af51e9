"""Serve step: the release as linked data -- a SPARQL 1.1 Protocol endpoint and a page for every resource.

Stdlib ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive) over an in-memory pyoxigraph store: pyoxigraph evaluates
queries in Rust without holding the GIL, so threads serve queries concurrently. Routes:

- ``/sparql``: SPARQL 1.1 Protocol (GET, POST form, POST ``application/sparql-query``); a service description on
  a plain GET; updates refused (403); ``SERVICE`` refused; per-query deadline and result cap.
- ``/<kind>/<id>`` and every other minted IRI under the base: content negotiation between HTML, Turtle,
  N-Triples, JSON-LD and RDF/XML (``Vary: Accept``, on a 406 too), or the suffixes ``.html``, ``.ttl``, ``.nt``,
  ``.jsonld``, ``.rdf``.
- ``/``, ``/index.html`` home; ``/queries.html`` the query files; ``/query`` the query page; ``/dist/<file>`` the
  release files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, parse, serialize

from ..core import jsonld
from ..core.errors import ConfigError, DataError, Location, OdgError
from ..core.formats import STEM, by_extension, by_media_type, media_type_of
from ..core.namespaces import DCTERMS, SD, VOID, W3C_FORMATS
from ..releases.releasedir import SUMS, ReleaseDir
from ..releases.releases import RELEASES
from ..stores.querycheck import QueryRefused, Verdicts, check_graphs
from ..stores.sparql import negotiate
from .fastlane import FastLane
from .pages import DEFAULT_QUERY, Site, citation_of
from .routes import RESOURCE_TYPES, Web, describe, item_links, landing_links, represent, resource_links
from .workers import Busy, Job, Pool, Timing

MAX_BODY = 1_000_000
#: Media types sent with "; charset=utf-8".
TEXTUAL = ("text/", "application/sparql-results", "application/json", "application/ld+json", "application/n-triples",
           "image/svg+xml")


@dataclass
class App:
    """What the handler serves: the store, the release directory and query files, limits."""

    store: Store
    base: str
    release: Path | None
    queries: Sequence[tuple[str, str, str, str]] = ()
    site: Site = field(init=False)
    title: str = "opendata-graph release"
    description: str = ""
    counts: Sequence[tuple[str, int]] = ()
    examples: Sequence[str] = ()  #: the release's featured resources (void:exampleResource)
    timeout: float = 10.0
    max_results: int = 100_000
    store_dir: Path | None = None  #: the on-disk store the query workers open read-only
    pool: Pool | None = None
    lane: FastLane | None = None  #: the queries the pool measured cheap, answered in this process
    #: The release's VoID/DCAT description (not in the SPARQL dataset): the dataset IRI, its distributions and
    #: versions dereference to it.
    void: Store | None = None
    void_site: Site | None = None
    dataset: str | None = None  #: the release's dataset IRI (its void:Dataset), what the home page is about
    licence: str | None = None  #: the release's licence (the dataset's dcterms:license)
    queries_dir: Path | None = None  #: where the query files were read (a new release is loaded with the same)
    #: The query workers' options (:meth:`start_workers`), None before they start: a new release's are the same
    worker_options: dict[str, Any] | None = None
    fast: float | None = None  #: the fast lane's CPU budget as given to :meth:`start_workers`

    def __post_init__(self) -> None:
        self._releases: dict[str, ReleaseDir] | None = None
        self.release_files = ReleaseDir(self.release) if self.release is not None else None
        self.site = Site(self.store, self.base)
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._ontology: Store | None = None
        self._context: dict[str, Any] | None = None
        self._verdicts = Verdicts()

    def clear_cache(self) -> None:
        """Forget every page and representation made (what they say has changed: the server's notice)."""
        with self._lock:
            self._cache.clear()

    def releases(self) -> dict[str, ReleaseDir]:
        """The releases whose files ``/releases/VERSION/<file>`` serves: those of the history (the release
        directory's, up to the one served), each read through its checksums."""
        if self._releases is None:
            root = self.release.resolve() if self.release is not None else None
            folder = (root / RELEASES if root is not None and (root / RELEASES).is_dir()
                      else root.parent if root is not None and root.parent.name == RELEASES else None)
            self._releases = {v.version: ReleaseDir(folder / v.version) for v in self.site.history.versions} \
                if folder is not None else {}
        return self._releases

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

    def start_workers(self, fast: float | None = None, **options: Any) -> None:
        """Start the query worker processes (before serving; tests of pages alone may go without), and the fast
        lane: the queries a worker measured under ``fast`` CPU seconds (default: a quarter of the time limit, at
        most the pool's ``budget``; 0: none) are answered in this process afterwards (:mod:`.fastlane`)."""
        if self.store_dir is None:
            raise RuntimeError("no on-disk store to give the workers")
        self.pool = Pool(self.store_dir, self.timeout, self.max_results, **options)
        self.worker_options = options
        self.fast = fast
        cpu = min(self.pool.budget, self.timeout / 4) if fast is None else min(fast, self.timeout / 4)
        self.lane = FastLane(self.store, self.pool, cpu) if cpu > 0 else None

    def run(self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            accept: str | None = "", client: str = "") -> tuple[tuple[Any, ...], Timing]:
        """A query checked here (linear: size, depth, SERVICE, updates, the graph IRIs) and run by a worker process
        (:meth:`start_workers` first) when ``client``'s turn comes; its answer and where the time went."""
        self._verdicts.check(query)
        check_graphs(default_graphs, named_graphs)
        if self.pool is None:
            raise RuntimeError("no query workers: call start_workers() before serving queries")
        job = Job(query, tuple(default_graphs), tuple(named_graphs), self.base + "sparql", accept)
        return (self.lane or self.pool).run(job, client)

    def close(self) -> None:
        """Stop the workers and remove the on-disk store."""

        self.lane = None
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.store_dir is not None:
            shutil.rmtree(self.store_dir.parent, ignore_errors=True)
            self.store_dir = None

    def context(self) -> dict[str, Any]:
        """The release's JSON-LD term context (read from the whole store once)."""
        with self._lock:
            if self._context is None:
                self._context = jsonld.context(self.store)
            return self._context

    def ontology(self) -> Store:
        """The release's ontology in a store of its own (not in the SPARQL dataset), loaded once."""
        with self._lock:
            if self._ontology is None:
                self._ontology = Store()
                if self.release is not None:
                    self._ontology.bulk_load(path=str(self.release / "ontology.ttl"), format=RdfFormat.TURTLE)
            return self._ontology


def _bulk_load(store: Store, path: Path, fmt: RdfFormat) -> None:
    """Load the RDF file ``path``; one that does not parse is the user's error (exit 2), located."""
    try:
        store.bulk_load(path=str(path), format=fmt)
    except SyntaxError as exc:
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else repr(exc)
        raise ConfigError(f"not {fmt.name}: {detail.splitlines()[0] if detail else exc!r}",
                          Location.of(path), "give a release directory or an RDF file") from None


def load_app(dump: Path, base: str, queries_dir: Path | None, timeout: float, max_results: int,
             in_memory: bool = False) -> App:
    """An app serving ``dump`` (a release directory, or one RDF file: .nt .ttl .nq .trig .jsonld).

    The dump is loaded into an on-disk store in a temporary directory, which the query workers open read-only
    (:meth:`App.close` removes it), and into memory for this process (its pages, and the queries a worker measured
    cheap: :mod:`.fastlane`, three times faster there than on disk); ``in_memory``: into memory only, for work
    without query workers (the static export, whose page processes are forked from this one and share it).
    """
    import tempfile

    release = dump if dump.is_dir() else None
    checked = ReleaseDir(release) if release is not None else None  # every file read from it verified
    path = checked.verify(f"{STEM}.nt") if checked is not None and checked.has(f"{STEM}.nt") else \
        dump / f"{STEM}.nt" if release else dump
    fmt = by_extension(path.suffix)
    if not path.is_file() or fmt is None:
        raise ConfigError("no release here (a release directory, or an .nt/.ttl/.nq/.trig file)", Location.of(path),
                          "run 'odg build' first, or give --dist a release directory or an RDF file")
    if in_memory:  # the static export: no query workers to share an on-disk store with
        store, store_dir = Store(), None
        _bulk_load(store, path, fmt.rdf)
    else:
        store_dir = Path(tempfile.mkdtemp(prefix="odg-serve-")) / "store"
        writer = Store(str(store_dir))
        try:
            _bulk_load(writer, path, fmt.rdf)
        except ConfigError:
            del writer
            shutil.rmtree(store_dir.parent, ignore_errors=True)
            raise
        writer.flush()
        del writer
        store = Store()  # this process's copy, in memory: its pages, and the queries of the fast lane
        _bulk_load(store, path, fmt.rdf)
    try:
        check_redirects(store, base, path)
    except DataError:
        if store_dir is not None:
            del store
            shutil.rmtree(store_dir.parent, ignore_errors=True)
        raise
    app = App(store, base, release, timeout=timeout, max_results=max_results, store_dir=store_dir,
              queries_dir=queries_dir)
    if queries_dir is not None:
        from ..stores.query import query_files

        app.queries = [(q.name, q.title, q.answers, q.text) for q in query_files(queries_dir, required=False)]
    if release is not None:
        from ..releases.diff import predicate_labels
        from ..releases.releases import History

        app.site.history = History.read(release, base)
        if checked is not None and checked.has("ontology.ttl"):
            ontology = checked.read_bytes("ontology.ttl")
            app.site.labels, app.site.terms = predicate_labels(ontology), jsonld.dump_terms(ontology)
    if checked is not None and checked.has("void.ttl"):
        void = Store()
        void.bulk_load(checked.read_bytes("void.ttl"), format=RdfFormat.TURTLE)
        app.void, app.void_site = void, Site(void, base, description=void)
        app.site.description = void
        app.site.citation = citation_of(void)
        rows = void.query(f"""SELECT ?d ?title ?description ?licence WHERE {{ ?d a <{VOID.Dataset}> ;
            <{DCTERMS.title}> ?title . OPTIONAL {{ ?d <{DCTERMS.description}> ?description }}
            OPTIONAL {{ ?d <{DCTERMS.license}> ?licence }} }}""")
        for row in rows:  # type: ignore[union-attr]
            app.title, app.dataset = row["title"].value, row["d"].value
            app.description = row["description"].value if row["description"] else ""
            app.licence = row["licence"].value if row["licence"] else None
        counts = void.query(f"SELECT ?c ?n WHERE {{ ?d <{VOID.classPartition}> ?p . ?p <{VOID['class']}> ?c ; "
                            f"<{VOID.entities}> ?n }} ORDER BY DESC(?n) ?c")
        app.counts = [(r["c"].value, int(r["n"].value)) for r in counts]  # type: ignore[union-attr]
        app.examples = sorted({str(q.object)[1:-1] for q in void.quads_for_pattern(
            None, NamedNode(VOID.exampleResource), None) if isinstance(q.object, NamedNode)})
    return app


#: The path of an IRI the release mints, after its base: segments of unreserved characters, none "." or ".."
#: (nor empty: no "//", which a browser would read as another host).
_MINTED_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")


def check_redirects(store: Store, base: str, dump: Path) -> None:
    """Every successor a release names (``dcterms:isReplacedBy``: what a merged record's IRI answers 301 to) is a
    resource of the release, minted under its base; :class:`DataError`, located in the dump, otherwise: a
    redirect never leaves the release's own IRI space."""
    for q in store.quads_for_pattern(None, NamedNode(DCTERMS.isReplacedBy), None):
        target = q.object.value if isinstance(q.object, NamedNode) else str(q.object)
        path = target[len(base):] if target.startswith(base) else None
        if (path is not None and _MINTED_PATH.fullmatch(path)
                and next(store.quads_for_pattern(NamedNode(target), None, None), None) is not None):
            continue
        subject = q.subject.value if isinstance(q.subject, NamedNode) else str(q.subject)
        raise DataError(f"{subject} is replaced by {target[:200]!r}, which is not a resource of this release under "
                        f"{base}: a merged record redirects only inside the release",
                        _line_of(dump, (f"<{subject}>", f"<{DCTERMS.isReplacedBy}>")),
                        hint="rebuild the release with 'odg build' (a merged record names its successor by id)")


def _line_of(dump: Path, needles: tuple[str, ...]) -> Location:
    """Where in the dump the first line holding every one of ``needles`` is (the file alone if none does)."""
    with contextlib.suppress(OSError, UnicodeDecodeError), dump.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if all(n in line for n in needles):
                return Location.of(dump, number, line.index(needles[0]) + 1)
    return Location.of(dump)


_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                   r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class Handler(BaseHTTPRequestHandler):
    server_version = "opendata-graph"
    sys_version = ""  #: no Python version in the Server header
    protocol_version = "HTTP/1.1"
    #: TCP_NODELAY: headers and body leave in two writes; without it, Nagle + delayed ACK add ~40 ms a request.
    disable_nagle_algorithm = True
    #: A buffered response stream: headers and body leave in one write (``handle_one_request`` flushes after each
    #: request); unbuffered, every answer took two ``send`` calls and two packets.
    wbufsize = 1 << 16
    #: Seconds a connection may stay idle (between requests, or inside one) before it is closed.
    timeout = 15
    app: App  #: the release this request is answered from (:class:`Live`: the one served when it began)
    web: Web  #: its pages and files (routes.py)
    live: Live
    _held: App | None = None

    def version_string(self) -> str:
        return self.server_version

    def handle_one_request(self) -> None:
        """One request; any fault inside becomes an answer (400 for what the client sent, 500 for a bug), never a
        dropped connection. Answered from the release served when its request line arrived, to the end."""
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except ValueError as exc:  # an IRI or a header the client sent that cannot be one
            self.close_connection = True
            self._fault(400, f"bad request: {exc}")
        except Exception as exc:  # a bug: answer, and keep serving
            self.close_connection = True
            self._fault(500, f"internal error: {type(exc).__name__}")
        finally:
            if self._held is not None:  # its last byte sent: the release may be closed if it was replaced
                self.live.release(self._held)
                self._held = None

    def _fault(self, status: int, message: str) -> None:
        with contextlib.suppress(Exception):  # the connection may be gone
            self.error(status, message)

    def parse_request(self) -> bool:
        if self._held is None:
            self.app, self.web = self.live.acquire()
            self._held = self.app
        if not super().parse_request():
            return False
        host = self.headers.get("Host")
        if self.request_version == "HTTP/1.1" and host is None:
            self.send_error(400, "HTTP/1.1 requires a Host header")
            return False
        if host is not None and not _HOST.fullmatch(host):
            self.send_error(400, "bad Host header")
            return False
        if any(c in self.path for c in " \x00\r\n"):  # (its length is bounded by http.server: 64 KiB)
            self.send_error(400, "bad request target")
            return False
        return True

    # -- plumbing -------------------------------------------------------------------------------------------
    def log_message(self, format: str, *args: object) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def send(self, status: int, body: bytes, media: str, extra: dict[str, str] | None = None) -> None:
        if media == "text/html" and self.app.site.notice:  # the page says so first (Site.notice); the header too
            extra = {**(extra or {}), "Warning": '110 - "Response is Stale"'}
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
        if status == 406:  # a negotiated answer: a cache keeps it for this Accept header only
            extra = {"Vary": "Accept"}
        self.send(status, (message + "\n").encode("utf-8"), "text/plain", extra)

    def refused(self, exc: QueryRefused) -> None:
        """A query refused: its status and message, and when refused for load, when to come back."""
        if isinstance(exc, Busy):
            return self.send(exc.status, (exc.message + "\n").encode("utf-8"), "text/plain",
                             {"Retry-After": str(exc.retry_after)})
        return self.error(exc.status, exc.message)

    def read_body(self) -> bytes | None:
        """The request body, bounded by :data:`MAX_BODY` whatever the headers say; None once answered."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self.error(411, "send the body with a Content-Length (chunked bodies are not accepted)")
            return None
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit() or len(self.headers.get_all("Content-Length") or []) > 1:
            self.close_connection = True
            self.error(400, f"bad Content-Length {raw[:40]!r}")
            return None
        length = int(raw)
        if length > MAX_BODY:
            self.error(413, f"request body of {length:,} bytes is over the limit of {MAX_BODY:,}")
            self.close_connection = True
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            self.close_connection = True
            self.error(400, "the body is shorter than its Content-Length")
            return None
        return body

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
            if "query" not in params:  # a browser gets the query page; a SPARQL client the service description
                offered = ["text/turtle", "application/n-triples", "application/ld+json", "text/html"]
                if negotiate(self.headers.get("Accept"), offered) == "text/html":
                    return self.html(self.app.site.query_page(DEFAULT_QUERY, examples=self.app.queries))
                return self.service_description()
            return self.sparql(params)
        if path == "/query":
            return self.query_page(params)
        if path.startswith(("/dist/", f"/{RELEASES}/")):
            return self.release_file(path)
        answer = self.web.answer(path, self.headers.get("Accept"))  # every page and file: the route table
        assert answer is not None, path  # (the routes the web layer leaves to the server are above)
        return self.send(answer.status, answer.body, answer.media, dict(answer.headers))

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
        accept = params.get("format", [None])[0] or self.headers.get("Accept") or ""
        try:
            (_, media, body), timing = self.app.run(queries[0], params.get("default-graph-uri", []),
                                                    params.get("named-graph-uri", []), accept, self.client_address[0])
        except QueryRefused as exc:
            return self.refused(exc)
        self.send(200, body, media, {"Vary": "Accept", "Server-Timing": timing.header()})

    def service_description(self) -> None:
        base = f"{self.app.base}sparql"  # the configured base, never the Host header a client sent
        results = " , ".join(f"<{W3C_FORMATS[name]}>" for name in (
            "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle",
            "N-Triples", "JSON-LD"))
        sd = f"""@prefix sd: <{SD}> .
<{base}> a sd:Service ;
    sd:endpoint <{base}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat {results} ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""
        media = negotiate(self.headers.get("Accept"), ["text/turtle", "application/n-triples", "application/ld+json"])
        if media is None:
            return self.error(406, "the service description is available as Turtle, N-Triples or JSON-LD")
        data = sd.encode() if media == "text/turtle" else serialize(
            list(parse(sd.encode(), format=RdfFormat.TURTLE)), format=by_media_type(media).rdf) or b""  # type: ignore[union-attr]
        self.send(200, data, media, {"Vary": "Accept"})

    def query_page(self, params: dict[str, list[str]]) -> None:
        text = params.get("query", [""])[0]
        examples = self.app.queries
        if not text or params.get("edit"):
            return self.html(self.app.site.query_page(text or DEFAULT_QUERY, examples=examples))
        try:
            (_, kind, boolean, variables, rows, triples), timing = self.app.run(text, accept=None,
                                                                                client=self.client_address[0])
        except QueryRefused as exc:
            extra = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
            return self.html(self.app.site.query_page(text, None, exc.message, examples), exc.status, extra)
        from ..core.terms import to_oxigraph

        def terms(row: Sequence[str | None]) -> list[object]:
            return [None if t is None else to_oxigraph(t) for t in row]
        sent = f"{self.app.site.root}sparql?query={quote(text)}&format="
        downloads = [("CSV", sent + quote("text/csv"), "results.csv"),
                     ("JSON", sent + quote("application/sparql-results+json"), "results.json")] \
            if kind != "graph" else [("N-Triples", sent + quote("application/n-triples"), "results.nt"),
                                     ("Turtle", sent + quote("text/turtle"), "results.ttl")]
        if kind == "boolean":
            table = self.app.site.results_table(["result"], [[_bool(boolean)]], downloads)
        elif kind == "solutions":
            table = self.app.site.results_table(variables, [terms(r) for r in rows], downloads)
        else:
            table = self.app.site.results_table(["subject", "predicate", "object"], [terms(t) for t in triples],
                                                downloads)
        return self.html(self.app.site.query_page(text, table, examples=examples),
                         extra={"Server-Timing": timing.header()})

    def release_file(self, path: str) -> None:
        """``/dist/<file>``: the served release's files; ``/releases/VERSION/<file>``: a version's own files, what
        its description's download URLs name."""
        if path.startswith("/dist/"):
            checked, name, what = self.app.release_files, path[len("/dist/"):], "this release"
        else:
            version, _, name = path[len(f"/{RELEASES}/"):].partition("/")
            checked, what = self.app.releases().get(version), f"release {version!r}"
        if checked is None or "/" in name or name.startswith(".") or not (checked.has(name) or name == SUMS):
            return self.error(404, f"no file {name!r} in {what}")
        self.checked_file(checked, name, {"Link": item_links(self.app)})

    def checked_file(self, checked: ReleaseDir, name: str, extra: dict[str, str] | None = None) -> None:
        """A release file, streamed once its bytes match its SHA256SUMS; a file changed since the release was
        made is never served (500, naming it, and the same line in the log)."""
        try:
            path = checked.verify(name)
        except OdgError as exc:
            sys.stderr.write(f"{exc}\n")
            return self.error(500, f"{name}: this file of the release does not match its SHA256SUMS; not served")
        self.stream_file(path, media_type_of(name), extra)

    def stream_file(self, path: Path, media: str, links: dict[str, str] | None = None) -> None:
        """A file streamed from disk in chunks (memory stays flat whatever its size), with single-range support
        (``Range: bytes=a-b``, 206; 416 for a range outside it)."""
        size = path.stat().st_size
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        extra = {"Accept-Ranges": "bytes", **(links or {})}
        if wanted:
            found = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted.strip())
            if not found or (not found.group(1) and not found.group(2)):
                return self.send(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
            if found.group(1):
                start = int(found.group(1))
                end = min(int(found.group(2)), size - 1) if found.group(2) else size - 1
            else:  # the last N bytes
                start = max(0, size - int(found.group(2)))
            if start > end or start >= size:
                return self.send(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
            status = 206
            extra["Content-Range"] = f"bytes {start}-{end}/{size}"
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{media}; charset=utf-8" if media.startswith(TEXTUAL) else media)
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Access-Control-Allow-Origin", "*")
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD":
                return
            with path.open("rb") as f:
                f.seek(start)
                left = end - start + 1
                while left > 0:
                    chunk = f.read(min(1 << 16, left))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def html(self, page: str, status: int = 200, extra: dict[str, str] | None = None) -> None:
        self.send(status, page.encode("utf-8"), "text/html", extra)


#: What a server says on every page when its release directory holds a release it could not serve (damaged,
#: half-written: the log says why); the new release is served as soon as it is whole.
STALE_NOTE = ("This server still serves an older release: its release directory holds a newer one that could not be "
              "verified or loaded (its log says why). That one is served as soon as it is whole.")


def _route(path: str) -> str:
    """The decoded request path, with the endpoint's trailing slash tolerated (``/sparql/``)."""
    path = unquote(path)
    return "/sparql" if path == "/sparql/" else path


def _bool(value: bool) -> Literal:
    return Literal("true" if value else "false")


class Server(ThreadingHTTPServer):
    """The stdlib threading server with a listen backlog for many clients connecting at once (default: 5)."""

    request_queue_size = 128
    live: Live


class Live:
    """The release a server serves, followed: when its release directory holds a new release, verified whole
    (every file against its SHA256SUMS, loaded, the directory unchanged meanwhile), new requests are answered
    from it and the requests under way finish on the old one, whose store and query workers are closed once the
    last of them is done. A release that cannot be verified or loaded is never swapped in: the old one keeps
    being served, every page says so (:data:`STALE_NOTE`) and the log says why, once per state of the
    directory."""

    def __init__(self, app: App, make_web: Callable[[App], Web], interval: float = 1.0) -> None:
        self.make_web, self.interval = make_web, interval
        self._lock = threading.Lock()
        self._current = (app, make_web(app))
        self._users: dict[int, int] = {id(app): 0}  #: id(app) -> requests under way on it
        self._retired: list[App] = []
        self._seen = self._signature()  # the directory as the served release left it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def app(self) -> App:
        return self._current[0]

    def acquire(self) -> tuple[App, Web]:
        """The release to answer one request from (give it back with :meth:`release`)."""
        with self._lock:
            app, web = self._current
            self._users[id(app)] = self._users.get(id(app), 0) + 1
            return app, web

    def release(self, app: App) -> None:
        with self._lock:
            self._users[id(app)] -= 1
            done = [a for a in self._retired if not self._users.get(id(a))]
            self._retired = [a for a in self._retired if a not in done]
        for old in done:  # its last request is answered
            self._users.pop(id(old), None)
            old.close()

    def _signature(self) -> tuple[tuple[str, int, int, int], ...]:
        """The release directory's files as the file system sees them (name, inode, size, time): what a rebuild
        changes, looked at without reading a byte."""
        release = self.app.release
        if release is None:
            return ()
        try:
            with os.scandir(release) as entries:
                found = [(e.name, *_stat(e)) for e in entries if e.is_file(follow_symlinks=False)]
        except OSError:
            return ()
        return tuple(sorted(found))

    def start(self) -> None:
        """Look at the release directory every ``interval`` seconds, in a thread of its own."""
        if self.app.release is not None and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="odg-follow", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def check(self) -> bool:
        """Swap in the release directory's new release if there is one, verified; whether one was swapped in."""
        now = self._signature()
        if now == self._seen:
            return False
        self._seen = now
        old = self.app
        assert old.release is not None
        try:
            new = self._load(old)
        except Exception as exc:  # whatever fails, the old release stays served, and the log says why
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            sys.stderr.write(f"{old.release}: a new release is there but is not served ({reason}); still serving "
                             "the one loaded before\n")
            self._notice(old, STALE_NOTE)
            return False
        if self._signature() != now:  # changed while it was loaded: half-written, look again next time
            new.close()
            self._seen = ()
            return False
        with self._lock:
            self._current = (new, self.make_web(new))
            self._users[id(new)] = 0
            self._retired.append(old)
            idle = not self._users.get(id(old))
            if idle:
                self._retired.remove(old)
                self._users.pop(id(old), None)
        if idle:
            old.close()
        sys.stderr.write(f"{new.release}: now serving the new release in it\n")
        return True

    def _load(self, old: App) -> App:
        """The directory's release, loaded as ``old`` was, every file checked against its SHA256SUMS first."""
        assert old.release is not None
        ReleaseDir(old.release).verify_all()
        new = load_app(old.release, old.base, old.queries_dir, old.timeout, old.max_results,
                       in_memory=old.store_dir is None)
        try:
            if old.worker_options is not None:
                new.start_workers(old.fast, **old.worker_options)
        except Exception:
            new.close()
            raise
        return new

    def _notice(self, app: App, notice: str) -> None:
        """What every page of ``app`` says from now on (pages made before are dropped)."""
        for site in (app.site, app.void_site, self._current[1].site, self._current[1].void_site):
            if site is not None:
                site.notice = notice
        app.clear_cache()

    def close(self) -> None:
        """Stop following; close every release still open."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            apps = [self._current[0], *self._retired]
            self._retired = []
        for app in apps:
            app.close()


def _stat(entry: os.DirEntry[str]) -> tuple[int, int, int]:
    s = entry.stat(follow_symlinks=False)
    return s.st_ino, s.st_size, s.st_mtime_ns


def serve(app: App, host: str, port: int, verbose: bool = False, idle_timeout: float = 15.0,
          make_web: Callable[[App], Web] = Web) -> Server:
    """A started-but-not-running server bound to ``host:port`` (port 0: a free one); ``make_web``: its pages
    (default: the server's own; a static :class:`Web` serves the static site's bytes). ``server.live`` follows
    the release once started (:func:`main_loop` does)."""
    live = Live(app, make_web)
    handler = type("BoundHandler", (Handler,), {"app": app, "web": live.acquire()[1], "live": live,
                                                "timeout": idle_timeout})
    live.release(app)
    server = Server((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    server.live = live
    return server


def main_loop(server: Server, app: App | None = None) -> None:
    """Serve until interrupted, following the release directory (:class:`Live`); then close whichever release
    is served (``app``, the first, is the server's :class:`Live`'s to close)."""
    host, port = str(server.server_address[0]), server.server_address[1]
    print(f"serving on http://{host}:{port}/ (SPARQL at /sparql); Ctrl-C to stop", file=sys.stderr, flush=True)
    server.live.start()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        server.live.close()


#: (describe, represent, the signposts and RESOURCE_TYPES live in routes.py, the web layer; named here as before)
__all__ = ["RESOURCE_TYPES", "App", "Handler", "describe", "item_links", "landing_links", "load_app", "negotiate",
           "represent", "resource_links", "serve"]


@dataclass(frozen=True)
class Limits:
    """What ``odg serve`` is told about its load: the per-query limits, the pool, the queue, the fast lane. Its
    defaults are the command's options' (:data:`opendata_graph.cli.arguments.limits`), stated there only."""

    timeout: float  #: CPU seconds of a query's own execution before its worker is stopped
    max_results: int  #: result rows (or triples) per query
    idle_timeout: float  #: seconds before an idle connection is closed
    worker_memory: int  #: address space per query worker, MB
    workers: int | None  #: query worker processes (None: two per core)
    queue: int  #: requests that may wait for a worker
    fast_lane: float | None  #: the fast lane's CPU budget (None: the default; 0: no lane)
    verbose: bool  #: log every request


def run(dump: Path, base: str, queries_dir: Path | None, host: str, port: int, limits: Limits) -> None:
    """``odg serve``: load ``dump``, listen on ``host:port``, start the query workers, serve until interrupted."""
    try:
        app = load_app(dump, base, queries_dir, limits.timeout, limits.max_results)
    except FileNotFoundError as exc:
        raise OdgError(str(exc), hint="run 'odg build' first") from None
    try:
        server = serve(app, host, port, limits.verbose, limits.idle_timeout)
    except OSError as exc:
        app.close()
        raise OdgError(f"cannot listen on {host}:{port}: {exc.strerror}",
                       hint="choose another --port (0: any free one)") from None
    try:
        app.start_workers(limits.fast_lane, memory=limits.worker_memory << 20, queue=limits.queue,
                          **({"workers": limits.workers} if limits.workers else {}))
    except Exception:
        app.close()
        raise
    main_loop(server, app)
