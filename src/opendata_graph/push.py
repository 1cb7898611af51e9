"""Push step: upload the release into a named graph of any SPARQL 1.1 Graph Store Protocol endpoint.

The graph is replaced as a whole. The dump is streamed (constant memory, gzip when the server accepts it) into a
staging graph -- one PUT, then POSTs of further chunks if the server limits request sizes -- and swapped in with
one SPARQL Update ``MOVE``, which a transactional store applies atomically: a reader sees the old release or the
new one. Without an update endpoint, a single PUT to the graph itself is used (atomic in oxigraph and Fuseki).
With ``--protocol update``, the data goes to the staging graph as ``INSERT DATA`` chunks instead. Afterwards the
triple count on the server is checked against the dump's.

Faults: connection refused, DNS failure and timeouts end with exit code 3; 401/403 with 4; 5xx and 429 are
retried with exponential back-off honouring ``Retry-After``, then exit 5, as do 404 (with the path the server
probably wants) and other refusals; a count mismatch exits 1. Credentials come from ``ODG_PUSH_USER`` /
``ODG_PUSH_PASSWORD`` or ``~/.netrc``, never from the command line, and are never printed.
"""

from __future__ import annotations

import itertools
import os
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import OdgError

EXIT_MISMATCH, EXIT_NETWORK, EXIT_AUTH, EXIT_SERVER = 1, 3, 4, 5
#: Endpoint layouts of known stores: Graph Store path -> (query path, update path).
KNOWN_LAYOUTS = {"/store": ("/query", "/update"), "/data": ("/query", "/update"),
                 "/sparql-graph-crud": ("/sparql", "/sparql"), "/sparql-graph-crud-auth": ("/sparql", "/sparql"),
                 "/rdf-graphs/service": ("", "/statements")}
GSP_HINTS = "oxigraph: /store, Fuseki: /<dataset>/data, Virtuoso: /sparql-graph-crud-auth, GraphDB: " \
            "/repositories/<id>/rdf-graphs/service"


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

    def __post_init__(self) -> None:
        parts = urlsplit(self.store)
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


def chunks(path: Path, triples: int) -> Iterator[Callable[[], Iterator[bytes]]]:
    """The dump as restartable chunks of at most ``triples`` lines (all of it when 0), each a byte stream."""
    if triples <= 0:
        def whole() -> Iterator[bytes]:
            return _read(path, 0, None)
        yield whole
        return
    offsets = [0]
    with open(path, "rb") as f:
        for n, _ in enumerate(iter(f.readline, b""), 1):
            if n % triples == 0:
                offsets.append(f.tell())
        end = f.tell()
    if offsets[-1] != end:
        offsets.append(end)
    for start, stop in itertools.pairwise(offsets):
        def part(start: int = start, stop: int = stop) -> Iterator[bytes]:
            return _read(path, start, stop)
        yield part


def _read(path: Path, start: int, stop: int | None, block: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as f:
        f.seek(start)
        remaining = None if stop is None else stop - start
        while remaining is None or remaining > 0:
            data = f.read(block if remaining is None else min(block, remaining))
            if not data:
                return
            if remaining is not None:
                remaining -= len(data)
            yield data


def gzipped(stream: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    for data in stream:
        out = compressor.compress(data)
        if out:
            yield out
    yield compressor.flush()


class Pusher:
    def __init__(self, target: Target) -> None:
        import requests

        self.t = target
        self.session = requests.Session()
        self.session.auth = target.auth
        self.staging = target.graph + "-staging"

    # -- HTTP with retries ----------------------------------------------------------------------------------
    def request(self, method: str, url: str, body: Callable[[], Iterator[bytes]] | bytes | None = None,
                headers: dict[str, str] | None = None, params: dict[str, str] | None = None) -> Any:
        import requests

        delay = self.t.backoff
        for attempt in range(self.t.retries + 1):
            data = body() if callable(body) else body
            try:
                resp = self.session.request(method, url, data=data, headers=headers, params=params,
                                            timeout=(self.t.connect_timeout, self.t.read_timeout))
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
                if attempt < self.t.retries and "refused" not in text.lower():
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise PushError(f"cannot connect to {public(url)}: connection refused or lost", EXIT_NETWORK,
                                "is the server running on that host and port?") from None
            if resp.status_code in (429, 500, 502, 503, 504) and attempt < self.t.retries:
                time.sleep(self._retry_after(resp, delay))
                delay *= 2
                continue
            return resp
        return resp

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
    def upload_gsp(self, dump: Path, graph: str) -> None:
        for i, chunk in enumerate(chunks(dump, self.t.chunk_triples)):
            stream = self._counted(chunk)
            headers = {"Content-Type": "application/n-triples"}
            body = stream
            if self.t.gzip:
                headers["Content-Encoding"] = "gzip"

                def body(stream: Callable[[], Iterator[bytes]] = stream) -> Iterator[bytes]:
                    return gzipped(stream())
            method = "PUT" if i == 0 else "POST"
            resp = self.request(method, self.t.store, body, headers, {"graph": graph})
            if self.t.gzip and resp.status_code in (400, 415) and i == 0:  # the server does not take gzip
                self.t.gzip = False
                return self.upload_gsp(dump, graph)
            self.check(resp, f"{method} to graph <{graph}>")
        return None

    def upload_update(self, dump: Path, graph: str) -> None:
        assert self.t.update is not None
        self.check(self.request("POST", self.t.update, f"DROP SILENT GRAPH <{graph}>".encode(),
                                {"Content-Type": "application/sparql-update"}), "DROP staging graph")
        for chunk in chunks(dump, self.t.chunk_triples or 50_000):
            def body(chunk: Callable[[], Iterator[bytes]] = chunk) -> Iterator[bytes]:
                yield f"INSERT DATA {{ GRAPH <{graph}> {{\n".encode()
                yield from self._counted(chunk)()
                yield b"} }"
            self.check(self.request("POST", self.t.update, body, {"Content-Type": "application/sparql-update"}),
                       f"INSERT DATA into <{graph}>")

    def _counted(self, chunk: Callable[[], Iterator[bytes]]) -> Callable[[], Iterator[bytes]]:
        def stream() -> Iterator[bytes]:
            for data in chunk():
                self.t.progress(len(data))
                yield data
        return stream

    def swap(self) -> None:
        assert self.t.update is not None
        resp = self.request("POST", self.t.update, f"MOVE SILENT <{self.staging}> TO <{self.t.graph}>".encode(),
                            {"Content-Type": "application/sparql-update"})
        self.check(resp, f"MOVE <{self.staging}> TO <{self.t.graph}>")

    def count(self) -> int:
        if self.t.query is None:
            raise PushError("no query endpoint to verify the upload", EXIT_SERVER, "pass --query-endpoint")
        resp = self.request("POST", self.t.query,
                            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.t.graph}> {{ ?s ?p ?o }} }}".encode(),
                            {"Content-Type": "application/sparql-query",
                             "Accept": "application/sparql-results+json"})
        self.check(resp, "counting the triples on the server")
        return int(resp.json()["results"]["bindings"][0]["n"]["value"])

    def push(self, dump: Path, protocol: str = "gsp", verify: bool = True) -> tuple[int, int | None]:
        """Push ``dump``; returns (triples in the dump, triples on the server or None when not verified)."""
        local = count_lines(dump)
        if protocol == "update":
            if self.t.update is None:
                raise PushError("--protocol update needs an update endpoint", 2, "pass --update-endpoint")
            self.upload_update(dump, self.staging)
            self.swap()
        elif self.t.update is not None:
            self.upload_gsp(dump, self.staging)
            self.swap()
        else:
            if self.t.chunk_triples:
                raise PushError("a chunked push needs an update endpoint for the atomic swap", 2,
                                "pass --update-endpoint, or push in one request")
            self.upload_gsp(dump, self.t.graph)
        remote = self.count() if verify else None
        if remote is not None and remote != local:
            raise PushError(f"the server holds {remote:,} triples in <{self.t.graph}>, the dump {local:,}",
                            EXIT_MISMATCH, "push again; if it persists, the store may merge or drop triples")
        return local, remote


def count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def dump_of(dist: Path) -> Path:
    path = dist / "opendata-graph.nt" if dist.is_dir() else dist
    if not path.is_file() or path.suffix != ".nt":
        raise PushError(f"{path}: no N-Triples dump to push", 2, "run 'odg build' first, or give an .nt file")
    return path


