"""Where the project's inputs live: resolved from the repository checkout or the installed package, never from
the working directory.

The ontology, shapes and query files are the top-level ``ontology/``, ``shapes/`` and ``queries/`` of the checkout;
a wheel carries a copy of them in ``opendata_graph/resources/`` (setup.py), which an installed ``odg`` reads.
Every command takes overrides (``--data``, ``--shapes``, ...); these are only the defaults. The environment
variables ``ODG_DATA``, ``ODG_ONTOLOGY``, ``ODG_SHAPES``, ``ODG_QUERIES``, ``ODG_DIST`` and ``ODG_SEEDS`` override
them too, which is how tests point the tool at fixture repositories; then a project file (``odg.toml`` or
``[tool.odg]``, found above the working directory: :mod:`opendata_graph.core.project`) gives them for its registry. A
default that does not exist is reported as missing by the command that needs it (exit 2), never read as empty.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
#: The repository root: src/opendata_graph/core/paths.py -> four levels up (meaningless for an installed package).
ROOT = HERE.parents[1]
#: The copy of ontology/, shapes/ and queries/ inside an installed package.
RESOURCES = HERE / "resources"




def in_checkout() -> bool:
    """Whether this module runs from the repository checkout (an editable install), not from a wheel."""
    return (ROOT / "pyproject.toml").is_file() and (ROOT / "src" / "opendata_graph") == HERE


def _resource(name: str) -> Path:
    return ROOT / name if in_checkout() else RESOURCES / name


def _from_env(name: str, default: Path, key: str) -> Path:
    """``$name``, else the project file's ``key``, else ``default``."""
    from .project import setting

    value = os.environ.get(name)
    if value:
        return Path(value).resolve()
    return setting(key) or default


def data_dir() -> Path:
    """Curated source descriptions, one YAML file per entity: ``data/<kind>/<id>.yaml``."""
    return _from_env("ODG_DATA", ROOT / "data", "data")


def ontology_dir() -> Path:
    """The OWL ontology in Turtle."""
    return _from_env("ODG_ONTOLOGY", _resource("ontology"), "ontology")


def shapes_dir() -> Path:
    """SHACL shapes in Turtle."""
    return _from_env("ODG_SHAPES", _resource("shapes"), "shapes")


def queries_dir() -> Path:
    """SPARQL query files (``*.rq``) and their expected results (``expected/*.tsv``)."""
    return _from_env("ODG_QUERIES", _resource("queries"), "queries")


def dist_dir() -> Path:
    """Where ``odg build`` publishes the release."""
    return _from_env("ODG_DIST", ROOT / "dist", "dist")


#: The folder of the source documents (their text as retrieved, and ``SHA256SUMS``): ``sources/`` of the checkout,
#: and the name a data directory's sibling folder of documents has (``<data>/../sources``).
SOURCES = "sources"


def locks_dir() -> Path:
    """The user's private directory of lock files (locks.py): ``odg-locks-UID`` in the machine's temporary
    directory, or ``$ODG_LOCKS`` (not resolved: a link there is refused, as at the default place)."""
    import tempfile

    value = os.environ.get("ODG_LOCKS")
    return Path(os.path.abspath(value)) if value else Path(tempfile.gettempdir()) / f"odg-locks-{os.geteuid()}"


def seeds_dir() -> Path:
    """The source documents the quotes come from: the checkout's ``sources/`` (sources/README.md)."""
    return _from_env("ODG_SEEDS", ROOT / SOURCES, "sources")
