"""``odg``: a thin command line over the steps. Each command parses its arguments (:mod:`.arguments`) into the
package's typed options and calls one function of the package; imports happen inside commands so ``odg --help``
is instant. Exit codes and the one error path: :mod:`.entry`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import arguments, paths
from .entry import Terminated, _on_sigterm, exits  # noqa: F401  (_on_sigterm: the handler main installs, for tests)
from .entry import run as run_command
from .errors import EXIT_OK, EXIT_VIOLATIONS
from .namespaces import DEFAULT_BASE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opendata-graph")
def cli() -> None:
    """opendata-graph: curated YAML -> validated, deterministic linked-data release."""


@cli.command()
@arguments.inputs
@arguments.dist
@arguments.minting_base
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@arguments.no_quote_check
@arguments.engine
@click.option("--no-cache", is_flag=True,
              help="Build in full, without reading or writing the build cache (.odg-cache/ beside --data).")
def build(inputs: Any, dist: Path, base: str | None, strict: bool, no_quote_check: bool, engine: str,
          no_cache: bool) -> None:
    """Load, convert, validate and publish the release into DIST (atomically; nothing on failure).

    A build leaves a cache beside --data; the next build validates and renders again only what the files edited
    since affect, and writes the same bytes a full build would.
    """
    from .options import quote_sources
    from .pipeline import BUILD_STAGES
    from .pipeline import build as run_build
    from .progress import indented, staged
    from .project import default_publisher

    opts = inputs.options(dist, quote_sources(inputs.seeds, no_quote_check), base, strict=strict, engine=engine,
                          cache=not no_cache, publisher=default_publisher())
    try:
        with staged(BUILD_STAGES if opts.cache else tuple(s for s in BUILD_STAGES if s not in ("cache", "store")),
                    "build", indented) as progress:
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
@arguments.inputs
@click.option("--format", "fmt", type=arguments.Choice("report", "REPORT_FORMATS"), default="text", show_default=True,
              help="github: Actions annotations; sarif: SARIF 2.1.0; turtle: SHACL report.")
@click.option("--base", default=None, callback=arguments.base, help="Base IRI for minted resources.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@arguments.no_quote_check
@arguments.engine
@click.option("--no-cache", is_flag=True,
              help="Validate in full, without reading or writing the incremental cache (.odg-cache/ beside --data).")
@click.option("--dist", type=arguments.PathOption, default=paths.dist_dir, show_default="repository dist/",
              help="The release directory whose latest release no record may be deleted from.")
@click.option("--skip-unrelated", is_flag=True,
              help="Ignore TARGETS that are neither records (<data>/<kind>/<file>) nor RDF files (as pre-commit "
                   "passes every changed file); none left: nothing to check, exit 0.")
def validate(targets: tuple[Path, ...], inputs: Any, fmt: str, base: str | None, strict: bool,
             no_quote_check: bool, engine: str, no_cache: bool, dist: Path, skip_unrelated: bool) -> None:
    """Validate source descriptions (or RDF files): schema, SHACL, violation queries, quotes.

    TARGETS are YAML records or data directories (the whole data directory they belong to is checked, since
    records refer to each other) and/or RDF files (.ttl .nt .jsonld ...) checked against --shapes. Without
    TARGETS, --data is checked. Exit 0 conforms, 1 violations, 2 input error. A data directory validated before
    is re-checked incrementally: only what changed since (and what it affects), from .odg-cache/ beside it.
    """
    from . import report as rep
    from .lint import related
    from .pipeline import check_targets

    if skip_unrelated and not related(targets, rdf=True):
        click.echo("no record or RDF file among the targets: nothing to check", err=True)
        sys.exit(EXIT_OK)
    targets = tuple(related(targets, rdf=True)) if skip_unrelated else targets
    opts = inputs.options(dist, None, base, strict=strict, engine=engine, cache=not no_cache)
    found, code = rep.outcome(lambda: check_targets(targets, opts, inputs.seeds, no_quote_check), strict)
    click.echo(rep.render(found, fmt), nl=False)
    sys.exit(code)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("-e", "--expression", help="Query text instead of a FILE.")
@click.option("--format", "fmt", type=arguments.Choice("query", "QUERY_FORMATS"), default="table", show_default=True)
@click.option("--dist", type=arguments.PathOption, default=paths.dist_dir, show_default="repository dist/",
              help="The built release (or an RDF file) to query.")
@click.option("--all", "run_all", is_flag=True, help="Run every query file and compare with its expected results.")
@arguments.queries
@click.option("--write-expected", is_flag=True, help="With --all: rewrite queries/expected/*.tsv from this release.")
@click.option("--endpoint", help="Query this SPARQL 1.1 endpoint instead of the local release.")
@click.option("--graph", help="With --endpoint: the named graph to query as the default graph (default-graph-uri).")
def query(file: Path | None, expression: str | None, fmt: str, dist: Path, run_all: bool, queries: Path,
          write_expected: bool, endpoint: str | None, graph: str | None) -> None:
    """Run a SPARQL query FILE (or -e TEXT) on the built release or an --endpoint; --all checks every query file."""
    from . import query as q

    if not run_all and (file is None) == (expression is None):
        raise click.UsageError("give exactly one of FILE or -e TEXT")
    store = q.RemoteStore(endpoint, graph) if endpoint else q.open_store(dist)
    if run_all:
        sys.exit(EXIT_OK if q.check_all(store, queries, write_expected, click.echo) else EXIT_VIOLATIONS)
    text = expression if expression is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    click.echo(q.serialize_results(q.run(store, text, str(file or "-e")), fmt), nl=False)


@cli.command()
@click.argument("version")
@arguments.inputs
@arguments.dist
@click.option("--date", default=None, help="The release date, YYYY-MM-DD [default: releases: in release.yaml].")
@arguments.minting_base
@arguments.no_quote_check
@exits
def release(version: str, inputs: Any, dist: Path, date: str | None, base: str | None, no_quote_check: bool) -> None:
    """Build and publish release VERSION (semantic versioning) as DIST/releases/VERSION, with its changelog.

    DIST itself is the build, as `odg build` writes it; the release is a copy with CHANGES.md (the changes since
    the previous release, as `odg diff` reports them) and a void.ttl describing the version (dcat:version,
    dcterms:issued, dcat:previousVersion, adms:versionNotes). An existing version is never replaced; DIST/latest
    points at the newest. The date is --date or recorded in release.yaml (releases: {VERSION: DATE}).
    """
    from dataclasses import replace

    from .options import quote_sources
    from .pipeline import build as run_build
    from .progress import note
    from .project import default_publisher
    from .releasing import make

    opts = inputs.options(dist, None, base, publisher=default_publisher())
    done = make(opts, version, date, lambda o, progress: run_build(
        replace(o, seeds=quote_sources(inputs.seeds, no_quote_check)), progress), note)
    for result in done.results:
        click.echo(str(result), err=True)
    click.echo(done.summary(), err=True)


@cli.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=arguments.Choice("diff", "DIFF_FORMATS"), default="markdown", show_default=True,
              help="A changelog, the changes for machines, or the RDF delta (TriG).")
@click.option("--output", "-o", type=arguments.PathOption, default=None, help="Write to this file instead of stdout.")
@arguments.inputs
@click.option("--base", default=None, callback=arguments.base,
              help=f"Base IRI of the releases [default: {DEFAULT_BASE}].")
@exits
def diff_command(old: str, new: str, fmt: str, output: Path | None, inputs: Any, base: str | None) -> None:
    """What changed from OLD to NEW, per entity: each is a release directory, a dump file, or a git revision of the
    data (built in a temporary directory).

    Markdown is the changelog a curator reads (a release's CHANGES.md); JSON the same for machines; TriG the
    delta as a removals graph and an additions graph, which takes a store from OLD to NEW.
    """
    from . import diff as d
    from .pipeline import build as run_build
    from .progress import staged
    from .releasing import compare

    base = arguments.release_base(Path(new), base) if Path(new).is_dir() else base
    with staged(("read OLD", "read NEW", "compare"), "diff", lambda msg: None) as progress:
        changes, labels = compare(old, new, inputs.options(paths.dist_dir(), inputs.seeds, base), run_build, progress)
    _write(output, d.render(changes, fmt, labels))


def _write(output: Path | None, text: str) -> None:
    """``text`` on stdout, or written whole to ``output`` (beside it, then renamed)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from .outputs import write_whole

    output.parent.mkdir(parents=True, exist_ok=True)
    write_whole(output, text)


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--data", type=arguments.PathOption, default=paths.data_dir, show_default="repository",
              help="Source descriptions (data/<kind>/<id>.yaml).")
@click.option("--reason", default=None, help="Why, for the tombstone [default: Renamed to NEW.].")
@click.option("--date", default=None, help="Since when, YYYY-MM-DD, for the tombstone [default: none].")
@exits
def rename(old: str, new: str, data: Path, reason: str | None, date: str | None) -> None:
    """Rename record OLD to NEW: OLD's file becomes a tombstone merged into NEW.yaml, every reference is rewritten.

    The old IRI keeps answering (301 to the new one) and the next release's changelog says "merged into". The
    whole data directory is checked as it will be before any file is replaced.
    """
    from . import rename as r
    from .releases import DAY_RE

    if date is not None and not DAY_RE.match(date):
        raise click.BadParameter(f"{date!r} is not a date: write YYYY-MM-DD", param_hint="--date")
    done = r.rename(data, old, new, reason, date)
    click.echo(f"renamed {old} to {new}: {done.new_path} written, {done.old.path} is a tombstone merged into it; "
               f"{done.references} reference(s) rewritten in {len(done.referrers)} file(s)")
    for path in done.referrers:
        click.echo(f"  {path}")


@cli.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--fix", is_flag=True, help="Rewrite files into canonical form (comments are kept).")
@click.option("--skip-unrelated", is_flag=True, help="Ignore TARGETS that are not records (<data>/<kind>/<file>).")
def lint(targets: tuple[Path, ...], fix: bool, skip_unrelated: bool) -> None:
    """Check that record files are in canonical form (key order, quoting, indentation); --fix rewrites them.

    Without TARGETS, every record under the repository's data/ is checked. Exit 1 when a file is not canonical.
    """
    from .lint import lint as run_lint
    from .lint import related

    if skip_unrelated and not related(targets):
        return
    changed = run_lint(related(targets) if skip_unrelated else list(targets) or [paths.data_dir()], fix, click.echo)
    if changed and not fix:
        sys.exit(EXIT_VIOLATIONS)


@cli.command()
@click.argument("dump", type=click.Path(exists=True, path_type=Path), default=paths.dist_dir)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@arguments.release_base_option
@arguments.queries
@arguments.limits
def serve(dump: Path, host: str, port: int, base: str | None, queries: Path, limits: Any) -> None:
    """Serve DUMP (the dist/ release, or an .nt/.ttl/.nq/.trig file): SPARQL at /sparql, a page per resource.

    Queries wait their turn in a bounded queue (fair across clients) and run in worker processes that are killed
    at --timeout seconds of the query's own CPU time (and at --worker-memory) and replaced; once a worker has
    answered a query well within the limits, its later copies are answered in the server's own threads.
    """
    from .serve import run

    run(dump, arguments.release_base(dump, base), queries if queries.is_dir() else None, host, port, limits)


@cli.command()
@click.argument("out", type=arguments.PathOption)
@arguments.dist
@arguments.release_base_option
@arguments.queries
@click.option("--root", default="/", show_default=True, help="URL path the site is hosted under.")
@click.option("--target", default="https://example.org/opendata-graph/", show_default=True,
              help="Where the site is hosted, for the w3id.org redirect rules.")
@click.option("--endpoint", default=None, callback=arguments.endpoint_url,
              help="A SPARQL endpoint serving the release: the query page's live form asks it (CORS needed).")
def site(out: Path, dist: Path, base: str | None, queries: Path, root: str, target: str,
         endpoint: str | None) -> None:
    """Export the release as a static site in OUT: pages, per-resource .ttl/.jsonld/.nt, redirect rules."""
    from .progress import Bar
    from .site import export

    files = export(dist, out, arguments.release_base(dist, base), queries if queries.is_dir() else None, root, target,
                   progress=lambda total, label: Bar(total, label), endpoint=endpoint)
    click.echo(f"wrote {len(files)} files to {out}", err=True)


@cli.command()
@arguments.connection
@click.option("--graph", default=None, help="Named graph to replace [default: the release's <base>dataset].")
@click.option("--dist", type=arguments.PathOption, default=paths.dist_dir, show_default="repository dist/",
              help="The release (or an .nt file) to push.")
@click.option("--no-verify", is_flag=True, help="Skip counting the triples on the server afterwards.")
@click.option("--allow-downgrade", is_flag=True, help="Replace a newer release the store holds with this older one.")
@click.option("--delta", is_flag=True,
              help="Send only the changes from the release the store holds (SPARQL Update), then verify.")
def push(connection: Any, graph: str | None, dist: Path, no_verify: bool, allow_downgrade: bool, delta: bool) -> None:
    """Replace a named graph of a triple store with the release, atomically, and verify the triple count.

    The release's VoID/DCAT description goes to the graph <GRAPH>-void (its version), and a release older than
    the one the store holds is refused unless --allow-downgrade. With --delta, only the changes from the store's
    release (one of DIST's releases) are sent, in one SPARQL Update request.

    Exit codes: 0 pushed, 1 count mismatch, 2 usage, 3 internal error, 4 network (refused, DNS, timeout),
    5 authentication, 6 the server refused (404, 413, 5xx after retries...).
    """
    from .progress import note
    from .push import PushRequest, push_release

    click.echo(push_release(PushRequest(dist, connection, graph, not no_verify, allow_downgrade, delta), note),
               err=True)


@cli.command()
@click.argument("directory", type=arguments.PathOption)
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


def _leave(code: int) -> None:
    """Exit with ``code`` (:func:`.entry._leave`: without tearing down the interpreter); tests replace it."""
    from .entry import _leave as leave

    leave(code)


def main() -> None:
    """Entry point: run the CLI (exit codes: the table in :mod:`opendata_graph.errors`)."""
    run_command(cli, lambda code: _leave(code))


if __name__ == "__main__":
    main()
