"""The build cache: what a run leaves for the next one, and nothing else (every stage's work is done by the
stage; :mod:`opendata_graph.stages.pipeline` runs them and hands this module what to keep).

A run over a data directory leaves, beside it (``.odg-cache/``, or ``$ODG_CACHE``):

* ``store/`` -- a pyoxigraph on-disk store holding each source file's triples in a named graph of its own, and
  the vocabulary's in :data:`VOCABULARY_GRAPH`; :class:`StoreIndex` reads it as the validation of a change needs
  (:class:`opendata_graph.stages.validate.Index`);
* ``cache.sqlite`` -- every result of the run's validation keyed by its focus node, subject or file, where each
  record placed its nodes (the source map, read back by :class:`SourceMap`), and the subjects whose triples
  changed since the last release was written (``pending``);
* ``manifest.json`` -- each file's state (:data:`opendata_graph.source.changes.FileState`) and a fingerprint of
  the shapes, ontology, violation queries, source documents, base IRI, odg version and its code (any change there
  voids the cache); a random ``generation`` names this state;
* ``publish.sqlite`` -- where each block of the dumps landed in ``dist/`` (subjects, counts, byte ranges), for
  the generation it was written from.

A full run writes it all again (:meth:`Cache.begin`, :meth:`Cache.sources`, :meth:`Cache.commit`); a run of
what changed updates it in place (:meth:`Cache.update`, marking the manifest dirty until it is done). Anything
unexpected -- no cache, another fingerprint, a run interrupted while updating, ``dist/`` touched -- raises
:class:`CacheUnusable`, and the run is a full one that writes the cache again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, Store

from ..core.errors import CacheUnusable, Location
from ..core.formats import STEM, dump_names
from ..core.locks import cache_lock, held
from ..core.terms import Row, Term, is_literal, rows, to_node, to_oxigraph, value_of
from ..source.changes import FileState, file_state, sha256, source_files
from ..source.load import Dataset, Record
from ..stores.query import query_files
from .convert import Contribution, FileConversion
from .options import Options
from .publish import Block, Piece, Range, Stats, Written
from .validate import Report, Result, load_turtle_dir

CACHE_VERSION = 5
VOCABULARY_GRAPH = "urn:odg:vocabulary"
PUBLISH_DB = "publish.sqlite"


def cache_dir(data: Path) -> Path:
    return Path(os.environ["ODG_CACHE"]) if os.environ.get("ODG_CACHE") else data.resolve().parent / ".odg-cache"


class Cache:
    """The cache of one data directory (see the module's description)."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.root = cache_dir(opts.data)
        self._writer: _Writer | None = None

    def lock(self, progress: Callable[[str], None]) -> contextlib.AbstractContextManager[None]:
        """Hold the cache against other runs (always taken before ``dist/``'s lock)."""
        return held(cache_lock(self.root), progress)

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

    def report(self) -> Report:
        """The report of the run the cache holds (updated by :meth:`update`)."""
        with contextlib.closing(_db(self.root / "cache.sqlite")) as db:
            return _report(db)

    def touched(self, manifest: dict[str, Any], on_disk: Mapping[str, Path]) -> None:
        """Files touched but unchanged: the manifest shows their current size and mtime."""
        if _refresh_times(manifest["files"], on_disk):
            _write_manifest(self.root, manifest)

    @contextlib.contextmanager
    def update(self, manifest: dict[str, Any], on_disk: Mapping[str, Path]) -> Iterator[Update]:
        """Update the cache in place with what changed: the manifest is marked dirty until the update is
        committed, so a run interrupted meanwhile leaves a cache the next run does not use."""
        store = self.store()
        manifest["dirty"] = True
        _write_manifest(self.root, manifest)
        with contextlib.closing(_db(self.root / "cache.sqlite")) as db:
            db.execute("BEGIN")
            update = Update(self.opts.data, store, db, manifest["files"])
            yield update
            db.execute("COMMIT")
        store.flush()
        _refresh_times(manifest["files"], on_disk)
        manifest["dirty"] = False
        _write_manifest(self.root, manifest)

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

    def sources(self, dataset: Dataset, conversion: FileConversion,
                locality: Mapping[str, str | None] | None = None) -> None:
        """Record where each record placed its nodes, and each file's digest, ids and references; ``locality``:
        the violation queries' verdicts (:mod:`.locality`, by digest of their text), kept for the next run."""
        if self._writer is not None:
            self._writer.sources(self.opts, dataset, conversion, locality or {})

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
    """A digest of odg's own modules (the whole package): a changed loader, converter or writer (an editable
    install, a new build of the same version) voids the cache, whose results and blocks it made."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for module in sorted(package.rglob("*.py")):
        h.update(str(module.relative_to(package)).encode() + b"\0" + hashlib.sha256(module.read_bytes()).digest())
    return h.digest()


def graph_name(rel: str) -> NamedNode:
    return NamedNode("urn:odg:file:" + rel)


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

    def sources(self, opts: Options, dataset: Dataset, conversion: FileConversion,
                locality: Mapping[str, str | None]) -> None:
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
        files = {rel: file_state(path, dataset.digests.get(path) or sha256(path), by_file.get(rel, []))
                 for rel, path in source_files(opts.data, strict=False).items()}
        self.manifest = {"version": CACHE_VERSION, "fingerprint": fingerprint(opts),
                         "data": str(opts.data.resolve()), "dirty": False, "files": files,
                         "release": dataset.release, "locality": dict(locality)}

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
    """The cache's store as the validation of a change reads it (:class:`opendata_graph.stages.validate.Index`):
    the union of the files' graphs."""

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
        """:meth:`opendata_graph.stages.validate.Index.neighbourhood`."""
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

    def stated_with(self, subjects: set[Term]) -> bytes:
        """N-Triples of every file's graph that states something about one of ``subjects``."""
        graphs = sorted({q.graph_name for s in subjects if not is_literal(s)
                         for q in self.store.quads_for_pattern(to_node(s), None, None, None)}, key=str)
        return b"".join(self.store.dump(format=RdfFormat.N_TRIPLES, from_graph=g) or b"" for g in graphs)


# -- an update in place -----------------------------------------------------------------------------------------------

class Update:
    """The cache being updated with what changed (:meth:`Cache.update`): the files' triples, origins, results
    and states replaced, in one transaction of ``cache.sqlite``."""

    def __init__(self, data: Path, store: Store, db: sqlite3.Connection, files: dict[str, FileState]) -> None:
        self.data, self.store, self.db, self.files = data, store, db, files
        self.index = StoreIndex(store)
        self.source_map = SourceMap(db)  #: reads the origins replaced so far

    def replace(self, conversion: FileConversion, reloaded: Iterable[str]) -> tuple[set[Term], set[Term]]:
        """Put each reloaded file's triples in its graph and its records' origins in the source map; the
        subjects of the triples that changed (queued as ``pending`` for the next release) and the objects they
        had."""
        new_rows = {_rel(self.data, p): rs for p, rs in conversion.rows.items()}
        x: set[Term] = set()
        old_objects: set[Term] = set()
        for rel in reloaded:
            old = set(rows(self.store.quads_for_pattern(None, None, None, graph_name(rel))))
            new = set(new_rows.get(rel, []))
            for s, _, o in old ^ new:
                x.add(s)
                if not is_literal(o):
                    old_objects.add(o)
            if self.store.contains_named_graph(graph_name(rel)):
                self.store.remove_graph(graph_name(rel))
            self.store.extend(Quad(to_node(s), NamedNode(value_of(p)), to_oxigraph(o), graph_name(rel))
                              for s, p, o in new)
            self.db.execute("DELETE FROM origin WHERE file = ?", (rel,))
        self.db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", ((s,) for s in sorted(x)))
        for path, contributions in conversion.contributions.items():
            self.db.executemany("INSERT INTO origin VALUES (?, ?, ?, ?, ?, ?, ?)",
                                _origin_rows(_rel(self.data, path), contributions))
        return x, old_objects

    def results(self, found: Mapping[str, tuple[set[str], Sequence[tuple[str, Result]]]]) -> None:
        """Per kind of check, the results of these keys replaced by those found."""
        for kind, (keys, _) in found.items():
            self.db.executemany("DELETE FROM result WHERE kind = ? AND key = ?", ((kind, k) for k in keys))
        self.db.executemany("INSERT INTO result VALUES (?, ?, ?, ?)",
                            [_result_row(kind, k, r) for kind, (_, results) in found.items() for k, r in results])

    def states(self, states: Mapping[str, FileState | None]) -> None:
        """The reloaded files' states (None: the file is gone)."""
        for rel, state in states.items():
            if state is None:
                self.files.pop(rel, None)
            else:
                self.files[rel] = state


def _refresh_times(files: dict[str, FileState], on_disk: Mapping[str, Path]) -> bool:
    """Record the size and mtime of files whose content is unchanged; whether any was updated."""
    updated = False
    for rel, state in files.items():
        st = on_disk[rel].stat()
        if (st.st_size, st.st_mtime_ns) != (state["size"], state["mtime"]):
            state["size"], state["mtime"] = st.st_size, st.st_mtime_ns
            updated = True
    return updated


def key_of(kind: str, r: Result) -> str:
    if kind == "shacl":
        return f"<{r.focus}>" if r.focus and not r.focus.startswith("_:") else r.focus
    if kind == "violation":
        return r.value.split(" ", 1)[0]  # the ?subject term, first of the row
    return r.location.path


__all__ = ["CACHE_VERSION", "VOCABULARY_GRAPH", "Cache", "CacheUnusable", "StoreIndex", "Update", "cache_dir"]
