"""A rebuild renders again only the blocks an edit touched, and writes the bytes a full build writes.

Each step edits a generated registry, rebuilds from the cache the previous build left, builds the same data in
full (no cache) into another directory, and compares every file byte for byte; the rebuild must have been
incremental and rendered fewer blocks than the release holds, so neither a silent full build nor a stale block
can pass. The block logic itself is checked against a full render after many random edits.
"""

from __future__ import annotations

import gzip
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from opendata_graph.core import paths
from opendata_graph.core.errors import BuildError
from opendata_graph.core.terms import Row
from opendata_graph.stages.cache import cache_dir
from opendata_graph.stages.convert import Graph
from opendata_graph.stages.pipeline import Options, Outcome, build
from opendata_graph.stages.publish import BLOCK_MASK, Block, Rerender, boundary, render_blocks

from .checks import BASE, edit, generate, odg_validate


def odg_build(root: Path, dist: Path, cache: bool = True) -> Outcome:
    return build(Options(root / "data", paths.ontology_dir(), paths.shapes_dir(), paths.queries_dir(), dist,
                         root / "seeds", BASE, cache=cache))


def files(dist: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(dist.iterdir())}


def same_as_full(root: Path) -> Outcome:
    """Rebuild ``root/dist`` and check it against a full build of the same data."""
    outcome = odg_build(root, root / "dist")
    full = root / "full"
    shutil.rmtree(full, ignore_errors=True)
    odg_build(root, full, cache=False)
    rebuilt = files(root / "dist")
    expected = files(full)
    assert rebuilt.keys() == expected.keys()
    assert [name for name in expected if rebuilt[name] != expected[name]] == []
    return outcome


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    generate.generate(40, tmp_path)
    outcome = odg_build(tmp_path, tmp_path / "dist")
    assert not outcome.incremental and outcome.rendered == outcome.blocks > 40
    return tmp_path


def new_organisation(d: Path) -> None:
    text = (d / "organisations" / "org-000002.yaml").read_text(encoding="utf-8")  # same name: the quotes hold
    (d / "organisations" / "org-000999.yaml").write_text(text.replace("org-000002", "org-000999"), encoding="utf-8")


#: An edit, and the most blocks of the ~70 it may render again (a new organisation brings ~200 statements,
#: scattered over the release by their hashed IRIs).
STEPS: list[tuple[str, Callable[[Path], object], int]] = [
    ("nothing changed", lambda d: None, 0),
    ("a person's title", lambda d: edit(d / "people" / "person-000006.yaml", "title: Director", "title: Chair"), 8),
    ("an organisation renamed (its name is in other files' triples)",
     lambda d: edit(d / "organisations" / "org-000003.yaml", "name: Organisation 000003", "name: Renamed Three"), 30),
    ("a new organisation file", new_organisation, 45),
    ("two files edited at once", lambda d: [
        edit(d / "organisations" / "org-000005.yaml", "role: participant", "role: partner"),
        edit(d / "people" / "person-000007.yaml", "title: Director", "title: Chair")], 30),
    ("a file deleted", lambda d: (d / "organisations" / "org-000999.yaml").unlink(), 45),
]


def test_every_edit_rebuilds_the_bytes_of_a_full_build(registry: Path) -> None:
    data = registry / "data"
    for title, change, most in STEPS:
        change(data)
        outcome = same_as_full(registry)
        assert outcome.incremental, title
        print(title, outcome.rendered, outcome.blocks)
        assert outcome.rendered <= most < outcome.blocks, (title, outcome.rendered, outcome.blocks)


def test_gzip_copies_are_one_member_per_block(registry: Path) -> None:
    dist = registry / "dist"
    for name in ("opendata-graph.nt", "opendata-graph.ttl", "opendata-graph.jsonld"):
        packed = (dist / f"{name}.gz").read_bytes()
        assert gzip.decompress(packed) == (dist / name).read_bytes()
        assert packed.count(b"\x1f\x8b\x08\x00\x00\x00\x00\x00") > 40  # member headers (no mtime, no name)


def test_edits_validated_before_the_build_are_published(registry: Path) -> None:
    """``odg validate`` updates the cache first; the build must still render what changed."""
    edit(registry / "data" / "people" / "person-000006.yaml", "title: Director", "title: Chair")
    assert odg_validate(registry)[0] == 0
    assert same_as_full(registry).incremental


def test_a_failed_rebuild_publishes_nothing_and_the_fix_is_published(registry: Path) -> None:
    person = registry / "data" / "people" / "person-000005.yaml"
    good = person.read_text(encoding="utf-8")
    before = files(registry / "dist")
    person.write_text(good.split("posts:")[0], encoding="utf-8")
    with pytest.raises(BuildError):
        odg_build(registry, registry / "dist")
    assert files(registry / "dist") == before
    person.write_text(good.replace("title: Director", "title: Chair"), encoding="utf-8")
    assert same_as_full(registry).incremental


def test_a_changed_or_moved_release_gets_a_full_build(registry: Path) -> None:
    dist = registry / "dist"
    (dist / "opendata-graph.nt").write_bytes(b"")  # tampered with: its bytes can no longer be copied
    assert not same_as_full(registry).incremental
    assert same_as_full(registry).incremental
    assert not odg_build(registry, registry / "elsewhere").incremental
    assert not same_as_full(registry).incremental  # the record now describes elsewhere/
    shutil.rmtree(cache_dir(registry / "data") / "store")  # a damaged cache
    edit(registry / "data" / "people" / "person-000006.yaml", "title: Director", "title: Chair")
    assert not same_as_full(registry).incremental


def test_a_new_build_of_odg_gets_a_full_build(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same version with other code (an editable install after an edit): the cache's blocks are not its own."""
    from opendata_graph.stages import cache

    assert same_as_full(registry).incremental
    monkeypatch.setattr(cache, "code_digest", lambda: b"another build of the same version")
    assert not odg_build(registry, registry / "dist").incremental


def _store(rows: dict[str, set[Row]]) -> Store:
    store = Store()
    store.extend(Quad(NamedNode(s[1:-1]), NamedNode(p[1:-1]), Literal(o[1:-1]))
                 for rs in rows.values() for s, p, o in rs)
    return store


def _render(rows: dict[str, set[Row]]) -> list[Block]:
    return render_blocks(sorted(r for rs in rows.values() for r in rs), BASE, lambda data: data)


def test_blocks_rendered_again_equal_a_full_render_after_random_edits() -> None:
    """Subjects added, removed and changed at random -- boundary subjects included, so blocks merge and split."""
    rng = random.Random(5)
    p = "<http://example.org/p>"

    def subject(i: int) -> str:
        return f"<{BASE}s/{i:06d}>"

    rows = {subject(i): {(subject(i), p, f'"{i}"')} for i in range(0, 40000, 2)}
    blocks = _render(rows)
    for _ in range(12):
        pending: set[str] = set()
        ends = [s for s in rows if boundary(s)]
        for s in [*rng.sample(sorted(rows), 11), rng.choice(ends)]:  # removed, one block end among them: a merge
            rows.pop(s, None)
            pending.add(s)
        odd = range(1, 40000, 2)
        for i in [*rng.sample(odd, 11), rng.choice([i for i in odd if boundary(subject(i))])]:  # added: a split
            s = subject(i)
            rows[s] = {(s, p, f'"{i}"')}
            pending.add(s)
        for s in rng.sample(sorted(rows), 12):  # changed
            rows[s] = {(s, p, f'"{rng.random()}"')}
            pending.add(s)
        new, rendered = Rerender(_store(rows), BASE, lambda data: data).apply(blocks, pending)
        expected = _render(rows)
        assert [(b.last, b.is_last, b.stats, b.pieces) for b in new] == \
               [(b.last, b.is_last, b.stats, b.pieces) for b in expected]
        assert rendered <= 3 * len(pending)
        assert rendered < len(new) / 2
        blocks = new
    assert len(blocks) > 20000 / (BLOCK_MASK + 1) / 2


def test_rows_sorted_as_tuples_are_in_ntriples_line_order(graph: Graph) -> None:
    """The build sorts rows once, as tuples, and writes the N-Triples in that order without sorting lines."""
    from opendata_graph.core.serialize import ntriples
    from opendata_graph.core.terms import literal

    tricky = [(f"<http://example.org/{s}>", f"<http://example.org/{p}>", o)
              for s in ("a", "a/b", "a#b", "a-b", "ab") for p in ("p", "p/q", "p#q")
              for o in ("<http://example.org/a>", "<http://example.org/a/b>", literal("a"), literal("a", "en"),
                        literal("a b"), literal('a"b'), literal("a\tb"), literal("a", datatype=BASE + "t"))]
    rows = graph.triples() + tricky
    assert ntriples(sorted(rows), ordered=True) == ntriples(rows)


def test_a_changed_release_description_is_published(registry: Path) -> None:
    """data/release.yaml feeds void.ttl only: a version bump must still reach the release (here: by a full build)."""
    release = registry / "data" / "release.yaml"
    release.write_text("title: A registry\nversion: 1.0.0\nlicence: CC-BY-4.0\n", encoding="utf-8")
    same_as_full(registry)
    edit(release, "version: 1.0.0", "version: 1.1.0")
    same_as_full(registry)
    assert b"1.1.0" in (registry / "dist" / "void.ttl").read_bytes()


def test_an_edit_of_the_same_size_with_its_time_kept_is_published(registry: Path) -> None:
    import os

    path = registry / "data" / "people" / "person-000006.yaml"
    st = path.stat()
    edit(path, "title: Director", "title: Chairman")  # 8 letters for 8
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    same_as_full(registry)
    assert b"Chairman" in (registry / "dist" / "opendata-graph.nt").read_bytes()


def test_a_second_build_waits_for_the_first(registry: Path) -> None:
    import subprocess
    import sys
    import time

    from opendata_graph.core.locks import cache_lock, held

    with held(cache_lock(cache_dir(registry / "data"))):  # a build in progress holds it
        proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "build", "--data", "data", "--seeds",
                                 "seeds", "--dist", "dist"], cwd=registry, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert proc.poll() is None, proc.communicate()
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stderr.splitlines()[0].strip().startswith("waiting for another odg run (pid ") and "built " in stderr


def test_an_edit_made_while_a_build_reads_the_file_is_published_by_the_next(registry: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache records a file's digest from before it was read, so an edit landing during a build is seen."""
    from opendata_graph.source import load as load_module

    path = registry / "data" / "people" / "person-000006.yaml"
    edit(path, "title: Director", "title: Chair")  # the build below starts from this
    original = load_module.check_records

    def read_then_edited(p: Path, kind: object) -> object:
        checked = original(p, kind)  # type: ignore[arg-type]
        if p == path:
            edit(path, "title: Chair", "title: Treasurer")  # the curator saves again while the build runs
        return checked
    monkeypatch.setattr(load_module, "check_records", read_then_edited)  # the one loader: a full run's, a rebuild's
    odg_build(registry, registry / "dist", cache=True)
    monkeypatch.setattr(load_module, "check_records", original)
    assert "title: Treasurer" in path.read_text(encoding="utf-8")
    assert b"Treasurer" not in (registry / "dist" / "opendata-graph.nt").read_bytes()  # it read the first edit
    same_as_full(registry)  # the next build sees the second edit
    assert b"Treasurer" in (registry / "dist" / "opendata-graph.nt").read_bytes()
