"""One fixture per class of bad input a curator can produce: each gives its exact location and message.

Every case starts from a valid record and breaks it one way; the loader must answer with one located line per
problem (exit code 2 from the CLI), never a traceback, in bounded time and memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opendata_graph.core.errors import ErrorList
from opendata_graph.source.load import load

from .checks import make_data as make

GBIF = '''id: gbif
name: Global Biodiversity Information Facility
source: {d004: "Global Biodiversity Information Facility (GBIF)"}
'''
Case = tuple[str, dict[str, str | bytes], list[str]]

CASES: list[Case] = [
    ("yaml-syntax", {"organisations/gbif.yaml": GBIF + 'description: "unclosed\n'},
     ["organisations/gbif.yaml:5:1: error: YAML syntax: found unexpected end of stream "
      "(hint: check indentation and quoting)"]),
    ("tab", {"organisations/gbif.yaml": GBIF + "short_names:\n\t- GBIF\n"},
     ["organisations/gbif.yaml:5:1: error: YAML syntax: a tab character; YAML indents with spaces only "
      "(hint: replace the tab with spaces)"]),
    ("duplicate-key", {"organisations/gbif.yaml": GBIF + "name: GBIF\n"},
     ["organisations/gbif.yaml:4:1: error: duplicate key 'name' (first on line 2) (hint: keep one of them)"]),
    ("unknown-key", {"organisations/gbif.yaml": GBIF + "homepage: https://www.gbif.org\n"},
     ["organisations/gbif.yaml:4:1: error: unknown key 'homepage' (hint: put it under 'identifiers:', as "
      "homepage: [{value: ..., evidence: ..., confidence: ...}])"]),
    ("wrong-type", {"organisations/gbif.yaml": GBIF + "short_names: GBIF\n"},
     ["organisations/gbif.yaml:4:14: error: expected a list, got text (hint: start each item with '- ')"]),
    ("missing-required", {"organisations/gbif.yaml": GBIF.replace("name: Global Biodiversity Information Facility\n",
                                                                 "")},
     ["organisations/gbif.yaml:1:1: error: missing required key 'name'"]),
    ("duplicate-id", {"organisations/gbif.yaml": GBIF, "places/gbif.yaml": GBIF},
     ["places/gbif.yaml:1:5: error: id 'gbif' is already used by {data}/organisations/gbif.yaml:1:1 "
      "(hint: ids are unique across all kinds; choose another)"]),
    ("file-name-not-id", {"organisations/gbif-org.yaml": GBIF},
     ["organisations/gbif-org.yaml:1:5: error: id 'gbif' does not match the file name 'gbif-org.yaml' "
      "(hint: rename the file to gbif.yaml or fix the id)"]),
    ("unknown-reference", {"organisations/gbif.yaml": GBIF + "location:\n  - value: copenhagn\n"
                                                             "    source: {d004: \"Copenhagen\"}\n",
                           "places/copenhagen.yaml": 'id: copenhagen\nname: Copenhagen\nsource: {d004: "x"}\n'},
     ["organisations/gbif.yaml:5:12: error: no entity with id 'copenhagn' (hint: did you mean 'copenhagen'?)"]),
    ("malformed-iri", {"organisations/gbif.yaml": GBIF + "identifiers:\n  homepage:\n    - value: www.gbif.org\n"
                                                         "      evidence: \"x\"\n      confidence: high\n"},
     ["organisations/gbif.yaml:6:14: error: 'www.gbif.org' is not an absolute http(s) IRI "
      "(hint: write it as https://...)"]),
    ("malformed-email", {"organisations/gbif.yaml": GBIF + "identifiers:\n  email:\n    - value: info(at)gbif.org\n"
                                                           "      evidence: \"x\"\n      confidence: high\n"},
     ["organisations/gbif.yaml:6:14: error: 'info(at)gbif.org' is not a valid e-mail address "
      "(hint: write name@example.org)"]),
    ("malformed-date", {"documents/d000.yaml": 'id: d000\nlabel: TDP post\nlocal_copy: x.txt\nissued:\n'
                                               '  - value: 2021-02-30\n    source: {d000: "Jan 19, 2021"}\n'},
     ["documents/d000.yaml:5:12: error: '2021-02-30' is not a real date (day is out of range for month)"]),
    ("malformed-date-format", {"documents/d000.yaml": 'id: d000\nlabel: TDP post\nlocal_copy: x.txt\nissued:\n'
                                                      '  - value: 19/01/2021\n    source: {d000: "Jan 19, 2021"}\n'},
     ["documents/d000.yaml:5:12: error: '19/01/2021' is not a date (hint: write YYYY, YYYY-MM or YYYY-MM-DD)"]),
    ("malformed-number", {"organisations/gbif.yaml": GBIF + "figures:\n  - id: members\n    value: 2,000\n"
                                                            "    stated_as: 2,000 members\n    unit: members\n"
                                                            "    source: {d004: \"x\"}\n"},
     ["organisations/gbif.yaml:6:12: error: expected a number, got text "
      "(hint: write digits without quotes or commas)"]),
    ("not-utf8", {"organisations/gbif.yaml": GBIF.encode() + b"short_names: [caf\xe9]\n"},
     ["organisations/gbif.yaml:4: error: file is not UTF-8 (byte 0xe9) (hint: save the file as UTF-8)"]),
    ("empty", {"organisations/gbif.yaml": ""},
     ["organisations/gbif.yaml:1: error: file is empty (hint: start with 'id: <file name>')"]),
    ("alias-bomb", {"organisations/gbif.yaml": GBIF + "notes:\n  - &a {text: lol, source: {d004: x}}\n"
                                                      + "".join("  - *a\n" for _ in range(9))},
     ["organisations/gbif.yaml:5:5: error: YAML anchors and aliases (&name, *name) are not allowed "
      "(hint: write the value out in full)"]),
    ("deep-nesting", {"organisations/gbif.yaml": GBIF + "notes: " + "[" * 5000 + "]" * 5000 + "\n"},
     ["organisations/gbif.yaml:4:27: error: nested more than 20 levels deep (hint: flatten the structure)"]),
    ("several-errors", {"organisations/gbif.yaml": GBIF + "bogus: 1\n", "places/x.yaml": "id: x\nname: 3\n"},
     ["organisations/gbif.yaml:4:1: error: unknown key 'bogus'",
      "places/x.yaml:1:1: error: a fact needs exactly one of 'source' (a quote) or 'evidence' (+ 'confidence') "
      "(hint: quote the document: source: {d004: \"...\"})",
      "places/x.yaml:2:7: error: expected text, got a number (hint: quote the value)"]),
    # a dataset record's IRI would be the release's own contact point (merged into it, and conforming)
    ("dataset-id-taken", {"datasets/contact.yaml": 'id: contact\nname: Occurrences\nsource: {d004: "occurrence"}\n',
                          "datasets/rows.yaml": '- id: publisher\n  name: Rows\n  source: {d004: "rows"}\n'},
     ["datasets/contact.yaml:1:5: error: the id 'contact' is taken: <base>dataset/contact is the release's own "
      "contact (hint: choose another id (not one of contact, publisher, class, distribution))",
      "datasets/rows.yaml:1:7: error: the id 'publisher' is taken: <base>dataset/publisher is the release's own "
      "publisher (hint: choose another id (not one of contact, publisher, class, distribution))"]),
]


def messages(data: Path) -> list[str]:
    with pytest.raises(ErrorList) as exc:
        load(data)
    return [str(e).replace(f"{data}/", "") for e in exc.value.errors]


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_located(tmp_path: Path, name: str, files: dict[str, str | bytes], expected: list[str]) -> None:
    data = make(tmp_path, files)
    assert messages(data) == [e.replace("{data}/", str(data) + "/") .replace(f"{data}/", "") for e in expected]


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    data = make(tmp_path, {})
    huge = data / "organisations" / "gbif.yaml"
    huge.parent.mkdir()
    with open(huge, "wb") as f:  # 50 MB, sparse: only the size is checked before anything is read
        f.truncate(50 * 1024 * 1024)
    assert messages(data) == ["organisations/gbif.yaml: error: file is 52,428,800 bytes; a record should be far "
                              "smaller than 1,000,000 (hint: split it into one file per entity)"]


NOT_REGULAR = ("error: not a regular file (a symbolic link, a directory, a FIFO...) (hint: data/ holds its "
               "records as plain files: copy the file here instead of linking it)")


@pytest.mark.parametrize("make_it", ["link-outside", "link-inside", "broken-link", "link-loop", "fifo", "directory"])
def test_links_and_special_files_are_refused(tmp_path: Path, make_it: str) -> None:
    data = make(tmp_path, {"places/capital.yaml": "id: capital\nname: Capital\nsource: {d004: 'x'}\n"})
    outside = tmp_path / "secret.yaml"
    outside.write_text(GBIF)
    (data / "organisations").mkdir()
    target = data / "organisations" / "gbif.yaml"
    if make_it == "link-outside":
        os.symlink(outside, target)
    elif make_it == "link-inside":
        os.symlink(data / "places" / "capital.yaml", target)
    elif make_it == "broken-link":
        os.symlink(tmp_path / "nowhere.yaml", target)
    elif make_it == "link-loop":
        os.symlink(target, target)
    elif make_it == "fifo":
        os.mkfifo(target)  # reading it would block forever
    else:
        target.mkdir()
    assert messages(data) == [f"organisations/gbif.yaml: {NOT_REGULAR}"]


def test_a_symlinked_kind_directory_is_refused(tmp_path: Path) -> None:
    data = make(tmp_path, {})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "gbif.yaml").write_text(GBIF)
    os.symlink(elsewhere, data / "organisations")
    assert messages(data) == ["organisations: error: a symbolic link: data/ holds its records itself (hint: replace "
                              "the link with the directory it points to)"]


def test_cli_reports_bad_input_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = make(tmp_path, {"organisations/gbif.yaml": GBIF + "name: GBIF\n", "places/x.yaml": ""})
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "validate", "--data", str(data)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert [line.replace(f"{data}/", "") for line in result.stdout.splitlines()] == [
        "organisations/gbif.yaml:4:1: error: duplicate key 'name' (first on line 2) (hint: keep one of them)",
        "places/x.yaml:1: error: file is empty (hint: start with 'id: <file name>')",
        "2 error(s), 0 warning(s)",
    ]


def test_control_character_is_located(tmp_path: Path) -> None:
    data = make(tmp_path, {})
    (data / "places").mkdir()
    (data / "places" / "x.yaml").write_text('id: x\nname: "a\x01b"\n', encoding="utf-8")
    assert messages(data) == ["places/x.yaml:2:9: error: YAML does not allow the character #x0001 (control "
                              "characters are not allowed) (hint: remove it, or write it escaped in a double-quoted "
                              "string)"]


def test_a_syntax_error_in_one_file_does_not_cascade_into_the_files_that_refer_to_it(tmp_path: Path) -> None:
    """A file that does not parse is one error: the records that refer to its id are not reported as pointing at
    an unknown id (with a "did you mean" for a neighbour) as well."""
    import shutil

    from opendata_graph.core import paths
    from opendata_graph.core.errors import OdgError

    data = Path(shutil.copytree(paths.data_dir(), tmp_path / "data"))
    gbif = data / "organisations" / "gbif.yaml"
    text = gbif.read_text(encoding="utf-8")
    first = text.index('"')
    gbif.write_text(text[: text.index('"', first + 1)] + text[text.index('"', first + 1) + 1:], encoding="utf-8")
    referring = [p for p in data.rglob("*.yaml") if p != gbif and "gbif" in p.read_text(encoding="utf-8")]
    assert len(referring) >= 3
    with pytest.raises(OdgError) as caught:
        load(data)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1 and "organisations/gbif.yaml" in lines[0] and "YAML syntax" in lines[0], lines
