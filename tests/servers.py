"""Start ``odg serve`` as a subprocess on a free loopback port, and stop it: for the tests that need a server."""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def odg_server(dump: Path, *args: str) -> Iterator[str]:
    """``odg serve DUMP`` on 127.0.0.1; yields its base URL; stopped (SIGTERM, then kill) on exit."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "serve", str(dump), "--port", str(port),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/sparql")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"odg serve did not start: {proc.stderr.read().decode()}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
