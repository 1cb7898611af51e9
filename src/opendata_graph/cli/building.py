"""Commands that make and check a release: build, validate, release, diff."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..core import paths
from ..core.errors import EXIT_OK
from ..core.namespaces import DEFAULT_BASE
from . import arguments
from .entry import Terminated, exits


@click.command()
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
    from ..core.progress import indented, staged
    from ..core.project import default_publisher
    from ..stages.options import quote_sources
    from ..stages.pipeline import BUILD_STAGES
    from ..stages.pipeline import build as run_build

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


@click.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@arguments.inputs
@click.option("--format", "fmt", type=arguments.Choice("stages.report", "REPORT_FORMATS"),
              default="text", show_default=True,
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
    from ..source.lint import related
    from ..stages import report as rep
    from ..stages.pipeline import check_targets

    if skip_unrelated and not related(targets, rdf=True):
        click.echo("no record or RDF file among the targets: nothing to check", err=True)
        sys.exit(EXIT_OK)
    targets = tuple(related(targets, rdf=True)) if skip_unrelated else targets
    opts = inputs.options(dist, None, base, strict=strict, engine=engine, cache=not no_cache)
    found, code = rep.outcome(lambda: check_targets(targets, opts, inputs.seeds, no_quote_check), strict)
    click.echo(rep.render(found, fmt), nl=False)
    sys.exit(code)


@click.command()
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

    from ..core.progress import note
    from ..core.project import default_publisher
    from ..stages.options import quote_sources
    from ..stages.pipeline import build as run_build
    from ..stages.releasing import make

    opts = inputs.options(dist, None, base, publisher=default_publisher())
    done = make(opts, version, date, lambda o, progress: run_build(
        replace(o, seeds=quote_sources(inputs.seeds, no_quote_check)), progress), note)
    for result in done.results:
        click.echo(str(result), err=True)
    click.echo(done.summary(), err=True)


@click.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=arguments.Choice("releases.diff", "DIFF_FORMATS"),
              default="markdown", show_default=True,
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
    from ..core.progress import staged
    from ..releases import diff as d
    from ..stages.pipeline import build as run_build
    from ..stages.releasing import compare

    base = arguments.release_base(Path(new), base) if Path(new).is_dir() else base
    with staged(("read OLD", "read NEW", "compare"), "diff", lambda msg: None) as progress:
        changes, labels = compare(old, new, inputs.options(paths.dist_dir(), inputs.seeds, base), run_build, progress)
    _write(output, d.render(changes, fmt, labels))


def _write(output: Path | None, text: str) -> None:
    """``text`` on stdout, or written whole to ``output`` (beside it, then renamed)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from ..core.outputs import write_whole

    output.parent.mkdir(parents=True, exist_ok=True)
    write_whole(output, text)
