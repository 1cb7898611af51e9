"""Progress on long work: a bar when odg runs on a terminal (checked through a pseudo-terminal), a few plain
lines in a log, nothing redrawn when CI is set."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opendata_graph.core.progress import Bar


def test_off_a_terminal_a_line_at_each_quarter() -> None:
    log = io.StringIO()
    with Bar(8, "pages", log) as bar:
        for _ in range(8):
            bar.advance()
    assert log.getvalue().splitlines() == ["  pages: 2 of 8 (25%)", "  pages: 4 of 8 (50%)", "  pages: 6 of 8 (75%)",
                                           "  pages: 8 of 8 (100%)"]
    assert "\r" not in log.getvalue()


def run_on_a_terminal(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    """Run odg with its standard streams on a pseudo-terminal; everything it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        assert proc.wait(timeout=30) == 0, out.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return out.decode("utf-8", "replace")


def test_no_bar_in_ci_or_on_a_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from opendata_graph.core.progress import on_terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert on_terminal(Terminal()) and not on_terminal(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not on_terminal(Terminal())
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "dumb")
    assert not on_terminal(Terminal())


def test_odg_site_draws_a_bar_on_a_terminal(dist: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    # a small dump (the people: some 300 triples, a few dozen pages) keeps the export short
    lines = (dist / "opendata-graph.nt").read_text(encoding="utf-8").splitlines()
    small = tmp_path / "people.nt"
    small.write_text("\n".join(line for line in lines if line.startswith("<https://w3id.org/opendata-graph/person/"))
                     + "\n", encoding="utf-8")
    out = run_on_a_terminal(["site", str(tmp_path / "site"), "--dist", str(small)], env)
    redraws = out.replace("\r\n", "\n").count("\r")  # the bar is redrawn in place with its count and percentage
    assert redraws >= 2 and "pages" in out and "100%" in out, out[-2000:]
    assert "wrote " in out


def test_odg_build_draws_a_bar_over_its_stages_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal `odg build` shows a bar over its stages with the one under way ("validate…"); in a log it
    prints a line per stage, as before (tests/test_cli.py)."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    out = run_on_a_terminal(["build", "--no-cache", "--dist", str(tmp_path / "dist")], env)
    screen = out.replace("\r\n", "\n")
    assert screen.count("\r") >= 3 and "build" in screen, screen[-2000:]
    assert "convert…" in screen and "validate…" in screen and "5/5" in screen
    assert "built " in screen and (tmp_path / "dist" / "opendata-graph.nt").is_file()
