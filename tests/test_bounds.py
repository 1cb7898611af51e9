"""Every input is bounded before it is parsed (issue 24 item 7): bulk YAML and CSV/TSV tables by size, YAML by the
number of its values and by depth, tables by width; IRIs by RFC 3987's characters (bidi controls refused)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata_graph.cli import cli
from opendata_graph.core.errors import DataError, ErrorList
from opendata_graph.core.iri import BIDI_CONTROLS, iri_problem
from opendata_graph.source import load as loader
from opendata_graph.source.load import (
    MAX_BULK_YAML_BYTES,
    MAX_FILE_BYTES,
    MAX_TABLE_BYTES,
    MAX_TABLE_COLUMNS,
    check_records,
    check_release,
    load,
)
from opendata_graph.source.schema import KIND_BY_DIRECTORY

ORGANISATIONS = KIND_BY_DIRECTORY["organisations"]
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]

# -- sizes ---------------------------------------------------------------------------------------------------------

#: A file of each bulk form: its first bytes (what decides its form), and its limit.
FORMS = {"table.csv": (b"id,name\n", MAX_TABLE_BYTES), "table.tsv": (b"id\tname\n", MAX_TABLE_BYTES),
         "list.yaml": (b"- id: a\n", MAX_BULK_YAML_BYTES), "record.yaml": (b"id: record\n", MAX_FILE_BYTES)}


@settings(max_examples=40, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=st.sampled_from(sorted(FORMS)), over=st.integers(-3, 3))
def test_a_file_is_refused_by_its_size_alone_iff_it_is_over_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       name: str, over: int) -> None:
    """Sparse files around each limit: one byte over is refused without reading a byte of it (even to hash it);
    at the limit it is read (and then fails for its NUL bytes, which is another message)."""
    head, limit = FORMS[name]
    directory = tmp_path / f"{name}-{over}" / "organisations"
    directory.mkdir(parents=True)
    path = directory / name
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(limit + over)
    read = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or original(self))
    with pytest.raises(ErrorList) as raised:
        load(directory.parent)
    refused = [e for e in raised.value.errors if "bytes, more than" in e.message or "far smaller than" in e.message]
    assert bool(refused) == (over > 0), raised.value
    if over > 0:
        assert path not in read
        assert refused[0].location is not None and refused[0].location.path.endswith(name)


# -- width ---------------------------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(width=st.integers(1, MAX_TABLE_COLUMNS + 4), rows=st.integers(1, 30), bad=st.integers(0, 10**6))
def test_a_table_s_header_is_checked_before_any_row(tmp_path: Path, width: int, rows: int, bad: int) -> None:
    """Too many columns, or an unknown one: one error at the header (line 1), whatever the rows hold."""
    keys = list(ORGANISATIONS.spec.fields)
    known = keys[: min(width, len(keys))]
    header = (known + [f"column{bad}-{i}" for i in range(width - len(known))])
    table = tmp_path / f"t{width}-{rows}-{bad}.csv"
    table.write_text(",".join(header) + "\n" + "".join(",".join("x" * len(header)) + "\n" for _ in range(rows)),
                     encoding="utf-8")
    if width <= len(keys):
        check_records(table, ORGANISATIONS)  # known columns: the rows are read (and have their own problems)
        return
    with pytest.raises(DataError) as raised:
        check_records(table, ORGANISATIONS)
    assert raised.value.location is not None and raised.value.location.line == 1
    if width > MAX_TABLE_COLUMNS:
        assert f"the header has {width:,} columns, more than {MAX_TABLE_COLUMNS}" in raised.value.message
    else:
        assert raised.value.message.startswith(f"unknown column 'column{bad}-0'")
        assert raised.value.location.column == len(keys) + 1


def test_a_hundred_thousand_unknown_columns_are_one_error_at_the_header(tmp_path: Path) -> None:
    data = tmp_path / "data" / "organisations"
    data.mkdir(parents=True)
    (data / "wide.csv").write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("v" * 100_000) + "\n",
                                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--no-cache", "--no-quote-check", "--data", str(tmp_path / "data")])
    assert result.exit_code == 2, result.output
    assert "wide.csv:1: error: the header has 100,000 columns, more than 64" in result.output
    assert result.output.count("error:") == 1, result.output


def test_a_column_named_twice_is_refused_at_its_second_place(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("id,name,id\na,A,a\n", encoding="utf-8")
    with pytest.raises(DataError, match="column 'id' appears twice") as raised:
        check_records(table, ORGANISATIONS)
    assert (raised.value.location.line, raised.value.location.column) == (1, 3)  # type: ignore[union-attr]


# -- YAML values ---------------------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(limit=st.integers(8, 200), items=st.integers(0, 120))
def test_a_yaml_file_with_more_values_than_the_limit_is_refused_while_streaming(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int, items: int) -> None:
    """A list of ``- []``: 2 events an item, 6 around them; refused exactly when the count passes the limit."""
    monkeypatch.setattr(loader, "MAX_YAML_EVENTS", limit)
    path = tmp_path / f"dense-{limit}-{items}.yaml"
    path.write_text("- []\n" * items if items else "[]\n", encoding="utf-8")
    events = 2 * items + 6 if items else 5 + 1  # "[]": stream, document, list start and end
    try:
        check_records(path, ORGANISATIONS)
    except DataError as exc:
        assert f"more than {limit:,} YAML values" in exc.message, exc
        assert events > limit
        assert exc.location is not None and exc.location.line >= 1
    else:
        assert events <= limit


# -- IRIs ----------------------------------------------------------------------------------------------------------

#: Characters RFC 3987 forbids in an IRI: bidi controls, C0/C1 controls, space, non-characters, private use
#: outside a query, and ASCII an IRI must percent-encode.
FORBIDDEN = st.one_of(st.sampled_from(sorted(BIDI_CONTROLS)), st.sampled_from(list("\x01\x7f\x85 <>\"{}|\\^`")),
                      st.sampled_from(["\ufffe", "\uffff", "\U0001fffe", "\ue000", "\ufdd0", "\ufdef"]))
SAFE = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-._~/é中"), min_size=0, max_size=20)


@settings(max_examples=80, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(before=SAFE, bad=FORBIDDEN, after=SAFE, padding=st.integers(0, 6), key=st.sampled_from(["homepage", "ror",
                                                                                              "same_as"]))
def test_an_iri_with_a_forbidden_character_is_refused_at_its_line(tmp_path: Path, before: str, bad: str, after: str,
                                                                  padding: int, key: str) -> None:
    value = f"https://example.org/{before}{bad}{after}"
    assert iri_problem(f"https://example.org/{before}{after}") is None
    lines = ["id: x", "name: X", 'source: {d004: "X"}', "identifiers:", f"  {key}:"]
    for i in range(padding):
        lines += [f"    - value: https://example.org/fine-{i}", "      confidence: high", "      evidence: a page"]
    line = len(lines) + 1
    lines += [f"    - value: {json_string(value)}", "      confidence: high", "      evidence: a page"]
    path = tmp_path / f"x-{abs(hash((value, padding, key)))}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        _, problems = check_records(path, ORGANISATIONS)[0]
    except DataError as exc:  # YAML itself refuses some characters (controls, non-characters): at the same line
        assert exc.location is not None and exc.location.line == line, exc
        return
    refused = [p for p in problems if "is not an IRI" in p.message or "not an absolute http(s) IRI" in p.message]
    assert [p.location.line for p in refused if p.location] == [line], problems


def json_string(text: str) -> str:
    """A YAML double-quoted scalar holding ``text`` exactly (JSON's escapes are YAML's)."""
    import json

    return json.dumps(text, ensure_ascii=True)


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS))
def test_a_homepage_with_a_bidi_control_fails_validate_with_exit_2(tmp_path: Path, char: str) -> None:
    import shutil

    from opendata_graph.core import paths

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    gbif = data / "organisations" / "gbif.yaml"
    text = gbif.read_text(encoding="utf-8")
    assert "value: https://www.gbif.org" in text
    gbif.write_text(text.replace("value: https://www.gbif.org", f'value: "https://www.gbif.org/{json_string(char)[1:-1]}x"', 1),
                    encoding="utf-8")
    line = next(i for i, x in enumerate(gbif.read_text(encoding="utf-8").splitlines(), 1) if "gbif.org/\\u" in x)
    result = CliRunner().invoke(cli, ["validate", "--no-cache", "--data", str(data)])
    assert result.exit_code == 2, result.output
    assert f"gbif.yaml:{line}:" in result.output and f"bidirectional control U+{ord(char):04X}" in result.output


def test_the_release_s_homepage_is_an_iri_too(tmp_path: Path) -> None:
    release = tmp_path / "release.yaml"
    release.write_text('title: T\nhomepage: "https://example.org/\\u202Egro"\n', encoding="utf-8")
    _, errors = check_release(release)
    assert [(e.location.line if e.location else 0, "U+202E" in e.message) for e in errors] == [(2, True)]


def test_base_with_a_bidi_control_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--base", "https://example.org/\u202eg/", "--dist", str(tmp_path)])
    assert result.exit_code == 2 and "bidirectional control U+202E" in result.output, result.output
