"""Time and peak memory of loading a bulk file at each of the loader's limits, and of refusing one just past it.

    .venv/bin/python benchmarks/bounds_bench.py [--runs 3] [--out /tmp/odg-bounds] [--src OLD/src]

Each case is a data directory holding one bulk file of organisations, loaded by ``opendata_graph.source.load.load`` in a
fresh process (``/usr/bin/time``: wall seconds and peak RSS); the medians of ``--runs`` runs are printed as the
Markdown table BENCHMARKS.md quotes. The limits are :mod:`opendata_graph.source.load`'s constants; the records are the
synthetic registry's (tests/registry.py, the shape of the real data) with fresh ids, repeated up to the limit.
``--src`` loads with the odg sources in that directory instead (``git archive REV src | tar -x -C OLD``): the same
inputs, before the bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import registry  # noqa: E402

from opendata_graph.source.load import (  # noqa: E402
    MAX_BULK_YAML_BYTES,
    MAX_TABLE_BYTES,
    MAX_TABLE_COLUMNS,
    MAX_YAML_EVENTS,
)

PYTHON = ROOT / ".venv" / "bin" / "python"
LOAD = """
import sys
from pathlib import Path
from opendata_graph.core.errors import OdgError
from opendata_graph.source.load import load
try:
    dataset = load(Path(sys.argv[1]))
    print("loaded", len(dataset.records))
except OdgError as exc:
    errors = getattr(exc, "errors", [exc])
    print("refused", len(errors), str(errors[0])[:200])
"""


#: The kinds an organisation refers to (copied beside the bulk file so that its records load without an error).
REFERRED = ("cohorts", "documents", "licences", "places", "programmes", "standards")


def organisations(template: Path, form: str) -> tuple[str, list[str]]:
    """The synthetic organisations as (the header and the rows that are not ``org-*``, the ``org-*`` rows) of a
    table, or the same of a YAML list (items)."""
    text = template.read_text(encoding="utf-8")
    if form == "csv":
        lines = text.splitlines(keepends=True)
        return "".join(x for x in lines if not x.startswith("org-")), [x for x in lines if x.startswith("org-")]
    items = ["- " + item.rstrip("\n") + "\n" for item in text[2:].split("\n- ")]
    return "".join(x for x in items if not x.startswith("- id: org-")), [x for x in items if x.startswith("- id: org-")]


def fill(header: str, items: list[str], limit: int) -> str:
    """``items`` repeated with fresh ids (``org-<copy>x<n>``) until just under ``limit`` bytes."""
    out, size, copy = [header], len(header.encode()), 0
    while True:
        for item in items:
            fresh = re.sub(r"org-(\d{6})", lambda m, c=copy: f"org-{c}x{m.group(1)}", item)
            if size + len(fresh.encode()) > limit:
                return "".join(out)
            out.append(fresh)
            size += len(fresh.encode())
        copy += 1


def case(out: Path, name: str, file: str, content: str, synthetic: Path) -> Path:
    data = out / name / "data"
    shutil.rmtree(data.parent, ignore_errors=True)
    for kind in REFERRED:
        shutil.copytree(synthetic / "list" / "data" / kind, data / kind)
    (data / "organisations").mkdir(parents=True)
    (data / "organisations" / file).write_text(content, encoding="utf-8")
    return data


def measure(data: Path, runs: int, src: Path | None) -> tuple[float, float, str]:
    walls, rss, said = [], [], ""
    env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", str(PYTHON), "-c", LOAD, str(data)],
                              capture_output=True, text=True, timeout=1800, env=env)
        walls.append(time.perf_counter() - start)
        rss.append(int(re.findall(r"MAXRSS (\d+)", proc.stderr)[-1]) / 1024)
        said = proc.stdout.strip()
    return statistics.median(walls), statistics.median(rss), said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/odg-bounds"))
    parser.add_argument("--src", type=Path, default=None, help="load with the odg sources in this directory")
    args = parser.parse_args()
    synthetic = args.out / "synthetic"
    for form in ("list", "csv"):
        if not (synthetic / form / "data").is_dir():
            registry.generate(1800, synthetic / form, form)
    yaml_header, yaml_items = organisations(synthetic / "list" / "data" / "organisations" / "organisations.yaml",
                                            "list")
    csv_header, csv_rows = organisations(synthetic / "csv" / "data" / "organisations" / "organisations.csv", "csv")
    dense = (MAX_YAML_EVENTS - 6) // 2  # stream, document and list events, then two per "- []"
    wide = 100_000
    cases: list[tuple[str, str, Callable[[], str]]] = [
        (f"YAML list of records, {MAX_BULK_YAML_BYTES:,} bytes (the limit)", "organisations.yaml",
         lambda: fill(yaml_header, yaml_items, MAX_BULK_YAML_BYTES)),
        (f"YAML list one byte over {MAX_BULK_YAML_BYTES:,} bytes (refused)", "organisations.yaml",
         lambda: fill(yaml_header, yaml_items, MAX_BULK_YAML_BYTES) + "#" * (
             MAX_BULK_YAML_BYTES + 1 - len(fill(yaml_header, yaml_items, MAX_BULK_YAML_BYTES).encode()))),
        (f"YAML list of {dense:,} empty lists: {MAX_YAML_EVENTS:,} events (the limit)", "dense.yaml",
         lambda: "- []\n" * dense),
        (f"YAML list of {dense + 1:,} empty lists: one event over (refused)", "dense.yaml",
         lambda: "- []\n" * (dense + 1)),
        (f"CSV table of records, {MAX_TABLE_BYTES:,} bytes (the limit)", "organisations.csv",
         lambda: fill(csv_header, csv_rows, MAX_TABLE_BYTES)),
        (f"CSV table, one row, {MAX_TABLE_COLUMNS} columns (the limit; unknown ones refused at the header)",
         "wide.csv", lambda: ",".join(["id", "name", *(f"c{i}" for i in range(MAX_TABLE_COLUMNS - 2))]) + "\n"
         + ",".join(["x", "X", *("v" for _ in range(MAX_TABLE_COLUMNS - 2))]) + "\n"),
        (f"CSV table, one row, {wide:,} unknown columns (refused at the header)", "wide.csv",
         lambda: ",".join(f"c{i}" for i in range(wide)) + "\n" + ",".join("v" for _ in range(wide)) + "\n"),
    ]
    empty = case(args.out, "empty", "none.yaml", "id: x\n", synthetic)
    base_wall, base_rss, _ = measure(empty.parent / "missing", args.runs, args.src)
    print(f"Medians of {args.runs} runs; a process that loads nothing: {base_wall:.2f} s, {base_rss:.0f} MB.\n")
    print("| input | bytes | load, s | peak RSS, MB | outcome |")
    print("|---|---:|---:|---:|---|")
    results = []
    for i, (title, file, make) in enumerate(cases):
        content = make()
        data = case(args.out, f"case{i}", file, content, synthetic)
        wall, rss, said = measure(data, args.runs, args.src)
        results.append({"input": title, "bytes": len(content.encode()), "wall": wall, "rss": rss, "outcome": said})
        outcome = said.replace("|", "/").replace(str(data) + "/", "")
        print(f"| {title} | {len(content.encode()):,} | {wall:.2f} | {rss:.0f} | {outcome[:110]} |", flush=True)
    (args.out / "bounds.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
