"""The project's exception family: every error knows where it happened and how to fix it.

Messages print as ``path:line:col: error: message (hint)`` -- the format compilers and editors understand --
and the CLI prints them without a traceback.

The exit codes of every ``odg`` command (README "Exit codes" shows the same table):

====  =========================================================================================================
0     success: the data conforms (warnings print but pass unless ``--strict``), the build was published...
1     violations: validation found errors; query results differ from the expected ones; a file is not in
      canonical form; the store's content differs from the release after a push
2     input, usage or configuration error: YAML syntax, schema, a missing or empty shapes/ontology/queries
      directory, shapes that are not valid SHACL, a bad option; an output that is not odg's or overlaps an
      input; the machine's situation, with its path: disk full, permission denied, read-only (outputs.os_error)
3     internal error: a bug in odg; the traceback is written to a file and one line names it
4     push: network (connection refused, DNS, timeout)
5     push: authentication refused (401/403)
6     push: the server refused the request (404, 413, 5xx or 429 after the retries)
130   interrupted (SIGINT); 143 terminated (SIGTERM)
====  =========================================================================================================
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_NETWORK = 4
EXIT_AUTH = 5
EXIT_SERVER = 6
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; ``line`` and ``column`` are 1-based, 0 when unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path

    @classmethod
    def of(cls, path: Path | str, line: int = 0, column: int = 0) -> Location:
        return cls(display_path(path), line, column)


def display_path(path: Path | str) -> str:
    """A path as the user should see it: relative to the working directory when it is inside it."""
    return _display_path(str(path), os.getcwd())


@functools.lru_cache(maxsize=1 << 14)
def _display_path(path: str, cwd: str) -> str:
    # Memoised: a large registry asks for the same few thousand paths millions of times (resolve() stats them).
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return path
    except (OSError, RuntimeError):  # a symbolic link loop: shown as written, relative when under the cwd
        absolute = Path(os.path.abspath(path))
        return str(absolute.relative_to(cwd)) if absolute.is_relative_to(cwd) else path


class CacheUnusable(Exception):
    """What a previous run left (the build cache) cannot answer this run: it runs in full, and leaves a new one.

    Not an error the user sees: a run catches it and says why it ran in full."""


class OdgError(Exception):
    """Base class: an error the user can act on, with its location and a hint."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}error: {self.message}{hint}"


class DataError(OdgError):
    """A source description is malformed: syntax, schema, reference or quote."""


class ConfigError(OdgError):
    """A path, option or configuration file is wrong."""


class BuildError(OdgError):
    """The build could not produce a release (validation failed, a violation query returned rows).

    ``details`` are the located results that caused it, printed one per line before the message.
    """

    exit_code = EXIT_VIOLATIONS

    def __init__(self, message: str, details: Iterable[str] = (), hint: str | None = None) -> None:
        super().__init__(message, None, hint)
        self.details = list(details)

    def __str__(self) -> str:
        return "\n".join([*self.details, super().__str__()])


class ErrorList(OdgError):
    """Several errors found in one run; all of them are reported, sorted by location."""

    def __init__(self, errors: Iterable[OdgError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.location or Location(""), e.message))
        super().__init__(f"{len(self.errors)} error(s)")
        self.exit_code = max((e.exit_code for e in self.errors), default=EXIT_INPUT)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
