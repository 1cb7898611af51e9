"""Tombstones instead of deletions: retired records keep their IRIs (301 to the successor, 410 Gone), deleting a
released record is a located error, and the changelog says what was withdrawn or merged."""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import RdfFormat, parse

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.errors import ErrorList
from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.releases import diff

from .checks import edit
from .servers import odg_server

ORGS = "organisations"


def odg(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, f"--data={root / 'data'}", f"--dist={root / 'dist'}"])


def validate(root: Path) -> Result:
    return CliRunner().invoke(cli, ["validate", f"--data={root / 'data'}", f"--dist={root / 'dist'}"])


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(paths.data_dir(), tmp_path / "data")
    return tmp_path


def retire_wikirate_data(root: Path) -> None:
    """Withdraw a dataset nothing else refers to (its file becomes a tombstone)."""
    (root / "data" / "datasets" / "wikirate-data.yaml").write_text(
        "id: wikirate-data\nname: WikiRate open database of company data\nstatus: withdrawn\n"
        "reason: Test of a withdrawal.\ndate: 2026-12-02\n", encoding="utf-8")


def test_a_tombstone_keeps_only_its_iri_label_status_and_successor(root: Path) -> None:
    retire_wikirate_data(root)
    built = odg(root, "build")
    assert built.exit_code == 0, built.output
    rows = {r for r in diff.read_rows(root / "dist") if r[0] == f"<{DEFAULT_BASE}dataset/wikirate-data>"}
    assert {(p, o) for _, p, o in rows} == {
        ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<https://w3id.org/opendata-graph/ontology#RetiredResource>"),
        ("<http://www.w3.org/2000/01/rdf-schema#label>", '"WikiRate open database of company data"@en'),
        ("<http://www.w3.org/2004/02/skos/core#prefLabel>", '"WikiRate open database of company data"@en'),
        ("<http://www.w3.org/2002/07/owl#deprecated>", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
        ("<http://www.w3.org/ns/adms#status>", "<http://purl.org/adms/status/Withdrawn>"),
        ("<http://www.w3.org/2004/02/skos/core#changeNote>", '"Test of a withdrawal."@en'),
        ("<http://www.w3.org/ns/prov#invalidatedAtTime>", '"2026-12-02"^^<http://www.w3.org/2001/XMLSchema#date>'),
    }


def test_tombstone_rules_are_located_errors(root: Path) -> None:
    osmf = root / "data" / ORGS / "openstreetmap-foundation.yaml"
    osmf.write_text("id: openstreetmap-foundation\nname: OpenStreetMap Foundation\nstatus: merged\n",
                    encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 2
    assert "openstreetmap-foundation.yaml:1:1: error: a merged record names its successor" in result.output
    osmf.write_text("id: openstreetmap-foundation\nname: OSMF\nstatus: withdrawn\nfigures: []\n", encoding="utf-8")
    result = validate(root)
    assert "openstreetmap-foundation.yaml:4:1: error: a withdrawn record keeps only" in result.output
    osmf.write_text("id: openstreetmap-foundation\nname: OSMF\nstatus: withdrawn\n", encoding="utf-8")
    result = validate(root)  # what referred to it is told
    assert "'openstreetmap-foundation' is withdrawn (hint: remove the reference)" in result.output, result.output
    gbif = root / "data" / ORGS / "gbif.yaml"
    edit(gbif, "name: Global Biodiversity Information Facility\n",
         "name: Global Biodiversity Information Facility\nreason: no status\n")
    assert "'reason' belongs to a retired record" in validate(root).output


def test_deleting_a_released_record_is_an_error_at_its_file(root: Path) -> None:
    assert odg(root, "release", "0.1.0", "--date", "2026-12-01").exit_code == 0
    (root / "data" / "datasets" / "wikirate-data.yaml").unlink()
    expected = ("datasets/wikirate-data.yaml:1:1: error: 'wikirate-data' was in release 0.1.0; its record cannot be "
                "deleted (hint: keep the file as a tombstone: status: withdrawn")
    checked = validate(root)
    assert checked.exit_code == 2 and expected in checked.output, checked.output
    full = CliRunner().invoke(cli, ["validate", "--no-cache", f"--data={root / 'data'}", f"--dist={root / 'dist'}"])
    assert full.exit_code == 2 and expected in full.output, full.output  # the full run checks it too
    built = odg(root, "build")  # the build's ErrorList: printed by odg's main as these lines, exit 2
    assert isinstance(built.exception, ErrorList) and any(expected in str(e) for e in built.exception.errors)
    retire_wikirate_data(root)
    assert validate(root).exit_code == 0
    # a record nothing refers to: no reference error points at it, only the check of the release does
    (root / "data" / "ambiguities" / "border-typo.yaml").unlink()
    gone = "ambiguities/border-typo.yaml:1:1: error: 'border-typo' was in release 0.1.0; its record cannot be deleted"
    for args in ([], ["--no-cache"]):
        result = CliRunner().invoke(cli, ["validate", *args, f"--data={root / 'data'}", f"--dist={root / 'dist'}"])
        assert result.exit_code == 2 and gone in result.output, (args, result.output)
    (root / "data" / "ambiguities" / "border-typo.yaml").write_bytes(
        (paths.data_dir() / "ambiguities" / "border-typo.yaml").read_bytes())
    released = odg(root, "release", "0.2.0", "--date", "2026-12-02")
    assert released.exit_code == 0, released.output
    changes = (root / "dist" / "latest" / "CHANGES.md").read_text()
    assert "### Withdrawn\n\n- **WikiRate open database of company data** (`dataset/wikirate-data`): Test of a " \
           "withdrawal." in changes, changes


@pytest.fixture()
def merged(root: Path) -> Iterator[tuple[Path, str]]:
    """A release in which a place was merged into another (nothing refers to the first one any more) and a dataset
    withdrawn; served."""
    places = root / "data" / "places"
    first, second = sorted(places.glob("*.yaml"))[:2]
    retire_wikirate_data(root)
    referrers = [p for p in (root / "data").rglob("*.yaml") if f"value: {first.stem}\n" in p.read_text()]
    for p in referrers:
        edit(p, f"value: {first.stem}\n", f"value: {second.stem}\n")
    first.write_text(f"id: {first.stem}\nname: Old place\nstatus: merged\nreplaced_by: {second.stem}\n",
                     encoding="utf-8")
    built = odg(root, "build")
    assert built.exit_code == 0, built.output
    with odg_server(root / "dist") as url:
        yield root, first.stem + " " + second.stem + " " + url


def test_retired_iris_answer_301_and_410_in_every_media_type(merged: tuple[Path, str]) -> None:
    _, spec = merged
    first, second, url = spec.split(" ")
    conn = http.client.HTTPConnection(url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1]), timeout=30)
    for suffix, accept in (("", "text/html"), ("", "text/turtle"), (".ttl", None), (".jsonld", None)):
        conn.request("GET", f"/place/{first}{suffix}", headers={"Accept": accept} if accept else {})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 301 and resp.getheader("Location") == f"/place/{second}{suffix}", (suffix, accept)
    conn.request("GET", "/dataset/wikirate-data")
    resp = conn.getresponse()
    page = resp.read().decode()
    assert resp.status == 410 and "Withdrawn: this record is no longer part of the registry since 2026-12-02" in page
    assert "Why: Test of a withdrawal." in page
    conn.request("GET", "/dataset/wikirate-data.ttl")
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 410
    assert any(t.predicate.value.endswith("#deprecated") for t in parse(body, format=RdfFormat.TURTLE,
                                                                         base_iri=DEFAULT_BASE))


def test_the_tombstone_shape_and_query_on_a_release_with_tombstones(merged: tuple[Path, str]) -> None:
    """What the real release has none of yet (checks.NOT_IN_THE_RELEASE, NO_ROWS_IN_THE_RELEASE): the tombstones'
    shape passes on them and fails on a mutated one; the retired query lists them."""
    from pyshacl import validate as shacl

    from opendata_graph.stores import query as q

    from .checks import NO_ROWS_IN_THE_RELEASE, NOT_IN_THE_RELEASE, SHAPES, mutate, to_rdflib

    root, spec = merged
    first, second, _ = spec.split(" ")
    data = to_rdflib(list(parse(path=str(root / "dist" / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)))
    conforms, _, text = shacl(data, shacl_graph=SHAPES, inference="none", advanced=True, allow_warnings=True)
    assert conforms, text
    mutated, expected = mutate(data, sorted(NOT_IN_THE_RELEASE))
    conforms, report, _ = shacl(mutated, shacl_graph=SHAPES, inference="none", advanced=True, allow_warnings=True)
    assert not conforms and all(str(focus) in report.serialize(format="nt") for focus in expected.values())
    store = q.open_store(root / "dist")
    for name in NO_ROWS_IN_THE_RELEASE:
        rows = q.rows(q.run(store, (paths.queries_dir() / f"{name}.rq").read_text(encoding="utf-8")))
        assert sum(rows.values()) == 2, rows
    text = (paths.queries_dir() / "retired.rq").read_text(encoding="utf-8")
    labels = {row[0] for row in q.rows(q.run(store, text))}
    assert labels == {'"Old place"@en', '"WikiRate open database of company data"@en'}, labels
    assert first != second


def test_a_new_reference_to_a_retired_record_is_caught_by_an_incremental_run(root: Path) -> None:
    """The cache knows each record's status (its stub): a file edited to refer to a retired record that was not
    read again is told where the data went, as a full run would."""
    edit(root / "data" / ORGS / "gbif-secretariat.yaml", "  - value: copenhagen\n", "  - value: shanghai\n")
    (root / "data" / "places" / "copenhagen.yaml").write_text(
        "id: copenhagen\nname: Copenhagen\nstatus: merged\nreplaced_by: shanghai\n", encoding="utf-8")
    first = validate(root)
    assert first.exit_code == 0, first.output  # the full run that writes the cache
    edit(root / "data" / ORGS / "gbif-secretariat.yaml", "  - value: shanghai\n", "  - value: copenhagen\n")
    for result in (validate(root), CliRunner().invoke(cli, ["validate", "--no-cache", f"--data={root / 'data'}",
                                                            f"--dist={root / 'dist'}"])):
        assert result.exit_code == 2
        assert "gbif-secretariat.yaml:5:12: error: 'copenhagen' is merged (merged into 'shanghai') (hint: refer to 'shanghai')" \
            in result.output, result.output
