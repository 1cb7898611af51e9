"""Shared fixtures: the repository's release is built once per session (per worker: ``make test`` runs the suite
in parallel with pytest-xdist, a module per worker at a time) into a temporary directory; and the summaries that
tests report (``W3C SHACL: 121/121 right``...), printed at the end of the run by the controlling process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyoxigraph import Quad, RdfFormat, Store, Triple, parse

from opendata_graph.core import paths
from opendata_graph.source.load import Dataset, load, local_copies
from opendata_graph.stages.convert import Graph, convert
from opendata_graph.stages.pipeline import Outcome, build
from opendata_graph.stages.validate import load_turtle_dir

from .checks import BASE, options

#: The key under which a test's summary line travels in its report (from a worker process to the controller).
SUMMARY = "summary"


@pytest.fixture
def summary(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``summary(line)``: print ``line`` in the run's final summary (``-s`` and parallel workers or not)."""
    return lambda line: request.node.user_properties.append((SUMMARY, line))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             if getattr(report, "when", None) == "call"
             for key, value in getattr(report, "user_properties", ()) if key == SUMMARY]
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The source documents (the checkout's sources/): required, never skipped."""
    directory = paths.seeds_dir()
    assert directory.is_dir(), f"source documents not found at {directory}: sources/ is part of the repository"
    return directory


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return load(paths.data_dir())


@pytest.fixture(scope="session")
def ontology_bytes() -> bytes:
    return load_turtle_dir(paths.ontology_dir())


@pytest.fixture(scope="session")
def graph(dataset: Dataset, ontology_bytes: bytes, seeds: Path) -> Graph:
    """The release graph as the build converts it (the quotes' positions found in the local copies)."""
    return convert(dataset, BASE, ontology_bytes, local_copies(dataset, seeds))


@pytest.fixture(scope="session")
def triples(graph: Graph) -> list[Triple]:
    """The release graph as pyoxigraph triples (the converter's rows, parsed strictly)."""
    from pyoxigraph import RdfFormat, parse

    from opendata_graph.core.serialize import ntriples

    return list(parse(ntriples(graph.triples()), format=RdfFormat.N_TRIPLES))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory, seeds: Path) -> Iterator[tuple[Path, Outcome]]:
    dist = tmp_path_factory.mktemp("release") / "dist"
    yield dist, build(options(dist))


@pytest.fixture(scope="session")
def dist(release: tuple[Path, Outcome]) -> Path:
    return release[0]


@pytest.fixture(scope="session")
def turtle_store(dist: Path) -> Store:
    """The Turtle dump alone, parsed by pyoxigraph's strict parser: what a consumer loads."""
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object)
                 for t in parse(path=str(dist / "opendata-graph.ttl"), format=RdfFormat.TURTLE))
    return store
