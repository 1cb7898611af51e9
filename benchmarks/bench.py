"""`make bench`: odg at 10k, 100k and 1M triples next to the naive rdflib + pyshacl pipeline and the peers.

Every figure is one whole-process run (wall seconds, peak RSS from the kernel) on this machine, all in the same
run; the table is printed and written to BENCHMARKS.md with the machine's description. Peers run in virtual
environments of their own under ``$ODG_PEERS`` (default ``/tmp/odg-peers``), created on first use:
Morph-KGC 2.10 (RML over the CSV form; its mapping covers the flat columns of the organisations table, since RML
over CSV cannot iterate JSON cells) and LinkML 1.12 (linkml-convert / linkml-validate of the organisation records,
up to 100k triples). Sizes: ``--sizes 20,185,1800`` organisations (~540 triples each; at least 20, the cohorts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEERS = Path(os.environ.get("ODG_PEERS", "/tmp/odg-peers"))
sys.path.insert(0, str(ROOT))

from tests import registry as generate  # noqa: E402


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True, timeout: float | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stderr+stdout of a whole process, measured with GNU time.

    Past ``timeout`` the process group is killed and the wall time returned is ``inf``.
    """
    import signal

    with tempfile.NamedTemporaryFile("r", suffix=".time") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", f.name, *cmd], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return float("inf"), float("nan"), "TIMEOUT"
        wall = time.perf_counter() - t0
        rss = int(f.read().strip().splitlines()[-1]) / 1024
    if check and proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({proc.returncode}):\n{err[-2000:]}{out[-2000:]}")
    return wall, rss, err + out


def venv(name: str, packages: list[str]) -> Path:
    home = PEERS / name
    if not (home / ".ready").exists():
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        subprocess.run([str(home / "bin" / "pip"), "install", "-q", *packages], check=True)
        (home / ".ready").touch()
    return home / "bin"


NAIVE_TIMEOUT = 1200.0
NAIVE = """
import sys, rdflib, pyshacl
from pathlib import Path
from opendata_graph.core import paths
from opendata_graph.stages.convert import convert
from opendata_graph.source.load import load
from opendata_graph.core.serialize import ntriples
from opendata_graph.stages.validate import load_turtle_dir
data, out = Path(sys.argv[1]), Path(sys.argv[2])
import time
t = time.perf_counter()
def lap(name):
    global t
    now = time.perf_counter(); print(f"NAIVE {name} {now - t:.1f}", flush=True); t = now
rows = convert(load(data), "https://w3id.org/opendata-graph/", load_turtle_dir(paths.ontology_dir())).triples()
lap("load+convert")
g = rdflib.Graph()
g.parse(data=ntriples(rows), format="nt")
del rows
lap("rdflib-graph")
pyshacl.validate(g, shacl_graph=rdflib.Graph().parse(data=load_turtle_dir(paths.shapes_dir()), format="turtle"))
lap("pyshacl")
for fmt, ext in (("turtle", "ttl"), ("nt", "nt"), ("json-ld", "jsonld")):
    g.serialize(out / f"naive.{ext}", format=fmt)
    lap(fmt)
"""

DIRECT_QUERIES = """
import sys, time
from pathlib import Path
from pyoxigraph import RdfFormat, Store
store = Store(); store.load(path=sys.argv[1], format=RdfFormat.N_TRIPLES)
t = time.perf_counter()
for q in sorted(Path(sys.argv[2]).glob("*.rq")):
    for row in store.query(q.read_text(encoding="utf-8")):
        pass
print(f"QUERY_SECONDS {time.perf_counter() - t:.3f}")
"""

ODG_QUERIES = """
import sys, time
from pathlib import Path
from opendata_graph.stores.query import open_store, query_files, run, serialize_results
store = open_store(Path(sys.argv[1]))
t = time.perf_counter()
for qf in query_files(Path(sys.argv[2])):
    serialize_results(run(store, qf.text, str(qf.path)), "tsv")
print(f"QUERY_SECONDS {time.perf_counter() - t:.3f}")
"""


def stages(output: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(\w+): ([\d.]+) s", output, re.M)}


def triples_in(dist: Path) -> int:
    with (dist / "opendata-graph.nt").open("rb") as f:
        return sum(1 for _ in f)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GiB, Linux {platform.release()}, "
            f"Python {platform.python_version()}")


def bench(sizes: list[int], work: Path, peers: bool) -> list[dict[str, object]]:
    odg = str(BIN / "odg")
    python = str(BIN / "python")
    rows: list[dict[str, object]] = []
    morph = venv("morph", ["morph-kgc==2.10.0", "pandas<3"]) if peers else None
    linkml = venv("linkml", ["linkml==1.12.1"]) if peers else None
    for n in sizes:
        r: dict[str, object] = {"organisations": n, "calibration_before": calibration()}
        base = work / f"n{n}"
        for form in ("files", "csv"):
            if not (base / form / "data").exists():
                generate.generate(n, base / form, form)
        files = base / "files"
        for form in ("files", "csv"):  # cold builds: no cache and no release left by an earlier run
            for leftover in (base / form / ".odg-cache", base / form / "dist"):
                shutil.rmtree(leftover, ignore_errors=True)
        wall, rss, out = run([odg, "build", "--data", "data", "--seeds", "seeds", "--dist", "dist"], cwd=files)
        assert "incremental:" not in out, out
        r.update(triples=triples_in(files / "dist"), build=wall, build_rss=rss, stages=stages(out),
                 dumps={f.name: f.stat().st_size for f in sorted((files / "dist").iterdir())
                        if f.name.startswith("opendata-graph.")})
        wall, rss, _ = run([odg, "build", "--data", "data", "--seeds", "seeds", "--dist", "dist"], cwd=base / "csv")
        r.update(build_csv=wall, build_csv_rss=rss)
        for form in ("files", "csv"):  # one-shot builds (a CI release): no cache to write for a next build
            wall, rss, _ = run([odg, "build", "--no-cache", "--data", "data", "--seeds", "seeds", "--dist",
                                "dist-oneshot"], cwd=base / form)
            r.update({f"oneshot_{form}": wall, f"oneshot_{form}_rss": rss})
        person = files / "data" / "people" / "person-000002.yaml"  # a real edit: a post's title changes
        title = "title: Chair" if "title: Director" in person.read_text() else "title: Director"
        person.write_text(re.sub(r"title: \w+", title, person.read_text()))
        wall, rss, out = run([odg, "build", "--data", "data", "--seeds", "seeds", "--dist", "dist"], cwd=files)
        assert "incremental:" in out, out
        r.update(rebuild_one_edit=wall, rebuild_one_edit_rss=rss,
                 rebuild_blocks=re.search(r"(\d+ of \d+) blocks", out).group(1))  # type: ignore[union-attr]
        wall, rss, _ = run([odg, "validate", "--no-cache", "--data", "data", "--seeds", "seeds"], cwd=files)
        r.update(validate=wall, validate_rss=rss)
        wall, rss, _ = run([odg, "validate", "--engine", "pyshacl", "--data", "data", "--seeds", "seeds"], cwd=files)
        r.update(validate_pyshacl=wall, validate_pyshacl_rss=rss)
        shutil.rmtree(files / ".odg-cache", ignore_errors=True)
        wall, rss, _ = run([odg, "validate", "--data", "data", "--seeds", "seeds"], cwd=files)  # writes the cache
        r.update(validate_cache_write=wall, validate_cache_write_rss=rss)
        edited = files / "data" / "organisations" / "org-000001.yaml"
        edited.write_text(edited.read_text().replace("name: Organisation 000001", "name: Organisation One"))
        wall, rss, out = run([odg, "validate", "data/organisations/org-000001.yaml", "--seeds", "seeds"], cwd=files)
        assert out.strip() == "conforms: no problems found", out
        r.update(odg_validate_one_file=wall, odg_validate_one_file_rss=rss)
        # odg diff of two releases with 1 % of the organisations changed (a name each), the changelog as JSON
        old = base / "diff-old"
        old.mkdir(exist_ok=True)
        shutil.copy2(files / "dist" / "opendata-graph.nt", old / "opendata-graph.nt")
        for org in sorted((files / "data" / "organisations").glob("org-*.yaml"))[50::100]:
            org.write_text(org.read_text().replace("name: Organisation ", "name: Renamed organisation ", 1))
        run([odg, "build", "--data", "data", "--seeds", "seeds", "--dist", "dist"], cwd=files)
        wall, rss, _ = run([odg, "diff", str(old / "opendata-graph.nt"), "dist", "--format", "json", "-o",
                            str(base / "diff.json")], cwd=files)  # a dump file: a directory needs its SHA256SUMS
        kinds = json.loads((base / "diff.json").read_text())["kinds"].values()
        r.update(diff=wall, diff_rss=rss, diff_entities=sum(len(v) for k in kinds for v in k.values()))
        # odg site: one page per entity (target at 1M triples: <= 60 s, <= 10 files per entity), cold
        shutil.rmtree(base / "site", ignore_errors=True)
        wall, rss, out = run([odg, "site", str(base / "site"), "--dist", "dist"], cwd=files)
        written = sum(1 for f in (base / "site").rglob("*") if f.is_file())
        pages = int(re.findall(r"pages: \d+ of (\d+)", out)[-1])  # type: ignore[index]
        r.update(site=wall, site_rss=rss, site_files=written, site_pages=pages,
                 site_bytes=sum(f.stat().st_size for f in (base / "site").rglob("*") if f.is_file()))
        out = run([python, "-c", ODG_QUERIES, str(files / "dist"), str(ROOT / "queries")])[2]
        r["queries_odg"] = float(re.search(r"QUERY_SECONDS ([\d.]+)", out).group(1))  # type: ignore[union-attr]
        out = run([python, "-c", DIRECT_QUERIES, str(files / "dist" / "opendata-graph.nt"), str(ROOT / "queries")])[2]
        r["queries_pyoxigraph"] = float(re.search(r"QUERY_SECONDS ([\d.]+)", out).group(1))  # type: ignore[union-attr]
        naive_out = base / "naive"
        naive_out.mkdir(exist_ok=True)
        wall, rss, out = run([python, "-c", NAIVE, str(files / "data"), str(naive_out)], timeout=NAIVE_TIMEOUT)
        r.update(naive=wall, naive_rss=rss, naive_stages=dict(re.findall(r"^NAIVE (\S+) ([\d.]+)", out, re.M)))
        if morph is not None:
            table = base / "csv" / "data" / "organisations" / "organisations.csv"
            mapping = (ROOT / "benchmarks" / "peers" / "organisations.rml.ttl").read_text().replace("TABLE", str(table))
            (base / "mapping.rml.ttl").write_text(mapping)
            (base / "morph.ini").write_text(f"[CONFIGURATION]\noutput_file={base / 'morph.nt'}\n"
                                            f"[DataSource1]\nmappings={base / 'mapping.rml.ttl'}\n")
            wall, rss, _ = run([str(morph / "python"), "-m", "morph_kgc", str(base / "morph.ini")])
            with (base / "morph.nt").open("rb") as f:
                r.update(morph=wall, morph_rss=rss, morph_triples=sum(1 for _ in f))
            wall, rss, _ = run([python, "-c", MATERIALISE, str(base / "csv" / "data")])
            r.update(materialise_csv=wall, materialise_csv_rss=rss)
        if linkml is not None and n <= 200:
            container = base / "linkml-organisations.yaml"
            organisations = [{**json.loads(json.dumps(x)), "id": "og:" + str(x["id"])}  # CURIEs for LinkML
                             for k, x in generate.records(n)[0] if k == "organisations"]
            import yaml
            container.write_text(yaml.safe_dump({"organisations": organisations}, sort_keys=False))
            schema = str(ROOT / "benchmarks" / "peers" / "organisations.linkml.yaml")
            wall, rss, _ = run([str(linkml / "linkml-convert"), "-s", schema, "-C", "Container", "-o",
                                str(base / "linkml.ttl"), str(container)])
            r.update(linkml_convert=wall, linkml_convert_rss=rss)
            wall, rss, _ = run([str(linkml / "linkml-validate"), "-s", schema, "-C", "Container", str(container)])
            r.update(linkml_validate=wall)
            wall, rss, _ = run([python, "-c", MATERIALISE, str(files / "data")])
            r.update(materialise_files=wall)
        r["calibration_after"] = calibration()
        rows.append(r)
        print(json.dumps(r), flush=True)
    return rows


MATERIALISE = """
import sys
from pathlib import Path
from opendata_graph.core import paths
from opendata_graph.stages.convert import convert
from opendata_graph.source.load import load
from opendata_graph.core.serialize import ntriples
from opendata_graph.stages.validate import load_turtle_dir
dataset = load(Path(sys.argv[1]))
rows = convert(dataset, "https://w3id.org/opendata-graph/", load_turtle_dir(paths.ontology_dir())).triples()
Path("/dev/null").write_bytes(ntriples(rows))
"""


def calibration() -> float:
    """Seconds for a fixed pure-Python loop: shows how fast this shared machine was at that moment."""
    t = time.perf_counter()
    x = 0
    for i in range(20_000_000):
        x += i
    return time.perf_counter() - t


def startup(seed_dist: Path) -> dict[str, float]:
    odg = str(BIN / "odg")
    build_times = sorted(run([odg, "build", "--no-cache", "--dist", str(seed_dist)], cwd=ROOT)[0] for _ in range(3))
    help_times = sorted(run([odg, "--help"])[0] for _ in range(5))
    query = str(ROOT / "queries" / sorted(p.name for p in (ROOT / "queries").glob("*.rq"))[0])
    query_times = sorted(run([odg, "query", query, "--dist", str(seed_dist)])[0] for _ in range(5))
    return {"help": help_times[2], "query": query_times[2], "seed_build": build_times[1]}


def report(rows: list[dict[str, object]], start: dict[str, float]) -> str:
    def f(x: object) -> str:
        return f"{x:.2f}" if isinstance(x, float) else str(x) if x is not None else "–"  # noqa: RUF001

    def ratio(a: object, b: object) -> str:
        if not (isinstance(a, float) and isinstance(b, float) and a):
            return "–"  # noqa: RUF001
        return f"{b / a:.1f}×"  # noqa: RUF001

    lines = [
        "| triples | odg build (YAML files) s / MB | stages load·convert·validate·cache·serialise·write·store "
        "| odg build (CSV) s / MB | odg build --no-cache, YAML / CSV s (MB) "
        "| naive rdflib+pyshacl s / MB | speed-up | rebuild after 1 edit s / MB (blocks rendered) "
        "| odg validate s / MB | pyshacl validate s "
        "| speed-up | odg validate writing its cache s / MB | validate after 1 edit (incremental) s / MB "
        "| query files odg / pyoxigraph s | odg ÷ pyoxigraph | Morph-KGC s (triples) "
        "| odg materialise CSV s | linkml-convert s / MB | odg materialise YAML s | linkml-validate s |",
        "|" + "---|" * 20,
    ]
    for r in rows:
        st = r["stages"]
        assert isinstance(st, dict)
        lines.append(
            f"| {r['triples']:,} | {f(r['build'])} / {r['build_rss']:,.0f} | "
            + "·".join(f"{st.get(k, 0):.1f}"
                       for k in ("load", "convert", "validate", "cache", "serialise", "write", "store"))
            + f" | {f(r['build_csv'])} / {r['build_csv_rss']:,.0f} | {f(r['oneshot_files'])} / "
            f"{f(r['oneshot_csv'])} ({r['oneshot_files_rss']:,.0f} / {r['oneshot_csv_rss']:,.0f}) | "
            f"{f(r['naive'])} / {r['naive_rss']:,.0f} | "
            f"{ratio(r['build'], r['naive'])} | {f(r['rebuild_one_edit'])} / {r['rebuild_one_edit_rss']:,.0f} "
            f"({r['rebuild_blocks']}) | {f(r['validate'])} / "
            f"{r['validate_rss']:,.0f} | {f(r['validate_pyshacl'])} | {ratio(r['validate'], r['validate_pyshacl'])} | "
            f"{f(r['validate_cache_write'])} / {r['validate_cache_write_rss']:,.0f} | "
            f"{f(r['odg_validate_one_file'])} / {r['odg_validate_one_file_rss']:,.0f} | "
            f"{f(r['queries_odg'])} / {f(r['queries_pyoxigraph'])} | "
            f"{ratio(r['queries_pyoxigraph'], r['queries_odg'])} | "
            f"{f(r.get('morph'))} ({r.get('morph_triples', '-')}) | {f(r.get('materialise_csv'))} | "
            f"{f(r.get('linkml_convert'))} / {f(r.get('linkml_convert_rss'))} | {f(r.get('materialise_files'))} | "
            f"{f(r.get('linkml_validate'))} |")
    lines.append("")
    for r in rows:  # every dump of the cold build, the quad dumps (N-Quads, TriG) included
        dumps = r.get("dumps") or {}
        if isinstance(dumps, dict) and dumps:
            lines.append(f"- dumps at {r['triples']:,} triples (MB): "
                         + ", ".join(f"{k.removeprefix('opendata-graph.')} {v / 1e6:,.1f}" for k, v in dumps.items())
                         + f"; all {sum(dumps.values()) / 1e6:,.1f}, gzip copies "
                         f"{sum(v for k, v in dumps.items() if k.endswith('.gz')) / 1e6:,.1f}")
    for r in rows:
        if "diff" in r:
            n = r["diff_entities"]
            lines.append(f"- `odg diff` of two releases at {r['triples']:,} triples, "
                         f"{n} entit{'y' if n == 1 else 'ies'} "
                         f"changed (1 % of the organisations): {f(r['diff'])} s / {r['diff_rss']:,.0f} MB")
    for r in rows:
        if "site" in r:
            lines.append(f"- `odg site` at {r['triples']:,} triples: {f(r['site'])} s / {r['site_rss']:,.0f} MB, "
                         f"{r['site_pages']:,} pages, {r['site_files']:,} files "
                         f"({r['site_files'] / max(1, r['site_pages']):.1f} per page), "  # type: ignore[operator]
                         f"{r['site_bytes'] / 1e6:,.0f} MB")  # type: ignore[operator]
    lines.append("")
    lines.append("Machine speed check, a fixed 20M-iteration Python loop (if its time varies, so did the shared "
                 "machine's speed during the run): "
                 + "; ".join(f"{r['triples']:,} triples: {r['calibration_before']:.2f} s before, "
                             f"{r['calibration_after']:.2f} s after" for r in rows) + ".")
    for r in rows:
        naive = r.get("naive_stages") or {}
        if isinstance(naive, dict) and naive:
            lines.append(f"- naive pipeline at {r['triples']:,} triples, by stage (s): "
                         + ", ".join(f"{k} {v}" for k, v in naive.items()))
    lines += ["", f"Start-up (median of 5): `odg --help` {start['help']:.2f} s, `odg query` on the seed release "
              f"{start['query']:.2f} s; seed release `odg build --no-cache` (cold, median of 3) "
              f"{start['seed_build']:.2f} s."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20,185,1800", help="organisations per registry, comma-separated")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "odg-bench")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    seed_dist = args.work / "seed-dist"
    start = startup(seed_dist)
    rows = bench([int(x) for x in args.sizes.split(",")], args.work, not args.no_peers)
    table = report(rows, start)
    print(table)
    # the hand-written sections after the generated table (A/B runs, notes) are kept
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    kept = previous[previous.index("\n## "):] if "\n## " in previous else ""
    args.out.write_text(
        "# Benchmarks\n\nWritten by `make bench` (benchmarks/bench.py); one whole-process run per cell, wall seconds "
        "and peak RSS, all in the same run.\n\n"
        f"Machine: {machine()}. Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
        "Naive pipeline: the same records loaded and converted by odg, then an rdflib Graph, `pyshacl.validate` "
        "with its defaults and rdflib's Turtle, N-Triples and JSON-LD writers. Morph-KGC maps only the flat "
        "columns of the organisations table (its triple count is given): compare its time with odg's "
        "materialisation of the whole CSV registry. LinkML converts the organisation records only. "
        "`odg build` (cold: no cache, no previous release) also writes the cache the next build starts from; "
        "`odg build --no-cache` is the one-shot build of a CI release, which writes no cache.\n\n"
        + table + "\n" + kept, encoding="utf-8")
    shutil.rmtree(seed_dist, ignore_errors=True)


if __name__ == "__main__":
    main()
