"""Push step: upload the release into a named graph of any SPARQL 1.1 Graph Store Protocol endpoint.

The graph is replaced as a whole: a reader sees the old release or the new one. Where one PUT replaces a graph in
a single transaction (oxigraph, Fuseki) and the dump goes in one request, that PUT is the swap. Otherwise the
dump is streamed (constant memory, gzip when the server accepts it) into a staging graph -- one PUT, then POSTs
of further chunks if the server limits request sizes -- and swapped in with one SPARQL Update ``MOVE``.
With ``--protocol update``, the data goes to the staging graph as ``INSERT DATA`` chunks instead. Afterwards the
triple count on the server is checked against the dump's.

The release's version goes with it: its VoID/DCAT description (``void.ttl``) replaces the graph ``<GRAPH>-void``
once the push is verified, and a push that would replace a newer release with an older one is refused before
any byte is sent (``--allow-downgrade`` to do it anyway). ``--delta`` sends only the changes from the release the
store holds (a release of the same release directory) to this one, as one SPARQL Update request (``DELETE DATA``
+ ``INSERT DATA``), then verifies as a full push does.

Faults: connection refused, DNS failure and timeouts end with exit code 4; 401/403 with 5; 5xx and 429 are
retried with exponential back-off honouring ``Retry-After``, then exit 6, as do 404 (with the path the server
probably wants) and other refusals; a count mismatch exits 1. Credentials come from ``ODG_PUSH_USER`` /
``ODG_PUSH_PASSWORD`` or ``~/.netrc``, never from the command line, and are never printed.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from ..core import mint
from ..core.errors import EXIT_AUTH, EXIT_INPUT, EXIT_NETWORK, EXIT_SERVER, EXIT_VIOLATIONS, OdgError
from ..core.namespaces import DCAT, VOID

#: Graph Store paths of stores whose PUT replaces a graph in one transaction (oxigraph, Fuseki/TDB2).
ATOMIC_PUT = ("/store", "/data")
#: Endpoint layouts of known stores: Graph Store path -> (query path, update path).
KNOWN_LAYOUTS = {"/store": ("/query", "/update"), "/data": ("/query", "/update"),
                 "/sparql-graph-crud": ("/sparql", "/sparql"), "/sparql-graph-crud-auth": ("/sparql", "/sparql-auth"),
                 "/rdf-graphs/service": ("", "/statements")}
#: The graph beside the release's that holds its VoID/DCAT description (its version).
VOID_SUFFIX = "-void"
#: How the data goes (``--protocol``) and how credentials are sent (``--auth``).
PROTOCOLS = ("gsp", "update")
AUTH_KINDS = ("basic", "digest")
GSP_HINTS = "oxigraph: /store, Fuseki: /<dataset>/data, Virtuoso: /sparql-graph-crud-auth, GraphDB: " \
            "/repositories/<id>/rdf-graphs/service"


class _Retry(Exception):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class PushError(OdgError):
    def __init__(self, message: str, exit_code: int, hint: str | None = None) -> None:
        super().__init__(message, None, hint)
        self.exit_code = exit_code


@dataclass
class Target:
    """Where to push: the Graph Store endpoint, and the query/update endpoints beside it."""

    store: str
    graph: str
    query: str | None = None
    update: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    retries: int = 4
    backoff: float = 0.5
    auth: Any = None
    gzip: bool = True
    chunk_triples: int = 0  # 0: the whole dump in one request
    progress: Callable[[int], None] = field(default=lambda n: None)
    #: Whether one PUT replaces the graph atomically (known for oxigraph's and Fuseki's layouts).
    atomic_put: bool | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.store)
        if self.atomic_put is None:
            self.atomic_put = parts.path.endswith(ATOMIC_PUT)
        for gsp_path, (query, update) in KNOWN_LAYOUTS.items():
            if parts.path.endswith(gsp_path):
                root = parts.path[: -len(gsp_path)]
                if self.query is None and query:
                    self.query = urlunsplit((parts.scheme, parts.netloc, root + query, "", ""))
                if self.update is None and update:
                    self.update = urlunsplit((parts.scheme, parts.netloc, root + update, "", ""))


def credentials(kind: str = "basic") -> Any:
    """Auth from ODG_PUSH_USER/ODG_PUSH_PASSWORD (None: requests then reads ~/.netrc)."""
    user, password = os.environ.get("ODG_PUSH_USER"), os.environ.get("ODG_PUSH_PASSWORD")
    if not user:
        return None
    import requests.auth

    cls = requests.auth.HTTPDigestAuth if kind == "digest" else requests.auth.HTTPBasicAuth
    return cls(user, password or "")


def public(url: str) -> str:
    """A URL safe to print: no user info."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname
                       else parts.netloc, parts.path, parts.query, ""))


class Slice(io.RawIOBase):
    """Bytes ``start``..``stop`` of a file as a readable, rewindable body of known length.

    A known length means a Content-Length header (some stores, Virtuoso among them, store nothing from a chunked
    body); rewinding lets requests send it again after a digest-authentication challenge.
    """

    def __init__(self, path: Path, start: int, stop: int, progress: Callable[[int], None]) -> None:
        self.f = open(path, "rb")  # noqa: SIM115 - closed with the body
        self.start, self.stop, self.progress = start, stop, progress
        self.f.seek(start)

    def __len__(self) -> int:
        return self.stop - self.start

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.f.tell() - self.start

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: self.start, io.SEEK_CUR: self.f.tell(), io.SEEK_END: self.stop}[whence]
        self.f.seek(base + offset)
        return self.tell()

    def read(self, size: int = -1) -> bytes:
        left = self.stop - self.f.tell()
        data = self.f.read(left if size is None or size < 0 else min(size, left))
        self.progress(len(data))
        return data

    def close(self) -> None:
        self.f.close()
        super().close()


def chunk_bounds(path: Path, triples: int) -> list[tuple[int, int]]:
    """Byte ranges of at most ``triples`` lines each (one range for the whole file when 0)."""
    size = path.stat().st_size
    if triples <= 0:
        return [(0, size)]
    offsets = [0]
    with open(path, "rb") as f:
        for n, _ in enumerate(iter(f.readline, b""), 1):
            if n % triples == 0:
                offsets.append(f.tell())
    if offsets[-1] != size:
        offsets.append(size)
    return list(itertools.pairwise(offsets))


def gzip_copy(body: Slice, directory: str | None = None) -> IO[bytes]:
    """A gzip copy of ``body`` in a temporary file (streamed: memory stays flat), rewound."""
    out = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - the caller closes it
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    for block in iter(lambda: body.read(1 << 20), b""):
        out.write(compressor.compress(block))
    out.write(compressor.flush())
    out.seek(0)
    return out


class Pusher:
    def __init__(self, target: Target) -> None:
        import requests

        self.t = target
        self.session = requests.Session()
        self.session.auth = target.auth
        self.staging = target.graph + "-staging"

    # -- HTTP with retries ----------------------------------------------------------------------------------
    def request(self, method: str, url: str, body: Callable[[], IO[bytes]] | bytes | None = None,
                headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
                retries: int | None = None) -> Any:
        """One HTTP exchange, retried on 5xx, 429 and lost connections; ``body`` is remade for each attempt."""
        delay = self.t.backoff
        retries = self.t.retries if retries is None else retries
        for attempt in range(retries + 1):
            data = body() if callable(body) else body
            try:
                return self._send(method, url, data, headers, params, attempt < retries, delay)
            except _Retry as retry:
                time.sleep(retry.seconds)
                delay *= 2
            finally:
                if hasattr(data, "close"):
                    data.close()  # type: ignore[union-attr]
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, data: Any, headers: dict[str, str] | None,
              params: dict[str, str] | None, may_retry: bool, delay: float) -> Any:
        """Send once; network faults become :class:`PushError` (or :class:`_Retry` while retries remain)."""
        import requests

        try:
            resp = self._bounded(method, url, data, headers, params)
        except requests.exceptions.ConnectTimeout:
            raise PushError(f"connecting to {public(url)} timed out after {self.t.connect_timeout:g} s",
                            EXIT_NETWORK, "is the server up? raise --connect-timeout") from None
        except requests.exceptions.ReadTimeout:
            raise PushError(f"{public(url)} did not answer within {self.t.read_timeout:g} s", EXIT_NETWORK,
                            "raise --read-timeout, or push in chunks with --chunk-triples") from None
        except requests.exceptions.ConnectionError as exc:
            text = str(exc)
            if "Name or service not known" in text or "nodename nor servname" in text or "NameResolution" in text:
                raise PushError(f"cannot resolve the host of {public(url)}", EXIT_NETWORK,
                                "check the endpoint's host name") from None
            if may_retry and "refused" not in text.lower():
                raise _Retry(delay) from None
            raise PushError(f"cannot connect to {public(url)}: connection refused or lost", EXIT_NETWORK,
                            "is the server running on that host and port?") from None
        if resp.is_redirect or resp.status_code in (301, 302, 303, 307, 308):
            # Never followed: a 302/303 turns a PUT into a GET (nothing uploaded, "pushed"), and the credentials
            # would go to whatever host the server names.
            target = public(urljoin(url, resp.headers.get("Location", "")))
            raise PushError(f"{public(url)} answered {resp.status_code}, redirecting to {target}: not followed",
                            EXIT_SERVER, "give the final address as --endpoint (redirects are never followed, so "
                            "credentials and data stay with the host you named)")
        if resp.status_code in (429, 500, 502, 503, 504) and may_retry:
            raise _Retry(self._retry_after(resp, delay))
        return resp

    def _bounded(self, method: str, url: str, data: Any, headers: dict[str, str] | None,
                 params: dict[str, str] | None) -> Any:
        """The request with the whole exchange bounded by connect + read timeout (requests' read timeout bounds
        each wait for bytes, so a server trickling one byte a second held a push forever)."""
        import queue
        import threading

        import requests

        box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

        def exchange() -> None:
            try:
                box.put((True, self.session.request(method, url, data=data, headers=headers, params=params,
                                                    timeout=(self.t.connect_timeout, self.t.read_timeout),
                                                    allow_redirects=False)))
            except BaseException as exc:  # handed to the caller's thread
                box.put((False, exc))

        # a daemon thread: a stalled exchange never holds the process at exit
        threading.Thread(target=exchange, daemon=True, name="odg-push").start()
        try:
            ok, value = box.get(timeout=self.t.connect_timeout + self.t.read_timeout)
        except queue.Empty:
            self.session.close()  # drops its connections: the stalled exchange ends with an error in its thread
            raise requests.exceptions.ReadTimeout() from None
        if not ok:
            raise value
        return value

    @staticmethod
    def _retry_after(resp: Any, default: float) -> float:
        value = resp.headers.get("Retry-After")
        try:
            return min(float(value), 300.0) if value is not None else default
        except ValueError:
            return default

    def check(self, resp: Any, what: str) -> None:
        if resp.status_code < 300:
            return
        url = public(resp.url)
        if resp.status_code in (401, 403):
            raise PushError(f"{what}: {resp.status_code} {resp.reason} from {url}", EXIT_AUTH,
                            "set ODG_PUSH_USER and ODG_PUSH_PASSWORD (or ~/.netrc) for this host")
        if resp.status_code == 404:
            raise PushError(f"{what}: 404 Not Found at {url}", EXIT_SERVER,
                            f"wrong endpoint path? Graph Store paths: {GSP_HINTS}")
        if resp.status_code == 413:
            raise PushError(f"{what}: 413 the server refuses a request this large", EXIT_SERVER,
                            "push in chunks: --chunk-triples 100000")
        detail = resp.text.strip().splitlines()[0][:200] if resp.text.strip() else ""
        raise PushError(f"{what}: {resp.status_code} {resp.reason} from {url}" + (f": {detail}" if detail else ""),
                        EXIT_SERVER)

    # -- the push -------------------------------------------------------------------------------------------
    def body(self, dump: Path, start: int, stop: int, compress: bool) -> Callable[[], IO[bytes]]:
        def make() -> IO[bytes]:
            part = Slice(dump, start, stop, self.t.progress if not compress else lambda n: None)
            if not compress:
                return part  # type: ignore[return-value]
            with part:
                return gzip_copy(part)
        return make

    def upload_gsp(self, dump: Path, graph: str) -> None:
        """PUT the first chunk (replacing the graph), POST the others (appending: a graph is a set)."""
        for i, (start, stop) in enumerate(chunk_bounds(dump, self.t.chunk_triples)):
            method = "PUT" if i == 0 else "POST"
            headers = {"Content-Type": "application/n-triples"}
            if self.t.gzip:
                gz = {**headers, "Content-Encoding": "gzip"}
                resp = self.request(method, self.t.store, self.body(dump, start, stop, True), gz, {"graph": graph},
                                    retries=0 if i == 0 else None)
                if i == 0 and resp.status_code >= 400 and resp.status_code not in (401, 403, 404, 413, 429):
                    self.t.gzip = False  # the server does not take gzip bodies: send them plain from now on
                else:
                    self.t.progress(stop - start)
                    self.check(resp, f"{method} to graph <{graph}>")
                    continue
            resp = self.request(method, self.t.store, self.body(dump, start, stop, False), headers, {"graph": graph})
            self.check(resp, f"{method} to graph <{graph}>")

    def upload_update(self, dump: Path, graph: str) -> None:
        """INSERT DATA chunks into ``graph`` through the update endpoint (after dropping it)."""
        assert self.t.update is not None
        self.check(self.request("POST", self.t.update, f"DROP SILENT GRAPH <{graph}>".encode(),
                                {"Content-Type": "application/sparql-update"}), "DROP staging graph")
        for start, stop in chunk_bounds(dump, self.t.chunk_triples or 50_000):
            with Slice(dump, start, stop, self.t.progress) as part:
                data = b"INSERT DATA { GRAPH <" + graph.encode() + b"> {\n" + part.read() + b"} }"
            self.check(self.request("POST", self.t.update, data, {"Content-Type": "application/sparql-update"}),
                       f"INSERT DATA into <{graph}>")

    def swap(self) -> None:
        assert self.t.update is not None
        # Not SILENT: a store whose MOVE fails must say so (Fuseki <= 4.5 answered 204 to MOVE SILENT and left the
        # old release in place); verify() checks the outcome whatever the answer.
        resp = self.request("POST", self.t.update, f"MOVE <{self.staging}> TO <{self.t.graph}>".encode(),
                            {"Content-Type": "application/sparql-update"})
        self.check(resp, f"MOVE <{self.staging}> TO <{self.t.graph}>")

    def ask(self, query: str, what: str) -> bool:
        assert self.t.query is not None
        resp = self.request("POST", self.t.query, urlencode({"query": query}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Accept": "application/sparql-results+json"})
        self.check(resp, what)
        text = resp.text.strip()
        try:  # SPARQL JSON (stores differ: a JSON boolean or its text), else SPARQL XML or plain text
            doc = resp.json()
            if "boolean" in doc:
                return doc["boolean"] is True or str(doc["boolean"]).lower() == "true"
            bindings = doc["results"]["bindings"]  # Virtuoso: ASK {} as a one-column SELECT of __ASK_RETVAL
            return bool(bindings) and str(next(iter(bindings[0].values()))["value"]).lower() in ("1", "true")
        except (ValueError, KeyError, TypeError, StopIteration, IndexError):
            import re

            found = re.search(r"<boolean>\s*(true|false)\s*</boolean>|^(true|false)$", text, re.I)
            if found:
                return (found.group(1) or found.group(2)).lower() == "true"
        raise PushError(f"{what}: the server's answer is not a SPARQL boolean: {text[:120]!r}", EXIT_SERVER)

    def preflight(self, swapped: bool) -> None:
        """What can be checked before the first byte of the dump is sent: the query endpoint answers (and with
        these credentials), and the update endpoint exists when a swap needs it."""
        if self.t.query is None:
            raise PushError("no query endpoint to verify the push", 2,
                            "pass --query-endpoint (or --no-verify to push unverified)")
        self.ask("ASK {}", "checking the query endpoint before uploading")
        if swapped and self.t.update is None:
            raise PushError("this push needs an update endpoint for the atomic swap", 2, "pass --update-endpoint")

    def verify(self, dump: Path, local: int, swapped: bool) -> int:
        """The graph holds the new release: its triple count, a sample of its triples spread over the dump, and
        (after a swap) no staging graph left behind. A count alone cannot tell a same-size old release."""
        remote = self.count()
        if remote != local:
            raise PushError(f"the server holds {remote:,} triples in <{self.t.graph}>, the dump {local:,}",
                            EXIT_VIOLATIONS, "push again; if it persists, the store may merge or drop triples")
        sample = sample_lines(dump, 64)
        if sample and not self.ask(f"ASK {{ GRAPH <{self.t.graph}> {{ {' '.join(sample)} }} }}",
                                   "checking a sample of the release on the server"):
            raise PushError(f"<{self.t.graph}> does not hold the release just pushed (a sample of its triples is "
                            "missing): the store kept another version", EXIT_VIOLATIONS,
                            "check the store's MOVE support; the upload may be in the staging graph")
        if swapped and self.ask(f"ASK {{ GRAPH <{self.staging}> {{ ?s ?p ?o }} }}", "checking the staging graph"):
            raise PushError(f"the staging graph <{self.staging}> is still there after the swap: the store did not "
                            "move it", EXIT_VIOLATIONS, "the store's MOVE failed silently; push with one PUT instead")
        return remote

    def count(self) -> int:
        if self.t.query is None:
            raise PushError("no query endpoint to verify the upload", EXIT_SERVER, "pass --query-endpoint")
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.t.graph}> {{ ?s ?p ?o }} }}"
        # A form POST: the request form every SPARQL 1.1 store accepts (Virtuoso ignores a direct POST).
        resp = self.request("POST", self.t.query, urlencode({"query": query}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Accept": "application/sparql-results+json"})
        self.check(resp, "counting the triples on the server")
        try:
            n = int(resp.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise PushError("the store's count is not SPARQL JSON results with a number", EXIT_SERVER) from None
        if n < 0:
            raise PushError(f"the store counts {n} triples", EXIT_SERVER)
        return n

    def graph_rows(self) -> set[tuple[str, str, str]]:
        """Every triple of the graph, as the store holds it (a CONSTRUCT as N-Triples, parsed): for comparing the
        graph with a release triple for triple, not by count."""
        if self.t.query is None:
            raise PushError("no query endpoint to read the graph", 2, "pass --query-endpoint")
        from pyoxigraph import RdfFormat, parse

        from ..core.terms import rows

        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{self.t.graph}> {{ ?s ?p ?o }} }}"
        resp = self.request("POST", self.t.query, urlencode({"query": query}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/n-triples"})
        self.check(resp, f"reading <{self.t.graph}> to compare it with the release")
        try:
            return set(rows(parse(resp.content, format=RdfFormat.N_TRIPLES)))
        except SyntaxError as exc:
            raise PushError(f"the store's graph is not N-Triples: {str(exc).splitlines()[0]}", EXIT_SERVER) from None

    # -- versions ---------------------------------------------------------------------------------------------
    @property
    def void_graph(self) -> str:
        return self.t.graph + VOID_SUFFIX

    def store_version(self) -> str | None:
        """The release version the store says it holds (its VoID graph), or None when it says none."""
        if self.t.query is None:
            return None
        query = (f"SELECT ?v WHERE {{ GRAPH <{self.void_graph}> {{ {{ ?s <{DCAT.hasCurrentVersion}> ?c . "
                 f"?c <{DCAT.version}> ?v }} UNION {{ ?s a <{VOID.Dataset}> ; <{DCAT.version}> ?v . "
                 f"FILTER NOT EXISTS {{ ?s <{DCAT.hasCurrentVersion}> ?any }} }} }} }}")
        resp = self.request("POST", self.t.query, urlencode({"query": query}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Accept": "application/sparql-results+json"})
        self.check(resp, "reading the release version the store holds")
        try:
            found = sorted({str(b["v"]["value"]) for b in resp.json()["results"]["bindings"]})
        except (ValueError, KeyError, TypeError):
            raise PushError("the store's answer about its version is not SPARQL JSON results", EXIT_SERVER) from None
        if len(found) != 1:
            return None
        from ..releases.releases import SEMVER_RE

        if not SEMVER_RE.match(found[0]):  # a value from the store: never a path, never trusted unchecked
            raise PushError(f"<{self.void_graph}> claims release {found[0][:80]!r}, not a semantic version: the "
                            "store's record is not trusted", 2,
                            f"push in full with --allow-downgrade, or drop <{self.void_graph}>")
        return found[0]

    def check_version(self, version: str | None, allow_downgrade: bool) -> str | None:
        """Refuse to replace a newer release with an older one; the version the store held (None: unknown).
        With ``allow_downgrade`` a store whose record is not a version is replaced whole (record and all)."""
        from ..releases.releases import version_key

        try:
            held = self.store_version()
        except PushError:
            if allow_downgrade:
                return None
            raise
        if held is None or version is None or allow_downgrade:
            return held
        if version_key(version) < version_key(held):
            raise PushError(f"<{self.t.graph}> holds release {held}, newer than {version}: not replaced",
                            EXIT_VIOLATIONS, "push a newer release, or pass --allow-downgrade to replace it anyway")
        return held

    def record_version(self, void: bytes | None) -> None:
        """Replace the VoID graph with the release's description (N-Triples), or drop it for a dump without
        one: a store must never claim a version it does not hold."""
        if void is None:
            if self.t.update is not None:
                self.check(self.request("POST", self.t.update, f"DROP SILENT GRAPH <{self.void_graph}>".encode(),
                                        {"Content-Type": "application/sparql-update"}), "dropping the VoID graph")
            elif self.t.store:
                resp = self.request("DELETE", self.t.store, None, None, {"graph": self.void_graph})
                if resp.status_code != 404:
                    self.check(resp, f"DELETE graph <{self.void_graph}>")
            return
        if self.t.store:
            resp = self.request("PUT", self.t.store, void, {"Content-Type": "application/n-triples"},
                                {"graph": self.void_graph})
            self.check(resp, f"PUT to graph <{self.void_graph}>")
            return
        assert self.t.update is not None
        update = (f"DROP SILENT GRAPH <{self.void_graph}> ;\nINSERT DATA {{ GRAPH <{self.void_graph}> {{\n".encode()
                  + void + b"} }")
        self.check(self.request("POST", self.t.update, update, {"Content-Type": "application/sparql-update"}),
                   f"INSERT DATA into <{self.void_graph}>")

    def push_delta(self, dump: Path, removals: Iterable[str], additions: Iterable[str],
                   verify: bool = True) -> tuple[int, int | None]:
        """Apply a delta (N-Triples lines) to the graph in one SPARQL Update request, then verify as a full push."""
        if self.t.update is None:
            raise PushError("--delta needs a SPARQL Update endpoint", 2, "pass --update-endpoint, or push in full")
        local = count_lines(dump)
        if verify:
            self.preflight(False)
        g = f"GRAPH <{self.t.graph}>".encode()
        body = b"DELETE DATA { " + g + b" {\n" + "".join(f"{r}\n" for r in removals).encode() + b"} } ;\n" + \
            b"INSERT DATA { " + g + b" {\n" + "".join(f"{a}\n" for a in additions).encode() + b"} }"
        self.t.progress(len(body))
        self.check(self.request("POST", self.t.update, body, {"Content-Type": "application/sparql-update"}),
                   f"applying the delta to <{self.t.graph}>")
        remote = self.verify(dump, local, False) if verify else None
        return local, remote

    def push(self, dump: Path, protocol: str = "gsp", verify: bool = True) -> tuple[int, int | None]:
        """Push ``dump``; returns (triples in the dump, triples on the server or None when not verified)."""
        local = count_lines(dump)
        if protocol == "update" and self.t.update is None:
            raise PushError("--protocol update needs an update endpoint", 2, "pass --update-endpoint")
        if protocol != "update" and self.t.chunk_triples and self.t.update is None:
            raise PushError("a chunked push needs an update endpoint for the atomic swap", 2,
                            "pass --update-endpoint, or push in one request")
        swapped = protocol == "update" or (not (self.t.atomic_put and not self.t.chunk_triples) and \
            self.t.update is not None)
        if verify:
            self.preflight(swapped)
        if protocol == "update":
            self.upload_update(dump, self.staging)
            self.swap()
        elif self.t.atomic_put and not self.t.chunk_triples:
            self.upload_gsp(dump, self.t.graph)  # one transactional PUT: as atomic as a swap, half the work
        elif self.t.update is not None:
            self.upload_gsp(dump, self.staging)
            self.swap()
        else:
            self.upload_gsp(dump, self.t.graph)
        remote = self.verify(dump, local, swapped) if verify else None
        return local, remote


def sample_lines(path: Path, n: int) -> list[str]:
    """``n`` triples spread evenly over an N-Triples file (its lines, without the final dot's newline)."""
    size = path.stat().st_size
    out: list[str] = []
    with open(path, "rb") as f:
        for i in range(n):
            f.seek(size * i // n)
            if i:
                f.readline()  # to the start of the next whole line
            line = f.readline().decode("utf-8").strip()
            if line and not line.startswith("#") and line not in out:
                out.append(line)
    return out


def count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def release_version(void: Path, at_least: Callable[[str | None], str | None] = lambda v: v,
                    ) -> tuple[str | None, bytes | None, str | None]:
    """What a release's ``void.ttl`` says: its version (a release's, else the build's ``dcat:version``), the
    description as N-Triples, and the base IRI (the dataset's IRI without ``dataset``); Nones without one.
    ``at_least``: the version the push stands for, given the one described; where it differs, the description
    says it instead (``dcat:version`` replaced in the graph, so the store records what the version check used)."""
    if not void.is_file():
        return at_least(None), None, None
    from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, serialize

    from ..releases.releasedir import ReleaseDir

    store = Store()
    store.bulk_load(ReleaseDir(void.parent).read_bytes(void.name), format=RdfFormat.TURTLE)
    rows = list(store.query(f"SELECT ?d ?v WHERE {{ {{ ?s <{DCAT.hasCurrentVersion}> ?c . ?c <{DCAT.version}> ?v . "
                            f"BIND(?s AS ?d) }} UNION {{ ?d a <{VOID.Dataset}> . OPTIONAL {{ ?d <{DCAT.version}> ?v }} "
                            f"FILTER NOT EXISTS {{ ?d <{DCAT.hasCurrentVersion}> ?any }} }} }}"))  # type: ignore[arg-type]
    version = next((r["v"].value for r in rows if r["v"] is not None), None)
    bases = (mint.base_of_dataset(r["d"].value) for r in rows if isinstance(r["d"], NamedNode))
    of_dataset = next((b for b in bases if b is not None), None)
    spaces = {q.object.value for q in store.quads_for_pattern(None, NamedNode(VOID.uriSpace), None)
              if isinstance(q.object, Literal)}
    base = next(iter(spaces)) if len(spaces) == 1 else of_dataset
    effective = at_least(version)
    if version is not None and effective != version:
        for q in list(store.quads_for_pattern(None, NamedNode(DCAT.version), Literal(version))):
            store.remove(q)
            store.add(Quad(q.subject, q.predicate, Literal(str(effective)), q.graph_name))
    triples = serialize([q.triple for q in store], format=RdfFormat.N_TRIPLES)
    return effective, triples, base


def dump_of(dist: Path) -> Path:
    """The N-Triples dump to push: a release directory's (verified against its SHA256SUMS), or an .nt file."""
    if dist.is_dir():
        from ..releases.releasedir import ReleaseDir

        release = ReleaseDir(dist)
        if release.has("opendata-graph.nt"):
            return release.verify("opendata-graph.nt")
    path = dist / "opendata-graph.nt" if dist.is_dir() else dist
    if not path.is_file() or path.suffix != ".nt":
        raise PushError(f"{path}: no N-Triples dump to push", 2, "run 'odg build' first, or give an .nt file")
    return path




@dataclass(frozen=True)
class Connection:
    """How to reach a store: ``odg push``'s endpoint options, travelling together."""

    endpoint: str
    protocol: str = "gsp"
    query_endpoint: str | None = None
    update_endpoint: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    retries: int = 4
    auth: str = "basic"
    gzip: bool = True
    chunk_triples: int = 0

    def check(self) -> None:
        """Every endpoint an http(s) URL without credentials in it (they never come from the command line)."""
        for name, url in (("--endpoint", self.endpoint), ("--query-endpoint", self.query_endpoint),
                          ("--update-endpoint", self.update_endpoint)):
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise OdgError(f"{name} must be an http(s) URL, not {public(url)!r}",
                               hint="e.g. http://127.0.0.1:7878/store")
            if parts.username or parts.password:
                raise OdgError(f"{name} {public(url)} carries credentials in the URL; they are never taken from the "
                               "command line", hint="set ODG_PUSH_USER and ODG_PUSH_PASSWORD, or use ~/.netrc")

    def target(self, graph: str, progress: Callable[[int], None]) -> Target:
        gsp = self.protocol == "gsp"
        return Target(store=self.endpoint if gsp else "", graph=graph, query=self.query_endpoint,
                      update=self.update_endpoint if gsp else self.endpoint, connect_timeout=self.connect_timeout,
                      read_timeout=self.read_timeout, retries=self.retries, auth=credentials(self.auth),
                      gzip=self.gzip, chunk_triples=self.chunk_triples, progress=progress)


@dataclass(frozen=True)
class PushRequest:
    """What ``odg push`` is asked: the release (or .nt file) at ``dist``, to ``graph`` of the store."""

    dist: Path
    connection: Connection
    graph: str | None = None  #: None: the release's ``<base>dataset``
    verify: bool = True
    allow_downgrade: bool = False
    delta: bool = False


def push_release(request: PushRequest, say: Callable[[str], None]) -> str:
    """Push the release: refuse a downgrade, send the delta from the store's release (proven triple for triple
    first; else in full), verify, record the version. The line saying what was done."""
    from ..core.namespaces import DEFAULT_BASE
    from ..core.progress import Bar
    from ..releases.releases import at_least_the_latest

    request.connection.check()
    dist = request.dist
    dump = dump_of(dist)
    version, void, recorded = release_version(dist / "void.ttl", lambda v: at_least_the_latest(dist, v)) \
        if dist.is_dir() else (None, None, None)
    base = recorded or DEFAULT_BASE
    bar = Bar(dump.stat().st_size, "pushing", unit=" bytes")
    target = request.connection.target(request.graph or mint.dataset(base), bar.advance)
    started = time.monotonic()
    pusher = Pusher(target)
    held = pusher.check_version(version, request.allow_downgrade)
    delta = request.delta
    if delta:  # the delta applies to exactly the release the store records, proven triple for triple first
        old_lines, new_lines = _delta_sides(dist, held)
        if pusher.graph_rows() != set(_rows(old_lines)):
            say(f"<{target.graph}> does not hold exactly release {held}, which it records (its graph was changed "
                "since): pushing in full instead of the delta")
            delta = False
    with bar:
        if delta:
            removals, additions = _delta(old_lines, new_lines, base)
            local, remote = pusher.push_delta(dump, removals, additions, verify=request.verify)
            if request.verify and pusher.graph_rows() != set(_rows(new_lines)):
                raise PushError(f"<{target.graph}> does not hold exactly the release after the delta", EXIT_VIOLATIONS,
                                "push in full (without --delta)")
        else:
            local, remote = pusher.push(dump, request.connection.protocol, verify=request.verify)
        pusher.record_version(void)
    seconds = time.monotonic() - started
    check = f"; the server holds {remote:,}" if remote is not None else "; not verified"
    what = f"the delta from {held} ({len(removals):,} removed, {len(additions):,} added): " if delta else ""
    release = f" (release {version})" if version else ""
    return (f"pushed {what}{local:,} triples to <{target.graph}>{release} at {public(request.connection.endpoint)} "
            f"in {seconds:.1f} s ({local / max(seconds, 1e-9):,.0f} triples/s){check}")


def _delta_sides(dist: Path, held: str | None) -> tuple[list[str], list[str]]:
    """The N-Triples lines of the store's release ``held`` (a version already checked to be a semantic version,
    one of the release directory's releases: nothing outside ``releases/`` is read) and of ``dist``, both read
    through their checksums."""
    from ..releases.diff import read_lines
    from ..releases.releases import RELEASES, existing

    if held is None:
        raise PushError("--delta needs to know the release the store holds, and it says none", EXIT_INPUT,
                        "push in full once (the version is recorded), then push deltas")
    resolved = dist.resolve()
    root = resolved.parent.parent if resolved.parent.name == RELEASES else resolved
    if held not in existing(root):
        raise PushError(f"the store holds release {held}, which is not in {root / RELEASES}", EXIT_INPUT,
                        "push in full, or from the release directory that made it")
    return read_lines(root / RELEASES / held), read_lines(dist)


def _rows(lines: list[str]) -> list[tuple[str, str, str]]:
    """N-Triples lines as rows, each term as pyoxigraph writes it (so the store's answer compares equal)."""
    from pyoxigraph import RdfFormat, parse

    from ..core.terms import rows

    return rows(parse("\n".join(lines).encode("utf-8"), format=RdfFormat.N_TRIPLES))


def _delta(old: list[str], new: list[str], base: str) -> tuple[list[str], list[str]]:
    """The N-Triples lines to remove and to add to take a store holding ``old`` to ``new``."""
    from ..releases.diff import diff

    changes = diff(old, new, base)
    return sorted(" ".join(r) + " ." for r in changes.removals), sorted(" ".join(r) + " ." for r in changes.additions)
