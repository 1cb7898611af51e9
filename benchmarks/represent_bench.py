"""What a resource's description costs to write in each format `odg serve` offers (the first request for it; the
server caches the bytes), per record of a built release, median of N runs over every record.

    python benchmarks/represent_bench.py [--release dist] [--runs 5]

No target: it says what RDF/XML (pyoxigraph's writer over the rendered N-Triples) costs next to the release's own
writers. The description is looked up once per record; only the writing is timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyoxigraph import RdfFormat, parse  # noqa: E402

from opendata_graph.core.formats import RESOURCE  # noqa: E402
from opendata_graph.core.namespaces import DEFAULT_BASE  # noqa: E402
from opendata_graph.source.schema import minted_record  # noqa: E402
from opendata_graph.web.serve import describe, load_app, represent  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--release", type=Path, default=ROOT / "dist")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = load_app(args.release, DEFAULT_BASE, None, timeout=10, max_results=10, in_memory=True)
    try:
        records = sorted({t.subject.value for t in parse(path=str(args.release / "opendata-graph.nt"),
                                                         format=RdfFormat.N_TRIPLES)
                          if minted_record(t.subject.value, DEFAULT_BASE) is not None})
        descriptions = [describe(app.store, iri, app.site.locate) for iri in records]
        medians = {}
        for f in RESOURCE:
            runs = []
            for _ in range(args.runs):
                start = time.perf_counter()
                for triples in descriptions:
                    represent(triples, f.media_type, DEFAULT_BASE, app.site.terms)
                runs.append((time.perf_counter() - start) / len(records) * 1000)
            medians[f.name] = statistics.median(runs)
            print(f"{f.name:10s} {medians[f.name]:6.2f} ms per record (median of {args.runs}, {len(records)} records; "
                  f"runs {', '.join(f'{r:.2f}' for r in runs)})")
        turtle = medians[RESOURCE[0].name]
        print("ratio to " + RESOURCE[0].name + ": " + ", ".join(f"{k} {v / turtle:.2f}" for k, v in medians.items()))
    finally:
        app.close()


if __name__ == "__main__":
    main()
