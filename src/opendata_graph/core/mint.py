"""The grammar of the IRIs odg mints, in one place: every module mints and parses them here.

Under the release's base IRI (``<base>``, ending in ``/`` or ``#``):

==========================================  ===================================================================
``<segment>/<id>``                          a record (``organisation/gbif``; the segments are the kinds')
``<owner>/<part>/<id>``                     a node a record owns: ``organisation/gbif/figure/staff``,
                                            ``.../identifier/ror``, ``.../post/<organisation>``, ``.../period``
``membership/<member>/<organisation>/<role>``  a membership, minted under the member's id
``document/<id>/excerpt/<digest>``          an excerpt of a source document (``/selector``, ``/position``)
``statement/<digest>``                      the rdf:Statement reifying a fact
``evidence/<digest>``, ``reference/<name>`` external evidence, and the file it points at
``dataset``, ``dataset/<version>``          the dataset (VoID/DCAT) and one of its versions
``dataset/contact``, ``dataset/publisher``  the dataset's contact point and publisher
==========================================  ===================================================================

Imports nothing of the package: the kinds' segments are passed in by whoever knows them (:mod:`.schema`).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

#: Top-level segments of nodes that are not records.
MEMBERSHIP, STATEMENT, EVIDENCE, REFERENCE, DATASET = "membership", "statement", "evidence", "reference", "dataset"
#: Parts a node owns below its own IRI.
FIGURE, IDENTIFIER, PRICE, PERIOD, EVENT, ACTIVITY, FUNDING, POST, QUOTATION = (
    "figure", "identifier", "price", "period", "event", "activity", "funding", "post", "quotation")
EXCERPT, SELECTOR, POSITION, GRAPH = "excerpt", "selector", "position", "graph"
#: The dataset's own parts, and the catalog listing it.
CONTACT, PUBLISHER, CLASS, DISTRIBUTION, CATALOG = "contact", "publisher", "class", "distribution", "catalog"
#: The names below ``dataset/`` the release's own description takes (its contact point, publisher, class
#: partitions, distributions): the ids no dataset record (``dataset/<id>``) may take.
DATASET_PARTS = (CONTACT, PUBLISHER, CLASS, DISTRIBUTION)
#: The kind segment of source documents, whose excerpts are minted below them.
DOCUMENT_SEGMENT = "document"
#: Every segment this grammar spells (tests/test_architecture.py: no other module spells them with a slash).
SEGMENTS = (MEMBERSHIP, STATEMENT, EVIDENCE, REFERENCE, DATASET, FIGURE, IDENTIFIER, PRICE, PERIOD, EVENT, ACTIVITY,
            FUNDING, POST, QUOTATION, EXCERPT, SELECTOR, POSITION, GRAPH, CATALOG)
#: Path prefixes (after the base) of the nodes derived from facts, not stated by a record.
DERIVED = (f"{STATEMENT}/", f"{EVIDENCE}/", f"{REFERENCE}/")
#: Path prefix (after the base) of memberships.
MEMBERSHIP_PATH = f"{MEMBERSHIP}/"


def path(base: str, *parts: str) -> str:
    """``<base>part/part/...``: the IRI (without angle brackets) of a node under the base."""
    return base + "/".join(parts)


def record(base: str, segment: str, id_: str) -> str:
    """A record's IRI: ``<base><segment>/<id>``."""
    return path(base, segment, id_)


def below(owner: str, *parts: str) -> str:
    """A node ``owner`` owns: ``<owner>/<part>/...`` (a figure, a period, an excerpt's selector...)."""
    return "/".join((owner, *parts))


def membership(base: str, member: str, organisation: str, role: str) -> str:
    return path(base, MEMBERSHIP, member, organisation, role)


def memberships_of(base: str, member: str) -> str:
    """The prefix of every membership minted under ``member``."""
    return path(base, MEMBERSHIP, member, "")


def excerpt(base: str, document: str, digest: str) -> str:
    return path(base, DOCUMENT_SEGMENT, document, EXCERPT, digest)


def statement(base: str, digest: str) -> str:
    return path(base, STATEMENT, digest)


def statements(base: str) -> str:
    """The prefix of every statement's IRI."""
    return path(base, STATEMENT, "")


def evidence(base: str, digest: str) -> str:
    return path(base, EVIDENCE, digest)


def evidences(base: str) -> str:
    return path(base, EVIDENCE, "")


def reference(base: str, name: str) -> str:
    return path(base, REFERENCE, name)


def graph_of(node: str) -> str:
    """The named graph holding the facts derived from ``node`` (an excerpt or an evidence entry)."""
    return below(node, GRAPH)


def dataset(base: str, *parts: str) -> str:
    """The dataset's IRI (``<base>dataset``), a version of it (``dataset/<version>``) or a part of it."""
    return path(base, DATASET, *parts)


def base_of_dataset(iri: str) -> str | None:
    """The base of a dataset IRI (``<base>dataset`` -> ``<base>``, a base ending in ``/`` or ``#``), None for any
    other IRI."""
    base = iri[: -len(DATASET)]
    return base if iri.endswith(DATASET) and base.endswith(("/", "#")) else None


@dataclass(frozen=True)
class Minted:
    """A minted IRI read back: its first segment, the id after it (the record's, the member's, the digest) and
    the segments below (``("figure", "staff")``, for a membership ``(organisation, role)``)."""

    segment: str
    id: str
    rest: tuple[str, ...] = ()


def parse(iri: str, base: str) -> Minted | None:
    """``iri`` read by the grammar, or None when it is not under ``base`` or has no id."""
    if not iri.startswith(base):
        return None
    segment, _, tail = iri[len(base):].partition("/")
    parts = tail.split("/")
    if not segment or not parts[0]:
        return None
    return Minted(segment, parts[0], tuple(parts[1:]))


def record_of(iri: str, base: str, kinds: Container[str]) -> tuple[str, str] | None:
    """``(segment, id)`` when ``iri`` is a record's own IRI, ``<base><segment>/<id>`` with ``segment`` one of
    ``kinds``; None for anything else (a node below it, the provenance machinery, an outside IRI)."""
    minted = parse(iri, base)
    return (minted.segment, minted.id) if minted and minted.segment in kinds and not minted.rest else None
