"""Releases that stay true (issue 24, item 4): real dates, one verified reader, per-version files, kills and races.

Each test names the guard it holds; each was run once with its guard removed and seen to fail.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from pyoxigraph import RdfFormat, Store

from opendata_graph.cli import cli
from opendata_graph.core import outputs, paths
from opendata_graph.core.errors import ConfigError, OdgError
from opendata_graph.releases import releases
from opendata_graph.releases.releasedir import ReleaseDamaged, ReleaseDir

from .checks import edit, sums_hold

BASE = "https://w3id.org/opendata-graph/"


def odg(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, f"--data={root / 'data'}", f"--dist={root / 'dist'}"])


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(paths.data_dir(), tmp_path / "data")
    return tmp_path


# -- dates ---------------------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
def test_a_release_date_is_a_day_of_the_calendar(year: int, month: int, day: int) -> None:
    """Guard: releases._calendar_day (without it 2024-02-30 passes DAY_RE and is accepted)."""
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        datetime.date(year, month, day)
        real = True
    except ValueError:
        real = False
    if real:
        assert releases.release_date("1.0.0", {}, text, Path("release.yaml")) == text
    else:
        with pytest.raises(ConfigError, match="is not a date"):
            releases.release_date("1.0.0", {}, text, Path("release.yaml"))


@pytest.mark.parametrize("date", ["2024-02-30", "2024-13-45", "2023-02-29", "2024-00-10"])
def test_impossible_dates_are_refused_before_anything_is_written(root: Path, date: str) -> None:
    result = odg(root, "release", "1.0.0", "--date", date)
    assert result.exit_code == 2 and f"'{date}' is not a date" in result.output
    assert not (root / "dist").exists()


def test_a_release_is_never_dated_before_the_previous_one(root: Path) -> None:
    """Guard: releases.check_date."""
    assert odg(root, "release", "1.0.0", "--date", "2024-02-29").exit_code == 0
    earlier = odg(root, "release", "1.1.0", "--date", "2024-02-28")
    assert earlier.exit_code == 2 and "earlier than release 1.0.0's, 2024-02-29" in earlier.output
    assert releases.existing(root / "dist") == ["1.0.0"]
    assert odg(root, "release", "1.1.0", "--date", "2024-02-29").exit_code == 0  # the same day is fine


# -- a release names its own files, and they stay true --------------------------------------------------------------

def downloads(void: Path) -> dict[str, str]:
    """download URL -> SHA-256 the description states for it."""
    store = Store()
    store.load(path=str(void), format=RdfFormat.TURTLE)
    rows = store.query("""PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?url ?sum WHERE { ?d dcat:downloadURL ?url ; spdx:checksum/spdx:checksumValue ?sum }""")
    return {r["url"].value: r["sum"].value for r in rows}  # type: ignore[union-attr]


def test_an_older_release_still_describes_its_own_bytes_after_later_releases(root: Path) -> None:
    """Guard: publish.version_description's per-version distributions (with the build's dist/ URLs, 0.1.0's
    description names the newest build's bytes after 0.2.0)."""
    assert odg(root, "release", "0.1.0", "--date", "2026-12-01").exit_code == 0
    edit(root / "data" / "organisations" / "openstreetmap-foundation.yaml", "    value: 2000\n", "    value: 2001\n")
    assert odg(root, "release", "0.2.0", "--date", "2026-12-02").exit_code == 0
    for version in ("0.1.0", "0.2.0"):
        folder = root / "dist" / "releases" / version
        found = downloads(folder / "void.ttl")
        assert len(found) == 11  # the ten dumps and the context
        for url, sha in found.items():
            assert url.startswith(f"{BASE}releases/{version}/"), url
            name = url.rsplit("/", 1)[1]
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, (version, name)
    one, two = (root / "dist" / "releases" / v / "opendata-graph.nt" for v in ("0.1.0", "0.2.0"))
    assert one.read_bytes() != two.read_bytes()


# -- one reader, checksums verified ---------------------------------------------------------------------------------

def tamper(path: Path) -> None:
    data = path.read_bytes()
    path.unlink()  # a new inode: the build's hard link keeps its bytes
    path.write_bytes(data.replace(b"2000", b"2999", 1))


def test_diff_refuses_a_release_whose_checksums_no_longer_hold(root: Path) -> None:
    """Guard: ReleaseDir.verify (diff read the file as it was)."""
    assert odg(root, "release", "0.1.0", "--date", "2026-12-01").exit_code == 0
    r1 = root / "dist" / "releases" / "0.1.0"
    tamper(r1 / "opendata-graph.nt")
    result = CliRunner().invoke(cli, ["diff", str(r1), str(root / "dist")])
    assert result.exit_code == 2, result.output
    assert "opendata-graph.nt does not match its SHA-256 in SHA256SUMS" in result.output
    assert "Traceback" not in result.output


def test_the_reader_refuses_unlisted_links_and_missing_files(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "a.nt").write_bytes(b"")
    (folder / "SHA256SUMS").write_text(f"{hashlib.sha256(b'').hexdigest()}  a.nt\n"
                                       f"{hashlib.sha256(b'x').hexdigest()}  gone.nt\n")
    (folder / "b.nt").write_bytes(b"")
    (folder / "secret").symlink_to("/etc/passwd")
    r = ReleaseDir(folder)
    assert r.verify("a.nt") == folder / "a.nt"
    for name, words in (("b.nt", "not listed"), ("gone.nt", "missing"), ("../etc/passwd", "not listed"),
                        ("secret", "not listed")):
        with pytest.raises(ReleaseDamaged, match=words):
            r.verify(name)
    (folder / "SHA256SUMS").write_text("nonsense\n")
    with pytest.raises(ReleaseDamaged, match="not a line of SHA256SUMS"):
        ReleaseDir(folder).verify("a.nt")


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9.-]{0,12}", fullmatch=True), st.binary(min_size=1, max_size=64),
                       min_size=1, max_size=5), st.data())
def test_any_changed_byte_of_any_file_is_caught_and_named(files: dict[str, bytes], data: st.DataObject) -> None:
    """Property: the reader passes every file of an untouched release and refuses exactly the changed one."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        (folder / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(c).hexdigest()}  {n}\n"
                                                   for n, c in sorted(files.items())))
        ReleaseDir(folder).verify_all()
        victim = data.draw(st.sampled_from(sorted(files)))
        at = data.draw(st.integers(0, len(files[victim]) - 1))
        changed = bytearray(files[victim])
        changed[at] ^= data.draw(st.integers(1, 255))
        (folder / victim).write_bytes(bytes(changed))
        reader = ReleaseDir(folder)
        for name in sorted(files):
            if name == victim:
                with pytest.raises(ReleaseDamaged, match=f"{re.escape(name)} does not match its SHA-256"):
                    reader.verify(name)
            else:
                reader.verify(name)


# -- kills and races ------------------------------------------------------------------------------------------------

def test_a_kill_before_latest_moves_is_repaired_by_the_rerun(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: releases.repair in odg release (without it the rerun exits 2 and latest stays behind)."""
    assert odg(root, "release", "0.1.0", "--date", "2026-12-01").exit_code == 0

    class Killed(BaseException):
        pass

    move = releases.point_latest

    def killed(dist: Path) -> bool:
        if (dist / "releases" / "0.2.0").is_dir():
            raise Killed()  # the release is in place, latest not yet moved
        return move(dist)

    monkeypatch.setattr(releases, "point_latest", killed)
    with pytest.raises(Killed):
        CliRunner().invoke(cli, ["release", "0.2.0", "--date", "2026-12-02", f"--data={root / 'data'}",
                                 f"--dist={root / 'dist'}"], catch_exceptions=False)
    monkeypatch.undo()
    assert os.readlink(root / "dist" / "latest") == "releases/0.1.0"  # behind: what the kill left
    (root / "dist" / "releases" / f".0.3.0.x{outputs.PARTIAL}").mkdir()  # and a half-written one
    rerun = odg(root, "release", "0.2.0", "--date", "2026-12-02")
    assert rerun.exit_code == 0, rerun.output
    assert "latest now points at release 0.2.0" in rerun.output
    assert os.readlink(root / "dist" / "latest") == "releases/0.2.0"
    assert sorted(p.name for p in (root / "dist" / "releases").iterdir()) == ["0.1.0", "0.2.0"]
    again = odg(root, "release", "0.2.0", "--date", "2026-12-02")
    assert again.exit_code == 2 and "exists and is never replaced" in again.output


def test_two_concurrent_releases_of_one_version_one_wins_the_other_exits_2(root: Path) -> None:
    """Guard: locks.releases_lock around odg release (without it the loser exits 3, 'Directory not empty', or
    removes the winner's half-written release)."""
    cmd = [sys.executable, "-m", "opendata_graph.cli", "release", "0.9.0", "--date", "2026-12-01",
           f"--data={root / 'data'}", f"--dist={root / 'dist'}"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].decode() for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    assert any("release 0.9.0 exists and is never replaced" in o for o in outs), outs
    assert os.readlink(root / "dist" / "latest") == "releases/0.9.0"
    assert sums_hold(root / "dist" / "releases" / "0.9.0")
    assert [p.name for p in (root / "dist" / "releases").iterdir()] == ["0.9.0"]


def test_reading_a_damaged_history_is_an_error_not_a_shorter_history(root: Path) -> None:
    assert odg(root, "release", "0.1.0", "--date", "2026-12-01").exit_code == 0
    listing = root / "dist" / "releases" / "0.1.0" / releases.ENTITIES
    listing.write_text(listing.read_text().replace("2026-12-01", "2026-12-09"))
    with pytest.raises(OdgError, match=r"entities\.json does not match its SHA-256"):
        releases.History.read(root / "dist", BASE)


# -- the download URLs resolve: odg serve and the static site ----------------------------------------------------

@pytest.fixture()
def two(root: Path) -> Path:
    """Releases 0.1.0 and 0.2.0 (one figure changed) and a later unreleased build: dist/."""
    assert odg(root, "release", "0.1.0", "--date", "2026-12-01").exit_code == 0
    edit(root / "data" / "organisations" / "openstreetmap-foundation.yaml", "    value: 2000\n", "    value: 2001\n")
    assert odg(root, "release", "0.2.0", "--date", "2026-12-02").exit_code == 0
    edit(root / "data" / "organisations" / "openstreetmap-foundation.yaml", "    value: 2001\n", "    value: 2002\n")
    assert odg(root, "build").exit_code == 0
    return root / "dist"


def test_every_download_url_of_every_release_resolves_to_its_bytes_in_odg_serve(two: Path) -> None:
    """Guard: serve's /releases/VERSION/<file> route (404 without it)."""
    import requests

    from .servers import odg_server

    with odg_server(two) as url:
        for version in ("0.1.0", "0.2.0"):
            for download, sha in downloads(two / "releases" / version / "void.ttl").items():
                resp = requests.get(url + "/" + download[len(BASE):], timeout=30)
                assert resp.status_code == 200, (download, resp.status_code)
                assert hashlib.sha256(resp.content).hexdigest() == sha, download
        assert requests.get(url + "/releases/0.3.0/opendata-graph.nt", timeout=30).status_code == 404
        assert requests.get(url + "/releases/0.1.0/../../void.ttl", timeout=30).status_code == 404
        tamper(two / "releases" / "0.1.0" / "opendata-graph.ttl")
        bad = requests.get(url + "/releases/0.1.0/opendata-graph.ttl", timeout=30)
        assert bad.status_code == 500 and "does not match its SHA256SUMS" in bad.text
        assert b"2999" not in bad.content


def test_the_static_site_holds_every_release_s_own_files_and_refuses_a_changed_one(two: Path, tmp_path: Path) -> None:
    """Guard: site.py copying each version's verified files to releases/VERSION/."""
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(site), "--dist", str(two)])
    assert result.exit_code == 0, result.output
    for version in ("0.1.0", "0.2.0"):
        for download, sha in downloads(two / "releases" / version / "void.ttl").items():
            assert hashlib.sha256((site / download[len(BASE):]).read_bytes()).hexdigest() == sha, download
    tamper(two / "releases" / "0.2.0" / "opendata-graph.nq")
    again = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "site", str(tmp_path / "site2"), "--dist",
                            str(two)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 2, again.stderr
    assert "opendata-graph.nq does not match its SHA-256 in SHA256SUMS" in again.stderr
    assert not (tmp_path / "site2").exists()  # refused before the first byte


# -- stateful: builds, edits, releases and kills in any order -------------------------------------------------------

class Killed(BaseException):
    """A kill of the process at a chosen point: nothing after it runs, no clean-up either."""


KILL_POINTS = ("file", "rename", "latest")


class Releasing(RuleBasedStateMachine):
    """Every release's SHA256SUMS stays true, its description's checksums are its own files', and ``latest``
    points at a whole release -- the newest after every step that was not killed; a kill leaves the old state or
    the new one, and the rerun of the same version repairs it."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="odg-stateful-"))
        shutil.copytree(paths.data_dir(), self.root / "data")
        self.value = 2000
        self.minor = 1
        self.killed = False

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @rule()
    def edit(self) -> None:
        figure = self.root / "data" / "organisations" / "openstreetmap-foundation.yaml"
        edit(figure, f"    value: {self.value}\n", f"    value: {self.value + 1}\n")
        self.value += 1

    @rule()
    def build(self) -> None:
        result = odg(self.root, "build")
        assert result.exit_code == 0, result.output

    @rule(kill=st.sampled_from((None, *KILL_POINTS)), at=st.integers(0, 12))
    def release(self, kill: str | None, at: int) -> None:
        version = f"0.{self.minor}.0"
        before = releases.existing(self.dist)
        with pytest.MonkeyPatch.context() as mp:
            if kill is not None:
                mp.setattr(releases, "shutil", SimpleNamespace(rmtree=lambda *a, **k: None))  # no clean-up
                calls = [0]
                real = {"file": releases._write_synced, "rename": releases._sync, "latest": releases.point_latest}
                name = {"file": "_write_synced", "rename": "_sync", "latest": "point_latest"}[kill]

                def dying(*args: object, _real: object = real[kill], _kill: str = kill) -> object:
                    calls[0] += 1
                    # point_latest also runs in repair, first: kill only once the version is in place
                    in_place = (self.dist / "releases" / version).is_dir()
                    if (calls[0] > at % 4) if _kill != "latest" else in_place:
                        raise Killed()
                    return _real(*args)  # type: ignore[operator]

                mp.setattr(releases, name, dying)
            try:
                result = CliRunner().invoke(cli, ["release", version, "--date", "2026-12-01",
                                                  f"--data={self.root / 'data'}", f"--dist={self.dist}"],
                                            catch_exceptions=False)
            except Killed:
                after = releases.existing(self.dist)
                assert after in (before, [*before, version])  # the old state or the new one
                latest = self.dist / "latest"
                if os.path.islink(latest) and os.readlink(latest) == f"releases/{version}":
                    self.minor += 1  # killed after its last step: the release is whole, latest moved
                    self.killed = False
                else:
                    self.killed = True  # the rerun of the same version repairs it
                return
        assert result.exit_code == 0, result.output
        self.killed = False
        self.minor += 1

    @invariant()
    def releases_stay_true(self) -> None:
        versions = releases.existing(self.dist)
        for v in versions:
            folder = self.dist / "releases" / v
            assert sums_hold(folder), v
            for url, sha in downloads(folder / "void.ttl").items():
                assert url.startswith(f"{BASE}releases/{v}/")
                assert hashlib.sha256((folder / url.rsplit("/", 1)[1]).read_bytes()).hexdigest() == sha
        if not self.killed:  # after a kill latest may be behind (or not there yet) until the rerun repairs it
            assert versions == [] or os.readlink(self.dist / "latest") == f"releases/{versions[-1]}"
        elif os.path.islink(self.dist / "latest"):
            assert os.readlink(self.dist / "latest") in {f"releases/{v}" for v in versions}


def test_releases_through_builds_edits_and_kills() -> None:
    # no shrinking: a release step is a build (seconds), and shrinking a failure took minutes; the failing steps
    # are printed as they ran
    run_state_machine_as_test(Releasing, settings=settings(max_examples=4, stateful_step_count=6, deadline=None,
                                                           phases=(Phase.explicit, Phase.reuse, Phase.generate)))


def test_query_reads_a_release_directory_through_its_checksums(root: Path) -> None:
    """Guard: query.open_store's ReleaseDir (without it the changed dump is queried, exit 0)."""
    assert odg(root, "build").exit_code == 0
    tamper(root / "dist" / "opendata-graph.nt")
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "query", "-e", "ASK { ?s ?p ?o }",
                             "--dist", str(root / "dist")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "opendata-graph.nt does not match its SHA-256 in SHA256SUMS" in result.stderr
