"""``odg``: a thin command line over the steps. Imports happen inside commands so ``odg --help`` is instant.

Exit codes: the table in :mod:`opendata_graph.errors`. Errors print as ``path:line:col: error: message`` without a
traceback; an internal error writes its traceback to a file and prints one line naming it (exit 3).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from . import paths
from .errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_VIOLATIONS,
    ErrorList,
    OdgError,
)
from .namespaces import DEFAULT_BASE
from .options import DEFAULT_ENGINE, ENGINES

PathOption = click.Path(path_type=Path)


def _base(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--base``: an absolute http(s) IRI ending in / or #, under which every minted IRI is made; not given, the
    ``ODG_BASE`` variable's or the project file's (:mod:`opendata_graph.project`), else None."""
    from .project import base_problem, default_base

    if value is None:
        return default_base()
    problem = base_problem(value)
    if problem is not None:
        raise click.BadParameter(f"{value!r}: {problem}")
    return value


def _endpoint_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An http(s) URL of a service (a SPARQL endpoint): no spaces, quotes or angle brackets, a host."""
    from urllib.parse import urlsplit

    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in value for c in ' "\'<>\n\t'):
        raise click.BadParameter(f"{value!r}: give an http(s) URL, e.g. https://example.org/sparql")
    return value


def _release_base(release: Path, given: str | None) -> str:
    """The base IRI of the release at ``release``: recorded in its void.ttl (so --base need not be repeated);
    --base, when given, must agree with it -- a server under another base would answer 404 everywhere."""
    from .errors import ConfigError, Location
    from .publish import described_base

    found = described_base(release)
    if given is not None and found is not None and given != found:
        raise ConfigError(f"the release was built with --base {found}, not {given}",
                          Location.of(release / "void.ttl"), "leave --base out: it is read from the release")
    return given or found or DEFAULT_BASE


def _inputs(f: Any) -> Any:
    for name, default, text in reversed((
        ("--data", paths.data_dir, "Source descriptions (data/<kind>/<id>.yaml)."),
        ("--ontology", paths.ontology_dir, "Ontology directory (*.ttl)."),
        ("--shapes", paths.shapes_dir, "SHACL shapes directory (*.ttl)."),
        ("--queries", paths.queries_dir, "Query directory (*.rq; *-violation.rq run as checks)."),
        ("--seeds", paths.seeds_dir, "Local copies of the source documents, to check every quote."),
    )):
        f = click.option(name, type=PathOption, default=default, show_default="repository", help=text)(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opendata-graph")
def cli() -> None:
    """opendata-graph: curated YAML -> validated, deterministic linked-data release."""


@cli.command()
@_inputs
@click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/")
@click.option("--base", default=None, callback=_base, help=f"Base IRI for minted resources [default: {DEFAULT_BASE}].")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--no-quote-check", is_flag=True, help="Do not check quotes against --seeds (the release says so).")
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
              help="SHACL engine: shacl (the Rust `shacl` package: W3C suite 121/121, fast) or pyshacl (reference).")
@click.option("--no-cache", is_flag=True,
              help="Build in full, without reading or writing the build cache (.odg-cache/ beside --data).")
def build(data: Path, ontology: Path, shapes: Path, queries: Path, seeds: Path, dist: Path, base: str | None,
          strict: bool, no_quote_check: bool, engine: str, no_cache: bool) -> None:
    """Load, convert, validate and publish the release into DIST (atomically; nothing on failure).

    A build leaves a cache beside --data; the next build validates and renders again only what the files edited
    since affect, and writes the same bytes a full build would.
    """
    from .options import Options
    from .pipeline import BUILD_STAGES
    from .pipeline import build as run_build
    from .project import default_publisher

    seeds_dir = _seeds(seeds, no_quote_check)
    opts = Options(data, ontology, shapes, queries, dist, seeds_dir, base or DEFAULT_BASE, strict, engine,
                   cache=not no_cache, publisher=default_publisher())
    try:
        with _stages(BUILD_STAGES if opts.cache else tuple(s for s in BUILD_STAGES if s not in ("cache", "store")),
                     "build", lambda msg: click.echo(f"  {msg}", err=True)) as progress:
            outcome = run_build(opts, progress=progress)
    except (KeyboardInterrupt, Terminated):
        click.echo("nothing was published; the previous release is unchanged", err=True)
        raise
    for result in outcome.report.results:
        click.echo(str(result), err=True)
    total = sum(outcome.timings.values())
    click.echo(f"built {dist}: {len(outcome.files)} files in {total:.2f} s ({outcome.report.summary()})", err=True)


@cli.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@_inputs
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif", "turtle"]), default="text",
              show_default=True, help="github: Actions annotations; sarif: SARIF 2.1.0; turtle: SHACL report.")
@click.option("--base", default=None, callback=_base, help="Base IRI for minted resources.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--no-quote-check", is_flag=True, help="Do not check quotes against --seeds (the release says so).")
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
              help="SHACL engine: shacl (the Rust `shacl` package: W3C suite 121/121, fast) or pyshacl (reference).")
@click.option("--no-cache", is_flag=True,
              help="Validate in full, without reading or writing the incremental cache (.odg-cache/ beside --data).")
@click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/",
              help="The release directory whose latest release no record may be deleted from.")
@click.option("--skip-unrelated", is_flag=True,
              help="Ignore TARGETS that are neither records (<data>/<kind>/<file>) nor RDF files (as pre-commit "
                   "passes every changed file); none left: nothing to check, exit 0.")
def validate(targets: tuple[Path, ...], data: Path, ontology: Path, shapes: Path, queries: Path, seeds: Path,
             fmt: str, base: str | None, strict: bool, no_quote_check: bool, engine: str, no_cache: bool,
             dist: Path, skip_unrelated: bool) -> None:
    """Validate source descriptions (or RDF files): schema, SHACL, violation queries, quotes.

    TARGETS are YAML records or data directories (the whole data directory they belong to is checked, since
    records refer to each other) and/or RDF files (.ttl .nt .jsonld ...) checked against --shapes. Without
    TARGETS, --data is checked. Exit 0 conforms, 1 violations, 2 input error. A data directory validated before
    is re-checked incrementally: only what changed since (and what it affects), from .odg-cache/ beside it.
    """
    from dataclasses import replace

    from . import report as rep
    from .formats import by_extension
    from .lint import is_record_file
    from .options import Options
    from .pipeline import VALIDATE_STAGES, data_roots, paused_gc
    from .pipeline import validate as run_validate
    from .validate import Report, validate_rdf

    if skip_unrelated:
        targets = tuple(t for t in targets if is_record_file(t) or by_extension(t.suffix) is not None)
        if not targets:
            click.echo("no record or RDF file among the targets: nothing to check", err=True)
            sys.exit(EXIT_OK)
    rdf_files = [t for t in targets if t.is_file() and by_extension(t.suffix) is not None]
    roots = data_roots([t for t in targets if t not in rdf_files]) if targets else [data]
    opts = Options(data, ontology, shapes, queries, dist, None, base or DEFAULT_BASE, strict, engine,
                   cache=not no_cache)
    results = []
    try:
        with paused_gc(), _stages(VALIDATE_STAGES * len(roots), "validate", _note) as progress:
            for root in roots:
                seeds_dir = _seeds_for(root, data, seeds, no_quote_check)
                results += run_validate(replace(opts, data=root, seeds=seeds_dir), progress).results
            if rdf_files:
                results += validate_rdf(rdf_files, shapes, engine).results
    except ErrorList as exc:
        click.echo(rep.render(rep.from_errors(exc.errors), fmt), nl=False)
        sys.exit(EXIT_INPUT)
    except OdgError as exc:
        click.echo(rep.render(rep.from_errors([exc]), fmt), nl=False)
        sys.exit(exc.exit_code)
    report = Report(sorted(results))
    click.echo(rep.render(report, fmt), nl=False)
    sys.exit(EXIT_OK if report.conforms(strict) else EXIT_VIOLATIONS)


def _note(message: str) -> None:
    click.echo(message, err=True)


def _stage_done(progress: Callable[[str], None], name: str) -> None:
    """Tell a bar over stages that ``name`` ended (nothing for plain lines: a diff prints none)."""
    stage = getattr(progress, "stage", None)
    if stage is not None:
        stage(name, name)


@contextlib.contextmanager
def _stages(names: Sequence[str], label: str, lines: Callable[[str], None]) -> Iterator[Callable[[str], None]]:
    """The progress of a staged command: a bar over its stages on a terminal (progress.Stages), else ``lines``
    (one line per stage, as logs and CI have always read them)."""
    from .progress import Stages, on_terminal

    if not on_terminal(sys.stderr):
        yield lines
        return
    with Stages(names, label) as stages:
        yield stages


def _seeds_for(root: Path, default_data: Path, seeds: Path, skip: bool) -> Path | None:
    """The documents to check quotes against: --seeds for the repository's data; for another data directory,
    its sibling ``sources/`` (or ``seeds/``) if it has one, else --seeds. Never none unless ``skip``."""
    if skip:
        return None
    if root.resolve() != default_data.resolve() and seeds == paths.seeds_dir():
        beside = next((root.parent / n for n in (paths.SOURCES, "seeds") if (root.parent / n).is_dir()), seeds)
        return _seeds(beside, skip)
    return _seeds(seeds, skip)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("-e", "--expression", help="Query text instead of a FILE.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]), default="table",
              show_default=True)
@click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/",
              help="The built release (or an RDF file) to query.")
@click.option("--all", "run_all", is_flag=True, help="Run every query file and compare with its expected results.")
@click.option("--queries", type=PathOption, default=paths.queries_dir, show_default="repository queries/")
@click.option("--write-expected", is_flag=True, help="With --all: rewrite queries/expected/*.tsv from this release.")
@click.option("--endpoint", help="Query this SPARQL 1.1 endpoint instead of the local release.")
@click.option("--graph", help="With --endpoint: the named graph to query as the default graph (default-graph-uri).")
def query(file: Path | None, expression: str | None, fmt: str, dist: Path, run_all: bool, queries: Path,
          write_expected: bool, endpoint: str | None, graph: str | None) -> None:
    """Run a SPARQL query FILE (or -e TEXT) on the built release or an --endpoint; --all checks every query file."""
    from . import query as q

    store = q.RemoteStore(endpoint, graph) if endpoint else q.open_store(dist)
    if run_all:
        sys.exit(_run_all(q, store, queries, write_expected))
    if (file is None) == (expression is None):
        raise click.UsageError("give exactly one of FILE or -e TEXT")
    text = expression if expression is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    result = q.run(store, text, str(file or "-e"))
    click.echo(q.serialize_results(result, fmt), nl=False)


def _run_all(q: Any, store: Any, queries: Path, write_expected: bool) -> int:
    failed = 0
    for qf in q.query_files(queries):
        if qf.needs_named_graphs and isinstance(store, q.RemoteStore):
            click.echo(f"skip {qf.name}: it needs the quad dump's named graphs; the endpoint holds the triples")
            continue
        result = q.run(store, qf.text, str(qf.path))
        if write_expected:
            from .outputs import write_whole

            qf.expected.parent.mkdir(exist_ok=True)
            write_whole(qf.expected, q.serialize_results(q.run(store, qf.text), "tsv"))
            click.echo(f"wrote {qf.expected}")
            continue
        actual = q.rows(result)
        if not qf.expected.exists():
            click.echo(f"MISSING {qf.name}: no {qf.expected} (run: make golden)")
            failed += 1
            continue
        differences = list(q.diff(actual, q.expected_rows(qf.expected)))
        click.echo(f"{'ok  ' if not differences else 'FAIL'} {qf.name} ({sum(actual.values())} rows)")
        for line in differences:
            click.echo(f"     {line}")
        failed += bool(differences)
    return EXIT_VIOLATIONS if failed else EXIT_OK


@cli.command()
@click.argument("version")
@_inputs
@click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/")
@click.option("--date", default=None, help="The release date, YYYY-MM-DD [default: releases: in release.yaml].")
@click.option("--base", default=None, callback=_base, help=f"Base IRI for minted resources [default: {DEFAULT_BASE}].")
@click.option("--no-quote-check", is_flag=True, help="Do not check quotes against --seeds (the release says so).")
def release(version: str, data: Path, ontology: Path, shapes: Path, queries: Path, seeds: Path, dist: Path,
            date: str | None, base: str | None, no_quote_check: bool) -> None:
    """Build and publish release VERSION (semantic versioning) as DIST/releases/VERSION, with its changelog.

    DIST itself is the build, as `odg build` writes it; the release is a copy with CHANGES.md (the changes since
    the previous release, as `odg diff` reports them) and a void.ttl describing the version (dcat:version,
    dcterms:issued, dcat:previousVersion, adms:versionNotes). An existing version is never replaced; DIST/latest
    points at the newest. The date is --date or recorded in release.yaml (releases: {VERSION: DATE}).
    """
    from . import diff as d
    from . import releases
    from .errors import ErrorList
    from .load import check_release
    from .locks import held, releases_lock
    from .options import Options
    from .pipeline import build as run_build
    from .project import default_publisher
    from .publish import version_description, void_rows
    from .releasedir import ReleaseDir
    from .validate import load_turtle_dir

    base = base or DEFAULT_BASE
    try:
        meta_file = data / "release.yaml"
        meta, problems = check_release(meta_file) if meta_file.is_file() else ({}, [])
        if problems:
            raise ErrorList(problems)
        when = releases.release_date(version, meta, date, meta_file)
        with held(releases_lock(dist), lambda msg: click.echo(f"  {msg}", err=True)):
            for line in releases.repair(dist):  # what a killed run left: half-written releases, latest behind
                click.echo(f"  repaired: {line}", err=True)
                if line.startswith(releases.LATEST) and releases.existing(dist)[-1] == version:
                    click.echo(f"release {version} was made by a run killed before it moved {releases.LATEST}; "
                               "nothing else to do", err=True)
                    return
            previous = releases.check_new(dist, version)
            releases.check_date(dist, previous, when)
            opts = Options(data, ontology, shapes, queries, dist, _seeds(seeds, no_quote_check), base,
                           publisher=default_publisher())
            outcome = run_build(opts, progress=lambda msg: click.echo(f"  {msg}", err=True))
            labels = d.predicate_labels(load_turtle_dir(ontology))
            before = d.read_lines(dist / releases.RELEASES / previous) if previous else []
            after = d.read_lines(dist)  # read once: the changelog and the release's record list
            changes = d.diff(before, after, base, previous or "nothing", version, labels)
            notes = d.markdown(changes, labels) if previous else f"# Release {version}\n\nThe first release.\n"
            build_void = void_rows(ReleaseDir(dist).verify("void.ttl"))
            older = [(v, releases.release_listing(dist / releases.RELEASES / v).get("date"))
                     for v in releases.existing(dist)]
            extra = {releases.CHANGES_JSON: d.as_json(changes), releases.DELTA: d.trig(changes, base)} \
                if previous else {}
            target = releases.write(
                dist, version,
                lambda files: version_description(build_void, base, meta, version, when, previous, older, notes, files),
                notes, base, releases.records_of(after, base), data, when, previous, extra)
    except ErrorList as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(EXIT_INPUT)
    except OdgError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    for result in outcome.report.results:
        click.echo(str(result), err=True)
    counts = (f"{len(changes.added)} added, {len(changes.changed)} changed, {len(changes.withdrawn)} withdrawn, "
              f"{len(changes.merged)} merged" if previous else "the first release")
    click.echo(f"released {version} ({when}) in {target}: {counts}", err=True)


@cli.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "trig"]), default="markdown",
              show_default=True, help="A changelog, the changes for machines, or the RDF delta (TriG).")
@click.option("--output", "-o", type=PathOption, default=None, help="Write to this file instead of stdout.")
@_inputs
@click.option("--base", default=None, callback=_base, help=f"Base IRI of the releases [default: {DEFAULT_BASE}].")
def diff_command(old: str, new: str, fmt: str, output: Path | None, data: Path, ontology: Path, shapes: Path,
                 queries: Path, seeds: Path, base: str | None) -> None:
    """What changed from OLD to NEW, per entity: each is a release directory, a dump file, or a git revision of the
    data (built in a temporary directory).

    Markdown is the changelog a curator reads (a release's CHANGES.md); JSON the same for machines; TriG the
    delta as a removals graph and an additions graph, which takes a store from OLD to NEW.
    """
    import tempfile

    from . import diff as d
    from .validate import load_turtle_dir

    try:
        base = _release_base(Path(new), base) if Path(new).is_dir() else base or DEFAULT_BASE
        with tempfile.TemporaryDirectory(prefix="odg-diff-") as tmp, \
                _stages(("read OLD", "read NEW", "compare"), "diff", lambda msg: None) as progress:
            sides = []
            for i, spec in enumerate((old, new)):
                sides.append(_side(spec, Path(tmp) / str(i), data, ontology, shapes, queries, seeds, base))
                _stage_done(progress, ("read OLD", "read NEW")[i])
            labels = d.predicate_labels(load_turtle_dir(ontology))
            changes = d.diff(sides[0], sides[1], base, _name(old), _name(new), labels)
            _stage_done(progress, "compare")
    except OdgError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    text = {"markdown": lambda: d.markdown(changes, labels), "json": lambda: d.as_json(changes),
            "trig": lambda: d.trig(changes, base)}[fmt]()
    if output is None:
        click.echo(text, nl=False)
    else:
        from .outputs import write_whole

        output.parent.mkdir(parents=True, exist_ok=True)
        write_whole(output, text)  # whole or not at all: written beside it, then renamed


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--data", type=PathOption, default=paths.data_dir, show_default="repository",
              help="Source descriptions (data/<kind>/<id>.yaml).")
@click.option("--reason", default=None, help="Why, for the tombstone [default: Renamed to NEW.].")
@click.option("--date", default=None, help="Since when, YYYY-MM-DD, for the tombstone [default: none].")
def rename(old: str, new: str, data: Path, reason: str | None, date: str | None) -> None:
    """Rename record OLD to NEW: OLD's file becomes a tombstone merged into NEW.yaml, every reference is rewritten.

    The old IRI keeps answering (301 to the new one) and the next release's changelog says "merged into". The
    whole data directory is checked as it will be before any file is replaced.
    """
    from . import rename as r
    from .releases import DAY_RE

    if date is not None and not DAY_RE.match(date):
        raise click.BadParameter(f"{date!r} is not a date: write YYYY-MM-DD", param_hint="--date")
    try:
        done = r.rename(data, old, new, reason, date)
    except ErrorList as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(exc.exit_code)
    except OdgError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    click.echo(f"renamed {old} to {new}: {done.new_path} written, {done.old.path} is a tombstone merged into it; "
               f"{done.references} reference(s) rewritten in {len(done.referrers)} file(s)")
    for path in done.referrers:
        click.echo(f"  {path}")


def _name(spec: str) -> str:
    """How a side is named in the report: a release directory by its name (``0.2.0``), else as given."""
    p = Path(spec)
    return p.name if p.is_dir() else spec


def _side(spec: str, tmp: Path, data: Path, ontology: Path, shapes: Path, queries: Path, seeds: Path,
          base: str) -> list[str]:
    """The rows of one side of ``odg diff``: a release directory, a dump file, or a git revision built here."""
    from . import diff as d
    from .errors import ConfigError, Location

    path = Path(spec)
    if path.exists():
        return d.read_lines(path)
    repo = data if data.is_dir() else Path.cwd()
    commit = d.git_revision(spec, repo)
    if commit is None:
        raise ConfigError(f"{spec!r} is neither a release directory, a dump file nor a git revision",
                          Location.of(spec), "give a directory built by odg, a .nt/.ttl file, or a commit")
    from .options import Options
    from .pipeline import build as run_build

    old_data, old_ontology, old_shapes, old_queries = d.export_revision(commit, repo, (data, ontology, shapes,
                                                                                       queries), tmp)
    opts = Options(old_data, old_ontology, old_shapes, old_queries, tmp / "dist", _seeds(seeds, False), base,
                   cache=False)  # the documents required, as for a build: never a side built without its quotes
    run_build(opts, _note)
    return d.read_lines(tmp / "dist")


@cli.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--fix", is_flag=True, help="Rewrite files into canonical form (comments are kept).")
@click.option("--skip-unrelated", is_flag=True, help="Ignore TARGETS that are not records (<data>/<kind>/<file>).")
def lint(targets: tuple[Path, ...], fix: bool, skip_unrelated: bool) -> None:
    """Check that record files are in canonical form (key order, quoting, indentation); --fix rewrites them.

    Without TARGETS, every record under the repository's data/ is checked. Exit 1 when a file is not canonical.
    """
    from .lint import is_record_file, lint_file, record_files, write_atomically

    if skip_unrelated:
        targets = tuple(t for t in targets if is_record_file(t))
        if not targets:
            return
    changed = 0
    errors: list[OdgError] = []
    for path in record_files(list(targets) or [paths.data_dir()]):
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
            click.echo(f"fixed {path}")
        else:
            click.echo(f"{path}: not in canonical form (run: odg lint --fix {path})")
    if errors:
        raise ErrorList(errors)
    if changed and not fix:
        sys.exit(EXIT_VIOLATIONS)


@cli.command()
@click.argument("dump", type=click.Path(exists=True, path_type=Path), default=paths.dist_dir)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--base", default=None, callback=_base,
              help=f"Base IRI of the release [default: the release's own (void:uriSpace), else {DEFAULT_BASE}].")
@click.option("--queries", type=PathOption, default=paths.queries_dir, show_default="repository queries/")
@click.option("--timeout", default=10.0, show_default=True, help="Per-query time limit, seconds.")
@click.option("--max-results", default=100_000, show_default=True, help="Result rows (or triples) per query.")
@click.option("--idle-timeout", default=15.0, show_default=True, help="Seconds before an idle connection is closed.")
@click.option("--worker-memory", default=4096, show_default=True, type=click.IntRange(64),
              help="Address space per query worker, MB: a query needing more is stopped (503).")
@click.option("--workers", default=None, type=click.IntRange(1),
              help="Query worker processes [default: two per core].")
@click.option("--queue", default=256, show_default=True, type=click.IntRange(0),
              help="Requests that may wait for a worker; past that, 503 with Retry-After.")
@click.option("--fast-lane", default=None, type=click.FloatRange(0),
              help="CPU seconds: a query a worker answered within them is answered in the server's own threads "
                   "afterwards [default: a quarter of --timeout, at most 0.5; 0: never].")
@click.option("--verbose", is_flag=True, help="Log every request.")
def serve(dump: Path, host: str, port: int, base: str | None, queries: Path, timeout: float, max_results: int,
          idle_timeout: float, worker_memory: int, workers: int | None, queue: int, fast_lane: float | None,
          verbose: bool) -> None:
    """Serve DUMP (the dist/ release, or an .nt/.ttl/.nq/.trig file): SPARQL at /sparql, a page per resource.

    Queries wait their turn in a bounded queue (fair across clients) and run in worker processes that are killed
    at --timeout seconds of the query's own CPU time (and at --worker-memory) and replaced; once a worker has
    answered a query well within the limits, its later copies are answered in the server's own threads.
    """
    from .serve import load_app, main_loop
    from .serve import serve as make_server

    try:
        app = load_app(dump, _release_base(dump, base), queries if queries.is_dir() else None, timeout, max_results)
    except FileNotFoundError as exc:
        raise OdgError(str(exc), hint="run 'odg build' first") from None
    try:
        server = make_server(app, host, port, verbose, idle_timeout)
    except OSError as exc:
        app.close()
        raise OdgError(f"cannot listen on {host}:{port}: {exc.strerror}",
                       hint="choose another --port (0: any free one)") from None
    try:
        app.start_workers(fast_lane, memory=worker_memory << 20, queue=queue,
                          **({"workers": workers} if workers else {}))
    except Exception:
        app.close()
        raise
    main_loop(server, app)


@cli.command()
@click.argument("out", type=PathOption)
@click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/")
@click.option("--base", default=None, callback=_base,
              help=f"Base IRI of the release [default: the release's own (void:uriSpace), else {DEFAULT_BASE}].")
@click.option("--queries", type=PathOption, default=paths.queries_dir, show_default="repository queries/")
@click.option("--root", default="/", show_default=True, help="URL path the site is hosted under.")
@click.option("--target", default="https://example.org/opendata-graph/", show_default=True,
              help="Where the site is hosted, for the w3id.org redirect rules.")
@click.option("--endpoint", default=None, callback=_endpoint_url,
              help="A SPARQL endpoint serving the release: the query page's live form asks it (CORS needed).")
def site(out: Path, dist: Path, base: str | None, queries: Path, root: str, target: str,
         endpoint: str | None) -> None:
    """Export the release as a static site in OUT: pages, per-resource .ttl/.jsonld/.nt, redirect rules."""
    from .progress import Bar
    from .site import export

    files = export(dist, out, _release_base(dist, base), queries if queries.is_dir() else None, root, target,
                   progress=lambda total, label: Bar(total, label), endpoint=endpoint)
    click.echo(f"wrote {len(files)} files to {out}", err=True)


@cli.command()
@click.option("--endpoint", required=True, help="Graph Store Protocol endpoint (--protocol gsp) or update endpoint.")
@click.option("--graph", default=None, help="Named graph to replace [default: the release's <base>dataset].")
@click.option("--protocol", type=click.Choice(["gsp", "update"]), default="gsp", show_default=True)
@click.option("--query-endpoint", default=None, help="For the count check [default: derived for known stores].")
@click.option("--update-endpoint", default=None, help="For the atomic swap [default: derived for known stores].")
@click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/",
              help="The release (or an .nt file) to push.")
@click.option("--chunk-triples", default=0, show_default=True, help="Triples per request; 0 sends one request.")
@click.option("--connect-timeout", default=10.0, show_default=True)
@click.option("--read-timeout", default=300.0, show_default=True)
@click.option("--retries", default=4, show_default=True, help="For 5xx, 429 and lost connections.")
@click.option("--auth", type=click.Choice(["basic", "digest"]), default="basic", show_default=True,
              help="How ODG_PUSH_USER/ODG_PUSH_PASSWORD are sent (credentials never go on the command line).")
@click.option("--gzip/--no-gzip", default=True, show_default=True, help="Compress uploads (falls back if refused).")
@click.option("--no-verify", is_flag=True, help="Skip counting the triples on the server afterwards.")
@click.option("--allow-downgrade", is_flag=True, help="Replace a newer release the store holds with this older one.")
@click.option("--delta", is_flag=True,
              help="Send only the changes from the release the store holds (SPARQL Update), then verify.")
def push(endpoint: str, graph: str | None, protocol: str, query_endpoint: str | None, update_endpoint: str | None,
         dist: Path, chunk_triples: int, connect_timeout: float, read_timeout: float, retries: int, auth: str,
         gzip: bool, no_verify: bool, allow_downgrade: bool, delta: bool) -> None:
    """Replace a named graph of a triple store with the release, atomically, and verify the triple count.

    The release's VoID/DCAT description goes to the graph <GRAPH>-void (its version), and a release older than
    the one the store holds is refused unless --allow-downgrade. With --delta, only the changes from the store's
    release (one of DIST's releases) are sent, in one SPARQL Update request.

    Exit codes: 0 pushed, 1 count mismatch, 2 usage, 3 internal error, 4 network (refused, DNS, timeout),
    5 authentication, 6 the server refused (404, 413, 5xx after retries...).
    """
    import time
    from urllib.parse import urlsplit

    from .push import Pusher, PushError, Target, credentials, dump_of, public, release_version

    for name, url in (("--endpoint", endpoint), ("--query-endpoint", query_endpoint),
                      ("--update-endpoint", update_endpoint)):
        if url is None:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OdgError(f"{name} must be an http(s) URL, not {public(url)!r}", hint="e.g. http://127.0.0.1:7878/store")
        if parts.username or parts.password:
            raise OdgError(f"{name} {public(url)} carries credentials in the URL; they are never taken from the "
                           "command line", hint="set ODG_PUSH_USER and ODG_PUSH_PASSWORD, or use ~/.netrc")
    dump = dump_of(dist)
    version, void, recorded = release_version(dist / "void.ttl") if dist.is_dir() else (None, None, None)
    effective = _at_least_the_latest(dist, version)
    if void is not None and version is not None and effective != version:  # the store records what the check used
        from .namespaces import DCAT

        void = void.replace(f'<{DCAT.version}> "{version}"'.encode(), f'<{DCAT.version}> "{effective}"'.encode())
    version = effective
    size = dump.stat().st_size
    from .progress import Bar

    bar = Bar(size, "pushing", unit=" bytes")
    target = Target(store=endpoint if protocol == "gsp" else "", graph=graph or (recorded or DEFAULT_BASE) + "dataset",
                    query=query_endpoint, update=update_endpoint if protocol == "gsp" else endpoint,
                    connect_timeout=connect_timeout, read_timeout=read_timeout, retries=retries,
                    auth=credentials(auth), gzip=gzip, chunk_triples=chunk_triples,
                    progress=bar.advance)
    started = time.monotonic()
    pusher = Pusher(target)
    held = pusher.check_version(version, allow_downgrade)
    if delta:  # the delta applies to exactly the release the store records, proven triple for triple first
        old_lines, new_lines = _delta_sides(dist, held)
        if pusher.graph_rows() != set(_rows(old_lines)):
            click.echo(f"<{target.graph}> does not hold exactly release {held}, which it records (its graph was "
                       "changed since): pushing in full instead of the delta", err=True)
            delta = False
    bar.__enter__()
    try:
        if delta:
            removals, additions = _delta(old_lines, new_lines, recorded or DEFAULT_BASE)
            local, remote = pusher.push_delta(dump, removals, additions, verify=not no_verify)
            if not no_verify and pusher.graph_rows() != set(_rows(new_lines)):
                raise PushError(f"<{target.graph}> does not hold exactly the release after the delta", EXIT_VIOLATIONS,
                                "push in full (without --delta)")
        else:
            local, remote = pusher.push(dump, protocol, verify=not no_verify)
        pusher.record_version(void)
    finally:
        bar.__exit__(None, None, None)
    seconds = time.monotonic() - started
    check = f"; the server holds {remote:,}" if remote is not None else "; not verified"
    what = f"the delta from {held} ({len(removals):,} removed, {len(additions):,} added): " if delta else ""
    release = f" (release {version})" if version else ""
    click.echo(f"pushed {what}{local:,} triples to <{target.graph}>{release} at {public(endpoint)} in {seconds:.1f} s "
               f"({local / max(seconds, 1e-9):,.0f} triples/s){check}", err=True)


def _at_least_the_latest(dist: Path, version: str | None) -> str | None:
    """The version a push of ``dist`` stands for: the unreleased build after release X is at least X, whatever
    release.yaml's ``version`` still says (so pushing it over X is no downgrade)."""
    from .releases import SEMVER_RE, existing, version_key

    released = existing(dist) if dist.is_dir() and (dist / "releases").is_dir() else []
    if not released:
        return version
    if version is None or not SEMVER_RE.match(version) or version_key(released[-1]) > version_key(version):
        return released[-1]
    return version


def _delta_sides(dist: Path, held: str | None) -> tuple[list[str], list[str]]:
    """The N-Triples lines of the store's release ``held`` (a version already checked to be a semantic version,
    one of the release directory's releases: nothing outside ``releases/`` is read) and of ``dist``, both read
    through their checksums."""
    from . import diff as d
    from .push import PushError
    from .releases import RELEASES, existing

    if held is None:
        raise PushError("--delta needs to know the release the store holds, and it says none", EXIT_INPUT,
                        "push in full once (the version is recorded), then push deltas")
    resolved = dist.resolve()
    root = resolved.parent.parent if resolved.parent.name == RELEASES else resolved
    if held not in existing(root):
        raise PushError(f"the store holds release {held}, which is not in {root / RELEASES}", EXIT_INPUT,
                        "push in full, or from the release directory that made it")
    return d.read_lines(root / RELEASES / held), d.read_lines(dist)


def _rows(lines: list[str]) -> list[tuple[str, str, str]]:
    """N-Triples lines as rows, each term as pyoxigraph writes it (so the store's answer compares equal)."""
    from pyoxigraph import RdfFormat, parse

    from .terms import rows

    return rows(parse("\n".join(lines).encode("utf-8"), format=RdfFormat.N_TRIPLES))


def _delta(old: list[str], new: list[str], base: str) -> tuple[list[str], list[str]]:
    """The N-Triples lines to remove and to add to take a store holding ``old`` to ``new``."""
    from . import diff as d

    changes = d.diff(old, new, base)
    return sorted(" ".join(r) + " ." for r in changes.removals), sorted(" ".join(r) + " ." for r in changes.additions)


def _seeds(seeds: Path, skip: bool) -> Path | None:
    """The source documents to check quotes against: required (a missing folder is an error, exit 2) unless
    --no-quote-check, and then None (the release's description says the quotes were not checked)."""
    from .load import source_sums

    if skip:
        return None
    source_sums(seeds)
    return seeds


@cli.command()
@click.argument("directory", type=PathOption)
@click.option("--base", required=True, help="Base IRI of the new registry's minted IRIs, e.g. https://example.org/reg/.")
@click.option("--publisher", default=None, help="Who publishes its releases (one line).")
def init(directory: Path, base: str, publisher: str | None) -> None:
    """Start a new registry in DIRECTORY (new or empty): odg.toml, an empty data/<kind>/ per kind, sources/, a
    README. Inside it, every command finds its settings in odg.toml: no flags needed."""
    from .project import init as start
    from .schema import KINDS

    written = start(directory, base, [k.directory for k in KINDS.values()], publisher)
    click.echo(f"started a registry in {directory}: {len(written)} files and directories; add a source document "
               "to sources/ (and its SHA256SUMS line), its record to data/documents/, then odg validate", err=True)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that clean-up (``finally``/``except``) runs as for Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def main() -> None:
    """Entry point: run the CLI, printing project errors as located one-liners without a traceback.

    Exit codes: the table in :mod:`opendata_graph.errors`.
    """
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main(standalone_mode=False)
    except SystemExit as exc:
        _leave(exc.code if isinstance(exc.code, int) else 1)
    except click.exceptions.Exit as exc:
        _leave(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    except ErrorList as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} error(s)", err=True)
        sys.exit(exc.exit_code)
    except OdgError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # the machine's situation (disk full, permission denied...) is exit 2 with its path
        from .outputs import os_error

        located = os_error(exc)
        if located is None:
            sys.exit(_internal_error())
        click.echo(str(located), err=True)
        sys.exit(located.exit_code)
    except Exception:  # a bug: one line for the user, the traceback in a file for the report
        sys.exit(_internal_error())
    _leave(0)


def _internal_error() -> int:
    """Write the current exception's traceback to a file, print one line naming it; the internal-error code."""
    import tempfile
    import traceback

    kind, exc, _ = sys.exc_info()
    try:
        with tempfile.NamedTemporaryFile("w", prefix="odg-crash-", suffix=".txt", delete=False,
                                         encoding="utf-8") as f:
            traceback.print_exc(file=f)
            where = f"; traceback in {f.name}"
    except OSError:
        where = ""
    name = kind.__name__ if kind else "error"
    click.echo(f"internal error: {name}: {str(exc).splitlines()[0] if str(exc) else ''}{where} "
               "(please report it)", err=True)
    return EXIT_INTERNAL


def _leave(code: int) -> None:
    """Exit without tearing down the interpreter: a build leaves millions of objects that would be freed one by
    one (half a second at a million triples) for nothing. Files are closed and flushed by then; flush stdio."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
