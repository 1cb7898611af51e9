"""``odg rename OLD NEW``: a rename is a merge and a tombstone, with every reference rewritten.

The record's file is copied to ``NEW.yaml`` with its id changed; ``OLD.yaml`` becomes a tombstone (``status:
merged``, ``replaced_by: NEW``, its last name), so the old IRI keeps answering (301 to the new one) and the next
release's changelog says "merged into". Every reference to OLD in any record (and in ``release.yaml``'s
``featured``) is rewritten where it stands -- the scalar at its line and column, in its own quoting -- so comments,
key order and the rest of each file stay as they were.

Nothing is half-written: the new texts are loaded and checked as a whole data directory in a scratch copy
first (the same checks as ``odg validate``'s load step), and only then is each file replaced atomically.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ConfigError, DataError, ErrorList, Location, OdgError
from .lint import canonical, write_atomically
from .load import TABLE_SUFFIXES, Dataset, Key, Record, load, parse_yaml, starts_with_list, walk
from .schema import ID_RE, Ref

RELEASE_FILE = "release.yaml"


@dataclass
class Plan:
    """What a rename writes: the new record's file, the tombstone, and the files whose references change."""

    old: Record
    new_path: Path
    texts: dict[Path, str] = field(default_factory=dict)  #: every file written, with its whole new text
    references: int = 0  #: references rewritten (the record's own id not counted)

    @property
    def referrers(self) -> list[Path]:
        return sorted(p for p in self.texts if p not in (self.old.path, self.new_path))


def plan(data_dir: Path, old: str, new: str, reason: str | None = None, date: str | None = None) -> Plan:
    """Work out every file a rename writes, or raise a located error; nothing is written."""
    dataset = load(data_dir)
    record = _renamable(dataset, old, new)
    edits: dict[Path, list[tuple[tuple[int, int], str]]] = {}
    problems: list[OdgError] = []
    count = 0
    for r in dataset.records.values():
        for key, at in _references(r, old):
            if r.path.suffix in TABLE_SUFFIXES:
                problems.append(DataError(f"refers to {old!r} in a table", r.loc(*key),
                                          f"odg rename rewrites YAML; change this cell to {new!r} by hand first"))
                continue
            edits.setdefault(r.path, []).append((at, old))
            count += 1
    release = data_dir / RELEASE_FILE
    if release.is_file():
        value, positions = parse_yaml(release)
        for i, item in enumerate(value.get("featured") or [] if isinstance(value, dict) else []):
            if item == old:
                edits.setdefault(release, []).append((positions[("featured", i)], old))
                count += 1
    if problems:
        raise ErrorList(problems)
    out = Plan(record, record.path.with_name(f"{new}{record.path.suffix}"), references=count)
    for path, places in edits.items():
        if path != record.path:
            out.texts[path] = _rewrite(path, path.read_text(encoding="utf-8"), places, new)
    own = [*edits.get(record.path, []), (record.positions[("id",)], old)]
    out.texts[out.new_path] = _rewrite(record.path, record.path.read_text(encoding="utf-8"), own, new)
    out.texts[record.path] = tombstone(record, new, reason, date)
    return out


def _renamable(dataset: Dataset, old: str, new: str) -> Record:
    """OLD is a live record in a file of its own; NEW a free id."""
    root = Location.of(dataset.root)
    record = dataset.records.get(old)
    if record is None:
        from .schema import suggest

        raise ConfigError(f"no record with id {old!r}", root, suggest(old, tuple(dataset.records)) or "give an id")
    if record.data.get("status"):
        raise DataError(f"{old!r} is {record.data['status']} already", record.loc("status"),
                        "rename its successor instead")
    if record.kind.segment == "document":  # every quote names its document by id, as a key, not a reference
        raise DataError(f"{old!r} is a source document, cited by its id in every quote", record.loc("id"),
                        "documents keep their ids; give the document a new name instead")
    if not ID_RE.match(new):
        raise ConfigError(f"{new!r} is not an id", None, "lower-case words joined by hyphens, e.g. open-data-charter")
    if new in dataset.records:
        raise ConfigError(f"id {new!r} is already used by {dataset.records[new].loc()}", None, "choose another id")
    if record.path.stem != old or record.path.suffix in TABLE_SUFFIXES or starts_with_list(record.path):
        raise DataError(f"{old!r} is one of several records in this file", record.loc("id"),
                        "odg rename moves one-record files; move the record to its own file first")
    target = record.path.with_name(f"{new}{record.path.suffix}")
    if target.exists() or target.is_symlink():
        raise ConfigError("the new record's file exists", Location.of(target), "move it away first")
    return record


def _references(record: Record, old: str) -> Iterator[tuple[Key, tuple[int, int]]]:
    """Where ``record`` names ``old``: each reference's key path and the (line, column) of its scalar."""
    for key, spec, value in walk(record.kind.spec, record.data, ()):
        if isinstance(spec, Ref) and value == old:
            yield key, record.positions[key]


def _rewrite(path: Path, text: str, edits: list[tuple[tuple[int, int], str]], new: str) -> str:
    """``text`` with each scalar ``old`` at (line, column) replaced by ``new``, keeping its quotes."""
    lines = text.splitlines(keepends=True)
    for (line, col), old in sorted(edits, reverse=True):  # from the end: earlier positions stay valid
        current = lines[line - 1]
        start = col - 1
        for quote in ("", '"', "'"):
            token = f"{quote}{old}{quote}"
            end = start + len(token)
            if current.startswith(token, start) and (quote or end == len(current) or not _continues(current[end])):
                lines[line - 1] = f"{current[:start]}{quote}{new}{quote}{current[end:]}"
                break
        else:  # the loader's position and the text disagree: never guess
            raise DataError(f"cannot find {old!r} where the loader placed it", Location.of(path, line, col),
                            "report this as a bug in odg rename; nothing was written")
    return "".join(lines)


def _continues(char: str) -> bool:
    """Whether a plain scalar goes on past this character (an id is followed by a space, a comma, ']', '}'...)."""
    return char.isalnum() or char in "-_."


def tombstone(record: Record, new: str, reason: str | None, date: str | None) -> str:
    """The text of the retired record: its id, its last name, ``status: merged`` and its successor."""
    lines = [f"id: {record.id}", f"name: {_quoted(record.label())}", "status: merged", f"replaced_by: {new}",
             f"reason: {_quoted(reason or f'Renamed to {new}.')}"]
    if date:
        lines.append(f"date: {date}")
    return canonical("\n".join(lines) + "\n", record.kind.spec)


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a YAML double-quoted scalar


def check(data_dir: Path, texts: Mapping[Path, str]) -> None:
    """Load the data directory as it would be after the rename, in a scratch copy; raise its errors."""
    with tempfile.TemporaryDirectory(prefix="odg-rename-") as tmp:
        scratch = Path(tmp) / data_dir.name
        shutil.copytree(data_dir, scratch, copy_function=_link_or_copy)
        for path, text in texts.items():
            target = scratch / path.relative_to(data_dir)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()  # a hard link: replace it, never write through it into data/
            target.write_text(text, encoding="utf-8")
        try:
            load(scratch)
        except ErrorList as exc:
            raise ErrorList(_relocated(e, scratch, data_dir) for e in exc.errors) from None
        except OdgError as exc:
            raise _relocated(exc, scratch, data_dir) from None


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _relocated(error: OdgError, scratch: Path, data_dir: Path) -> OdgError:
    """An error of the scratch copy, told at the file it will be in ``data_dir``."""
    loc = error.location
    if loc is not None:
        path = Path(loc.path)
        with contextlib.suppress(ValueError):
            loc = Location.of(data_dir / path.resolve().relative_to(scratch.resolve()), loc.line, loc.column)
    if not isinstance(error, DataError | ConfigError):
        return error
    return type(error)(f"after the rename: {error.message}", loc, error.hint)


def rename(data_dir: Path, old: str, new: str, reason: str | None = None, date: str | None = None) -> Plan:
    """Rename record OLD to NEW in ``data_dir``: checked whole first, then each file replaced atomically."""
    p = plan(data_dir, old, new, reason, date)
    check(data_dir, p.texts)
    write_atomically(p.new_path, p.texts[p.new_path], like=p.old.path)  # first: a kill leaves two valid records
    for path in p.referrers:
        write_atomically(path, p.texts[path])
    write_atomically(p.old.path, p.texts[p.old.path])
    return p
