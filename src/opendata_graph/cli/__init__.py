"""``odg``: a thin command line over the steps. Each command parses its arguments (:mod:`.arguments`) into the
package's typed options and calls one function of the package; imports happen inside commands so ``odg --help``
is instant. Exit codes and the one error path: :mod:`.entry`.

Owns: the command line: the group here, its commands by job (``building``, ``curating``, ``serving``), their option
groups (``arguments``), running one (``entry``: the one error path, exit codes, SIGTERM).

May import: ``web``, ``stages``, ``stores``, ``releases``, ``source``, ``core``.
"""

from __future__ import annotations

import click

from . import building, curating, serving
from .entry import Terminated, _on_sigterm  # noqa: F401  (re-exported: the handler main installs, for tests)
from .entry import run as run_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opendata-graph")
def cli() -> None:
    """opendata-graph: curated YAML -> validated, deterministic linked-data release."""


for _command in (building.build, building.validate, building.release, building.diff_command,
                 curating.rename, curating.lint, curating.init,
                 serving.query, serving.serve, serving.site, serving.push):
    cli.add_command(_command)


def _leave(code: int) -> None:
    """Exit with ``code`` (:func:`.entry._leave`: without tearing down the interpreter); tests replace it."""
    from .entry import _leave as leave

    leave(code)


def main() -> None:
    """Entry point: run the CLI (exit codes: the table in :mod:`opendata_graph.core.errors`)."""
    run_command(cli, lambda code: _leave(code))

