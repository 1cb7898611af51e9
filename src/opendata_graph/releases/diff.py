"""What changed between two releases, per entity, in words a curator reads -- and as an RDF delta a store applies.

The two sides are sets of triples (rows). The per-entity report reads only the entities' own triples and those
of the nodes they own (figures, posts, identifiers, intervals: IRIs below the entity's; memberships: under the
member): the provenance machinery (statements, excerpts, evidence, source graphs) is minted from hashes and block
order, so its churn is never a change. Each change says, for one property of the entity or of one of its nodes,
the values removed and added (labels, not IRIs), with the quotes or evidence behind each added value. The RDF
delta is the plain difference of the two sets, provenance included, so applying it to the old release gives the
new one exactly.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core import mint
from ..core.errors import ConfigError, Location
from ..core.namespaces import DCTERMS, FOAF, OA, OWL, PROV, RDF, RDFS, SKOS, XSD, curie
from ..core.terms import Row, Term, is_iri, literal_parts, value_of
from ..source.schema import KINDS, minted_record

#: Segments of IRIs minted for the provenance machinery: never an entity, never a change.
#: Predicates whose value names the entity (the first found is its label).
LABELS = (RDFS.label, SKOS.prefLabel)


@dataclass
class Change:
    """One property of an entity (``node`` = "" for the entity itself, else the owned node's path)."""

    node: str
    predicates: list[str]
    removed: list[str]
    added: list[str]
    #: The quotes (or evidence) behind each added value, in the new release.
    sources: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Entity:
    iri: str
    kind: str
    label: str
    changes: list[Change] = field(default_factory=list)
    replaced_by: str | None = None  #: the successor's label (merged)
    reason: str | None = None  #: why it was withdrawn or merged, if said


@dataclass
class Diff:
    """The changes from ``old`` to ``new`` (names of the two sides), grouped by kind (IRI segment)."""

    old: str
    new: str
    base: str = ""  #: the base IRI minted IRIs are shown relative to
    added: list[Entity] = field(default_factory=list)
    removed: list[Entity] = field(default_factory=list)  #: gone without a tombstone (only across a deletion)
    withdrawn: list[Entity] = field(default_factory=list)
    merged: list[Entity] = field(default_factory=list)
    changed: list[Entity] = field(default_factory=list)
    additions: set[Row] = field(default_factory=set)  #: the RDF delta
    removals: set[Row] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.withdrawn or self.merged or self.changed)


class Side:
    """One release as its N-Triples lines, indexed lazily: only the subjects a diff asks for are parsed.

    At a million triples a release is ~1M lines; a change of 1 % of the entities touches a few thousand of them.
    The two sides are compared as sets of lines, and only the changed lines, the nodes of the entities they
    belong to, the labels of the values and the provenance of the new facts are parsed (:meth:`load`, a pass over
    the lines for each step), so a diff costs a few passes over the text rather than a model of both releases.
    """

    def __init__(self, lines: list[str], base: str) -> None:
        self.base = base
        self.lines = lines
        self.by_subject: dict[Term, list[Row]] = defaultdict(list)
        self._loaded: set[Term] = set()
        self._prefixes: tuple[str, ...] = ()
        self._subjects: list[Term] | None = None
        self._known: set[Term] | None = None
        self._by_id: dict[str, Term | None] = {}

    @property
    def subjects(self) -> list[Term]:
        """Each line's subject, in line order: the text before the first space, unless a tab separates the
        terms (a file odg did not write)."""
        if self._subjects is None:
            subjects = [line[:line.find(" ")] for line in self.lines]
            if "\t" in "\n".join(subjects):  # checked in C; the rare file written with tabs is split again
                subjects = [line.split(None, 1)[0] for line in self.lines]
            self._subjects = subjects
        return self._subjects

    @property
    def known(self) -> set[Term]:
        """Every subject of the release."""
        if self._known is None:
            self._known = set(self.subjects)
        return self._known

    def load(self, exact: Iterable[Term] = (), prefixes: Iterable[str] = ()) -> None:
        """Parse the rows of these subjects, and of every subject starting with one of ``prefixes`` (one pass
        over the subjects, in C: ``compress``)."""
        from itertools import compress

        want = {t for t in exact if t in self.known and t not in self._loaded}
        fresh = tuple(p for p in prefixes if not (self._prefixes and p.startswith(self._prefixes)))
        if fresh:
            want |= {t for t in self.known if t.startswith(fresh) and t not in self._loaded}
            self._prefixes += fresh
        if not want:
            return
        from pyoxigraph import RdfFormat, parse

        from ..core.terms import rows

        picked = "\n".join(compress(self.lines, map(want.__contains__, self.subjects)))
        self._loaded |= want
        for r in rows(parse(picked.encode("utf-8"), format=RdfFormat.N_TRIPLES)):
            self.by_subject[r[0]].append(r)

    def rows_of(self, s: Term) -> list[Row]:
        if s not in self._loaded:
            self.load((s,))
        return self.by_subject.get(s, [])

    def is_entity(self, s: Term) -> bool:
        return s in self.known and self.kind_of(s) is not None

    def kind_of(self, s: Term) -> str | None:
        """An entity's kind (its IRI segment): minted ``<base><segment>/<id>``, or an outside IRI we keep a page
        about (a licence's SPDX IRI, of the kind of its page)."""
        if not s.startswith(f"<{self.base}"):
            page = self.value(s, FOAF.isPrimaryTopicOf)
            return self.kind_of(page) if page is not None and page.startswith(f"<{self.base}") else None
        record = minted_record(value_of(s), self.base)
        return record[0] if record is not None else None

    def value(self, s: Term, p: str) -> Term | None:
        for _, q, o in self.rows_of(s):
            if q == f"<{p}>":
                return o
        return None

    def entity_by_id(self, id_: str) -> Term | None:
        """The entity minted with this id, whatever its kind (ids are unique across kinds)."""
        if id_ not in self._by_id:
            found = (f"<{mint.record(self.base, segment, id_)}>" for segment in KINDS)
            self._by_id[id_] = next((t for t in found if self.is_entity(t)), None)
        return self._by_id[id_]

    def owner(self, s: Term) -> tuple[Term, str] | None:
        """The entity a node belongs to, and the node's path below it ("" for the entity itself); None for the
        provenance machinery."""
        if self.is_entity(s):
            return s, ""
        if not s.startswith(f"<{self.base}"):
            return None
        path = value_of(s)[len(self.base):]
        if path.startswith(mint.DERIVED) or f"/{mint.EXCERPT}/" in path:
            return None
        if path.startswith(mint.MEMBERSHIP_PATH):
            member = self.entity_by_id(path[len(mint.MEMBERSHIP_PATH):].split("/", 1)[0])
            return (member, path) if member is not None else None
        parts = path.split("/")
        entity = f"<{self.base}{'/'.join(parts[:2])}>"
        return (entity, "/".join(parts[2:])) if self.is_entity(entity) else None

    def facts(self, entities: set[Term]) -> dict[Term, dict[tuple[str, str], set[Term]]]:
        """These entities' properties, each: (node path, predicate) -> objects."""
        prefixes = [e[:-1] + "/" for e in entities if e.startswith(f"<{self.base}")]
        prefixes += [f"<{mint.memberships_of(self.base, value_of(e).rsplit('/', 1)[-1])}" for e in entities]
        self.load(entities, prefixes)
        out: dict[Term, dict[tuple[str, str], set[Term]]] = defaultdict(lambda: defaultdict(set))
        for s, rs in list(self.by_subject.items()):
            owned = self.owner(s)
            if owned is None or owned[0] not in entities:
                continue
            entity, node = owned
            for _, p, o in rs:
                out[entity][(node, p)].add(o)
        return out

    def label(self, term: Term) -> str:
        if not is_iri(term):
            return literal_parts(term)[0]
        for p in LABELS:
            found = self.value(term, p)
            if found is not None and not is_iri(found):
                return literal_parts(found)[0]
        value = value_of(term)
        return value[len(self.base):] if value.startswith(self.base) else curie(value).strip("<>")

    def sources(self, nodes: set[Term]) -> dict[Row, list[str]]:
        """The quotes ("quote" — document) or evidence texts of each reified fact about ``nodes``."""
        marker = f" <{RDF.subject}> "
        statements = set()
        for line in self.lines:
            if marker in line:
                s, _, o = line.split(None, 2)
                if o.rstrip().removesuffix(".").rstrip() in nodes:
                    statements.add(s)
        self.load(statements)
        derived = {o for st in statements for _, p, o in self.rows_of(st) if p == f"<{PROV.wasDerivedFrom}>"}
        self.load(derived)
        self.load({o for d in derived for _, p, o in self.rows_of(d) if p in (f"<{OA.hasSelector}>",
                                                                               f"<{OA.hasSource}>")})
        out: dict[Row, list[str]] = {}
        for st in sorted(statements):
            rs = self.rows_of(st)
            parts = {p: o for _, p, o in rs if p in (f"<{RDF.subject}>", f"<{RDF.predicate}>", f"<{RDF.object}>")}
            fact = (parts.get(f"<{RDF.subject}>"), parts.get(f"<{RDF.predicate}>"), parts.get(f"<{RDF.object}>"))
            if None in fact:
                continue
            out[fact] = sorted(self.source_text(o) for _, p, o in rs if p == f"<{PROV.wasDerivedFrom}>")  # type: ignore[index]
        return out

    def source_text(self, node: Term) -> str:
        selectors = [o for _, q, o in self.rows_of(node) if q == f"<{OA.hasSelector}>"]  # the quote, a position
        exact = next((e for e in (self.value(x, OA.exact) for x in selectors) if e is not None), None)
        if exact is not None:
            doc = self.value(node, OA.hasSource)
            return f"“{literal_parts(exact)[0]}” — {self.label(doc) if doc else 'a source document'}"
        comment = self.value(node, RDFS.comment)
        return f"external evidence: {literal_parts(comment)[0]}" if comment is not None else self.label(node)


def _subject(line: str) -> Term:
    """An N-Triples line's subject (an IRI or a blank node: no white space inside)."""
    return line.split(None, 1)[0]


Dump = Sequence[str] | Iterable[Row]  #: a release as N-Triples lines (read_lines), or as rows


def _lines(side: Dump) -> list[str]:
    items = list(side)
    if items and not isinstance(items[0], str):
        return [f"{s} {p} {o} ." for s, p, o in items]
    return items  # type: ignore[return-value]


def _parsed(lines: Iterable[str]) -> set[Row]:
    from pyoxigraph import RdfFormat, parse

    from ..core.terms import rows

    text = "\n".join(lines)
    try:
        return set(rows(parse(text.encode("utf-8"), format=RdfFormat.N_TRIPLES))) if text else set()
    except SyntaxError as exc:
        raise ConfigError(f"a changed line is not N-Triples: {str(exc).splitlines()[0]}", None,
                          "give dumps written by odg, or any valid RDF file") from None


def diff(old_side: Dump, new_side: Dump, base: str, old_name: str = "old", new_name: str = "new",
         labels: Mapping[str, str] | None = None) -> Diff:
    """The per-entity changes and the RDF delta from ``old_side`` to ``new_side`` (N-Triples lines, or rows);
    ``labels``: predicate IRI -> its label (the ontology's), for the report."""
    old_lines, new_lines = _lines(old_side), _lines(new_side)
    old_set, new_set = set(old_lines), set(new_lines)
    removals, additions = _parsed(old_set - new_set), _parsed(new_set - old_set)
    del old_set, new_set
    same = removals & additions  # the same triple written two ways (a file odg did not write)
    out = Diff(old_name, new_name, base, additions=additions - same, removals=removals - same)
    if not out.additions and not out.removals:
        return out
    old, new = Side(old_lines, base), Side(new_lines, base)
    touched = {r[0] for r in out.additions | out.removals}
    for side in (old, new):
        side.load(touched)
    entities = {owned[0] for side in (old, new) for s in touched if s in side.known
                for owned in [side.owner(s)] if owned is not None}
    old_facts, new_facts = old.facts(entities), new.facts(entities)
    values = {o for facts in (old_facts, new_facts) for f in facts.values() for objects in f.values()
              for o in objects if is_iri(o)}
    for side in (old, new):
        side.load(values | entities)
    new_sources = new.sources({s for s in new.by_subject if (new.owner(s) or ("", ""))[0] in entities})
    for s in sorted(e for e in entities if new.is_entity(e) and not old.is_entity(e)):
        out.added.append(Entity(s, new.kind_of(s) or "", new.label(s)))
    for s in sorted(e for e in entities if old.is_entity(e) and not new.is_entity(e)):
        out.removed.append(Entity(s, old.kind_of(s) or "", old.label(s)))
    for s in sorted(e for e in entities if old.is_entity(e) and new.is_entity(e)):
        changes = _changes(old_facts.get(s, {}), new_facts.get(s, {}), s, old, new, new_sources, labels or {})
        if not changes:
            continue
        entity = Entity(s, new.kind_of(s) or "", new.label(s), changes)
        retired = _retired(s, old, new)
        if retired == "merged":
            successor = new.value(s, DCTERMS.isReplacedBy)
            entity.replaced_by = new.label(successor) if successor else None
            out.merged.append(entity)
        elif retired == "withdrawn":
            out.withdrawn.append(entity)
        else:
            out.changed.append(entity)
        if retired:
            note = new.value(s, SKOS.changeNote)
            entity.reason = literal_parts(note)[0] if note is not None else None
    return out


def _retired(s: Term, old: Side, new: Side) -> str | None:
    """"merged" or "withdrawn" when the entity became deprecated in ``new``."""
    deprecated = f'"true"^^<{XSD.boolean}>'
    if new.value(s, OWL.deprecated) != deprecated or old.value(s, OWL.deprecated) == deprecated:
        return None
    return "merged" if new.value(s, DCTERMS.isReplacedBy) is not None else "withdrawn"


def _changes(old: Mapping[tuple[str, str], set[Term]], new: Mapping[tuple[str, str], set[Term]], s: Term,
             old_side: Side, new_side: Side, sources: Mapping[Row, list[str]],
             labels: Mapping[str, str]) -> list[Change]:
    """The entity's changed properties; predicates with the same change (the standard term beside our own, or
    rdfs:label beside skos:prefLabel and schema:name) are one change."""
    grouped: Grouped = {}
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key, set()), new.get(key, set())
        if before == after:
            continue
        node, p = key
        grouped.setdefault((node, frozenset(before - after), frozenset(after - before)), []).append(p)
    grouped = _structure_left_out(grouped, s, old, new, old_side, new_side)
    out = []
    for (node, removed, added), predicates in grouped.items():
        predicates.sort(key=lambda p: (value_of(p) not in labels, p != f"<{RDFS.label}>", p))
        subject = f"<{new_side.base}{node}>" if node.startswith(mint.MEMBERSHIP_PATH) else (
            f"<{mint.below(value_of(s), node)}>" if node else s)
        old_labels = {o: old_side.label(o) if o in old_side.by_subject or not is_iri(o) else new_side.label(o)
                      for o in removed}
        new_labels = {o: new_side.label(o) for o in added}
        if set(old_labels.values()) & set(new_labels.values()):  # the same name for another IRI: say which IRI
            old_labels = {o: _with_iri(label, o, new_side.base) for o, label in old_labels.items()}
            new_labels = {o: _with_iri(label, o, new_side.base) for o, label in new_labels.items()}
        change = Change(node, [value_of(p) for p in predicates], sorted(old_labels.values()),
                        sorted(new_labels.values()))
        for o in added:
            quotes = sources.get((subject, predicates[0], o), [])
            if quotes:
                change.sources[new_labels[o]] = quotes
        out.append(change)
    return out


Grouped = dict[tuple[str, frozenset[Term], frozenset[Term]], list[str]]  #: (node, removed, added) -> predicates


def _structure_left_out(grouped: Grouped, s: Term, old: Mapping[tuple[str, str], set[Term]],
                        new: Mapping[tuple[str, str], set[Term]], old_side: Side, new_side: Side) -> Grouped:
    """What a curator did not write is not a change of its own: the link to a node of the entity itself (the
    node's facts are reported), the type of a node that appears or goes, and a value a sub-node repeats in another
    vocabulary (a period's ``schema:endDate`` "2026-06" is also its end instant's ``time:inXSDgYearMonth``)."""
    present_old, present_new = {n for n, _ in old}, {n for n, _ in new}

    def own_node(o: Term) -> bool:
        owned = new_side.owner(o) or old_side.owner(o)
        return owned is not None and owned[0] == s and owned[1] != ""

    kept = {}
    for (node, removed, added), predicates in grouped.items():
        values = removed | added
        if values and all(own_node(o) for o in values):
            continue
        if node and predicates == [f"<{RDF.type}>"] and (node not in present_old or node not in present_new):
            continue
        kept[(node, removed, added)] = predicates
    return {(node, removed, added): predicates for (node, removed, added), predicates in kept.items()
            if not any(node.startswith(f"{other}/") and (r, a) == (removed, added)
                       for other, r, a in kept if other != node)}


def _with_iri(label: str, term: Term, base: str) -> str:
    if not is_iri(term):
        return label
    value = value_of(term)
    return f"{label} <{value[len(base):] if value.startswith(base) else value}>"


# -- reports ---------------------------------------------------------------------------------------------------------

def _title(kind: str) -> str:
    return KINDS[kind].directory.replace("-", " ").capitalize() if kind in KINDS else kind


def markdown(d: Diff, labels: Mapping[str, str] | None = None) -> str:
    """The changelog a curator reads (a release's CHANGES.md)."""
    labels = labels or {}
    lines = [f"# Changes from {d.old} to {d.new}", ""]
    if d.empty:
        return "\n".join([*lines, "No entity changed.", ""])
    kinds = sorted({e.kind for group in (d.added, d.removed, d.withdrawn, d.merged, d.changed) for e in group})
    for kind in kinds:
        lines += [f"## {_title(kind)}", ""]
        for heading, group in (("Added", d.added), ("Withdrawn", d.withdrawn), ("Merged", d.merged),
                               ("Removed without a tombstone", d.removed), ("Changed", d.changed)):
            mine = [e for e in group if e.kind == kind]
            if not mine:
                continue
            lines += [f"### {heading}", ""]
            for e in mine:
                lines.append(_entity_line(e, heading, d.base))
                if heading == "Changed":
                    lines += [_change_line(c, labels, e.iri) for c in e.changes]
            lines.append("")
    return "\n".join(lines)


def _entity_line(e: Entity, heading: str, base: str) -> str:
    """``- **label** (`kind/id`)``; an outside IRI (a licence's SPDX IRI) as it is."""
    iri = value_of(e.iri)
    line = f"- **{e.label}** (`{iri[len(base):] if iri.startswith(base) else iri}`)"
    if heading == "Merged" and e.replaced_by:
        line += f" → merged into **{e.replaced_by}**"
    if e.reason:
        line += f": {e.reason}"
    return line


def words(predicate: str) -> str:
    """A standard term's local name as words: ``schema:additionalProperty`` -> "additional property"."""
    local = re.split(r"[#/]", predicate)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower() or curie(predicate)


def node_words(node: str, entity: str) -> str:
    """Where in the entity a change is, for people: the node's path as words, without the entity's own id
    (``membership/wikirate-project/cohort-2/participant/period`` of WikiRate -> "membership cohort-2 participant
    period")."""
    own = value_of(entity).rsplit("/", 1)[-1] if entity.startswith("<") else entity.rsplit("/", 1)[-1]
    return " ".join(part for part in node.split("/") if part != own)


def property_name(predicates: Sequence[str], labels: Mapping[str, str]) -> str:
    """A changed property's name for people: the first predicate's label in the ontology, else its local name."""
    first = predicates[0] if predicates else ""
    return labels.get(first) or words(first)


def change_words(node: str, predicates: Sequence[str], removed: Sequence[str], added: Sequence[str], entity: str,
                 labels: Mapping[str, str], escape: Callable[[str], str] = lambda text: text) -> str:
    """One change as a curator reads it: ``figure members · value: “2000” → “2100”`` (``escape``: for HTML)."""
    where = f"{escape(node_words(node, entity))} · " if node else ""
    before = ", ".join(f"“{escape(v)}”" for v in removed) or "—"
    after = ", ".join(f"“{escape(v)}”" for v in added) or "—"
    return f"{where}{escape(property_name(predicates, labels))}: {before} → {after}"


def _change_line(c: Change, labels: Mapping[str, str], entity: str) -> str:
    line = "  - " + change_words(c.node, c.predicates, c.removed, c.added, entity, labels)
    quotes = [q for v in c.added for q in c.sources.get(v, [])]
    if quotes:
        line += " (" + "; ".join(dict.fromkeys(quotes)) + ")"
    return line


def as_json(d: Diff) -> str:
    """The changes for machines: entities by kind, each change with its predicates' IRIs and values."""
    def entity(e: Entity) -> dict[str, object]:
        out: dict[str, object] = {"iri": value_of(e.iri), "label": e.label}
        if e.replaced_by:
            out["replaced_by"] = e.replaced_by
        if e.reason:
            out["reason"] = e.reason
        if e.changes:
            out["changes"] = [{"node": c.node, "predicates": c.predicates, "removed": c.removed, "added": c.added,
                               "sources": c.sources} for c in e.changes]
        return out

    kinds: dict[str, dict[str, list[dict[str, object]]]] = defaultdict(lambda: defaultdict(list))
    for name, group in (("added", d.added), ("withdrawn", d.withdrawn), ("merged", d.merged),
                        ("removed", d.removed), ("changed", d.changed)):
        for e in group:
            kinds[e.kind][name].append(entity(e))
    return json.dumps({"from": d.old, "to": d.new, "kinds": kinds,
                       "triples": {"added": len(d.additions), "removed": len(d.removals)}},
                      indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def trig(d: Diff, base: str) -> str:
    """The delta as TriG: the removals graph and the additions graph; a store deletes the first and inserts the
    second to go from the old release to the new."""
    lines = []
    for name, rows in (("removals", d.removals), ("additions", d.additions)):
        lines.append(f"<{base}delta/{name}> {{")
        lines += [f"  {s} {p} {o} ." for s, p, o in sorted(rows)]
        lines.append("}")
    return "\n".join(lines) + "\n"


def apply(rows: Iterable[Row], delta: Diff) -> set[Row]:
    """``rows`` with ``delta`` applied (what a store does with the TriG delta)."""
    return (set(rows) - delta.removals) | delta.additions


def predicate_labels(ontology: bytes) -> dict[str, str]:
    """Each term's label in the ontology (Turtle)."""
    from pyoxigraph import RdfFormat, parse

    from ..core.terms import rows

    out: dict[str, str] = {}
    for s, p, o in rows(parse(ontology, format=RdfFormat.TURTLE)):
        if p == f"<{RDFS.label}>" and is_iri(s) and not is_iri(o):
            out.setdefault(value_of(s), literal_parts(o)[0])
    return out


# -- the two sides -----------------------------------------------------------------------------------------------

def read_lines(path: Path) -> list[str]:
    """A release as N-Triples lines: a release directory (its files verified against its SHA256SUMS) or one dump
    file, gzipped or not (:mod:`releasedir`, the one reader of releases)."""
    from .releasedir import lines_of

    return lines_of(path)


def read_rows(path: Path) -> list[Row]:
    """The triples of a release directory (verified) or of one RDF file (gzipped or not)."""
    from .releasedir import rows_of

    return rows_of(path)


def git_revision(spec: str, repo: Path) -> str | None:
    """The commit ``spec`` names in the git repository holding ``repo``, or None."""
    import subprocess

    try:
        proc = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"],
                              capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def export_revision(commit: str, repo: Path, directories: Sequence[Path], out: Path) -> list[Path]:
    """The ``directories`` (inside ``repo``'s work tree) as they were at ``commit``, written under ``out``;
    returns where each one went."""
    import io
    import subprocess
    import tarfile

    top = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                         timeout=30, check=True).stdout.strip()
    relative = [str(d.resolve().relative_to(Path(top).resolve())) for d in directories]
    proc = subprocess.run(["git", "-C", top, "archive", "--format=tar", commit, "--", *relative],
                          capture_output=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise ConfigError(f"git archive of {commit[:12]} failed: {proc.stderr.decode(errors='replace').strip()}",
                          Location.of(repo))
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(out, filter="data")
    return [out / r for r in relative]


#: What ``odg diff --format`` writes: a changelog, the changes for machines, the RDF delta (TriG).
DIFF_FORMATS = ("markdown", "json", "trig")


def render(d: Diff, fmt: str, labels: Mapping[str, str] | None = None) -> str:
    """The changes ``d`` in one of :data:`DIFF_FORMATS`."""
    return {"markdown": lambda: markdown(d, labels), "json": lambda: as_json(d), "trig": lambda: trig(d, d.base)}[fmt]()
