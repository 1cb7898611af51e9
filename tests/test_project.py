"""The project file (issue 26 item 2): odg.toml or [tool.odg], found by walking up from the working directory;
commands need no flags inside a project, flags and ODG_* still override, outside any project the checkout's
defaults; ``odg init DIR`` starts a registry and refuses a directory that is not empty."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata_graph.cli import cli
from opendata_graph.core import paths, project
from opendata_graph.core.errors import ConfigError, OdgError
from opendata_graph.stages.publish import void_rows

BASE = "https://example.org/registry/"
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]


@pytest.fixture(autouse=True)
def no_odg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ODG_DATA", "ODG_ONTOLOGY", "ODG_SHAPES", "ODG_QUERIES", "ODG_DIST", "ODG_SEEDS", "ODG_BASE"):
        monkeypatch.delenv(name, raising=False)


def registry(root: Path, publisher: str | None = None) -> Path:
    """A project holding a copy of this repository's records and documents, started by ``odg init``."""
    result = CliRunner().invoke(cli, ["init", str(root), "--base", BASE,
                                      *(["--publisher", publisher] if publisher else [])])
    assert result.exit_code == 0, result.output
    shutil.rmtree(root / "data")
    shutil.copytree(paths.ROOT / "data", root / "data")
    for file in (paths.ROOT / paths.SOURCES).iterdir():
        if file.name != "README.md":
            shutil.copy(file, root / "sources" / file.name)
    return root


def uri_space(dist: Path) -> str:
    return next(o for _, p, o in void_rows(dist / "void.ttl") if p.endswith("uriSpace>")).split('"')[1]


def test_inside_a_project_build_needs_no_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = registry(tmp_path / "reg")
    (root / "notes" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(root / "notes" / "deeper")
    assert paths.data_dir() == root / "data" and paths.seeds_dir() == root / "sources"
    assert paths.dist_dir() == root / "dist"
    result = CliRunner().invoke(cli, ["build", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert uri_space(root / "dist") == BASE
    assert not (paths.ROOT / "dist").is_dir() or uri_space(paths.ROOT / "dist") != BASE


def test_flags_and_environment_override_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = registry(tmp_path / "reg")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build", "--no-cache", "--dist", str(tmp_path / "flag"),
                                      "--base", "https://example.org/flag/"])
    assert result.exit_code == 0, result.output
    assert uri_space(tmp_path / "flag") == "https://example.org/flag/" and not (root / "dist").exists()
    monkeypatch.setenv("ODG_DIST", str(tmp_path / "env"))
    monkeypatch.setenv("ODG_BASE", "https://example.org/env/")
    assert paths.dist_dir() == tmp_path / "env" and project.default_base() == "https://example.org/env/"


def test_outside_any_project_the_defaults_are_the_checkout_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert project.current() is None
    assert (paths.data_dir(), paths.seeds_dir(), paths.dist_dir()) == (
        paths.ROOT / "data", paths.ROOT / paths.SOURCES, paths.ROOT / "dist")
    assert project.default_base() is None


def test_the_project_s_publisher_is_the_release_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = registry(tmp_path / "reg", publisher="Example Registry Team")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build", "--no-cache"])
    assert isinstance(result.exception, ConfigError) and result.exception.exit_code == 2, result.output
    assert "release.yaml names the publisher 'The opendata-graph project', the project file 'Example Registry " \
           "Team'" in str(result.exception)
    assert not (root / "dist").exists()
    release = root / "data" / "release.yaml"
    release.write_text("".join(line for line in release.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not line.startswith("publisher:")), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert '"Example Registry Team"' in (root / "dist" / "void.ttl").read_text(encoding="utf-8")


@settings(max_examples=30, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(depth=st.integers(0, 5), form=st.sampled_from(["odg.toml", "pyproject.toml"]),
       keys=st.sets(st.sampled_from(project.PATH_KEYS)), names=st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,8}",
                                                                                       fullmatch=True), min_size=6,
                                                                         max_size=6))
def test_the_nearest_project_file_is_found_from_any_depth(tmp_path: Path, depth: int, form: str, keys: set[str],
                                                          names: list[str]) -> None:
    root = tmp_path / f"p{abs(hash((depth, form, tuple(sorted(keys)), tuple(names))))}"
    root.mkdir()
    lines = [f'{key} = "{names[i]}/{key}"' for i, key in enumerate(sorted(keys))] + [f'base = "{BASE}"']
    text = "\n".join(lines) + "\n"
    (root / form).write_text(text if form == "odg.toml" else '[project]\nname = "x"\n\n[tool.odg]\n' + text,
                             encoding="utf-8")
    (tmp_path / "odg.toml").write_text('base = "https://example.org/outer/"\n', encoding="utf-8")  # farther up
    start = root.joinpath(*names[:depth])
    start.mkdir(parents=True, exist_ok=True)
    found = project.find(start)
    assert found is not None and found.file == (root / form).resolve() and found.base == BASE
    assert found.paths == {key: (root / names[i] / key).resolve() for i, key in enumerate(sorted(keys))}


def test_odg_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.odg]\nbase = "https://example.org/py/"\n', encoding="utf-8")
    (tmp_path / "odg.toml").write_text(f'base = "{BASE}"\n', encoding="utf-8")
    assert project.find(tmp_path).base == BASE  # type: ignore[union-attr]
    (tmp_path / "odg.toml").unlink()
    assert project.find(tmp_path).base == "https://example.org/py/"  # type: ignore[union-attr]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")  # no [tool.odg]: not one
    assert project.find(tmp_path) is None or project.find(tmp_path).root != tmp_path  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "line", "says"), [
    ('data = "data"\ncolour = "blue"\n', 2, "unknown key 'colour'"),
    ('data = "data"\ndist = 3\n', 2, "dist must be text"),
    ('data = "data"\n\ndist = "../elsewhere"\n', 3, "leaves the project's directory"),
    ('base = "https://example.org/no-slash"\n', 1, "ending in / or #"),
    ('base = "https://example.org/\\u202Ex/"\n', 1, "bidirectional control U+202E"),
    ('data = "data"\ndist = [unclosed\n', 2, "not TOML"),
    ('base = "https://example.org/r/"\npublisher = "two\\nlines"\n', 2, "publisher must be one line"),
])
def test_a_wrong_project_file_is_an_error_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                                      line: int, says: str) -> None:
    (tmp_path / "odg.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        project.find(tmp_path)
    assert says in raised.value.message and raised.value.location is not None
    assert raised.value.location.line == line, raised.value
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--no-quote-check"])  # main() prints it: exit 2 (below)
    assert isinstance(result.exception, ConfigError) and says in str(result.exception), result


def test_a_wrong_project_file_exits_2_with_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "odg.toml").write_text('colour = "blue"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "validate"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result
    assert result.stderr.startswith("odg.toml:1:1: error: unknown key 'colour' in the project file"), result.stderr


def test_init_starts_a_registry(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = CliRunner().invoke(cli, ["init", str(root), "--base", BASE])
    assert result.exit_code == 0, result.output
    from opendata_graph.source.schema import KINDS

    assert sorted(p.name for p in (root / "data").iterdir()) == sorted(k.directory for k in KINDS.values())
    assert all(not any(p.iterdir()) for p in (root / "data").iterdir())
    found = project.find(root / "data" / "organisations")
    assert found is not None and found.base == BASE and found.paths["data"] == (root / "data").resolve()
    assert (root / "README.md").is_file() and (root / "sources" / "README.md").is_file()


@pytest.mark.parametrize("occupant", ["file", "hidden", "directory", "itself a file"])
def test_init_refuses_what_is_not_a_new_or_empty_directory(tmp_path: Path, occupant: str) -> None:
    root = tmp_path / "occupied"
    if occupant == "itself a file":
        root.write_text("mine", encoding="utf-8")
    elif occupant == "directory":
        (root / "data").mkdir(parents=True)
    else:
        root.mkdir()
        (root / {"file": "notes.txt", "hidden": ".git"}[occupant]).write_text("mine", encoding="utf-8")
    before = sorted((p.relative_to(tmp_path), p.is_file() and p.read_text()) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, ["init", str(root), "--base", BASE])
    assert exit_code(result) == 2, result.output
    assert sorted((p.relative_to(tmp_path), p.is_file() and p.read_text()) for p in tmp_path.rglob("*")) == before


def test_init_needs_a_base_iri(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "x"), "--base", "https://example.org/\u200fx/"])
    assert exit_code(result) == 2 and not (tmp_path / "x").exists(), result.output


def exit_code(result: Result) -> int:
    """The exit code ``odg`` gives: main() turns a project error into its own code (CliRunner reports 1)."""
    return result.exception.exit_code if isinstance(result.exception, OdgError) else result.exit_code
