"""The home page as a view model (``templates/home.html``): what the release covers, a search over every name,
where to start, the network and the timeline, the cohorts with their members, the licences and standards in use,
the downloads and releases, every record by kind and the resources per class."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from pyoxigraph import NamedNode

from ..core.formats import EXPORTED
from ..core.namespaces import DCTERMS, ODG, ORG
from . import schemaorg
from .index_view import kinds, search_index
from .views import Context, Link, curie, kind_name


@dataclass(frozen=True)
class Picture:
    """The network diagram or the membership timeline: an SVG figure (:mod:`opendata_graph.stages.pictures` draws it,
    escaped there) for a wide screen and the same as lists for a phone."""

    heading: str
    download: str  #: the SVG file's address ("": none)
    timeline: bool
    label: str  #: the scrolling figure's name
    svg: Markup
    listed: Markup


@dataclass(frozen=True)
class Cohort:
    link: Link
    within: tuple[Link, ...]  #: the programmes it is part of
    members: tuple[tuple[Link, str], ...]  #: (member, role)


@dataclass(frozen=True)
class Kind:
    """A kind in the home page's index: the first records, how many more, its index page."""

    name: str
    count: int
    entries: tuple[Link, ...]
    more: int
    page: str  #: "": no index page


@dataclass(frozen=True)
class Releases:
    version: str
    date: str
    count: int
    changes: str


@dataclass(frozen=True)
class Home:
    title: str
    description: str
    featured: tuple[Link, ...]
    pictures: tuple[Picture, ...]
    cohorts: tuple[Cohort, ...]
    in_use: tuple[tuple[str, tuple[tuple[Link, str], ...]], ...]  #: (heading, (thing, how many use it))
    downloads: tuple[Link, ...]
    void: str
    releases: Releases | None
    kinds: tuple[Kind, ...]
    classes: tuple[tuple[str, str, int], ...]  #: (CURIE, name, resources)
    schema_org: Markup


def home(ctx: Context, description: str, counts: Sequence[tuple[str, int]], title: str,
         examples: Sequence[str] = (), dataset: str | None = None) -> Home:
    """The home page: release.yaml's title and description, its ``featured`` records, and the rest of the
    release's overview."""
    latest = ctx.history.versions[-1] if ctx.history.versions else None
    return Home(
        title, description, tuple(ctx.link(NamedNode(e)) for e in examples if ctx.exists(e)), pictures(ctx),
        cohorts(ctx), in_use(ctx),
        tuple(Link(f.name, f"{ctx.root}dist/{f.dump}") for f in EXPORTED if f.dumped), f"{ctx.root}dist/void.ttl",
        Releases(latest.version, latest.date or "", len(ctx.history.versions), ctx.page_href("changes"))
        if latest else None,
        kinds_index(ctx), tuple((curie(c), ctx.term(c).capitalize(), n) for c, n in counts),
        Markup(schemaorg.script(ctx.description, dataset) if dataset else ""))


def pictures(ctx: Context, cohort: str | None = None) -> tuple[Picture, ...]:
    """The network diagram and the membership timeline (of one cohort, or of everything)."""
    from ..stages import pictures as draw

    out = []
    if draw.network_edges(ctx.store, cohort):  # a node for each end: on a phone, the same as nested lists
        svg = draw.network(ctx.store, ctx.label, ctx.href, cohort)  # (the figure is 1,110 px wide)
        out.append(Picture("The network" if cohort is None else "Its network",
                           f"{ctx.root}network.svg" if cohort is None else "", False, "Network diagram", Markup(svg),
                           Markup(draw.network_list(ctx.store, ctx.label, ctx.href, cohort))))
    times = draw.timeline(ctx.store, ctx.label, ctx.href, cohort)
    if times:
        out.append(Picture("Memberships over time", f"{ctx.root}timeline.svg" if cohort is None else "", True,
                           "Membership timeline", Markup(times),
                           Markup(draw.timeline_list(ctx.store, ctx.label, ctx.href, cohort))))
    return tuple(out)


def cohorts(ctx: Context) -> tuple[Cohort, ...]:
    """The cohorts, each with the programme it belongs to and its members with their roles."""
    rows = ctx.store.query(f"""SELECT ?cohort ?member ?role WHERE {{ ?cohort a <{ODG.Cohort}> .
        OPTIONAL {{ ?m <{ORG.organization}> ?cohort ; <{ORG.member}> ?member ; <{ORG.role}> ?role }} }}""")
    members: dict[str, list[tuple[Link, str]]] = defaultdict(list)
    for r in rows:  # type: ignore[union-attr]
        members[r["cohort"].value]
        if r["member"] is not None:
            members[r["cohort"].value].append((ctx.link(r["member"]), ctx.label(r["role"])))
    return tuple(Cohort(ctx.link(NamedNode(c)), tuple(ctx.link(o) for o in ctx.values(c, ORG.subOrganizationOf)),
                        tuple(sorted(members[c], key=lambda m: (m[0].href, m[0].text, m[1]))))
                 for c in sorted(members, key=lambda c: ctx.label(NamedNode(c))))


def in_use(ctx: Context) -> tuple[tuple[str, tuple[tuple[Link, str], ...]], ...]:
    """The licences the datasets are under, and the standards anything conforms to, with how many use each."""
    out = []
    for heading, predicate in (("Licences in use", DCTERMS.license), ("Standards in use", DCTERMS.conformsTo)):
        rows = ctx.store.query(f"SELECT ?o (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{predicate}> ?o }} "
                               "GROUP BY ?o ORDER BY DESC(?n) ?o")
        items = tuple((ctx.link(r["o"]), r["n"].value) for r in rows)  # type: ignore[union-attr]
        if items:
            out.append((heading, items))
    return tuple(out)


def kinds_index(ctx: Context, limit: int = 200) -> tuple[Kind, ...]:
    """Every live record, by kind (the first ``limit`` of a kind; the search finds the others)."""
    by_kind: dict[str, list[dict[str, object]]] = defaultdict(list)
    for entry in search_index(ctx):
        by_kind[str(entry["kind"])].append(entry)
    with_page = set(kinds(ctx))
    out = []
    for kind in sorted(by_kind):
        entries = sorted(by_kind[kind], key=lambda e: str(e["label"]).lower())
        out.append(Kind(kind_name(kind), len(entries), tuple(Link(str(e["label"]), str(e["href"]))
                                                             for e in entries[:limit]),
                        max(0, len(entries) - limit), ctx.page_href(kind) if kind in with_page else ""))
    return tuple(out)
