"""Incremental validation: after an edit, re-check only what the edited files affect, from the last run's cache.

A full ``odg validate`` of a data directory leaves a cache beside it (``.odg-cache/``, or ``$ODG_CACHE``):

* ``store/`` -- a pyoxigraph on-disk store holding each source file's triples in a named graph of its own;
* ``cache.sqlite`` -- every result of the run, and where each record placed its nodes (the source map);
* ``manifest.json`` -- each file's size, mtime and SHA-256, the ids it defines and refers to, and a fingerprint
  of the shapes, ontology, violation queries, source documents, base IRI and odg version (any change there voids
  the cache).

The next ``odg validate`` compares the files with the manifest. Changed files are loaded, checked and converted
again, with the files that refer to an id whose existence, kind or label changed (their triples depend on it).
Their triples replace the old ones in the store, and with X the subjects of the triples that changed:

* SHACL re-validates X and its neighbours in both directions. A shape's constraints read the focus node's own
  triples and those of its value nodes (types for ``sh:class``, nested shapes, SHACL-SPARQL constraints that
  follow one link from ``$this``, as ours do), so no other focus node's results can change;
  :func:`opendata_graph.shapes.reach` checks that the shapes read no further, else the cache is not used;
  the engine validates the neighbourhood of those nodes (their triples and their neighbours'), copied from the
  store, and the results of those nodes are kept.
* The ``*-violation.rq`` queries are re-run for the subjects X, the nodes X links to, and the nodes linked from
  the nodes that link to X (a fact, its statement, the statement's source), over the source files that state
  something about those subjects (each file states its facts with their reification, sources and types),
  copied into a small in-memory store.
* Quotes of the changed records are checked again.

The report is the cached one with the results of those nodes replaced: the same results as a full run (tests
compare the two after edits, additions and deletions). Anything unexpected -- no cache, another fingerprint, a
run interrupted while updating (the manifest is marked dirty first) -- falls back to a full run that rewrites it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, Store

from .convert import Contribution, FileConversion, convert_files
from .errors import DataError, ErrorList, Location, OdgError
from .load import TABLE_SUFFIXES, Dataset, Record, check_records, check_references, walk
from .schema import KIND_BY_DIRECTORY, KINDS, Kind, Ref
from .shapes import Engine, inverse_predicates, reach
from .shapes import read as read_shapes
from .terms import Row, Term, is_literal, rows, to_node, to_oxigraph, value_of
from .validate import Report, Result, check_quotes, load_turtle_dir, shacl_results

CACHE_VERSION = 2
VOCABULARY_GRAPH = "urn:odg:vocabulary"
SUFFIXES = (".yaml", ".yml", *TABLE_SUFFIXES)


@dataclass
class Inputs:
    data: Path
    ontology: Path
    shapes: Path
    queries: Path
    seeds: Path | None
    base: str


def cache_dir(data: Path) -> Path:
    import os

    return Path(os.environ["ODG_CACHE"]) if os.environ.get("ODG_CACHE") else data.resolve().parent / ".odg-cache"


def fingerprint(inputs: Inputs) -> str:
    from importlib.metadata import version

    from .query import query_files

    h = hashlib.sha256()
    release = inputs.data / "release.yaml"  # it feeds the release's description: a change is a full build
    h.update(hashlib.sha256(release.read_bytes() if release.is_file() else b"").digest())
    seeds = sorted(p for p in inputs.seeds.rglob("*") if p.is_file()) if inputs.seeds is not None else []
    for part in (load_turtle_dir(inputs.shapes, "shapes"), load_turtle_dir(inputs.ontology),
                 *(q.text.encode() for q in query_files(inputs.queries, violations=True)),
                 inputs.base.encode(), str(inputs.seeds).encode(), version("opendata-graph").encode(),
                 str(CACHE_VERSION).encode(), *(str(p).encode() + p.read_bytes() for p in seeds)):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def source_files(data: Path, strict: bool = True) -> dict[str, Path]:
    """Every source file of a data directory, by its path relative to it; with ``strict``, a symbolic link or a
    special file among them makes the cache unusable (else it is left out of the cache's manifest)."""
    import os

    out = {}
    for kind in sorted(KIND_BY_DIRECTORY):
        directory = data / kind
        if not directory.is_dir():
            continue
        if directory.is_symlink() and strict:
            raise CacheUnusable("a symbolic link: the full run checks where it points")
        with os.scandir(directory) as entries:  # scandir: the file type without one more system call per file
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(SUFFIXES):
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
    """The ids the records refer to (as :func:`~opendata_graph.load.check_references` found them)."""
    out: set[str] = set()
    for r in records:
        if r.references is None:
            r.references = [v for _, spec, v in walk(r.kind.spec, r.data, ()) if isinstance(spec, Ref)
                            and isinstance(v, str)]
        out.update(r.references)
    return sorted(out)


# -- the source map, rebuilt from the contributions of each record ------------------------------------------------

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


# -- writing the cache after a full run --------------------------------------------------------------------------

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

    def __init__(self, root: Path, inputs: Inputs, conversion: FileConversion, vocab: list[Row]) -> None:
        import shutil
        import threading

        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        self.root = root
        per_file = {_rel(inputs.data, p): rs for p, rs in conversion.rows.items()}
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


def write_cache(inputs: Inputs, dataset: Dataset, conversion: FileConversion, vocab: list[Row],
                results: dict[str, list[tuple[str, Result]]]) -> str:
    """Write the cache of a full run: triples per file, source map, results (by kind, with their key).

    Returns the cache's generation, a fresh random id: what :mod:`opendata_graph.rebuild` stores beside it
    belongs to this generation only.
    """
    return start_cache(inputs, dataset, conversion, vocab).finish(results)


class CacheWriter:
    """A cache being written: the store loads on a thread of its own (pyoxigraph parses and writes without the
    GIL, on the second core) while the caller goes on; :meth:`finish` adds the results and the manifest."""

    def __init__(self, root: Path, load: StoreLoad, db: sqlite3.Connection, manifest: dict[str, Any]) -> None:
        self.root, self.load, self.db, self.manifest = root, load, db, manifest

    def finish(self, results: dict[str, list[tuple[str, Result]]]) -> str:
        """Store the run's results, wait for the store, write the manifest; returns the generation."""
        import uuid

        db = self.db
        db.execute("BEGIN")
        db.executemany("INSERT INTO result VALUES (?, ?, ?, ?)",
                       (_result_row(kind, key, r) for kind, found in results.items() for key, r in found))
        db.execute("COMMIT")
        db.execute("CREATE INDEX origin_key ON origin (key, kind)")
        db.execute("CREATE INDEX origin_file ON origin (file)")
        db.execute("CREATE INDEX result_key ON result (kind, key)")
        db.close()
        self.load.result()  # re-raises a failed load: no manifest, no cache
        generation = uuid.uuid4().hex
        _write_manifest(self.root, {**self.manifest, "generation": generation})
        return generation


def start_store(inputs: Inputs, conversion: FileConversion, vocab: list[Row]) -> StoreLoad:
    """Begin a new cache (replacing any other) with the loading of its store."""
    return StoreLoad(cache_dir(inputs.data), inputs, conversion, vocab)


def start_cache(inputs: Inputs, dataset: Dataset, conversion: FileConversion, vocab: list[Row],
                load: StoreLoad | None = None) -> CacheWriter:
    """Begin writing the cache of a full run: everything but the results (see :class:`CacheWriter`); ``load``:
    the store's loading, if :func:`start_store` began it."""
    if load is None:
        load = start_store(inputs, conversion, vocab)
    root = load.root
    rel_of = {path: _rel(inputs.data, path) for path in conversion.rows}
    db = _db(root / "cache.sqlite")
    db.execute("BEGIN")
    for path, contributions in conversion.contributions.items():
        db.executemany("INSERT INTO origin VALUES (?, ?, ?, ?, ?, ?, ?)", _origin_rows(rel_of[path], contributions))
    db.execute("COMMIT")
    by_file: dict[str, list[Record]] = {}
    for r in dataset.records.values():
        by_file.setdefault(_rel(inputs.data, r.path), []).append(r)
    files = {}
    for rel, path in source_files(inputs.data, strict=False).items():
        st = path.stat()
        mine = by_file.get(rel, [])
        files[rel] = {"sha": dataset.digests.get(path) or sha256(path), "size": st.st_size, "mtime": st.st_mtime_ns,
                      "ids": {r.id: [r.kind.segment, r.label()] for r in mine}, "refs": references(mine)}
    manifest = {"version": CACHE_VERSION, "fingerprint": fingerprint(inputs), "data": str(inputs.data.resolve()),
                "dirty": False, "files": files, "release": dataset.release}
    return CacheWriter(root, load, db, manifest)


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


# -- the store as the validator's index --------------------------------------------------------------------------

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
        """Every triple a validation of ``nodes`` can read with shapes of reach 1 (:func:`~opendata_graph.shapes.
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


# -- the incremental run -----------------------------------------------------------------------------------------

class CacheUnusable(Exception):
    """The cache cannot answer this run: validate in full (and rewrite it)."""


def validate_incremental(inputs: Inputs) -> Report:
    """The report of a full run, computed from the cache and the files that changed since; raises
    :class:`CacheUnusable` when there is no usable cache.
    """
    return check_incremental(inputs)[0]


def check_incremental(inputs: Inputs) -> tuple[Report, Store | None]:
    """:func:`validate_incremental`, and the cache's store if it was opened (files had changed).

    The subjects whose triples changed are added to the cache's ``pending`` table, which the next build reads
    to know which blocks of the dumps to render again.
    """
    root = cache_dir(inputs.data)
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise CacheUnusable("no cache") from None
    if (manifest.get("version") != CACHE_VERSION or manifest.get("dirty") or
            manifest.get("data") != str(inputs.data.resolve()) or manifest.get("fingerprint") != fingerprint(inputs)):
        raise CacheUnusable("cache of other inputs")
    shapes = read_shapes(inputs.shapes, checked=True)  # the fingerprint matched: the full run checked these shapes
    inverse = inverse_predicates(shapes)
    if reach(shapes) > 1 or inverse is None:
        raise CacheUnusable("shapes read further than one link from the focus node")
    files: dict[str, dict[str, Any]] = manifest["files"]
    if any(p.is_dir() and p.name not in KIND_BY_DIRECTORY for p in inputs.data.iterdir()):
        raise CacheUnusable("a directory of an unknown kind: the full run reports it")
    on_disk = source_files(inputs.data)
    current = {rel: sha256(path) for rel, path in on_disk.items()}  # before anything is read (see Dataset.digests)
    changed = {rel for rel in set(files) | set(on_disk) if rel not in files or rel not in on_disk
               or current[rel] != files[rel]["sha"]}
    db = _db(root / "cache.sqlite")
    if not changed:
        if _refresh_times(files, on_disk):  # touched but unchanged: the manifest shows the files' current times
            _write_manifest(root, manifest)
        return Report(sorted({_result(b) for (b,) in db.execute("SELECT body FROM result")})), None

    ids = {i: (seg, label, rel) for rel, f in files.items() for i, (seg, label) in f["ids"].items()}
    reload = set(changed)
    # Load the changed files, then the files whose triples depend on an id that changed (labels, kinds).
    errors: list[OdgError] = []
    new_records: dict[str, list[Record]] = {}
    while True:
        for rel in sorted(reload - set(new_records)):
            new_records[rel] = _load(inputs.data, rel, on_disk, errors) if rel in on_disk else []
        touched = _changed_ids(files, new_records)
        dependants = {rel for rel, f in files.items() if rel in on_disk and touched & set(f["refs"])}
        if dependants <= set(new_records):
            break
        reload |= dependants
    if any(r.data.get("part_of") for rs in new_records.values() for r in rs):
        raise CacheUnusable("a record with part_of changed: the full run checks the chains for cycles")
    records = _stub_records(ids, new_records, inputs.data)
    fresh = [r for rs in new_records.values() for r in rs]
    known = {i for i in ids if ids[i][2] not in new_records} | {r.id for r in fresh}
    seen: dict[str, Record] = {}
    for r in fresh:
        other = seen.get(r.id) or (records.get(r.id) if ids.get(r.id, ("", "", ""))[2] not in new_records else None)
        if other is not None and other is not r:
            errors.append(DataError(f"id {r.id!r} is already used by {other.loc()}", r.loc("id"),
                                   "ids are unique across all kinds; choose another"))
        seen[r.id] = r
    errors += list(check_references(records, known, only=fresh))
    if errors:
        raise ErrorList(errors)

    if not (root / "store").is_dir():
        raise CacheUnusable("the cache has no store")
    try:
        store = Store(str(root / "store"))
    except OSError as exc:  # another odg holds it, or it is damaged
        raise CacheUnusable(str(exc)) from None
    manifest["dirty"] = True
    _write_manifest(root, manifest)
    dataset = Dataset(inputs.data, records, manifest.get("release") or {})
    conversion = convert_files(dataset, inputs.base, fresh)
    new_rows = {_rel(inputs.data, p): rs for p, rs in conversion.rows.items()}
    x: set[Term] = set()
    old_objects: set[Term] = set()
    for rel in new_records:
        old = set(rows(store.quads_for_pattern(None, None, None, graph_name(rel))))
        new = set(new_rows.get(rel, []))
        for s, _, o in old ^ new:
            x.add(s)
            if not is_literal(o):
                old_objects.add(o)
        if store.contains_named_graph(graph_name(rel)):
            store.remove_graph(graph_name(rel))
        store.extend(Quad(to_node(s), NamedNode(value_of(p)), to_oxigraph(o), graph_name(rel)) for s, p, o in new)
    db.execute("BEGIN")
    db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", ((s,) for s in sorted(x)))
    for rel in new_records:
        db.execute("DELETE FROM origin WHERE file = ?", (rel,))
    for path, contributions in conversion.contributions.items():
        db.executemany("INSERT INTO origin VALUES (?, ?, ?, ?, ?, ?, ?)",
                       _origin_rows(_rel(inputs.data, path), contributions))

    index = StoreIndex(store)
    out_x = old_objects.union(*(index.neighbours_out(n) for n in x))
    in_x = set().union(*(index.neighbours_in(n) for n in x))
    affected = x | out_x | in_x
    sourcemap = SourceMap(db)
    found = Engine(shapes).validate(index.neighbourhood(affected, inverse))
    shacl_found = shacl_results(sourcemap, [v for v in found if v.focus in affected], shapes)
    subjects = x | out_x | set().union(*(index.neighbours_out(n) for n in in_x))
    violation_found = _violations(inputs, store, sourcemap, subjects)
    quote_found = check_quotes(Dataset(inputs.data, {**{r.id: r for r in fresh}, **_documents(inputs.data, records)},
                                       {}), inputs.seeds) if inputs.seeds is not None else []
    changed_paths = {Location.of(inputs.data / rel).path for rel in new_records}
    for key in affected:
        db.execute("DELETE FROM result WHERE kind = 'shacl' AND key = ?", (key,))
    for key in subjects:
        db.execute("DELETE FROM result WHERE kind = 'violation' AND key = ?", (key,))
    for shown in changed_paths:
        db.execute("DELETE FROM result WHERE kind = 'quote' AND file = ?", (shown,))
    db.executemany("INSERT INTO result VALUES (?, ?, ?, ?)",
                   [_result_row("shacl", k, r) for k, r in shacl_found]
                   + [_result_row("violation", k, r) for k, r in violation_found]
                   + [_result_row("quote", r.location.path, r) for r in quote_found
                      if r.location.path in changed_paths])
    db.execute("COMMIT")
    report = Report(sorted({_result(b) for (b,) in db.execute("SELECT body FROM result")}))
    store.flush()
    for rel in new_records:
        if rel in on_disk:
            st = on_disk[rel].stat()
            mine = new_records[rel]
            files[rel] = {"sha": current[rel], "size": st.st_size, "mtime": st.st_mtime_ns,
                          "ids": {r.id: [r.kind.segment, r.label()] for r in mine}, "refs": references(mine)}
        else:
            files.pop(rel, None)
    _refresh_times(files, on_disk)
    manifest["dirty"] = False
    _write_manifest(root, manifest)
    return report, store


def _refresh_times(files: dict[str, dict[str, Any]], on_disk: dict[str, Path]) -> bool:
    """Record the size and mtime of files whose content is unchanged; whether any was updated."""
    updated = False
    for rel, state in files.items():
        st = on_disk[rel].stat()
        if (st.st_size, st.st_mtime_ns) != (state["size"], state["mtime"]):
            state["size"], state["mtime"] = st.st_size, st.st_mtime_ns
            updated = True
    return updated


def _load(data: Path, rel: str, on_disk: dict[str, Path], errors: list[OdgError]) -> list[Record]:
    kind: Kind = KIND_BY_DIRECTORY[rel.split("/", 1)[0]]
    try:
        checked = check_records(on_disk[rel], kind)
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
        new = {r.id: (r.kind.segment, r.label()) for r in records}
        touched |= {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
    return touched


def _stub_records(ids: dict[str, tuple[str, str, str]], new_records: dict[str, list[Record]],
                  data: Path) -> dict[str, Record]:
    """Every record: the reloaded ones in full, the others as stubs (their kind and label) for the converter."""
    out = {i: Record(KINDS[seg], i, data / rel, {"name": label})
           for i, (seg, label, rel) in ids.items() if rel not in new_records}
    for records in new_records.values():
        out.update({r.id: r for r in records})
    return out


def _documents(data: Path, records: dict[str, Record]) -> dict[str, Record]:
    """The document records in full (the quote check reads their local copies' names)."""
    docs = {}
    for r in records.values():
        if r.kind.segment == "document":
            if not r.data.get("local_copy"):  # a stub: read its file again
                r = next(full for full, _ in check_records(r.path, r.kind) if full.id == r.id)
            docs[r.id] = r
    return docs


def _violations(inputs: Inputs, store: Store, sourcemap: SourceMap,
                subjects: set[Term]) -> list[tuple[str, Result]]:
    """The violation queries' rows for ``subjects``, from the source files that state something about them.

    Each file states its facts together with their reification, sources and types, so a violation query's
    answer for a ``?subject`` is decided by the files with a triple about it: those files' graphs are copied into
    a small in-memory store, queried, and the rows for ``subjects`` kept (the queries must project ``?subject``).
    """
    from .query import query_files
    from .validate import violation_result

    checks = query_files(inputs.queries, violations=True)
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
                out.append((subject, violation_result(sourcemap, qf, list(row), inputs.base)))
    return out


def full_results(report_parts: Mapping[str, Sequence[Result]]) -> dict[str, list[tuple[str, Result]]]:
    """Results of a full run keyed as the cache stores them (SHACL by focus node, violations by ?subject...)."""
    return {kind: [(key_of(kind, r), r) for r in found] for kind, found in report_parts.items()}


def key_of(kind: str, r: Result) -> str:
    if kind == "shacl":
        return f"<{r.focus}>" if r.focus and not r.focus.startswith("_:") else r.focus
    if kind == "violation":
        return r.value.split(" ", 1)[0]  # the ?subject term, first of the row
    return r.location.path


__all__ = ["CacheUnusable", "CacheWriter", "Inputs", "StoreLoad", "cache_dir", "check_incremental", "full_results",
           "start_cache", "start_store", "validate_incremental", "write_cache"]
