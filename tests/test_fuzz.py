"""Mutations of the real data files (tests/fuzz.py, seeded) end in a located error or a pass, never a traceback.

Bounded to a few seconds per seed here; ``make fuzz`` runs ten minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import fuzz


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_mutated_records_never_give_a_traceback_or_an_unlocated_error(tmp_path: Path, seed: int) -> None:
    found = fuzz.run(seconds=6, seed=seed, scratch=tmp_path)
    assert found == [], found[0][:3000]


@pytest.mark.parametrize(("line", "says"), [
    ("value: !!float abc", "explicit YAML tags"),
    ("value: !!timestamp 2021-02-30", "explicit YAML tags"),
    ("value: " + "9" * 5000, "a number of 5,000 digits"),
    ("value: {[1, 2]: c}", "a key must be plain text"),
])
def test_fuzz_classes_are_located(tmp_path: Path, line: str, says: str) -> None:
    from opendata_graph.core.errors import ErrorList
    from opendata_graph.source.load import load

    from .checks import make_data

    data = make_data(tmp_path, {"places/x.yaml": f"id: x\nname: X\nsource: {{d004: 'x'}}\n{line}\n"})
    with pytest.raises(ErrorList) as exc:
        load(data)
    (error,) = exc.value.errors
    assert str(error).startswith(f"{data}/places/x.yaml:4:") and says in str(error), str(error)


@pytest.mark.parametrize(("files", "says"), [
    ({"places/x.yaml": 'id: x\nname: "a\\x07b"\nsource: {d004: "x"}\n'}, "control character U+0007"),
    ({"places/x.yaml": 'id: x\nname: "a\\eb"\nsource: {d004: "x"}\n'}, "control character U+001B"),
    ({"places/x.yaml": 'id: x\nname: X\nsource: {d004: "a\\0b"}\n'}, "the quote holds a control character"),
    ({"places/x.yaml": 'id: "x\\n"\nname: X\nsource: {d004: "x"}\n'}, "is not a valid id"),
    ({"programmes/p.yaml": "id: p\nname: P\nsource: {d004: 'x'}\nperiod: {begin: '2021', end: '2019-06'}\n"},
     "ends (2019-06) before it begins (2021)"),
    ({"programmes/p.yaml": "id: p\nname: P\nsource: {d004: 'x'}\nperiod: {begin: '٢٠٢١'}\n"}, "is not a date"),
    ({"programmes/p.yaml": "id: p\nname: P\nsource: {d004: 'x'}\nperiod: {begin: \"2015\\n\"}\n"}, "is not a date"),
    ({"cohorts/c.yaml": "id: c\nname: C\nsource: {d004: 'x'}\npart_of: [{value: q, source: {d004: 'x'}}]\n",
      "programmes/q.yaml": "id: q\nname: Q\nsource: {d004: 'x'}\npart_of: [{value: c, source: {d004: 'x'}}]\n"},
     "part of itself"),
    ({"licences/l.yaml": "id: l\nname: L\nsource: {d004: 'x'}\nspdx: CC-BY-4\n"}, "'CC-BY-4' is not an SPDX licence id"),
    ({"release.yaml": "title: T\nlicence: CC-BY-4\n"}, "'CC-BY-4' is not an SPDX licence id"),
])
def test_wrong_inputs_once_accepted_are_refused(tmp_path: Path, files: dict[str, str], says: str) -> None:
    from opendata_graph.core.errors import ErrorList
    from opendata_graph.source.load import load

    from .checks import make_data

    data = make_data(tmp_path, dict(files))
    with pytest.raises(ErrorList) as exc:
        load(data)
    assert any(says in str(e) and ".yaml:" in str(e) for e in exc.value.errors), [str(e) for e in exc.value.errors]


def test_ordinary_mistakes_are_one_line_and_exit_2(tmp_path: Path, dist: Path) -> None:
    import subprocess
    import sys

    def odg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "opendata_graph.cli", *args], capture_output=True, text=True,
                              timeout=120)
    for args, says in ((["validate", "--base", "not a base"], "Invalid value for '--base'"),
                       (["build", "--base", "https://example.org/no-slash", "--dist", str(tmp_path / "d")],
                        "ending in / or #"),
                       (["query", "--dist", str(dist / "void.ttl.gz"), "-e", "ASK {}"], "no release"),
                       (["query", "--dist", str(tmp_path), "-e", "ASK {}"], "no release")):
        result = odg(*args)
        assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr, (args, result)
    result = odg("query", "--dist", str(dist / "opendata-graph.nt.gz"), "-e", "ASK { ?s ?p ?o }", "--format", "csv")
    assert result.returncode == 0 and "true" in result.stdout, result.stderr
    bad = tmp_path / "bad.ttl.gz"
    import gzip

    bad.write_bytes(gzip.compress(b"this is not turtle"))
    result = odg("query", "--dist", str(bad), "-e", "ASK {}")
    assert result.returncode == 2 and "cannot read the dump" in result.stderr


def test_a_huge_bulk_file_stops_after_a_bounded_number_of_errors(tmp_path: Path) -> None:
    from opendata_graph.core.errors import ErrorList
    from opendata_graph.source.load import MAX_ERRORS, load

    from .checks import make_data

    data = make_data(tmp_path, {"places/all.yaml": "".join(f"- id: p{i}\n  nme: X\n" for i in range(3000))})
    with pytest.raises(ErrorList) as exc:
        load(data)
    assert len(exc.value.errors) == MAX_ERRORS + 1
    assert any(str(e).endswith(f"stopped after {MAX_ERRORS:,} errors; fix these and run again") for e in exc.value.errors)


def test_deep_json_in_a_table_cell_is_located(tmp_path: Path) -> None:
    from opendata_graph.core.errors import ErrorList
    from opendata_graph.source.load import load

    from .checks import make_data

    cell = "[" * 30_000 + "]" * 30_000  # json.loads overflowed its recursion at this depth
    data = make_data(tmp_path, {"places/places.csv": f"id,name,source,notes\nx,X,\"{{\"\"d004\"\": \"\"x\"\"}}\",{cell}\n"})
    with pytest.raises(ErrorList) as exc:
        load(data)
    assert [str(e).split("places.csv:", 1)[1] for e in exc.value.errors] == [
        "2:4: error: column 'notes': nested more than 20 levels deep (hint: flatten the structure)"]
