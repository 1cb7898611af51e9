"""``odg lint``: records are kept in canonical form; ``--fix`` reorders and requotes without losing comments."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.source.lint import lint_file, record_files

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


def test_fix_is_atomic_keeps_permissions_and_never_follows_a_link(tmp_path: Path) -> None:
    import os
    import stat
    import subprocess
    import sys

    data = tmp_path / "data" / "places"
    data.mkdir(parents=True)
    record = data / "x.yaml"
    record.write_text("name: X\nid: x\nsource: {d004: 'X'}\n", encoding="utf-8")
    os.chmod(record, 0o640)
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: Y\nid: y\nsource: {d004: 'Y'}\n", encoding="utf-8")
    (data / "y.yaml").symlink_to(outside)
    (data / "broken.yaml").write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "lint", "--fix", str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "broken.yaml:" in result.stderr and "y.yaml: error: not a regular file" in result.stderr
    assert record.read_text(encoding="utf-8").startswith("id: x\n")  # fixed
    assert stat.S_IMODE(record.stat().st_mode) == 0o640
    assert outside.read_text(encoding="utf-8").startswith("name: Y")  # the link's target untouched
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []  # no temporary file left
