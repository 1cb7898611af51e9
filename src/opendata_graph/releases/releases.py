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
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import mint
from ..core.errors import ConfigError, DataError, Location, OdgError
from ..core.formats import TURTLE
from ..core.outputs import PARTIAL
from ..core.terms import Row

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
    date = release_listing(dist / RELEASES / versions[0]).get("date")
    return str(date) if isinstance(date, str) and DAY_RE.match(date) else None


def release_date(version: str, meta: Mapping[str, Any], given: str | None, where: Path) -> str:
    """The release's date: ``--date``, else ``releases: {VERSION: DATE}`` in ``data/release.yaml``."""
    recorded = (meta.get("releases") or {}).get(version) if isinstance(meta.get("releases"), dict) else None
    date = given or (str(recorded) if recorded is not None else None)
    if date is None:
        raise ConfigError(f"no date for release {version}", Location.of(where),
                          f"pass --date YYYY-MM-DD, or record it in release.yaml as releases: {{{version}: YYYY-MM-DD}}"
                          " (a release is never dated by the clock)")
    if not DAY_RE.match(date) or not _calendar_day(date):
        raise ConfigError(f"{date!r} is not a date", Location.of(where),
                          "write YYYY-MM-DD, a day of the calendar (a release date is never replaced)")
    return date


def _calendar_day(date: str) -> bool:
    """Whether YYYY-MM-DD names a real day (2024-02-29 does, 2024-02-30 and 2024-13-45 do not)."""
    import datetime

    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        return False
    return True


def check_date(dist: Path, previous: str | None, date: str) -> None:
    """Refuse a date earlier than the previous release's (as its verified record list says)."""
    if previous is None:
        return
    before = release_listing(dist / RELEASES / previous).get("date")
    if isinstance(before, str) and DAY_RE.match(before) and date < before:
        raise ConfigError(f"release date {date} is earlier than release {previous}'s, {before}", Location.of(dist),
                          "a release is never dated before the one it follows")


def release_listing(folder: Path) -> dict[str, Any]:
    """A release's ``entities.json`` (version, date, records), read through its verified checksums."""
    from .releasedir import ReleaseDir

    try:
        listing = json.loads(ReleaseDir(folder).read_text(ENTITIES))
    except ValueError as exc:
        raise ConfigError(f"cannot read release {folder.name}'s {ENTITIES}: {exc}", Location.of(folder / ENTITIES)) \
            from None
    if not isinstance(listing, dict):
        raise ConfigError(f"{ENTITIES} is not a JSON object", Location.of(folder / ENTITIES))
    return listing


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


#: What a release's description is made from: its files (name -> (byte size, SHA-256)) -> the triples of its
#: ``void.ttl`` (``publish.version_description``).
Describe = Callable[[Mapping[str, tuple[int, str]]], list[Row]]


def write(dist: Path, version: str, describe: Describe, changes: str, base: str, entities: Mapping[str, str],
          data: Path, date: str, previous: str | None = None, notes: Mapping[str, str] | None = None) -> Path:
    """Copy the build in ``dist`` into ``dist/releases/VERSION/`` (its ``void.ttl`` describing the version and
    its own files, its ``CHANGES.md``, ``notes`` -- file name -> text: the changes as JSON, the RDF delta -- and
    ``SHA256SUMS`` over all), then point ``dist/latest`` at it. Whole or not at all: written (and synced) in a
    directory of its own under a temporary name, then renamed; the build's files are taken only as its own
    SHA256SUMS lists and verifies them. The caller holds :func:`locks.releases_lock`."""
    from .releasedir import SUMS, ReleaseDir

    root = dist / RELEASES
    root.mkdir(parents=True, exist_ok=True)
    target = root / version
    partial = Path(tempfile.mkdtemp(prefix=f".{version}.", suffix=PARTIAL, dir=root))
    try:
        os.chmod(partial, 0o755)  # mkdtemp's 0700 is for a secret; a release is published
        build = ReleaseDir(dist)
        for name in build.names():
            if name != "void.ttl":  # the dumps themselves are the build's bytes: no copy (the ``.odg-output``
                # marker is not among them: SHA256SUMS never lists it, so a version never carries it)
                os.link(build.verify(name), partial / name)
        texts = {"CHANGES.md": changes, **(notes or {})}
        listing = {"version": version, "date": date, "previous": previous, "data": str(data.resolve()),
                   "records": dict(sorted(entities.items()))}
        texts[ENTITIES] = json.dumps(listing, indent=1) + "\n"
        for name, text in texts.items():
            _write_synced(partial / name, text.encode("utf-8"))
        files = {p.name: (p.stat().st_size, _sha256(p)) for p in sorted(partial.iterdir())}
        _write_synced(partial / "void.ttl", TURTLE.document(sorted(set(describe(files))), base))
        sums = "".join(f"{_sha256(p)}  {p.name}\n" for p in sorted(partial.iterdir()))
        _write_synced(partial / SUMS, sums.encode("ascii"))
        _sync(partial)
        try:
            os.rename(partial, target)
        except OSError as exc:  # another run made it first (ENOTEMPTY, EEXIST): it stands, never replaced
            if target.is_dir():
                raise ConfigError(f"release {version} exists and is never replaced (another odg release made it)",
                                  Location.of(target), "release a new version") from None
            raise ConfigError(f"cannot write release {version}: {exc.strerror or exc}", Location.of(target)) \
                from None
        _sync(root)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    point_latest(dist)
    return target


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sync(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def point_latest(dist: Path) -> bool:
    """Point ``dist/latest`` at the newest release (an atomic swap of the link); whether it moved."""
    versions = existing(dist)
    if not versions:
        return False
    want = str(Path(RELEASES) / versions[-1])
    if os.path.islink(dist / LATEST) and os.readlink(dist / LATEST) == want:
        return False
    link = dist / f".{LATEST}.{os.getpid()}.new"
    link.unlink(missing_ok=True)
    link.symlink_to(want)
    os.replace(link, dist / LATEST)
    _sync(dist)
    return True


def repair(dist: Path) -> list[str]:
    """Put right what a killed ``odg release`` left in ``dist`` (the caller holds the releases lock): releases
    half written (dot names under ``releases/``) are removed, a stray ``latest`` link being swapped in is
    removed, and ``latest`` is pointed at the newest whole release. What was done, in words."""
    done: list[str] = []
    root = dist / RELEASES
    if root.is_dir():
        for p in sorted(root.iterdir()):
            if p.name.startswith(".") and p.name.endswith(PARTIAL) and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
                done.append(f"removed {p.name}, a release a killed run left half written")
    if dist.is_dir():
        for p in sorted(dist.iterdir()):
            if p.name.startswith(f".{LATEST}.") and p.name.endswith(".new") and p.is_symlink():
                p.unlink()
    if point_latest(dist):
        done.append(f"{LATEST} now points at release {existing(dist)[-1]} (a killed run left it behind)")
    return done


def records_of(lines: Sequence[str], base: str) -> dict[str, str]:
    """The records of a release (id -> IRI segment), from its N-Triples lines: its minted entities, retired ones
    included."""
    from ..source.schema import minted_record

    records = (minted_record(s[1:-1], base) for s in {line.split(None, 1)[0] for line in lines})
    return {id_: segment for segment, id_ in filter(None, records)}


def deleted(dist: Path, data: Path, ids: set[str] | None) -> list[OdgError]:
    """A record of the latest release (of this data directory) whose file is gone: an error at its file, saying
    how to retire it. ``ids``: the records loaded; None (the data did not load): the records whose own file is
    missing, in kinds kept one file per record."""
    from ..source.schema import KINDS

    listing = dist / LATEST / ENTITIES
    if not listing.is_file():
        return []
    try:
        released = release_listing(dist / LATEST)
    except OdgError as exc:
        return [exc]
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
    from ..source.load import SOURCE_SUFFIXES

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
        listings are errors: a history that silently drops a release would be wrong. Each file is read through
        its release's checksums (:mod:`releasedir`)."""
        from .releasedir import ReleaseDir

        if dist is None:
            return cls()
        dist = dist.resolve()  # dist/latest is a link to releases/VERSION
        root = dist / RELEASES if (dist / RELEASES).is_dir() else dist.parent if dist.parent.name == RELEASES else None
        if root is None:
            return cls()
        out = cls()
        for version in existing(root.parent):
            folder = root / version
            listing = release_listing(folder)
            release = ReleaseDir(folder)
            try:
                changes = json.loads(release.read_text(CHANGES_JSON)) if release.has(CHANGES_JSON) else {}
            except ValueError as exc:
                raise ConfigError(f"cannot read release {version}: {exc}", Location.of(folder)) from None
            records = frozenset(mint.record(base, segment, i) for i, segment in listing.get("records", {}).items())
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


def at_least_the_latest(dist: Path, version: str | None) -> str | None:
    """The version a push of ``dist`` stands for: the unreleased build after release X is at least X, whatever
    release.yaml's ``version`` still says (so pushing it over X is no downgrade)."""
    released = existing(dist) if dist.is_dir() and (dist / RELEASES).is_dir() else []
    if not released:
        return version
    if version is None or not SEMVER_RE.match(version) or version_key(released[-1]) > version_key(version):
        return released[-1]
    return version
