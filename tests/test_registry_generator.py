"""The synthetic-registry generator runs as its docstring documents (``python -m tests.registry``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_generator_command_writes_a_registry(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.registry", "--organisations", "2", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout
    assert sorted(p.name for p in (tmp_path / "data").iterdir()), "no kind directory written"
    assert any((tmp_path / "seeds").iterdir())
