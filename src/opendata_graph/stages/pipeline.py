"""The one pipeline: load -> convert -> validate -> publish, for everything or for what changed.

:func:`build` and :func:`validate` are what ``odg build`` and ``odg validate`` run (the CLI only parses
arguments). Each stage is a module of its own, called from here and calling nothing above it:

    load (YAML/CSV -> records) -> convert (records -> triples, with a source map) -> validate (SHACL, violation
    queries, quotes) -> publish (blocks of the dumps -> dist/)

Each stage takes everything or what changed since the build cache's state (:class:`opendata_graph.stages.cache.
Cache`, on by default, persistence only): ``source.changes.reload`` / ``load``, ``convert_files`` of some records
or all, ``validate.recheck`` / ``validate.Checking``, ``publish.Rerender`` / ``publish.iter_blocks``. A build
is one path (:func:`_publish`) over a :class:`Work` of either kind, :class:`Changes` or :class:`Everything`
(when the cache cannot answer: :class:`CacheUnusable`), and writes the bytes a full run writes; the cache is
written for the next run. Nothing is published unless validation passes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pyoxigraph import Store

from ..core import allocator, outputs, serialize
from ..core.errors import BuildError, ConfigError, ErrorList, Location, OdgError
from ..core.locks import cache_lock, dist_lock, held
from ..core.terms import Row, value_of
from ..releases import releases
from ..source import changes
from ..source.load import Dataset, Record, load, local_copies
from ..source.schema import KIND_BY_DIRECTORY, use_ontology
from ..stores.query import query_files
from . import locality, pictures
from .cache import Cache, CacheUnusable, cache_dir
from .convert import FileConversion, Graph, convert_files, vocabulary
from .options import Options
from .publish import Block, Release, Rerender, Spool, Written, iter_blocks, publish_stream
from .validate import (
    Checking,
    Report,
    Result,
    check_quotes,
    load_ontology_document,
    load_turtle_dir,
    local_shapes,
    recheck,
)

Progress = Callable[[str], None]
#: The stages of a build and of a validation, in order (each reported as it ends: :class:`Laps`). A full build
#: renders the release while it validates: "serialise" ends with the last block rendered, "validate" when the
#: validation (begun with the rendering) has answered too.
BUILD_STAGES = ("load", "convert", "serialise", "validate", "cache", "write", "store")
VALIDATE_STAGES = ("load", "convert", "validate")
#: Rows a build feeds its checks at a time.
FEED_CHUNK = 50_000


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

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.t0 = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = now - self.t0
        self.t0 = now
        message = f"{step}: {self.timings[step]:.2f} s (peak memory so far {peak_rss_mb():,.0f} MB)"
        stage = getattr(self.progress, "stage", None)  # a bar over the stages (progress.Stages), or lines
        if stage is not None:
            stage(step, message)
        else:
            self.progress(message)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection during a run.

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


# -- odg build ---------------------------------------------------------------------------------------------------

def build(opts: Options, progress: Progress = lambda _: None) -> Outcome:
    """Build and publish a release; raises :class:`BuildError` (nothing written) when validation fails.

    One path: the stages are given what changed since the cache's last build (:class:`Changes`) or, when the
    cache cannot answer (none, another fingerprint, ``dist/`` touched...), everything (:class:`Everything`), and
    :func:`_publish` writes the release from either. Memory freed is given back to the system as it is freed
    (:func:`allocator.give_back_freed`: at 1M triples a build's peak goes from ~730-790 to ~670 MB, ~3 % slower)."""
    claim_dist(opts)
    allocator.give_back_freed()
    with contextlib.ExitStack() as locks, paused_gc():
        if opts.cache:  # always in this order: the cache, then the release
            locks.enter_context(held(cache_lock(cache_dir(opts.data)), progress))
        locks.enter_context(held(dist_lock(opts.dist), progress))
        cache = Cache(opts) if opts.cached else None
        work: Work | None = None
        if cache is not None:
            try:
                work = Changes(opts, cache, Laps(progress))
            except CacheUnusable as exc:
                progress(f"full build ({exc})")
        return _publish(opts, work or Everything(opts, cache, Laps(progress)))


def claim_dist(opts: Options) -> None:
    """Refuse (exit 2, before anything is written) a release directory that is not odg's or that overlaps an
    input (:func:`outputs.claim`)."""
    outputs.claim(opts.dist, outputs.RELEASE, {"data": opts.data, "ontology": opts.ontology, "shapes": opts.shapes,
                                               "queries": opts.queries, "seeds": opts.seeds,
                                               "build cache": cache_dir(opts.data)})


class Work(Protocol):
    """A build's stages, run for everything or for what changed: what :func:`_publish` writes a release from."""

    lap: Laps
    incremental: bool

    def release(self) -> Release:
        """The release's description besides its blocks."""

    def blocks(self, compress: Callable[[bytes], Any], park: Callable[[str, bytes], Any],
               terms: serialize.Terms) -> Iterator[Block]:
        """The blocks of the dumps, rendered again where they changed."""

    def gate(self) -> None:
        """Before the release is swapped in: raise :class:`BuildError` unless the checks passed."""

    def abort(self) -> None:
        """The build failed or was interrupted: stop what still runs; the cache is not kept."""

    def keep(self, blocks: Sequence[Block], files: Mapping[str, Written]) -> Outcome:
        """The release is in ``dist/``: record it in the cache; what the build did."""


def _publish(opts: Options, work: Work) -> Outcome:
    """Write the release of ``work`` into ``dist/`` (swapped in only once its checks passed: ``gate``)."""
    release = work.release()
    try:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="odg-gzip") as pool, Spool(opts.dist) as spool:
            # each block is written into the staged release as it is rendered (the Turtle dump, whose head names
            # every prefix used, is parked in the spool and written last)
            stream = work.blocks(lambda data: pool.submit(serialize.gzipped, data), spool.deferred, release.terms)
            blocks, files = publish_stream(stream, release, opts.dist, rendered=lambda: work.lap("serialise"),
                                           gate=work.gate)
    except BaseException:
        work.abort()
        raise
    work.lap("write")
    return work.keep(blocks, files)


class Everything:
    """Every stage over everything: load and convert every file; the checks run on other threads while the
    blocks are rendered, and the release is swapped in only once their report conforms. With ``cache``, it is
    written anew for the next build."""

    incremental = False

    def __init__(self, opts: Options, cache: Cache | None, lap: Laps) -> None:
        self.opts, self.cache, self.lap = opts, cache, lap
        prepared = _prepare(opts, cache, lap)
        self.dataset, self.conversion, self.triples = prepared.dataset, prepared.conversion, prepared.triples
        self.stop_checks = prepared.checking.stop
        self.checking = _validation(opts, prepared, cache)
        self.report: Report | None = None
        self.parts: dict[str, list[Result]] = {}

    def release(self) -> Release:
        return _release(self.opts, self.dataset.release,
                        {r.id: r.kind.segment for r in self.dataset.records.values()},
                        pictures.release_files(pictures.store_of(self.triples), self.opts.base))

    def blocks(self, compress: Callable[[bytes], Any], park: Callable[[str, bytes], Any],
               terms: serialize.Terms) -> Iterator[Block]:
        triples, self.triples = self.triples, []  # the stream alone holds the rows, until the last block
        for block in iter_blocks(triples, self.opts.base, compress, park, terms):
            if self.checking.done():  # stopped as soon as the validation is known to have failed
                self._verdict()
            yield block

    def _verdict(self) -> None:
        self.parts = self.checking.result()
        self.report = Report.of(self.parts)
        if not self.report.conforms(self.opts.strict):
            if self.cache is not None:
                self.cache.cancel()
            raise failed(self.report)

    def gate(self) -> None:  # the report conforms, the cache knows the sources
        self._verdict()
        self.lap("validate")
        if self.cache is not None:
            _keep(self.cache, self.lap.progress,
                  functools.partial(self.cache.sources, self.dataset, self.conversion, _verdicts(self.opts)))
            self.lap("cache")

    def abort(self) -> None:
        self.stop_checks()  # the checks stop feeding and end their readers
        if self.cache is not None:
            self.cache.cancel()

    def keep(self, blocks: Sequence[Block], files: Mapping[str, Written]) -> Outcome:
        cache = self.cache
        if cache is not None:
            def record() -> None:
                generation = cache.commit(self.parts)
                if generation is not None:
                    cache.record_release(generation, self.opts.dist, blocks, files)

            _keep(cache, self.lap.progress, record)
            self.lap("store")
        assert self.report is not None
        return Outcome(self.report, dict(files), self.lap.timings, rendered=len(blocks), blocks=len(blocks))


class Changes:
    """Every stage over what changed since the cache's last build (:func:`_incremental`); the blocks of the
    previous release rendered again where their subjects changed. :class:`CacheUnusable` when the cache cannot
    answer, :class:`BuildError` (before anything is rendered) when the checks fail."""

    incremental = True

    def __init__(self, opts: Options, cache: Cache, lap: Laps) -> None:
        self.opts, self.cache, self.lap = opts, cache, lap
        self.generation, self.previous = cache.previous_release(opts.dist)
        with use_ontology(load_turtle_dir(opts.ontology)):
            delta = _incremental(opts, cache)
        lap("validate")
        if not delta.report.conforms(opts.strict):
            raise failed(delta.report)
        if delta.manifest.get("generation") != self.generation:
            raise CacheUnusable("the validation cache was rewritten since the previous build")
        self.report, self.manifest = delta.report, delta.manifest
        self.store = delta.store or cache.store()
        self.pending = cache.pending()
        self.rendered = 0

    def release(self) -> Release:
        kinds = {i: kind for f in self.manifest["files"].values() for i, (kind, *_) in f["ids"].items()}
        return _release(self.opts, self.manifest.get("release") or {}, kinds,
                        pictures.release_files(self.store, self.opts.base))

    def blocks(self, compress: Callable[[bytes], Any], park: Callable[[str, bytes], Any],
               terms: serialize.Terms) -> Iterator[Block]:
        new, self.rendered = Rerender(self.store, self.opts.base, compress, terms).apply(self.previous, self.pending)
        yield from new

    def gate(self) -> None:  # checked before anything was rendered
        pass

    def abort(self) -> None:  # the cache stays as updated: its pending subjects are rendered by the next build
        pass

    def keep(self, blocks: Sequence[Block], files: Mapping[str, Written]) -> Outcome:
        self.lap.progress(f"incremental: {len(self.pending)} changed subject(s), {self.rendered} of {len(blocks)} "
                          "blocks rendered again")
        self.cache.record_release(self.generation, self.opts.dist, blocks, files)
        self.cache.published(self.pending)
        return Outcome(self.report, dict(files), self.lap.timings, incremental=True, rendered=self.rendered,
                       blocks=len(blocks))


# -- odg validate ------------------------------------------------------------------------------------------------

def validate(opts: Options, progress: Progress = lambda _: None) -> Report:
    """The report of every check of a data directory (nothing is published): from the cache when it can
    answer, else in full (writing the cache for the next run)."""
    lap = Laps(lambda _: None)
    if not opts.cached:
        return Report.of(_check(opts, None, lap).parts)
    cache = Cache(opts)
    with cache.lock(progress):
        try:
            with use_ontology(load_turtle_dir(opts.ontology)):
                delta = _incremental(opts, cache)
            return delta.report
        except CacheUnusable:
            pass
        checked = _check(opts, cache, lap)

        def write() -> None:
            cache.sources(checked.dataset, checked.conversion, _verdicts(opts))
            cache.commit(checked.parts)

        _keep(cache, progress, write)
        return Report.of(checked.parts)


@dataclass
class Delta:
    """A run of what changed (:func:`_incremental`): the report a full run would give, the cache's store if files
    changed, and the cache's manifest as it now stands."""

    report: Report
    store: Store | None
    manifest: dict[str, Any]


def _incremental(opts: Options, cache: Cache) -> Delta:
    """Load, convert and check what changed since the cache was written (each stage given the change only), and
    update the cache; raises :class:`CacheUnusable` when the cache cannot answer, and refuses a deleted record of
    the latest release."""
    manifest = cache.manifest()
    shapes = local_shapes(opts.shapes)
    states = manifest["files"]
    on_disk = changes.source_files(opts.data)
    current = {rel: changes.sha256(path) for rel, path in on_disk.items()}  # before anything is read
    changed = changes.changed(states, on_disk, current)
    store = None
    if not changed:
        cache.touched(manifest, on_disk)
    else:
        try:
            reloaded = changes.reload(opts.data, states, on_disk, changed, manifest.get("release") or {})
        except ErrorList as exc:  # a deleted record is also why references to it fail: say so first
            raise ErrorList(releases.deleted(opts.dist, opts.data, None) + exc.errors) from None
        with cache.update(manifest, on_disk) as update:
            store = update.store
            documents = changes.documents(reloaded.dataset.records)
            texts = local_copies(Dataset(opts.data, documents, {}), opts.seeds)  # the quotes' positions
            conversion = convert_files(reloaded.dataset, opts.base, reloaded.fresh, texts)
            x, old_objects = update.replace(conversion, reloaded.files)
            found = recheck(update.index, update.source_map, x, old_objects, shapes,
                            query_files(opts.queries, violations=True), opts.base,
                            functools.partial(locality.remembered, manifest.get("locality") or {}))
            found["quote"] = _requoted(opts, reloaded, documents)
            update.results(found)
            update.states({rel: changes.file_state(on_disk[rel], current[rel], records) if rel in on_disk else None
                           for rel, records in reloaded.files.items()})
    _none_deleted(opts, {i for f in manifest["files"].values() for i in f["ids"]})
    return Delta(cache.report(), store, manifest)


def _verdicts(opts: Options) -> dict[str, str | None]:
    """Whether each violation query is local (:mod:`.locality`), for the cache to keep: a run after an edit
    reads them back instead of parsing the queries again (rdflib's parser: ~0.2 s and ~30 MB)."""
    return locality.verdicts(qf.text for qf in query_files(opts.queries, violations=True))


def _requoted(opts: Options, reloaded: changes.Reloaded,
              documents: dict[str, Record]) -> tuple[set[str], list[tuple[str, Result]]]:
    """The quote check of the reloaded files (their results replace those of the files' shown paths)."""
    shown = {Location.of(opts.data / rel).path for rel in reloaded.files}
    if opts.seeds is None:
        return shown, []
    records = {**{r.id: r for r in reloaded.fresh}, **documents}
    found = check_quotes(Dataset(opts.data, records, {}), opts.seeds)
    return shown, [(r.location.path, r) for r in found if r.location.path in shown]


def _none_deleted(opts: Options, ids: set[str]) -> None:
    """A record of the latest release must be retired, not deleted (releases.deleted)."""
    errors = releases.deleted(opts.dist, opts.data, ids)
    if errors:
        raise ErrorList(errors)


def data_roots(targets: Sequence[Path]) -> list[Path]:
    """The data directories that record files or directories belong to (``<root>/<kind>/<id>.yaml``)."""
    roots: list[Path] = []
    for target in targets:
        path = target.resolve()
        if path.is_file():
            root = path.parent.parent
        elif path.name in KIND_BY_DIRECTORY:
            root = path.parent
        else:
            root = path
        if not any((root / kind).is_dir() for kind in KIND_BY_DIRECTORY):
            raise OdgError(f"{target} is not in a data directory (<data>/<kind>/<id>.yaml) nor an RDF file")
        if root not in roots:
            roots.append(root)
    return roots


# -- the stages every full run shares ----------------------------------------------------------------------------

class Prepared(NamedTuple):
    dataset: Dataset
    conversion: FileConversion
    ontology: bytes
    triples: list[Row]  #: the whole graph sorted (a build's; empty for a validation)
    checking: Checking  #: fed the whole graph while it was converted, or (a build) by :func:`_validation`


class Checked(NamedTuple):
    dataset: Dataset
    conversion: FileConversion
    parts: dict[str, list[Result]]


def _check(opts: Options, cache: Cache | None, lap: Laps) -> Checked:
    """Load, convert and validate everything (the rows kept only for ``cache``)."""
    prepared = _prepare(opts, cache, lap, building=False)
    try:
        parts = _validation(opts, prepared, cache).result()
    except BaseException:
        prepared.checking.stop()
        if cache is not None:
            cache.cancel()
        raise
    lap("validate")
    return Checked(prepared.dataset, prepared.conversion, parts)


def _prepare(opts: Options, cache: Cache | None, lap: Laps, building: bool = True) -> Prepared:
    """Load and convert everything; with ``cache``, its store begins loading on the second core.

    A validation (``building=False``) streams each file's rows to the checks as soon as the file is converted
    (they parse them on the second core meanwhile: :class:`Checking`) and keeps them only for the cache
    (``triples`` is empty). A build keeps the sorted graph, which :func:`_validation` feeds the checks on a
    thread of their own: a build's two cores are busy rendering by then, and streaming during its conversion
    measured slower (BENCHMARKS.md, issue 28)."""
    ontology = load_turtle_dir(opts.ontology)
    with use_ontology(ontology):  # roles and qualifiers are the concepts of its schemes
        try:
            dataset = load(opts.data)
        except ErrorList as exc:  # a deleted record is also why references to it fail: say so first
            raise ErrorList(releases.deleted(opts.dist, opts.data, None) + exc.errors) from None
    _none_deleted(opts, set(dataset.records))
    lap("load")
    checking = Checking(opts.shapes, opts.queries, opts.engine, opts.base)
    try:
        vocab = vocabulary(ontology)
        if not building:
            checking.feed(vocab)
        conversion = convert_files(dataset, opts.base, texts=local_copies(dataset, opts.seeds),
                                   emit=None if building else checking.feed, keep=building or cache is not None)
        triples = sorted(set(vocab).union(*conversion.rows.values())) if building else []  # N-Triples line order
        lap("convert")
        if cache is not None:
            _keep(cache, lap.progress, lambda: cache.begin(conversion, vocab))
    except BaseException:  # Ctrl-C included: the checks' readers must not wait for a graph that never comes
        checking.abort()
        raise
    return Prepared(dataset, conversion, ontology, triples, checking)


def _validation(opts: Options, prepared: Prepared, cache: Cache | None) -> Future[dict[str, list[Result]]]:
    """The answer of every check of the prepared graph, awaited on a thread of its own (the SHACL engine and the
    store of the violation queries run in Rust without the GIL, on both cores, while the caller renders the
    release)."""
    checking, located, triples = prepared.checking, prepared.conversion.located, prepared.triples

    def run() -> dict[str, list[Result]]:
        try:
            for start in range(0, len(triples), FEED_CHUNK):  # a build's: not fed while converted
                checking.feed(triples[start:start + FEED_CHUNK])
        except BaseException:
            checking.abort()
            raise
        return checking.finish(located, prepared.dataset, opts.seeds)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="odg-validate")
    try:
        return pool.submit(run)
    finally:
        pool.shutdown(wait=False)


def _release(opts: Options, meta: dict[str, Any], kinds: dict[str, str], drawn: Mapping[str, bytes]) -> Release:
    """The release's description besides its blocks (its ontology.ttl: :func:`load_ontology_document`);
    ``kinds``: each record id's kind (IRI segment); ``drawn``: its pictures."""
    if opts.publisher is not None:  # the project file's; release.yaml may say the same, never another
        named = meta.get("publisher")
        if named is not None and named != opts.publisher:
            raise ConfigError(f"release.yaml names the publisher {named!r}, the project file {opts.publisher!r}",
                              Location.of(opts.data / "release.yaml"), "name it in one place")
        meta = {**meta, "publisher": opts.publisher}
    minted = Graph(opts.base)
    documents = sorted(value_of(minted.iri(kind, i)) for i, kind in kinds.items() if kind == "document")
    examples = [value_of(minted.iri(kinds[i], i)) for i in meta.get("featured", []) if i in kinds]
    return Release(opts.base, meta, documents, load_ontology_document(opts.ontology),
                   load_turtle_dir(opts.shapes, "shapes"), examples, drawn, quotes_checked=opts.seeds is not None)


def _keep(cache: Cache, progress: Progress, step: Callable[[], object]) -> None:
    """Run a step that writes the cache; a failure to write it is a note (the next run is simply a full one)."""
    import sqlite3

    try:
        step()
    except (OSError, sqlite3.OperationalError) as exc:  # a full disk reaches the cache's database as the latter
        cache.cancel()
        progress(f"note: the build cache was not written ({exc})")


__all__ = ["Laps", "Options", "Outcome", "build", "data_roots", "failed", "paused_gc", "validate"]


def check_targets(targets: Sequence[Path], opts: Options, seeds: Path, skip_quotes: bool) -> list[Result]:
    """``odg validate``: the data directories ``targets`` belong to (``opts.data`` without targets), each with
    its own source documents, and the RDF files among ``targets`` against ``opts.shapes``; every result."""
    from dataclasses import replace

    from ..core.formats import by_extension
    from ..core.progress import note, staged
    from .options import quote_sources_for
    from .validate import validate_rdf

    rdf_files = [t for t in targets if t.is_file() and by_extension(t.suffix) is not None]
    roots = data_roots([t for t in targets if t not in rdf_files]) if targets else [opts.data]
    results: list[Result] = []
    with paused_gc(), staged(VALIDATE_STAGES * len(roots), "validate", note) as progress:
        for root in roots:
            checked = replace(opts, data=root, seeds=quote_sources_for(root, opts.data, seeds, skip_quotes))
            results += validate(checked, progress).results
        if rdf_files:
            results += validate_rdf(rdf_files, opts.shapes, opts.engine).results
    return results
