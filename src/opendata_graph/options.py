"""What a run is given: the one option type every step reads (the CLI fills it, the pipeline passes it down)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .namespaces import DEFAULT_BASE

#: SHACL engines: ``shacl`` (the Rust ``shacl`` package) and ``pyshacl`` (the reference).
ENGINES = ("shacl", "pyshacl")
DEFAULT_ENGINE = "shacl"


@dataclass(frozen=True)
class Options:
    """Inputs and outputs of a build or a validation; the CLI's defaults come from :mod:`opendata_graph.paths`."""

    data: Path
    ontology: Path
    shapes: Path
    queries: Path
    dist: Path
    seeds: Path | None  #: local copies of the source documents, to check quotes (None: not checked)
    base: str = DEFAULT_BASE
    strict: bool = False  #: warnings fail too
    engine: str = DEFAULT_ENGINE
    cache: bool = True  #: read and write the build cache (``.odg-cache/`` beside the data, or ``$ODG_CACHE``)
    publisher: str | None = None  #: the project file's publisher (release.yaml's, if it names one, must agree)

    @property
    def cached(self) -> bool:
        """Whether this run reads and writes the cache (the cache holds results of the default engine only)."""
        return self.cache and self.engine == DEFAULT_ENGINE
