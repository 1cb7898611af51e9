"""`odg push` into Virtuoso (Debian's virtuoso-opensource, installed by `make test`): a private instance on free
loopback ports, its authenticated Graph Store endpoint with digest authentication, and the query suite run
against its SPARQL endpoint. Virtuoso refuses gzip bodies (the push falls back to plain ones) and stores nothing
from a chunked body (every body is sent with a Content-Length)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .servers import free_port

GRAPH = "https://w3id.org/opendata-graph/dataset"
INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql}
DirsAllowed = ., {d}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("virtuoso-t")
    assert binary, "virtuoso-t is missing: run `make tools` (Debian package virtuoso-opensource)"
    directory = tmp_path_factory.mktemp("virtuoso")
    port = free_port()
    (directory / "virtuoso.ini").write_text(INI.format(d=directory, isql=free_port(), http=port))
    proc = subprocess.Popen([binary, "+configfile", str(directory / "virtuoso.ini"), "+foreground"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=directory)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (directory / "virtuoso.log").read_text()[-2000:]
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def odg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opendata_graph.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_push_with_digest_auth_and_query_remotely(virtuoso: str, dist: Path) -> None:
    anonymous = odg("push", "--endpoint", virtuoso + "/sparql-graph-crud-auth", "--auth", "digest", "--dist",
                    str(dist), "--retries", "0")
    assert anonymous.returncode == 5 and "ODG_PUSH_USER" in anonymous.stderr
    result = odg("push", "--endpoint", virtuoso + "/sparql-graph-crud-auth", "--auth", "digest", "--dist", str(dist),
                 env={"ODG_PUSH_USER": "dba", "ODG_PUSH_PASSWORD": "dba"})
    assert result.returncode == 0, result.stderr
    lines = len((dist / "opendata-graph.nt").read_bytes().splitlines())
    assert f"the server holds {lines:,}" in result.stderr and "dba" not in result.stderr
    remote = odg("query", "--all", "--endpoint", virtuoso + "/sparql", "--graph", GRAPH)
    assert remote.returncode == 0, remote.stdout
    assert remote.stdout.count("ok  ") >= 15 and "FAIL" not in remote.stdout
