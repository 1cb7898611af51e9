"""``odg build``: load -> convert -> validate -> publish, nothing published unless validation passes.

A build leaves a cache beside the data (:mod:`opendata_graph.incremental` for validation,
:mod:`opendata_graph.rebuild` for publication); the next build re-validates and re-renders only what the files
edited since affect, and writes the same bytes a full build would.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError
from .namespaces import DEFAULT_BASE
from .publish import Release, Written
from .shapes import DEFAULT_ENGINE
from .terms import value_of
from .validate import Report


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
    engine: str = DEFAULT_ENGINE
    cache: bool = True  #: read and write the build cache (``.odg-cache/`` beside the data, or ``$ODG_CACHE``)


@dataclass
class Outcome:
    report: Report
    files: dict[str, Written]
    timings: dict[str, float] = field(default_factory=dict)
    incremental: bool = False  #: a rebuild from the cache of the previous build
    rendered: int = 0  #: blocks of the dumps rendered (all of them in a full build)
    blocks: int = 0  #: blocks in the release


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Laps:
    """Seconds per stage, reported as they finish."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.t0 = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = now - self.t0
        self.t0 = now
        self.progress(f"{step}: {self.timings[step]:.2f} s (peak memory so far {peak_rss_mb():,.0f} MB)")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection during a build.

    A build holds millions of small objects and makes no reference cycles worth collecting; the collector's
    full passes over them cost a fifth of a million-triple build. Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def failed(report: Report) -> BuildError:
    return BuildError(f"validation failed ({report.summary()}); nothing was published, dist/ is unchanged",
                      details=[str(r) for r in report.results])


def build(opts: Options, progress: Callable[[str], None] = lambda _: None) -> Outcome:
    """Build and publish a release; raises :class:`BuildError` (nothing written) when validation fails.

    With ``opts.cache`` and the cache of a previous build, only what changed since is validated and rendered
    again (:func:`opendata_graph.rebuild.rebuild`); otherwise, or when the cache cannot answer, a full build.
    """
    from .incremental import cache_dir
    from .locks import cache_lock, dist_lock, held

    with contextlib.ExitStack() as locks, paused_gc():
        if opts.cache:  # always in this order: the cache, then the release
            locks.enter_context(held(cache_lock(cache_dir(opts.data)), progress))
        locks.enter_context(held(dist_lock(opts.dist), progress))
        if opts.cache and opts.engine == DEFAULT_ENGINE:
            from .incremental import CacheUnusable
            from .rebuild import rebuild

            try:
                return rebuild(opts, progress)
            except CacheUnusable as exc:
                progress(f"full build ({exc})")
        return full_build(opts, progress)


def full_build(opts: Options, progress: Callable[[str], None] = lambda _: None) -> Outcome:
    """Load, convert, validate and publish everything (and write the cache for the next build)."""
    from . import serialize
    from .convert import convert_files, vocabulary
    from .incremental import Inputs, full_results, start_cache, start_store
    from .load import load
    from .publish import publish, render_blocks
    from .validate import load_turtle_dir, validate_parts

    lap = Laps(progress)
    dataset = load(opts.data)
    lap("load")
    ontology = load_turtle_dir(opts.ontology)
    conversion = convert_files(dataset, opts.base)
    vocab = vocabulary(ontology)
    triples = sorted(set(vocab).union(*conversion.rows.values()))  # tuple order is N-Triples line order
    lap("convert")
    inputs = Inputs(opts.data, opts.ontology, opts.shapes, opts.queries, opts.seeds, opts.base)
    store = None
    if opts.cache:  # the cache's store loads on the second core from now on
        try:
            store = start_store(inputs, conversion, vocab)
        except OSError as exc:  # the release stands; the next build will simply be a full one again
            progress(f"note: the build cache was not written ({exc})")
    nt = serialize.ntriples(triples, ordered=True)
    parts = validate_parts(dataset, conversion.located, triples, opts.shapes, opts.queries, opts.seeds,
                           opts.engine, nt)
    del nt
    report = Report.of(parts)
    lap("validate")
    if not report.conforms(opts.strict):
        if store is not None:
            store.cancel()
        raise failed(report)
    cache = None
    if store is not None:
        try:
            cache = start_cache(inputs, dataset, conversion, vocab, store)
        except OSError as exc:
            progress(f"note: the build cache was not written ({exc})")
        lap("cache")
    documents = sorted(value_of(conversion.located.iri(d.kind.segment, d.id)) for d in dataset.of_kind("document"))
    release = Release(opts.base, dataset.release, documents, ontology, load_turtle_dir(opts.shapes, "shapes"))
    results = full_results(parts)
    del dataset, conversion, parts  # the records and the source map are not needed to write the release
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="odg-gzip") as pool:
        blocks = render_blocks(triples, opts.base, lambda data: pool.submit(serialize.gzipped, data))
        del triples
        lap("serialise")
        files = publish(blocks, release, opts.dist)
    lap("write")
    if cache is not None:
        from .rebuild import save

        try:
            save(inputs, cache.finish(results), opts.dist, blocks, files)
        except OSError as exc:
            progress(f"note: the build cache was not written ({exc})")
        lap("store")
    return Outcome(report, files, lap.timings, rendered=len(blocks), blocks=len(blocks))
