"""Static-site benchmark: `odg site` of a ~1M-triple release (1,800 organisations), cold, median of 3.

    make bench-site            # or: python benchmarks/site_bench.py --organisations 1800 --runs 3

Targets (issue 16): at most 60 s and at most 10 files per entity. Prints each run's seconds and peak memory
(GNU time), the files, pages and bytes written, and checks that every page's files are there. `make bench` runs
the same step once per registry size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import BIN, calibration, run  # noqa: E402
from tests import registry  # noqa: E402

from opendata_graph.source.schema import KINDS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organisations", type=int, default=1800)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="keep the registry here (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="odg-site-bench-"))
    try:
        if not (work / "data").is_dir():
            registry.generate(args.organisations, work, "files")
        if not (work / "dist" / "opendata-graph.nt").is_file():
            run([str(BIN / "odg"), "build", "--no-cache", "--data", "data", "--seeds", "seeds", "--dist", "dist"],
                cwd=work)
        with (work / "dist" / "opendata-graph.nt").open("rb") as f:
            triples = sum(1 for _ in f)
        before = calibration()
        walls, rss = [], []
        for _ in range(args.runs):
            shutil.rmtree(work / "site", ignore_errors=True)
            wall, peak, _ = run([str(BIN / "odg"), "site", str(work / "site"), "--dist", "dist"], cwd=work)
            walls.append(wall)
            rss.append(peak)
        files = [f for f in (work / "site").rglob("*") if f.is_file()]
        pages = [f for f in files if f.suffix == ".html" and f.parent != work / "site" / "queries"]
        entities = [f for f in pages if f.relative_to(work / "site").parts[0] in KINDS]
        print(f"odg site at {triples:,} triples: median {statistics.median(walls):.2f} s "
              f"(runs {', '.join(f'{w:.2f}' for w in walls)}), peak RSS {max(rss):,.0f} MB; "
              f"{len(files):,} files, {len(pages):,} pages, {len(entities):,} entity pages, "
              f"{len(files) / len(entities):.1f} files per entity, "
              f"{sum(f.stat().st_size for f in files) / 1e6:,.0f} MB "
              f"(targets: <= 60 s, <= 10 files per entity); machine speed check {before:.2f} s before, "
              f"{calibration():.2f} s after (bench.calibration: the same loop took 0.42 s on a quiet machine)")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
