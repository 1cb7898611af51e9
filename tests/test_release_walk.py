"""Four releases of a copy of the data, as a curator would live them: an organisation added and a figure changed
with a new quote (0.2.0), an id renamed and a record withdrawn (0.3.0), a membership ended (0.4.0). Each
release's changelog says exactly those changes, a rebuild without changes says nothing, the old IRIs answer
301/410 in ``odg serve`` and behind nginx, the pages tell each record's history, and a consumer applying the
releases' RDF deltas to release 0.1.0 holds release 0.4.0."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import RdfFormat, parse

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.releases import diff
from opendata_graph.web.site import export

from .checks import edit, generate
from .servers import nginx_server, odg_server

SENTENCES = {  # what the copy of the sources says later (appended to the ODI post)
    "0.2.0": "The foundation now counts approximately 2,100 members. Open Knowledge Test joined the network.",
    "0.4.0": "WikiRate left the peer-learning network in June 2026.",
}
ORG, PRODUCT, DATASET = (f"{DEFAULT_BASE}{k}/" for k in ("organisation", "product", "dataset"))


def odg(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, [*args, f"--data={root / 'data'}", f"--dist={root / 'dist'}",
                                      f"--seeds={root / 'seeds'}"])
    assert result.exit_code == 0, result.output
    return result


def say(root: Path, version: str) -> None:
    d004 = next((root / "seeds").glob("004_*.txt"))
    generate.retrieve(d004, d004.read_text(encoding="utf-8") + "\n" + SENTENCES[version] + "\n")


@pytest.fixture(scope="module")
def walk() -> Iterator[Path]:
    top = Path(tempfile.mkdtemp(prefix="odg-walk-"))  # readable by nginx's workers (www-data)
    try:
        top.chmod(0o755)
        data = Path(shutil.copytree(paths.data_dir(), top / "data"))
        shutil.copytree(paths.seeds_dir(), top / "seeds")
        odg(top, "release", "0.1.0", "--date", "2026-01-15")

        say(top, "0.2.0")
        osmf = data / "organisations" / "openstreetmap-foundation.yaml"
        edit(osmf, "    value: 2000\n    stated_as: approximately 2,000 members\n",
             "    value: 2100\n    stated_as: approximately 2,100 members\n")
        edit(osmf, '    source: {d004: "The foundation’s approximately 2,000 members elect its seven volunteer board '
                   'members."}\n  - id: board-members',
             '    source: {d004: "The foundation now counts approximately 2,100 members."}\n  - id: board-members')
        (data / "organisations" / "open-knowledge-test.yaml").write_text(
            'id: open-knowledge-test\nname: Open Knowledge Test\nsource: {d004: "Open Knowledge Test joined the '
            'network."}\n', encoding="utf-8")
        odg(top, "release", "0.2.0", "--date", "2026-03-01")

        renamed = CliRunner().invoke(cli, ["rename", "wikirate-org", "wikirate-website", f"--data={data}",
                                           "--date=2026-05-01"])
        assert renamed.exit_code == 0, renamed.output
        (data / "datasets" / "wikirate-data.yaml").write_text(
            "id: wikirate-data\nname: WikiRate open database of company data\nstatus: withdrawn\n"
            "reason: Recorded as a dataset; the source describes a platform.\ndate: 2026-05-01\n", encoding="utf-8")
        odg(top, "release", "0.3.0", "--date", "2026-05-01")

        say(top, "0.4.0")
        edit(data / "organisations" / "wikirate-project.yaml", "      within: odi-microsoft-partnership\n"
             '      source: {d004: "This work is part of our three-year partnership with Microsoft, running until April '
             '2023."}\n',
             "      within: odi-microsoft-partnership\n      end: 2026-06\n      source:\n"
             '        - d004: "This work is part of our three-year partnership with Microsoft, running until April '
             '2023."\n        - d004: "WikiRate left the peer-learning network in June 2026."\n')
        odg(top, "release", "0.4.0", "--date", "2026-07-01")
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


def changes(walk: Path, version: str) -> dict[tuple[str, str], dict[str, list[str]]]:
    """A release's changes.json as {(group, iri): {node property: [old, new]}}."""
    data = json.loads((walk / "dist" / "releases" / version / "changes.json").read_text(encoding="utf-8"))
    out: dict[tuple[str, str], dict[str, list[str]]] = {}
    for groups in data["kinds"].values():
        for group, entities in groups.items():
            for e in entities:
                out[(group, e["iri"])] = {f"{c['node']} {re.split('[#/]', c['predicates'][0])[-1]}".strip():
                                          [", ".join(c["removed"]), ", ".join(c["added"])]
                                          for c in e.get("changes", [])}
    return out


def test_each_changelog_says_exactly_what_the_curator_did(walk: Path) -> None:
    assert changes(walk, "0.2.0") == {
        ("added", ORG + "open-knowledge-test"): {},
        ("changed", ORG + "openstreetmap-foundation"): {
            "figure/members approximateValue": ["2000", "2100"],  # "approximately": not an exact value
            "figure/members statedAs": ["approximately 2,000 members", "approximately 2,100 members"],
            "figure/members label": ["Members of OpenStreetMap Foundation: approximately 2,000 members",
                                     "Members of OpenStreetMap Foundation: approximately 2,100 members"]},
    }
    third = changes(walk, "0.3.0")
    assert {k for k in third if k[0] != "changed"} == {
        ("added", PRODUCT + "wikirate-website"), ("merged", PRODUCT + "wikirate-org"),
        ("withdrawn", DATASET + "wikirate-data")}
    # the record that pointed at the renamed one now points at its successor, and that is all that changed
    assert {k: v for k, v in third.items() if k[0] == "changed"} == {
        ("changed", DEFAULT_BASE + "ambiguity/wikirate-names"): {
            "hasTarget": ["WikiRate.org <product/wikirate-org>", "WikiRate.org <product/wikirate-website>"]}}
    # the membership's end, once: not its period's new end instant, its type and its time:inXSDgYearMonth too
    assert changes(walk, "0.4.0") == {("changed", ORG + "wikirate-project"): {
        "membership/wikirate-project/cohort-2/participant/period endDate": ["", "2026-06"]}}
    markdown = (walk / "dist" / "releases" / "0.3.0" / "CHANGES.md").read_text(encoding="utf-8")
    assert "- **WikiRate.org** (`product/wikirate-org`) → merged into **WikiRate.org**: Renamed to wikirate-website." \
        in markdown
    assert ("- **WikiRate open database of company data** (`dataset/wikirate-data`): Recorded as a dataset; the "
            "source describes a platform.") in markdown
    fourth = (walk / "dist" / "releases" / "0.4.0" / "CHANGES.md").read_text(encoding="utf-8")
    assert "  - membership cohort-2 participant period · end date: — → “2026-06” (" in fourth
    assert "“WikiRate left the peer-learning network in June 2026.”" in fourth


def test_a_rebuild_without_changes_reports_nothing(walk: Path) -> None:
    odg(walk, "build")
    result = CliRunner().invoke(cli, ["diff", str(walk / "dist" / "releases" / "0.4.0"), str(walk / "dist")])
    assert result.exit_code == 0, result.output
    assert "No entity changed." in result.output


def test_the_deltas_take_release_one_to_release_four(walk: Path) -> None:
    releases = walk / "dist" / "releases"
    held = set(diff.read_rows(releases / "0.1.0"))
    for version in ("0.2.0", "0.3.0", "0.4.0"):
        graphs: dict[str, set[tuple[str, str, str]]] = {"removals": set(), "additions": set()}
        for q in parse(path=str(releases / version / "delta.trig"), format=RdfFormat.TRIG):
            graphs[q.graph_name.value.rsplit("/", 1)[-1]].add(  # type: ignore[union-attr]
                (str(q.subject), str(q.predicate), str(q.object)))
        held = (held - graphs["removals"]) | graphs["additions"]
    assert held == set(diff.read_rows(releases / "0.4.0"))


def get(url: str, path: str, accept: str | None = None) -> tuple[int, dict[str, str], str]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path, headers={"Accept": accept} if accept else {})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_old_iris_answer_and_pages_tell_their_history_in_serve(walk: Path) -> None:
    with odg_server(walk / "dist" / "latest") as url:
        status, headers, _ = get(url, "/product/wikirate-org", "text/turtle")
        assert (status, headers["location"]) == (301, "/product/wikirate-website")
        status, _, body = get(url, "/dataset/wikirate-data")
        assert status == 410 and "Recorded as a dataset; the source describes a platform." in body
        status, _, page = get(url, "/organisation/openstreetmap-foundation")
        assert status == 200
        assert "In the registry since <a href=\"/changes#release-0.1.0\">0.1.0</a> (2026-01-15)." in page
        assert "Changed in <a href=\"/changes#release-0.2.0\">0.2.0</a> (2026-03-01): figure members (approximate value, stated as, label)." in page
        _, _, newcomer = get(url, "/organisation/open-knowledge-test")
        assert "In the registry since <a href=\"/changes#release-0.2.0\">0.2.0</a> (2026-03-01)." in newcomer
        status, _, log = get(url, "/changes")
        assert status == 200
        assert [v for v in ("0.4.0", "0.3.0", "0.2.0", "0.1.0") if f'id="release-{v}"' in log] == \
            ["0.4.0", "0.3.0", "0.2.0", "0.1.0"]
        assert log.index('id="release-0.4.0"') < log.index('id="release-0.1.0"')
        _, _, home = get(url, "/")
        assert "Latest release: 0.4.0 (2026-07-01), one of 4" in home


def test_old_iris_answer_behind_nginx_and_the_site_lists_the_changes(walk: Path) -> None:
    site = walk / "site"
    export(walk / "dist" / "latest", site, DEFAULT_BASE, paths.queries_dir())
    assert 'id="release-0.2.0"' in (site / "changes.html").read_text(encoding="utf-8")
    (walk / "scratch").mkdir(exist_ok=True)
    with nginx_server(site, walk / "scratch") as url:
        status, headers, _ = get(url, "/product/wikirate-org.ttl")
        assert status == 301 and headers["location"].endswith("/product/wikirate-website.ttl")
        status, _, body = get(url, "/dataset/wikirate-data", "text/turtle")
        assert status == 410 and 'owl:deprecated "true"^^xsd:boolean' in body, body
