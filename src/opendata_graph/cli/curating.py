"""Commands a curator runs on the data: rename, lint, init."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core import paths
from ..core.errors import EXIT_VIOLATIONS
from . import arguments
from .entry import exits


@click.command()
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
    from ..releases.releases import DAY_RE
    from ..source import rename as r

    if date is not None and not DAY_RE.match(date):
        raise click.BadParameter(f"{date!r} is not a date: write YYYY-MM-DD", param_hint="--date")
    done = r.rename(data, old, new, reason, date)
    click.echo(f"renamed {old} to {new}: {done.new_path} written, {done.old.path} is a tombstone merged into it; "
               f"{done.references} reference(s) rewritten in {len(done.referrers)} file(s)")
    for path in done.referrers:
        click.echo(f"  {path}")


@click.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--fix", is_flag=True, help="Rewrite files into canonical form (comments are kept).")
@click.option("--skip-unrelated", is_flag=True, help="Ignore TARGETS that are not records (<data>/<kind>/<file>).")
def lint(targets: tuple[Path, ...], fix: bool, skip_unrelated: bool) -> None:
    """Check that record files are in canonical form (key order, quoting, indentation); --fix rewrites them.

    Without TARGETS, every record under the repository's data/ is checked. Exit 1 when a file is not canonical.
    """
    from ..source.lint import lint as run_lint
    from ..source.lint import related

    if skip_unrelated and not related(targets):
        return
    changed = run_lint(related(targets) if skip_unrelated else list(targets) or [paths.data_dir()], fix, click.echo)
    if changed and not fix:
        sys.exit(EXIT_VIOLATIONS)


@click.command()
@click.argument("directory", type=arguments.PathOption)
@click.option("--base", required=True, help="Base IRI of the new registry's minted IRIs, e.g. https://example.org/reg/.")
@click.option("--publisher", default=None, help="Who publishes its releases (one line).")
def init(directory: Path, base: str, publisher: str | None) -> None:
    """Start a new registry in DIRECTORY (new or empty): odg.toml, an empty data/<kind>/ per kind, sources/, a
    README. Inside it, every command finds its settings in odg.toml: no flags needed."""
    from ..core.project import init as start
    from ..source.schema import KINDS

    written = start(directory, base, [k.directory for k in KINDS.values()], publisher)
    click.echo(f"started a registry in {directory}: {len(written)} files and directories; add a source document "
               "to sources/ (and its SHA256SUMS line), its record to data/documents/, then odg validate", err=True)
