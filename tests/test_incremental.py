"""Incremental validation gives the full run's report after every kind of edit, and falls back when it must.

Each step edits a generated registry, then runs ``odg validate`` twice: incrementally (from the cache the
previous run left) and in full (``--no-cache``); output and exit code must be identical, and the edit must have
the effect it is meant to have (a violation appears or disappears), so a stale cache cannot pass.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from opendata_graph.stages.cache import cache_dir

from .checks import edit, generate, odg_validate


def same_as_full(root: Path) -> tuple[int, str]:
    incremental = odg_validate(root)
    assert incremental == odg_validate(root, "--no-cache")
    return incremental


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    generate.generate(30, tmp_path)
    code, out = odg_validate(tmp_path)  # the full run that writes the cache
    assert (code, out) == (0, "conforms: no problems found\n")
    assert (cache_dir(tmp_path / "data") / "manifest.json").exists()
    return tmp_path


def test_no_change_answers_from_the_cache(registry: Path) -> None:
    manifest = cache_dir(registry / "data") / "manifest.json"
    before = manifest.stat().st_mtime_ns
    assert same_as_full(registry) == (0, "conforms: no problems found\n")
    assert manifest.stat().st_mtime_ns == before  # nothing was rewritten


def drop_key(path: Path, key: str) -> None:
    """Remove a top-level key and its block from a generated record."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"{key}:\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(("-", " ")))
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


Step = tuple[str, Callable[[Path], object], int, str]
STEPS: list[Step] = [
    ("a person loses their post (SHACL, the edited file)",
     lambda d: (d / "people" / "person-000005.yaml").write_text(
         (d / "people" / "person-000005.yaml").read_text().split("posts:")[0]), 1, "person-000005.yaml:1:1: error"),
    ("a cohort loses its last members (SHACL, an unchanged file)",
     lambda d: [edit(d / "organisations" / f"org-{i:06d}.yaml", "organisation: cohort-2\n",
                     "organisation: cohort-3\n") for i in (1, 21)], 1, "cohort-2.yaml:1:1: error: A cohort has no members"),
    ("a quote no longer matches its document",
     lambda d: edit(d / "organisations" / "org-000009.yaml", "takes part.", "takes part!"), 1,
     "org-000009.yaml:6:8: error: quote not found"),
    ("a dataset loses its licence (warning)", lambda d: drop_key(d / "datasets" / "data-000007.yaml", "licence"), 1,
     "data-000007.yaml:1:1: warning: Nothing is known of this dataset's licence"),
    ("an organisation is renamed: the memberships and posts of other files carry its name",
     lambda d: edit(d / "organisations" / "org-000003.yaml", "name: Organisation 000003", "name: Renamed Three"), 1,
     "3 error(s), 1 warning(s)"),
    ("a record file is deleted: references to it are errors in the files that make them",
     lambda d: (d / "organisations" / "org-000004.yaml").unlink(), 2, "no entity with id 'org-000004'"),
]


def test_every_edit_gives_the_full_report(registry: Path) -> None:
    data = registry / "data"
    for title, change, code, expected in STEPS:
        change(data)
        got_code, out = same_as_full(registry)
        assert got_code == code and expected in out, (title, out)
    shutil.rmtree(data)
    generate.generate(30, registry)  # everything back as it was
    assert same_as_full(registry) == (0, "conforms: no problems found\n")


def test_membership_shortcut_check_sees_the_neighbour_change(registry: Path) -> None:
    """A SHACL-SPARQL constraint on a membership reads its member's triples: one link away."""
    same_as_full(registry)
    edit(registry / "data" / "organisations" / "org-000002.yaml", "role: participant", "role: partner")
    assert same_as_full(registry)[0] == 0
    stored = json.loads((cache_dir(registry / "data") / "manifest.json").read_text())
    assert stored["dirty"] is False and "organisations/org-000002.yaml" in stored["files"]


def test_bulk_table_edit(tmp_path: Path) -> None:
    generate.generate(25, tmp_path, "csv")
    assert odg_validate(tmp_path)[0] == 0
    edit(tmp_path / "data" / "people" / "people.csv", '""title"":""Director""', '""title"":""Chair""')
    assert same_as_full(tmp_path)[0] == 0
    table = tmp_path / "data" / "organisations" / "organisations.csv"
    edit(table, '""role"":""participant""', '""role"":""member""')
    code, out = same_as_full(tmp_path)
    assert code == 2 and "organisations.csv:3:" in out


def test_a_cache_of_other_shapes_is_not_trusted(registry: Path) -> None:
    """The cache answers for the shapes it was written with; other shapes (a new constraint every organisation
    fails) must give their own report, not the cached "conforms"."""
    from opendata_graph.core import paths

    shapes = registry / "other-shapes"
    shutil.copytree(paths.shapes_dir(), shapes)
    (shapes / "extra.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:x:S> a sh:NodeShape ; sh:targetClass <http://www.w3.org/ns/org#Organization> ;\n"
        "  sh:property [ sh:path <urn:x:never> ; sh:minCount 1 ] .\n")
    code, out = same_as_full_with(registry, "--shapes", str(shapes))
    assert code == 1 and "<urn:x:never>" in out


def same_as_full_with(root: Path, *extra: str) -> tuple[int, str]:
    incremental = odg_validate(root, *extra)
    assert incremental == odg_validate(root, "--no-cache", *extra)
    return incremental


def test_an_edited_source_document_voids_the_cache(registry: Path) -> None:
    document = registry / "seeds" / "synthetic.txt"
    generate.retrieve(document, document.read_text(encoding="utf-8").replace("takes part.", "took part."))
    code, out = same_as_full(registry)
    assert code == 1 and out.count("quote not found") == 30, out  # "<name> (ORG<i>) takes part." of each


def test_touched_but_unchanged_files_are_not_reloaded(registry: Path) -> None:
    import os

    path = registry / "data" / "organisations" / "org-000003.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert same_as_full(registry) == (0, "conforms: no problems found\n")
    state = json.loads((cache_dir(registry / "data") / "manifest.json").read_text())["files"]
    assert state["organisations/org-000003.yaml"]["mtime"] == path.stat().st_mtime_ns


def test_what_only_a_full_run_checks_makes_it_run_in_full(registry: Path) -> None:
    (registry / "data" / "organisation").mkdir()  # a misspelt kind directory
    code, out = same_as_full(registry)
    assert code == 2 and "unknown kind of entity 'organisation'" in out


def test_a_run_interrupted_mid_update_is_not_trusted(registry: Path) -> None:
    """A run killed while it updated the store leaves it half-written with the manifest marked dirty: the next run
    must not believe the store (here: one organisation's triples are gone, as if the run died between removing
    and re-adding them), or its report would be wrong."""
    from pyoxigraph import NamedNode, Store

    root = cache_dir(registry / "data")
    store = Store(str(root / "store"))
    store.remove_graph(NamedNode("urn:odg:file:organisations/org-000006.yaml"))
    store.flush()
    del store
    manifest = json.loads((root / "manifest.json").read_text())
    (root / "manifest.json").write_text(json.dumps({**manifest, "dirty": True}))
    edit(registry / "data" / "people" / "person-000006.yaml", "title: Director", "title: Chair")  # posts in org 6
    assert same_as_full(registry) == (0, "conforms: no problems found\n")


def test_the_neighbourhood_holds_what_shapes_of_reach_one_read() -> None:
    """The triples of the nodes, of their objects, and of the subjects pointing at them by an inverse predicate."""
    from pyoxigraph import Quad, Store

    from opendata_graph.core.terms import to_node, to_oxigraph
    from opendata_graph.stages.cache import VOCABULARY_GRAPH, StoreIndex

    rows = [("<urn:f>", "<urn:type>", "<urn:C>"), ("<urn:f>", "<urn:p>", "<urn:o>"), ("<urn:o>", "<urn:type>", "<urn:D>"),
            ("<urn:a>", "<urn:inv>", "<urn:f>"), ("<urn:a>", "<urn:type>", "<urn:E>"),
            ("<urn:b>", "<urn:other>", "<urn:f>"), ("<urn:far>", "<urn:q>", "<urn:o>"), ("<urn:C>", "<urn:sub>", "<urn:K>")]
    store = Store()
    for i, (s, p, o) in enumerate(rows):
        graph = VOCABULARY_GRAPH if s == "<urn:C>" else f"urn:odg:file:{i}"
        store.add(Quad(to_node(s), to_node(p), to_oxigraph(o), to_node(f"<{graph}>")))
    found = set(StoreIndex(store).neighbourhood({"<urn:f>"}, {"urn:inv"}))
    assert found == set(rows) - {("<urn:b>", "<urn:other>", "<urn:f>"), ("<urn:far>", "<urn:q>", "<urn:o>")}


def poison(registry: Path) -> None:
    """A result that no run produces, stored in the cache: any run that answers from the cache shows it."""
    import sqlite3

    db = sqlite3.connect(cache_dir(registry / "data") / "cache.sqlite")
    body = json.dumps(["data/places/capital.yaml", 1, 1, "error", "POISON from the cache", "", "", "", "", "",
                       "", "", ""])
    db.execute("INSERT INTO result VALUES ('quote', 'data/places/capital.yaml', 'data/places/capital.yaml', ?)",
               (body,))
    db.commit()
    db.close()


@pytest.mark.parametrize(("key", "value"), [("version", 0), ("data", "/another/data")])
def test_a_cache_of_another_version_or_directory_is_not_used(registry: Path, key: str, value: object) -> None:
    root = cache_dir(registry / "data")
    poison(registry)
    assert "POISON" in odg_validate(registry)[1]  # the poison shows whenever the cache answers
    manifest = json.loads((root / "manifest.json").read_text())
    (root / "manifest.json").write_text(json.dumps({**manifest, key: value}))
    assert "POISON" not in same_as_full(registry)[1]


def test_shapes_reading_two_links_away_are_validated_in_full(registry: Path) -> None:
    """With a shape whose path reaches two links from its focus node (person -> post -> organisation -> place),
    an edit of a place changes a person's result: the cache, which re-checks only neighbours, is not used. (A
    place, not a cohort: a cohort has part_of, whose edits void the cache anyway, which would hide this guard.)"""
    from opendata_graph.core import paths

    shapes = registry / "far-shapes"
    shutil.copytree(paths.shapes_dir(), shapes)
    (shapes / "far.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<urn:x:S> a sh:NodeShape ; sh:targetClass <http://xmlns.com/foaf/0.1/Person> ;\n"
        "  sh:property [ sh:path ( org:holds org:postIn <http://schema.org/location>"
        " <http://www.w3.org/2000/01/rdf-schema#label> ) ; sh:pattern \"^Capital\" ] .\n")
    assert same_as_full_with(registry, "--shapes", str(shapes))[0] == 0  # writes the cache for these shapes
    edit(registry / "data" / "places" / "capital.yaml", "name: Capital City", "name: Main City")
    code, out = same_as_full_with(registry, "--shapes", str(shapes))
    assert code == 1 and "person-000006" in out


def test_a_record_replaced_by_a_symbolic_link_is_judged_by_a_full_run(registry: Path) -> None:
    record = registry / "data" / "organisations" / "org-000006.yaml"
    outside = registry / "outside.yaml"
    record.rename(outside)
    record.symlink_to(outside)
    code, out = same_as_full(registry)
    assert code == 2 and "org-000006.yaml" in out


FAR_QUERY = """# title: Organisations in a place whose name starts with Main
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?subject ?place WHERE {
  ?subject schema:location ?place .
  ?place rdfs:label ?name .
  FILTER(STRSTARTS(STR(?name), "Main"))
}
"""


def test_violation_queries_reading_beyond_their_subject_are_run_in_full(registry: Path) -> None:
    """A violation query whose answer for ``?subject`` reads another node's triples (the organisation's place's
    label): after an edit of the place, the organisations' answers are the full run's (the analysis calls the
    query not local, so the run is a full one)."""
    from opendata_graph.core import paths

    queries = registry / "far-queries"
    shutil.copytree(paths.queries_dir(), queries, ignore=shutil.ignore_patterns("expected"))
    (queries / "main-city-violation.rq").write_text(FAR_QUERY, encoding="utf-8")
    assert same_as_full_with(registry, "--queries", str(queries))[0] == 0  # writes the cache for these queries
    edit(registry / "data" / "places" / "capital.yaml", "name: Capital City", "name: Main City")
    code, out = same_as_full_with(registry, "--queries", str(queries))
    assert code == 1 and "main-city-violation.rq" in out and "org-000001" in out, out


LONELY_QUERY = """# title: Places no organisation is located in
PREFIX schema: <http://schema.org/>
SELECT ?subject WHERE {
  ?subject a schema:Place .
  FILTER NOT EXISTS { ?organisation schema:location ?subject }
}
"""

CROWDED_QUERY = """# title: Places where two organisations are located
PREFIX schema: <http://schema.org/>
SELECT DISTINCT ?subject WHERE {
  ?one schema:location ?subject .
  ?other schema:location ?subject .
  FILTER(?one != ?other)
}
"""


def drop_location(data: Path, *numbers: int) -> None:
    for i in numbers:
        path = data / "organisations" / f"org-{i:06d}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[:text.index("location:")] + text[text.index("memberships:"):], encoding="utf-8")


@pytest.mark.parametrize(("query", "expected"), [
    (LONELY_QUERY, (0, "conforms: no problems found\n")),  # the cache's answer was a violation
    (CROWDED_QUERY, (1, "capital")),  # the cache's answer was "conforms"
], ids=["lonely", "crowded"])
def test_violation_queries_reading_links_into_their_subject_are_run_in_full(registry: Path, query: str,
                                                                           expected: tuple[int, str]) -> None:
    """A violation query whose answer for ``?subject`` reads the triples of nodes that link to it (who is located
    in a place). Organisation 30 alone is located in Capital City; organisation 1's file then drops, or gains, its
    location. The cache re-runs the query for the place over the files that state something about the place or its
    changed neighbours, which do not include organisation 30's: it found the place deserted (or not crowded) where
    the full run does not. Such a query makes the run a full one."""
    from opendata_graph.core import paths

    queries = registry / "into-queries"
    shutil.copytree(paths.queries_dir(), queries, ignore=shutil.ignore_patterns("expected"))
    (queries / "place-violation.rq").write_text(query, encoding="utf-8")
    data = registry / "data"
    first = data / "organisations" / "org-000001.yaml"
    located = first.read_text(encoding="utf-8")
    drop_location(data, *range(1 if query is CROWDED_QUERY else 2, 30))
    assert same_as_full_with(registry, "--queries", str(queries)) == (0, "conforms: no problems found\n")
    if query is CROWDED_QUERY:
        first.write_text(located, encoding="utf-8")  # two organisations in the place now
    else:
        drop_location(data, 1)  # one left
    code, out = same_as_full_with(registry, "--queries", str(queries))
    assert code == expected[0] and expected[1] in out, out


def test_a_run_after_an_edit_reads_the_kept_verdicts(registry: Path) -> None:
    """The full run keeps each violation query's locality verdict; the next run reads it back (no parse): a kept
    "not local" makes that run a full one (a new generation), a kept "local" an incremental one."""
    from opendata_graph.core import paths
    from opendata_graph.stages.locality import digest

    root = cache_dir(registry / "data")
    manifest = json.loads((root / "manifest.json").read_text())
    queries = sorted(paths.queries_dir().glob("*-violation.rq"))
    assert manifest["locality"] == {digest(q.read_text(encoding="utf-8")): None for q in queries}
    edit(registry / "data" / "people" / "person-000006.yaml", "title: Director", "title: Chair")
    assert same_as_full(registry)[0] == 0
    assert json.loads((root / "manifest.json").read_text())["generation"] == manifest["generation"]  # incremental
    poisoned = json.loads((root / "manifest.json").read_text())
    poisoned["locality"][digest(queries[0].read_text(encoding="utf-8"))] = "kept as not local"
    (root / "manifest.json").write_text(json.dumps(poisoned))
    edit(registry / "data" / "people" / "person-000006.yaml", "title: Chair", "title: Director")
    assert odg_validate(registry)[0] == 0
    assert json.loads((root / "manifest.json").read_text())["generation"] != manifest["generation"]  # in full
