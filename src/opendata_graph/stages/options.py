"""What a run is given: the one option type every step reads (the CLI fills it, the pipeline passes it down)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.namespaces import DEFAULT_BASE

#: SHACL engines: ``shacl`` (the Rust ``shacl`` package) and ``pyshacl`` (the reference).
ENGINES = ("shacl", "pyshacl")
DEFAULT_ENGINE = "shacl"


@dataclass(frozen=True)
class Options:
    """Inputs and outputs of a build or a validation; the CLI's defaults come from :mod:`opendata_graph.core.paths`."""

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


@dataclass(frozen=True)
class Inputs:
    """The directories a run reads (``--data --ontology --shapes --queries --seeds``), travelling together."""

    data: Path
    ontology: Path
    shapes: Path
    queries: Path
    seeds: Path  #: as given: :func:`quote_sources` checks it when quotes are checked

    def options(self, dist: Path, seeds: Path | None, base: str | None, **settings: Any) -> Options:
        """The options of a run over these inputs into ``dist`` (``seeds``: the checked documents, or None)."""
        return Options(self.data, self.ontology, self.shapes, self.queries, dist, seeds, base or DEFAULT_BASE,
                       **settings)


def quote_sources(seeds: Path, skip: bool) -> Path | None:
    """The source documents to check quotes against: required (a missing folder is an error, exit 2) unless
    ``skip`` (--no-quote-check), and then None (the release's description says the quotes were not checked)."""
    from ..source.load import source_sums

    if skip:
        return None
    source_sums(seeds)
    return seeds


def quote_sources_for(root: Path, default_data: Path, seeds: Path, skip: bool) -> Path | None:
    """The documents to check quotes against for the data directory ``root``: ``seeds`` for the repository's
    data; for another data directory, its sibling ``sources/`` (or ``seeds/``) if it has one, else ``seeds``.
    Never none unless ``skip``."""
    from ..core import paths

    if not skip and root.resolve() != default_data.resolve() and seeds == paths.seeds_dir():
        seeds = next((root.parent / n for n in (paths.SOURCES, "seeds") if (root.parent / n).is_dir()), seeds)
    return quote_sources(seeds, skip)
