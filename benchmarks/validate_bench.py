"""`make bench-validate`: validation at ~1M triples, the default SHACL engine next to pyshacl, in one run.

Whole-process wall seconds and peak RSS (GNU time), median of ``--runs`` (pyshacl once: two minutes a run):
``odg validate --no-cache`` with the default engine and with ``--engine pyshacl``, ``odg build --no-cache``, and
``odg validate`` after one edit (from the cache a full run wrote). Prints a Markdown table; the targets of issue 11
are ``validate`` <= 9.9 s and <= 1.1 GB, >= 5x pyshacl, and ``build --no-cache`` <= 14.6 s on a quiet machine.
A fixed Python loop is timed before and after, so a slow spell of the shared machine shows.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import BIN, calibration, run
from tests import registry as generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=1800, help="~540 triples each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "odg-bench-validate")
    args = parser.parse_args()
    root = args.work / f"n{args.organisations}"
    if not (root / "data").exists():
        generate.generate(args.organisations, root, "files")
    odg = str(BIN / "odg")
    common = ["--data", "data", "--seeds", "seeds"]
    before = calibration()
    cells: dict[str, list[tuple[float, float]]] = {}

    def measure(label: str, cmd: list[str], times: int) -> None:
        for _ in range(times):
            wall, rss, _ = run(cmd, cwd=root)
            cells.setdefault(label, []).append((wall, rss))

    measure("odg validate --no-cache (default engine: shacl)", [odg, "validate", "--no-cache", *common], args.runs)
    measure("odg validate --no-cache --engine pyshacl", [odg, "validate", "--no-cache", "--engine", "pyshacl",
                                                         *common], 1)
    measure("odg build --no-cache", [odg, "build", "--no-cache", *common, "--dist", "dist"], args.runs)
    shutil.rmtree(root / ".odg-cache", ignore_errors=True)
    measure("odg validate, writing the cache", [odg, "validate", *common], 1)
    person = root / "data" / "people" / "person-000002.yaml"
    for i in range(args.runs):
        person.write_text(re.sub(r"title: .*", f"title: Director {i}", person.read_text()))
        measure("odg validate after one edit", [odg, "validate", *common], 1)
    after = calibration()
    print(f"| ~{args.organisations * 540:,} triples | wall s (median) | peak MB (median) | runs |")
    print("|---|---|---|---|")
    for label, values in cells.items():
        print(f"| {label} | {statistics.median(w for w, _ in values):.2f} | "
              f"{statistics.median(r for _, r in values):,.0f} | {len(values)} |")
    ours = statistics.median(w for w, _ in cells["odg validate --no-cache (default engine: shacl)"])
    reference = cells["odg validate --no-cache --engine pyshacl"][0][0]
    print(f"\npyshacl / default engine: {reference / ours:.1f}x; machine check (fixed loop) "
          f"{before:.2f} s before, {after:.2f} s after")


if __name__ == "__main__":
    main()
