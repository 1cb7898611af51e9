"""What reading a release through its checksums costs (`releasedir.ReleaseDir`, issue 24 item 4).

A registry of N organisations from `tests/registry.py`, built and released once (`odg release 0.1.0`); then, as
whole processes under `/usr/bin/time` (median of `--runs`): `odg diff` of the release directory against itself
(its dump read through SHA256SUMS: hashed, then read) next to `odg diff` of its dump file against itself (no
checksums to check); in-process, the time to hash every file of the release once (`ReleaseDir.verify_all`).
(`odg query` of a directory also loads the N-Quads dump, so it is not compared with a dump file here.)

    .venv/bin/python benchmarks/release_read_bench.py --organisations 185 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import calibration, run  # noqa: E402
from tests import registry as generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=185)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    odg = str(BIN / "odg")
    work = args.work or Path(tempfile.mkdtemp(prefix="odg-release-read-"))
    if not (work / "data").is_dir():
        generate.generate(args.organisations, work, "files")
    release = work / "dist" / "releases" / "0.1.0"
    if not release.is_dir():
        run([odg, "release", "0.1.0", "--date", "2026-12-01", "--data", "data", "--seeds", "seeds", "--dist",
             "dist"], cwd=work)
    from opendata_graph.releases.releasedir import ReleaseDir

    size = sum(p.stat().st_size for p in release.iterdir() if p.is_file())
    hashing = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        ReleaseDir(release).verify_all()
        hashing.append(time.perf_counter() - t0)
    dump = release / "opendata-graph.nt"
    timed: dict[str, list[float]] = {}
    for name, cmd in (
        ("diff, release directory (verified)", [odg, "diff", str(release), str(release), "--format", "json"]),
        ("diff, dump file (unverified)", [odg, "diff", str(dump), str(dump), "--format", "json"]),
    ):
        timed[name] = [run(cmd, cwd=work)[0] for _ in range(args.runs)]
    triples = sum(1 for _ in dump.open("rb"))
    print(f"{args.organisations} organisations, {triples:,} triples; release files {size / 1e6:.1f} MB "
          f"(dump {dump.stat().st_size / 1e6:.1f} MB); calibration {calibration():.2f} s (0.42 s when quiet)")
    print(f"hash every file of the release once: median {statistics.median(hashing):.3f} s "
          f"({size / 1e6 / statistics.median(hashing):.0f} MB/s)")
    for name, times in timed.items():
        print(f"{name}: median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
    for what in ("diff",):
        verified, plain = (statistics.median(timed[f"{what}, {k}"]) for k in
                           ("release directory (verified)", "dump file (unverified)"))
        print(f"{what}: verified / unverified = {verified / plain:.2f}")


if __name__ == "__main__":
    main()
