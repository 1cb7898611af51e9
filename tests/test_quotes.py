"""Every quote in data/ is an exact substring of its source document: the test the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendata_graph import paths
from opendata_graph.load import load, located_sources, walk

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
    from opendata_graph.validate import check_quotes

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
