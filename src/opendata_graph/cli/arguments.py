"""The command line's arguments: what ``odg``'s options accept (``--base``, endpoint URLs), the options several
commands share, and options that travel together handed over as one typed object (:func:`grouped`).
Package modules are imported only when an argument is read, so ``odg --help`` stays instant.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core import paths
from ..core.namespaces import DEFAULT_BASE
from ..stages.options import DEFAULT_ENGINE, ENGINES

PathOption = click.Path(path_type=Path)
Decorator = Callable[[Any], Any]


class Choice(click.Choice[str]):
    """The choices a package module lists (``report.REPORT_FORMATS``...), imported when click first reads them."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)
        self.case_sensitive = True

    @property  # click's is an attribute set once; this one is read when first needed
    def choices(self) -> tuple[str, ...]:
        return tuple(getattr(importlib.import_module(f"opendata_graph.{self._where[0]}"), self._where[1]))

    @choices.setter
    def choices(self, value: tuple[str, ...]) -> None:
        raise AttributeError("the choices are read from their module")


def base(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--base``: an absolute http(s) IRI ending in / or #, under which every minted IRI is made; not given, the
    ``ODG_BASE`` variable's or the project file's (:mod:`opendata_graph.core.project`), else None."""
    from ..core.project import base_problem, default_base

    if value is None:
        return default_base()
    problem = base_problem(value)
    if problem is not None:
        raise click.BadParameter(f"{value!r}: {problem}")
    return value


def endpoint_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An http(s) URL of a service (a SPARQL endpoint): no spaces, quotes or angle brackets, a host."""
    from urllib.parse import urlsplit

    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in value for c in ' "\'<>\n\t'):
        raise click.BadParameter(f"{value!r}: give an http(s) URL, e.g. https://example.org/sparql")
    return value


def release_base(release: Path, given: str | None) -> str:
    """The base IRI of the release at ``release``: recorded in its void.ttl (so --base need not be repeated);
    --base, when given, must agree with it -- a server under another base would answer 404 everywhere."""
    from ..core.errors import ConfigError, Location
    from ..stages.publish import described_base

    found = described_base(release)
    if given is not None and found is not None and given != found:
        raise ConfigError(f"the release was built with --base {found}, not {given}",
                          Location.of(release / "void.ttl"), "leave --base out: it is read from the release")
    return given or found or DEFAULT_BASE


def grouped(name: str, make: Callable[..., Any], *options: Decorator) -> Decorator:
    """Options that travel together, handed to the command as one typed object: ``make(**their values)``."""
    names = [option(lambda: None).__click_params__[0].name for option in options]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def run(**kwargs: Any) -> Any:
            return f(**{name: make(**{n: kwargs.pop(n) for n in names})}, **kwargs)

        for option in reversed(options):
            run = option(run)
        return run
    return decorate


def make_inputs(**kwargs: Path) -> Any:
    from ..stages.options import Inputs

    return Inputs(**kwargs)


def make_limits(**kwargs: Any) -> Any:
    from ..web.serve import Limits

    return Limits(**kwargs)


def make_connection(**kwargs: Any) -> Any:
    from ..stores.push import Connection

    return Connection(**kwargs)


inputs = grouped("inputs", make_inputs, *(
    click.option(name, type=PathOption, default=default, show_default="repository", help=text)
    for name, default, text in (
        ("--data", paths.data_dir, "Source descriptions (data/<kind>/<id>.yaml)."),
        ("--ontology", paths.ontology_dir, "Ontology directory (*.ttl)."),
        ("--shapes", paths.shapes_dir, "SHACL shapes directory (*.ttl)."),
        ("--queries", paths.queries_dir, "Query directory (*.rq; *-violation.rq run as checks)."),
        ("--seeds", paths.seeds_dir, "Local copies of the source documents, to check every quote."))))
dist = click.option("--dist", type=PathOption, default=paths.dist_dir, show_default="repository dist/")
no_quote_check = click.option("--no-quote-check", is_flag=True,
                               help="Do not check quotes against --seeds (the release says so).")
engine = click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
                       help="SHACL engine: shacl (the Rust `shacl` package: W3C suite 121/121, fast) or pyshacl "
                            "(reference).")
minting_base = click.option("--base", default=None, callback=base,
                             help=f"Base IRI for minted resources [default: {DEFAULT_BASE}].")
release_base_option = click.option(
    "--base", default=None, callback=base,
    help=f"Base IRI of the release [default: the release's own (void:uriSpace), else {DEFAULT_BASE}].")
queries = click.option("--queries", type=PathOption, default=paths.queries_dir, show_default="repository queries/")
connection = grouped("connection", make_connection,
                     click.option("--endpoint", required=True,
                                  help="Graph Store Protocol endpoint (--protocol gsp) or update endpoint."),
                     click.option("--protocol", type=Choice("stores.push", "PROTOCOLS"),
                                  default="gsp", show_default=True),
                     click.option("--query-endpoint", default=None,
                                  help="For the count check [default: derived for known stores]."),
                     click.option("--update-endpoint", default=None,
                                  help="For the atomic swap [default: derived for known stores]."),
                     click.option("--chunk-triples", default=0, show_default=True,
                                  help="Triples per request; 0 sends one request."),
                     click.option("--connect-timeout", default=10.0, show_default=True),
                     click.option("--read-timeout", default=300.0, show_default=True),
                     click.option("--retries", default=4, show_default=True, help="For 5xx, 429 and lost connections."),
                     click.option("--auth", type=Choice("stores.push", "AUTH_KINDS"),
                                  default="basic", show_default=True,
                                  help="How ODG_PUSH_USER/ODG_PUSH_PASSWORD are sent (credentials never go on the "
                                       "command line)."),
                     click.option("--gzip/--no-gzip", default=True, show_default=True,
                                  help="Compress uploads (falls back if refused)."))
limits = grouped("limits", make_limits,
                 click.option("--timeout", default=10.0, show_default=True, help="Per-query time limit, seconds."),
                 click.option("--max-results", default=100_000, show_default=True,
                              help="Result rows (or triples) per query."),
                 click.option("--idle-timeout", default=15.0, show_default=True,
                              help="Seconds before an idle connection is closed."),
                 click.option("--worker-memory", default=4096, show_default=True, type=click.IntRange(64),
                              help="Address space per query worker, MB: a query needing more is stopped (503)."),
                 click.option("--workers", default=None, type=click.IntRange(1),
                              help="Query worker processes [default: two per core]."),
                 click.option("--queue", default=256, show_default=True, type=click.IntRange(0),
                              help="Requests that may wait for a worker; past that, 503 with Retry-After."),
                 click.option("--fast-lane", default=None, type=click.FloatRange(0),
                              help="CPU seconds: a query a worker answered within them is answered in the server's "
                                   "own threads afterwards [default: a quarter of --timeout, at most 0.5; 0: never]."),
                 click.option("--verbose", is_flag=True, help="Log every request."))
