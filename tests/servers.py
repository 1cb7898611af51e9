"""Start servers on a free loopback port, and stop them: ``odg serve``, and real Apache (``apache2``) and nginx
(Debian's packages, installed by ``make tools``) serving a static site with its generated rules."""

from __future__ import annotations

import contextlib
import http.client
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from opendata_graph.web.site import APACHE_ALLOW_OVERRIDE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(proc: subprocess.Popen[bytes], port: int, what: str, path: str = "/sparql", log: Path | None = None) -> None:
    """Until the server on ``port`` answers (30 s at most); a server that exits or never answers fails loudly."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                logged = log.read_text() if log is not None and log.is_file() else ""
                raise RuntimeError(f"{what} did not start: {err}{logged}") from None
            time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a server the test started: SIGTERM, then SIGKILL after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tool(name: str, where: str) -> str:
    """The path of a program the tests need: missing, it fails the test (``make tools`` installs it)."""
    found = shutil.which(name) or (where if Path(where).is_file() else None)
    if found is None:
        raise RuntimeError(f"{name} is not installed: run `make tools` (Debian package {name})")
    return found


APACHE_MODULES = ("mpm_event", "authz_core", "mime", "dir", "rewrite", "headers")


@contextlib.contextmanager
def apache_server(site: Path, scratch: Path, allow_override: str = APACHE_ALLOW_OVERRIDE) -> Iterator[str]:
    """Real Apache 2.4 serving ``site`` with its ``.htaccess`` under the ``AllowOverride`` the rules document
    (:data:`opendata_graph.web.site.APACHE_ALLOW_OVERRIDE`, what docs/serving.md tells an administrator); yields its
    base URL. ``allow_override``: another host's setting (w3id.org's server allows All).

    ``site`` and ``scratch`` must be readable by www-data (Apache drops root for its workers)."""
    binary = tool("apache2", "/usr/sbin/apache2")
    port = free_port()
    modules = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in APACHE_MODULES)
    conf = scratch / "apache2.conf"
    conf.write_text(f"""ServerRoot {scratch}
{modules}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {scratch}/apache2.pid
ErrorLog {scratch}/apache2-error.log
LogLevel warn
User www-data
Group www-data
TypesConfig /dev/null
DocumentRoot {site}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {site}>
    AllowOverride {allow_override}
    Require all granted
</Directory>
IncludeOptional {site}/apache-map.conf
""", encoding="utf-8")
    proc = subprocess.Popen([binary, "-f", str(conf), "-DFOREGROUND"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait(proc, port, "apache2", "/", scratch / "apache2-error.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@contextlib.contextmanager
def nginx_server(site: Path, scratch: Path) -> Iterator[str]:
    """Real nginx serving ``site`` with its ``nginx-http.conf`` and ``nginx.conf`` included; yields its base URL."""
    binary = tool("nginx", "/usr/sbin/nginx")
    port = free_port()
    conf = scratch / "nginx.conf"
    temp = "\n".join(f"    {k}_temp_path {scratch}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(f"""daemon off;
pid {scratch}/nginx.pid;
error_log {scratch}/nginx-error.log warn;
user www-data;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}
    include {site}/nginx-http.conf;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {site};
        include {site}/nginx.conf;
    }}
}}
""", encoding="utf-8")
    check = subprocess.run([binary, "-t", "-p", str(scratch), "-c", str(conf)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration: {check.stderr}")
    proc = subprocess.Popen([binary, "-p", str(scratch), "-c", str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        _wait(proc, port, "nginx", "/", scratch / "nginx-error.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@contextlib.contextmanager
def odg_server(dump: Path, *args: str) -> Iterator[str]:
    """``odg serve DUMP`` on 127.0.0.1; yields its base URL; stopped (SIGTERM, then kill) on exit."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "serve", str(dump), "--port", str(port),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait(proc, port, "odg serve")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def request(url: str, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request on a connection of its own: status, headers (lower-case names), body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
