"""The README's SPARQL examples run as they are written (their PREFIX lines included) and print what the README
shows under them: a reader can paste each into `odg query -e`, or the query page, and see the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendata_graph.cli import cli
from opendata_graph.core import paths

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")
#: Each example: the query, and the output block right under it.
EXAMPLES = re.findall(r"```sparql\n(.*?)```\n```\n(.*?)```", README, re.S)


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 4
    assert README.count("```sparql") == len(EXAMPLES), "an example without its output under it"


@pytest.mark.parametrize("query,shown", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_an_example_prints_what_the_readme_shows(dist: Path, query: str, shown: str) -> None:
    result = CliRunner().invoke(cli, ["query", "-e", query, "--dist", str(dist)])
    assert result.exit_code == 0, result.output
    printed = [line.rstrip() for line in result.stdout.splitlines() if not re.fullmatch(r"\(\d+ rows?\)", line)]
    expected = [line.rstrip() for line in shown.splitlines()]
    # the README shows the header and the rows, not the table's rule line under the header
    printed = [line for line in printed if not re.fullmatch(r"[- ]+", line)]
    assert printed[:1] == expected[:1]  # the header
    assert sorted(printed[1:]) == sorted(expected[1:])  # the rows (a query without ORDER BY has no order)
