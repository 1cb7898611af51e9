"""Running a command: SIGTERM as an exception, the one error path and the exit codes (the table in
:mod:`opendata_graph.core.errors`). Errors print as ``path:line:col: error: message`` without a traceback; an internal
error writes its traceback to a file and prints one line naming it (exit 3).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from ..core.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED, ErrorList, OdgError


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that clean-up (``finally``/``except``) runs as for Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()
def exits(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command that ends in its exit code even when invoked in-process (click's test runner, an API caller of
    the group), printing its errors through :func:`failed` -- the one way errors print -- instead of raising them
    to :func:`run`."""
    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (OdgError, OSError) as exc:
            sys.exit(failed(exc))
    return checked


def failed(exc: OdgError | OSError) -> int:
    """Print ``exc`` as one located line per error (and their count, when several); its exit code. An OSError
    that is not the machine's situation is a bug: :func:`_internal_error`."""
    if isinstance(exc, OSError):
        from ..core.outputs import os_error

        located = os_error(exc)
        if located is None:
            return _internal_error()
        exc = located
    errors = exc.errors if isinstance(exc, ErrorList) else [exc]
    for err in errors:
        click.echo(str(err), err=True)
    if len(errors) > 1:
        click.echo(f"{len(errors)} error(s)", err=True)
    return exc.exit_code


def run(cli: click.Group, leave: Callable[[int], None] | None = None) -> None:
    """Run ``cli``, printing project errors as located one-liners without a traceback.

    Exit codes: the table in :mod:`opendata_graph.core.errors`.
    """
    import signal

    leave = leave or _leave
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main(standalone_mode=False)
    except SystemExit as exc:
        leave(exc.code if isinstance(exc.code, int) else 1)
    except click.exceptions.Exit as exc:
        leave(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    except (OdgError, OSError) as exc:
        sys.exit(failed(exc))
    except Exception:  # a bug: one line for the user, the traceback in a file for the report
        sys.exit(_internal_error())
    leave(0)


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

