"""Hypothesis strategies of SPARQL violation queries about a ``?subject`` (tests/test_locality.py,
tests/test_violations.py): a few patterns about the subject, the statements reifying its facts, their sources
or other nodes, with EXISTS, NOT EXISTS, MINUS, UNION or OPTIONAL parts."""

from __future__ import annotations

from hypothesis import strategies as st

from opendata_graph.core.namespaces import ODG, PROV, RDF, RDFS, SCHEMA

SUBJECTS = st.sampled_from(["?subject"] * 5 + ["?st"] * 3 + ["?src"] * 2 + ["?x"])
# Few terms, so that a pattern reading another node (who is located in a place, a place's type) comes up often.
PREDICATES = st.sampled_from([f"<{p}>" for p in (RDF.type, RDF.subject, PROV.wasDerivedFrom, SCHEMA.location,
                                                 RDFS.label)] + ["?p"])
OBJECTS = st.sampled_from(["?o", "?subject", "?x", "?y"] + [f"<{c}>" for c in (ODG.Excerpt, SCHEMA.Place,
                                                                               RDF.Statement)])


@st.composite
def group(draw: st.DrawFn) -> str:
    patterns = []
    for _ in range(draw(st.integers(1, 3))):
        s = draw(SUBJECTS)
        p = f"<{RDF.type}>" if s == "?src" and draw(st.booleans()) else draw(PREDICATES)
        patterns.append(f"{s} {p} {draw(OBJECTS)} .")
        if s == "?st":
            patterns.append(f"?st <{RDF.subject}> ?subject .")
        if s == "?src":
            patterns += [f"?st <{RDF.subject}> ?subject .", f"?st <{PROV.wasDerivedFrom}> ?src ."]
    return " ".join(draw(st.permutations(patterns)))


@st.composite
def query(draw: st.DrawFn) -> str:
    """A query of a few groups, combined the ways SPARQL evaluates differently: a part (OPTIONAL, MINUS, EXISTS,
    a sub-group, a UNION branch) placed before or after what binds ?subject, or nested in another."""
    body = f"?subject {draw(PREDICATES)} {draw(OBJECTS)} . {draw(group())}"
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["", "NOT EXISTS", "EXISTS", "MINUS", "UNION", "OPTIONAL", "BIND EXISTS",
                                     "sub-group"]))
        inner = draw(st.one_of(group(), st.builds(lambda a, b: f"{a} OPTIONAL {{ {b} }}", group(), group()),
                               st.builds(lambda a, b: f"OPTIONAL {{ {b} }} {a}", group(), group())))
        if kind in ("NOT EXISTS", "EXISTS"):
            part = f"FILTER {kind} {{ {inner} }}"
        elif kind == "UNION":
            part = f"{{ {inner} }} UNION {{ ?subject ?p ?o }}"
        elif kind == "BIND EXISTS":
            part = f"BIND(EXISTS {{ {inner} }} AS ?e) FILTER(?e)"
        elif kind == "sub-group":
            part = f"{{ {inner} }}"
        elif kind:
            part = f"{kind} {{ {inner} }}"
        else:
            part = inner
        body = f"{part} {body}" if draw(st.booleans()) else f"{body} {part}"
    return f"SELECT DISTINCT ?subject WHERE {{ {body} }}"
