"""Where the project's inputs live: resolved from the repository checkout, never from the working directory.

Every command takes overrides (``--data``, ``--shapes``, ...); these are only the defaults. The environment
variables ``ODG_DATA``, ``ODG_ONTOLOGY``, ``ODG_SHAPES``, ``ODG_QUERIES``, ``ODG_DIST`` and ``ODG_SEEDS`` override
them too, which is how tests point the tool at fixture repositories.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: src/opendata_graph/paths.py -> three levels up.
ROOT = Path(__file__).resolve().parents[2]


def _from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


def data_dir() -> Path:
    """Curated source descriptions, one YAML file per entity: ``data/<kind>/<id>.yaml``."""
    return _from_env("ODG_DATA", ROOT / "data")


def ontology_dir() -> Path:
    """The OWL ontology in Turtle."""
    return _from_env("ODG_ONTOLOGY", ROOT / "ontology")


def shapes_dir() -> Path:
    """SHACL shapes in Turtle."""
    return _from_env("ODG_SHAPES", ROOT / "shapes")


def queries_dir() -> Path:
    """SPARQL query files (``*.rq``) and their expected results (``expected/*.tsv``)."""
    return _from_env("ODG_QUERIES", ROOT / "queries")


def dist_dir() -> Path:
    """Where ``odg build`` publishes the release."""
    return _from_env("ODG_DIST", ROOT / "dist")


def seeds_dir() -> Path:
    """Local copies of the source documents the quotes come from (``../shared/seeds`` beside the checkout)."""
    return _from_env("ODG_SEEDS", ROOT.parent / "shared" / "seeds")
