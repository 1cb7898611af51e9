"""Making a release, and comparing two: the flows over a build that ``odg release`` and ``odg diff`` run.

A release is a build, copied whole into ``dist/releases/VERSION/`` with its changelog and a ``void.ttl`` describing
the version (:func:`make`); a comparison reads two sides -- release directories, dump files or git revisions of
the data, built in a temporary directory -- and diffs them (:func:`compare`). Both take the build as a parameter:
the pipeline stands on top and only the CLI imports it (tests/test_architecture.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ..core.errors import ConfigError, ErrorList, Location
from ..core.progress import note, stage_done
from ..releases import diff as d
from ..releases import releases
from .options import Options, quote_sources
from .validate import Report, Result, load_turtle_dir

Say = Callable[[str], None]


class Built(Protocol):
    @property
    def report(self) -> Report: ...


#: The build: options and a progress callback in, the built release's report out (pipeline.build).
Build = Callable[[Options, Say], Built]


@dataclass(frozen=True)
class Released:
    """What :func:`make` did: the release ``version`` of ``date`` in ``folder`` (None: a killed run had made it
    already), its changes from the previous release (None for the first), the build's warnings."""

    version: str
    date: str
    folder: Path | None
    changes: d.Diff | None
    results: Sequence[Result] = ()

    def summary(self) -> str:
        if self.folder is None:
            return (f"release {self.version} was made by a run killed before it moved {releases.LATEST}; "
                    "nothing else to do")
        c = self.changes
        counts = (f"{len(c.added)} added, {len(c.changed)} changed, {len(c.withdrawn)} withdrawn, "
                  f"{len(c.merged)} merged" if c is not None else "the first release")
        return f"released {self.version} ({self.date}) in {self.folder}: {counts}"


def make(opts: Options, version: str, date: str | None, build: Build, say: Say) -> Released:
    """Build and publish release ``version`` of ``opts.data`` as ``opts.dist/releases/VERSION`` under the
    releases lock: repair what a killed run left, refuse an existing version or an earlier date, build, write
    the changelog (``odg diff`` from the previous release) and the version's description, move ``latest``."""
    from ..core.locks import held, releases_lock
    from ..releases.releasedir import ReleaseDir
    from ..source.load import check_release
    from .publish import version_description, void_rows

    dist, base = opts.dist, opts.base
    meta_file = opts.data / "release.yaml"
    meta, problems = check_release(meta_file) if meta_file.is_file() else ({}, [])
    if problems:
        raise ErrorList(problems)
    when = releases.release_date(version, meta, date, meta_file)
    with held(releases_lock(dist), lambda msg: say(f"  {msg}")):
        for line in releases.repair(dist):  # what a killed run left: half-written releases, latest behind
            say(f"  repaired: {line}")
            if line.startswith(releases.LATEST) and releases.existing(dist)[-1] == version:
                return Released(version, when, None, None)
        previous = releases.check_new(dist, version)
        releases.check_date(dist, previous, when)
        outcome = build(opts, lambda msg: say(f"  {msg}"))
        labels = d.predicate_labels(load_turtle_dir(opts.ontology))
        before = d.read_lines(dist / releases.RELEASES / previous) if previous else []
        after = d.read_lines(dist)  # read once: the changelog and the release's record list
        changes = d.diff(before, after, base, previous or "nothing", version, labels)
        notes = d.markdown(changes, labels) if previous else f"# Release {version}\n\nThe first release.\n"
        build_void = void_rows(ReleaseDir(dist).verify("void.ttl"))
        older = [(v, releases.release_listing(dist / releases.RELEASES / v).get("date"))
                 for v in releases.existing(dist)]
        extra = {releases.CHANGES_JSON: d.as_json(changes), releases.DELTA: d.trig(changes, base)} if previous else {}
        folder = releases.write(
            dist, version,
            lambda files: version_description(build_void, base, meta, version, when, previous, older, notes, files),
            notes, base, releases.records_of(after, base), opts.data, when, previous, extra)
    return Released(version, when, folder, changes if previous else None, outcome.report.results)


def compare(old: str, new: str, opts: Options, build: Build, progress: Say) -> tuple[d.Diff, dict[str, str]]:
    """What changed from ``old`` to ``new`` (each a release directory, a dump file or a git revision of
    ``opts.data``, built with ``opts``' other inputs), and the ontology's labels of the predicates."""
    with tempfile.TemporaryDirectory(prefix="odg-diff-") as tmp:
        sides = []
        for i, (spec, stage) in enumerate(((old, "read OLD"), (new, "read NEW"))):
            sides.append(_side(spec, Path(tmp) / str(i), opts, build))
            stage_done(progress, stage)
        labels = d.predicate_labels(load_turtle_dir(opts.ontology))
        changes = d.diff(sides[0], sides[1], opts.base, _name(old), _name(new), labels)
        stage_done(progress, "compare")
    return changes, labels


def _name(spec: str) -> str:
    """How a side is named in the report: a release directory by its name (``0.2.0``), else as given."""
    p = Path(spec)
    return p.name if p.is_dir() else spec


def _side(spec: str, tmp: Path, opts: Options, build: Build) -> list[str]:
    """The rows of one side of ``odg diff``: a release directory, a dump file, or a git revision built here."""
    path = Path(spec)
    if path.exists():
        return d.read_lines(path)
    repo = opts.data if opts.data.is_dir() else Path.cwd()
    commit = d.git_revision(spec, repo)
    if commit is None:
        raise ConfigError(f"{spec!r} is neither a release directory, a dump file nor a git revision",
                          Location.of(spec), "give a directory built by odg, a .nt/.ttl file, or a commit")
    data, ontology, shapes, queries = d.export_revision(commit, repo, (opts.data, opts.ontology, opts.shapes,
                                                                       opts.queries), tmp)
    # the documents required, as for a build: never a side built without its quotes
    seeds = quote_sources(opts.seeds, False) if opts.seeds is not None else None
    build(replace(opts, data=data, ontology=ontology, shapes=shapes, queries=queries, dist=tmp / "dist", seeds=seeds,
                  cache=False), note)
    return d.read_lines(tmp / "dist")
