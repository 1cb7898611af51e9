"""Push benchmark: `odg push` of a ~1M-triple release next to `oxigraph load` and a plain `curl` PUT.

    make bench-push            # or: python benchmarks/push_bench.py --organisations 1800

All three write the same N-Triples file into oxigraph (its server on 127.0.0.1 for `odg push` and curl; the
offline bulk loader on a fresh location for `oxigraph load`). Prints seconds, triples/s and the ratios, and the
peak memory (max RSS, from wait4) of `odg push`, whose target is under 200 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from serve_bench import large_dump, wait_ready  # noqa: E402

from tests.servers import free_port  # noqa: E402

BIN = Path(sys.executable).parent
GRAPH = "https://w3id.org/opendata-graph/dataset"


def timed(argv: list[str]) -> tuple[float, int]:
    """Run ``argv``; (wall seconds, max RSS in MB) of that process alone."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[0]} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=1800)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="odg-push-bench-"))
    try:
        dump = large_dump(args.organisations, work)
        triples = len(dump.read_bytes().splitlines())
        rows = []
        location = work / "server"
        port = free_port()
        server = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(location), "--bind",
                                   f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_ready(port, "/query", server)
            url = f"http://127.0.0.1:{port}"
            seconds, rss = timed([str(BIN / "odg"), "push", "--endpoint", url + "/store", "--dist", str(dump)])
            rows.append(("odg push (GSP PUT to staging + MOVE + count check)", seconds, rss))
            seconds, rss = timed([str(BIN / "odg"), "push", "--endpoint", url + "/store", "--dist", str(dump),
                                  "--chunk-triples", "100000"])
            rows.append(("odg push --chunk-triples 100000", seconds, rss))
            curl = shutil.which("curl")
            if curl:
                seconds, rss = timed([curl, "-sf", "-X", "PUT", f"{url}/store?graph={GRAPH}-curl", "-H",
                                      "Content-Type: application/n-triples", "--data-binary", f"@{dump}"])
                rows.append(("curl PUT (one request, no swap, no check)", seconds, rss))
        finally:
            server.terminate()
            server.wait(timeout=30)
        seconds, rss = timed([str(BIN / "oxigraph"), "load", "--location", str(work / "offline"), "--file", str(dump)])
        rows.append(("oxigraph load (offline bulk loader)", seconds, rss))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\npushing {triples:,} triples into oxigraph 0.5 on 127.0.0.1\n")
    print("| method | seconds | triples/s | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for name, seconds, rss in rows:
        print(f"| {name} | {seconds:.1f} | {triples / seconds:,.0f} | {rss} |")
    ours = rows[0][1]
    for name, seconds, _ in rows[2:]:
        print(f"odg push / {name.split(' (')[0]}: {seconds / ours:.2f} of its speed (time ratio {ours / seconds:.2f})")
    print(f"odg push peak memory: {rows[0][2]} MB (target < 200 MB)")


if __name__ == "__main__":
    main()
