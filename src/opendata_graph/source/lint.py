"""``odg lint``: the canonical form of a source description, rewritten in place without losing comments.

Canonical form: keys in the order of the source format (identity first, provenance last in each fact), quotes
from documents double-quoted, two-space indentation with list dashes indented under their key, one trailing
newline. ruamel.yaml's round-trip mode keeps comments, flow/block style and block scalars, so ``--fix`` only
moves keys and normalises quoting and indentation; the loaded values are checked to be unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..core.errors import DataError, ErrorList, Location, OdgError
from .schema import KIND_BY_DIRECTORY, ListOf, Obj, Type

#: A record: identity, its own provenance, description; then its kind's keys; then these, in this order.
RECORD_FIRST = ("id", "name", "label", "title", "text", "about", "short_names", "variant_names", "misspellings",
                "source", "evidence", "confidence", "local_copy", "description")
RECORD_LAST = ("memberships", "figures", "notes", "identifiers")
#: A fact: what it states first, provenance last.
FACT_FIRST = ("id", "type", "text", "value", "organisation", "role", "title", "label", "original", "stated_as",
              "unit", "qualifier", "date", "time_reference")
FACT_LAST = ("during", "scope", "note", "source", "evidence", "confidence")


def key_order(spec: Obj, record: bool = False) -> list[str]:
    first, last = (RECORD_FIRST, RECORD_LAST) if record else (FACT_FIRST, FACT_LAST)
    head = [k for k in first if k in spec.fields]
    tail = [k for k in last if k in spec.fields]
    return head + [k for k in spec.fields if k not in head and k not in tail] + tail


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = False
    return yaml


def canonical(text: str, spec: Obj) -> str:
    """The canonical form of one record's YAML text."""
    yaml = _yaml()
    doc = yaml.load(text)
    _normalise(doc, spec, record=True)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _normalise(value: Any, spec: Type, record: bool = False) -> None:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(spec, ListOf) and isinstance(value, list):
        for item in value:
            _normalise(item, spec.item)
    elif isinstance(spec, Obj) and isinstance(value, CommentedMap):
        order = key_order(spec, record)
        keys = sorted(value, key=lambda k: order.index(k) if k in order else len(order))
        for position, key in enumerate(keys):
            if list(value).index(key) != position:
                item = value.pop(key)
                comment = value.ca.items.pop(key, None)
                value.insert(position, key, item)
                if comment is not None:
                    value.ca.items[key] = comment
        for key in value:
            if key == "source":
                for mapping in value[key] if isinstance(value[key], list) else [value[key]]:
                    if isinstance(mapping, dict):
                        for doc in mapping:
                            mapping[doc] = DoubleQuotedScalarString(str(mapping[doc]))
            elif key == "evidence":
                value[key] = DoubleQuotedScalarString(str(value[key]))
            elif key in spec.fields:
                _normalise(value[key], spec.fields[key])


def lint_file(path: Path) -> tuple[str, str]:
    """The current and canonical text of one record file (a regular file: never a link, which --fix would
    follow out of data/)."""
    kind = KIND_BY_DIRECTORY.get(path.parent.name)
    if kind is None:
        raise DataError("not a record file (data/<kind>/<id>.yaml)", Location.of(path))
    if path.is_symlink() or not path.is_file():
        raise DataError("not a regular file (a symbolic link, a directory, a FIFO...): left as it is",
                        Location.of(path), "replace it with the record itself")
    from .load import parse_yaml

    parse_yaml(path)  # a syntax error, a tab, an alias...: the located message validate gives
    text = path.read_text(encoding="utf-8")
    fixed = canonical(text, kind.spec)
    import yaml

    if yaml.safe_load(fixed) != yaml.safe_load(text):  # never change a value, only its form
        raise DataError("canonical form would change the values; file left as it is", Location.of(path),
                        "report this as a bug in odg lint")
    return text, fixed


def write_atomically(path: Path, text: str, like: Path | None = None) -> None:
    """Replace ``path`` with ``text`` whole or not at all (:func:`outputs.write_whole`: a temporary file beside it,
    flushed to disk, renamed over it), with the original's permission bits; a kill at any moment leaves the old
    file or the new one.

    ``like``: create ``path`` as a new file with the permission bits of ``like`` instead, refusing to replace a
    file that appeared meanwhile (a hard link, not a rename)."""
    import stat

    from ..core.outputs import write_whole

    write_whole(path, text, stat.S_IMODE((like or path).stat().st_mode), exclusive=like is not None)


def is_record_file(path: Path) -> bool:
    """Whether ``path`` is where a record lives: ``<data>/<kind directory>/<file>.yaml`` (a YAML record file)."""
    return path.suffix in (".yaml", ".yml") and path.parent.name in KIND_BY_DIRECTORY


def record_files(targets: list[Path]) -> Iterator[Path]:
    for target in targets:
        if target.is_file():
            yield target
        else:
            yield from sorted(p for p in target.rglob("*.yaml") if p.parent.name in KIND_BY_DIRECTORY)


def lint(targets: Sequence[Path], fix: bool, say: Callable[[str], None]) -> int:
    """Check (or, with ``fix``, rewrite) the record files under ``targets`` into canonical form, saying one line per
    file that is not; how many were not. Files that cannot be read are reported together (ErrorList) once every
    other file is linted."""
    changed = 0
    errors: list[OdgError] = []
    for path in record_files(list(targets)):
        try:
            text, fixed = lint_file(path)
        except OdgError as exc:  # reported with the others; the other files are still linted
            errors.append(exc)
            continue
        if text == fixed:
            continue
        changed += 1
        if fix:
            write_atomically(path, fixed)
            say(f"fixed {path}")
        else:
            say(f"{path}: not in canonical form (run: odg lint --fix {path})")
    if errors:
        raise ErrorList(errors)
    return changed


def related(targets: Sequence[Path], rdf: bool = False) -> list[Path]:
    """The targets a hook should look at (pre-commit passes every changed file): record files, and with ``rdf``
    RDF files too."""
    from ..core.formats import by_extension

    return [t for t in targets if is_record_file(t) or (rdf and by_extension(t.suffix) is not None)]
