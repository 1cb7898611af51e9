"""`odg push` and remote `odg query`, against oxigraph's own server (started here on a free loopback port) and a
scripted fault server: atomic replace, verification, the query suite run remotely, a server killed mid-push,
retries with back-off and Retry-After, authentication, wrong paths, size limits and timeouts."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pyoxigraph import NamedNode, QueryBoolean, RdfFormat, Store

from .servers import free_port

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
GRAPH = "https://w3id.org/opendata-graph/dataset"


def odg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opendata_graph.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


class Oxigraph:
    """oxigraph's server on an on-disk location, startable again after a kill."""

    def __init__(self, location: Path) -> None:
        assert OXIGRAPH.exists(), "oxigraph's server is missing: it comes with the test extras (pip install oxigraph)"
        self.location, self.port, self.proc = location, free_port(), None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(self.location), "--bind",
                                      f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                requests.get(self.url + "/query", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("oxigraph did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def count(self, graph: str = GRAPH) -> int:
        resp = requests.post(self.url + "/query", data=f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"}, timeout=30)
        return int(resp.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    server = Oxigraph(tmp_path / "store")
    try:
        yield server
    finally:
        server.stop()


def copies(dump: Path, out: Path, n: int) -> Path:
    """A bigger dump: ``n`` copies of the release with their own subjects (the SPDX licences included)."""
    text = dump.read_text(encoding="utf-8")
    with open(out, "w", encoding="utf-8") as f:
        for k in range(n):
            f.write(text.replace("<https://w3id.org/opendata-graph/", f"<https://w3id.org/opendata-graph/copy{k}/")
                    .replace("<http://spdx.org/licenses/", f"<http://spdx.org/licenses/copy{k}/"))
    return out


def test_push_verify_and_run_the_query_suite_remotely(oxigraph: Oxigraph, dist: Path) -> None:
    result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(dist))
    assert result.returncode == 0, result.stderr
    lines = len((dist / "opendata-graph.nt").read_bytes().splitlines())
    assert f"pushed {lines:,} triples to <{GRAPH}>" in result.stderr and f"the server holds {lines:,}" in result.stderr
    assert oxigraph.count() == lines and oxigraph.count(GRAPH + "-staging") == 0
    remote = odg("query", "--all", "--endpoint", oxigraph.url + "/query", "--graph", GRAPH)
    assert remote.returncode == 0, remote.stdout
    assert remote.stdout.count("ok  ") >= 15 and "FAIL" not in remote.stdout
    table = odg("query", str(Path(__file__).parents[1] / "queries" / "people-and-roles.rq"), "--endpoint",
                oxigraph.url + "/query", "--graph", GRAPH)
    assert table.stdout.rstrip().endswith("(9 rows)")


def test_push_replaces_the_graph_whole(oxigraph: Oxigraph, dist: Path, tmp_path: Path) -> None:
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(dist)).returncode == 0
    small = tmp_path / "small.nt"
    small.write_bytes(b"\n".join((dist / "opendata-graph.nt").read_bytes().splitlines()[:100]) + b"\n")
    result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(small), "--chunk-triples", "30")
    assert result.returncode == 0, result.stderr
    assert oxigraph.count() == 100


def test_push_by_sparql_update(oxigraph: Oxigraph, dist: Path) -> None:
    result = odg("push", "--protocol", "update", "--endpoint", oxigraph.url + "/update", "--query-endpoint",
                 oxigraph.url + "/query", "--dist", str(dist), "--chunk-triples", "4000")
    assert result.returncode == 0, result.stderr
    assert oxigraph.count() == len((dist / "opendata-graph.nt").read_bytes().splitlines())


def test_a_server_killed_mid_push_keeps_the_old_graph(oxigraph: Oxigraph, dist: Path, tmp_path: Path) -> None:
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(dist)).returncode == 0
    old = oxigraph.count()
    big = copies(dist / "opendata-graph.nt", tmp_path / "big.nt", 6)
    push = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "push", "--endpoint", oxigraph.url + "/store",
                             "--dist", str(big), "--chunk-triples", "10000", "--retries", "0"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while oxigraph.count(GRAPH + "-staging") == 0:  # the upload has begun
        assert time.monotonic() < deadline and push.poll() is None, "the push ended before it could be interrupted"
        time.sleep(0.02)
    oxigraph.kill()
    _, stderr = push.communicate(timeout=60)
    assert push.returncode == 4, stderr
    assert stderr.strip().splitlines()[-1].startswith("error: cannot connect to")
    oxigraph.start()
    assert oxigraph.count() == old
    rerun = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(big), "--chunk-triples", "100000")
    assert rerun.returncode == 0, rerun.stderr
    assert oxigraph.count() == 6 * old and oxigraph.count(GRAPH + "-staging") == 0


class FakeStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store + SPARQL endpoint over a real pyoxigraph store, after a script of failures; ``undercount``
    drops that many triples of each upload, ``move_fails`` makes MOVE answer 204 and do nothing (Fuseki <= 4.5)."""

    script: ClassVar[list[tuple[int, dict[str, str]]]] = []
    store: ClassVar[Store] = Store()
    seen: ClassVar[list[tuple[str, str, dict[str, str]]]] = []
    delay = 0.0
    limit = 0
    undercount = 0
    move_fails = False
    updates: ClassVar[list[str]] = []
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def body(self) -> bytes:
        if self.headers.get("Transfer-Encoding") == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:-2]
                if size == 0:
                    return data
                data += chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self) -> None:
        data = self.body()
        url = urlsplit(self.path)
        if url.path == "/query":  # the pre-flight and verification queries are not what the tests script or count
            return self.query(data)
        FakeStore.seen.append((self.command, self.path, dict(self.headers)))
        if FakeStore.script:
            status, headers = FakeStore.script.pop(0)
            if status:
                return self.answer(status, b"scripted failure", headers)
        time.sleep(FakeStore.delay)
        if self.headers.get("Content-Encoding") == "gzip":
            data = zlib.decompress(data, 31)
        store = FakeStore.store
        if url.path == "/store":
            if FakeStore.limit and len(data) > FakeStore.limit:
                return self.answer(413)
            graph = NamedNode(parse_qs(url.query)["graph"][0])
            if self.command == "PUT" and store.contains_named_graph(graph):
                store.remove_graph(graph)
            lines = data.splitlines(keepends=True)
            kept = b"".join(lines[FakeStore.undercount:])
            store.load(kept, format=RdfFormat.N_TRIPLES, to_graph=graph)
            return self.answer(201)
        if url.path == "/update":
            text = data.decode()
            FakeStore.updates.append(text)
            if text.startswith("MOVE") and FakeStore.move_fails:
                return self.answer(204)
            store.update(text)
            return self.answer(204)
        return self.answer(404)

    def query(self, data: bytes) -> None:
        time.sleep(FakeStore.delay)
        result = FakeStore.store.query(parse_qs(data.decode())["query"][0])
        if isinstance(result, QueryBoolean):
            doc: dict[str, object] = {"head": {}, "boolean": bool(result)}
        else:
            variables = [v.value for v in result.variables]  # type: ignore[union-attr]
            doc = {"head": {"vars": variables}, "results": {"bindings": [
                {v: {"type": "literal", "value": row[v].value} for v in variables} for row in result]}}  # type: ignore[union-attr]
        self.answer(200, json.dumps(doc).encode(), {"Content-Type": "application/sparql-results+json"})

    do_GET = do_PUT = do_POST = handle_any

    @classmethod
    def count(cls, graph: str) -> int:
        return sum(1 for _ in cls.store.quads_for_pattern(None, None, None, NamedNode(graph)))


@pytest.fixture()
def fake() -> Iterator[str]:
    FakeStore.script, FakeStore.store, FakeStore.seen, FakeStore.delay, FakeStore.limit = [], Store(), [], 0.0, 0
    FakeStore.undercount, FakeStore.move_fails, FakeStore.updates = 0, False, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_retries_5xx_and_honours_retry_after(fake: str, dist: Path) -> None:
    FakeStore.script = [(500, {}), (503, {}), (429, {"Retry-After": "1"})]
    started = time.monotonic()
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--no-gzip")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.0 + 0.5 + 1.0  # back-off 0.5 s, 1 s, then Retry-After: 1
    assert [m for m, _, _ in FakeStore.seen[:4]] == ["PUT", "PUT", "PUT", "PUT"]


def test_gives_up_after_the_retries(fake: str, dist: Path) -> None:
    FakeStore.script = [(503, {})] * 10
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--retries", "2", "--no-gzip")
    assert result.returncode == 6
    assert result.stderr.strip().splitlines()[-1].startswith("error: PUT to graph <")
    assert "503 Service Unavailable" in result.stderr and len(FakeStore.seen) == 3


def test_unauthorised_never_prints_the_password(fake: str, dist: Path) -> None:
    FakeStore.script = [(401, {"WWW-Authenticate": 'Basic realm="x"'})]
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist),
                 env={"ODG_PUSH_USER": "curator", "ODG_PUSH_PASSWORD": "s3cret-value"})
    assert result.returncode == 5
    assert "s3cret-value" not in result.stderr + result.stdout
    assert "set ODG_PUSH_USER and ODG_PUSH_PASSWORD" in result.stderr
    assert FakeStore.seen[0][2]["Authorization"].startswith("Basic ")


def test_too_large_says_how_to_split_and_chunks_work(fake: str, dist: Path) -> None:
    FakeStore.limit = 200_000
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--no-gzip")
    assert result.returncode == 6 and "--chunk-triples" in result.stderr
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--no-gzip", "--chunk-triples", "1000")
    assert result.returncode == 0, result.stderr
    assert FakeStore.count(GRAPH) == len((dist / "opendata-graph.nt").read_bytes().splitlines())


def test_gzip_refused_falls_back_to_plain_bodies(fake: str, dist: Path) -> None:
    FakeStore.script = [(500, {})]  # as Virtuoso answers a gzip body
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist))
    assert result.returncode == 0, result.stderr
    methods = [(m, h.get("Content-Encoding"), h.get("Content-Length") is not None) for m, _, h in FakeStore.seen[:2]]
    assert methods == [("PUT", "gzip", True), ("PUT", None, True)]


def test_slow_server_times_out(fake: str, dist: Path) -> None:
    FakeStore.delay = 3
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--read-timeout", "0.5")
    assert result.returncode == 4 and "did not answer within 0.5 s" in result.stderr


def test_count_mismatch_exits_1(fake: str, dist: Path) -> None:
    FakeStore.undercount = 5
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist))
    lines = len((dist / "opendata-graph.nt").read_bytes().splitlines())
    assert result.returncode == 1
    assert f"the server holds {lines - 5:,} triples in <{GRAPH}>, the dump {lines:,}" in result.stderr


def test_dns_failure_and_refused_connection(dist: Path) -> None:
    dns = odg("push", "--endpoint", "http://no-such-host.invalid/store", "--dist", str(dist))
    assert dns.returncode == 4 and "cannot resolve the host" in dns.stderr
    refused = odg("push", "--endpoint", f"http://127.0.0.1:{free_port()}/store", "--dist", str(dist))
    assert refused.returncode == 4 and "connection refused" in refused.stderr
    assert "Traceback" not in dns.stderr + refused.stderr


def test_wrong_path_names_the_usual_ones(oxigraph: Oxigraph, dist: Path) -> None:
    result = odg("push", "--endpoint", oxigraph.url + "/graph-store", "--update-endpoint", oxigraph.url + "/update",
                 "--dist", str(dist))
    assert result.returncode == 2 and "no query endpoint to verify" in result.stderr  # before anything is sent
    result = odg("push", "--endpoint", oxigraph.url + "/graph-store", "--update-endpoint", oxigraph.url + "/update",
                 "--dist", str(dist), "--no-verify")
    assert result.returncode == 6
    assert "404 Not Found" in result.stderr and "oxigraph: /store, Fuseki: /<dataset>/data" in result.stderr


def test_a_redirect_is_never_followed(fake: str, dist: Path) -> None:
    """A 302 turned the PUT into a GET (nothing uploaded, "pushed"); a 307 to another host got the credentials."""
    for status in (302, 307):
        FakeStore.seen = []
        FakeStore.script = [(status, {"Location": "http://127.0.0.1:9/elsewhere"})]
        result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--no-gzip",
                     env={"ODG_PUSH_USER": "curator", "ODG_PUSH_PASSWORD": "s3cret-value"})
        assert result.returncode == 6 and "not followed" in result.stderr and "127.0.0.1:9" in result.stderr
        assert [p for _, p, _ in FakeStore.seen] == ["/store?graph=https%3A%2F%2Fw3id.org%2Fopendata-graph%2Fdataset"]
        assert "s3cret-value" not in result.stderr


def test_a_swap_that_silently_fails_is_caught(fake: str, dist: Path) -> None:
    """Fuseki <= 4.5 answered 204 to a MOVE it did not do: a count check passed with the old release in place."""
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(dist), "--chunk-triples", "5000")
    assert result.returncode == 0, result.stderr  # a first release, pushed in chunks and swapped
    FakeStore.move_fails = True
    changed = dist.parent / "changed.nt"
    lines = (dist / "opendata-graph.nt").read_bytes().splitlines(keepends=True)
    changed.write_bytes(b"".join(line.replace(b'"@en', b' (changed)"@en') for line in lines))  # same count
    result = odg("push", "--endpoint", fake + "/store", "--dist", str(changed), "--chunk-triples", "5000")
    assert result.returncode == 1, result.stderr
    assert "does not hold the release just pushed" in result.stderr or "staging graph" in result.stderr
    assert FakeStore.count(GRAPH) == len(lines)  # the old release still there: reported, not hidden
    assert all("SILENT" not in u for u in FakeStore.updates if u.startswith("MOVE")) and FakeStore.updates


@pytest.mark.parametrize(("endpoint", "says"), [("ftp://127.0.0.1/store", "must be an http(s) URL"),
                                                ("http://curator:s3cret-value@127.0.0.1:9/store", "credentials")])
def test_bad_endpoints_are_refused_before_anything_is_sent(dist: Path, endpoint: str, says: str) -> None:
    result = odg("push", "--endpoint", endpoint, "--dist", str(dist))
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert "s3cret-value" not in result.stderr and "Traceback" not in result.stderr


def test_a_trickling_server_is_bounded_by_the_whole_request(dist: Path) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.is_set():
            try:
                listener.settimeout(0.5)
                conn, _ = listener.accept()
            except OSError:
                continue
            def feed(c: socket.socket = conn) -> None:
                with c:
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n")
                    for _ in range(120):
                        if stop.is_set():
                            return
                        try:
                            c.sendall(b"X")  # one byte a half-second: never a read timeout of 2 s
                        except OSError:
                            return
                        time.sleep(0.5)
            threading.Thread(target=feed, daemon=True).start()
    threading.Thread(target=trickle, daemon=True).start()
    try:
        started = time.monotonic()
        result = odg("push", "--endpoint", f"http://127.0.0.1:{port}/store", "--query-endpoint",
                     f"http://127.0.0.1:{port}/query", "--dist", str(dist), "--connect-timeout", "1",
                     "--read-timeout", "2", "--retries", "0")
        assert result.returncode == 4, result.stderr
        assert time.monotonic() - started < 15
    finally:
        stop.set()
        listener.close()


def test_what_can_be_checked_is_checked_before_uploading(fake: str, dist: Path) -> None:
    """--protocol update without a query endpoint, and a dataset root (no known layout), uploaded everything and
    then failed: now refused before the first byte."""
    for args in (["--endpoint", fake + "/update", "--protocol", "update"],
                 ["--endpoint", fake + "/ds"]):
        FakeStore.seen = []
        result = odg("push", *args, "--dist", str(dist))
        assert result.returncode == 2 and "no query endpoint" in result.stderr, result.stderr
        assert FakeStore.seen == []


@pytest.fixture()
def two_releases(tmp_path: Path) -> Path:
    """A release directory with releases 0.1.0 and 0.2.0 of a copy of the data (one figure changed)."""
    import shutil

    from click.testing import CliRunner

    from opendata_graph.cli import cli
    from opendata_graph.core import paths

    from .checks import edit

    shutil.copytree(paths.data_dir(), tmp_path / "data")
    dirs = [f"--data={tmp_path / 'data'}", f"--dist={tmp_path / 'dist'}", "--no-quote-check"]
    assert CliRunner().invoke(cli, ["release", "0.1.0", "--date", "2026-01-15", *dirs]).exit_code == 0
    edit(tmp_path / "data" / "organisations" / "openstreetmap-foundation.yaml", "    value: 2000\n", "    value: 2100\n")
    second = CliRunner().invoke(cli, ["release", "0.2.0", "--date", "2026-03-01", *dirs])
    assert second.exit_code == 0, second.output
    return tmp_path / "dist"


def held_version(oxigraph: Oxigraph) -> list[str]:
    query = (f"SELECT ?v {{ GRAPH <{GRAPH}-void> {{ ?s <http://www.w3.org/ns/dcat#hasCurrentVersion> ?c . "
             "?c <http://www.w3.org/ns/dcat#version> ?v } }")
    resp = requests.post(oxigraph.url + "/query", data=query, headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}, timeout=30)
    return [b["v"]["value"] for b in resp.json()["results"]["bindings"]]


def test_push_records_the_version_and_refuses_a_downgrade(oxigraph: Oxigraph, two_releases: Path) -> None:
    releases = two_releases / "releases"
    newer = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"))
    assert newer.returncode == 0, newer.stderr
    assert "(release 0.2.0)" in newer.stderr and held_version(oxigraph) == ["0.2.0"]
    held = oxigraph.count()
    older = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0"))
    assert older.returncode == 1, older.stderr
    assert older.stderr.strip().splitlines()[-1] == (
        f"error: <{GRAPH}> holds release 0.2.0, newer than 0.1.0: not replaced (hint: push a newer release, or pass "
        "--allow-downgrade to replace it anyway)")
    assert held_version(oxigraph) == ["0.2.0"] and oxigraph.count() == held
    # the unreleased build after 0.2.0 is no downgrade, though release.yaml still says version: 0.1.0
    unreleased = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(two_releases))
    assert unreleased.returncode == 0, unreleased.stderr
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0")).returncode == 1
    forced = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0"), "--allow-downgrade")
    assert forced.returncode == 0, forced.stderr
    assert held_version(oxigraph) == ["0.1.0"]
    # a dump with no description of its own: the store no longer claims a version
    plain = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0" / "opendata-graph.nt"))
    assert plain.returncode == 0, plain.stderr
    assert held_version(oxigraph) == [] and oxigraph.count(GRAPH + "-void") == 0


def test_push_delta_sends_the_changes_and_verifies(oxigraph: Oxigraph, two_releases: Path) -> None:
    releases = two_releases / "releases"
    refused = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"), "--delta")
    assert refused.returncode == 2 and "--delta needs to know the release the store holds" in refused.stderr
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0")).returncode == 0
    result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"), "--delta")
    assert result.returncode == 0, result.stderr
    assert "pushed the delta from 0.1.0 (" in result.stderr and "(release 0.2.0)" in result.stderr
    held = Store()  # the store's graph, compared with the release as a set of triples
    resp = requests.get(oxigraph.url + "/store", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"},
                        timeout=30)
    held.load(resp.content, format=RdfFormat.N_TRIPLES)
    expected = Store()
    expected.load(path=str(releases / "0.2.0" / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)
    assert {str(q) for q in held} == {str(q) for q in expected}
    assert held_version(oxigraph) == ["0.2.0"]


# -- a push reports success only for what is verified (issue 24, item 5) --------------------------------------------
# --delta first proves the store holds exactly the release it records (its graph compared with the release triple
# for triple, not by count) and otherwise pushes in full, saying so; a version read from the store is a semantic
# version of the release directory or push refuses; a release whose checksums fail is never pushed.

def update(server: Oxigraph, text: str) -> None:
    resp = requests.post(server.url + "/update", data=text.encode(), headers={
        "Content-Type": "application/sparql-update"}, timeout=30)
    assert resp.status_code < 300, resp.text


def store_rows(server: Oxigraph) -> set[str]:
    resp = requests.get(server.url + "/store", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"},
                        timeout=30)
    held = Store()
    held.load(resp.content, format=RdfFormat.N_TRIPLES)
    return {str(q.triple) for q in held}


def release_rows(path: Path) -> set[str]:
    s = Store()
    s.load(path=str(path), format=RdfFormat.N_TRIPLES)
    return {str(q.triple) for q in s}


def test_delta_onto_a_drifted_store_pushes_in_full_and_says_so(oxigraph: Oxigraph, two_releases: Path) -> None:
    """Guard: the graph comparison before the delta (without it, exit 0 and the drift stays under 0.2.0)."""
    releases = two_releases / "releases"
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0")).returncode == 0
    count = oxigraph.count()
    # one triple changed, same count: a count cannot see it
    update(oxigraph, f"""DELETE {{ GRAPH <{GRAPH}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }} }}
        INSERT {{ GRAPH <{GRAPH}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> "drifted"@en }} }}
        WHERE {{ {{ SELECT ?s ?o {{ GRAPH <{GRAPH}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }} }}
        ORDER BY ?s LIMIT 1 }} }}""")
    assert oxigraph.count() == count
    result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"), "--delta")
    assert result.returncode == 0, result.stderr
    assert "does not hold exactly release 0.1.0, which it records" in result.stderr
    assert "pushing in full instead of the delta" in result.stderr and "pushed the delta" not in result.stderr
    assert store_rows(oxigraph) == release_rows(releases / "0.2.0" / "opendata-graph.nt")
    assert held_version(oxigraph) == ["0.2.0"]


def test_a_store_claiming_a_path_as_its_version_is_refused(oxigraph: Oxigraph, two_releases: Path) -> None:
    """Guard: the semantic-version check of the store's answer (without it, push reads releases/../../../x)."""
    releases = two_releases / "releases"
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0")).returncode == 0
    before = store_rows(oxigraph)
    outside = two_releases.parent / "x"
    outside.mkdir()
    (outside / "opendata-graph.nt").write_text("<http://e/s> <http://e/p> <http://e/o> .\n")
    update(oxigraph, f"""PREFIX dcat: <http://www.w3.org/ns/dcat#>
        DELETE {{ GRAPH <{GRAPH}-void> {{ ?c dcat:version ?v }} }}
        INSERT {{ GRAPH <{GRAPH}-void> {{ ?c dcat:version "../../../../x" }} }}
        WHERE {{ GRAPH <{GRAPH}-void> {{ ?s dcat:hasCurrentVersion ?c . ?c dcat:version ?v }} }}""")
    for args in ((), ("--delta",)):
        result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"), *args)
        assert result.returncode == 2, result.stderr
        assert "claims release '../../../../x', not a semantic version" in result.stderr
        assert "Traceback" not in result.stderr
    assert store_rows(oxigraph) == before  # nothing was sent
    forced = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"),
                 "--allow-downgrade")
    assert forced.returncode == 0, forced.stderr  # replaced whole, record and all
    assert held_version(oxigraph) == ["0.2.0"]


def test_a_release_whose_checksums_fail_is_never_pushed(oxigraph: Oxigraph, two_releases: Path) -> None:
    """Guard: push reads the dump through releasedir (without it the changed bytes are pushed, exit 0)."""
    release = two_releases / "releases" / "0.2.0"
    nt = release / "opendata-graph.nt"
    data = nt.read_bytes()
    nt.unlink()
    nt.write_bytes(data.replace(b"2100", b"2999", 1))
    for args in ((), ("--delta",)):
        result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(release), *args)
        assert result.returncode == 2, result.stderr
        assert "opendata-graph.nt does not match its SHA-256 in SHA256SUMS" in result.stderr
    assert oxigraph.count() == 0
