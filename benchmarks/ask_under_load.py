"""`make bench-serve` (first part): an ASK's latency while 16 clients keep sending heavy queries to `odg serve`.

Heavy: cartesian products that run past the time limit (each is stopped: killed in its worker at its CPU time
limit, or at six times that in wall time). One more client sends
`ASK { ?s ?p ?o }` every 50 ms. Printed: the ASK's p50/p99/max latency, how the heavy ones were answered, and
how long after the load stops an ASK answers again.
Target (issue 12): p99 < 100 ms, recovery within a second.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

HEAVY = ["SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
         "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
         "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"]
ASK = "/sparql?query=" + quote("ASK { ?s ?p ?o }")


def get(port: int, path: str, timeout: float = 30) -> tuple[int, float]:
    t = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - t
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--heavy", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=5)
    args = parser.parse_args()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "serve", str(args.dist), "--port", str(port),
                             "--timeout", str(args.timeout)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, ASK, 2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("odg serve did not start") from None
                time.sleep(0.2)
        stop = threading.Event()
        heavy_status: Counter[int] = Counter()
        lock = threading.Lock()

        def hammer(i: int) -> None:
            while not stop.is_set():
                status, _ = get(port, "/sparql?query=" + quote(HEAVY[i % len(HEAVY)]), args.timeout + 10)
                with lock:
                    heavy_status[status] += 1
        threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(args.heavy)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        latencies: list[float] = []
        asks: Counter[int] = Counter()
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            status, seconds = get(port, ASK)
            asks[status] += 1
            latencies.append(seconds)
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(timeout=args.timeout + 15)
        t0 = time.monotonic()
        while get(port, ASK)[0] != 200:
            time.sleep(0.05)
        recovery = time.monotonic() - t0
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"| ASK under {args.heavy} heavy clients ({args.seconds:g} s) | {len(latencies)} ASKs, statuses "
              f"{dict(asks)} | p50 {statistics.median(latencies) * 1000:.1f} ms | p99 {p99 * 1000:.1f} ms | "
              f"max {latencies[-1] * 1000:.1f} ms | heavy answered {dict(heavy_status)} | "
              f"ASK again after the load: {recovery * 1000:.0f} ms |")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
