"""Pictures of the network, as deterministic SVG: programme → cohorts → members → their datasets → licences, and
the memberships on a time axis with only what the sources date.

A layered layout of our own rather than a graph-layout library: the network is a hierarchy by nature (each
column is one kind of node, each edge goes one column to the right), so columns read better than a force
layout's tangle, need no dependency (Graphviz is a C program; its Python bindings need it installed), and give
the same bytes for the same release -- nodes are sorted by label, coordinates are integers. Every node is a link
to its page; the picture has a title and a text description for screen readers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape

from pyoxigraph import Literal, NamedNode, Store

from ..core.namespaces import DCAT, DCTERMS, FOAF, ODG, ORG, RDF, RDFS, SKOS, SVG_XMLNS, TIME, curie

#: What names a node, in order (the last two: the VoID's nodes).
NAMES = tuple(NamedNode(p) for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title, FOAF.name))
#: Every predicate the pictures read: a build draws them from these triples of the release alone.
PREDICATES = frozenset({RDF.type, *(p.value for p in NAMES), ORG.subOrganizationOf, ORG.memberOf,
                        DCTERMS.publisher, DCTERMS.license, ORG.member, ORG.organization, ORG.memberDuring,
                        TIME.inside, TIME.hasBeginning, TIME.hasEnd, TIME.intervalDuring, TIME.inXSDDate,
                        TIME.inXSDgYear, TIME.inXSDgYearMonth})
#: The pictures a release carries in dist/ (and the server and the static site serve).
FILES = ("network.svg", "timeline.svg")


def label_of(store: Store, node: NamedNode, base: str) -> str:
    """A node's name: its first label (:data:`NAMES`), else its path under ``base`` or its CURIE."""
    for p in NAMES:
        for q in store.quads_for_pattern(node, p, None):
            return q.object.value if isinstance(q.object, Literal) else str(q.object)
    compact = curie(node.value)
    if node.value.startswith(base):
        return node.value[len(base):]
    return node.value if compact.startswith("<") else compact


def release_files(store: Store, base: str) -> dict[str, bytes]:
    """The pictures of the release in ``store`` as files for dist/, their links the IRIs themselves (``store``: the
    release, or only its triples with :data:`PREDICATES`: the same pictures)."""
    def label(n: NamedNode) -> str:
        return label_of(store, n, base)

    out = {"network.svg": network(store, label, str).encode("utf-8")}
    times = timeline(store, label, str)
    if times:
        out["timeline.svg"] = times.encode("utf-8")
    return out


def store_of(rows: Iterable[tuple[str, str, str]]) -> Store:
    """A store of the N-Triples ``rows`` the pictures read (a build's rows; the release's store is not made)."""
    from pyoxigraph import RdfFormat

    wanted = {f"<{p}>" for p in PREDICATES}
    store = Store()
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in rows if p in wanted)
    store.load(text.encode("utf-8"), format=RdfFormat.N_TRIPLES)
    return store


#: The columns, left to right.
COLUMNS = ("Programmes", "Cohorts", "Members", "Datasets", "Licences")
COLUMN_WIDTH, ROW_HEIGHT, TOP, LABEL_CHARS = 222, 26, 40, 31


def network(store: Store, label: Callable[[NamedNode], str], href: Callable[[str], str],
            cohort: str | None = None) -> str:
    """The SVG of the network (or of one cohort's part of it): who is in which cohort of which programme, what
    data they publish and under which licence."""
    return render(network_edges(store, cohort), label, href,
                  "The network" if cohort is None else "This cohort's network")


def network_list(store: Store, label: Callable[[NamedNode], str], href: Callable[[str], str],
                 cohort: str | None = None) -> str:
    """The same network as nested lists, for a narrow screen: each programme, its cohorts, their members, what
    data they publish and under which licence (an HTML fragment; "" when there is no network)."""
    below: dict[tuple[int, str], set[str]] = defaultdict(set)
    for col, source, target in network_edges(store, cohort):
        below[(col, source)].add(target)
    tops = sorted({source for col, source in below if col == 0} or
                  {source for col, source in below if col == 1})

    def items(col: int, nodes: Iterable[str]) -> str:
        def name(n: str) -> str:
            return label(NamedNode(n))
        return "".join(f'<li><a href="{escape(href(n))}">{escape(name(n))}</a>'
                       + (f"<ul>{items(col + 1, below[(col, n)])}</ul>" if below.get((col, n)) else "") + "</li>"
                       for n in sorted(nodes, key=lambda n: (name(n).lower(), n)))
    return f'<ul class="tree">{items(0 if any(c == 0 for c, _ in below) else 1, tops)}</ul>' if tops else ""


def network_edges(store: Store, cohort: str | None = None) -> set[tuple[int, str, str]]:
    """The network's links as (column of the source, source IRI, target IRI), columns as :data:`COLUMNS`."""
    edges: set[tuple[int, str, str]] = set()  # (column of the source, source IRI, target IRI)
    cohorts = [r["c"].value for r in store.query(f"SELECT DISTINCT ?c WHERE {{ ?c a <{ODG.Cohort}> }}",  # type: ignore[union-attr]
                                                 use_default_graph_as_union=True)]
    if cohort is not None:
        cohorts = [c for c in cohorts if c == cohort]
    members: set[str] = set()
    for c in cohorts:
        for q in store.quads_for_pattern(NamedNode(c), NamedNode(ORG.subOrganizationOf), None):
            edges.add((0, q.object.value, c))  # type: ignore[union-attr]
        for q in store.quads_for_pattern(None, NamedNode(ORG.memberOf), NamedNode(c)):
            edges.add((1, c, q.subject.value))  # type: ignore[union-attr]
            members.add(q.subject.value)  # type: ignore[union-attr]
    datasets: set[str] = set()
    for m in sorted(members):
        for q in store.quads_for_pattern(None, NamedNode(DCTERMS.publisher), NamedNode(m)):
            if next(iter(store.quads_for_pattern(q.subject, NamedNode(RDF.type), NamedNode(DCAT.Dataset))), None):
                edges.add((2, m, q.subject.value))  # type: ignore[union-attr]
                datasets.add(q.subject.value)  # type: ignore[union-attr]
    for d in sorted(datasets):
        for q in store.quads_for_pattern(NamedNode(d), NamedNode(DCTERMS.license), None):
            edges.add((3, d, q.object.value))  # type: ignore[union-attr]
    return edges


def render(edges: set[tuple[int, str, str]], label: Callable[[NamedNode], str], href: Callable[[str], str],
           title: str) -> str:
    """Columns of nodes, each edge a curve from one column to the next."""
    columns: dict[int, set[str]] = defaultdict(set)
    for col, source, target in edges:
        columns[col].add(source)
        columns[col + 1].add(target)
    names = {n: label(NamedNode(n)) for nodes in columns.values() for n in nodes}
    order = {col: sorted(nodes, key=lambda n: (names[n].lower(), n)) for col, nodes in columns.items()}
    rows = max((len(v) for v in order.values()), default=0)
    height = TOP + rows * ROW_HEIGHT + 10
    width = COLUMN_WIDTH * len(COLUMNS)
    place: dict[tuple[int, str], tuple[int, int]] = {}
    for col, nodes in order.items():
        offset = (rows - len(nodes)) * ROW_HEIGHT // 2  # each column centred on the tallest
        for i, n in enumerate(nodes):
            place[(col, n)] = (col * COLUMN_WIDTH + 10, TOP + offset + i * ROW_HEIGHT + ROW_HEIGHT // 2)
    description = _description(order, names, edges)
    out = [f'<svg xmlns="{SVG_XMLNS}" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="group" aria-labelledby="net-title" aria-describedby="net-desc" class="network" '
           'font-family="system-ui, sans-serif" font-size="12">',
           f'<title id="net-title">{escape(title)}</title><desc id="net-desc">{escape(description)}</desc>']
    out += [f'<text x="{c * COLUMN_WIDTH + 10}" y="20" font-weight="bold" fill="#4d5562">{escape(name)}</text>'
            for c, name in enumerate(COLUMNS) if c in order]
    for col, source, target in sorted(edges):
        x1, y1 = place[(col, source)]
        x2, y2 = place[(col + 1, target)]
        x1 += COLUMN_WIDTH - 30
        mid = (x1 + x2) // 2
        out.append(f'<path d="M{x1} {y1} C{mid} {y1} {mid} {y2} {x2 - 4} {y2}" fill="none" stroke="#9aa5b1" '
                   'stroke-width="1"/>')
    for (_col, n), (x, y) in sorted(place.items()):
        text = names[n] if len(names[n]) <= LABEL_CHARS else names[n][: LABEL_CHARS - 1] + "…"
        out.append(f'<a href="{escape(href(n))}"><circle cx="{x - 4}" cy="{y}" r="3" fill="#12355b"/>'
                   f'<text x="{x + 2}" y="{y + 4}" fill="#0645ad"><title>{escape(names[n])}</title>'
                   f"{escape(text)}</text></a>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _description(order: Mapping[int, Sequence[str]], names: Mapping[str, str],
                 edges: set[tuple[int, str, str]]) -> str:
    """The picture in words, for those who do not see it."""
    parts = []
    for col, source, target in sorted(edges, key=lambda e: (e[0], names[e[1]], names[e[2]])):
        verb = ("has the cohort", "has the member", "publishes", "is under the licence")[col]
        parts.append(f"{names[source]} {verb} {names[target]}")
    counts = ", ".join(f"{len(order.get(c, []))} {name.lower()}" for c, name in enumerate(COLUMNS))
    return f"{counts}. " + "; ".join(parts) + "."


#: The timeline's geometry: the label column, the time axis' width, a row's height; rows drawn at most.
LABEL_WIDTH, AXIS_WIDTH, TIMELINE_ROWS = 360, 520, 100
_TIME_OF = f"(<{TIME.inXSDDate}>|<{TIME.inXSDgYear}>|<{TIME.inXSDgYearMonth}>)"


def timeline(store: Store, label: Callable[[NamedNode], str], href: Callable[[str], str],
             cohort: str | None = None) -> str:
    """The memberships on a time axis, with only what the sources state: a dot for a date a membership is known
    to hold at, a bar between a stated beginning and end, a dashed bar open to the left for a membership that
    falls within a period whose end alone is stated (the programme: "until April 2023"). Nothing is drawn where
    nothing is dated ("" when no membership has a date)."""
    found = dated_memberships(store, label, cohort)
    dates = [_year(d) for *_, when in found for d in when.values()]
    if not dates:
        return ""
    start, stop = int(min(dates)), int(max(dates)) + 1

    def x(date: str) -> int:
        return LABEL_WIDTH + round((_year(date) - start) / (stop - start) * AXIS_WIDTH)

    shown = found[:TIMELINE_ROWS]
    height = TOP + len(shown) * ROW_HEIGHT + (30 if len(found) > len(shown) else 10)
    width = LABEL_WIDTH + AXIS_WIDTH + 120
    out = [f'<svg xmlns="{SVG_XMLNS}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           'role="group" aria-labelledby="time-title" aria-describedby="time-desc" class="timeline" '
           'font-family="system-ui, sans-serif" font-size="12">',
           '<title id="time-title">Memberships over time</title>']
    words = []
    for year in range(start, stop + 1):
        gx = LABEL_WIDTH + round((year - start) / (stop - start) * AXIS_WIDTH)
        out.append(f'<line x1="{gx}" y1="{TOP - 14}" x2="{gx}" y2="{height - 10}" stroke="#d4d8de"/>'
                   f'<text x="{gx}" y="{TOP - 20}" text-anchor="middle" fill="#4d5562">{year}</text>')
    for i, (org, member, member_iri, _org, within, when) in enumerate(shown):
        y = TOP + i * ROW_HEIGHT + ROW_HEIGHT // 2
        out.append(f'<a href="{escape(href(member_iri))}"><text x="4" y="{y + 4}" fill="#0645ad">'
                   f"{escape(_short(f'{member} ({org})', 56))}</text></a>")
        said, marks = _marks(when, within, x, y, href)
        out += marks
        words.append(f"{member} in {org}: {said}")
    if len(found) > len(shown):
        out.append(f'<text x="4" y="{height - 12}" fill="#4d5562">… and {len(found) - len(shown)} more '
                   "memberships (the query file “Memberships over time” lists them all)</text>")
    out.insert(2, f'<desc id="time-desc">{escape("; ".join(words))}.</desc>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def timeline_list(store: Store, label: Callable[[NamedNode], str], href: Callable[[str], str],
                  cohort: str | None = None) -> str:
    """The memberships the timeline draws, as a list in words for a narrow screen ("" when none is dated)."""
    found = dated_memberships(store, label, cohort)
    if not any(when for *_, when in found):
        return ""
    items = "".join(f'<li><a href="{escape(href(member_iri))}">{escape(member)}</a> in '
                    f'<a href="{escape(href(org_iri))}">{escape(org)}</a>: '
                    f"{escape(_marks(when, within, lambda _: 0, 0, href)[0])}</li>"
                    for org, member, member_iri, org_iri, within, when in found)
    return f'<ul class="tree">{items}</ul>'


def dated_memberships(store: Store, label: Callable[[NamedNode], str], cohort: str | None = None
                      ) -> list[tuple[str, str, str, str, str | None, dict[str, str]]]:
    """Every membership (of ``cohort``'s, if given) with what the sources date of it: (organisation's name,
    member's name, member IRI, organisation IRI, the period it falls within, {at|begin|end|withinEnd: date})."""
    rows = store.query(f"""SELECT DISTINCT ?m ?member ?org ?at ?begin ?end ?within ?withinEnd WHERE {{
        ?m a <{ORG.Membership}> ; <{ORG.member}> ?member ; <{ORG.organization}> ?org .
        OPTIONAL {{ ?m <{ORG.memberDuring}> ?i .
          OPTIONAL {{ ?i <{TIME.inside}>/<{TIME.inXSDDate}> ?at }}
          OPTIONAL {{ ?i <{TIME.hasBeginning}>/{_TIME_OF} ?begin }}
          OPTIONAL {{ ?i <{TIME.hasEnd}>/{_TIME_OF} ?end }}
          OPTIONAL {{ ?i <{TIME.intervalDuring}> ?within . ?within <{TIME.hasEnd}>/{_TIME_OF} ?withinEnd }} }} }}""",
                       use_default_graph_as_union=True)  # a build's cache keeps each file's triples in a graph
    found = []
    for r in rows:  # type: ignore[union-attr]
        if cohort is not None and r["org"].value != cohort:
            continue
        when = {k: r[k].value for k in ("at", "begin", "end", "withinEnd") if r[k] is not None}
        found.append((label(r["org"]), label(r["member"]), r["member"].value, r["org"].value,
                      r["within"].value if r["within"] is not None else None, when))
    found.sort(key=lambda f: (f[0].lower(), f[1].lower(), f[2]))
    return found


def _marks(when: Mapping[str, str], within: str | None, x: Callable[[str], int], y: int,
           href: Callable[[str], str]) -> tuple[str, list[str]]:
    """What one membership's row shows, and the same in words."""
    ink = "#12355b"
    if "at" in when:
        return (f"held on {when['at']}",
                [f'<circle cx="{x(when["at"])}" cy="{y}" r="4" fill="{ink}"/>',
                 f'<text x="{x(when["at"]) + 8}" y="{y + 4}" fill="#4d5562">{escape(when["at"])}</text>'])
    if "begin" in when or "end" in when:
        x1 = x(when["begin"]) if "begin" in when else LABEL_WIDTH
        x2 = x(when["end"]) if "end" in when else LABEL_WIDTH + AXIS_WIDTH
        said = f"from {when.get('begin', '(not stated)')} until {when.get('end', '(not stated)')}"
        dash = "" if "begin" in when and "end" in when else ' stroke-dasharray="4 3"'
        return said, [f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{ink}" stroke-width="4"{dash}/>',
                      f'<text x="{x2 + 6}" y="{y + 4}" fill="#4d5562">{escape(said)}</text>']
    if "withinEnd" in when and within is not None:
        x2 = x(when["withinEnd"])
        said = f"within a period that ended {when['withinEnd']} (its beginning is not stated)"
        return said, [f'<a href="{escape(href(within))}"><line x1="{LABEL_WIDTH}" y1="{y}" x2="{x2}" y2="{y}" '
                      f'stroke="{ink}" stroke-width="3" stroke-dasharray="4 3"><title>{escape(said)}</title>'
                      f'</line></a>',
                      f'<text x="{x2 + 6}" y="{y + 4}" fill="#4d5562">until {escape(when["withinEnd"])}</text>']
    return "no date stated", [f'<text x="{LABEL_WIDTH}" y="{y + 4}" fill="#4d5562">no date stated</text>']


def _year(date: str) -> float:
    """A stated date (``2021``, ``2023-04``, ``2021-01-19``) as a position in years, at its first day."""
    parts = [int(p) for p in date.split("-")[:3]]
    year, month, day = [*parts, 1, 1][:3]
    return year + (month - 1) / 12 + (day - 1) / 365


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
