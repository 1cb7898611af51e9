"""Coverage of the source documents (issue 27): every sentence of both documents is carried by the facts that
quote it, or marked in ``data/coverage.yaml`` with why it is not (or not wholly) modelled.

The file lists each document's sentences in order. For each, ``carried_by`` is the record files whose quotes
cover its words (computed: the quotes' positions in the document's local copy); a sentence whose words are not
all covered says why: ``not_modelled`` (nothing carries it) or ``left_out`` (what part is not carried). The
test fails on a new, changed or removed sentence, on a file list that no longer matches the data, and on a
sentence not accounted for; ``.venv/bin/python -m tests.coverage`` rewrites the file from the documents and the
data, keeping the reasons already written (a sentence that needs one and has none is written with ``TODO``,
which the test rejects).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opendata_graph.core import paths
from opendata_graph.source.load import Dataset, load, sources

#: A sentence ends at . ! or ? followed by space and what starts a sentence; lines are paragraphs.
SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'“(])")
WORD = re.compile(r"\w")
REASONS = ("not_modelled", "left_out")


def coverage_file() -> Path:
    return paths.data_dir() / "coverage.yaml"


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """The sentences of a document, in order: each line a paragraph (list bullets dropped), split after a full
    stop, question or exclamation mark that a sentence start follows; each with its position in ``text``."""
    out: list[Sentence] = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        para = line.strip().lstrip("•").strip()
        if not para:
            continue
        offset = text.index(para, start)
        for part in SPLIT.split(para):
            found = text.index(part, offset)
            offset = found + len(part)
            out.append(Sentence(found, offset, part))
    return out


def quote_spans(dataset: Dataset, doc: str, text: str) -> list[tuple[int, int, str]]:
    """Every place of ``text`` that a quote of ``doc`` in a fact of a record stands at, with the record's file."""
    spans = []

    def walk(value: Any, where: str) -> Iterator[str]:
        if isinstance(value, dict):
            for key, v in value.items():
                if key == "source":
                    yield from (q for d, q in sources(v) if d == doc)
                else:
                    yield from walk(v, where)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, where)

    for record in dataset.records.values():
        if record.kind.segment == "ambiguity":  # a recorded doubt about a sentence does not carry it
            continue
        where = record.path.relative_to(paths.data_dir()).as_posix()
        for quote in walk(record.data, where):
            i = text.find(quote)
            while i >= 0:
                spans.append((i, i + len(quote), where))
                i = text.find(quote, i + 1)
    return spans


def carried(sentence: Sentence, text: str, spans: list[tuple[int, int, str]]) -> tuple[list[str], float]:
    """The record files whose quotes cover part of ``sentence``, and the share of its word characters covered."""
    covered: set[int] = set()
    files = set()
    for start, end, where in spans:
        lo, hi = max(start, sentence.start), min(end, sentence.end)
        if hi > lo:
            covered.update(i for i in range(lo, hi) if WORD.match(text[i]))
            files.add(where)
    words = [i for i in range(sentence.start, sentence.end) if WORD.match(text[i])]
    return sorted(files), (len(covered) / len(words) if words else 1.0)


def computed(dataset: Dataset, seeds: Path) -> dict[str, list[dict[str, Any]]]:
    """Each document's sentences with the files that carry them and whether they are wholly carried."""
    out = {}
    for doc in sorted(dataset.of_kind("document"), key=lambda d: d.id):
        text = (seeds / doc.data["local_copy"]).read_text(encoding="utf-8")
        spans = quote_spans(dataset, doc.id, text)
        rows = []
        for s in sentences(text):
            files, share = carried(s, text, spans)
            rows.append({"sentence": s.text, "carried_by": files, "whole": share == 1.0})
        out[doc.id] = rows
    return out


def problems(written: Mapping[str, Any], expected: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """Where the coverage file and the documents or data disagree, or a sentence is not accounted for."""
    found = []
    if not isinstance(written, dict) or set(written) != set(expected):
        return [f"coverage.yaml must map each document id ({', '.join(sorted(expected))}) to its sentences"]
    for doc, rows in expected.items():
        have = written[doc] if isinstance(written[doc], list) else []
        texts = [r.get("sentence") if isinstance(r, dict) else None for r in have]
        if texts != [r["sentence"] for r in rows]:
            new = [r["sentence"] for r in rows if r["sentence"] not in texts]
            gone = [t for t in texts if t not in {r["sentence"] for r in rows}]
            found.append(f"{doc}: the sentences differ from the document (new or changed: {new[:3]}; no longer "
                         f"there: {gone[:3]})")
            continue
        for entry, row in zip(have, rows, strict=True):
            said = f"{doc}: {row['sentence'][:60]!r}"
            if sorted(entry.get("carried_by") or []) != row["carried_by"]:
                found.append(f"{said}: carried_by is {entry.get('carried_by')}, the data says {row['carried_by']}")
            reasons = [k for k in REASONS if k in entry]
            if set(entry) - {"sentence", "carried_by", *REASONS}:
                found.append(f"{said}: unknown keys {sorted(set(entry) - {'sentence', 'carried_by', *REASONS})}")
            if row["whole"]:
                if reasons:
                    found.append(f"{said}: wholly carried, yet marked {reasons[0]}")
                continue
            want = "left_out" if row["carried_by"] else "not_modelled"
            reason = entry.get(want)
            if reasons != [want] or not isinstance(reason, str) or not reason.strip() or "TODO" in reason:
                found.append(f"{said}: not {'wholly ' if row['carried_by'] else ''}carried: give {want}: why")
    return found


def write() -> None:
    """Rewrite data/coverage.yaml from the documents and the data, keeping the reasons already given."""
    path = coverage_file()
    old = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    kept = {(doc, e["sentence"]): e for doc, rows in (old or {}).items() for e in rows or [] if isinstance(e, dict)}
    lines = ["# Every sentence of the source documents, in order: the record files whose quotes carry it, or why it",
             "# is not (not_modelled) or not wholly (left_out) in the graph. Checked by tests/test_coverage.py;",
             "# rewrite with: .venv/bin/python -m tests.coverage (keeps the reasons)."]
    for doc, rows in computed(load(paths.data_dir()), paths.seeds_dir()).items():
        lines.append(f"{doc}:")
        for row in rows:
            lines.append(f"  - sentence: {_quoted(row['sentence'])}")
            if row["carried_by"]:
                lines.append(f"    carried_by: [{', '.join(row['carried_by'])}]")
            if not row["whole"]:
                want = "left_out" if row["carried_by"] else "not_modelled"
                reason = kept.get((doc, row["sentence"]), {}).get(want, "TODO")
                lines.append(f"    {want}: {_quoted(reason)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\u00a0", "\\u00a0") + '"'


if __name__ == "__main__":
    write()
    sys.exit(0)
