"""``odg lint``: records are kept in canonical form; ``--fix`` reorders and requotes without losing comments."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from opendata_graph import paths
from opendata_graph.cli import cli
from opendata_graph.lint import lint_file, record_files

RECORDS = list(record_files([paths.data_dir()]))


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_record_is_canonical(path: Path) -> None:
    text, fixed = lint_file(path)
    assert text == fixed, f"{path} is not in canonical form. Run: odg lint --fix {path}"


MESSY = """# GBIF, as curated by hand
source: {d004: 'Global Biodiversity Information Facility (GBIF)'}   # the heading
name: Global Biodiversity Information Facility
identifiers:
  homepage:
  - confidence: high
    evidence: 'identifiers.yaml: pages: https://www.gbif.org'
    value: https://www.gbif.org
id: gbif
short_names: [GBIF]  # as the post abbreviates it
"""

CANONICAL = """# GBIF, as curated by hand
id: gbif
name: Global Biodiversity Information Facility
short_names: [GBIF]  # as the post abbreviates it
source: {d004: "Global Biodiversity Information Facility (GBIF)"}   # the heading
identifiers:
  homepage:
    - value: https://www.gbif.org
      evidence: "identifiers.yaml: pages: https://www.gbif.org"
      confidence: high
"""


def test_fix_reorders_requotes_and_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "organisations" / "gbif.yaml"
    path.parent.mkdir()
    path.write_text(MESSY, encoding="utf-8")
    runner = CliRunner()
    check = runner.invoke(cli, ["lint", str(path)])
    assert check.exit_code == 1
    assert check.output == f"{path}: not in canonical form (run: odg lint --fix {path})\n"
    fixed = runner.invoke(cli, ["lint", "--fix", str(path)])
    assert fixed.exit_code == 0
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert yaml.safe_load(CANONICAL) == yaml.safe_load(MESSY)
    assert runner.invoke(cli, ["lint", str(path)]).exit_code == 0
