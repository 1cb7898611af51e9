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
    from opendata_graph.errors import ErrorList
    from opendata_graph.load import load

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
])
def test_wrong_inputs_once_accepted_are_refused(tmp_path: Path, files: dict[str, str], says: str) -> None:
    from opendata_graph.errors import ErrorList
    from opendata_graph.load import load

    from .checks import make_data

    data = make_data(tmp_path, dict(files))
    with pytest.raises(ErrorList) as exc:
        load(data)
    assert any(says in str(e) and ".yaml:" in str(e) for e in exc.value.errors), [str(e) for e in exc.value.errors]
