"""Push benchmark: `odg push` of a ~1M-triple release next to `oxigraph load` and a plain `curl` PUT.

    make bench-push            # or: python benchmarks/push_bench.py --organisations 1800

All three write the same N-Triples file into oxigraph (its server on 127.0.0.1 for `odg push` and curl; the
offline bulk loader on a fresh location for `oxigraph load`). Prints seconds, triples/s and the ratios, and the
peak memory (max RSS, from wait4) of `odg push`, whose target is under 200 MB.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from serve_bench import large_dump, wait_ready  # noqa: E402
from tests.servers import free_port  # noqa: E402

BIN = Path(sys.executable).parent
GRAPH = "https://w3id.org/opendata-graph/dataset"


#: Run argv from a small process and report its wall time and max RSS. A child forked straight from this
#: benchmark would count the memory it shared with it before exec (the converted registry) in its ru_maxrss.
MEASURE = """
import json, os, subprocess, sys, time
started = time.monotonic()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
print(json.dumps({"seconds": time.monotonic() - started, "rss_mb": usage.ru_maxrss // 1024,
                  "code": os.waitstatus_to_exitcode(status), "stderr": proc.stderr.read().decode()[-500:]}))
"""


def timed(argv: list[str]) -> tuple[float, int]:
    """Run ``argv``; (wall seconds, max RSS in MB) of that process alone."""
    import json

    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["code"] != 0:
        raise RuntimeError(f"{argv[0]} failed: {result['stderr']}")
    return float(result["seconds"]), int(result["rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=1800)
    parser.add_argument("--chunked", action="store_true", help="also time a chunked push (staging + MOVE)")
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
            rows.append(("odg push (one transactional gzip PUT + count check)", seconds, rss))
            if args.chunked:
                seconds, rss = timed([str(BIN / "odg"), "push", "--endpoint", url + "/store", "--dist", str(dump),
                                      "--chunk-triples", "100000"])
                rows.append(("odg push --chunk-triples 100000 (staging + MOVE)", seconds, rss))
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
    for name, seconds, _ in rows[1 + args.chunked:]:
        print(f"odg push / {name.split(' (')[0]}: {seconds / ours:.2f} of its speed (time ratio {ours / seconds:.2f})")
    print(f"odg push peak memory: {rows[0][2]} MB (target < 200 MB)")


if __name__ == "__main__":
    main()
