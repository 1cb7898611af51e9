"""The project file: where a registry's inputs and outputs are, so that commands inside it need no flags.

A project is a directory holding ``odg.toml``, or a ``pyproject.toml`` with a ``[tool.odg]`` table, found by walking
up from the working directory (as git and ruff find theirs; ``odg.toml`` wins when a directory has both). Its keys:

=============  ==========================================================================================
``data``       the records (``data/<kind>/<id>.yaml``)
``sources``    the source documents and their ``SHA256SUMS`` (the quote check)
``dist``       where ``odg build`` publishes
``queries``    the query files (``*-violation.rq`` are checks)
``ontology``   the ontology (default: odg's own)
``shapes``     the SHACL shapes (default: odg's own)
``base``       the base IRI of every minted IRI (http(s), ending in ``/`` or ``#``)
``publisher``  who publishes the release (``data/release.yaml``'s ``publisher`` must agree if it names one)
=============  ==========================================================================================

Paths are relative to the project file's directory and must stay inside it. Precedence: a flag, then an ``ODG_*``
environment variable, then the project file, then the checkout's defaults (:mod:`opendata_graph.core.paths`). A
project file that is not TOML, has an unknown key or a value of the wrong form is an error at its line (exit 2).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, Location

PROJECT_FILE = "odg.toml"
PYPROJECT = "pyproject.toml"
#: The keys that name a directory, and the ones that hold text.
PATH_KEYS = ("data", "sources", "dist", "queries", "ontology", "shapes")
TEXT_KEYS = ("base", "publisher")


@dataclass(frozen=True)
class Project:
    """A project file, read and checked: its directory, and the settings it gives (absolute paths)."""

    file: Path
    paths: dict[str, Path] = field(default_factory=dict)
    base: str | None = None
    publisher: str | None = None

    @property
    def root(self) -> Path:
        return self.file.parent


def find(start: Path) -> Project | None:
    """The project ``start`` is in: the nearest directory at or above it with ``odg.toml`` or a ``pyproject.toml``
    holding ``[tool.odg]``; None outside any project."""
    for directory in (start, *start.parents):
        odg = directory / PROJECT_FILE
        if odg.is_file():
            return read(odg)
        pyproject = directory / PYPROJECT
        if pyproject.is_file():
            table = _toml(pyproject).get("tool", {})
            if isinstance(table, dict) and "odg" in table:
                return read(pyproject)
    return None


def current() -> Project | None:
    """The project of the working directory, or None."""
    try:
        cwd = Path.cwd()
    except OSError:  # the working directory was removed: no project, the checkout's defaults
        return None
    return find(cwd)


def setting(key: str) -> Path | None:
    """The project's path for ``key`` (one of :data:`PATH_KEYS`), or None (no project, or it does not say)."""
    project = current()
    return project.paths.get(key) if project is not None else None


def default_base() -> str | None:
    """The base IRI: ``ODG_BASE``, else the project's, else None (the caller's default)."""
    value = os.environ.get("ODG_BASE")
    if value:
        problem = base_problem(value)
        if problem is not None:
            raise ConfigError(f"ODG_BASE {value!r}: {problem}", None, "e.g. https://example.org/graph/")
        return value
    project = current()
    return project.base if project is not None else None


def default_publisher() -> str | None:
    """The publisher the project file names, or None."""
    project = current()
    return project.publisher if project is not None else None


def base_problem(value: str) -> str | None:
    """Why ``value`` cannot be a base IRI, or None: an absolute http(s) IRI (RFC 3987) ending in / or #."""
    from pyoxigraph import NamedNode

    from .iri import iri_problem

    if not value.startswith(("http://", "https://")) or not value.endswith(("/", "#")):
        return "give an http(s) IRI ending in / or #, e.g. https://example.org/graph/"
    problem = iri_problem(value)
    if problem is not None:
        return f"not an IRI: it {problem}"
    try:
        NamedNode(value)
    except ValueError as exc:
        return f"not an IRI ({exc})"
    return None


def read(file: Path) -> Project:
    """Read and check a project file (``odg.toml``, or ``[tool.odg]`` of a ``pyproject.toml``)."""
    document = _toml(file)
    table: Any = document if file.name != PYPROJECT else document.get("tool", {}).get("odg")
    if not isinstance(table, dict):
        raise ConfigError("[tool.odg] must be a table of settings", _where(file, "odg"),
                          f"keys: {', '.join((*PATH_KEYS, *TEXT_KEYS))}")
    root = file.parent.resolve()
    found: dict[str, Path] = {}
    texts: dict[str, str] = {}
    for key, value in table.items():
        where = _where(file, key)
        if key not in PATH_KEYS and key not in TEXT_KEYS:
            raise ConfigError(f"unknown key {key!r} in the project file", where,
                              f"one of {', '.join((*PATH_KEYS, *TEXT_KEYS))}")
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise ConfigError(f"{key} must be text, not {value!r}", where)
        if key in TEXT_KEYS:
            texts[key] = value
            continue
        path = (root / value).resolve()
        if path != root and not path.is_relative_to(root):
            raise ConfigError(f"{key} = {value!r} leaves the project's directory", where,
                              "give a path inside it, relative to the project file")
        found[key] = path
    base = texts.get("base")
    if base is not None and (problem := base_problem(base)) is not None:
        raise ConfigError(f"base {base!r}: {problem}", _where(file, "base"))
    publisher = texts.get("publisher")
    if publisher is not None and not _one_line(publisher):
        raise ConfigError("publisher must be one line of text (200 characters at most)", _where(file, "publisher"))
    return Project(file.resolve(), found, base, publisher)


def _one_line(text: str) -> bool:
    return len(text) <= 200 and re.search(r"[\x00-\x1f\x7f]", text) is None


def _toml(file: Path) -> dict[str, Any]:
    import tomllib

    try:
        with file.open("rb") as f:
            if os.fstat(f.fileno()).st_size > 1_000_000:
                raise ConfigError("project file larger than 1 MB", Location.of(file), "a few lines of settings")
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        raise ConfigError(f"not TOML: {str(exc).split(' (at line')[0]}", Location.of(file, line, col),
                          "check the TOML syntax: quoted text, one key = value per line") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the project file: {exc}", Location.of(file)) from None


def _where(file: Path, key: str) -> Location:
    """The line of ``key = ...`` in the project file (TOML's parser gives no positions), else the file."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return Location.of(file)
    pattern = re.compile(rf"\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
    if key == "odg":
        pattern = re.compile(r"\s*\[\s*tool\s*\.\s*odg\s*\]")
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            return Location.of(file, number, 1)
    return Location.of(file)


def init(directory: Path, base: str, kinds: Iterable[str], publisher: str | None = None) -> list[Path]:
    """Start a new registry in ``directory`` (absent or empty; anything else is refused before a byte is written):
    ``odg.toml``, an empty ``data/<kind>/`` per kind (``kinds``: their directories, schema.KINDS'), ``sources/``
    for the documents, a README. Returns what it wrote."""
    if directory.exists() and (not directory.is_dir() or directory.is_symlink() or any(directory.iterdir())):
        what = "is not a directory" if not directory.is_dir() or directory.is_symlink() else "is not empty"
        raise ConfigError(f"{directory} {what}", Location.of(directory), "give a new or empty directory")
    problem = base_problem(base)
    if problem is not None:
        raise ConfigError(f"--base {base!r}: {problem}", None)
    if publisher is not None and not _one_line(publisher):
        raise ConfigError("--publisher must be one line of text (200 characters at most)", None)
    settings = [
        "# opendata-graph project: odg commands run anywhere below this directory use these settings.",
        "# Paths are relative to this file; a flag or an ODG_* variable overrides each.",
        'data = "data"',
        'sources = "sources"',
        'dist = "dist"',
        f"base = {_toml_string(base)}",
    ]
    if publisher is not None:
        settings.append(f"publisher = {_toml_string(publisher)}")
    files = {
        PROJECT_FILE: "\n".join(settings) + "\n",
        "README.md": f"# {directory.resolve().name}\n\nA registry published with opendata-graph: records in "
                     "`data/<kind>/`, the source documents they quote in `sources/` (with `SHA256SUMS`), settings "
                     "in `odg.toml`; `odg validate` and `odg build` inside it.\n",
        "sources/README.md": "# sources/\n\nThe source documents the records quote, as retrieved (UTF-8 text), "
                             "each listed in `SHA256SUMS` (`sha256sum *.txt > SHA256SUMS`), with its address and "
                             "retrieval date in its record `data/documents/<id>.yaml`.\n",
    }
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in sorted(kinds):
        (directory / "data" / kind).mkdir(parents=True)
        written.append(directory / "data" / kind)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as f:  # never replaces a file
            f.write(text)
        written.append(path)
    return written


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string for one-line text
