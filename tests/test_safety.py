"""The output-safety contract (docs/safety.md, items 1, 2, 6 and 8 of issue 24), as properties and regressions.

For random output paths in random trees (the inputs, foreign files, links, files in the way, outputs odg wrote
before), ``odg build --dist`` and ``odg site`` either refuse with exit 2 and change nothing, or write only their
own files; a kill (SIGKILL at a random moment, or a failure injected into the renames) leaves every file whole;
locks refuse what another user could steer; the machine's situations (a full disk, a path in the way) are exit 2
with the path, never 3. Each break the issue lists is a regression test below.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata_graph import cli as cli_module
from opendata_graph.core import outputs, paths

from .registry import retrieve

ROOT = paths.ROOT
SEED = "004_5784272d4999a78f.txt"
RECORDS = {
    "documents/d004.yaml": "id: d004\nlabel: ODI post\nlocal_copy: 004_5784272d4999a78f.txt\n",
    "organisations/gbif.yaml": ('id: gbif\nname: Global Biodiversity Information Facility\nsource:\n'
                                '  - d004: "Global Biodiversity Information Facility (GBIF)"\n'),
}


# -- helpers --------------------------------------------------------------------------------------------------------

def odg(*args: str | Path) -> tuple[int, str]:
    """Run ``odg ARGS`` in this process through the CLI's one error path (cli.main); exit code and stderr."""
    err = io.StringIO()

    def leave(code: int) -> None:
        sys.exit(code)

    old_leave, old_argv = cli_module._leave, sys.argv
    cli_module._leave = leave  # type: ignore[assignment]
    sys.argv = ["odg", *map(str, args)]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            cli_module.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        cli_module._leave, sys.argv = old_leave, old_argv  # type: ignore[assignment]
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return code, err.getvalue()


def subprocess_odg(*args: str | Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opendata_graph.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=300, **kw)


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every path under ``root``: its type, permission bits, and bytes (files) or target (links)."""
    out: dict[str, tuple[Any, ...]] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            st_ = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st_.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st_.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st_.st_mode))
            else:
                out[rel] = ("file", stat.S_IMODE(st_.st_mode), path.read_bytes())
    return out


def differences(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def inputs(root: Path) -> dict[str, Path]:
    """A small data directory and copies of the repository's ontology, shapes and queries, under ``root/in``."""
    base = root / "in"
    data = base / "data"
    for name, text in {**RECORDS, "release.yaml": _release_yaml()}.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text(text, encoding="utf-8")
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, base / name)
    (base / "seeds").mkdir()
    retrieve(base / "seeds" / SEED, (paths.seeds_dir() / SEED).read_text(encoding="utf-8"))  # with its SHA256SUMS
    return {name: base / name for name in ("data", "ontology", "shapes", "queries", "seeds")}



def _release_yaml() -> str:
    lines = (ROOT / "data" / "release.yaml").read_text(encoding="utf-8").splitlines()
    return "".join(("featured: [gbif]" if line.startswith("featured:") else line) + "\n" for line in lines)


def build_args(ins: dict[str, Path], out: Path | str, *extra: str) -> list[str | Path]:
    return ["build", "--data", ins["data"], "--ontology", ins["ontology"], "--shapes", ins["shapes"],
            "--queries", ins["queries"], "--seeds", ins["seeds"], "--dist", out, "--no-cache", *extra]


def verifies(release: Path) -> bool:
    """Whether ``release`` is a whole release: every file its SHA256SUMS lists matches, and its marker names
    exactly its files."""
    listed = {}
    for line in (release / "SHA256SUMS").read_text(encoding="ascii").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    ok = all(hashlib.sha256((release / n).read_bytes()).hexdigest() == d for n, d in listed.items())
    marker = (release / outputs.MARKER).read_text(encoding="utf-8").splitlines()
    return ok and marker[0] == "odg release" and set(marker[1:]) == {p.name for p in release.iterdir()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small release, the same under another base, and the site of the first: built once, copied into trees."""
    root = tmp_path_factory.mktemp("tiny")
    ins = inputs(root)
    for name, extra in (("release", ()), ("other", ("--base", "https://example.org/other/"))):
        code, err = odg(*build_args(ins, root / name, *extra))
        assert code == 0, err
    code, err = odg("site", root / "site", "--dist", root / "release", "--queries", ins["queries"])
    assert code == 0, err
    return {"release": root / "release", "other": root / "other", "site": root / "site", **ins}


# -- item 1: outputs, as properties over random trees ------------------------------------------------------------------

SEGMENT = st.sampled_from(["a", "b", "out", "site", "dist"])
RELATIVE = st.lists(SEGMENT, min_size=1, max_size=3).map("/".join)
KINDS_OF_ENTRY = ["dir", "file", "link-to-input", "link-to-empty", "link-to-file", "dangling", "release",
                  "release+foreign", "site", "site+foreign"]
ENTRIES = st.lists(st.tuples(st.sampled_from(KINDS_OF_ENTRY), RELATIVE), max_size=5)
SPECIAL = [".", "in", "in/data", "in/data/organisations", "in/shapes", "in/queries", "in/seeds", "in/data/x/y",
           "in/release", "in/release/x", "new/dist"]
OUTS = st.one_of(RELATIVE, st.sampled_from(SPECIAL))


def materialise(root: Path, entries: list[tuple[str, str]], tiny: dict[str, Path]) -> None:
    """Make each entry of a random tree where its place is free and its parents are real directories."""
    for n, (kind, rel) in enumerate(entries):
        path = root / rel
        parent = path.parent
        if os.path.lexists(path) or any(p.is_symlink() or (os.path.lexists(p) and not p.is_dir())
                                        for p in [parent, *parent.parents] if p.is_relative_to(root)):
            continue
        parent.mkdir(parents=True, exist_ok=True)
        if kind == "dir":
            path.mkdir()
        elif kind == "file":
            path.write_bytes(b"a file of the user's: " + rel.encode())
        elif kind == "link-to-input":
            path.symlink_to(root / "in" / "data", target_is_directory=True)
        elif kind == "link-to-empty":
            (root / f"empty-{n}").mkdir()
            path.symlink_to(root / f"empty-{n}", target_is_directory=True)
        elif kind == "link-to-file":
            (root / f"theirs-{n}").write_bytes(b"theirs")
            path.symlink_to(root / f"theirs-{n}")
        elif kind == "dangling":
            path.symlink_to(root / "nowhere")
        else:
            shutil.copytree(tiny[kind.split("+")[0]], path, symlinks=True)
            if kind.endswith("+foreign"):
                (path / "notes.txt").write_bytes(b"my notes")


def overlaps(out: Path, ins: list[Path]) -> bool:
    return any(out == i or out in i.parents or i in out.parents for i in (i.resolve() for i in ins))


def expected(root: Path, out: Path, kind: str, ins: list[Path], owned_names: set[str]) -> bool:
    """The oracle: whether ``odg`` may write ``out`` as an output of ``kind`` (written from the contract, not
    from outputs.py)."""
    if os.path.lexists(out) and not out.is_dir():
        return False
    resolved = out.resolve()
    if overlaps(resolved, ins):
        return False
    if any((above / outputs.MARKER).is_file() for above in resolved.parents):  # inside another odg output
        return False
    if not resolved.exists():
        ancestor = resolved
        while not ancestor.exists():
            ancestor = ancestor.parent
        return ancestor.is_dir()
    names = set(os.listdir(resolved))
    if not names:
        return True
    marker = resolved / outputs.MARKER
    if not marker.is_file() or marker.read_text(encoding="utf-8").splitlines()[0] != f"odg {kind}":
        return False
    return kind == outputs.SITE or names <= owned_names


def only_inside(before: dict[str, Any], after: dict[str, Any], root: Path, out: Path) -> list[str]:
    """The changes outside the output ``out`` (resolved), but for new directories above it."""
    stray = []
    for k in differences(before, after):
        where = Path(os.path.realpath(root / k).rsplit("/", 1)[0]) / Path(k).name
        if where == out or out in where.parents:
            continue
        if k not in before and after[k][0] == "dir" and where in out.parents:
            continue
        stray.append(k)
    return stray


def refused_cleanly(code: int, err: str, at_once: bool = False) -> None:
    """Exit 2 with a located error line, no traceback; ``at_once``: before any work began (the one line)."""
    assert code == 2, err
    assert "error:" in err.strip().splitlines()[-1] and "Traceback" not in err and "internal error" not in err, err
    if at_once:
        assert len(err.strip().splitlines()) == 1, f"refused only after it began:\n{err}"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=ENTRIES, out_rel=OUTS)
def test_build_writes_only_its_own_release_or_refuses_and_changes_nothing(tiny: dict[str, Path],
                                                                          entries: list[tuple[str, str]],
                                                                          out_rel: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ins = inputs(root)
        shutil.copytree(tiny["release"], root / "in" / "release")  # not an input of a build: a release in the tree
        materialise(root, entries, tiny)
        out = root / out_rel
        owned = {p.name for p in tiny["release"].iterdir()}
        ok = expected(root, out, outputs.RELEASE, list(ins.values()), owned)
        before = snapshot(root)
        code, err = odg(*build_args(ins, out))
        after = snapshot(root)
        if not ok:
            refused_cleanly(code, err, at_once=True)
            assert differences(before, after) == [], "a refused build changed the tree"
            return
        assert code == 0, err
        resolved = out.resolve()
        assert only_inside(before, after, root, resolved) == []
        assert verifies(resolved)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=ENTRIES, out_rel=OUTS)
def test_site_writes_only_its_own_files_or_refuses_and_changes_nothing(tiny: dict[str, Path],
                                                                      entries: list[tuple[str, str]],
                                                                      out_rel: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ins = inputs(root)
        release = root / "in" / "release"
        shutil.copytree(tiny["release"], release)
        materialise(root, entries, tiny)
        out = root / out_rel
        ok = expected(root, out, outputs.SITE, [release, ins["queries"]], set())
        before = snapshot(root)
        code, err = odg("site", out, "--dist", release, "--queries", ins["queries"])
        after = snapshot(root)
        if not ok:
            refused_cleanly(code, err, at_once=True)
            assert differences(before, after) == [], "a refused export changed the tree"
            return
        resolved = out.resolve()
        site_files = {k for k in snapshot(tiny["site"]) if (tiny["site"] / k).is_file()}
        mine = {f"{resolved.relative_to(root)}/{k}" if resolved != root else k for k in site_files}
        foreign = [k for k in before if k not in mine and (root / k).resolve().is_relative_to(resolved)
                   and before[k][0] != "dir"]
        for k in foreign:  # never replaced, never removed
            assert after.get(k) == before[k], k
        assert only_inside(before, after, root, resolved) == []
        if code == 2:  # refused midway: only for a file of the user's where the site writes one of its own
            refused_cleanly(code, err)
            assert "odg did not write is in the way" in err and foreign, err
        else:
            assert code == 0, err
            assert (resolved / "index.html").is_file() and (resolved / outputs.MARKER).is_file()


def test_build_refuses_a_folder_of_documents(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """Issue 24: ``--dist mydocs`` deleted a thesis."""
    (tmp_path / "mydocs").mkdir()
    (tmp_path / "mydocs" / "thesis.tex").write_text("years of work", encoding="utf-8")
    code, err = odg(*build_args(tiny, tmp_path / "mydocs"))
    refused_cleanly(code, err)
    assert "thesis.tex is in the way" in err
    assert (tmp_path / "mydocs" / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydocs"]  # no staging or spool left beside it


def test_build_refuses_the_current_directory_and_an_output_holding_the_data(tmp_path: Path) -> None:
    """Issue 24: ``--dist .`` emptied a folder; ``--data reg/data --dist reg`` deleted the curated data."""
    reg = tmp_path / "reg"
    ins = inputs(reg)
    before = snapshot(tmp_path)
    here = subprocess_odg(*build_args(ins, "."), cwd=reg)
    refused_cleanly(here.returncode, here.stderr)
    holding = subprocess_odg(*build_args(ins, reg / "in"))
    refused_cleanly(holding.returncode, holding.stderr)
    assert "contains the data directory" in holding.stderr
    assert snapshot(tmp_path) == before


def test_build_refuses_a_file_as_dist(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """Issue 24: ``--dist FILE`` replaced a regular file with a release directory (exit 0)."""
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-1.7")
    code, err = odg(*build_args(tiny, target))
    refused_cleanly(code, err)
    assert "is a file, not a directory" in err and target.read_bytes() == b"%PDF-1.7"


def test_a_release_directory_of_an_older_odg_is_rebuilt_and_one_with_foreign_files_refused(
        tmp_path: Path, tiny: dict[str, Path]) -> None:
    """A dist/ written before the marker existed is recognised by its SHA256SUMS listing its files."""
    old = tmp_path / "dist"
    shutil.copytree(tiny["release"], old)
    (old / outputs.MARKER).unlink()
    code, err = odg(*build_args(tiny, old))
    assert code == 0, err
    assert verifies(old)
    (old / outputs.MARKER).unlink()
    (old / "my-notes.md").write_text("mine", encoding="utf-8")
    code, err = odg(*build_args(tiny, old))
    refused_cleanly(code, err)
    assert "my-notes.md is in the way" in err and (old / "my-notes.md").read_text(encoding="utf-8") == "mine"


def test_a_released_dist_stays_odg_s_and_its_releases_are_kept(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """``odg release`` writes dist/releases/VERSION and dist/latest: the next build accepts them as odg's and
    carries them; a version's directory holds the release's files, not dist/'s marker."""
    dist = tmp_path / "dist"
    args = build_args(tiny, dist)[1:]
    code, err = odg("release", "0.1.0", "--date", "2026-12-01", *[a for a in args if a != "--no-cache"])
    assert code == 0, err
    version = dist / "releases" / "0.1.0"
    assert not (version / outputs.MARKER).exists() and (dist / "latest").is_symlink()
    listed = {line.split("  ", 1)[1] for line in (version / "SHA256SUMS").read_text(encoding="ascii").splitlines()}
    assert listed == {p.name for p in version.iterdir()} - {"SHA256SUMS"}
    before = {p.name: p.read_bytes() for p in version.iterdir()}
    code, err = odg(*build_args(tiny, dist, "--base", "https://example.org/next/"))
    assert code == 0, err
    assert {p.name: p.read_bytes() for p in version.iterdir()} == before and (dist / "latest").is_symlink()


def test_a_file_that_appears_in_dist_during_the_build_is_not_swapped_away(tmp_path: Path,
                                                                          tiny: dict[str, Path],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The build claims dist/ first and checks it again before the old release is moved out and removed."""
    from opendata_graph.stages import publish

    dist = tmp_path / "dist"
    shutil.copytree(tiny["release"], dist)
    real = publish.Stage.write

    def write(self: Any, name: str, pieces: Any) -> Any:
        if name == "SHA256SUMS":
            (dist / "dropped-in.txt").write_text("mine", encoding="utf-8")
        return real(self, name, pieces)

    monkeypatch.setattr(publish.Stage, "write", write)
    code, err = odg(*build_args(tiny, dist))
    refused_cleanly(code, err)
    assert (dist / "dropped-in.txt").read_text(encoding="utf-8") == "mine" and verifies_but(dist, "dropped-in.txt")


def verifies_but(release: Path, extra: str) -> bool:
    moved = release.parent / extra
    (release / extra).rename(moved)
    try:
        return verifies(release)
    finally:
        moved.rename(release / extra)


def test_site_never_replaces_a_foreign_file(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """Issue 24: ``odg site OUT`` overwrote a foreign index.html (exit 0). In a site odg wrote, a file of the user's
    where the site writes one of its own is refused too, and left as it is."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("my home page", encoding="utf-8")
    code, err = odg("site", out, "--dist", tiny["release"], "--queries", tiny["queries"])
    refused_cleanly(code, err)
    assert (out / "index.html").read_text(encoding="utf-8") == "my home page"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    site = tmp_path / "site"
    shutil.copytree(tiny["site"], site)
    (site / "queries.html").unlink()
    listed = (site / ".odg-site-files").read_text(encoding="utf-8").replace("queries.html\n", "")
    (site / ".odg-site-files").write_text(listed, encoding="utf-8")  # a file odg did not write...
    (site / "queries.html").write_text("mine", encoding="utf-8")  # ...where the site writes one of its own
    (site / "CNAME").write_text("example.org", encoding="utf-8")  # a file of the user's, in nobody's way
    code, err = odg("site", site, "--dist", tiny["release"], "--queries", tiny["queries"])
    refused_cleanly(code, err)
    assert "queries.html" in err and (site / "queries.html").read_text(encoding="utf-8") == "mine"
    (site / "queries.html").unlink()
    (site / ".odg-site-files").write_text(listed.replace("organisation/gbif.html\n", ""), encoding="utf-8")
    (site / "organisation" / "gbif.html").write_text("my page", encoding="utf-8")  # where a page goes
    before = snapshot(site)
    code, err = odg("site", site, "--dist", tiny["release"], "--queries", tiny["queries"])
    refused_cleanly(code, err, at_once=True)  # the pages' files are checked before anything is written
    assert "gbif.html" in err and snapshot(site) == before
    (site / "organisation" / "gbif.html").unlink()
    code, err = odg("site", site, "--dist", tiny["release"], "--queries", tiny["queries"])
    assert code == 0, err
    assert (site / "CNAME").read_text(encoding="utf-8") == "example.org"
    assert not list(site.rglob(f"*{outputs.PARTIAL}")) and not (site / ".odg-site-files.pending").exists()


def test_outputs_of_one_kind_are_not_taken_for_the_other(tmp_path: Path, tiny: dict[str, Path]) -> None:
    site, dist = tmp_path / "site", tmp_path / "dist"
    shutil.copytree(tiny["site"], site)
    shutil.copytree(tiny["release"], dist)
    before = snapshot(tmp_path)
    code, err = odg(*build_args(tiny, site))
    refused_cleanly(code, err)
    assert "odg's site output, not a release" in err
    code, err = odg("site", dist, "--dist", tiny["release"], "--queries", tiny["queries"])
    refused_cleanly(code, err)
    code, err = odg("site", tiny["release"] / "s", "--dist", tiny["release"], "--queries", tiny["queries"])
    refused_cleanly(code, err)
    assert "lies inside the release directory" in err
    assert snapshot(tmp_path) == before


def test_no_output_is_written_inside_another_odg_output(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """A site holds its own copy of the release (``dist/``, no marker of its own, listed by its SHA256SUMS): a
    build there would leave the site's pages and listing wrong. Found by the property test above."""
    site = tmp_path / "site"
    shutil.copytree(tiny["site"], site)
    before = snapshot(tmp_path)
    for out in (site / "dist", site / "new"):
        code, err = odg(*build_args(tiny, out))
        refused_cleanly(code, err, at_once=True)
        assert "lies inside another odg output" in err and str(site) in err
    assert snapshot(tmp_path) == before


# -- item 2: whole or not at all ------------------------------------------------------------------------------------

def _site_bytes(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def two_sites(tiny: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes],
                                                                                         dict[str, bytes]]:
    """Where the kill tests export, and the bytes of the site of each release exported there."""
    work = tmp_path_factory.mktemp("kill") / "site"
    sides = []
    for name in ("other", "release"):
        shutil.rmtree(work, ignore_errors=True)
        code, err = odg("site", work, "--dist", tiny[name], "--queries", tiny["queries"])
        assert code == 0, err
        sides.append(_site_bytes(work))
    return work, sides[1], sides[0]


def assert_whole(site: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    for rel, data in _site_bytes(site).items():
        if rel.endswith(outputs.PARTIAL) or rel.startswith(".odg-site-files"):
            continue
        assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old file nor the new one"


def test_a_site_re_export_killed_at_random_moments_leaves_every_page_whole(
        tiny: dict[str, Path], two_sites: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """Issue 24: killing ``odg site`` during a re-export left truncated pages (rewritten in place)."""
    work, old, new = two_sites
    rng = random.Random(24)
    for _ in range(4):
        delay = rng.uniform(0.6, 1.6)
        shutil.rmtree(work)
        code, err = odg("site", work, "--dist", tiny["release"], "--queries", tiny["queries"])
        assert code == 0, err
        proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "site", str(work), "--dist",
                                 str(tiny["other"]), "--queries", str(tiny["queries"])], stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=60)
        assert_whole(work, old, new)
        code, err = odg("site", work, "--dist", tiny["other"], "--queries", tiny["queries"])
        assert code == 0, f"after a kill at {delay:.2f} s: {err}"
        assert _site_bytes(work).keys() - {".odg-site-files"} == new.keys() - {".odg-site-files"}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fail_at=st.integers(min_value=1, max_value=340))
def test_a_failure_at_any_rename_of_a_re_export_leaves_every_page_whole(
        tiny: dict[str, Path], two_sites: tuple[Path, dict[str, bytes], dict[str, bytes]], fail_at: int) -> None:
    """A full disk at the n-th file: exit 2 naming it, and every page old or new, no temporary file left."""
    work, old, new = two_sites
    shutil.rmtree(work)
    code, err = odg("site", work, "--dist", tiny["release"], "--queries", tiny["queries"])
    assert code == 0, err
    real, calls = os.replace, [0]

    def replace(src: Any, dst: Any) -> None:
        calls[0] += 1
        if calls[0] == fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(src, dst)

    os.replace = replace  # type: ignore[assignment]
    try:
        code, err = odg("site", work, "--dist", tiny["other"], "--queries", tiny["queries"])
    finally:
        os.replace = real
    if calls[0] >= fail_at:
        assert code == 2 and "No space left on device" in err and str(work.name) in err, err
    assert_whole(work, old, new)
    assert not list(work.rglob(f"*{outputs.PARTIAL}"))


def test_a_re_export_stopped_by_a_file_size_limit_leaves_every_page_whole(
        tiny: dict[str, Path], two_sites: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """A real partial write: under a file size limit (RLIMIT_FSIZE) the first page larger than it fails midway
    (EFBIG); written in place it would stay truncated, written beside its place it is never renamed in."""
    import resource

    work, old, new = two_sites
    sizes = sorted(len(b) for b in new.values())
    for limit in (sizes[len(sizes) // 2], sizes[-len(sizes) // 10], sizes[-1] - 1):
        shutil.rmtree(work)
        code, err = odg("site", work, "--dist", tiny["release"], "--queries", tiny["queries"])
        assert code == 0, err

        def limited(limit: int = limit) -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

        result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "site", str(work), "--dist",
                                 str(tiny["other"]), "--queries", str(tiny["queries"])],
                                capture_output=True, text=True, timeout=300, preexec_fn=limited)
        refused_cleanly(result.returncode, result.stderr)
        assert "File too large" in result.stderr
        assert_whole(work, old, new)
        assert not list(work.rglob(f"*{outputs.PARTIAL}"))


def test_a_build_killed_at_random_moments_leaves_a_whole_release(tmp_path: Path, tiny: dict[str, Path]) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(tiny["release"], dist)
    rng = random.Random(2024)
    for _ in range(3):
        delay = rng.uniform(0.3, 1.5)
        proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli",
                                 *map(str, build_args(tiny, dist, "--base", f"https://example.org/{delay:.3f}/"))],
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=60)
        assert verifies(dist), f"killed at {delay:.2f} s"
    code, err = odg(*build_args(tiny, dist))  # the next build tidies what a kill left
    assert code == 0, err
    assert verifies(dist) and sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


# -- item 6: locks --------------------------------------------------------------------------------------------------

@pytest.fixture
def locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "locks"
    monkeypatch.setenv("ODG_LOCKS", str(directory))
    return directory


def test_locks_live_in_a_private_directory(tmp_path: Path, tiny: dict[str, Path], locks: Path) -> None:
    code, err = odg(*build_args(tiny, tmp_path / "dist"))
    assert code == 0, err
    st_ = locks.lstat()
    assert stat.S_IMODE(st_.st_mode) == 0o700 and st_.st_uid == os.geteuid()
    for lock in locks.iterdir():
        assert stat.S_IMODE(lock.lstat().st_mode) == 0o600 and lock.is_file() and not lock.is_symlink()


def test_a_lock_directory_another_user_could_steer_is_refused(tmp_path: Path, tiny: dict[str, Path],
                                                              locks: Path) -> None:
    """Issue 24: the lock folder was 1755 in the shared temp directory; another user could lock everyone out."""
    locks.mkdir(mode=0o700)
    os.chown(locks, 4242, 4242)  # made by another user before us
    code, err = odg(*build_args(tiny, tmp_path / "dist"))
    refused_cleanly(code, err)
    assert "belongs to another user (uid 4242)" in err
    os.chown(locks, os.geteuid(), os.getegid())
    locks.chmod(0o1777)
    code, err = odg(*build_args(tiny, tmp_path / "dist"))
    refused_cleanly(code, err)
    assert "open to other users" in err
    locks.rmdir()
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    locks.symlink_to(tmp_path / "elsewhere")
    code, err = odg(*build_args(tiny, tmp_path / "dist"))
    refused_cleanly(code, err)
    assert not (tmp_path / "dist").exists()


def test_a_lock_path_that_is_a_link_is_never_written_through(tmp_path: Path, tiny: dict[str, Path],
                                                             locks: Path) -> None:
    """Issue 24: a link at the lock's name made root's ``odg build`` overwrite a file of the other user's choosing."""
    from opendata_graph.core.locks import dist_lock

    dist = tmp_path / "dist"
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    locks.mkdir(mode=0o700)
    dist_lock(dist).symlink_to(victim)
    code, err = odg(*build_args(tiny, dist))
    refused_cleanly(code, err)
    assert "symbolic link" in err and victim.read_text(encoding="utf-8") == "precious"
    dist_lock(dist).unlink()
    dist_lock(dist).write_text("", encoding="utf-8")
    os.chown(dist_lock(dist), 4242, 4242)  # a lock file of another user's (root opens it anyway: checked after)
    code, err = odg(*build_args(tiny, dist))
    refused_cleanly(code, err)
    assert "not a regular file of yours (uid 4242)" in err and not dist.exists()


# -- item 8: the machine's situations are exit 2 with the path ------------------------------------------------------

def test_site_and_serve_mistakes_are_exit_2(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """Issue 24: ``odg site OUT`` before any build, ``--dist`` a missing or non-RDF path, ``serve --port 99999``/``-1``
    were tracebacks (exit 3)."""
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle <<<\n", encoding="utf-8")
    for dist in (tmp_path / "no-build", ROOT / "README.md", bad):
        code, err = odg("site", tmp_path / "out", "--dist", dist)
        refused_cleanly(code, err)
        assert dist.name in err
    for port in ("99999", "-1"):
        code, err = odg("serve", tiny["release"], "--port", port)
        assert code == 2 and "not in the range" in err, err
    code, err = odg("serve", bad, "--port", "0")
    refused_cleanly(code, err)
    assert not (tmp_path / "out").exists()


def test_a_full_disk_is_exit_2_naming_the_file(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """Issue 24: a file size limit or full disk was ``OSError: File too large`` (exit 3, no file named). The
    previous release stays whole."""
    import resource

    dist = tmp_path / "dist"
    shutil.copytree(tiny["release"], dist)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli",
                             *map(str, build_args(tiny, dist, "--base", "https://example.org/x/"))],
                            capture_output=True, text=True, timeout=300, preexec_fn=limit)
    refused_cleanly(result.returncode, result.stderr)
    assert re.match(r"^/\S+: error: File too large \(hint: ", result.stderr.splitlines()[-1]), result.stderr
    assert verifies(dist) and sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_an_unwritable_or_blocked_output_is_exit_2_naming_the_path(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """Permission denied or a read-only file system (simulated: the tests run as root) and a file where a
    directory is needed: exit 2 through the CLI's one error path, with the path."""
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, err = odg(*build_args(tiny, tmp_path / "file" / "dist"))
    refused_cleanly(code, err)
    assert "a file is in the way" in err
    for number in (errno.EACCES, errno.EROFS):
        # only the folders made in the output's parent (the system's temporary folder stays usable: the checks'
        # pipes are made there)
        script = ("import errno, os, sys, tempfile\n"
                  "made = tempfile.mkdtemp\n"
                  "def refuse(*a, **k):\n"
                  "    where = k.get('dir') or (a[2] if len(a) > 2 else None)\n"
                  "    if where is None:\n"
                  "        return made(*a, **k)\n"
                  f"    raise OSError({number}, os.strerror({number}), where)\n"
                  "tempfile.mkdtemp = refuse\n"
                  "sys.argv[0] = 'odg'\n"
                  "from opendata_graph.cli import main\n"
                  "main()\n")
        result = subprocess.run([sys.executable, "-c", script, *map(str, build_args(tiny, tmp_path / "d"))],
                                capture_output=True, text=True, timeout=300)
        refused_cleanly(result.returncode, result.stderr)
        assert os.strerror(number) in result.stderr and str(tmp_path.name) in result.stderr.splitlines()[-1]


def test_os_errors_of_the_machine_are_located_and_others_are_bugs() -> None:
    for number in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS):
        located = outputs.os_error(OSError(number, os.strerror(number), "/some/where"))
        assert located is not None and located.exit_code == 2 and str(located).startswith("/some/where: error: ")
    assert outputs.os_error(OSError(errno.EBADF, "Bad file descriptor")) is None  # a bug in odg: exit 3
    with pytest.raises(OSError) as caught, outputs.naming("/the/file"):
        raise OSError(errno.EFBIG, "File too large")
    assert caught.value.filename == "/the/file"


# -- item 5 (site): the live query page --------------------------------------------------------------------------------

def test_site_endpoint_must_be_http(tmp_path: Path, tiny: dict[str, Path]) -> None:
    for endpoint in ("javascript:alert(1)", "data:text/html,x", "ftp://example.org/sparql", "//example.org/sparql"):
        code, err = odg("site", tmp_path / "out", "--dist", tiny["release"], "--endpoint", endpoint)
        assert code == 2 and "give an http(s) URL" in err, err
    assert not (tmp_path / "out").exists()


def test_live_results_link_only_http_iris(tmp_path: Path, tiny: dict[str, Path]) -> None:
    """An endpoint answers with a ``javascript:`` IRI: the live query page shows it as text, not as a link (run by
    node on the page's own script, with a minimal document)."""
    out = tmp_path / "out"
    code, err = odg("site", out, "--dist", tiny["release"], "--endpoint", "https://example.org/sparql")
    assert code == 0, err
    page = (out / "query.html").read_text(encoding="utf-8")
    script = page[page.index("var cell = function"):]
    script = script[:script.index("\n  };") + 5]
    program = (
        "var document = {createElement: function (tag) { return {tag: tag, kids: [], href: null, textContent: '',"
        " append: function (c) { this.kids.push(c); }}; }};\n"
        "var base = 'https://w3id.org/opendata-graph/', root = '/';\n" + script + "\n"
        "var out = ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', 'https://example.org/x',"
        " 'https://w3id.org/opendata-graph/organisation/gbif'].map(function (v) {"
        " var td = cell({type: 'uri', value: v}); return td.kids.length ? td.kids[0].href : null; });\n"
        "console.log(JSON.stringify(out));\n")
    result = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout) == [None, None, None, "https://example.org/x", "/organisation/gbif.html"]



def test_a_full_disk_under_the_build_cache_is_a_note_not_a_crash(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's database meets a full disk as ``sqlite3.OperationalError: database or disk is full`` (issue 24:
    exit 3 with a traceback): the cache is optional, so the build publishes and says the cache was not written."""
    import sqlite3

    from opendata_graph.stages.cache import Cache

    def full(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Cache, "commit", full)
    ins = inputs(tmp_path)
    code, err = odg("build", "--data", ins["data"], "--ontology", ins["ontology"], "--shapes", ins["shapes"],
                    "--queries", ins["queries"], "--seeds", ins["seeds"], "--dist", tmp_path / "dist")
    assert code == 0, err
    assert "note: the build cache was not written (database or disk is full)" in err
    assert (tmp_path / "dist" / "SHA256SUMS").is_file()
