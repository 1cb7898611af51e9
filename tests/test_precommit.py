"""Other repositories validate through our pre-commit entry: it is invoked here exactly as pre-commit does.

pre-commit runs ``entry`` + ``args`` + the changed files that match ``files`` and not ``exclude``. Running
pre-commit itself would install this package from the network into a fresh environment, which tests never do;
this test reads ``.pre-commit-hooks.yaml`` and makes the same call on fixture repositories outside ``data/``.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from opendata_graph.core import paths

HOOKS = {h["id"]: h for h in yaml.safe_load((paths.ROOT / ".pre-commit-hooks.yaml").read_text())}
GBIF = (paths.data_dir() / "organisations" / "gbif.yaml").read_text(encoding="utf-8")


def run_hook(hook_id: str, repo: Path, changed: list[str], args: list[str] = ()) -> subprocess.CompletedProcess[str]:
    hook = HOOKS[hook_id]
    files = [f for f in changed if re.search(hook["files"], f) and not re.search(hook.get("exclude", "^$"), f)]
    command = shlex.split(hook["entry"])
    assert command[0] == "odg"
    argv = [sys.executable, "-m", "opendata_graph.cli", *command[1:], *args, *files]
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True)


def yaml_repository(tmp_path: Path) -> Path:
    repo = tmp_path / "their-registry"
    shutil.copytree(paths.data_dir(), repo / "data")
    shutil.copytree(paths.seeds_dir(), repo / "seeds")
    return repo


def test_hooks_are_declared() -> None:
    assert set(HOOKS) == {"odg-validate", "odg-lint"}
    assert all(h["language"] == "python" for h in HOOKS.values())


def test_hook_file_patterns_name_no_kind() -> None:
    """The hooks take every YAML/RDF file and odg picks the records (the schema's kind directories): a new kind
    needs no change here."""
    from opendata_graph.source.schema import KIND_BY_DIRECTORY

    for hook in HOOKS.values():
        assert "--skip-unrelated" in hook["entry"]
        assert not any(kind in hook["files"] for kind in KIND_BY_DIRECTORY), hook["id"]
    for kind in KIND_BY_DIRECTORY:
        assert re.search(HOOKS["odg-validate"]["files"], f"data/{kind}/x.yaml"), kind
    assert re.search(HOOKS["odg-validate"]["files"], "dump.ttl")


def test_the_hooks_skip_files_that_are_not_records(tmp_path: Path) -> None:
    repo = yaml_repository(tmp_path)
    (repo / ".github").mkdir()
    (repo / ".github" / "ci.yml").write_text("on: [push]\n", encoding="utf-8")
    for hook in HOOKS:
        result = run_hook(hook, repo, [".github/ci.yml", "data/release.yaml"])
        assert result.returncode == 0, result.stdout + result.stderr
    result = run_hook("odg-validate", repo, [".github/ci.yml", "data/organisations/gbif.yaml"])
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "0 error(s), 1 warning(s)", result.stdout


def test_validate_hook_passes_a_clean_yaml_repository(tmp_path: Path) -> None:
    repo = yaml_repository(tmp_path)
    result = run_hook("odg-validate", repo, ["data/organisations/gbif.yaml", "README.md"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "0 error(s), 1 warning(s)"


def test_validate_hook_fails_with_located_errors(tmp_path: Path) -> None:
    repo = yaml_repository(tmp_path)
    (repo / "data" / "organisations" / "gbif.yaml").write_text(
        GBIF.replace("role: participant", "role: member"), encoding="utf-8")
    result = run_hook("odg-validate", repo, ["data/organisations/gbif.yaml"])
    assert result.returncode == 2
    line = next(i for i, t in enumerate(GBIF.splitlines(), 1) if "role: participant" in t)
    assert f"data/organisations/gbif.yaml:{line}:11: error: 'member' is not a role: one of" in result.stdout


def test_validate_hook_on_turtle_with_its_own_shapes(tmp_path: Path) -> None:
    repo = tmp_path / "their-rdf"
    (repo / "shapes").mkdir(parents=True)
    (repo / "shapes" / "person.ttl").write_text("""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://example.org/shapes#Person> a sh:NodeShape ; sh:targetClass foaf:Person ;
    sh:property [ sh:path foaf:name ; sh:minCount 1 ; sh:message "A person needs a name." ] .
""", encoding="utf-8")
    (repo / "people.ttl").write_text("""@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://example.org/> .

ex:ada a foaf:Person ;
    foaf:name "Ada" .

ex:bob a foaf:Person .
""", encoding="utf-8")
    result = run_hook("odg-validate", repo, ["people.ttl"], ["--shapes", "shapes"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "people.ttl:7: error: A person needs a name. "
        "[<https://example.org/bob>, <https://example.org/shapes#Person>, foaf:name]",
        "1 error(s), 0 warning(s)",
    ]


def test_lint_hook(tmp_path: Path) -> None:
    repo = yaml_repository(tmp_path)
    path = repo / "data" / "organisations" / "gbif.yaml"
    path.write_text("short_names: [GBIF]\n" + GBIF.replace("short_names: [GBIF]\n", ""), encoding="utf-8")
    result = run_hook("odg-lint", repo, ["data/organisations/gbif.yaml"])
    assert result.returncode == 1
    assert result.stdout == ("data/organisations/gbif.yaml: not in canonical form "
                             "(run: odg lint --fix data/organisations/gbif.yaml)\n")
