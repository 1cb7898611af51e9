"""An installed ``odg`` (the wheel, in a fresh virtual environment, run outside the repository) validates exactly
as the checkout does: the ontology, shapes and queries travel inside the package.

The wheel is built from this checkout; its dependencies are borrowed from the test environment through a
``.pth`` line (so no network is needed and nothing of the checkout is importable: the editable install's
finder is not loaded from a plain path line). The pre-commit hook's entry is run the same way.
"""

from __future__ import annotations

import shlex
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from opendata_graph.core import paths

ROOT = paths.ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin/`` of a fresh venv holding only the wheel of this checkout."""
    tmp = tmp_path_factory.mktemp("installed")
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(wheels)],
                   check=True, timeout=600, capture_output=True)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    wheel = next(wheels.glob("opendata_graph-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, timeout=300, capture_output=True)
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "zz-borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import opendata_graph, sys; print(opendata_graph.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp).stdout
    assert where.startswith(purelib), f"the checkout leaks into the installed package: {where}"
    return venv / "bin"


@pytest.fixture()
def their_repository(tmp_path: Path) -> Path:
    """A copy of the data (and the documents) outside the repository, with one dataset missing its publisher."""
    repo = tmp_path / "their-registry"
    shutil.copytree(paths.data_dir(), repo / "data")
    shutil.copytree(paths.seeds_dir(), repo / "seeds")
    path = repo / "data" / "datasets" / "wikirate-data.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "publisher" in record
    del record["publisher"]
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return repo


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_wheel_carries_the_ontology_shapes_and_queries(installed: Path) -> None:
    out = run([str(installed / "python"), "-c", "from opendata_graph.core import paths; "
               "print(paths.shapes_dir(), paths.ontology_dir(), paths.queries_dir(), sep='\\n')"], Path("/"))
    dirs = [Path(x) for x in out.stdout.split()]
    assert all("site-packages" in str(d) for d in dirs), dirs
    for d, source in zip(dirs, (paths.shapes_dir(), paths.ontology_dir(), paths.queries_dir()), strict=True):
        assert sorted(p.name for p in d.iterdir() if p.is_file()) == sorted(
            p.name for p in source.iterdir() if p.is_file())


def test_installed_odg_reports_what_the_checkout_reports(installed: Path, their_repository: Path) -> None:
    args = ["validate", "data", "--no-cache", "--seeds", "seeds"]
    wheel = run([str(installed / "odg"), *args], their_repository)
    checkout = run([sys.executable, "-c", "from opendata_graph.cli import main; main()", *args], their_repository)
    assert wheel.returncode == checkout.returncode == 1, wheel.stdout + wheel.stderr
    assert wheel.stdout == checkout.stdout
    assert "wikirate-data.yaml" in wheel.stdout and "publisher" in wheel.stdout


def test_installed_odg_fails_closed(installed: Path, tmp_path: Path) -> None:
    result = run([str(installed / "odg"), "validate", "--shapes", "/nonexistent", "--data", str(tmp_path)], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "conforms" not in result.stdout


def test_installed_odg_builds_the_whole_release(installed: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run([str(installed / "odg"), "build", "--no-cache", "--data", str(paths.data_dir()), "--seeds",
                  str(paths.seeds_dir()), "--dist", str(dist)], tmp_path)
    assert result.returncode == 0, result.stderr
    from pyoxigraph import RdfFormat, parse

    assert (dist / "ontology.ttl").read_bytes() == (paths.ontology_dir() / "opendata-graph.ttl").read_bytes()
    assert (dist / "shapes.ttl").read_bytes() == b"\n".join(
        p.read_bytes() for p in sorted(paths.shapes_dir().glob("*.ttl")))
    assert len(list(parse(path=str(dist / "ontology.ttl"), format=RdfFormat.TURTLE))) > 100
    # the pages come from the wheel's templates and carry its stylesheet and scripts (package data, not code)
    site = tmp_path / "site"
    result = run([str(installed / "odg"), "site", str(site), "--dist", str(dist), "--endpoint",
                  "https://example.org/sparql"], tmp_path)
    assert result.returncode == 0, result.stderr
    static = paths.ROOT / "src" / "opendata_graph" / "web" / "static"
    home, query = ((site / name).read_text(encoding="utf-8") for name in ("index.html", "query.html"))
    assert (static / "odg.css").read_text(encoding="utf-8") in home
    assert (static / "search.js").read_text(encoding="utf-8") in home
    assert (static / "editor.js").read_text(encoding="utf-8") in query
    assert (site / "static" / "yasqe.min.js").read_bytes() == (static / "yasqe.min.js").read_bytes()


def test_the_pre_commit_entry_works_from_the_wheel(installed: Path, their_repository: Path) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    entry = shlex.split(hooks["odg-validate"]["entry"])
    assert entry[0] == "odg"
    result = run([str(installed / "odg"), *entry[1:], "data/datasets/wikirate-data.yaml"], their_repository)
    assert result.returncode == 1 and "publisher" in result.stdout, result.stdout + result.stderr
