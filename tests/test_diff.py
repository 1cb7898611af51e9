"""`odg diff`: the changes between two releases per entity, in words, with their quotes; the RDF delta applies."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat, parse

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.namespaces import DEFAULT_BASE, ODG
from opendata_graph.core.terms import rows
from opendata_graph.releases import diff
from opendata_graph.stages.pipeline import build

from .checks import edit, generate, options

NEW_SENTENCE = "The foundation now counts approximately 2,100 members."


def nt_rows(dist: Path) -> list[tuple[str, str, str]]:
    return rows(parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES))


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two builds of a copy of the data: as it is, then with an organisation added, a figure changed (with a new
    quote) and a quote reworded without changing any fact."""
    root = tmp_path_factory.mktemp("releases")
    data, seeds = root / "data", root / "seeds"
    shutil.copytree(paths.data_dir(), data)
    shutil.copytree(paths.seeds_dir(), seeds)
    old = root / "old"
    build(dataclasses.replace(options(old, data), seeds=seeds))
    d004 = next(seeds.glob("004_*.txt"))
    generate.retrieve(d004, d004.read_text(encoding="utf-8") + "\n" + NEW_SENTENCE + "\n")
    osmf = data / "organisations" / "openstreetmap-foundation.yaml"
    edit(osmf, "    value: 2000\n    stated_as: approximately 2,000 members\n",
         "    value: 2100\n    stated_as: approximately 2,100 members\n")
    edit(osmf, '    source: {d004: "The foundation’s approximately 2,000 members elect its seven volunteer board '
               'members."}\n  - id: board-members',
         f'    source: {{d004: "{NEW_SENTENCE}"}}\n  - id: board-members')
    (data / "organisations" / "open-knowledge-test.yaml").write_text(
        f'id: open-knowledge-test\nname: Open Knowledge Test\nsource: {{d004: "{NEW_SENTENCE}"}}\n', encoding="utf-8")
    gbif = data / "organisations" / "gbif.yaml"  # a quote of the same fact, cut shorter: provenance churn only
    text = gbif.read_text(encoding="utf-8")
    assert '- d004: "Global Biodiversity Information Facility (GBIF)"' in text
    gbif.write_text(text.replace('- d004: "Global Biodiversity Information Facility (GBIF)"',
                                 '- d004: "Global Biodiversity Information Facility"', 1), encoding="utf-8")
    new = root / "new"
    build(dataclasses.replace(options(new, data), seeds=seeds))
    return old, new, root


def test_the_same_release_has_no_changes(dist: Path) -> None:
    d = diff.diff(nt_rows(dist), nt_rows(dist), DEFAULT_BASE, "0.1.0", "0.1.0")
    assert d.empty and not d.additions and not d.removals
    assert diff.markdown(d) == "# Changes from 0.1.0 to 0.1.0\n\nNo entity changed.\n"


def test_changes_are_reported_per_entity_with_their_quotes(releases: tuple[Path, Path, Path]) -> None:
    old, new, _ = releases
    d = diff.diff(nt_rows(old), nt_rows(new), DEFAULT_BASE, "0.1.0", "0.2.0")
    assert [(e.kind, e.label) for e in d.added] == [("organisation", "Open Knowledge Test")]
    assert not d.removed and not d.withdrawn and not d.merged
    # GBIF's quote was cut shorter: its statements and excerpts changed, none of its facts
    assert [e.label for e in d.changed] == ["OpenStreetMap Foundation"]
    (osmf,) = d.changed
    # "approximately 2,000": odg:approximateValue (with the standard qudt:value it refines), never schema:value
    approximate = next(c for c in osmf.changes if ODG.approximateValue in c.predicates)
    assert (approximate.node, approximate.removed, approximate.added) == ("figure/members", ["2000"], ["2100"])
    value = approximate
    assert list(value.sources) == ["2100"] and value.sources["2100"][0].startswith(f"“{NEW_SENTENCE}” — ")
    text = diff.markdown(d)
    assert "## Organisations" in text and "- **Open Knowledge Test** (`organisation/open-knowledge-test`)" in text
    assert "figure members · " in text and "“2000” → “2100”" in text and NEW_SENTENCE in text
    assert "statement/" not in text and "excerpt" not in text


def test_the_rdf_delta_takes_the_old_release_to_the_new(releases: tuple[Path, Path, Path]) -> None:
    old, new, root = releases
    d = diff.diff(nt_rows(old), nt_rows(new), DEFAULT_BASE)
    assert diff.apply(nt_rows(old), d) == set(nt_rows(new))
    (root / "delta.trig").write_text(diff.trig(d, DEFAULT_BASE), encoding="utf-8")
    graphs: dict[str, set[tuple[str, str, str]]] = {}
    for q in parse(path=str(root / "delta.trig"), format=RdfFormat.TRIG):
        graphs.setdefault(q.graph_name.value, set()).add(  # type: ignore[union-attr]
            (str(q.subject), str(q.predicate), str(q.object)))
    assert graphs == {DEFAULT_BASE + "delta/removals": d.removals, DEFAULT_BASE + "delta/additions": d.additions}


def test_a_dump_written_another_way_is_the_same_release(dist: Path, tmp_path: Path) -> None:
    """Lines are compared first (fast), then only the differing lines as triples: an N-Triples file with tabs,
    extra spaces, comments and another line order is the same release, and a real change in it is found."""
    lines = (dist / "opendata-graph.nt").read_text(encoding="utf-8").splitlines()
    other = ["# written by another tool"] + [line.replace("> <", ">\t<", 1).removesuffix(" .") + " \t ."
                                               for line in reversed(lines)] + [""]
    (tmp_path / "other.nt").write_text("\n".join(other), encoding="utf-8")
    same = diff.diff(diff.read_lines(dist), diff.read_lines(tmp_path / "other.nt"), DEFAULT_BASE)
    assert same.empty and not same.additions and not same.removals
    changed = [line.replace('"Global Biodiversity Information Facility"@en', '"GBIF, renamed"@en')
               for line in other]
    (tmp_path / "changed.nt").write_text("\n".join(changed), encoding="utf-8")
    found = diff.diff(diff.read_lines(dist), diff.read_lines(tmp_path / "changed.nt"), DEFAULT_BASE)
    assert [(e.label, [c.added for c in e.changes]) for e in found.changed] == [("GBIF, renamed", [["GBIF, renamed"]])]


def test_odg_diff_reads_release_directories_and_dump_files(releases: tuple[Path, Path, Path]) -> None:
    old, new, root = releases
    runner = CliRunner()
    md = runner.invoke(cli, ["diff", str(old), str(new)])
    assert md.exit_code == 0, md.output
    assert md.output.startswith(f"# Changes from {old.name} to {new.name}")
    as_json = runner.invoke(cli, ["diff", str(old / "opendata-graph.nt"), str(new / "opendata-graph.ttl"),
                                  "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert [e["label"] for e in report["kinds"]["organisation"]["added"]] == ["Open Knowledge Test"]
    out = root / "delta.trig"
    written = runner.invoke(cli, ["diff", str(old), str(new), "--format", "trig", "--output", str(out)])
    assert written.exit_code == 0 and out.read_text(encoding="utf-8").startswith(f"<{DEFAULT_BASE}delta/removals>")
    missing = runner.invoke(cli, ["diff", str(root / "nowhere"), str(new)])
    assert missing.exit_code == 2 and "nowhere" in missing.output and "Traceback" not in missing.output


def test_odg_diff_builds_git_revisions_of_the_data(tmp_path: Path) -> None:
    """OLD and NEW as commits of a repository holding the data: each is built in a temporary directory."""
    import subprocess

    repo = tmp_path / "repo"
    for name, source in (("data", paths.data_dir()), ("ontology", paths.ontology_dir()),
                         ("shapes", paths.shapes_dir()), ("queries", paths.queries_dir())):
        shutil.copytree(source, repo / name)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    first = git("rev-parse", "HEAD")
    edit(repo / "data" / "people" / "robert-kaye.yaml", "name: Robert Kaye", "name: Rob Kaye")
    git("commit", "-q", "-am", "renamed")
    dirs = [f"--{n}={repo / n}" for n in ("data", "ontology", "shapes", "queries")]
    result = CliRunner().invoke(cli, ["diff", first, "HEAD", *dirs, "--format", "json"])
    assert result.exit_code == 0, result.output
    (person,) = json.loads(result.stdout)["kinds"]["person"]["changed"]
    assert person["label"] == "Rob Kaye"
    assert ["Robert Kaye"] in [c["removed"] for c in person["changes"]]
    unknown = CliRunner().invoke(cli, ["diff", "no-such-revision", "HEAD", *dirs])
    assert unknown.exit_code == 2 and "neither a release directory, a dump file nor a git revision" in unknown.output
    missing = CliRunner().invoke(cli, ["diff", first, "HEAD", *dirs, f"--seeds={tmp_path / 'none'}"])
    assert missing.exit_code == 2 and "sources folder" in missing.output, missing.output  # no side without quotes
