"""The build cache: one object through which every stage of a run reads what the previous run left and writes
what the next one needs.

A run over a data directory leaves, beside it (``.odg-cache/``, or ``$ODG_CACHE``):

* ``store/`` -- a pyoxigraph on-disk store holding each source file's triples in a named graph of its own;
* ``cache.sqlite`` -- every result of the run's validation, where each record placed its nodes (the source map),
  and the subjects whose triples changed since the last release was written (``pending``);
* ``manifest.json`` -- each file's SHA-256 (and size, mtime), the ids it defines and refers to, and a fingerprint
  of the shapes, ontology, violation queries, source documents, base IRI, odg version and its code (any change
  there voids the cache); a random ``generation`` names this state;
* ``publish.sqlite`` -- where each block of the dumps landed in ``dist/`` (subjects, counts, byte ranges), for
  the generation it was written from.

:meth:`Cache.validate` answers a run from that state: files whose bytes changed are loaded, checked and converted
again, with the files that refer to an id whose existence, kind or label changed. Their triples replace the old
ones in the store, and with X the subjects of the triples that changed:

* SHACL re-validates X and its neighbours in both directions. A shape's constraints read the focus node's own
  triples and those of its value nodes (types for ``sh:class``, nested shapes, SHACL-SPARQL constraints that
  follow one link from ``$this``), so no other focus node's results can change;
  :func:`opendata_graph.stages.shapes.reach` checks that the shapes read no further, else the cache is not used; the
  engine validates the neighbourhood of those nodes copied from the store, and their results replace the old.
* The ``*-violation.rq`` queries are re-run for the subjects X, the nodes X links to, and the nodes linked from
  the nodes that link to X, over the source files that state something about those subjects.
* Quotes of the changed records are checked again.

The report is the cached one with the results of those nodes replaced: the same results as a full run (tests
compare the two after edits, additions and deletions). :meth:`Cache.previous_release` and the ``pending``
subjects tell the publisher which blocks to render again. Anything unexpected -- no cache, another fingerprint, a
run interrupted while updating (the manifest is marked dirty first), ``dist/`` touched -- raises
:class:`CacheUnusable`, and the run is a full one that writes the cache again (:meth:`Cache.begin`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, Store

from ..core.errors import DataError, ErrorList, Location, OdgError
from ..core.formats import STEM, dump_names
from ..core.locks import cache_lock, held
from ..core.terms import Row, Term, is_literal, rows, to_node, to_oxigraph, value_of
from ..source.load import SOURCE_SUFFIXES, Dataset, Record, check_records, check_references, local_copies, walk
from ..source.schema import KIND_BY_DIRECTORY, KINDS, Kind, Ref
from ..stores.query import query_files
from .convert import Contribution, FileConversion, convert_files
from .options import Options
from .publish import Block, Piece, Range, Stats, Written
from .shapes import Engine, ShapesGraph, inverse_predicates, reach
from .shapes import read as read_shapes
from .validate import Report, Result, check_quotes, load_turtle_dir, shacl_results, violation_result

CACHE_VERSION = 5
VOCABULARY_GRAPH = "urn:odg:vocabulary"
PUBLISH_DB = "publish.sqlite"


class CacheUnusable(Exception):
    """The cache cannot answer this run: run in full (and write it again)."""


def cache_dir(data: Path) -> Path:
    return Path(os.environ["ODG_CACHE"]) if os.environ.get("ODG_CACHE") else data.resolve().parent / ".odg-cache"


@dataclass
class Delta:
    """What :meth:`Cache.validate` found: the report of a full run, the store if files had changed, and the
    manifest as it stands now."""

    report: Report
    store: Store | None
    manifest: dict[str, Any]


class Cache:
    """The cache of one data directory (see the module's description)."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.root = cache_dir(opts.data)
        self._writer: _Writer | None = None

    def lock(self, progress: Callable[[str], None]) -> contextlib.AbstractContextManager[None]:
        """Hold the cache against other runs (always taken before ``dist/``'s lock)."""
        return held(cache_lock(self.root), progress)

    # -- answering a run from the cache -------------------------------------------------------------------
    def validate(self) -> Delta:
        """The report of a full run from the cache and the files that changed; raises :class:`CacheUnusable`.

        The subjects whose triples changed join the ``pending`` table, which the next build reads to know
        which blocks of the dumps to render again.
        """
        manifest = self.manifest()
        shapes = read_shapes(self.opts.shapes, checked=True)  # the fingerprint matched: checked by the full run
        inverse = inverse_predicates(shapes)
        if reach(shapes) > 1 or inverse is None:
            raise CacheUnusable("shapes read further than one link from the focus node")
        if any(p.is_dir() and p.name not in KIND_BY_DIRECTORY for p in self.opts.data.iterdir()):
            raise CacheUnusable("a directory of an unknown kind: the full run reports it")
        files: dict[str, dict[str, Any]] = manifest["files"]
        on_disk = source_files(self.opts.data)
        current = {rel: sha256(path) for rel, path in on_disk.items()}  # before anything is read (Dataset.digests)
        changed = {rel for rel in set(files) | set(on_disk) if rel not in files or rel not in on_disk
                   or current[rel] != files[rel]["sha"]}
        db = _db(self.root / "cache.sqlite")
        if not changed:
            if _refresh_times(files, on_disk):  # touched but unchanged: the manifest shows the current times
                _write_manifest(self.root, manifest)
            return Delta(_report(db), None, manifest)
        update = _Update(self.opts, manifest, on_disk, self.store)
        update.load(changed)
        manifest["dirty"] = True
        _write_manifest(self.root, manifest)
        update.apply(db, shapes, inverse)
        report = _report(db)
        update.record(current)
        _refresh_times(files, on_disk)
        manifest["dirty"] = False
        _write_manifest(self.root, manifest)
        return Delta(report, update.store, manifest)

    def manifest(self) -> dict[str, Any]:
        """The manifest, if it belongs to these inputs (else :class:`CacheUnusable`)."""
        try:
            manifest: dict[str, Any] = json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise CacheUnusable("no cache") from None
        if (manifest.get("version") != CACHE_VERSION or manifest.get("dirty")
                or manifest.get("data") != str(self.opts.data.resolve())
                or manifest.get("fingerprint") != fingerprint(self.opts)):
            raise CacheUnusable("cache of other inputs")
        return manifest

    def store(self) -> Store:
        """The cache's on-disk store (opened read-write); :class:`CacheUnusable` when it cannot be opened."""
        if not (self.root / "store").is_dir():
            raise CacheUnusable("the cache has no store")
        try:
            return Store(str(self.root / "store"))
        except OSError as exc:  # another odg holds it, or it is damaged
            raise CacheUnusable(str(exc)) from None

    # -- writing the cache of a full run ------------------------------------------------------------------
    def begin(self, conversion: FileConversion, vocab: list[Row]) -> None:
        """Begin a new cache (replacing this one): its store loads on a thread of its own from now on."""
        self._writer = _Writer(self.root, StoreLoad(self.root, self.opts.data, conversion, vocab))

    def cancel(self) -> None:
        """Give up the cache begun (it stays without a manifest: unusable)."""
        if self._writer is not None:
            self._writer.load.cancel()
            self._writer = None

    def sources(self, dataset: Dataset, conversion: FileConversion) -> None:
        """Record where each record placed its nodes, and each file's digest, ids and references."""
        if self._writer is not None:
            self._writer.sources(self.opts, dataset, conversion)

    def commit(self, results: Mapping[str, Sequence[Result]]) -> str | None:
        """Store the run's results, wait for the store, write the manifest; returns the new generation."""
        if self._writer is None:
            return None
        writer, self._writer = self._writer, None
        return writer.finish(results)

    # -- the release written from it ----------------------------------------------------------------------
    def previous_release(self, dist: Path) -> tuple[str, list[Block]]:
        """The previous release's generation and blocks (their pieces as ranges of its files), if ``dist`` is
        still that release (else :class:`CacheUnusable`)."""
        path = self.root / PUBLISH_DB
        if not path.exists():
            raise CacheUnusable("no record of a previous release")
        dist = dist.resolve()
        with contextlib.closing(sqlite3.connect(path)) as db:
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
            if meta.get("dist") != str(dist) or meta.get("base") != self.opts.base:
                raise CacheUnusable("the previous release went elsewhere")
            try:
                if any(_identity(dist / name) != state for name, state in meta["files"].items()):
                    raise CacheUnusable("dist/ changed since the previous build")
            except OSError:
                raise CacheUnusable("dist/ changed since the previous build") from None
            blocks = []
            for last, is_last, subjects, stats, where in db.execute(
                    "SELECT last, is_last, subjects, stats, spans FROM block ORDER BY idx"):
                pieces: dict[str, Piece] = {key: Range(str(dist / f"{STEM}.{key}"), offset, length)
                                            for key, (offset, length) in json.loads(where).items()}
                blocks.append(Block(last, bool(is_last), Stats.from_json(stats), pieces, subjects.split("\n")))
        if not blocks:
            raise CacheUnusable("an empty release")
        return str(meta["generation"]), blocks

    def record_release(self, generation: str, dist: Path, blocks: Sequence[Block],
                       files: Mapping[str, Written]) -> None:
        """Record the blocks of the release just written to ``dist`` (replacing any earlier record)."""
        tmp = self.root / (PUBLISH_DB + ".tmp")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp, isolation_level=None)
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE block (idx INTEGER PRIMARY KEY, last TEXT, is_last INT, subjects TEXT, stats TEXT,
                                spans TEXT);
        """)
        db.execute("BEGIN")
        dist = dist.resolve()
        meta = {"generation": generation, "dist": str(dist), "base": self.opts.base,
                "files": {name: _identity(dist / name) for name in dump_names()}}
        db.executemany("INSERT INTO meta VALUES (?, ?)", ((k, json.dumps(v)) for k, v in meta.items()))

        def where(k: int) -> str:
            return json.dumps({key: (w := files[f"{STEM}.{key}"]).spans[w.lead + k]
                               for key in (name.removeprefix(STEM + ".") for name in dump_names())})

        db.executemany("INSERT INTO block VALUES (?, ?, ?, ?, ?, ?)",
                       ((k, b.last, int(b.is_last), "\n".join(b.subjects or ()), b.stats.to_json(), where(k))
                        for k, b in enumerate(blocks)))
        db.execute("COMMIT")
        db.close()
        os.replace(tmp, self.root / PUBLISH_DB)

    def pending(self) -> set[Term]:
        """The subjects whose triples changed since the last release was written."""
        with contextlib.closing(sqlite3.connect(self.root / "cache.sqlite", isolation_level=None)) as db:
            return {s for (s,) in db.execute("SELECT subject FROM pending")}

    def published(self, subjects: Iterable[Term]) -> None:
        """``subjects`` are in the release now (not any added to ``pending`` since)."""
        with contextlib.closing(sqlite3.connect(self.root / "cache.sqlite", isolation_level=None)) as db:
            db.executemany("DELETE FROM pending WHERE subject = ?", ((s,) for s in subjects))


def _identity(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _report(db: sqlite3.Connection) -> Report:
    return Report(sorted({_result(b) for (b,) in db.execute("SELECT body FROM result")}))


def fingerprint(opts: Options) -> str:
    from importlib.metadata import version

    h = hashlib.sha256()
    release = opts.data / "release.yaml"  # it feeds the release's description: a change is a full build
    h.update(hashlib.sha256(release.read_bytes() if release.is_file() else b"").digest())
    seeds = sorted(p for p in opts.seeds.rglob("*") if p.is_file()) if opts.seeds is not None else []
    for part in (load_turtle_dir(opts.shapes, "shapes"), load_turtle_dir(opts.ontology),
                 *(q.text.encode() for q in query_files(opts.queries, violations=True)),
                 opts.base.encode(), str(opts.seeds).encode(), (opts.publisher or "").encode(),
                 version("opendata-graph").encode(),
                 str(CACHE_VERSION).encode(), code_digest(), *(str(p).encode() + p.read_bytes() for p in seeds)):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


@functools.cache
def code_digest() -> bytes:
    """A digest of odg's own modules: a changed writer or converter (an editable install, a new build of the same
    version) voids the cache, whose blocks it rendered."""
    h = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        h.update(module.name.encode() + b"\0" + hashlib.sha256(module.read_bytes()).digest())
    return h.digest()


def source_files(data: Path, strict: bool = True) -> dict[str, Path]:
    """Every source file of a data directory, by its path relative to it; with ``strict``, a symbolic link or a
    special file among them makes the cache unusable (else it is left out of the cache's manifest)."""
    out = {}
    for kind in sorted(KIND_BY_DIRECTORY):
        directory = data / kind
        if not directory.is_dir():
            continue
        if directory.is_symlink() and strict:
            raise CacheUnusable("a symbolic link: the full run checks where it points")
        with os.scandir(directory) as entries:  # scandir: the file type without one more system call per file
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(SOURCE_SUFFIXES):
                    if not entry.is_file(follow_symlinks=False):  # a link, a directory, a FIFO named *.yaml...
                        if not strict:
                            continue
                        raise CacheUnusable(f"{kind}/{entry.name} is not a regular file: the full run reports it")
                    out[f"{kind}/{entry.name}"] = directory / entry.name
    return out


def graph_name(rel: str) -> NamedNode:
    return NamedNode("urn:odg:file:" + rel)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def references(records: Iterable[Record]) -> list[str]:
    """The ids the records refer to (as :func:`~opendata_graph.source.load.check_references` found them)."""
    out: set[str] = set()
    for r in records:
        if r.references is None:
            r.references = [v for _, spec, v in walk(r.kind.spec, r.data, ()) if isinstance(spec, Ref)
                            and isinstance(v, str)]
        out.update(r.references)
    return sorted(out)


# -- the source map, rebuilt from the contributions of each record -----------------------------------------------------

class SourceMap:
    """``origins`` / ``first_origins`` / ``key_origins`` of a :class:`Graph`, resolved from the cache's table.

    The converter's rules replayed: the last record (in id order) to set ``origins`` wins, the first wins for the
    two others.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.origins = _Resolver(db, "last")
        self.first_origins = _Resolver(db, "first")
        self.key_origins = _Resolver(db, "key")


class _Resolver:
    def __init__(self, db: sqlite3.Connection, kind: str) -> None:
        self.db, self.kind = db, kind
        self.order = "DESC" if kind == "last" else "ASC"

    def get(self, key: Any) -> Location | None:
        k = "\t".join(key) if isinstance(key, tuple) else key
        row = self.db.execute(f"SELECT path, line, col FROM origin WHERE kind = ? AND key = ? "
                              f"ORDER BY record {self.order} LIMIT 1", (self.kind, k)).fetchone()
        return Location(row[0], row[1], row[2]) if row else None


# -- writing the cache after a full run --------------------------------------------------------------------------------

def _db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript("""
        CREATE TABLE IF NOT EXISTS origin (file TEXT, kind TEXT, key TEXT, record TEXT, path TEXT, line INT, col INT);
        CREATE TABLE IF NOT EXISTS result (kind TEXT, key TEXT, file TEXT, body TEXT);
        CREATE TABLE IF NOT EXISTS pending (subject TEXT PRIMARY KEY);
    """)
    return db


def _origin_rows(rel: str, contributions: Iterable[Contribution]) -> Iterator[tuple[Any, ...]]:
    for kind, key, record, loc in contributions:
        yield rel, kind, key, record, loc.path, loc.line, loc.column


def _result_row(kind: str, key: str, r: Result) -> tuple[str, str, str, str]:
    body = json.dumps([r.location.path, r.location.line, r.location.column, r.severity, r.message, r.shape, r.path,
                       r.value, r.focus, r.component, r.source, r.result_path, r.language])
    return kind, key, r.location.path, body


def _result(body: str) -> Result:
    path, line, col, *fields = json.loads(body)
    return Result(Location(path, line, col), *fields)


#: Quads per bulk load: pyoxigraph's bulk loader holds a whole input in memory while it sorts it (~0.9 GB for a
#: million quads); loading in chunks of this size bounds that to ~0.13 GB, and is no slower.
LOAD_CHUNK = 125_000


def _write_nquads(per_file: dict[str, list[Row]], root: Path) -> list[Path]:
    """Each file's rows in its named graph, streamed to N-Quads files of at most :data:`LOAD_CHUNK` lines."""
    paths: list[Path] = []
    lines = LOAD_CHUNK
    f = None
    try:
        for rel, rs in per_file.items():
            g = f" <{graph_name(rel).value}> .\n"
            start = 0
            while start < len(rs):
                if lines >= LOAD_CHUNK:
                    if f is not None:
                        f.close()
                    paths.append(root / f"load-{len(paths):04d}.nq")
                    f = paths[-1].open("w", encoding="utf-8")
                    lines = 0
                part = rs[start:start + LOAD_CHUNK - lines]
                f.writelines(f"{s} {p} {o}{g}" for s, p, o in part)  # type: ignore[union-attr]
                lines += len(part)
                start += len(part)
    finally:
        if f is not None:
            f.close()
    return paths


class StoreLoad:
    """The cache's store, loading chunk by chunk on a thread of its own (pyoxigraph parses and writes without the
    GIL, on the second core) while the caller goes on."""

    def __init__(self, root: Path, data: Path, conversion: FileConversion, vocab: list[Row]) -> None:
        import shutil
        import threading

        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        self.root = root
        per_file = {_rel(data, p): rs for p, rs in conversion.rows.items()}
        per_file[VOCABULARY_GRAPH] = vocab
        self.chunks = _write_nquads(per_file, root)
        self.store = Store(str(root / "store"))
        self.stopped = threading.Event()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="odg-cache")
        self.loader = pool.submit(self._load)
        pool.shutdown(wait=False)

    def _load(self) -> None:
        for path in self.chunks:
            if self.stopped.is_set():
                return
            # lenient: the terms were checked when converted (external IRIs parsed by pyoxigraph, others minted)
            self.store.bulk_load(path=str(path), format=RdfFormat.N_QUADS, lenient=True)
            path.unlink()

    def result(self) -> None:
        """Wait for the load (re-raising its error), flush the store and let go of it."""
        self.loader.result()
        self.store.flush()
        del self.store

    def cancel(self) -> None:
        """Stop after the chunk being loaded, and let go of the store (the cache stays without a manifest)."""
        self.stopped.set()
        self.loader.result()
        del self.store


class _Writer:
    """A cache being written after a full run: the store loads on a thread of its own (pyoxigraph parses and
    writes without the GIL, on the second core) while the run goes on."""

    def __init__(self, root: Path, load: StoreLoad) -> None:
        self.root, self.load = root, load
        self.db = _db(root / "cache.sqlite")
        self.manifest: dict[str, Any] | None = None

    def sources(self, opts: Options, dataset: Dataset, conversion: FileConversion) -> None:
        rel_of = {path: _rel(opts.data, path) for path in conversion.rows}
        db = self.db
        db.execute("BEGIN")
        for path, contributions in conversion.contributions.items():
            db.executemany("INSERT INTO origin VALUES (?, ?, ?, ?, ?, ?, ?)", _origin_rows(rel_of[path],
                                                                                           contributions))
        db.execute("COMMIT")
        by_file: dict[str, list[Record]] = {}
        for r in dataset.records.values():
            by_file.setdefault(_rel(opts.data, r.path), []).append(r)
        files = {}
        for rel, path in source_files(opts.data, strict=False).items():
            st = path.stat()
            mine = by_file.get(rel, [])
            files[rel] = {"sha": dataset.digests.get(path) or sha256(path), "size": st.st_size,
                          "mtime": st.st_mtime_ns, "ids": {r.id: _entry(r) for r in mine},
                          "refs": references(mine)}
        self.manifest = {"version": CACHE_VERSION, "fingerprint": fingerprint(opts),
                         "data": str(opts.data.resolve()), "dirty": False, "files": files,
                         "release": dataset.release}

    def finish(self, results: Mapping[str, Sequence[Result]]) -> str | None:
        """Store the run's results, wait for the store, write the manifest; returns the generation."""
        import uuid

        db = self.db
        db.execute("BEGIN")
        db.executemany("INSERT INTO result VALUES (?, ?, ?, ?)",
                       (_result_row(kind, key_of(kind, r), r) for kind, found in results.items() for r in found))
        db.execute("COMMIT")
        db.execute("CREATE INDEX origin_key ON origin (key, kind)")
        db.execute("CREATE INDEX origin_file ON origin (file)")
        db.execute("CREATE INDEX result_key ON result (kind, key)")
        db.close()
        self.load.result()  # re-raises a failed load: no manifest, no cache
        if self.manifest is None:
            return None
        generation = uuid.uuid4().hex
        _write_manifest(self.root, {**self.manifest, "generation": generation})
        return generation


@functools.lru_cache(maxsize=1 << 16)
def _rel(data: Path, path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if _resolved(path.parent.parent) == _resolved(data) else str(path)


@functools.lru_cache(maxsize=256)
def _resolved(path: Path) -> Path:
    return path.resolve()


def _write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    tmp = root / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest), encoding="utf-8")
    tmp.replace(root / "manifest.json")


# -- the store as the validator's index --------------------------------------------------------------------------------

class StoreIndex:
    """The neighbours of nodes in the on-disk store (the union of the files' graphs)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def neighbours_out(self, node: Term) -> set[Term]:
        if is_literal(node):
            return set()
        return {t for q in self.store.quads_for_pattern(to_node(node), None, None, None)
                if not is_literal(t := str(q.object))}

    def neighbours_in(self, node: Term) -> set[Term]:
        return {str(q.subject) for q in self.store.quads_for_pattern(None, None, to_oxigraph(node), None)}

    def neighbourhood(self, nodes: set[Term], inverse: set[str]) -> list[Row]:
        """Every triple a validation of ``nodes`` can read with shapes of reach 1 (:func:`~opendata_graph.stages.shapes.
        reach`): the nodes' own, their objects' own, those pointing at the nodes by an ``inverse`` predicate (an
        inverse path's or a ``sh:targetObjectsOf``) with their subjects' own, and the vocabulary."""
        found: set[Row] = set(rows(self.store.quads_for_pattern(None, None, None, NamedNode(VOCABULARY_GRAPH))))
        expand: set[Term] = set()
        for n in nodes:
            if is_literal(n):
                continue
            own = rows(self.store.quads_for_pattern(to_node(n), None, None, None))
            found.update(own)
            expand.update(o for _, _, o in own if not is_literal(o))
            for p in inverse:
                for q in self.store.quads_for_pattern(None, NamedNode(p), to_oxigraph(n), None):
                    expand.add(str(q.subject))
        for n in expand - nodes:
            found.update(rows(self.store.quads_for_pattern(to_node(n), None, None, None)))
        return sorted(found)


# -- an update from the files that changed -----------------------------------------------------------------------------

class _Update:
    """The files that changed since the cache was written: loaded, checked, converted, and applied to the store
    and to the cached results."""

    def __init__(self, opts: Options, manifest: dict[str, Any], on_disk: dict[str, Path],
                 open_store: Callable[[], Store]) -> None:
        self.opts, self.manifest, self.on_disk, self.open_store = opts, manifest, on_disk, open_store
        self.files: dict[str, dict[str, Any]] = manifest["files"]
        self.ids = {i: (*entry, rel) for rel, f in self.files.items() for i, entry in f["ids"].items()}
        self.new: dict[str, list[Record]] = {}  #: the records of each file loaded again ([] if it is gone)
        self.records: dict[str, Record] = {}  #: every record: the new in full, the others as stubs
        self.fresh: list[Record] = []
        self.store: Store | None = None

    def load(self, changed: set[str]) -> None:
        """Load the changed files, then the files whose triples depend on an id that changed (labels, kinds);
        raises :class:`ErrorList` with every problem of the new records."""
        errors: list[OdgError] = []
        reload = set(changed)
        while True:
            for rel in sorted(reload - set(self.new)):
                self.new[rel] = _load(self.on_disk[rel], rel, errors) if rel in self.on_disk else []
            touched = _changed_ids(self.files, self.new)
            dependants = {rel for rel, f in self.files.items() if rel in self.on_disk and touched & set(f["refs"])}
            if dependants <= set(self.new):
                break
            reload |= dependants
        if any(r.data.get("part_of") for rs in self.new.values() for r in rs):
            raise CacheUnusable("a record with part_of changed: the full run checks the chains for cycles")
        self.records = _stub_records(self.ids, self.new, self.opts.data)
        self.fresh = [r for rs in self.new.values() for r in rs]
        errors += self._duplicates()
        known = {i for i in self.ids if self.ids[i][-1] not in self.new} | {r.id for r in self.fresh}
        errors += list(check_references(self.records, known, only=self.fresh))
        if errors:
            raise ErrorList(errors)
        self.store = self.open_store()

    def _duplicates(self) -> list[OdgError]:
        errors: list[OdgError] = []
        seen: dict[str, Record] = {}
        for r in self.fresh:
            kept = self.ids.get(r.id, ("",))[-1] not in self.new
            other = seen.get(r.id) or (self.records.get(r.id) if kept else None)
            if other is not None and other is not r:
                errors.append(DataError(f"id {r.id!r} is already used by {other.loc()}", r.loc("id"),
                                        "ids are unique across all kinds; choose another"))
            seen[r.id] = r
        return errors

    def apply(self, db: sqlite3.Connection, shapes: ShapesGraph, inverse: set[str]) -> None:
        """Replace the files' triples in the store, queue the changed subjects, and replace the results of the
        nodes they affect."""
        assert self.store is not None
        store, data = self.store, self.opts.data
        dataset = Dataset(data, self.records, self.manifest.get("release") or {})
        texts = local_copies(Dataset(data, _documents(self.records), {}), self.opts.seeds)  # the quotes' positions
        conversion = convert_files(dataset, self.opts.base, self.fresh, texts)
        x, old_objects = self._replace(store, {_rel(data, p): rs for p, rs in conversion.rows.items()})
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", ((s,) for s in sorted(x)))
        for rel in self.new:
            db.execute("DELETE FROM origin WHERE file = ?", (rel,))
        for path, contributions in conversion.contributions.items():
            db.executemany("INSERT INTO origin VALUES (?, ?, ?, ?, ?, ?, ?)", _origin_rows(_rel(data, path),
                                                                                           contributions))
        index = StoreIndex(store)
        out_x = old_objects.union(*(index.neighbours_out(n) for n in x))
        in_x = set().union(*(index.neighbours_in(n) for n in x))
        affected = x | out_x | in_x
        sourcemap = SourceMap(db)
        found = Engine(shapes).validate(index.neighbourhood(affected, inverse))
        shacl_found = shacl_results(sourcemap, [v for v in found if v.focus in affected], shapes)
        subjects = x | out_x | set().union(*(index.neighbours_out(n) for n in in_x))
        violation_found = _violations(self.opts, store, sourcemap, subjects)
        changed_paths = {Location.of(data / rel).path for rel in self.new}
        quote_found = [r for r in self._quotes() if r.location.path in changed_paths]
        for key in affected:
            db.execute("DELETE FROM result WHERE kind = 'shacl' AND key = ?", (key,))
        for key in subjects:
            db.execute("DELETE FROM result WHERE kind = 'violation' AND key = ?", (key,))
        for shown in changed_paths:
            db.execute("DELETE FROM result WHERE kind = 'quote' AND file = ?", (shown,))
        db.executemany("INSERT INTO result VALUES (?, ?, ?, ?)",
                       [_result_row("shacl", k, r) for k, r in shacl_found]
                       + [_result_row("violation", k, r) for k, r in violation_found]
                       + [_result_row("quote", r.location.path, r) for r in quote_found])
        db.execute("COMMIT")
        store.flush()

    def _replace(self, store: Store, new_rows: dict[str, list[Row]]) -> tuple[set[Term], set[Term]]:
        """Put each reloaded file's triples in its graph; the subjects of the triples that changed, and the
        objects they had."""
        x: set[Term] = set()
        old_objects: set[Term] = set()
        for rel in self.new:
            old = set(rows(store.quads_for_pattern(None, None, None, graph_name(rel))))
            new = set(new_rows.get(rel, []))
            for s, _, o in old ^ new:
                x.add(s)
                if not is_literal(o):
                    old_objects.add(o)
            if store.contains_named_graph(graph_name(rel)):
                store.remove_graph(graph_name(rel))
            store.extend(Quad(to_node(s), NamedNode(value_of(p)), to_oxigraph(o), graph_name(rel)) for s, p, o in new)
        return x, old_objects

    def _quotes(self) -> list[Result]:
        if self.opts.seeds is None:
            return []
        records = {**{r.id: r for r in self.fresh}, **_documents(self.records)}
        return check_quotes(Dataset(self.opts.data, records, {}), self.opts.seeds)

    def record(self, current: dict[str, str]) -> None:
        """The manifest's entries of the reloaded files."""
        for rel, mine in self.new.items():
            if rel in self.on_disk:
                st = self.on_disk[rel].stat()
                self.files[rel] = {"sha": current[rel], "size": st.st_size, "mtime": st.st_mtime_ns,
                                   "ids": {r.id: _entry(r) for r in mine},
                                   "refs": references(mine)}
            else:
                self.files.pop(rel, None)


def _refresh_times(files: dict[str, dict[str, Any]], on_disk: dict[str, Path]) -> bool:
    """Record the size and mtime of files whose content is unchanged; whether any was updated."""
    updated = False
    for rel, state in files.items():
        st = on_disk[rel].stat()
        if (st.st_size, st.st_mtime_ns) != (state["size"], state["mtime"]):
            state["size"], state["mtime"] = st.st_size, st.st_mtime_ns
            updated = True
    return updated


def _load(path: Path, rel: str, errors: list[OdgError]) -> list[Record]:
    kind: Kind = KIND_BY_DIRECTORY[rel.split("/", 1)[0]]
    try:
        checked = check_records(path, kind)
    except OdgError as exc:
        errors.append(exc)
        return []
    out = []
    for record, problems in checked:
        errors.extend(problems)
        out.append(record)
    return out


def _changed_ids(files: dict[str, dict[str, Any]], new_records: dict[str, list[Record]]) -> set[str]:
    """Ids of the reloaded files that appeared, disappeared or changed kind or label."""
    touched: set[str] = set()
    for rel, records in new_records.items():
        old = {i: tuple(v) for i, v in files.get(rel, {}).get("ids", {}).items()}
        new = {r.id: tuple(_entry(r)) for r in records}
        touched |= {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
    return touched


def _entry(r: Record) -> list[str | None]:
    """What the manifest keeps of a record for the records that refer to it: kind, label, outside IRI, and for a
    retired record its status and successor."""
    status, successor = r.data.get("status"), r.data.get("replaced_by")
    return [r.kind.segment, r.label(), r.external(), str(status) if status else None,
            str(successor) if successor else None]


def _stub(id_: str, path: Path, entry: Sequence[str | None]) -> Record:
    """A record known by its manifest entry only: as the converter and the reference checks see it from a
    record that refers to it."""
    segment, label, external, status, successor = entry
    kind = KINDS[str(segment)]
    data: dict[str, Any] = {"name": label}
    if external is not None and kind.external is not None:
        data[kind.external[0]] = external[len(kind.external[1]):]
    if status is not None:
        data["status"] = status
    if successor is not None:
        data["replaced_by"] = successor
    return Record(kind, id_, path, data)


def _stub_records(ids: dict[str, tuple[str | None, ...]], new_records: dict[str, list[Record]],
                  data: Path) -> dict[str, Record]:
    """Every record: the reloaded ones in full, the others as stubs (kind, label, outside IRI, status) for the
    converter."""
    out = {i: _stub(i, data / str(entry[-1]), entry[:-1]) for i, entry in ids.items() if entry[-1] not in new_records}
    for records in new_records.values():
        out.update({r.id: r for r in records})
    return out


def _documents(records: dict[str, Record]) -> dict[str, Record]:
    """The document records in full (the quote check reads their local copies' names)."""
    docs = {}
    for r in records.values():
        if r.kind.segment == "document":
            if not r.data.get("local_copy"):  # a stub: read its file again
                r = next(full for full, _ in check_records(r.path, r.kind) if full.id == r.id)
            docs[r.id] = r
    return docs


def _violations(opts: Options, store: Store, sourcemap: SourceMap,
                subjects: set[Term]) -> list[tuple[str, Result]]:
    """The violation queries' rows for ``subjects``, from the source files that state something about them.

    Each file states its facts together with their reification, sources and types, so a violation query's
    answer for a ``?subject`` is decided by the files with a triple about it: those files' graphs are copied into
    a small in-memory store, queried, and the rows for ``subjects`` kept (the queries must project ``?subject``).
    """
    checks = query_files(opts.queries, violations=True)
    for qf in checks:
        if not re.search(r"SELECT[^{]*\?subject\b", qf.text, re.I | re.S):
            raise CacheUnusable(f"{qf.path.name} does not project ?subject")
    wanted = {s for s in subjects if not is_literal(s)}
    graphs = sorted({q.graph_name for s in wanted for q in store.quads_for_pattern(to_node(s), None, None, None)},
                    key=str)
    out: list[tuple[str, Result]] = []
    local = Store()  # the files' graphs, copied by pyoxigraph itself (querying them in place is far slower)
    local.load(b"".join(store.dump(format=RdfFormat.N_TRIPLES, from_graph=g) or b"" for g in graphs),
               format=RdfFormat.N_TRIPLES)
    for qf in checks:
        solutions = local.query(qf.text)
        names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        for row in solutions:  # type: ignore[union-attr]
            subject = str(row[names.index("subject")])
            if subject in wanted:
                out.append((subject, violation_result(sourcemap, qf, list(row), opts.base)))
    return out


def key_of(kind: str, r: Result) -> str:
    if kind == "shacl":
        return f"<{r.focus}>" if r.focus and not r.focus.startswith("_:") else r.focus
    if kind == "violation":
        return r.value.split(" ", 1)[0]  # the ?subject term, first of the row
    return r.location.path


__all__ = ["CACHE_VERSION", "VOCABULARY_GRAPH", "Cache", "CacheUnusable", "Delta", "StoreIndex", "cache_dir"]
