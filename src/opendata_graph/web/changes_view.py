"""``/changes`` as a view model (``templates/changes.html``): every release's changelog, newest first, each
entity a link to its page, each change of an entity in words (:func:`opendata_graph.releases.diff.change_words`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode

from .views import Context, Link, kind_name

#: The groups of a kind's changes, in the order shown, and what each says of an entity.
GROUPS = {"added": "added", "withdrawn": "withdrawn", "merged": "merged into ", "removed": "removed",
          "changed": "changed"}


@dataclass(frozen=True)
class Change:
    """An entity's change: the entity, what happened ("added", "merged into x"...), why, and for a changed one,
    each change in words."""

    entity: Link
    what: str
    why: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class KindChanges:
    heading: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    first: bool  #: the first release (no changelog)
    kinds: tuple[KindChanges, ...]


def changes(ctx: Context) -> tuple[Release, ...]:
    """Every release, newest first (none: the unreleased build)."""
    return tuple(Release(v.version, v.date or "", not v.changes, _kinds(ctx, v.changes) if v.changes else ())
                 for v in reversed(ctx.history.versions))


def _kinds(ctx: Context, changes: Mapping[str, Any]) -> tuple[KindChanges, ...]:
    from ..releases.diff import change_words

    kinds = changes.get("kinds", {})
    out = []
    for kind in sorted(kinds):
        groups = kinds[kind]
        shown = []
        for group, says in GROUPS.items():
            for e in groups.get(group, []):
                iri = str(e["iri"])
                entity = ctx.link(NamedNode(iri)) if iri.startswith(ctx.base) else Link(str(e["label"]))
                what = says + str(e.get("replaced_by", "")) if group == "merged" else says
                why = f" ({e['reason']})" if e.get("reason") else ""
                lines = tuple(change_words(c.get("node", ""), c.get("predicates", []), c.get("removed", []),
                                           c.get("added", []), iri, ctx.labels)
                              for c in e.get("changes", [])) if group == "changed" else ()
                shown.append(Change(entity, what, why, lines))
        out.append(KindChanges(kind_name(kind), tuple(shown)))
    return tuple(out)
