"""``odg build``: load -> convert -> validate -> publish, nothing published unless validation passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .convert import convert
from .errors import BuildError
from .load import load
from .namespaces import DEFAULT_BASE
from .publish import release_files, write_release
from .serialize import ntriples
from .terms import value_of
from .validate import Report, load_turtle_dir, validate


@dataclass
class Options:
    """Inputs and outputs of a build; defaults come from :mod:`opendata_graph.paths`."""

    data: Path
    ontology: Path
    shapes: Path
    queries: Path
    dist: Path
    seeds: Path | None
    base: str = DEFAULT_BASE
    strict: bool = False
    engine: str = "native"


@dataclass
class Outcome:
    report: Report
    files: dict[str, bytes]
    timings: dict[str, float] = field(default_factory=dict)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(opts: Options, progress: Callable[[str], None] = lambda _: None) -> Outcome:
    """Build and publish a release; raises :class:`BuildError` (nothing written) when validation fails."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        timings[step] = now - t0
        t0 = now
        progress(f"{step}: {timings[step]:.2f} s (peak memory so far {peak_rss_mb():,.0f} MB)")

    dataset = load(opts.data)
    lap("load")
    ontology = load_turtle_dir(opts.ontology)
    graph = convert(dataset, opts.base, ontology)
    triples = graph.triples()
    lap("convert")
    nt = ntriples(triples)
    report = validate(dataset, graph, triples, opts.shapes, opts.queries, opts.seeds, opts.engine, nt)
    lap("validate")
    if not report.conforms(opts.strict):
        raise BuildError(f"validation failed ({report.summary()}); nothing was published, dist/ is unchanged",
                         details=[str(r) for r in report.results])
    documents = [value_of(graph.iri("document", d.id)) for d in sorted(dataset.of_kind("document"), key=lambda r: r.id)]
    release = dataset.release
    del dataset, graph  # the records and the source map are not needed to write the release: free them first
    files = release_files(triples, opts.base, release, documents, ontology, load_turtle_dir(opts.shapes), nt)
    lap("serialise")
    write_release(files, opts.dist)
    lap("write")
    return Outcome(report, files, timings)
