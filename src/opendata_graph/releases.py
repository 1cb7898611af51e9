"""Versioned, immutable releases: ``dist/releases/VERSION/`` and ``dist/latest``.

``odg release VERSION`` builds the release as ``odg build`` does (``dist/`` stays the unreleased "next" build),
then copies it into ``dist/releases/VERSION/`` with its changelog (``CHANGES.md``, from ``odg diff`` against the
previous release) and a ``void.ttl`` that describes the version: ``<base>dataset/VERSION`` is a ``dcat:Dataset``
and ``dcterms:isVersionOf`` the series ``<base>dataset``, with ``dcat:version``, ``dcterms:issued`` (the date
given or recorded in ``data/release.yaml``, never the clock), ``dcat:previousVersion`` and
``adms:versionNotes``; the series ``dcat:hasVersion`` every release so far and ``dcat:hasCurrentVersion`` this
one. A version is written once: an existing one is never replaced, and a version must be newer than the latest.
``dist/latest`` is a symbolic link to the newest release, swapped atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, Location, OdgError
from .formats import TURTLE
from .namespaces import ADMS, DCAT, DCTERMS, OWL, RDF, TEXT_LANGUAGE, XSD
from .outputs import MARKER
from .terms import Row, iri, literal

#: Where releases live inside the release directory, and the link to the newest; carried across builds.
RELEASES = "releases"
LATEST = "latest"
#: In each release: its records (id -> IRI segment) and the data directory they came from, so that a record whose
#: file is deleted afterwards is found (it must be retired instead).
ENTITIES = "entities.json"
#: In each release after the first: the changes since the previous one for machines (``odg diff --format json``)
#: and the RDF delta that takes a store from the previous release to this one (``odg diff --format trig``).
CHANGES_JSON = "changes.json"
DELTA = "delta.trig"
KEPT = (RELEASES, LATEST)
SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


def version_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """Semantic-versioning order: 1.0.0-rc.1 < 1.0.0 < 1.0.1 (numeric pre-release parts compare as numbers)."""
    m = SEMVER_RE.match(version)
    if m is None:
        raise ConfigError(f"{version!r} is not a semantic version", None, "write MAJOR.MINOR.PATCH, e.g. 0.2.0")
    pre = m.group(4)
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")) if pre else ()
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, parts


def existing(dist: Path) -> list[str]:
    """The versions released into ``dist``, oldest first."""
    root = dist / RELEASES
    found = [p.name for p in root.iterdir() if p.is_dir() and SEMVER_RE.match(p.name)] if root.is_dir() else []
    return sorted(found, key=version_key)


def first_date(dist: Path) -> str | None:
    """The date of the first release in ``dist`` (as its record list says), if any."""
    versions = existing(dist)
    if not versions:
        return None
    try:
        listing = json.loads((dist / RELEASES / versions[0] / ENTITIES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    date = listing.get("date")
    return str(date) if isinstance(date, str) and DAY_RE.match(date) else None


def release_date(version: str, meta: Mapping[str, Any], given: str | None, where: Path) -> str:
    """The release's date: ``--date``, else ``releases: {VERSION: DATE}`` in ``data/release.yaml``."""
    recorded = (meta.get("releases") or {}).get(version) if isinstance(meta.get("releases"), dict) else None
    date = given or (str(recorded) if recorded is not None else None)
    if date is None:
        raise ConfigError(f"no date for release {version}", Location.of(where),
                          f"pass --date YYYY-MM-DD, or record it in release.yaml as releases: {{{version}: YYYY-MM-DD}}"
                          " (a release is never dated by the clock)")
    if not DAY_RE.match(date):
        raise ConfigError(f"{date!r} is not a date", Location.of(where), "write YYYY-MM-DD")
    return date


def check_new(dist: Path, version: str) -> str | None:
    """Refuse a version that exists or is not newer than the latest; the previous version, if any."""
    version_key(version)
    versions = existing(dist)
    if version in versions or (dist / RELEASES / version).exists():
        raise ConfigError(f"release {version} exists and is never replaced", Location.of(dist / RELEASES / version),
                          "release a new version")
    if versions and version_key(version) <= version_key(versions[-1]):
        raise ConfigError(f"release {version} is not newer than the latest, {versions[-1]}", Location.of(dist),
                          "versions only go up (semantic versioning)")
    return versions[-1] if versions else None


def version_rows(base: str, version: str, date: str, previous: str | None, versions: Sequence[str],
                 notes: str, first: str | None = None) -> list[Row]:
    """The DCAT 3 description of release ``version`` of the series ``<base>dataset``."""
    series, this = iri(base + "dataset"), iri(f"{base}dataset/{version}")
    out: list[Row] = [
        (this, iri(RDF.type), iri(DCAT.Dataset)),
        (this, iri(DCTERMS.isVersionOf), series),
        (this, iri(DCAT.version), literal(version)),
        (this, iri(OWL.versionInfo), literal(version)),
        (this, iri(DCTERMS.issued), literal(date, datatype=XSD.date)),
        (this, iri(ADMS.versionNotes), literal(notes, language=TEXT_LANGUAGE)),
        (series, iri(DCAT.hasCurrentVersion), this),
    ]
    if previous is not None:
        out.append((this, iri(DCAT.previousVersion), iri(f"{base}dataset/{previous}")))
    # the series: issued with its first release (its recorded date), modified with this one
    out.append((series, iri(DCTERMS.issued), literal(first or date, datatype=XSD.date)))
    out.append((series, iri(DCTERMS.modified), literal(date, datatype=XSD.date)))
    out += [(series, iri(DCAT.hasVersion), iri(f"{base}dataset/{v}")) for v in (*versions, version)]
    return out


def write(dist: Path, version: str, void: list[Row], changes: str, base: str, entities: Mapping[str, str],
          data: Path, date: str, previous: str | None = None, notes: Mapping[str, str] | None = None) -> Path:
    """Copy the release just built in ``dist`` into ``dist/releases/VERSION/`` (its ``void.ttl`` describing the
    version, its ``CHANGES.md``, ``notes`` -- file name -> text: the changes as JSON, the RDF delta -- and
    ``SHA256SUMS`` over all), then point ``dist/latest`` at it. Whole or not at all: written under a temporary
    name, then renamed."""
    target = dist / RELEASES / version
    partial = dist / RELEASES / f".{version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        for f in sorted(dist.iterdir()):
            if f.is_file() and f.name not in ("void.ttl", "SHA256SUMS", MARKER):  # the marker: dist's own
                os.link(f, partial / f.name)  # the dumps themselves are the build's bytes: no copy
        series = iri(base + "dataset")
        unversioned = {(series, iri(DCAT.version)), (series, iri(OWL.versionInfo))}  # the series has no version
        kept = sorted({r for r in void if (r[0], r[1]) not in unversioned})
        (partial / "void.ttl").write_bytes(TURTLE.document(kept, base))
        (partial / "CHANGES.md").write_text(changes, encoding="utf-8")
        for name, text in (notes or {}).items():
            (partial / name).write_text(text, encoding="utf-8")
        listing = {"version": version, "date": date, "previous": previous, "data": str(data.resolve()),
                   "records": dict(sorted(entities.items()))}
        (partial / ENTITIES).write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")
        sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
                       for p in sorted(partial.iterdir()) if p.name != "SHA256SUMS")
        (partial / "SHA256SUMS").write_text(sums, encoding="ascii")
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    link = dist / f".{LATEST}.new"
    link.unlink(missing_ok=True)
    link.symlink_to(Path(RELEASES) / version)
    os.replace(link, dist / LATEST)
    return target


def records_of(lines: Sequence[str], base: str) -> dict[str, str]:
    """The records of a release (id -> IRI segment), from its N-Triples lines: its minted entities, retired ones
    included."""
    from .schema import minted_record

    records = (minted_record(s[1:-1], base) for s in {line.split(None, 1)[0] for line in lines})
    return {id_: segment for segment, id_ in filter(None, records)}


def deleted(dist: Path, data: Path, ids: set[str] | None) -> list[OdgError]:
    """A record of the latest release (of this data directory) whose file is gone: an error at its file, saying
    how to retire it. ``ids``: the records loaded; None (the data did not load): the records whose own file is
    missing, in kinds kept one file per record."""
    from .schema import KINDS

    listing = dist / LATEST / ENTITIES
    if not listing.is_file():
        return []
    try:
        released = json.loads(listing.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [ConfigError(f"cannot read the latest release's records: {exc}", Location.of(listing))]
    if released.get("data") != str(data.resolve()):
        return []
    version = Path(os.readlink(dist / LATEST)).name
    return [DataError(f"{i!r} was in release {version}; its record cannot be deleted",
                      Location.of(data / KINDS[segment].directory / f"{i}.yaml", 1, 1),
                      "keep the file as a tombstone: status: withdrawn (with reason and date), or status: merged "
                      "with replaced_by: <id> (odg rename OLD NEW does that and rewrites the references)")
            for i, segment in sorted(released.get("records", {}).items())
            if segment in KINDS and (i not in ids if ids is not None
                                     else _file_gone(data, KINDS[segment].directory, i))]


def _file_gone(data: Path, directory: str, id_: str) -> bool:
    """Whether ``id_`` has no file of its own in ``data/directory`` (which holds record files only)."""
    from .load import SOURCE_SUFFIXES

    folder = data / directory
    files = [p for p in folder.iterdir() if p.suffix in SOURCE_SUFFIXES] if folder.is_dir() else []
    if any(p.suffix not in (".yaml", ".yml") for p in files):
        return False  # a table may hold it: decided once the data loads
    return not any(p.stem == id_ for p in files)


def carry(dist: Path, staging: Path) -> None:
    """Move the releases and the ``latest`` link of the release directory ``dist`` into the new one, ``staging``,
    before the two are swapped: a build replaces the unreleased files, never the releases."""
    for name in KEPT:
        if os.path.lexists(dist / name) and not os.path.lexists(staging / name):
            os.rename(dist / name, staging / name)


def rescue(leftover: Path, dist: Path) -> None:
    """A killed build may have moved the releases into its staging directory: put them back before it goes."""
    for name in KEPT:
        if os.path.lexists(leftover / name) and not os.path.lexists(dist / name):
            dist.mkdir(parents=True, exist_ok=True)
            os.rename(leftover / name, dist / name)


@dataclass
class Version:
    """One release as its history needs it: version, date, its records' IRIs, the changes since the previous."""

    version: str
    date: str | None
    records: frozenset[str]
    changes: Mapping[str, Any]  #: ``changes.json`` (empty for the first release)


@dataclass
class History:
    """The releases in a release directory, oldest first: what each record's page says of its past."""

    versions: list[Version] = field(default_factory=list)

    @classmethod
    def read(cls, dist: Path | None, base: str) -> History:
        """The releases under ``dist/releases`` (or of the directory a release itself lives in); unreadable
        listings are errors: a history that silently drops a release would be wrong."""
        if dist is None:
            return cls()
        dist = dist.resolve()  # dist/latest is a link to releases/VERSION
        root = dist / RELEASES if (dist / RELEASES).is_dir() else dist.parent if dist.parent.name == RELEASES else None
        if root is None:
            return cls()
        out = cls()
        for version in existing(root.parent):
            folder = root / version
            try:
                listing = json.loads((folder / ENTITIES).read_text(encoding="utf-8"))
                changes = json.loads((folder / CHANGES_JSON).read_text(encoding="utf-8")) \
                    if (folder / CHANGES_JSON).is_file() else {}
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot read release {version}: {exc}", Location.of(folder)) from None
            records = frozenset(f"{base}{segment}/{i}" for i, segment in listing.get("records", {}).items())
            out.versions.append(Version(version, listing.get("date"), records, changes))
            if dist.parent.name == RELEASES and version == dist.name:
                break  # a release's history ends with itself
        return out

    def of(self, iri: str, labels: Mapping[str, str] | None = None) -> list[tuple[str, str, list[str]]]:
        """What happened to ``iri`` release by release: (version, "added" / "changed" / "withdrawn" / "merged",
        the properties changed), oldest first; a record of the first release is "added" in it."""
        events: list[tuple[str, str, list[str]]] = []
        for i, v in enumerate(self.versions):
            if i == 0 and iri in v.records:
                events.append((v.version, "added", []))
                continue
            for group in ("added", "changed", "withdrawn", "merged"):
                for kind in v.changes.get("kinds", {}).values():
                    for e in kind.get(group, []):
                        if e.get("iri") == iri:
                            events.append((v.version, group, _properties(e, labels or {})))
        return events


def _properties(entity: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """The changed properties of a changed entity in words, grouped by node: ``name``, ``figure members (stated
    as, value, label)``."""
    from .diff import node_words, property_name

    by_node: dict[str, list[str]] = {}
    for c in entity.get("changes", []):
        what = property_name(c.get("predicates", []), labels)
        names = by_node.setdefault(node_words(c["node"], entity["iri"]) if c.get("node") else "", [])
        if what not in names:
            names.append(what)
    return [f"{node} ({', '.join(names)})" if node else ", ".join(names) for node, names in by_node.items()]
