"""`make bench-floor`: odg at ~1M triples against the floors of issue 28, in one run (medians, ratios).

Whole processes under GNU time (wall seconds, peak RSS), the steps interleaved round by round so a slow spell of
the shared machine hits every step alike:

* ``odg build --no-cache`` next to its floor, a pyoxigraph bulk-load of the release's own N-Triples dump
  (target <= 4x, <= 700 MB);
* ``odg validate --no-cache`` next to its floor, the ``shacl`` engine alone on that N-Triples file with the
  project's shapes (target <= 2x, <= 400 MB);
* a rebuild and a validation after one edit (from the cache a full build wrote).

``--other SRC`` runs a second source tree of odg (e.g. ``git archive main | tar -x -C /tmp/main``, then
``--other /tmp/main/src``) with this virtual environment in the same rounds, for an A/B of the same steps.
The registry is :mod:`tests.registry`'s (1,800 organisations by default, as ``make bench`` and
``make bench-validate`` build it). A fixed Python loop is timed before and after (``bench.calibration``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import BIN, calibration, run
from tests import registry as generate

BULK_LOAD = """
import sys
from pyoxigraph import RdfFormat, Store
Store().bulk_load(path=sys.argv[1], format=RdfFormat.N_TRIPLES)
"""

SHACL_ALONE = """
import sys
from pathlib import Path
import shacl
from opendata_graph.stages.shapes import read
shapes = shacl.Shapes.from_text(read(Path(sys.argv[2])).ntriples(), format="ntriples")
print(len(shapes.validate_file(sys.argv[1], allow_warnings=True).results))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=1800, help="~575 triples each")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--other", type=Path, help="another odg source tree (its src/), run in the same rounds")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "odg-bench-floor")
    args = parser.parse_args()
    root = args.work / f"n{args.organisations}"
    if not (root / "data").exists():
        generate.generate(args.organisations, root, "files")
    python = str(BIN / "python")
    shapes = str(Path(__file__).resolve().parents[1] / "shapes")
    common = ["--data", "data", "--seeds", "seeds"]
    revisions: dict[str, dict[str, str]] = {"this": {}}
    if args.other is not None:
        revisions["other"] = {"PYTHONPATH": str(args.other.resolve())}
    cells: dict[str, list[tuple[float, float]]] = {}

    def measure(label: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        wall, rss, _ = run(cmd, cwd=root, env=env)
        cells.setdefault(label, []).append((wall, rss))

    before = calibration()
    person = root / "data" / "people" / "person-000002.yaml"
    for i in range(args.rounds):
        for name, env in revisions.items():
            odg = [python, "-m", "opendata_graph.cli"]
            shutil.rmtree(root / ".odg-cache", ignore_errors=True)
            measure(f"{name}: odg build --no-cache", [*odg, "build", "--no-cache", *common, "--dist", "dist"], env)
            measure(f"{name}: odg validate --no-cache", [*odg, "validate", "--no-cache", *common], env)
            run([*odg, "build", *common, "--dist", "dist"], cwd=root, env=env)  # writes the cache
            person.write_text(re.sub(r"title: .*", f"title: Director {name} {i}", person.read_text()))
            measure(f"{name}: rebuild after one edit", [*odg, "build", *common, "--dist", "dist"], env)
            person.write_text(re.sub(r"title: .*", f"title: Manager {name} {i}", person.read_text()))
            measure(f"{name}: validate after one edit", [*odg, "validate", *common], env)
        nt = str(root / "dist" / "opendata-graph.nt")
        measure("floor: pyoxigraph bulk-load of the N-Triples", [python, "-c", BULK_LOAD, nt])
        measure("floor: shacl engine alone on the N-Triples", [python, "-c", SHACL_ALONE, nt, shapes])
    after = calibration()
    triples = sum(1 for _ in (root / "dist" / "opendata-graph.nt").open("rb"))
    medians = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v)) for k, v in cells.items()}
    print(f"| {triples:,} triples ({args.organisations:,} organisations) | wall s (median) | peak MB (median) "
          f"| runs |\n|---|---|---|---|")
    for label, (wall, rss) in medians.items():
        print(f"| {label} | {wall:.2f} | {rss:,.0f} | {len(cells[label])} |")
    load, engine = medians["floor: pyoxigraph bulk-load of the N-Triples"], \
        medians["floor: shacl engine alone on the N-Triples"]
    for name in revisions:
        build, validate = medians[f"{name}: odg build --no-cache"], medians[f"{name}: odg validate --no-cache"]
        print(f"\n{name}: build / bulk-load {build[0] / load[0]:.1f}x (target <= 4x), {build[1]:,.0f} MB "
              f"(<= 700); validate / shacl engine {validate[0] / engine[0]:.1f}x (<= 2x), {validate[1]:,.0f} MB "
              f"(<= 400)")
    print(f"\nmachine check (fixed loop): {before:.2f} s before, {after:.2f} s after (~0.42 s when quiet); "
          f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
