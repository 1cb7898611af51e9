"""Load step: ``data/<kind>/<id>.yaml`` -> records that remember the file, line and column of every key.

YAML is parsed with libyaml's C loader (``yaml.CSafeLoader``) into a node tree, which carries the position of
every scalar, mapping and sequence; the same tree is then constructed into plain Python values. Every record
is checked against :mod:`opendata_graph.source.schema`, ids against file names, references against the ids loaded.
All problems of a run are collected and raised together as one :class:`~opendata_graph.core.errors.ErrorList`.

Besides one file per entity, a kind's directory may hold the bulk forms a large registry arrives in:

* a YAML file whose top level is a list of records (any file name; each record carries its ``id``);
* a CSV or TSV table (``.csv``/``.tsv``, UTF-8, header row = the record's top-level keys). A cell holding a
  list or mapping is written in JSON (``[{"value": "host", "source": {"doc": "..."}}]``); an empty cell is an
  absent key. Problems point at the row's line and the cell's field number (``file.csv:42:7``).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core import mint
from ..core.errors import DataError, ErrorList, Location, OdgError, display_path
from .schema import ID_RE, KEY, KIND_BY_DIRECTORY, KINDS, Kind, ListOf, Obj, Ref, Type, suggest

Key = tuple[str | int, ...]
#: Refuse files larger than this: a curated record is a few kilobytes...
MAX_FILE_BYTES = 1_000_000
#: A run reports at most this many input errors (a broken bulk file printed five million): enough to fix a batch.
MAX_ERRORS = 1000
# Bulk files are bounded before they are parsed (docs/validation.md "Bounds"; time and peak memory at each limit:
# benchmarks/bounds_bench.py, BENCHMARKS.md). The synthetic registry of a million triples (tests/registry.py)
# has its largest table and its largest YAML list at 2.4 MB each (243k YAML parser events).
#: A YAML list of records: PyYAML keeps a node per value (seconds a MB): beyond, use a CSV/TSV table.
MAX_BULK_YAML_BYTES = 3_000_000
#: Any YAML file holds at most this many values, mappings and lists (parser events, counted while streaming,
#: before a node is built): a dense file (``- []`` lines) holds far more of them per byte than records do.
MAX_YAML_EVENTS = 300_000
#: A CSV/TSV table...
MAX_TABLE_BYTES = 16_000_000
#: ...of at most this many columns (a record of any kind has fewer top-level keys), checked at the header.
MAX_TABLE_COLUMNS = 64
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
#: The files a kind's directory holds: YAML records, or tables of records.
SOURCE_SUFFIXES = (".yaml", ".yml", *TABLE_SUFFIXES)
#: Refuse documents nested deeper than this: records are a few levels deep.
MAX_YAML_DEPTH = 20

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """libyaml's C loader (the pure-Python one gives the same nodes, only slower), with dates left as text.

    PyYAML would turn ``2021-01-19`` into a ``date`` and crash on ``2021-02-30``; the source format's own
    date type checks the text instead and reports a located error.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


@dataclass
class Record:
    """One entity's source description with the position of each of its keys."""

    kind: Kind
    id: str
    path: Path
    data: dict[str, Any]
    positions: dict[Key, tuple[int, int]] = field(default_factory=dict)
    #: The ids it refers to, once :func:`check_references` has walked it.
    references: list[str] | None = None
    #: :attr:`path` as errors show it, worked out once (a conversion locates every triple it makes).
    _shown: str | None = field(default=None, init=False, repr=False, compare=False)

    def label(self) -> str:
        """What the entity is called: its name (a document's label, an ambiguity's title), else its id."""
        d = self.data
        return str(d.get("name") or d.get("label") or d.get("title") or self.id)

    def external(self) -> str | None:
        """The IRI the entity has outside this registry (:attr:`Kind.external`: a licence's SPDX IRI), if any."""
        ext = self.kind.external
        return ext[1] + str(self.data[ext[0]]) if ext is not None and ext[0] in self.data else None

    def loc(self, *key: str | int) -> Location:
        """The location of ``key`` (a path into the record), or of its nearest enclosing key.

        A path ending in :data:`KEY` locates the key itself rather than its value.
        """
        k: Key = tuple(key)
        while k and k not in self.positions:
            k = k[:-1]
        line, col = self.positions.get(k, (1, 1))
        if self._shown is None:  # the folder resolved once for all its files (a file name is not resolved)
            self._shown = os.path.normpath(os.path.join(display_path(self.path.parent), self.path.name))
        return Location(self._shown, line, col)


@dataclass
class Dataset:
    """All records of a data directory, by id."""

    root: Path
    records: dict[str, Record]
    release: dict[str, Any]
    #: SHA-256 of each source file, taken *before* it was read: a file edited while the run reads it shows as
    #: changed to the next run (a digest taken after could describe bytes this run never saw).
    digests: dict[Path, str] = field(default_factory=dict)

    def of_kind(self, segment: str) -> list[Record]:
        return [r for r in self.records.values() if r.kind.segment == segment]


def parse_yaml(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[Any, dict[Key, tuple[int, int]]]:
    """Parse one YAML file into a value and the (line, column) of every key path inside it.

    Time and memory stay bounded whatever the input: the size is checked before reading, and a streaming pass
    over the parser's events refuses anchors/aliases (no "billion laughs") and nesting deeper than
    :data:`MAX_YAML_DEPTH` before any node tree is built.
    """
    check_size(path, limit)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"file is not UTF-8 (byte 0x{raw[exc.start]:02x})", Location.of(path, line),
                        "save the file as UTF-8") from None
    loader = _Loader(text)
    try:
        _check_events(text, path)
        node = loader.get_single_node()
        if node is None:
            raise DataError("file is empty", Location.of(path, 1), "start with 'id: <file name>'")
        positions: dict[Key, tuple[int, int]] = {}
        _collect(node, (), positions, path)
        try:
            value = loader.construct_document(node)
        except (ValueError, TypeError, OverflowError) as exc:  # a value YAML itself cannot make (last resort)
            raise DataError(f"a value cannot be read: {exc}", Location.of(path, 1), "write it plainly") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        lines = text.splitlines()
        if 0 < line <= len(lines) and "\t" in lines[line - 1][: col]:
            raise DataError("YAML syntax: a tab character; YAML indents with spaces only",
                            Location.of(path, line, lines[line - 1].index("\t") + 1),
                            "replace the tab with spaces") from None
        raise DataError(f"YAML syntax: {exc.problem or exc.context}", Location.of(path, line, col),
                        "check indentation and quoting") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters, NUL)
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise DataError(f"YAML does not allow the character #x{exc.character:04x} ({exc.reason})",
                        Location.of(path, line, col),
                        "remove it, or write it escaped in a double-quoted string") from None
    finally:
        loader.dispose()
    return value, positions


def _check_events(text: str, path: Path) -> None:
    """Refuse anchors, aliases and deep nesting, streaming through the parser's events.

    libyaml (PyYAML >= 6.0.2) refuses nesting beyond its own limit while reading ahead, before our count reaches
    :data:`MAX_YAML_DEPTH`; the pure-Python parser (an iterative state machine: no recursion, no read-ahead) then
    finds where our limit was crossed, so the message is the same whichever PyYAML is installed.
    """
    try:
        _walk_events(text, path, _Loader)
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" not in str(exc.problem):
            raise
        _walk_events(text, path, yaml.SafeLoader)
        raise


def _walk_events(text: str, path: Path, loader: Any) -> None:
    depth = 0

    def where() -> Location:  # made only for an error: a location per event costs a third of the pass
        mark = event.start_mark
        return Location.of(path, mark.line + 1, mark.column + 1) if mark is not None else Location.of(path)

    for count, event in enumerate(yaml.parse(text, Loader=loader)):
        if count >= MAX_YAML_EVENTS:
            raise DataError(f"more than {MAX_YAML_EVENTS:,} YAML values, mappings and lists in one file", where(),
                            "split the file, or give a large registry as a CSV/TSV table")
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise DataError("YAML anchors and aliases (&name, *name) are not allowed", where(),
                            "write the value out in full")
        if isinstance(event, yaml.ScalarEvent):
            explicit = event.tag is not None and not any(event.implicit)
            if explicit and event.tag != "tag:yaml.org,2002:str":
                raise DataError(f"explicit YAML tags ({event.tag}) are not allowed", where(),
                                "write the value plainly, quoted if it is text")
            if event.implicit[0] and re.fullmatch(r"[-+]?[0-9_]{40,}", event.value):
                raise DataError(f"a number of {len(event.value):,} digits", where(), "is it meant as text? quote it")
        elif isinstance(event, yaml.CollectionStartEvent) and event.tag is not None and not event.implicit:
            raise DataError(f"explicit YAML tags ({event.tag}) are not allowed", where(),
                            "write the value plainly")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise DataError(f"nested more than {MAX_YAML_DEPTH} levels deep", where(), "flatten the structure")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _collect(node: yaml.Node, key: Key, out: dict[Key, tuple[int, int]], path: Path) -> None:
    out[key] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for k_node, v_node in node.value:
            if not isinstance(k_node, yaml.ScalarNode):
                raise DataError("a key must be plain text, not a list or a mapping",
                                Location.of(path, k_node.start_mark.line + 1, k_node.start_mark.column + 1),
                                "write the key as a word")
            k = k_node.value
            if k in seen:
                raise DataError(f"duplicate key {k!r} (first on line {seen[k]})",
                                Location.of(path, k_node.start_mark.line + 1, k_node.start_mark.column + 1),
                                "keep one of them")
            seen[k] = k_node.start_mark.line + 1
            _collect(v_node, (*key, k), out, path)
            at_key = (k_node.start_mark.line + 1, k_node.start_mark.column + 1)
            out[(*key, k, KEY)] = at_key
            if not isinstance(v_node, yaml.ScalarNode):  # a scalar is located at its value, a block at its key
                out[(*key, k)] = at_key
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _collect(item, (*key, i), out, path)


def check_record(path: Path, kind: Kind) -> tuple[Record, list[OdgError]]:
    """Parse one record file and list its schema problems (the record is returned even when it has some)."""
    value, positions = parse_yaml(path)
    record = Record(kind, path.stem, path, value if isinstance(value, dict) else {}, positions)
    problems: list[OdgError] = [DataError(msg, record.loc(*key), hint) for key, msg, hint in kind.spec.check(value, ())]
    if isinstance(value, dict) and value.get("id") not in (None, path.stem):
        problems.append(DataError(f"id {value['id']!r} does not match the file name {path.name!r}",
                                  record.loc("id"), f"rename the file to {value['id']}.yaml or fix the id"))
    return record, problems + _taken(record)


def _taken(record: Record) -> list[OdgError]:
    """An id whose IRI the release's own description mints (``dataset/contact``...): the two would be merged."""
    if record.kind.segment != mint.DATASET or record.id not in mint.DATASET_PARTS:
        return []
    return [DataError(f"the id {record.id!r} is taken: {mint.dataset('<base>', record.id)} is the release's own "
                      f"{record.id}", record.loc("id") if "id" in record.data else Location.of(record.path),
                      f"choose another id (not one of {', '.join(mint.DATASET_PARTS)})")]


def check_records(path: Path, kind: Kind) -> list[tuple[Record, list[OdgError]]]:
    """The records of one file with their schema problems: a record file, a YAML list of records or a table."""
    if path.suffix in TABLE_SUFFIXES:
        return [_checked(kind, path, value, positions) for value, positions in read_table(path, kind)]
    if not starts_with_list(path):  # one record (a large file is refused before it is read)
        return [check_record(path, kind)]
    value, positions = parse_yaml(path, MAX_BULK_YAML_BYTES)
    if not isinstance(value, list):
        return [check_record(path, kind)]
    per_item: dict[Any, dict[Key, tuple[int, int]]] = {}
    for key, at in positions.items():
        if key:
            per_item.setdefault(key[0], {})[key[1:]] = at
    return [_checked(kind, path, item, per_item.get(i, {})) for i, item in enumerate(value)]


def starts_with_list(path: Path) -> bool:
    """Whether a YAML file's top level is a sequence (its first significant line starts with '- ' or '[')."""
    with path.open("rb") as f:
        for raw in f.read(65536).splitlines():  # the first 64 KiB decide
            line = raw.strip()
            if line and not line.startswith((b"#", b"---", b"%")):
                return line.startswith((b"- ", b"[")) or line == b"-"
    return False


def _checked(kind: Kind, path: Path, value: Any,
             positions: dict[Key, tuple[int, int]]) -> tuple[Record, list[OdgError]]:
    """A record of a bulk file: its id comes from the record itself."""
    data = value if isinstance(value, dict) else {}
    record_id = data.get("id")
    record = Record(kind, str(record_id) if record_id else f"<row at {positions.get((), (0, 0))[0]}>", path, data,
                    positions)
    problems: list[OdgError] = [DataError(msg, record.loc(*key), hint) for key, msg, hint in kind.spec.check(value, ())]
    return record, problems + _taken(record)


def check_size(path: Path, limit: int) -> None:
    """Refuse a file larger than ``limit`` before a byte of it is read."""
    size = path.stat().st_size
    if size > limit and limit == MAX_FILE_BYTES:
        raise DataError(f"file is {size:,} bytes; a record should be far smaller than {limit:,}",
                        Location.of(path), "split it into one file per entity")
    if size > limit:
        raise DataError(f"file is {size:,} bytes, more than {limit:,} for a "
                        f"{'table' if path.suffix in TABLE_SUFFIXES else 'YAML list of records'}", Location.of(path),
                        "split it into several files" + ("" if path.suffix in TABLE_SUFFIXES else
                                                         ", or give the records as a CSV/TSV table"))


def file_limit(path: Path) -> int:
    """The most bytes a source file of this name may have: a table's, a YAML list's, or a record's."""
    if path.suffix in TABLE_SUFFIXES:
        return MAX_TABLE_BYTES
    return MAX_BULK_YAML_BYTES if starts_with_list(path) else MAX_FILE_BYTES


def _check_header(path: Path, header: list[str], kind: Kind | None) -> None:
    """A table's header, before any row is read: at most :data:`MAX_TABLE_COLUMNS` columns, each named once,
    each a key of ``kind`` (an unknown column would otherwise be reported again on every row)."""
    if len(header) > MAX_TABLE_COLUMNS:
        raise DataError(f"the header has {len(header):,} columns, more than {MAX_TABLE_COLUMNS}",
                        Location.of(path, 1), "a column per key of the record: drop the others")
    keys = tuple(kind.spec.fields) if kind is not None else None
    seen: set[str] = set()
    for column, name in enumerate(header, 1):
        if name in seen:
            raise DataError(f"column {name!r} appears twice in the header", Location.of(path, 1, column),
                            "keep one of them")
        seen.add(name)
        if keys is not None and name not in keys:
            raise DataError(f"unknown column {name!r}: not a key of a record in {path.parent.name}/",
                            Location.of(path, 1, column), suggest(name, keys) or f"the keys: {', '.join(keys)}")


def read_table(path: Path, kind: Kind | None = None) -> Iterator[tuple[dict[str, Any], dict[Key, tuple[int, int]]]]:
    """The rows of a CSV/TSV table as record values, each key positioned at the row's line and the cell's column
    (the header checked first: :func:`_check_header`)."""
    import csv
    import json

    check_size(path, MAX_TABLE_BYTES)
    with path.open(encoding="utf-8", newline="") as f:
        try:
            reader = csv.reader(f, delimiter=TABLE_SUFFIXES[path.suffix], strict=True)
            header = next(reader, None)
            if not header:
                raise DataError("table has no header row", Location.of(path, 1), "the first row names the keys")
            _check_header(path, header, kind)
            line = reader.line_num + 1
            for cells in reader:
                if len(cells) != len(header):
                    raise DataError(f"row has {len(cells)} cells, the header {len(header)}", Location.of(path, line),
                                    "quote cells that contain the delimiter")
                value: dict[str, Any] = {}
                positions: dict[Key, tuple[int, int]] = {(): (line, 1)}
                for column, (key, cell) in enumerate(zip(header, cells, strict=True), 1):
                    if cell == "":
                        continue
                    if cell[0] in "[{":
                        if _json_depth(cell) > MAX_YAML_DEPTH:  # before json's recursive parser sees it
                            raise DataError(f"column {key!r}: nested more than {MAX_YAML_DEPTH} levels deep",
                                            Location.of(path, line, column), "flatten the structure")
                        try:
                            value[key] = json.loads(cell)
                        except json.JSONDecodeError as exc:
                            raise DataError(f"column {key!r}: not JSON ({exc.msg} at character {exc.pos + 1})",
                                            Location.of(path, line, column),
                                            'write lists and mappings as JSON: [{"value": ...}]') from None
                    else:
                        value[key] = cell
                    _position_all(value[key], (key,), (line, column), positions)
                    positions[(key, KEY)] = (line, column)
                yield value, positions
                line = reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise DataError(f"file is not UTF-8 ({exc.reason})", Location.of(path), "save the file as UTF-8") from None
        except csv.Error as exc:
            raise DataError(f"CSV syntax: {exc}", Location.of(path, reader.line_num), "check the quoting") from None


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text, strings skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
            continue
        if c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _position_all(value: Any, key: Key, at: tuple[int, int], out: dict[Key, tuple[int, int]]) -> None:
    """Every key path inside a cell's value is located at the cell."""
    out[key] = at
    if isinstance(value, dict):
        for k, v in value.items():
            _position_all(v, (*key, k), at, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _position_all(v, (*key, i), at, out)


def load(data_dir: Path) -> Dataset:
    """Load every record under ``data_dir``, check the schema and every reference between records."""
    if not data_dir.is_dir():
        raise DataError("data directory not found", Location.of(data_dir), "pass --data DIR")
    loader = DirectoryLoad()
    for directory in sorted(data_dir.iterdir()):
        loader.directory(directory)
    release: dict[str, Any] = {}
    if (data_dir / "release.yaml").exists():
        try:
            release, problems = check_release(data_dir / "release.yaml")
            loader.errors += problems or list(_featured_exist(data_dir / "release.yaml", release, loader))
        except OdgError as exc:
            loader.errors.append(exc)
    errors = loader.errors
    errors.extend(itertools.islice(check_references(loader.records, loader.known), max(0, MAX_ERRORS - len(errors))))
    if len(errors) >= MAX_ERRORS:
        errors = errors[:MAX_ERRORS]
        errors.append(DataError(f"stopped after {MAX_ERRORS:,} errors; fix these and run again", Location.of(data_dir)))
    if errors:
        raise ErrorList(errors)
    return Dataset(data_dir, loader.records, release, loader.digests)


def _featured_exist(path: Path, release: dict[str, Any], loader: DirectoryLoad) -> Iterator[OdgError]:
    for i in release.get("featured", []):
        if i not in loader.records and i not in loader.known:
            yield DataError(f"featured id {i!r} is not a record of the data directory", Location.of(path),
                            suggest(i, tuple(loader.records)) or "give the id of a record")


class DirectoryLoad:
    """The records of a data directory's files, and every problem found on the way (:func:`load` reads every
    file with it, :func:`opendata_graph.source.changes.reload` the files that changed)."""

    def __init__(self) -> None:
        self.errors: list[OdgError] = []
        self.records: dict[str, Record] = {}
        self.known: set[str] = set()  #: ids of records that failed their own checks (no cascade of errors)
        self.digests: dict[Path, str] = {}

    def directory(self, directory: Path) -> None:
        if directory.is_symlink():  # its files would come from anywhere
            self.errors.append(DataError("a symbolic link: data/ holds its records itself", Location.of(directory),
                                         "replace the link with the directory it points to"))
            return
        if not directory.is_dir():
            return
        kind = KIND_BY_DIRECTORY.get(directory.name)
        if kind is None:
            self.errors.append(DataError(f"unknown kind of entity {directory.name!r}", Location.of(directory),
                                         f"use one of: {', '.join(sorted(KIND_BY_DIRECTORY))}"))
            return
        for path in sorted(directory.iterdir()):
            if path.suffix in SOURCE_SUFFIXES:
                self.file(path, kind)

    def file(self, path: Path, kind: Kind) -> None:
        if path.is_symlink() or not path.is_file():  # a link (maybe out of data/, broken or a loop), a
            self.errors.append(DataError(  # directory named x.yaml, a FIFO that would block the read forever
                "not a regular file (a symbolic link, a directory, a FIFO...)", Location.of(path),
                "data/ holds its records as plain files: copy the file here instead of linking it"))
            self.known.add(path.stem)
            return
        try:
            check_size(path, file_limit(path))  # before the file is read, even to hash it
            self.digests[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            checked = check_records(path, kind)
        except OSError as exc:
            self.errors.append(DataError(f"cannot read: {exc.strerror}", Location.of(path)))
            return
        except OdgError as exc:  # unreadable: its file name still tells its id, so no cascade of errors
            self.errors.append(exc)
            self.known.add(path.stem)
            return
        for record, problems in checked:
            self.add(record, problems)

    def add(self, record: Record, problems: list[OdgError]) -> None:
        if problems:  # reported; the id still exists, so references to it are not errors too
            self.errors.extend(problems[: max(0, MAX_ERRORS - len(self.errors))])
            self.known.add(record.id)
            return
        if record.id in self.records:
            self.errors.append(duplicate(record, self.records[record.id]))
            return
        self.records[record.id] = record


def duplicate(record: Record, other: Record) -> DataError:
    """``record`` has the id of ``other``."""
    return DataError(f"id {record.id!r} is already used by {other.loc()}", record.loc("id"),
                     "ids are unique across all kinds; choose another")


def check_references(records: dict[str, Record], known: set[str] = frozenset(),  # type: ignore[assignment]
                     only: Iterable[Record] | None = None) -> Iterator[OdgError]:
    """Every reference names a loaded record of an allowed kind; every quoted document exists.

    ``known`` are ids of records that failed their own checks: references to them are not reported again.
    ``only``: check the references of these records (default: all of ``records``).
    """
    documents = {r.id for r in records.values() if r.kind.segment == "document"}
    for record in records.values() if only is None else only:
        refs = []
        for key, spec, value in walk(record.kind.spec, record.data, ()):
            if isinstance(spec, Ref) and isinstance(value, str):
                refs.append(value)
                target = records.get(value)
                if target is None and value in known:
                    continue
                if target is None:
                    yield DataError(f"no entity with id {value!r}", record.loc(*key), _closest(value, records))
                elif "any" not in spec.kinds and target.kind.segment not in spec.kinds:
                    yield DataError(f"{value!r} is a {target.kind.segment}, expected a {' or '.join(spec.kinds)}",
                                    record.loc(*key), None)
                else:
                    yield from _retired_reference(record, key, target)
            if key and key[-1] == "source":
                for doc_key, doc, _ in located_sources(value, key):
                    if doc not in documents:
                        yield DataError(f"unknown source document {doc!r}", record.loc(*doc_key),
                                        f"documents are: {', '.join(sorted(documents))}")
        record.references = refs  # whole walks only
        yield from _self_and_order(record)
    yield from _part_of_cycles(records, only)


def _retired_reference(record: Record, key: tuple[str | int, ...], target: Record) -> Iterator[OdgError]:
    """A successor is of the same kind and not retired itself, and nothing else refers to a retired record: its
    data went to its successor, or nowhere."""
    status = target.data.get("status")
    if key == ("replaced_by",):
        if target.kind is not record.kind:
            yield DataError(f"{target.id!r} is a {target.kind.segment}; a {record.kind.segment} is merged into a "
                            f"{record.kind.segment}", record.loc(*key), None)
        elif target.id == record.id:
            yield DataError(f"{record.id!r} cannot be merged into itself", record.loc(*key), None)
        elif status is not None:
            successor = target.data.get("replaced_by")
            yield DataError(f"{target.id!r} is {status} itself", record.loc(*key),
                            f"point replaced_by at {successor!r}, where its data is now" if successor
                            else "merge into a record that is not retired")
        return
    if status is not None and "status" not in record.data and record.kind.segment != "ambiguity":
        successor = target.data.get("replaced_by")
        yield DataError(f"{target.id!r} is {status}" + (f" (merged into {successor!r})" if successor else ""),
                        record.loc(*key), f"refer to {successor!r}" if successor else "remove the reference")


def _self_and_order(record: Record) -> Iterator[OdgError]:
    """What no record may say: that it is a member or a part of itself, or an interval ending before it begins."""
    for key, _, value in walk(record.kind.spec, record.data, ()):
        if value == record.id and key and (key[-1] == "organisation" or "part_of" in key):
            yield DataError(f"{record.id!r} cannot be a member or a part of itself", record.loc(*key), None)
        if isinstance(value, dict) and isinstance(value.get("begin"), str) and isinstance(value.get("end"), str):
            begin, end = _date_bounds(value["begin"])[0], _date_bounds(value["end"])[1]
            if begin is not None and end is not None and end < begin:
                yield DataError(f"the interval ends ({value['end']}) before it begins ({value['begin']})",
                                record.loc(*key, "end"), "swap begin and end, or check the source")


def _date_bounds(text: str) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """The first and last day a date of precision year, month or day covers, as comparable tuples."""
    try:
        parts = [int(p) for p in text.split("-")]
    except ValueError:
        return None, None
    first = (*parts, *([1] * (3 - len(parts))))
    last = (*parts, *([12] if len(parts) == 1 else []), *([31] if len(parts) < 3 else []))
    return first, last


def _part_of_cycles(records: dict[str, Record], only: Iterable[Record] | None) -> Iterator[OdgError]:
    """``part_of`` chains must end: a programme part of a cohort part of that programme is reported where it closes."""
    for record in records.values() if only is None else only:
        seen, todo = {record.id}, list(_ids(records.get(record.id)))
        while todo:
            current = todo.pop()
            if current == record.id:
                yield DataError(f"{record.id!r} is, through part_of, a part of itself", record.loc("part_of"),
                                "a part_of chain must end at a whole")
                break
            if current in seen:
                continue
            seen.add(current)
            todo += _ids(records.get(current))


def _ids(record: Record | None) -> list[str]:
    """The ids a record is ``part_of`` (as given plainly or as facts with a value)."""
    if record is None:
        return []
    out = []
    for item in record.data.get("part_of") or []:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, str):
            out.append(value)
    return out


def walk(spec: Type, value: Any, key: Key) -> Iterator[tuple[Key, Type, Any]]:
    """Every (key path, type, value) in a schema-valid value, depth first (a value before what it holds, in
    the order the file gives them)."""
    stack = [(key, spec, value)]
    while stack:
        key, spec, value = here = stack.pop()
        yield here
        if isinstance(spec, Obj) and isinstance(value, dict):
            fields = spec.fields
            stack.extend(reversed([((*key, k), fields[k], v) for k, v in value.items() if k in fields]))
        elif isinstance(spec, ListOf) and isinstance(value, list):
            item = spec.item
            stack.extend(reversed([((*key, i), item, v) for i, v in enumerate(value)]))


#: The checksum file of a sources folder: ``sha256sum`` format, one line per document copy.
SOURCE_SUMS = "SHA256SUMS"
_SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](\S(?:.*\S)?)")


def source_sums(directory: Path) -> dict[str, str]:
    """The checksums of the document copies in a sources folder (file name -> SHA-256 hex), read from its
    ``SHA256SUMS``. A missing, empty or unreadable folder, or one without a well-formed ``SHA256SUMS``, is a
    configuration error: the quote check never passes for want of its documents."""
    from ..core.errors import ConfigError

    hint = "give --seeds the folder of the source documents, or pass --no-quote-check (the release then says so)"
    if not directory.is_dir():
        raise ConfigError(f"sources folder {directory} not found", Location.of(directory), hint)
    sums_file = directory / SOURCE_SUMS
    try:
        text = sums_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"the sources folder has no {SOURCE_SUMS} (the documents' checksums)",
                          Location.of(sums_file), f"cd {directory} && sha256sum *.txt > {SOURCE_SUMS}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {SOURCE_SUMS}: {exc}", Location.of(sums_file), hint) from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        found = _SUM_LINE.fullmatch(line)
        if found is None or "/" in found.group(2) or found.group(2) in sums:
            raise ConfigError("not a line of sha256sum's output (a SHA-256 in hex, two spaces, a file name of this "
                              "folder, once)", Location.of(sums_file, number, 1), f"sha256sum *.txt > {SOURCE_SUMS}")
        sums[found.group(2)] = found.group(1)
    if not sums:
        raise ConfigError("the sources folder lists no document", Location.of(sums_file), hint)
    return sums


def local_copies(dataset: Dataset, seeds_dir: Path | None) -> dict[str, str]:
    """Each document's local copy (its text, from ``seeds_dir``), for the documents whose copy is there.

    Every copy read must have the checksum ``SHA256SUMS`` gives it (:func:`source_sums`): a copy edited, or not
    listed, is an input error at the copy, never quietly a different text (the quotes' positions come from it).
    """
    texts: dict[str, str] = {}
    if seeds_dir is None:
        return texts
    sums = source_sums(seeds_dir)
    errors: list[OdgError] = []
    for doc in dataset.of_kind("document"):
        name = str(doc.data["local_copy"])
        path = seeds_dir / name
        if not path.is_file():
            continue  # reported by the quote check: "local copy ... not found", at the record
        data = path.read_bytes()
        if name not in sums:
            errors.append(DataError(f"local copy {name} is not listed in {SOURCE_SUMS}", Location.of(path),
                                    f"add its line: sha256sum {name} >> {SOURCE_SUMS}"))
        elif hashlib.sha256(data).hexdigest() != sums[name]:
            errors.append(DataError(f"local copy {name} does not match its SHA-256 in {SOURCE_SUMS}: the text "
                                    "is not the document as retrieved", Location.of(path),
                                    "restore the copy (git checkout), or record a new retrieval and its checksum"))
        else:
            try:
                texts[doc.id] = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(DataError(f"local copy {name} is not UTF-8 ({exc.reason} at byte {exc.start})",
                                        Location.of(path)))
    if errors:
        raise ErrorList(errors)
    return texts


def sources(value: Any) -> list[tuple[str, str]]:
    """The (document id, quote) pairs of a ``source`` value."""
    return [(doc, quote) for _, doc, quote in located_sources(value, ())]


def located_sources(value: Any, key: Key) -> list[tuple[Key, str, str]]:
    """The (key path of the quote, document id, quote) triples of the ``source`` value found at ``key``."""
    items = value if isinstance(value, list) else [value]
    return [((*key, i, doc) if isinstance(value, list) else (*key, doc), doc, str(quote))
            for i, item in enumerate(items) if isinstance(item, dict) for doc, quote in item.items()]


def _closest(value: str, records: dict[str, Record]) -> str | None:
    from .schema import suggest

    return suggest(value, tuple(records)) or "add a file for it under data/, or fix the id"


__all__ = ["KINDS", "Dataset", "Record", "check_record", "load", "parse_yaml", "sources", "walk"]


#: data/release.yaml: its keys and what each must be (the text of the VoID/DCAT description, never RDF syntax).
RELEASE_KEYS: dict[str, tuple[str, str]] = {
    "title": (r"[^\x00-\x1f\x7f]{1,200}", "one line of text"),
    "description": (r"[^\x00-\x08\x0b-\x1f\x7f]{1,5000}", "text"),
    "version": (r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?",
                "a semantic version such as 1.2.0"),
    "licence": (r"[A-Za-z0-9][A-Za-z0-9.+-]{0,63}", "an SPDX licence id such as CC-BY-4.0"),
    "rights": (r"[^\x00-\x08\x0b-\x1f\x7f]{1,2000}", "text"),
    "homepage": (r"https?://[^\s<>\"{}|\\^`]+", "an http(s) address"),
    "publisher": (r"[^\x00-\x1f\x7f]{1,200}", "one line of text: who publishes the release"),
    "contact": (r"(https?://[^\s<>\"{}|\\^`]+|mailto:[^\s<>\"@]+@[^\s<>\"@]+)",
                "an http(s) address or a mailto: address"),
}
#: release.yaml's list keys: ``featured``, the ids of records the home page starts from (void:exampleResource).
RELEASE_LISTS = ("featured",)


def _release_dates(item: Any, where: Location) -> list[OdgError]:
    """``releases``: each released version's date (``odg release`` reads it; a release is never dated by the
    clock)."""
    import re

    from .schema import date_text

    pattern = RELEASE_KEYS["version"][0]
    if not isinstance(item, dict) or not all(isinstance(v, str) and re.fullmatch(pattern, v) and
                                             re.fullmatch(r"\d{4}-\d{2}-\d{2}", date_text(d) or "")
                                             for v, d in item.items()):
        return [DataError("releases must map versions to their dates", where, "e.g. releases: {0.1.0: 2026-12-01}")]
    return []


def check_release(path: Path) -> tuple[dict[str, Any], list[OdgError]]:
    """data/release.yaml, checked: known keys only, each a string of its form; located errors."""
    import re

    value, positions = parse_yaml(path)
    if not isinstance(value, dict):
        return {}, [DataError("release.yaml must be a mapping of keys to text", Location.of(path, 1, 1),
                              f"keys: {', '.join(RELEASE_KEYS)}")]
    errors: list[OdgError] = []
    for key, item in value.items():
        line, col = positions.get((key,), (0, 0))
        if key in RELEASE_LISTS:
            if not isinstance(item, list) or not all(isinstance(i, str) and ID_RE.match(i) for i in item):
                errors.append(DataError(f"{key} must be a list of record ids", Location.of(path, line, col),
                                        "e.g. featured: [cohort-1, gbif]"))
            continue
        if key == "releases":
            problems = _release_dates(item, Location.of(path, line, col))
            errors += problems
            if not problems:  # as text: the manifest of the cache is JSON
                from .schema import date_text

                value[key] = {v: date_text(d) for v, d in item.items()}
            continue
        if key not in RELEASE_KEYS:
            errors.append(DataError(f"unknown key {key!r} in release.yaml", Location.of(path, line, col),
                                    f"one of {', '.join((*RELEASE_KEYS, *RELEASE_LISTS, 'releases'))}"))
            continue
        pattern, what = RELEASE_KEYS[key]
        if not isinstance(item, str) or not re.fullmatch(pattern, item):
            errors.append(DataError(f"{key} must be {what}, not {str(item)[:60]!r}", Location.of(path, line, col)))
        elif key == "licence":
            from .schema import Spdx

            errors += [DataError(msg, Location.of(path, line, col), hint) for _, msg, hint in Spdx().check(item, ())]
        elif key in ("homepage", "contact"):
            from ..core.iri import iri_problem

            problem = iri_problem(item)
            if problem is not None:
                errors.append(DataError(f"{key} {item[:60]!r} is not an IRI: it {problem}",
                                        Location.of(path, line, col), "remove it, or percent-encode it"))
    return value, errors
