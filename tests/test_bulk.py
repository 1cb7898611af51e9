"""Bulk source forms: a YAML list of records and CSV/TSV tables load into the same graph, errors at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendata_graph.core import paths
from opendata_graph.core.errors import ErrorList
from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.core.serialize import ntriples
from opendata_graph.source.load import load
from opendata_graph.stages.convert import convert
from opendata_graph.stages.validate import load_turtle_dir

from .checks import generate


def graph_of(data: Path) -> bytes:
    return ntriples(convert(load(data), DEFAULT_BASE, load_turtle_dir(paths.ontology_dir())).triples())


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for form in generate.FORMS:
        root = tmp_path_factory.mktemp(form)
        generate.generate(12, root, form)
        out[form] = root / "data"
    return out


@pytest.mark.parametrize("form", ["list", "csv", "tsv"])
def test_bulk_form_gives_the_same_graph_as_one_file_per_entity(forms: dict[str, Path], form: str) -> None:
    files = list(forms[form].rglob("*.*"))
    assert len(files) == 9 and all(f.suffix == {"list": ".yaml"}.get(form, "." + form) for f in files)
    reference = graph_of(forms["files"])
    assert reference.count(b"\n") > 3000
    assert graph_of(forms[form]) == reference


def _errors(data: Path) -> list[str]:
    with pytest.raises(ErrorList) as caught:
        load(data)
    return [str(e) for e in caught.value.errors]


def test_csv_errors_point_at_the_row_and_column(forms: dict[str, Path]) -> None:
    table = forms["csv"] / "organisations" / "organisations.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace('"participant"', '"member"')
    lines[6] = lines[6].replace('"capital"', '"nowhere"', 1)
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    header = lines[0].split(",")
    errors = _errors(forms["csv"])
    rel = Path(table).relative_to(Path.cwd()) if table.is_relative_to(Path.cwd()) else table
    assert errors == [
        f"{rel}:5:{header.index('memberships') + 1}: error: 'member' is not a role: one of commercial-partner,"
        " data-collaboration, host, lead, participant, partner (hint: a new role is a concept of"
        " <https://w3id.org/opendata-graph/ontology/role> in the ontology)",
        f"{rel}:7:{header.index('location') + 1}: error: no entity with id 'nowhere' "
        "(hint: add a file for it under data/, or fix the id)",
    ]


def test_malformed_tables_are_located(tmp_path: Path) -> None:
    (tmp_path / "places").mkdir()
    (tmp_path / "places" / "a.csv").write_text('id,name,source\nx,X,"{""doc"": ""a""}"\ny,Y\n', encoding="utf-8")
    (tmp_path / "places" / "b.tsv").write_text('id\tname\tsource\nz\tZ\t{"doc": oops}\n', encoding="utf-8")
    errors = _errors(tmp_path)
    assert any(e.endswith("a.csv:3: error: row has 2 cells, the header 3 (hint: quote cells that contain the delimiter)")
               for e in errors), errors
    assert any("b.tsv:2:3: error: column 'source': not JSON" in e for e in errors), errors


def test_yaml_list_errors_point_at_the_record_line(forms: dict[str, Path]) -> None:
    people = forms["list"] / "people" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    people.write_text(text.replace("title: Director", "titel: Director", 1), encoding="utf-8")
    line = next(i for i, t in enumerate(people.read_text(encoding="utf-8").splitlines(), 1) if "titel:" in t)
    errors = _errors(forms["list"])
    assert any(f"people.yaml:{line}:5: error: unknown key 'titel'" in e for e in errors), errors
