"""`odg release`: immutable versions under dist/releases/, chained by dcat:previousVersion, with their changelog."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import RdfFormat, Store

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.releases import releases
from opendata_graph.stages import publish

from .checks import edit, sums_hold

BASE = "https://w3id.org/opendata-graph/"


def odg(root: Path, *args: str) -> Result:
    dirs = [f"--data={root / 'data'}", f"--dist={root / 'dist'}"]
    return CliRunner().invoke(cli, [*args, *dirs])


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(paths.data_dir(), tmp_path / "data")
    return tmp_path


def test_a_release_needs_a_date_that_is_not_the_clock(root: Path) -> None:
    result = odg(root, "release", "0.1.0")
    assert result.exit_code == 2 and "no date for release 0.1.0" in result.output
    assert "pass --date YYYY-MM-DD, or record it in release.yaml" in result.output
    assert not (root / "dist").exists()
    edit(root / "data" / "release.yaml", "version: 0.1.0\n", "version: 0.1.0\nreleases: {0.1.0: 2026-11-30}\n")
    recorded = odg(root, "release", "0.1.0")
    assert recorded.exit_code == 0, recorded.output
    assert '"2026-11-30"^^xsd:date' in (root / "dist" / "releases" / "0.1.0" / "void.ttl").read_text()
    bad = odg(root, "release", "1.0", "--date", "2026-12-01")
    assert bad.exit_code == 2 and "'1.0' is not a semantic version" in bad.output


def test_releases_are_immutable_chained_and_survive_later_builds(root: Path) -> None:
    first = odg(root, "release", "0.1.0", "--date", "2026-12-01")
    assert first.exit_code == 0, first.output
    r1 = root / "dist" / "releases" / "0.1.0"
    assert (r1 / "CHANGES.md").read_text() == "# Release 0.1.0\n\nThe first release.\n"
    assert sums_hold(r1) and sums_hold(root / "dist")
    assert os.readlink(root / "dist" / "latest") == "releases/0.1.0"
    before = {p.name: p.read_bytes() for p in r1.iterdir()}

    edit(root / "data" / "organisations" / "openstreetmap-foundation.yaml", "    value: 2000\n", "    value: 2001\n")
    built = odg(root, "build")  # the unreleased "next" build replaces dist/, never the releases
    assert built.exit_code == 0, built.output
    assert {p.name: p.read_bytes() for p in r1.iterdir()} == before

    second = odg(root, "release", "0.2.0", "--date", "2026-12-02")
    assert second.exit_code == 0, second.output
    assert "0 added, 1 changed" in second.output
    r2 = root / "dist" / "releases" / "0.2.0"
    changes = (r2 / "CHANGES.md").read_text()
    assert changes.startswith("# Changes from 0.1.0 to 0.2.0") and "“2000” → “2001”" in changes
    assert os.readlink(root / "dist" / "latest") == "releases/0.2.0" and sums_hold(r2)
    store = Store()
    store.load(path=str(r2 / "void.ttl"), format=RdfFormat.TURTLE, base_iri=BASE)
    ask = f"""PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX adms: <http://www.w3.org/ns/adms#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        ASK {{ <{BASE}dataset/0.2.0> dcat:isVersionOf <{BASE}dataset> ; dcat:version "0.2.0" ;
                 dcterms:issued "2026-12-02"^^xsd:date ; dcat:previousVersion <{BASE}dataset/0.1.0> ;
                 adms:versionNotes ?notes .
               <{BASE}dataset> dcat:hasCurrentVersion <{BASE}dataset/0.2.0> ;
                 dcat:hasVersion <{BASE}dataset/0.1.0>, <{BASE}dataset/0.2.0> .
               FILTER NOT EXISTS {{ <{BASE}dataset> dcat:version ?v }} }}"""
    assert store.query(ask)

    again = odg(root, "release", "0.2.0", "--date", "2026-12-03")
    assert again.exit_code == 2 and "release 0.2.0 exists and is never replaced" in again.output
    older = odg(root, "release", "0.1.5", "--date", "2026-12-03")
    assert older.exit_code == 2 and "not newer than the latest, 0.2.0" in older.output
    assert {p.name: p.read_bytes() for p in r1.iterdir()} == before


def test_versions_sort_as_semantic_versions() -> None:
    ordered = ["0.9.0", "0.10.0-rc.2", "0.10.0-rc.10", "0.10.0", "1.0.0"]
    assert sorted(reversed(ordered), key=releases.version_key) == ordered


def test_a_build_killed_mid_swap_gives_the_releases_back(tmp_path: Path) -> None:
    """The releases move into the new build's staging directory just before the swap; a kill right then leaves
    them there, and the next build puts them back before removing what the killed one left."""
    target = tmp_path / "dist"
    publish.write_release({"a.ttl": b"old"}, target)
    (target / "releases" / "0.1.0").mkdir(parents=True)
    (target / "releases" / "0.1.0" / "CHANGES.md").write_text("kept")
    staging = tmp_path / ".dist.new-killed"
    staging.mkdir()
    releases.carry(target, staging)
    assert not (target / "releases").exists()
    publish.recover(target.resolve())
    assert (target / "releases" / "0.1.0" / "CHANGES.md").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
