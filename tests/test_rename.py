"""``odg rename OLD NEW``: a merge and a tombstone, every reference rewritten where it stands, nothing half-written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.errors import DataError, ErrorList
from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.releases import diff
from opendata_graph.source import rename as r

ORG = "organisations"


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return Path(shutil.copytree(paths.data_dir(), tmp_path / "data"))


def odg(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def snapshot(data: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}


def test_a_rename_is_a_merge_a_tombstone_and_every_reference_rewritten(data: Path, tmp_path: Path) -> None:
    before = snapshot(data)
    # data/coverage.yaml names record files, not ids: derived from the quotes, rewritten by `python -m tests.coverage`
    referrers = sorted(p for p, b in before.items() if b"wikirate-project" in b and p.stem != "wikirate-project"
                       and p.name != "coverage.yaml")
    result = odg("rename", "wikirate-project", "wikirate", f"--data={data}", "--date=2026-12-02")
    assert result.exit_code == 0, result.output
    assert "5 reference(s) rewritten in 4 file(s)" in result.output
    old, new = data / ORG / "wikirate-project.yaml", data / ORG / "wikirate.yaml"
    # the new file is the old one with its id changed, byte for byte otherwise (comments, order, quoting kept)
    assert new.read_bytes() == before[old].replace(b"id: wikirate-project\n", b"id: wikirate\n", 1)
    assert old.read_text() == ("id: wikirate-project\nname: The WikiRate Project\nstatus: merged\n"
                               "reason: Renamed to wikirate.\ndate: 2026-12-02\nreplaced_by: wikirate\n")
    for path in referrers:  # each reference changed where it stands, nothing else in the file
        text = path.read_bytes()
        assert b"wikirate-project" not in text, path
        assert len(text.splitlines()) == len(before[path].splitlines())
        changed = [(a, b) for a, b in zip(before[path].splitlines(), text.splitlines(), strict=True) if a != b]
        assert changed and all(a.replace(b"wikirate-project", b"wikirate") == b for a, b in changed), path
    assert odg("lint", str(old), str(new)).exit_code == 0  # both in canonical form
    # the release before and after: the changelog says "merged into", and nothing else about the organisation
    dist_old, dist_new = tmp_path / "old", tmp_path / "new"
    built = odg("build", f"--data={paths.data_dir()}", f"--dist={dist_old}")
    assert built.exit_code == 0, built.output
    built = odg("build", f"--data={data}", f"--dist={dist_new}")
    assert built.exit_code == 0, built.output
    changes = diff.diff(diff.read_rows(dist_old), diff.read_rows(dist_new), DEFAULT_BASE)
    assert [(e.iri, e.replaced_by) for e in changes.merged] == [
        (f"<{DEFAULT_BASE}organisation/wikirate-project>", "The WikiRate Project")]
    assert [e.iri for e in changes.added] == [f"<{DEFAULT_BASE}organisation/wikirate>"]


def test_quoted_and_flow_references_keep_their_form(data: Path) -> None:
    ambiguity = data / "ambiguities" / "wikirate-names.yaml"
    text = ambiguity.read_text().replace("about: [wikirate-project, wikirate-org]",
                                         "about: ['wikirate-project', \"wikirate-org\"]  # both")
    ambiguity.write_text(text)
    featured = data / "release.yaml"
    featured.write_text(featured.read_text().replace("featured: [peer-learning-network,",
                                                     "featured: [\"wikirate-org\", peer-learning-network,"))
    assert odg("rename", "wikirate-org", "wikirate-website", f"--data={data}").exit_code == 0
    assert "about: ['wikirate-project', \"wikirate-website\"]  # both" in ambiguity.read_text()
    assert "featured: [\"wikirate-website\", peer-learning-network," in featured.read_text()


@pytest.mark.parametrize(("old", "new", "message"), [
    ("wikirate-projekt", "wikirate", "no record with id 'wikirate-projekt' (hint: did you mean 'wikirate-project'?)"),
    ("wikirate-project", "gbif", "id 'gbif' is already used by"),
    ("wikirate-project", "WikiRate", "'WikiRate' is not an id"),
    ("d004", "odi-post", "'d004' is a source document, cited by its id in every quote"),
])
def test_refusals_are_one_located_line_and_write_nothing(data: Path, old: str, new: str, message: str) -> None:
    before = snapshot(data)
    result = odg("rename", old, new, f"--data={data}")
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.splitlines()) == 1 and "Traceback" not in result.output
    assert snapshot(data) == before


def test_a_retired_record_or_a_record_in_a_bulk_file_is_not_renamed(data: Path) -> None:
    (data / "datasets" / "wikirate-data.yaml").write_text(
        "id: wikirate-data\nname: WikiRate data\nstatus: withdrawn\n", encoding="utf-8")
    with pytest.raises(DataError, match="'wikirate-data' is withdrawn already") as retired:
        r.rename(data, "wikirate-data", "wikirate-database")
    assert str(retired.value.location).endswith("wikirate-data.yaml:3:9")
    (data / "places" / "more.yaml").write_text("- id: atlantis\n  name: Atlantis\n  source: {d004: \"Shanghai\"}\n",
                                               encoding="utf-8")
    with pytest.raises(DataError, match="one of several records in this file"):
        r.rename(data, "atlantis", "atlantis-2")


def test_a_reference_in_a_table_is_refused_at_its_cell(data: Path) -> None:
    (data / "places" / "more.csv").write_text("id,name,status,replaced_by\nshanghai-old,Old Shanghai,merged,"
                                              "shanghai\n", encoding="utf-8")
    from opendata_graph.source.load import load

    try:
        load(data)
    except ErrorList as exc:  # the table must be a valid record for the test to mean anything
        pytest.fail(str(exc))
    before = snapshot(data)
    with pytest.raises(ErrorList) as refused:
        r.rename(data, "shanghai", "shanghai-city")
    assert [str(e.location).rsplit("/", 1)[-1] for e in refused.value.errors] == ["more.csv:2:4"]
    assert snapshot(data) == before


def test_the_renamed_directory_is_checked_whole_before_a_file_is_replaced(data: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """If the texts a rename would write do not load, no file is touched (the check runs before any write)."""
    plan = r.plan

    def broken(*args: object) -> r.Plan:
        p = plan(*args)  # type: ignore[arg-type]
        first = p.referrers[0]
        p.texts[first] = p.texts[first].replace("about: [wikirate,", "about: [wikirate-nowhere,")
        return p

    monkeypatch.setattr(r, "plan", broken)
    before = snapshot(data)
    with pytest.raises(ErrorList) as refused:
        r.rename(data, "wikirate-project", "wikirate")
    assert snapshot(data) == before
    first = refused.value.errors[0]
    assert "after the rename: no entity with id 'wikirate-nowhere'" in first.message
    assert str(first.location).startswith(str(data / "ambiguities" / "wikirate-names.yaml"))
