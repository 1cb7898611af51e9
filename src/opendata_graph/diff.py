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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, Location
from .namespaces import DCTERMS, FOAF, OA, OWL, PROV, RDF, RDFS, SKOS, XSD, curie
from .schema import KINDS, minted_record
from .terms import Row, Term, is_iri, literal_parts, value_of

#: Segments of IRIs minted for the provenance machinery: never an entity, never a change.
DERIVED = ("statement/", "evidence/", "reference/")
#: IRI segment of memberships (``membership/<member>/<organisation>/<role>``): owned by the member.
MEMBERSHIP_PATH = "membership/"
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
    """One release: its rows indexed by subject, its entities and what owns each node."""

    def __init__(self, rows: Iterable[Row], base: str) -> None:
        self.base = base
        self.rows = set(rows)
        self.by_subject: dict[Term, list[Row]] = defaultdict(list)
        for r in self.rows:
            self.by_subject[r[0]].append(r)
        self.entities: dict[Term, str] = {}
        for s in self.by_subject:
            kind = self.kind_of(s)
            if kind is not None:
                self.entities[s] = kind
        self.by_id = {value_of(s).rsplit("/", 1)[-1]: s for s in self.entities if s.startswith(f"<{base}")}

    def kind_of(self, s: Term) -> str | None:
        """An entity's kind (its IRI segment): minted ``<base><segment>/<id>``, or an outside IRI we keep a page
        about (a licence's SPDX IRI, of the kind of its page)."""
        if not s.startswith(f"<{self.base}"):
            page = self.value(s, FOAF.isPrimaryTopicOf)
            return self.kind_of(page) if page is not None and page.startswith(f"<{self.base}") else None
        record = minted_record(value_of(s), self.base)
        return record[0] if record is not None else None

    def value(self, s: Term, p: str) -> Term | None:
        for _, q, o in self.by_subject.get(s, ()):
            if q == f"<{p}>":
                return o
        return None

    def owner(self, s: Term) -> tuple[Term, str] | None:
        """The entity a node belongs to, and the node's path below it ("" for the entity itself); None for the
        provenance machinery."""
        if s in self.entities:
            return s, ""
        if not s.startswith(f"<{self.base}"):
            return None
        path = value_of(s)[len(self.base):]
        if path.startswith(DERIVED) or "/excerpt/" in path:
            return None
        if path.startswith(MEMBERSHIP_PATH):
            member = self.by_id.get(path[len(MEMBERSHIP_PATH):].split("/", 1)[0])
            return (member, path) if member is not None else None
        parts = path.split("/")
        entity = f"<{self.base}{'/'.join(parts[:2])}>"
        return (entity, "/".join(parts[2:])) if entity in self.entities else None

    def facts(self) -> dict[Term, dict[tuple[str, str], set[Term]]]:
        """Each entity's properties: (node path, predicate) -> objects."""
        out: dict[Term, dict[tuple[str, str], set[Term]]] = defaultdict(lambda: defaultdict(set))
        for s, rs in self.by_subject.items():
            owned = self.owner(s)
            if owned is None:
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

    def sources(self) -> dict[Row, list[str]]:
        """Each reified fact's quotes ("quote" — document) or evidence texts."""
        out: dict[Row, list[str]] = {}
        for s, rs in self.by_subject.items():
            if not s.startswith(f"<{self.base}statement/"):
                continue
            parts = {p: o for _, p, o in rs if p in (f"<{RDF.subject}>", f"<{RDF.predicate}>", f"<{RDF.object}>")}
            fact = (parts.get(f"<{RDF.subject}>"), parts.get(f"<{RDF.predicate}>"), parts.get(f"<{RDF.object}>"))
            if None in fact:
                continue
            out[fact] = sorted(self.source_text(o) for _, p, o in rs if p == f"<{PROV.wasDerivedFrom}>")  # type: ignore[index]
        return out

    def source_text(self, node: Term) -> str:
        selector = self.value(node, OA.hasSelector)
        exact = self.value(selector, OA.exact) if selector is not None else None
        if exact is not None:
            doc = self.value(node, OA.hasSource)
            return f"“{literal_parts(exact)[0]}” — {self.label(doc) if doc else 'a source document'}"
        comment = self.value(node, RDFS.comment)
        return f"external evidence: {literal_parts(comment)[0]}" if comment is not None else self.label(node)


def diff(old_rows: Iterable[Row], new_rows: Iterable[Row], base: str, old_name: str = "old",
         new_name: str = "new", labels: Mapping[str, str] | None = None) -> Diff:
    """The per-entity changes and the RDF delta from ``old_rows`` to ``new_rows``; ``labels``: predicate IRI ->
    its label (the ontology's), for the report."""
    old, new = Side(old_rows, base), Side(new_rows, base)
    out = Diff(old_name, new_name, additions=new.rows - old.rows, removals=old.rows - new.rows)
    if not out.additions and not out.removals:
        return out
    old_facts, new_facts = old.facts(), new.facts()
    new_sources = new.sources()
    for s in sorted(new.entities.keys() - old.entities.keys()):
        out.added.append(Entity(s, new.entities[s], new.label(s)))
    for s in sorted(old.entities.keys() - new.entities.keys()):
        out.removed.append(Entity(s, old.entities[s], old.label(s)))
    for s in sorted(old.entities.keys() & new.entities.keys()):
        changes = _changes(old_facts.get(s, {}), new_facts.get(s, {}), s, old, new, new_sources, labels or {})
        if not changes:
            continue
        entity = Entity(s, new.entities[s], new.label(s), changes)
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
        subject = f"<{new_side.base}{node}>" if node.startswith(MEMBERSHIP_PATH) else (
            f"{s[:-1]}/{node}>" if node else s)
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
                lines.append(_entity_line(e, heading))
                if heading == "Changed":
                    lines += [_change_line(c, labels, e.iri) for c in e.changes]
            lines.append("")
    return "\n".join(lines)


def _entity_line(e: Entity, heading: str) -> str:
    line = f"- **{e.label}** (`{e.kind}/{e.iri.rsplit('/', 1)[-1][:-1]}`)"
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


def _change_line(c: Change, labels: Mapping[str, str], entity: str) -> str:
    what = labels.get(c.predicates[0]) or words(c.predicates[0])
    where = f"{node_words(c.node, entity)} · " if c.node else ""
    before = ", ".join(f"“{v}”" for v in c.removed) or "—"
    after = ", ".join(f"“{v}”" for v in c.added) or "—"
    line = f"  - {where}{what}: {before} → {after}"
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

    from .terms import rows

    out: dict[str, str] = {}
    for s, p, o in rows(parse(ontology, format=RdfFormat.TURTLE)):
        if p == f"<{RDFS.label}>" and is_iri(s) and not is_iri(o):
            out.setdefault(value_of(s), literal_parts(o)[0])
    return out


# -- the two sides -----------------------------------------------------------------------------------------------

def read_rows(path: Path) -> list[Row]:
    """The triples of a release directory (its N-Triples dump) or of one RDF file (gzipped or not); a quad file's
    graphs are dropped (the facts are its default graph)."""
    import gzip

    from pyoxigraph import parse

    from .formats import STEM, by_extension
    from .terms import rows

    if path.is_dir():
        path = path / f"{STEM}.nt"
    compressed = path.suffix == ".gz"
    fmt = by_extension(Path(path.stem).suffix if compressed else path.suffix)
    if fmt is None:
        raise ConfigError(f"not an RDF dump: {path.name}", Location.of(path),
                          "give a release directory, a dump (.nt .ttl .nq .trig .jsonld, gzipped or not) or a git "
                          "revision")
    if not path.is_file():
        raise ConfigError("no release here", Location.of(path), "give a release directory holding a dump")
    try:
        if compressed:
            with gzip.open(path, "rb") as f:
                return rows(parse(f.read(), format=fmt.rdf))
        return rows(parse(path=str(path), format=fmt.rdf))
    except (SyntaxError, OSError, EOFError) as exc:
        raise ConfigError(f"cannot read the dump: {str(exc).splitlines()[0]}", Location.of(path)) from None


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
