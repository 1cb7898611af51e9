"""Progress on long work: a bar on a terminal, a few plain lines anywhere else (CI logs, pipes, files).

The bar is click's (``click.progressbar``): click is already the CLI's library, well kept, and its bar has what
long work needs here -- a count, a percentage and an estimate of the time left -- so no other library is added.
Off a terminal (or with ``CI`` set, or ``TERM=dumb``) nothing is redrawn: the same work prints one line at each
quarter, so a log shows that a 3-minute export is moving without filling up with carriage returns.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TextIO, cast

import click

#: Off a terminal, a line each time this fraction more of the work is done.
PLAIN_STEP = 0.25


def on_terminal(stream: IO[str]) -> bool:
    """Whether to draw a bar on ``stream``: a terminal, not CI, not a dumb terminal."""
    return stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class Bar:
    """``with Bar(total, "pages") as bar: ... bar.advance(1)``: a bar on a terminal, quarter lines elsewhere."""

    def __init__(self, total: int, label: str, stream: IO[str] | None = None, unit: str = "") -> None:
        self.total, self.label, self.unit = max(total, 0), label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._next = PLAIN_STEP
        self._bar: Any = None

    def __enter__(self) -> Bar:
        if on_terminal(self.stream):
            self._bar = click.progressbar(length=self.total or 1, label=self.label, file=cast(TextIO, self.stream),
                                          show_eta=True, show_percent=True, show_pos=True)
            self._bar.__enter__()
        return self

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.total and self.done >= self._next * self.total:
            while self._next * self.total <= self.done:
                self._next += PLAIN_STEP
            self.line()

    def line(self) -> None:
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        print(f"  {self.label}: {self.done:,} of {self.total:,}{self.unit}{share}", file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


class Quiet(Bar):
    """No progress at all (the Python API, tests)."""

    def __init__(self) -> None:
        super().__init__(0, "")

    def __enter__(self) -> Bar:
        return self

    def advance(self, n: int = 1) -> None:
        self.done += n


class Stages:
    """Named stages of one piece of work (``odg build``'s load, convert, validate...): on a terminal a bar over
    the stages, showing the one under way; elsewhere a line as each ends (what the build always printed).

    Used as the pipeline's ``progress``: called with a message it prints the message (a note: a lock waited for,
    an incremental build); :meth:`stage` reports a stage done."""

    def __init__(self, names: Sequence[str], label: str, stream: IO[str] | None = None) -> None:
        self.names, self.label = list(names), label
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._bar: Any = None

    def __enter__(self) -> Stages:
        if on_terminal(self.stream):
            self._bar = click.progressbar(length=len(self.names), label=self.label, file=cast(TextIO, self.stream),
                                          show_eta=False, show_percent=False, show_pos=True,
                                          item_show_func=lambda item: f"{item}…" if item else None)
            self._bar.__enter__()
            self._bar.current_item = self.names[0] if self.names else ""
            self._bar.render_progress()
        return self

    def __call__(self, message: str) -> None:
        if self._bar is not None:  # above the bar, which is drawn again under it
            self.stream.write("\r\x1b[K")
            print(f"  {message}", file=self.stream, flush=True)
            self._bar.render_progress()
        else:
            print(f"  {message}", file=self.stream, flush=True)

    def stage(self, name: str, message: str) -> None:
        """The stage ``name`` ended (``message``: its time and memory)."""
        self.done += 1
        if self._bar is None:
            print(f"  {message}", file=self.stream, flush=True)
            return
        following = self.names[self.names.index(name) + 1:] if name in self.names else []
        self._bar.update(1 if self._bar.pos < len(self.names) else 0, following[0] if following else "")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


@contextlib.contextmanager
def staged(names: Sequence[str], label: str, lines: Callable[[str], None]) -> Iterator[Callable[[str], None]]:
    """The progress of a staged command: a bar over its stages on a terminal (:class:`Stages`), else ``lines``
    (one line per stage, as logs and CI have always read them)."""
    if not on_terminal(sys.stderr):
        yield lines
        return
    with Stages(names, label) as stages:
        yield stages


def stage_done(progress: Callable[[str], None], name: str) -> None:
    """Tell a bar over stages that ``name`` ended (nothing for plain lines: a diff prints none)."""
    stage = getattr(progress, "stage", None)
    if stage is not None:
        stage(name, name)


def note(message: str) -> None:
    """A progress line on stderr."""
    click.echo(message, err=True)


def indented(message: str) -> None:
    """A build's progress line on stderr, indented under the command's."""
    click.echo(f"  {message}", err=True)
