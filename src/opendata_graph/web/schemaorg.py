"""schema.org ``Dataset`` descriptions of the release, for search engines (Google Dataset Search and the like).

Built from the release's own VoID/DCAT description (``void.ttl``), never from anything else: the home page and
the page of each dataset that description holds (the release and its versions) carry one as JSON-LD in a
``<script type="application/ld+json">``, in ``odg serve`` and the static site alike (both render pages with
:mod:`opendata_graph.web.pages`). Each value is one the description states; what it does not state is left out.
tests/test_schemaorg.py checks every type and property against schema.org's own definitions.
"""

from __future__ import annotations

import json
from typing import Any

from pyoxigraph import Literal, NamedNode, Store

from ..core.namespaces import DCAT, DCTERMS, FOAF, IANA_MEDIA, OWL, RDF, SCHEMA_WEB, VOID


def _objects(store: Store, subject: NamedNode, predicate: str) -> list[NamedNode | Literal]:
    return sorted((q.object for q in store.quads_for_pattern(subject, NamedNode(predicate), None)
                   if isinstance(q.object, NamedNode | Literal)), key=str)


def _text(store: Store, subject: NamedNode, *predicates: str) -> str | None:
    """The first value of the first of ``predicates`` the subject has (a literal's lexical form)."""
    for p in predicates:
        for o in _objects(store, subject, p):
            if isinstance(o, Literal):
                return o.value
    return None


def _iri(store: Store, subject: NamedNode, predicate: str) -> str | None:
    return next((o.value for o in _objects(store, subject, predicate) if isinstance(o, NamedNode)), None)


def _agent(store: Store, node: NamedNode) -> dict[str, Any] | None:
    """A publisher as schema.org's ``creator``: a Person when typed foaf:Person, else an Organization (search
    engines accept only these two); its name as stated."""
    name = _text(store, node, FOAF.name, DCTERMS.title)
    if name is None:
        return None
    kind = "Person" if NamedNode(FOAF.Person) in _objects(store, node, RDF.type) else "Organization"
    agent: dict[str, Any] = {"@type": kind, "name": name}
    homepage = _iri(store, node, FOAF.homepage)
    if homepage:
        agent["url"] = homepage
    return agent


def _download(store: Store, node: NamedNode) -> dict[str, Any] | None:
    """A distribution with a download URL as a ``DataDownload``: its URL, the format of its bytes, its name."""
    url = _iri(store, node, DCAT.downloadURL)
    if url is None:
        return None
    out: dict[str, Any] = {"@type": "DataDownload", "contentUrl": url}
    # the bytes' format: a compressed file's (dcat:compressFormat), else its media type
    media = _iri(store, node, DCAT.compressFormat) or _iri(store, node, DCAT.mediaType)
    if media and media.startswith(str(IANA_MEDIA)):
        out["encodingFormat"] = media[len(str(IANA_MEDIA)):]
    else:
        fmt = _text(store, node, DCTERMS["format"])
        if fmt:
            out["encodingFormat"] = fmt
    title = _text(store, node, DCTERMS.title)
    if title:
        out["name"] = title
    return out


def dataset(store: Store, iri: str) -> dict[str, Any] | None:
    """The schema.org ``Dataset`` of ``iri`` as the release description ``store`` states it; None when ``iri`` is
    not a dataset there (a void:Dataset or dcat:Dataset) or has no name.

    A version (``dcterms:isVersionOf`` the series) without a title, description, licence or publisher of its own
    is named after the series and its version ("opendata-graph release 1.0.0") and takes the series' others:
    what a version of that series is, said in the description's own words."""
    s = NamedNode(iri)
    types = _objects(store, s, RDF.type)
    series = _iri(store, s, DCTERMS.isVersionOf)
    whole = [s, *([NamedNode(series)] if series else [])]  # where a value is looked up, in order
    version = _text(store, s, DCAT.version, OWL.versionInfo)
    name = _text(store, s, DCTERMS.title)
    if name is None and series is not None and version is not None:
        title = _text(store, NamedNode(series), DCTERMS.title)
        name = f"{title} {version}" if title else None
    if not {NamedNode(VOID.Dataset), NamedNode(DCAT.Dataset)} & set(types) or name is None:
        return None
    doc: dict[str, Any] = {"@context": str(SCHEMA_WEB), "@type": "Dataset", "@id": iri, "name": name}
    description = next((d for node in whole if (d := _text(store, node, DCTERMS.description))), None)
    if description:
        doc["description"] = description
    landing = _iri(store, s, DCAT.landingPage)
    doc["url"] = landing or iri
    licence = next((x for node in whole if (x := _iri(store, node, DCTERMS.license))), None)
    if licence:
        doc["license"] = licence
    publishers = next((found for node in whole if (found := [p for p in _objects(store, node, DCTERMS.publisher)
                                                             if isinstance(p, NamedNode)])), [])
    creators = [a for node in publishers for a in [_agent(store, node)] if a]
    if creators:
        doc["creator"] = creators[0] if len(creators) == 1 else creators
    if version:
        doc["version"] = version
    for key, predicate in (("datePublished", DCTERMS.issued), ("dateModified", DCTERMS.modified)):
        date = _text(store, s, predicate)
        if date:
            doc[key] = date
    downloads = [d for node in _objects(store, s, DCAT.distribution) if isinstance(node, NamedNode)
                 for d in [_download(store, node)] if d]
    if downloads:
        doc["distribution"] = downloads
    return doc


def script(store: Store | None, iri: str) -> str:
    """The ``<script type="application/ld+json">`` of :func:`dataset`, or "" (no description, not a dataset).
    ``<`` is escaped (``\\u003c``) so no value can close the element."""
    doc = dataset(store, iri) if store is not None else None
    if doc is None:
        return ""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/ld+json">{text}</script>'


__all__ = ["dataset", "script"]
