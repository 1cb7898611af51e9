"""A quote that is not in its document gets the closest passage and what differs (tests of src/.../nearest.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from opendata_graph.core import paths
from opendata_graph.source.load import load
from opendata_graph.source.nearest import closest
from opendata_graph.stages.validate import check_quotes

SEEDS = paths.seeds_dir()
TEXTS = sorted(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
#: what a browser or word processor puts in place of the document's characters, and the kind the message names
SWAPS = [("\u2019", "'", "apostrophes or single quotes"), ("'", "\u2019", "apostrophes or single quotes"),
         ("\u2013", "-", "dashes"), ("\n\n", " ", "line breaks")]


def _places(text: str, old: str) -> list[int]:
    """Where ``old`` stands in ``text``, away from the ends."""
    return [i for i in range(1, len(text) - len(old)) if text.startswith(old, i)]


CASES = [(text, old, new, kind, places) for text in TEXTS for old, new, kind in SWAPS
         for places in [_places(text, old)] if places]


@st.composite
def excerpt_with_a_swap(draw: st.DrawFn) -> tuple[str, int, str, str, str, str]:
    """A passage of a document around one swappable character: the text, the passage's start, the passage, the
    character, its replacement and the kind the message names."""
    text, old, new, kind, places = draw(st.sampled_from(CASES))
    at = draw(st.sampled_from(places))
    start, end = max(at - draw(st.integers(5, 60)), 0), min(at + draw(st.integers(5, 60)), len(text))
    while start < at and text[start].isspace():
        start += 1
    while end > at + 1 and text[end - 1].isspace():
        end -= 1
    passage = text[start:end]
    assume(passage.find(old) != -1 and passage == passage.strip())  # a quote begins and ends with a word
    return text, start, passage, old, new, kind


def test_every_kind_of_swap_is_exercised() -> None:
    assert {kind for _, _, _, kind, _ in CASES} == {kind for _, _, kind in SWAPS}


@settings(max_examples=80, deadline=None)
@given(excerpt_with_a_swap())
def test_an_invisible_difference_finds_the_passage_and_names_it(case: tuple[str, int, str, str, str, str]) -> None:
    text, start, passage, old, new, kind = case
    quote = passage.replace(old, new)
    if quote in text:  # the swapped text happens to be in the document too: nothing to find
        return
    found = closest(quote, text)
    assert found is not None
    assert found.text == passage and found.line == text.count("\n", 0, start) + 1
    assert kind in found.differences, found


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(TEXTS), st.integers(0, 10_000), st.integers(40, 120), st.integers(0, 39))
def test_a_mistyped_word_still_points_at_the_passage(text: str, start: int, length: int, typo: int) -> None:
    start %= max(len(text) - length, 1)
    passage = text[start:start + length].strip()
    quote = passage[:typo] + "#" + passage[typo + 1:]
    if quote in text or not passage or len(passage.split()) < 5:
        return
    import difflib

    found = closest(quote, text)
    assert found is not None and "words" in found.differences
    assert found.text.strip() and found.text in text

    def near(candidate: str) -> float:
        return difflib.SequenceMatcher(None, candidate, quote, autojunk=False).ratio()
    # the passage itself, or one at least as close (a document repeats phrases: "organisations who steward open data")
    assert abs(text.index(found.text) - text.index(passage)) <= 3 or near(found.text) >= near(passage) - 0.05, \
        (found.text, passage)


def test_nothing_close_is_no_passage() -> None:
    assert closest("zebra quantum xylophone ragout", TEXTS[0]) is None
    assert closest("   ", TEXTS[0]) is None


def test_the_quote_check_message_shows_the_passage_and_the_curly_apostrophe() -> None:
    dataset = load(paths.data_dir())
    record = next(r for r in dataset.records.values() for s in r.data.get("source", []) or []
                  if isinstance(s, dict) and any("\u2019" in str(q) for q in s.values()))
    original = record.data["source"]
    entry = next(s for s in original if isinstance(s, dict) and any("\u2019" in str(q) for q in s.values()))
    doc, quote = next((d, q) for d, q in entry.items() if "\u2019" in str(q))
    record.data["source"] = [{doc: quote.replace("\u2019", "'")}]
    try:
        results = check_quotes(dataset, SEEDS)
    finally:
        record.data["source"] = original
    assert len(results) == 1
    message = results[0].message
    assert message.startswith(f"quote not found in {doc}: copy it exactly from the document; closest passage at line ")
    assert message.endswith("(differs in apostrophes or single quotes)"), message


def test_sources_are_there() -> None:
    assert TEXTS and all(isinstance(t, str) for t in TEXTS), f"no source documents in {Path(SEEDS)}"


def test_an_spdx_id_given_for_a_licence_points_at_the_licence_record(tmp_path: Path) -> None:
    import shutil

    from opendata_graph.core.errors import OdgError

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    record = data / "datasets" / "wikipedia-content.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("value: cc-by-sa-4-0", "value: CC-BY-SA-4.0"),
                      encoding="utf-8")
    try:
        load(data)
    except OdgError as exc:
        message = str(exc)
    else:
        raise AssertionError("an SPDX id in place of a licence id was accepted")
    assert message.count("error:") == 1, message
    assert "'CC-BY-SA-4.0' is not an id (hint: did you mean 'cc-by-sa-4-0'?" in message
    assert (data / "licences" / "cc-by-sa-4-0.yaml").is_file()  # the suggestion is a real record
