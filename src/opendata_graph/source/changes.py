"""Loading what changed: the source files that differ from a run's kept state, and their records loaded again.

A run's state of each source file (:data:`FileState`, kept by the build cache) is its SHA-256, size and mtime,
the ids it defines each with its :func:`entry` (what the records referring to it see: kind, label, outside IRI,
status, successor) and the ids it refers to. From it:

* :func:`source_files` lists a data directory's files and :func:`changed` those whose bytes differ (added and
  deleted included);
* :func:`reload` loads them -- with :class:`~opendata_graph.source.load.DirectoryLoad`, as :func:`~opendata_graph.
  source.load.load` loads every file -- and the files that refer to an id whose existence, kind or label changed;
  every other record stands in as a :func:`stub` made from its entry. The result is the dataset the converter and
  the reference checks need, without reading the files that did not change;
* :func:`file_state` is a file's state after a run.

Where stubs cannot answer, :class:`~opendata_graph.core.errors.CacheUnusable` is raised and the run is a full
one: a symbolic link or a special file among the sources, a directory of an unknown kind, a record with
``part_of`` (a cycle through records that did not change would go unseen).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import CacheUnusable, ErrorList, OdgError
from .load import SOURCE_SUFFIXES, Dataset, DirectoryLoad, Record, check_records, check_references, duplicate, walk
from .schema import KIND_BY_DIRECTORY, KINDS, Ref

#: A source file's state after a run: ``sha``, ``size``, ``mtime`` (ns), ``ids`` (id -> :func:`entry`), ``refs``.
FileState = dict[str, Any]


def source_files(data: Path, strict: bool = True) -> dict[str, Path]:
    """Every source file of a data directory, by its path relative to it; with ``strict``, a symbolic link or a
    special file among them, or a directory of an unknown kind, raises :class:`CacheUnusable` (else it is left
    out)."""
    if strict and any(p.is_dir() and p.name not in KIND_BY_DIRECTORY for p in data.iterdir()):
        raise CacheUnusable("a directory of an unknown kind: the full run reports it")
    out = {}
    for kind in sorted(KIND_BY_DIRECTORY):
        directory = data / kind
        if not directory.is_dir():
            continue
        if directory.is_symlink() and strict:
            raise CacheUnusable("a symbolic link: the full run checks where it points")
        with os.scandir(directory) as entries:  # scandir: the file type without one more system call per file
            for found in sorted(entries, key=lambda e: e.name):
                if found.name.endswith(SOURCE_SUFFIXES):
                    if not found.is_file(follow_symlinks=False):  # a link, a directory, a FIFO named *.yaml...
                        if not strict:
                            continue
                        raise CacheUnusable(f"{kind}/{found.name} is not a regular file: the full run reports it")
                    out[f"{kind}/{found.name}"] = directory / found.name
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def changed(states: Mapping[str, FileState], on_disk: Mapping[str, Path], current: Mapping[str, str]) -> set[str]:
    """The files added, deleted or whose bytes differ (``current``: each file's SHA-256, taken before reading)."""
    return {rel for rel in set(states) | set(on_disk) if rel not in states or rel not in on_disk
            or current[rel] != states[rel]["sha"]}


def file_state(path: Path, sha: str, records: Sequence[Record]) -> FileState:
    st = path.stat()
    return {"sha": sha, "size": st.st_size, "mtime": st.st_mtime_ns, "ids": {r.id: entry(r) for r in records},
            "refs": references(records)}


def references(records: Iterable[Record]) -> list[str]:
    """The ids the records refer to (as :func:`~opendata_graph.source.load.check_references` found them)."""
    out: set[str] = set()
    for r in records:
        if r.references is None:
            r.references = [v for _, spec, v in walk(r.kind.spec, r.data, ()) if isinstance(spec, Ref)
                            and isinstance(v, str)]
        out.update(r.references)
    return sorted(out)


def entry(r: Record) -> list[str | None]:
    """What a file's state keeps of a record for the records that refer to it: kind, label, outside IRI, and for
    a retired record its status and successor."""
    status, successor = r.data.get("status"), r.data.get("replaced_by")
    return [r.kind.segment, r.label(), r.external(), str(status) if status else None,
            str(successor) if successor else None]


def stub(id_: str, path: Path, kept: Sequence[str | None]) -> Record:
    """A record known by its :func:`entry` only: as the converter and the reference checks see it from a record
    that refers to it."""
    segment, label, external, status, successor = kept
    kind = KINDS[str(segment)]
    data: dict[str, Any] = {"name": label}
    if external is not None and kind.external is not None:
        data[kind.external[0]] = external[len(kind.external[1]):]
    if status is not None:
        data["status"] = status
    if successor is not None:
        data["replaced_by"] = successor
    return Record(kind, id_, path, data)


@dataclass
class Reloaded:
    """:func:`reload`'s answer."""

    dataset: Dataset  #: every record: those loaded again in full, the others as stubs
    files: dict[str, list[Record]]  #: the records of each file loaded again ([] for a deleted file)

    @property
    def fresh(self) -> list[Record]:
        return [r for rs in self.files.values() for r in rs]


def reload(data: Path, states: Mapping[str, FileState], on_disk: Mapping[str, Path], changed_files: set[str],
           release: dict[str, Any]) -> Reloaded:
    """Load the changed files, then the files whose triples depend on an id that changed (labels, kinds);
    raises :class:`ErrorList` with every problem of the records loaded, as a full load reports them."""
    loader = DirectoryLoad()
    files: dict[str, list[Record]] = {}
    todo = set(changed_files)
    while todo:
        for rel in sorted(todo):
            files[rel] = _read(loader, on_disk[rel]) if rel in on_disk else []
        touched = _changed_ids(states, files)
        todo = {rel for rel, f in states.items() if rel in on_disk and rel not in files and touched & set(f["refs"])}
    fresh = [r for rs in files.values() for r in rs]
    if any(r.data.get("part_of") for r in fresh):
        raise CacheUnusable("a record with part_of changed: the full run checks the chains for cycles")
    records = {i: stub(i, data / rel, kept) for rel, f in states.items() if rel not in files
               for i, kept in f["ids"].items()}
    errors: list[OdgError] = [*loader.errors, *(duplicate(r, records[r.id]) for r in fresh if r.id in records)]
    records.update({r.id: r for r in fresh})
    errors += check_references(records, loader.known, only=fresh)
    if errors:
        raise ErrorList(errors)
    return Reloaded(Dataset(data, records, release, loader.digests), files)


def _read(loader: DirectoryLoad, path: Path) -> list[Record]:
    """One file's records, read by ``loader`` (whose errors collect their problems)."""
    before = len(loader.records)
    loader.file(path, KIND_BY_DIRECTORY[path.parent.name])
    return list(loader.records.values())[before:]


def _changed_ids(states: Mapping[str, FileState], files: Mapping[str, list[Record]]) -> set[str]:
    """Ids of the loaded files that appeared, disappeared or changed kind or label."""
    touched: set[str] = set()
    for rel, records in files.items():
        old = {i: tuple(v) for i, v in states.get(rel, {}).get("ids", {}).items()}
        new = {r.id: tuple(entry(r)) for r in records}
        touched |= {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
    return touched


def documents(records: Mapping[str, Record]) -> dict[str, Record]:
    """The document records in full (the quote check reads their local copies' names): stubs are read again."""
    docs = {}
    for r in records.values():
        if r.kind.segment == "document":
            if not r.data.get("local_copy"):  # a stub: read its file again
                r = next(full for full, _ in check_records(r.path, r.kind) if full.id == r.id)
            docs[r.id] = r
    return docs


__all__ = ["FileState", "Reloaded", "changed", "documents", "entry", "file_state", "references", "reload",
           "sha256", "source_files", "stub"]
