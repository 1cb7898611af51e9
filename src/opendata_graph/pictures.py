"""The network as a picture: programme → cohorts → members → their datasets → licences, as deterministic SVG.

A layered layout of our own rather than a graph-layout library: the network is a hierarchy by nature (each
column is one kind of node, each edge goes one column to the right), so columns read better than a force
layout's tangle, need no dependency (Graphviz is a C program; its Python bindings need it installed), and give
the same bytes for the same release -- nodes are sorted by label, coordinates are integers. Every node is a link
to its page; the picture has a title and a text description for screen readers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from html import escape

from pyoxigraph import NamedNode, Store

from .namespaces import DCAT, DCTERMS, ODG, ORG, RDF, SVG_XMLNS

#: The columns, left to right.
COLUMNS = ("Programmes", "Cohorts", "Members", "Datasets", "Licences")
COLUMN_WIDTH, ROW_HEIGHT, TOP, LABEL_CHARS = 222, 26, 40, 31


def network(store: Store, label: Callable[[NamedNode], str], href: Callable[[str], str],
            cohort: str | None = None) -> str:
    """The SVG of the network (or of one cohort's part of it): who is in which cohort of which programme, what
    data they publish and under which licence."""
    edges: set[tuple[int, str, str]] = set()  # (column of the source, source IRI, target IRI)
    cohorts = [r["c"].value for r in store.query(f"SELECT ?c WHERE {{ ?c a <{ODG.Cohort}> }}")]  # type: ignore[union-attr]
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
    return render(edges, label, href, "The network" if cohort is None else "This cohort's network")


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
