"""Load benchmark of `odg serve` next to oxigraph's own server, on the seed release and a large registry.

    make bench-serve            # or: python benchmarks/serve_bench.py --seconds 15 --connections 16

For each dataset, both servers get the same N-Triples dump on 127.0.0.1. Client: C threads, each with its own
keep-alive connection, send the analyst query files (POST application/sparql-query, JSON results) round-robin
for S seconds; then, for `odg serve` only, the same with resource page loads (HTML). Prints requests, errors,
throughput and p50/p99 latency, and our throughput as a ratio of oxigraph's. The large registry comes from
benchmarks/generate.py, converted without SHACL validation (this measures serving, not building).
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

from opendata_graph.core import paths  # noqa: E402
from opendata_graph.stores.query import query_files  # noqa: E402

BIN = Path(sys.executable).parent


@dataclass
class Result:
    server: str
    dataset: str
    workload: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def drive(port: int, requests: list[tuple[str, str, bytes, dict[str, str]]], seconds: float,
          connections: int) -> tuple[int, int, list[float]]:
    """C threads, each with a keep-alive connection, cycling through ``requests`` for ``seconds``."""
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        i = offset
        local: list[float] = []
        ok = errors = 0
        while time.monotonic() < stop:
            method, path, body, headers = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body or None, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    ok += 1
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            local.append(time.perf_counter() - started)
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["errors"] += errors

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts["ok"], counts["errors"], latencies


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def query_requests(path: str) -> list[tuple[str, str, bytes, dict[str, str]]]:
    headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
    return [("POST", path, qf.text.encode(), headers) for qf in query_files(paths.queries_dir())]


def page_requests(dump: Path, count: int = 200) -> list[tuple[str, str, bytes, dict[str, str]]]:
    from pyoxigraph import NamedNode, RdfFormat, parse

    base = "https://w3id.org/opendata-graph/"
    org = NamedNode("http://www.w3.org/ns/org#Organization")
    subjects = sorted({t.subject.value for t in parse(path=str(dump), format=RdfFormat.N_TRIPLES)
                       if t.object == org})[:count]
    return [("GET", "/" + s[len(base):], b"", {"Accept": "text/html"}) for s in subjects]


def bench(dataset: str, dump: Path, seconds: float, connections: int) -> list[Result]:
    results = []
    port = free_port()
    proc = subprocess.Popen([str(BIN / "odg"), "serve", str(dump), "--port", str(port), "--timeout", "120",
                             "--max-results", "10000000"], stderr=subprocess.PIPE)
    try:
        wait_ready(port, "/sparql", proc)
        drive(port, query_requests("/sparql")[:3], 1.0, connections)  # warm up
        ok, errors, lat = drive(port, query_requests("/sparql"), seconds, connections)
        results.append(Result("odg serve", dataset, "query files", ok, errors, seconds, lat))
        ok, errors, lat = drive(port, page_requests(dump), seconds, connections)
        results.append(Result("odg serve", dataset, "resource pages", ok, errors, seconds, lat))
    finally:
        stop(proc)
    location = Path(tempfile.mkdtemp(prefix="oxigraph-"))
    try:
        t0 = time.monotonic()
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(dump)],
                       check=True, capture_output=True)
        print(f"  oxigraph load of {dataset}: {time.monotonic() - t0:.1f} s", file=sys.stderr)
        port = free_port()
        proc = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
                                 "--bind", f"127.0.0.1:{port}"], stderr=subprocess.PIPE)
        try:
            wait_ready(port, "/", proc)
            drive(port, query_requests("/query")[:3], 1.0, connections)
            ok, errors, lat = drive(port, query_requests("/query"), seconds, connections)
            results.append(Result("oxigraph server", dataset, "query files", ok, errors, seconds, lat))
        finally:
            stop(proc)
    finally:
        shutil.rmtree(location, ignore_errors=True)
    return results


def large_dump(organisations: int, workdir: Path) -> Path:
    """Generate a registry, convert it (no validation) and write its N-Triples."""
    from tests.registry import generate

    from opendata_graph.core.namespaces import DEFAULT_BASE
    from opendata_graph.core.serialize import ntriples
    from opendata_graph.source.load import load
    from opendata_graph.stages.convert import convert
    from opendata_graph.stages.validate import load_turtle_dir

    t0 = time.monotonic()
    generate(organisations, workdir)
    graph = convert(load(workdir / "data"), DEFAULT_BASE, load_turtle_dir(paths.ontology_dir()))
    dump = workdir / "large.nt"
    dump.write_bytes(ntriples(graph.triples()))
    print(f"  generated and converted {organisations} organisations in {time.monotonic() - t0:.1f} s",
          file=sys.stderr)
    return dump


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--large-organisations", type=int, default=1800, help="0 skips the large registry")
    args = parser.parse_args()
    seed = paths.dist_dir() / "opendata-graph.nt"
    if not seed.is_file():
        subprocess.run([str(BIN / "odg"), "build"], check=True)
    datasets = [("seed release", seed)]
    workdir = Path(tempfile.mkdtemp(prefix="odg-bench-"))
    try:
        if args.large_organisations:
            large = large_dump(args.large_organisations, workdir)
            triples = len(large.read_bytes().splitlines())
            datasets.append((f"registry ({triples:,} triples)", large))
        results: list[Result] = []
        for name, dump in datasets:
            print(f"benchmarking {name} ...", file=sys.stderr)
            results += bench(name, dump, args.seconds, args.connections)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.connections} concurrent connections, {args.seconds:g} s per run, 127.0.0.1, "
          f"{len(query_files(paths.queries_dir()))} query files\n")
    print("| dataset | server | workload | requests | errors | req/s | p50 ms | p99 ms |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.dataset} | {r.server} | {r.workload} | {r.requests:,} | {r.errors} | {r.throughput:,.1f} | "
              f"{r.pct(0.5):.1f} | {r.pct(0.99):.1f} |")
    print()
    for name, _ in datasets:
        ours = next(r for r in results if r.dataset == name and r.server == "odg serve" and r.workload == "query files")
        theirs = next(r for r in results if r.dataset == name and r.server == "oxigraph server")
        print(f"{name}: odg serve / oxigraph server throughput on the query files = "
              f"{ours.throughput / theirs.throughput:.2f}")
    pages = next(r for r in results if r.workload == "resource pages")
    print(f"seed release resource pages: p99 {pages.pct(0.99):.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
