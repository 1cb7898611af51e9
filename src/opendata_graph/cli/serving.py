"""Commands that use a release: query, serve, site, push."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..core import paths
from ..core.errors import EXIT_OK, EXIT_VIOLATIONS
from . import arguments


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("-e", "--expression", help="Query text instead of a FILE.")
@click.option("--format", "fmt", type=arguments.Choice("stores.query", "QUERY_FORMATS"),
              default="table", show_default=True)
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
    from ..stores import query as q

    if not run_all and (file is None) == (expression is None):
        raise click.UsageError("give exactly one of FILE or -e TEXT")
    store = q.RemoteStore(endpoint, graph) if endpoint else q.open_store(dist)
    if run_all:
        sys.exit(EXIT_OK if q.check_all(store, queries, write_expected, click.echo) else EXIT_VIOLATIONS)
    text = expression if expression is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    click.echo(q.serialize_results(q.run(store, text, str(file or "-e")), fmt), nl=False)


@click.command()
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
    from ..web.serve import run

    run(dump, arguments.release_base(dump, base), queries if queries.is_dir() else None, host, port, limits)


@click.command()
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
    from ..core.progress import Bar
    from ..web.site import export

    files = export(dist, out, arguments.release_base(dist, base), queries if queries.is_dir() else None, root, target,
                   progress=lambda total, label: Bar(total, label), endpoint=endpoint)
    click.echo(f"wrote {len(files)} files to {out}", err=True)


@click.command()
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
    from ..core.progress import note
    from ..stores.push import PushRequest, push_release

    click.echo(push_release(PushRequest(dist, connection, graph, not no_verify, allow_downgrade, delta), note),
               err=True)
