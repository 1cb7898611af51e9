"""The release: deterministic, strictly parseable dumps, an honest VoID/DCAT description, atomic publication."""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Quad, RdfFormat, Store, parse

from opendata_graph.core import outputs
from opendata_graph.core.errors import BuildError
from opendata_graph.stages import publish
from opendata_graph.stages.pipeline import build

from .checks import options

DUMPS = ["opendata-graph.ttl", "opendata-graph.nt", "opendata-graph.jsonld"]
QUAD_DUMPS = ["opendata-graph.nq", "opendata-graph.trig"]
FORMATS = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".jsonld": RdfFormat.JSON_LD,
           ".nq": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG}


def graph_of(path: Path) -> set[object]:
    """The triples of a dump, parsed by pyoxigraph's strict parser (rdflib would accept too much)."""
    return {(q.subject, q.predicate, q.object) for q in parse(path=str(path), format=FORMATS[path.suffix])}


def test_release_files(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == sorted([
        ".odg-output", "SHA256SUMS", "context.jsonld", "ontology.ttl", "shapes.ttl", "void.ttl", "network.svg",
        "timeline.svg",
        *DUMPS, *QUAD_DUMPS, *(d + ".gz" for d in DUMPS + QUAD_DUMPS)])


def test_the_pictures_in_the_release_link_to_the_iris_themselves(dist: Path) -> None:
    """dist/network.svg and dist/timeline.svg stand alone: well-formed SVG whose links are the release's IRIs
    (the server and the static site draw them again with links to their own pages)."""
    import xml.etree.ElementTree as ET

    for name in ("network.svg", "timeline.svg"):
        root = ET.fromstring((dist / name).read_bytes())
        links = {a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")}
        assert len(links) > 10 and all(h and h.startswith(("https://w3id.org/opendata-graph/", "http://spdx.org/"))
                                       for h in links), name


def test_dumps_parse_strictly_and_hold_the_same_graph(dist: Path) -> None:
    graphs = [graph_of(dist / name) for name in DUMPS]
    assert len(graphs[0]) > 10_000
    assert graphs[0] == graphs[1] == graphs[2]


@pytest.mark.parametrize(("name", "syntax"), [("opendata-graph.ttl", "turtle"), ("opendata-graph.nt", "ntriples")])
def test_serd_parses_the_dumps_strictly_to_the_same_graph(dist: Path, name: str, syntax: str) -> None:
    """serd (C, installed by `make test`) is a judge independent of both rdflib and pyoxigraph."""
    import shutil

    serdi = shutil.which("serdi")
    assert serdi, "serdi is missing: run `make tools` (Debian package serdi)"
    result = subprocess.run([serdi, "-q", "-i", syntax, "-o", "ntriples", str(dist / name)],
                            capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    reparsed = {(q.subject, q.predicate, q.object) for q in parse(result.stdout, format=RdfFormat.N_TRIPLES)}
    assert reparsed == graph_of(dist / "opendata-graph.nt")


def quads_of(path: Path) -> list[object]:
    return list(parse(path=str(path), format=FORMATS[path.suffix]))


@pytest.mark.parametrize(("name", "syntax"), [("opendata-graph.nq", "nquads"), ("opendata-graph.trig", "trig")])
def test_quad_dumps_parse_strictly_and_hold_the_facts_in_their_sources_graphs(dist: Path, name: str,
                                                                              syntax: str) -> None:
    """The quad dumps hold the triple dumps' triples, each fact in the graph of each of its sources, every other
    triple in the default graph, and one description per graph (prov:wasDerivedFrom its excerpt or evidence)."""
    import shutil

    from pyoxigraph import DefaultGraph, NamedNode

    from opendata_graph.core.namespaces import DEFAULT_BASE, PROV
    from opendata_graph.core.serialize import graph_of as source_graph
    from opendata_graph.core.serialize import statement_iri

    quads = quads_of(dist / name)
    derived = NamedNode(PROV.wasDerivedFrom)
    descriptions = {q for q in quads if str(q.subject).endswith("/graph>")}
    assert len(descriptions) == 2 * len({q.subject for q in descriptions})  # a odg:SourceGraph, wasDerivedFrom
    triples = graph_of(dist / "opendata-graph.nt")
    assert {(q.subject, q.predicate, q.object) for q in quads if q not in descriptions} == triples
    sources: dict[str, set[str]] = {}
    for s, p, o in triples:
        if p == derived and "/statement/" in str(s):
            sources.setdefault(str(s), set()).add(str(o))
    named = [q for q in quads if q.graph_name != DefaultGraph() and q not in descriptions]
    assert len(named) > 1_000
    # The facts are only in their sources' graphs: the default graph is not the triple dumps (docs/graph.md).
    default = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name == DefaultGraph()}
    assert default < triples and default.isdisjoint((q.subject, q.predicate, q.object) for q in named)
    for q in named:  # each fact sits in the graph of one of its statement's sources
        row = (str(q.subject), str(q.predicate), str(q.object))
        assert str(q.graph_name) in {source_graph(x) for x in sources[statement_iri(DEFAULT_BASE, row)]}
    assert all(q.graph_name == q.subject for q in descriptions)  # each graph describes itself, inside itself
    assert {q.graph_name for q in named} <= {q.subject for q in descriptions}
    serdi = shutil.which("serdi")
    assert serdi, "serdi is missing: run `make tools` (Debian package serdi)"
    result = subprocess.run([serdi, "-q", "-i", syntax, "-o", "nquads", str(dist / name)], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    assert set(parse(result.stdout, format=RdfFormat.N_QUADS)) == set(quads)


def test_the_documents_own_licences_are_one_graph_pattern_away(dist: Path) -> None:
    """Licences a document states, not those known only from external evidence (OAR's CC BY-SA 4.0, GBIF's three
    licence choices, OpenStreetMap's ODbL 1.0): the facts' graphs tell them apart."""
    from opendata_graph.core import paths
    from opendata_graph.stores.query import open_store, rows, run

    text = (paths.queries_dir() / "document-licences.rq").read_text(encoding="utf-8")
    found = {(r[0], r[1]) for r in rows(run(open_store(dist), text))}
    assert found == {('"GBIF.org index of species occurrence records"@en', '"Creative Commons licences"@en'),
                     ('"MetaBrainz community-maintained databases"@en', '"Creative Commons licences"@en'),
                     ('"MetaBrainz community-maintained databases"@en', '"public domain"@en'),
                     ('"OpenStreetMap data"@en', '"Open Database License"@en')}


def test_ntriples_are_sorted_canonical_lines(dist: Path) -> None:
    lines = (dist / "opendata-graph.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert all(line.endswith(" .") for line in lines)


def test_turtle_is_readable(dist: Path) -> None:
    text = (dist / "opendata-graph.ttl").read_text(encoding="utf-8")
    assert text.startswith("@base <https://w3id.org/opendata-graph/> .\n@prefix odg: ")
    block = text.split("\n<organisation/gbif> ", 1)[1].split(" .\n", 1)[0]
    assert block.startswith("a schema:Organization , org:Organization ;\n    rdfs:label ")
    assert "\n    foaf:homepage <https://www.gbif.org>" in block


def test_gzip_copies_hold_the_same_bytes(dist: Path) -> None:
    for name in DUMPS:
        assert gzip.decompress((dist / f"{name}.gz").read_bytes()) == (dist / name).read_bytes()


def test_sha256sums_cover_every_file(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ")[1]: line.split("  ")[0] for line in lines}
    # every file of the release; the marker is odg's bookkeeping of the directory (docs/safety.md), not the release's
    assert set(listed) == {p.name for p in dist.iterdir()} - {"SHA256SUMS", outputs.MARKER}
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_void_description_counts_and_distributions(dist: Path) -> None:
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object) for t in parse(path=str(dist / "void.ttl"),
                                                                      format=RdfFormat.TURTLE))
    prefixes = """PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
                  PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX spdx: <http://spdx.org/rdf/terms#>"""
    (row,) = list(store.query(prefixes + """SELECT ?triples ?entities ?licence ?shapes WHERE {
        ?d a void:Dataset , dcat:Dataset ; void:triples ?triples ; void:entities ?entities ;
           dcterms:license ?licence ; dcterms:conformsTo ?shapes }"""))
    nt_lines = len((dist / "opendata-graph.nt").read_bytes().splitlines())
    assert int(row["triples"].value) == nt_lines
    assert row["licence"].value == "http://spdx.org/licenses/CC-BY-4.0"
    assert row["shapes"].value == "https://w3id.org/opendata-graph/shapes"
    distributions = {r["title"].value: (int(r["size"].value), r["sum"].value) for r in store.query(prefixes + """
        SELECT ?title ?size ?sum WHERE { ?d dcat:distribution ?x . ?x dcterms:title ?title ; dcat:byteSize ?size ;
        spdx:checksum/spdx:checksumValue ?sum }""")}
    assert set(distributions) == {*DUMPS, *QUAD_DUMPS, *(d + ".gz" for d in DUMPS + QUAD_DUMPS), "context.jsonld"}
    for name, (size, digest) in distributions.items():
        data = (dist / name).read_bytes()
        assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest()), name
    partitions = {r["c"].value: int(r["n"].value) for r in store.query(prefixes + """
        SELECT ?c ?n WHERE { ?d void:classPartition ?p . ?p void:class ?c ; void:entities ?n }""")}
    assert partitions["http://www.w3.org/ns/org#Membership"] == 26  # 6 + 7 cohort members, 13 other
    assert partitions["http://xmlns.com/foaf/0.1/Person"] == 9


def test_no_timestamp_in_the_release(dist: Path) -> None:
    """Nothing of the build's clock: today's date (and the days either side, for builds around midnight) in the
    usual spellings appears in no file (the data's own dates are from 2021 and earlier)."""
    import datetime

    today = datetime.datetime.now(datetime.UTC).date()
    days = [today + datetime.timedelta(days=d) for d in (-1, 0, 1)]
    spellings = {d.strftime(f).encode() for d in days for f in ("%Y-%m-%d", "%Y%m%d", "%d %b %Y", "%Y/%m/%d")}
    for path in dist.iterdir():
        if path.suffix != ".gz":
            content = path.read_bytes()
            assert [s for s in spellings if s in content] == [], path.name


def test_two_builds_in_separate_processes_are_byte_identical(tmp_path: Path, seeds: Path) -> None:
    """Different PYTHONHASHSEEDs, different processes: the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        dist = tmp_path / f"dist-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "opendata_graph.cli", "build", "--dist", str(dist)], check=True,
                       env=env, capture_output=True)
        outputs.append({p.name: p.read_bytes() for p in dist.iterdir()})
    assert outputs[0].keys() == outputs[1].keys()
    assert [n for n in outputs[0] if outputs[0][n] != outputs[1][n]] == []


def test_failed_validation_leaves_the_previous_release_whole(tmp_path: Path, dist: Path) -> None:
    import shutil

    from opendata_graph.core import paths

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    target = tmp_path / "dist"
    build(options(target, data))
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    person = data / "people" / "katie-shaw.yaml"
    text = person.read_text(encoding="utf-8")
    person.write_text(text[: text.index("posts:")] + text[text.index("notes:"):], encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        build(options(target, data))
    assert any("katie-shaw.yaml" in d and "must hold a post" in d for d in exc.value.details)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist")] == []


@pytest.mark.parametrize("cached", [False, True])
def test_a_full_build_that_fails_validation_publishes_nothing(tmp_path: Path, cached: bool) -> None:
    """A full build renders and writes the release while it validates (pipeline._full_build): when the report
    fails, the staged release is dropped -- the previous release stays whole, nothing is left beside it, and
    the cache begun is not used by the next build (with ``--no-cache`` and from an empty cache alike)."""
    import shutil
    from dataclasses import replace

    from opendata_graph.core import paths

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    target = tmp_path / "dist"
    opts = replace(options(target, data), cache=cached)
    build(opts)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    shutil.rmtree(tmp_path / ".odg-cache", ignore_errors=True)  # a full build, not a rebuild
    person = data / "people" / "katie-shaw.yaml"
    text = person.read_text(encoding="utf-8")
    person.write_text(text[: text.index("posts:")] + text[text.index("notes:"):], encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        build(opts)
    assert any("katie-shaw.yaml" in d and "must hold a post" in d for d in exc.value.details)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist")] == []
    assert not (tmp_path / ".odg-cache" / "manifest.json").exists()


def _fail_on_second_file(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Make the second file written by write_release trigger ``action`` (an error or a signal)."""
    calls = 0
    real = os.fsync

    def fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            action()
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def _disk_full() -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("interruption", ["disk-full", "SIGINT", "SIGTERM"])
def test_an_interrupted_write_leaves_the_previous_release_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                interruption: str) -> None:
    from opendata_graph.cli import Terminated, _on_sigterm

    target = tmp_path / "dist"
    publish.write_release({"a.ttl": b"old"}, target)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C as in a terminal: a suite started in the background by a shell without job control inherits SIGINT
    # ignored (POSIX), and Python then never raises KeyboardInterrupt
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        action = {"disk-full": _disk_full,
                  "SIGINT": lambda: os.kill(os.getpid(), signal.SIGINT),
                  "SIGTERM": lambda: os.kill(os.getpid(), signal.SIGTERM)}[interruption]
        _fail_on_second_file(monkeypatch, action)
        expected = {"disk-full": OSError, "SIGINT": KeyboardInterrupt, "SIGTERM": Terminated}[interruption]
        with pytest.raises(expected):
            publish.write_release({"a.ttl": b"new", "b.ttl": b"new", "c.ttl": b"new"}, target)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"a.ttl": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0, 2.6])
def test_sigterm_to_a_real_build_never_leaves_a_partial_release(tmp_path: Path, dist: Path, delay: float) -> None:
    """Whenever the signal lands, dist/ verifies against its own SHA256SUMS and nothing is left beside it."""
    import shutil
    import time

    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "build", "--dist", str(target),
                             "--base", "https://example.org/other/"], stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # a build that hangs after the signal (at exit, joining its threads) fails
        proc.kill()
        proc.communicate()
        raise
    # 0: finished first; 143: stopped cleanly; -15: the signal came after the build finished, during interpreter
    # shutdown, where the default action applies -- only acceptable if the build had reported success.
    assert proc.returncode in (0, 143) or (proc.returncode == -signal.SIGTERM and "\nbuilt " in stderr), stderr
    if proc.returncode == 143 and "load:" in stderr:  # the build had begun (else it stopped while starting up)
        assert "nothing was published; the previous release is unchanged\nterminated" in stderr
    elif proc.returncode == 143:
        assert stderr.endswith("terminated\n"), stderr
    for line in (target / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == digest, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_a_build_killed_outright_is_tidied_by_the_next(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the next build puts the release back and removes what the killed one left."""
    target = tmp_path / "dist"
    publish.write_release({"a.ttl": b"old"}, target)
    os.rename(target, tmp_path / ".dist.old-999")  # killed right after the first rename
    (tmp_path / ".dist.new-abc").mkdir()             # and its staging directory
    publish.recover(target.resolve())
    assert (target / "a.ttl").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    publish.write_release({"a.ttl": b"new"}, target)
    assert (target / "a.ttl").read_bytes() == b"new"


def test_pieces_parked_in_a_spool_write_the_same_release(tmp_path: Path, dist: Path) -> None:
    """A cold build parks the plain pieces on disk (:class:`publish.Spool`) instead of holding five formats of the
    release in memory: the release written from the spool is the in-memory one, byte for byte, and the spool is
    gone afterwards -- as is a stale one left by a killed build."""
    from opendata_graph.core.formats import DUMPS

    rows = sorted({(str(t.subject), str(t.predicate), str(t.object))
                   for t in parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)})
    release = publish.Release(base="https://w3id.org/opendata-graph/", meta={}, documents=[],
                              ontology=(dist / "ontology.ttl").read_bytes(), shapes=(dist / "shapes.ttl").read_bytes())
    in_memory = publish.publish(publish.render_blocks(rows, release.base, publish.serialize.gzipped), release,
                                tmp_path / "a")
    (tmp_path / ".b.spool-stale").mkdir()
    with publish.Spool(tmp_path / "b") as spool:
        assert not (tmp_path / ".b.spool-stale").exists()
        blocks = publish.render_blocks(rows, release.base, publish.serialize.gzipped, spool.put)
        assert all(isinstance(b.pieces[f.key], publish.Range) for b in blocks for f in DUMPS)
        spool.flush()
        parked = publish.publish(blocks, release, tmp_path / "b")
    assert {k: w.sha256 for k, w in parked.items()} == {k: w.sha256 for k, w in in_memory.items()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
