"""A/B of two git revisions of odg on the same ~1M-triple registry, interleaved, in one run (medians).

    .venv/bin/python benchmarks/compare_revisions.py OLD_REV [NEW_REV] [--organisations 1800] [--rounds 3]

Each revision is checked out into a temporary worktree and run from its sources (``PYTHONPATH``) with this
checkout's virtual environment, so both use the same libraries. Per round and revision, alternating (the machine
is shared and noisy): a cold build (no cache, writing it), a rebuild after one edit (a post's title), a full
validation (``--no-cache``), and a validation after one edit (an organisation's name). Wall seconds and peak
RSS (MB) per step, median over the rounds, and the ratio new/old; for "dumps", the release's dump files in MB
(all of them, then the gzip copies alone) in place of seconds and RSS. NEW_REV defaults to the working tree.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import registry  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
STEPS = ("build (cold)", "rebuild, one edit", "validate --no-cache", "validate, one edit", "dumps, MB (plain + gzip)")


def run(src: Path, args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``odg ARGS`` from the sources in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", str(PYTHON), "-m", "opendata_graph.cli", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"odg {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    rss = int(re.findall(r"MAXRSS (\d+)", proc.stderr)[-1]) / 1024
    return wall, rss


def round_of(src: Path, registry_dir: Path) -> dict[str, tuple[float, float]]:
    data = ["--data", "data", "--seeds", "seeds"]
    for leftover in (registry_dir / ".odg-cache", registry_dir / "dist"):
        shutil.rmtree(leftover, ignore_errors=True)
    out = {"build (cold)": run(src, ["build", *data, "--dist", "dist"], registry_dir)}
    sizes = {f.name: f.stat().st_size for f in (registry_dir / "dist").iterdir()}
    out["dumps, MB (plain + gzip)"] = (sum(v for k, v in sizes.items() if k.startswith("opendata-graph")) / 1e6,
                                       sum(v for k, v in sizes.items() if k.endswith(".gz")) / 1e6)
    person = registry_dir / "data" / "people" / "person-000002.yaml"  # a real edit for every run: toggled
    text = person.read_text()
    person.write_text(re.sub(r"title: \w+", "title: Director" if "title: Chair" in text else "title: Chair", text))
    out["rebuild, one edit"] = run(src, ["build", *data, "--dist", "dist"], registry_dir)
    out["validate --no-cache"] = run(src, ["validate", "--no-cache", *data], registry_dir)
    org = registry_dir / "data" / "organisations" / "org-000001.yaml"
    text = org.read_text()
    org.write_text(re.sub(r"name: Organisation \S+", "name: Organisation 000001" if "Organisation One" in text else
                          "name: Organisation One", text))
    out["validate, one edit"] = run(src, ["validate", *data], registry_dir)
    return out


def qualify_all(reg: Path) -> None:
    """Every figure stated as a plain number ('N records') becomes 'exactly N records', qualifier exact, in the
    records and in the source document alike."""
    for path in (reg / "data" / "organisations").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(\n  stated_as: )(\d+ records)\n", r"\1exactly \2\n  qualifier: exact\n", text)
        path.write_text(re.sub(r"holds (\d+ records today)", r"holds exactly \1", text), encoding="utf-8")
    for path in (reg / "seeds").glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        registry.retrieve(path, re.sub(r"holds (\d+ records today)", r"holds exactly \1", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default=None, help="default: the working tree")
    parser.add_argument("--also", action="append", default=[], help="a third (fourth...) revision, after NEW")
    parser.add_argument("--organisations", type=int, default=1800)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--qualify-all", action="store_true",
                        help="give every figure a qualifier ('exactly N'), for a revision from before figures could "
                             "go without one")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="odg-ab-"))
    try:
        sources = {}
        revisions = [("old", args.old), ("new", args.new)] + [(f"rev{k + 3}", r) for k, r in enumerate(args.also)]
        for label, rev in revisions:
            if rev is None:
                sources[label] = ROOT / "src"
                continue
            tree = work / label
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
            sources[label] = tree / "src"
        reg = work / "registry"
        registry.generate(args.organisations, reg, "files")
        if args.qualify_all:
            qualify_all(reg)
        results: dict[str, dict[str, list[tuple[float, float]]]] = {k: {st: [] for st in STEPS} for k in sources}
        for i in range(args.rounds):
            order = [label for label, _ in revisions]
            for label in (order if i % 2 == 0 else order[::-1]):
                for step, value in round_of(sources[label], reg).items():
                    results[label][step].append(value)
                print(f"round {i + 1} {label} done", file=sys.stderr)
        labels = [label for label, _ in revisions]
        names = [f"{label} ({rev or 'working tree'})" for label, rev in revisions]
        print(f"| step ({args.organisations} organisations, median of {args.rounds}) | "
              + " | ".join(f"{n} s" for n in names) + " | " + " | ".join(f"{n} MB" for n in names)
              + " | " + " | ".join(f"{label}/old" for label in labels[1:]) + " |")
        print("|---" * (1 + 3 * len(labels) - 1) + "|")
        for step in STEPS:
            wall = [statistics.median(w for w, _ in results[label][step]) for label in labels]
            mem = [statistics.median(m for _, m in results[label][step]) for label in labels]
            print(f"| {step} | " + " | ".join(f"{w:.2f}" for w in wall) + " | " + " | ".join(f"{m:,.0f}" for m in mem)
                  + " | " + " | ".join(f"{w / wall[0]:.2f}" for w in wall[1:]) + " |")
    finally:
        for label in [p.name for p in work.iterdir() if p.name != "registry"] if work.exists() else []:
            if (work / label).is_dir():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / label)],
                               check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
