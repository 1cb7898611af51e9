"""Every sentence of both source documents is carried by facts or marked with why not (issue 27): the coverage
file data/coverage.yaml is kept in sync with the documents and the data (see tests/coverage.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from opendata_graph.core import paths
from opendata_graph.source.load import Dataset

from .coverage import computed, coverage_file, problems, sentences

RUN = "run: .venv/bin/python -m tests.coverage, then give each TODO its reason"


def written() -> dict[str, Any]:
    loaded = yaml.safe_load(coverage_file().read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_every_sentence_is_carried_or_says_why_not(dataset: Dataset, seeds: Path) -> None:
    expected = computed(dataset, seeds)
    assert sum(len(rows) for rows in expected.values()) > 140  # both documents, sentence by sentence
    found = problems(written(), expected)
    assert found == [], RUN + "\n" + "\n".join(found)
    whole = sum(r["whole"] for rows in expected.values() for r in rows)
    assert whole / sum(len(rows) for rows in expected.values()) > 0.8


def test_a_new_changed_or_uncarried_sentence_fails(dataset: Dataset, seeds: Path) -> None:
    """The check itself: a sentence the document gains, a sentence edited, a file list out of date, a reason
    missing where nothing carries a sentence, and a reason given where the facts carry it whole."""
    expected = computed(dataset, seeds)
    good = written()
    assert problems(good, expected) == []
    changed = copy.deepcopy(expected)
    changed["d004"].insert(3, {"sentence": "A sentence the document gains.", "carried_by": [], "whole": False})
    assert any("differ from the document" in p for p in problems(good, changed))
    edited = copy.deepcopy(good)
    edited["d000"][2]["sentence"] += " (edited)"
    assert any("differ from the document" in p for p in problems(edited, expected))
    stale = copy.deepcopy(good)
    stale["d000"][2]["carried_by"] = stale["d000"][2]["carried_by"][1:]
    assert any("the data says" in p for p in problems(stale, expected))
    unexplained = copy.deepcopy(good)
    i = next(i for i, e in enumerate(unexplained["d004"]) if "not_modelled" in e)
    del unexplained["d004"][i]["not_modelled"]
    assert any("give not_modelled" in p for p in problems(unexplained, expected))
    todo = copy.deepcopy(good)
    todo["d004"][i]["not_modelled"] = "TODO"
    assert any("give not_modelled" in p for p in problems(todo, expected))
    overclaimed = copy.deepcopy(good)
    j = next(j for j, e in enumerate(overclaimed["d004"]) if e.get("carried_by") and len(e) == 2)
    overclaimed["d004"][j]["left_out"] = "nothing, really"
    assert any("wholly carried, yet marked" in p for p in problems(overclaimed, expected))
    uncarried = copy.deepcopy(expected)
    uncarried["d004"][j] = {**uncarried["d004"][j], "carried_by": [], "whole": False}
    assert any("give not_modelled" in p for p in problems(good, uncarried))


def test_the_documents_are_read_through_paths() -> None:
    assert coverage_file() == paths.data_dir() / "coverage.yaml"
    assert set(written()) == {"d000", "d004"}


@given(st.lists(st.text(alphabet="Ab .?!\n•:‘", min_size=0, max_size=12), max_size=8))
def test_sentences_are_where_they_say_in_order(parts: list[str]) -> None:
    """Each sentence stands at its position, in document order, without overlap, stripped, and no word of the
    text is lost outside the sentences (bullets and spaces only)."""
    text = "".join(parts)
    found = sentences(text)
    end = 0
    kept = set()
    for s in found:
        assert text[s.start:s.end] == s.text and s.text == s.text.strip() and s.text
        assert s.start >= end
        end = s.end
        kept.update(range(s.start, s.end))
    assert all(text[i] in " \n•" for i in range(len(text)) if i not in kept)
