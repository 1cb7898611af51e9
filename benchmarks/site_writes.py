"""How ``odg site`` writes its files, three ways, on one release: alternating runs, wall seconds, medians.

    python benchmarks/site_writes.py DIST [--runs 3]

- ``whole, one flush``: what odg does (docs/safety.md, item 2): each file beside its place, renamed over it, and
  one flush to disk at the end (``outputs.write_whole(durable=False)`` + ``outputs.flush_all``);
- ``whole, flush each``: the same with an ``fsync`` per file;
- ``in place``: each file truncated and rewritten where it is, as odg did before (a kill leaves truncated pages).

The variants are made by replacing one function in the process that runs ``odg site`` (nothing in odg reads a
switch for it). DIST: a release directory (``dist/``, or one built from ``tests/registry.py``'s registries).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = {
    "whole, one flush": "",
    "whole, flush each": (
        "import opendata_graph.core.outputs as o\n"
        "w = o.write_whole\n"
        "o.write_whole = lambda p, d, mode=0o644, exclusive=False, durable=True: w(p, d, mode, exclusive, True)\n"),
    "in place": (
        "import opendata_graph.web.site as s\n"
        "s.Files.write = lambda self, r, d: self._path(r).write_bytes(d.encode() if isinstance(d, str) else d)\n"),
}
RUN = "import sys\nsys.argv = ['odg', 'site', sys.argv[1], '--dist', sys.argv[2]]\n" \
      "from opendata_graph.cli import main\nmain()\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dist", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="odg-site-writes-") as tmp:
        out = Path(tmp) / "site"
        for _ in range(args.runs):
            for name, prelude in VARIANTS.items():
                shutil.rmtree(out, ignore_errors=True)
                started = time.monotonic()
                result = subprocess.run([sys.executable, "-c", prelude + RUN, str(out), str(args.dist.resolve())],
                                        capture_output=True, text=True)
                times[name].append(time.monotonic() - started)
                if result.returncode != 0:
                    raise SystemExit(f"{name}: {result.stderr}")
        files = sum(1 for f in out.rglob("*") if f.is_file())
    print(f"odg site, {files:,} files, {args.runs} alternating runs each:")
    for name, walls in times.items():
        print(f"  {name}: median {statistics.median(walls):.2f} s (runs {', '.join(f'{w:.2f}' for w in walls)})")


if __name__ == "__main__":
    main()
