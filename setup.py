"""Ships the top-level ontology/, shapes/ and queries/ inside the wheel (one source of truth, two places to read it).

The project's metadata is in pyproject.toml; this file only adds the copy, so that an installed ``odg`` validates
exactly as the checkout does (:mod:`opendata_graph.core.paths` reads ``opendata_graph/resources/`` when installed).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = {"ontology": ("*.ttl",), "shapes": ("*.ttl",), "queries": ("*.rq", "expected/*.tsv")}


class BuildWithResources(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "opendata_graph" / "resources"
        if target.exists():
            shutil.rmtree(target)
        for name, patterns in RESOURCES.items():
            files = [f for pattern in patterns for f in sorted((ROOT / name).glob(pattern))]
            if not files:
                raise SystemExit(f"setup.py: {ROOT / name} has no {', '.join(patterns)}: nothing to ship")
            for f in files:
                dest = target / f.relative_to(ROOT)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, dest)


setup(cmdclass={"build_py": BuildWithResources})
