"""Rebuild after an edit: validate incrementally, then render again only the blocks of the dumps that changed.

A full build records, beside the validation cache (:mod:`opendata_graph.incremental`), where each block of the
dumps landed in ``dist/`` (``publish.sqlite``: each block's subjects, counts and byte ranges in the six dump
files) and the size, mtime and inode of those files. The next build, when ``dist/`` is untouched since and the
validation cache is of the same generation:

1. validates incrementally; the subjects whose triples changed are queued in the cache's ``pending`` table
   (also by ``odg validate``, so edits validated before the build are not lost);
2. finds the blocks holding the pending subjects (blocks are ranges of subjects: after the previous block's last
   subject, up to its own), reads their subjects' triples from the cache's store, and cuts them again at the
   content-defined boundaries -- taking in the next block when a boundary subject disappeared;
3. writes the new release: rendered blocks as bytes, the others copied from the previous dump files by the
   kernel (``copy_file_range``), every file hashed on the way for ``void.ttl`` and ``SHA256SUMS``.

The files are the bytes a full build writes (tests compare them after edits, additions and deletions).
Anything unexpected -- no cache, another generation, ``dist/`` changed, moved or written by another build --
sends the build to a full one, which writes the cache again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import NamedNode, Store

from . import serialize
from .convert import Graph
from .incremental import CacheUnusable, Inputs, cache_dir, check_incremental
from .publish import FORMATS, STEM, Block, Piece, Range, Release, Stats, Written, block_of, boundary, publish, spans
from .terms import Row, Term, rows, value_of

if TYPE_CHECKING:
    from .build import Options, Outcome

PUBLISH_DB = "publish.sqlite"
DUMPS = tuple(f"{STEM}.{fmt}{gz}" for fmt in FORMATS for gz in ("", ".gz"))


def _identity(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def save(inputs: Inputs, generation: str, dist: Path, blocks: Sequence[Block], files: Mapping[str, Written]) -> None:
    """Record the blocks of the release just written to ``dist`` (replacing any earlier record)."""
    root = cache_dir(inputs.data)
    tmp = root / (PUBLISH_DB + ".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp, isolation_level=None)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE block (idx INTEGER PRIMARY KEY, last TEXT, is_last INT, subjects TEXT, stats TEXT, spans TEXT);
    """)
    db.execute("BEGIN")
    dist = dist.resolve()
    meta = {"generation": generation, "dist": str(dist), "base": inputs.base,
            "files": {name: _identity(dist / name) for name in DUMPS}}
    db.executemany("INSERT INTO meta VALUES (?, ?)", ((k, json.dumps(v)) for k, v in meta.items()))

    def where(k: int) -> str:
        return json.dumps({key: (w := files[f"{STEM}.{key}"]).spans[w.lead + k]
                           for fmt in FORMATS for key in (fmt, fmt + ".gz")})

    db.executemany("INSERT INTO block VALUES (?, ?, ?, ?, ?, ?)",
                   ((k, b.last, int(b.is_last), "\n".join(b.subjects or ()), b.stats.to_json(), where(k))
                    for k, b in enumerate(blocks)))
    db.execute("COMMIT")
    db.close()
    os.replace(tmp, root / PUBLISH_DB)


def _previous(inputs: Inputs, dist: Path) -> tuple[str, list[Block]]:
    """The previous release's generation and blocks (their pieces as ranges of its files), if ``dist`` is it."""
    path = cache_dir(inputs.data) / PUBLISH_DB
    if not path.exists():
        raise CacheUnusable("no record of a previous release")
    dist = dist.resolve()
    db = sqlite3.connect(path)
    try:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        if meta.get("dist") != str(dist) or meta.get("base") != inputs.base:
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
        return str(meta["generation"]), blocks
    finally:
        db.close()


class Rerender:
    """Blocks rendered again from the store, for the subjects that changed."""

    def __init__(self, store: Store, base: str, compress: Callable[[bytes], Piece]) -> None:
        self.store = store
        self.renderer = serialize.Renderer(base)
        self.compress = compress

    def rows(self, subjects: Sequence[Term]) -> list[Row]:
        out: set[Row] = set()
        for s in subjects:
            out.update(rows(self.store.quads_for_pattern(NamedNode(s[1:-1]), None, None, None)))
        return sorted(out)

    def blocks(self, rs: Sequence[Row], ends_release: bool) -> list[Block]:
        cuts = spans(rs)
        return [block_of(self.renderer.render(rs[a:b]), ends_release and i == len(cuts) - 1, self.compress)
                for i, (a, b) in enumerate(cuts)]

    def apply(self, blocks: list[Block], pending: set[Term]) -> tuple[list[Block], int]:
        """The new list of blocks, and how many were rendered again."""
        n = len(blocks)
        lasts = [b.last for b in blocks]
        by_block: dict[int, set[Term]] = {}  # pending subjects by the block whose range holds them
        for s in pending:
            by_block.setdefault(min(bisect_left(lasts, s), n - 1), set()).add(s)
        touched = by_block.keys()
        out: list[Block] = []
        rendered = 0
        i = 0
        while i < n:
            if i not in touched:
                out.append(blocks[i])
                i += 1
                continue
            subjects: set[Term] = set()
            j = i
            while True:  # take in blocks until the run ends at a boundary subject (or at the end)
                subjects |= set(blocks[j].subjects or ()) | by_block.get(j, set())
                j += 1
                if j < n and j in touched:
                    continue
                rs = self.rows(sorted(subjects))
                if j == n or (rs and boundary(rs[-1][0])):
                    break
            new = self.blocks(rs, j == n)
            out += new
            rendered += len(new)
            i = j
        for k, b in enumerate(out):  # the JSON-LD of the last block closes the array: fix blocks that moved
            if b.is_last != (k == len(out) - 1):
                (out[k],) = self.blocks(self.rows(b.subjects or ()), k == len(out) - 1)
                rendered += 1
        return out, rendered


def rebuild(opts: Options, progress: Callable[[str], None] = lambda _: None) -> Outcome:
    """A build from the cache of the previous one; raises :class:`CacheUnusable` when it cannot answer."""
    from .build import Laps, Outcome, failed
    from .validate import load_turtle_dir

    lap = Laps(progress)
    inputs = Inputs(opts.data, opts.ontology, opts.shapes, opts.queries, opts.seeds, opts.base)
    generation, blocks = _previous(inputs, opts.dist)
    if not blocks:
        raise CacheUnusable("an empty release")
    report, store = check_incremental(inputs)
    lap("validate")
    if not report.conforms(opts.strict):
        raise failed(report)
    root = cache_dir(opts.data)
    manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("generation") != generation:
        raise CacheUnusable("the validation cache was rewritten since the previous build")
    if store is None:
        if not (root / "store").is_dir():
            raise CacheUnusable("the cache has no store")
        try:
            store = Store(str(root / "store"))
        except OSError as exc:
            raise CacheUnusable(str(exc)) from None
    with contextlib.closing(sqlite3.connect(root / "cache.sqlite", isolation_level=None)) as db:
        pending = {s for (s,) in db.execute("SELECT subject FROM pending")}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="odg-gzip") as pool:
        new, rendered = Rerender(store, opts.base, lambda data: pool.submit(serialize.gzipped, data)).apply(
            blocks, pending)
        lap("serialise")
        minted = Graph(opts.base)
        documents = sorted(value_of(minted.iri(kind, i)) for f in manifest["files"].values()
                           for i, (kind, _) in f["ids"].items() if kind == "document")
        release = Release(opts.base, manifest.get("release") or {}, documents, load_turtle_dir(opts.ontology),
                          load_turtle_dir(opts.shapes, "shapes"))
        files = publish(new, release, opts.dist)
    lap("write")
    progress(f"incremental: {len(pending)} changed subject(s), {rendered} of {len(new)} blocks rendered again")
    save(inputs, generation, opts.dist, new, files)
    with contextlib.closing(sqlite3.connect(root / "cache.sqlite", isolation_level=None)) as db:
        db.executemany("DELETE FROM pending WHERE subject = ?", ((s,) for s in pending))  # not any added since
    return Outcome(report, files, lap.timings, incremental=True, rendered=rendered, blocks=len(new))
