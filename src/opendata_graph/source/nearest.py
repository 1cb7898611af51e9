"""The passage of a document closest to a quote that is not in it, and what differs: for a curator's message.

A quote copied from a browser differs from the document's text in ways a person cannot see: a curly apostrophe for
a straight one, a non-breaking space, a line break where the page wrapped, a dash of another length. The quote
check says "quote not found"; this module says where the closest passage is and what to change.

Two passes, both bounded. First the quote and the document are compared under a normal form that folds exactly
those invisible differences (typographic quotes, dashes, every run of white space); a match there names each
difference by kind. Otherwise the longest block the two share anchors a window of the quote's length, which is
offered when it is close enough (difflib's ratio >= 0.6). Quotes longer than :data:`MAX_QUOTE` characters and
documents longer than :data:`MAX_TEXT` are not searched fuzzily (the first pass still runs): a message must not
cost more than the check.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_QUOTE = 2_000
MAX_TEXT = 2_000_000

#: Characters a browser or a word processor substitutes, folded to what they stand for, and the kind named.
_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc", ("'", "apostrophes or single quotes")),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", ('"', "double quotes")),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", ("-", "dashes")),
    **dict.fromkeys("\u00a0\u2007\u202f", (" ", "non-breaking spaces")),
    "\u2026": ("...", "an ellipsis"),
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Passage:
    """The document's closest passage: its text, its 1-based line, and the kinds of difference from the quote."""

    text: str
    line: int
    differences: tuple[str, ...]

    def describe(self) -> str:
        shown = self.text if len(self.text) <= 120 else self.text[:117] + "..."
        differs = f" (differs in {', '.join(self.differences)})" if self.differences else ""
        return f"closest passage at line {self.line}: {shown!r}{differs}"


def _normal(text: str) -> tuple[str, list[int]]:
    """``text`` folded (see :data:`_FOLD`, white space runs as one space) and, for each character of the result,
    the index in ``text`` it came from."""
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace() and char not in _FOLD:
            j = i
            while j < len(text) and text[j].isspace() and text[j] not in _FOLD:
                j += 1
            out.append(" ")
            where.append(i)
            i = j
            continue
        folded = _FOLD.get(char, (char, ""))[0]
        out.extend(folded)
        where.extend([i] * len(folded))
        i += 1
    return "".join(out), where


def _kinds(quote: str, passage: str) -> tuple[str, ...]:
    """The kinds of difference between a quote and a passage that are equal under the normal form: for each kind
    of folded character, whether the two hold different ones (a curly apostrophe in both is no difference); for
    white space, whether its runs differ (a line break where the other has a space is named as such)."""
    kinds = {kind for _, kind in _FOLD.values()
             if [c for c in quote if _FOLD.get(c, ("", ""))[1] == kind]
             != [c for c in passage if _FOLD.get(c, ("", ""))[1] == kind]}
    spaces = [re.findall(r"[^\S\u00a0\u2007\u202f]+", t) for t in (quote.strip(), passage)]
    if spaces[0] != spaces[1]:
        breaks = [run.count("\n") for run in spaces[0]] != [run.count("\n") for run in spaces[1]]
        kinds.add("line breaks" if breaks else "white space")
    return tuple(sorted(kinds))


def closest(quote: str, text: str) -> Passage | None:
    """The passage of ``text`` closest to ``quote`` (which is not in it), or None when nothing is close."""
    if not quote.strip():
        return None
    norm_text, where = _normal(text)
    norm_quote = _normal(quote)[0].strip()
    at = norm_text.find(norm_quote) if norm_quote else -1
    if at >= 0:
        start, end = where[at], where[at + len(norm_quote) - 1] + 1
        passage = text[start:end]
        return Passage(passage, text.count("\n", 0, start) + 1, _kinds(quote, passage))
    if len(quote) > MAX_QUOTE or len(text) > MAX_TEXT:
        return None
    matcher = difflib.SequenceMatcher(None, norm_text, norm_quote, autojunk=False)
    block = matcher.find_longest_match(0, len(norm_text), 0, len(norm_quote))
    if block.size < min(8, len(norm_quote)):
        return None
    lo = max(block.a - block.b, 0)
    hi = min(lo + len(norm_quote), len(norm_text))
    candidate = norm_text[lo:hi]
    if difflib.SequenceMatcher(None, candidate, norm_quote, autojunk=False).ratio() < 0.6:
        return None
    start, end = where[lo], where[hi - 1] + 1
    passage = text[start:end]
    return Passage(passage, text.count("\n", 0, start) + 1, ("words", *_kinds(quote, passage)))
