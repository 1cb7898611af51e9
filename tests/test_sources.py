"""The source documents live in the repository (sources/), with their address, retrieval date and checksum; the
quote check always runs from them, and a build depends on nothing beside the checkout (issue 26 item 1, issue 24
item 3)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.errors import ConfigError, ErrorList
from opendata_graph.source.load import SOURCE_SUMS, Dataset, load, local_copies, source_sums
from opendata_graph.stages.publish import QUOTES_NOT_CHECKED

from .checks import generate

DATASET = load(paths.data_dir())
SOURCES = paths.ROOT / paths.SOURCES


def test_the_default_sources_are_the_repository_s_own() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ODG_SEEDS"}
    code = "from opendata_graph.core import paths; print(paths.seeds_dir())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert Path(out.stdout.strip()) == SOURCES


def test_every_document_s_copy_is_in_sources_with_its_checksum() -> None:
    sums = source_sums(SOURCES)
    documents = DATASET.of_kind("document")
    assert sorted(str(d.data["local_copy"]) for d in documents) == sorted(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((SOURCES / name).read_bytes()).hexdigest() == digest, name
    assert subprocess.run(["sha256sum", "--check", "--strict", SOURCE_SUMS], cwd=SOURCES,
                          capture_output=True).returncode == 0


def test_the_sources_readme_says_what_the_records_and_checksums_say() -> None:
    """Each document's row: its record, file, address (the record's url), retrieval date, SHA-256."""
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.groups()[1:] for m in re.finditer(
        r"^\| `(\w+)` \| `([^`]+)` \| (\S+) \| ([^|]+?) \| `([0-9a-f]{64})` \|$", readme, re.M)}
    sums = source_sums(SOURCES)
    assert sorted(rows) == sorted(d.id for d in DATASET.of_kind("document"))
    for doc in DATASET.of_kind("document"):
        name, address, retrieved, digest = rows[doc.id]
        assert name == doc.data["local_copy"] and digest == sums[name]
        assert address in [u["value"] for u in doc.data.get("url", [])], doc.id
        assert retrieved == "unknown" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", retrieved), retrieved


def _validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--no-cache", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("folder", ["missing", "empty", "no-sums", "sums-unreadable", "sums-empty"])
def test_without_the_documents_validate_is_an_input_error(tmp_path: Path, folder: str) -> None:
    target = tmp_path / "sources"
    if folder != "missing":
        target.mkdir()
    if folder in ("no-sums", "sums-unreadable", "sums-empty"):
        for copy in SOURCES.glob("*.txt"):
            shutil.copy(copy, target)
    if folder == "sums-unreadable":
        (target / SOURCE_SUMS).mkdir()
    if folder == "sums-empty":
        (target / SOURCE_SUMS).write_text("", encoding="utf-8")
    code, out = _validate("--seeds", str(target))
    assert code == 2, out
    assert re.search(rf"^{re.escape(str(target))}\S*: error: .*(sources|{SOURCE_SUMS})", out, re.M), out
    assert "Traceback" not in out


def test_no_quote_check_is_the_one_way_past_missing_documents(tmp_path: Path) -> None:
    code, out = _validate("--seeds", str(tmp_path / "none"), "--no-quote-check")
    assert code == 0, out


def test_a_release_built_without_the_quote_check_says_so(tmp_path: Path) -> None:
    runner = CliRunner()
    unchecked = runner.invoke(cli, ["build", "--no-cache", "--no-quote-check", "--seeds", str(tmp_path / "none"),
                                    "--dist", str(tmp_path / "unchecked")])
    assert unchecked.exit_code == 0, unchecked.output
    checked = runner.invoke(cli, ["build", "--no-cache", "--dist", str(tmp_path / "checked")])
    assert checked.exit_code == 0, checked.output
    said = QUOTES_NOT_CHECKED.replace('"', '\\"')
    assert said in (tmp_path / "unchecked" / "void.ttl").read_text(encoding="utf-8")
    assert said not in (tmp_path / "checked" / "void.ttl").read_text(encoding="utf-8")
    assert "TextPositionSelector" not in (tmp_path / "unchecked" / "opendata-graph.nt").read_text(encoding="utf-8")
    assert "TextPositionSelector" in (tmp_path / "checked" / "opendata-graph.nt").read_text(encoding="utf-8")


def _copy_sources(tmp: Path) -> Path:
    target = tmp / "sources"
    shutil.copytree(SOURCES, target, dirs_exist_ok=True)
    return target


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_edited_copy_is_an_error_at_the_copy(tmp_path: Path, data: st.DataObject) -> None:
    """Any change to a copy's bytes (one byte replaced, inserted or removed) is refused, naming the copy."""
    target = _copy_sources(tmp_path)
    name = data.draw(st.sampled_from(sorted(source_sums(SOURCES))))
    original = (SOURCES / name).read_bytes()
    at = data.draw(st.integers(0, len(original)))
    edit = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    byte = data.draw(st.binary(min_size=1, max_size=1))
    if edit == "replace" and at < len(original) and byte != original[at:at + 1]:
        changed = original[:at] + byte + original[at + 1:]
    elif edit == "delete" and at < len(original):
        changed = original[:at] + original[at + 1:]
    else:
        changed = original[:at] + byte + original[at:]
    (target / name).write_bytes(changed)
    with pytest.raises(ErrorList) as raised:
        local_copies(DATASET, target)
    assert [e.location.path for e in raised.value.errors if e.location] == [str(target / name)]
    assert "does not match its SHA-256" in str(raised.value)
    (target / name).write_bytes(original)
    assert sorted(local_copies(DATASET, target)) == sorted(d.id for d in DATASET.of_kind("document"))


def test_an_edited_copy_fails_validate_with_exit_2(tmp_path: Path) -> None:
    target = _copy_sources(tmp_path)
    copy = next(target.glob("004_*.txt"))
    copy.write_text(copy.read_text(encoding="utf-8").replace("seven", "eight", 1), encoding="utf-8")
    code, out = _validate("--seeds", str(target))
    assert code == 2, out
    assert f"{copy}: error: local copy {copy.name} does not match its SHA-256" in out


def test_a_copy_not_listed_is_an_error(tmp_path: Path) -> None:
    target = _copy_sources(tmp_path)
    sums = target / SOURCE_SUMS
    sums.write_text("".join(line + "\n" for line in sums.read_text(encoding="utf-8").splitlines()
                            if not line.endswith("000_dab39517fcfec8ad.txt")), encoding="utf-8")
    with pytest.raises(ErrorList, match=r"000_dab39517fcfec8ad\.txt is not listed in SHA256SUMS"):
        local_copies(DATASET, target)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
                    max_size=90), number=st.integers(0, 2))
def test_a_malformed_checksum_line_is_refused_at_its_line(tmp_path: Path, line: str, number: int) -> None:
    target = _copy_sources(tmp_path)
    sums = target / SOURCE_SUMS
    lines = sums.read_text(encoding="utf-8").splitlines()
    well_formed = re.fullmatch(r"[0-9a-f]{64} [ *][^/\s](?:[^/]*\S)?", line) is not None
    lines.insert(number, line)
    sums.write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    try:
        source_sums(target)
    except ConfigError as exc:
        assert not well_formed or line[66:] in [x[66:] for x in lines[:number] + lines[number + 1:]]
        assert exc.location is not None and exc.location.line == number + 1, (exc, line)
    else:
        assert well_formed, line


def test_a_synthetic_registry_s_document_is_listed(tmp_path: Path) -> None:
    generate.generate(3, tmp_path)
    assert list(source_sums(tmp_path / "seeds")) == ["synthetic.txt"]
    assert sorted(local_copies(load(tmp_path / "data"), tmp_path / "seeds")) == ["doc"]


def _tracked_copy(to: Path) -> Path:
    """The checkout as a fresh clone has it: only the files git tracks (and the worktree's edits of them)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=paths.ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = paths.ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to


def test_a_fresh_clone_with_nothing_beside_it_builds_the_same_bytes(tmp_path: Path) -> None:
    """Two clones at different depths, each alone in its folder, no ODG_* in the environment: their releases are
    byte-identical to one built from this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODG_")}
    releases = []
    for i, where in enumerate((tmp_path / "a" / "clone", tmp_path / "b" / "deeper" / "other")):
        clone = _tracked_copy(where)
        assert sorted(p.name for p in clone.parent.iterdir()) == [clone.name]
        result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "build", "--no-cache", "--dist",
                                 str(tmp_path / f"dist-{i}")], cwd=clone, capture_output=True, text=True,
                                env={**env, "PYTHONPATH": str(clone / "src")}, timeout=300)
        assert result.returncode == 0, result.stderr
        assert "not found" not in result.stderr and "warning: " not in result.stderr.replace(
            "data/products/openstreetmap-org.yaml:1:1: warning:", "")
        releases.append({p.name: p.read_bytes() for p in (tmp_path / f"dist-{i}").iterdir()})
    here = CliRunner().invoke(cli, ["build", "--no-cache", "--dist", str(tmp_path / "here")])
    assert here.exit_code == 0, here.output
    releases.append({p.name: p.read_bytes() for p in (tmp_path / "here").iterdir()})
    assert releases[0].keys() == releases[1].keys() == releases[2].keys()
    assert [n for n in releases[0] if not releases[0][n] == releases[1][n] == releases[2][n]] == []
    assert b"TextPositionSelector" in releases[0]["opendata-graph.nt"]


def test_local_copies_without_a_folder_reads_nothing() -> None:
    assert local_copies(Dataset(paths.data_dir(), {}, {}), None) == {}


def test_nothing_in_the_code_or_tests_reads_beside_the_checkout() -> None:
    """No module of src/, tests/ or benchmarks/, nor the Makefile, names the ../shared folder or climbs out of the
    checkout to it: everything a build and a test read is in the repository."""
    pattern = re.compile(r"""\.\./shared|["']shared["']|parents\[2\]|ROOT\.parent""")
    offenders = []
    for folder in ("src", "tests", "benchmarks"):
        for path in sorted((paths.ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and path != Path(__file__):
                    offenders.append(f"{path.relative_to(paths.ROOT)}:{number}: {line.strip()}")
    for number, line in enumerate((paths.ROOT / "Makefile").read_text(encoding="utf-8").splitlines(), 1):
        if pattern.search(line):
            offenders.append(f"Makefile:{number}: {line.strip()}")
    assert offenders == []


def test_the_vendored_w3c_suites_carry_their_licence() -> None:
    vendor = Path(__file__).resolve().parent / "vendor" / "w3c"
    assert "W3C" in (vendor / "LICENSE.md").read_text(encoding="utf-8")
    assert (vendor / "shacl" / "manifest.ttl").is_file()
    assert (vendor / "sparql" / "sparql11" / "protocol" / "manifest.ttl").is_file()
