"""Every quote in data/ is an exact substring of its source document: the test the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from opendata_graph.core import paths
from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.source.load import load, located_sources, sources, walk

DATASET = load(paths.data_dir())
QUOTES = sorted(
    {(record.loc(*quote_key).path, record.loc(*quote_key).line, doc, quote)
     for record in DATASET.records.values()
     for key, _, value in walk(record.kind.spec, record.data, ())
     if key and key[-1] == "source"
     for quote_key, doc, quote in located_sources(value, key)}
)


def test_there_are_quotes() -> None:
    assert len(QUOTES) > 300


@pytest.mark.parametrize(("where", "line", "doc", "quote"), QUOTES, ids=[f"{q[0]}:{q[1]}" for q in QUOTES])
def test_quote_is_in_its_document(seeds: Path, where: str, line: int, doc: str, quote: str) -> None:
    local = DATASET.records[doc].data["local_copy"]
    text = (seeds / local).read_text(encoding="utf-8")
    assert quote in text, f"{where}:{line}: quote not found verbatim in {local}: {quote!r}"


def test_quote_check_reports_a_wrong_quote(seeds: Path, tmp_path: Path) -> None:
    from opendata_graph.stages.validate import check_quotes

    record = DATASET.records["world-bank"]
    record.data["source"] = [{"d004": "Spun out of the World Bank in 2016"}]
    try:
        results = check_quotes(DATASET, seeds)
    finally:
        record.data["source"] = [{"d004": "Spun out of the World Bank in 2015"}]
    assert len(results) == 1
    assert results[0].location.path.endswith("data/organisations/world-bank.yaml")
    assert results[0].location.line == 4
    assert results[0].message.startswith("quote not found in d004")


# -- figures say what their quotes say ---------------------------------------------------------------------------

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
                10: "ten", 11: "eleven", 12: "twelve", 20: "twenty", 100: "hundred"}
#: Currencies written as codes for machines, and the signs that state them in a text.
CURRENCY_SIGNS = {"GBP": "£"}
STOP = {"a", "an", "the", "of", "in", "to", "per", "for", "with", "by", "and", "or", "on", "at", "from", "which",
        "will"}
FIGURES = sorted(((r.id, i, fig) for r in DATASET.records.values() for i, fig in enumerate(r.data.get("figures", []))),
                 key=lambda t: (t[0], t[1]))


def number_forms(value: float) -> set[str]:
    """The ways a text may write ``value``: 2000 -> 2000, 2,000; 2000000000 -> 2 billion; 7 -> seven."""
    forms = {str(value), f"{value:,}"}
    if value in NUMBER_WORDS:
        forms.add(NUMBER_WORDS[int(value)])
    for scale, word in ((10**9, "billion"), (10**6, "million"), (10**3, "thousand")):
        if value >= scale and (value * 10) % scale == 0:
            forms.add(f"{value / scale:g} {word}")
    return forms


def quotes_of(fig: dict) -> list[str]:  # type: ignore[type-arg]
    return [q for _, _, q in located_sources(fig["source"], ())]


def stem(word: str) -> str:
    """A crude English stem, enough to match "citing" with "cited" and "years" with "year"."""
    word = word.lower().strip(".,;:!?'’\"()")
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            word = word[: -len(suffix)]
            break
    return word[:6]


@pytest.mark.parametrize(("record", "i", "fig"), FIGURES, ids=[f"{r}:{f['id']}" for r, _, f in FIGURES])
def test_a_figure_says_what_its_quote_says(record: str, i: int, fig: dict) -> None:  # type: ignore[type-arg]
    """Its words are in the quote; its number's words are in its words; its qualifier's words (the ontology's
    hiddenLabel) are in its words; what it counts (its unit) is named by the quote."""
    from opendata_graph.source.schema import UNIT_CODES, concepts

    quotes = " ".join(quotes_of(fig))
    stated = fig["stated_as"]
    assert stated.lower() in quotes.lower(), f"{record}: stated_as {stated!r} is not in its quotes"
    if "value" in fig:
        assert any(form in stated.lower() for form in number_forms(fig["value"])), (record, fig["value"], stated)
    if "qualifier" in fig:
        assert fig["qualifier"] in concepts("https://w3id.org/opendata-graph/ontology/qualifier")
        assert QUALIFIER_WORDS[fig["qualifier"]] in stated.lower(), (record, fig["qualifier"], stated)
    words = [w for w in fig["unit"].replace("-", " ").split() if w.lower() not in STOP]
    missing = [w for w in words if stem(CURRENCY_SIGNS.get(w, w)) not in {stem(x) for x in quotes.replace("-", " ").split()}
               and CURRENCY_SIGNS.get(w, w) not in quotes]
    assert not missing, f"{record}: the unit {fig['unit']!r} names {missing} that its quotes do not"
    stated_words = {stem(x) for x in stated.replace("-", " ").split()}
    for key in ("unit_code", "per"):  # a coded unit of time is named by the words: "three-year", "per year"
        if key in fig:
            assert stem(UNIT_CODES[fig[key]][0]) in stated_words, (record, key, fig[key], stated)
    if "per" in fig:
        assert f"per {UNIT_CODES[fig['per']][0]}" in stated.lower(), (record, fig["per"], stated)
    if "currency" in fig:  # the price's currency is the sign or code the words use
        assert CURRENCY_SIGNS.get(fig["currency"], fig["currency"]) in stated, (record, fig["currency"], stated)


def _qualifier_words() -> dict[str, str]:
    from pyoxigraph import Literal, RdfFormat, parse

    from opendata_graph.core.namespaces import QUALIFIER, SKOS
    from opendata_graph.stages.validate import load_turtle_dir

    return {t.subject.value.removeprefix(str(QUALIFIER)): t.object.value
            for t in parse(load_turtle_dir(paths.ontology_dir()), format=RdfFormat.TURTLE)
            if t.predicate.value == SKOS.hiddenLabel and t.subject.value.startswith(str(QUALIFIER))
            and isinstance(t.object, Literal)}


QUALIFIER_WORDS = _qualifier_words()


def test_every_qualifier_has_its_words() -> None:
    from opendata_graph.source.schema import concepts

    assert set(QUALIFIER_WORDS) == set(concepts("https://w3id.org/opendata-graph/ontology/qualifier"))


def test_the_shapes_hold_a_qualifier_to_the_words(tmp_path: Path) -> None:
    """A qualifier the words do not carry, or words that carry one without it, are violations at the figure."""
    from click.testing import CliRunner

    from opendata_graph.cli import cli

    from .checks import copy_of

    data = copy_of(paths.data_dir(), tmp_path)
    osmf = data / "organisations" / "openstreetmap-foundation.yaml"
    text = osmf.read_text(encoding="utf-8")
    assert "    qualifier: approximately\n" in text
    args = ["validate", "--data", str(data), "--no-quote-check", "--no-cache"]
    osmf.write_text(text.replace("    qualifier: approximately\n", ""), encoding="utf-8")
    missing = CliRunner().invoke(cli, args)
    assert missing.exit_code == 1 and "give the figure its 'qualifier'" in missing.output, missing.output
    osmf.write_text(text.replace("    qualifier: approximately\n", "    qualifier: nearly\n"), encoding="utf-8")
    wrong = CliRunner().invoke(cli, args)
    assert wrong.exit_code == 1 and "The figure's qualifier is not in the words" in wrong.output, wrong.output
    osmf.write_text(text, encoding="utf-8")
    assert CliRunner().invoke(cli, args).exit_code == 0


def test_each_excerpt_s_position_is_where_its_local_copy_has_the_quote(seeds: Path, dist: Path) -> None:
    """An excerpt's oa:TextPositionSelector gives the characters of its local copy that are its quote; a quote the
    copy has twice gets none (where it is would be a guess)."""
    from pyoxigraph import Store

    from opendata_graph.core.namespaces import OA

    store = Store()
    store.bulk_load(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)
    rows = list(store.query(f"""SELECT ?x ?doc ?exact ?start ?end WHERE {{
        ?x <{OA.hasSource}> ?doc ; <{OA.hasSelector}> ?q . ?q <{OA.exact}> ?exact .
        OPTIONAL {{ ?x <{OA.hasSelector}> ?p . ?p <{OA.start}> ?start ; <{OA.end}> ?end }} }}"""))  # type: ignore[union-attr]
    texts = {f"{DEFAULT_BASE}document/{d.id}": (seeds / d.data["local_copy"]).read_text(encoding="utf-8")
             for d in DATASET.of_kind("document")}
    positioned = 0
    for r in rows:
        text, quote = texts[r["doc"].value], r["exact"].value
        if r["start"] is None:
            assert text.count(quote) > 1, quote
            continue
        start, end = int(r["start"].value), int(r["end"].value)
        assert text[start:end] == quote and text.count(quote) == 1
        positioned += 1
    assert positioned > 150 and len(rows) > positioned  # 188 of 194 here


def test_an_entity_s_notes_are_in_document_order(dist: Path, tmp_path: Path) -> None:
    """On GBIF's page its notes come in the order its sources state them, not alphabetically."""
    import html
    import re

    from opendata_graph.web.site import export

    export(dist, tmp_path / "site", DEFAULT_BASE, None)
    page = (tmp_path / "site" / "organisation" / "gbif.html").read_text(encoding="utf-8")
    row = re.search(r'title="skos:note">[^<]*</span></th><td>(.*?)</td></tr>', page)
    assert row is not None
    shown = [html.unescape(n) for n in re.findall(r"<li[^>]*>([^<]*)<details", row.group(1))]
    copy = (paths.seeds_dir() / DATASET.records["d004"].data["local_copy"]).read_text(encoding="utf-8")
    quote_of = {" ".join(n["text"].split()): next(q for _, q in sources(n["source"]))
                for n in DATASET.records["gbif"].data["notes"]}
    where = [copy.find(quote_of[n]) for n in shown]
    assert len(shown) == len(quote_of) >= 5 and -1 not in where
    assert where == sorted(where) and shown != sorted(shown)  # the document's order, which is not the alphabet's
    quotes = [html.unescape(q) for q in re.findall(r"<blockquote>([^<]*)</blockquote>", row.group(1))]
    assert quotes == [quote_of[n] for n in shown]  # each with its quote (the excerpt has a position beside it)
    listed = [html.unescape(q) for q in re.findall(r'<ul class="excerpts">.*?</ul>', (tmp_path / "site" / "document"
              / "d004.html").read_text(encoding="utf-8"), re.S)[0].split("<blockquote>")[1:]]
    starts = [copy.find(q.split("</blockquote>", 1)[0]) for q in listed]
    unique = [x for x, q in zip(starts, listed, strict=True) if copy.count(q.split("</blockquote>", 1)[0]) == 1]
    assert len(unique) > 50 and unique == sorted(unique) == starts[:len(unique)]  # the document's excerpts in order
    for path in (tmp_path / "site").rglob("*.html"):  # every source shown is a quote or an evidence entry
        for shown_source in re.findall(r"<details><summary>[^<]*</summary>(?:<span[^>]*></span>)*(<[a-z]+)",
                                       path.read_text(encoding="utf-8")):
            assert shown_source in ("<blockquote", "<p"), path


def test_a_large_copy_s_index_finds_what_two_searches_find() -> None:
    """LocalCopy's index of 8-character substrings (a copy of 100,000 characters or more) answers as two plain
    searches would: the start of a quote found once, nothing for a quote found twice (overlaps included) or not."""
    import random

    from opendata_graph.stages.convert import LocalCopy

    rng = random.Random(7)
    words = ["data", "open", "the", "network", "a", "aaaa", "steward", "map", "GBIF", "of"]
    text = " ".join(rng.choice(words) for _ in range(40_000)) + " aaaaaaaaaaaa unique-words-here."
    assert len(text) >= LocalCopy.INDEX_FROM
    copy = LocalCopy(text)
    quotes = [text[i:i + n] for i, n in ((rng.randrange(len(text) - 40), rng.randrange(1, 40)) for _ in range(400))]
    quotes += ["aaaaaaaaa", "unique-words-here", "not in the copy at all", "", text[-12:], text[:9]]

    def two_searches(q: str) -> int | None:
        start = text.find(q) if q else -1
        return start if start >= 0 and text.find(q, start + 1) < 0 else None

    assert [copy.where(q) for q in quotes] == [two_searches(q) for q in quotes]
    assert copy.where("unique-words-here") == text.index("unique-words-here") and copy.where("aaaaaaaaa") is None
