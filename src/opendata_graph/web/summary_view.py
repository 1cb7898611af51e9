"""The top of a resource page, as view models: the tombstone of a retired record, its history across releases,
the summary box that answers "who or what is this", and how to cite it (rendered by ``templates/resource.html``
with the macros of ``templates/macros.html``)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyoxigraph import NamedNode

from ..core.formats import EXPORTED
from ..core.namespaces import DCAT, DCTERMS, FOAF, ODG, ORG, OWL, RDF, RDFS, SCHEMA, SKOS
from .views import Cited, Context, Count, Details, Ids, Link, Phrase, Text, phrase_key


@dataclass(frozen=True)
class Value:
    """One value shown: its words and links, its element's id (``""``: none) and its sources."""

    phrase: Phrase
    id: str = ""
    details: Details | None = None


@dataclass(frozen=True)
class Group:
    """A heading and its values (a ``<dt>`` and its ``<dd>``)."""

    heading: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Summary:
    """The box a reader sees first."""

    kind: str
    descriptions: tuple[Value, ...]
    groups: tuple[Group, ...]
    iri: str
    forms: tuple[Link, ...]  #: the page's other representations
    name_sources: Details | None


@dataclass(frozen=True)
class Tombstone:
    """A retired record: merged into ``successor``, else withdrawn; since when, why."""

    successor: Link | None
    since: str
    reason: str


@dataclass(frozen=True)
class Event:
    """One release in a record's history: ``lead`` <version, a link to its changes> (date)``tail``."""

    lead: str
    version: str
    href: str
    date: str
    tail: str


@dataclass(frozen=True)
class Past:
    events: tuple[Event, ...]
    latest: str


@dataclass(frozen=True)
class Citation:
    text: str
    bibtex: str
    csl: str


def alternate(ctx: Context, iri: str, extension: str) -> str:
    """The address of a representation of the page ``iri`` (``.ttl``, ``.json``...)."""
    return (ctx.root + iri[len(ctx.base):] + extension) if iri.startswith(ctx.base) else iri


def tombstone(ctx: Context, iri: str) -> Tombstone | None:
    """What a retired record's page says first: withdrawn or merged, since when, why, where its data went."""
    r = ctx.retired(iri)
    if r is None:
        return None
    return Tombstone(ctx.link(NamedNode(r.successor)) if r.successor else None, r.since or "", r.reason or "")


def past(ctx: Context, iri: str) -> Past | None:
    """The record's history: "In the registry since 0.1.0 (2026-12-02). Changed in 0.2.0: value (figure
    members)." -- from the releases so far, each version a link to its changes."""
    events = ctx.history.of(iri, ctx.labels)
    if not events:
        return None
    dates = {v.version: v.date for v in ctx.history.versions}
    out = []
    for v, what, properties in events:
        lead, tail = ("In the registry since", ".") if what == "added" else \
            ("Changed in", f": {', '.join(properties)}.") if what == "changed" else (f"{what.capitalize()} in", ".")
        out.append(Event(lead, v, f"{ctx.page_href('changes')}#release-{v}", dates.get(v) or "", tail))
    return Past(tuple(out), ctx.history.versions[-1].version)


def summary(ctx: Context, s: NamedNode, page: str, props: Mapping[str, list[object]],
            sources: Mapping[tuple[str, str], list[Cited]], ids: Ids) -> Summary:
    """The box a reader sees first: what it is, its description, homepage, other names, identifiers,
    memberships with their roles and dates, the key facts; its IRI and other representations."""
    def values(p: str) -> list[object]:
        return sorted(props.get(p, []), key=ctx.label)

    def cited(p: str, o: object) -> Details | None:
        return ctx.details(sources.get((p, str(o)), []), ids)

    descriptions = tuple(Value((Text(ctx.label(d)),), "", cited(DCTERMS.description, d))
                         for d in values(DCTERMS.description))
    groups = []
    for p, what in ((FOAF.homepage, "Homepage"), (SKOS.altLabel, "Also called"), (OWL.sameAs, "Same as"),
                    (SCHEMA.identifier, "Identifiers")):
        shown = []
        for o in values(p):
            place = ctx.place_id(o, page, ids)
            shown.append(Value((identifier(ctx, o) if p == SCHEMA.identifier else ctx.link(o),), place, cited(p, o)))
        if shown:
            groups.append(Group(what, tuple(shown)))
    memberships = [Value(membership(ctx, m), ctx.place_id(m, page, ids)) for m in values(ORG.hasMembership)]
    if memberships:
        groups.append(Group("Member of", tuple(memberships)))
    groups += key_facts(ctx, s)
    forms = (*(Link(f.name, alternate(ctx, page, f.extension)) for f in EXPORTED),
             Link("JSON", alternate(ctx, page, ".json")))
    name_sources = sources.get((RDFS.label, str(next(iter(props.get(RDFS.label, [])), ""))), [])
    return Summary(ctx.kind(props.get(RDF.type, [])), descriptions, tuple(groups), s.value, forms,
                   ctx.details(name_sources, ids))


def key_facts(ctx: Context, s: NamedNode) -> list[Group]:
    """What answers "who or what is this" at a glance: a person's posts and their organisations; what an
    organisation publishes, under which licences and standards; a dataset's licences (with the ones its parts
    each carry one of) and publisher; a cohort's members with their roles. Each value links to the page that
    says it with its sources; the facts below repeat it with the quotes."""
    def rows(query: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in ctx.store.query(query)]  # type: ignore[union-attr]

    def pair(heading: str, phrases: Iterable[Phrase]) -> list[Group]:
        shown = sorted(set(phrases), key=phrase_key)
        return [Group(heading, tuple(Value(p) for p in shown))] if shown else []

    posts = rows(f"SELECT ?post ?org WHERE {{ {s} <{ORG.holds}> ?post . OPTIONAL {{ ?post <{ORG.postIn}> ?org }} }}")
    publishes = rows(f"SELECT ?d WHERE {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} }}")
    licences = rows(f"""SELECT ?how ?l WHERE {{
        VALUES ?how {{ <{DCTERMS.license}> <{ODG.licenceOption}> }}
        {{ {s} ?how ?l }} UNION {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} ; ?how ?l }} }}""")
    standards = rows(f"""SELECT ?std WHERE {{ {{ {s} <{DCTERMS.conformsTo}> ?std }} UNION
        {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> {s} ; <{DCTERMS.conformsTo}> ?std }} }}""")
    publishers = rows(f"SELECT ?p WHERE {{ {s} a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> ?p }}")
    hosts = rows(f"SELECT ?p WHERE {{ {s} a <{DCAT.Dataset}> ; <{ODG.hostedBy}> ?p }}")
    members = rows(f"""SELECT ?member ?role WHERE {{ ?m <{ORG.organization}> {s} ; <{ORG.member}> ?member .
        OPTIONAL {{ ?m <{ORG.role}> ?role }} }}""")
    roles: dict[Link, set[str]] = defaultdict(set)
    for member, role in members:
        roles[ctx.link(member)].update([ctx.label(role)] if role is not None else [])
    option = Count("(one of the options)")
    return [
        *pair("Posts", (((Text(f"{ctx.label(post)}, "), ctx.link(org)) if org is not None
                         else (Text(ctx.label(post)),)) for post, org in posts)),
        *pair("Members", (((m, Text(" "), Count(f"({', '.join(sorted(r))})")) if r else (m,))
                          for m, r in roles.items())),
        *pair("Publishes", ((ctx.link(d),) for (d,) in publishes)),
        *pair("Published by", ((ctx.link(p),) for (p,) in publishers)),
        *pair("Hosted by", ((ctx.link(p),) for (p,) in hosts)),  # where the source says only that
        *pair("Licences", (((ctx.link(lic), Text(" "), option) if how == NamedNode(ODG.licenceOption)
                            else (ctx.link(lic),)) for how, lic in licences)),
        *pair("Standards", ((ctx.link(std),) for (std,) in standards)),
    ]


def identifier(ctx: Context, node: object) -> Link:
    """An identifier (a schema:PropertyValue): its scheme and value, linked to its URL when it has one (an http(s)
    one: any other stays text)."""
    scheme, value, url = (ctx.value(node, p) for p in (SCHEMA.propertyID, SCHEMA.value, SCHEMA.url))
    text = " ".join(ctx.label(x) for x in (scheme, value) if x is not None) or ctx.label(node)
    target = url if isinstance(url, NamedNode) else value if isinstance(value, NamedNode) else None
    return Link(text, target.value if target is not None and ctx.linkable(target.value) else "")


def membership(ctx: Context, m: object) -> Phrase:
    """A membership as a reader says it: "participant in Second cohort (from 2021 to 2022-06)"."""
    organisation, role, period = (ctx.value(m, p) for p in (ORG.organization, ORG.role, ORG.memberDuring))
    start, end = ((ctx.value(period, p) if period is not None else None) for p in (SCHEMA.startDate, SCHEMA.endDate))
    when = " ".join(x for x in (f"from {ctx.label(start)}" if start is not None else "",
                                f"until {ctx.label(end)}" if end is not None else "") if x)
    parts: list[Link | Text | Count] = [Text(f"{ctx.label(role)} in ")] if role is not None else []
    if organisation is not None:
        parts.append(ctx.link(organisation))
    if when:
        parts.append(Text(f" ({when})"))
    return tuple(parts)


def bibtex_text(text: str) -> str:
    """Text for a BibTeX field: its special characters escaped (no brace can end the field)."""
    return re.sub(r"([{}\\&%$#_^~])", r"\\\1", text)


def cite(ctx: Context, iri: str, label: str) -> Citation | None:
    """How to cite this record: its IRI, the release's title, version and date (the context's ``citation``), as
    a sentence, BibTeX and CSL-JSON. Nothing is invented: a release without a date is cited without one."""
    if not ctx.citation:
        return None
    c = ctx.citation
    title, version, issued, publisher = (c.get(k, "") for k in ("title", "version", "issued", "publisher"))
    of = f"{title}, version {version}" if version else title
    text = f"{publisher + '. ' if publisher else ''}“{label}”. In: {of}{f' ({issued})' if issued else ''}. {iri}"
    key = "odg-" + re.sub(r"[^A-Za-z0-9]+", "-", iri[len(ctx.base):] if iri.startswith(ctx.base) else iri)
    fields = [("title", label), ("author", publisher), ("howpublished", f"\\url{{{iri}}}"),
              ("note", of), ("year", issued[:4])]
    bibtex = f"@misc{{{key.strip('-')},\n" + "".join(
        f"  {k} = {{{v if k == 'howpublished' else bibtex_text(v)}}},\n" for k, v in fields if v) + "}"
    bibtex = bibtex.replace(f"author = {{{bibtex_text(publisher)}}}", f"author = {{{{{bibtex_text(publisher)}}}}}")
    csl: dict[str, object] = {"id": iri, "type": "dataset", "title": label, "URL": iri, "container-title": title}
    if publisher:
        csl["author"] = [{"literal": publisher}]
    if version:
        csl["version"] = version
    if issued:
        csl["issued"] = {"date-parts": [[int(x) for x in issued.split("-")]]}
    return Citation(text, bibtex, json.dumps(csl, ensure_ascii=False, indent=2))

