"""Every vocabulary IRI the project uses, as named constants.

Nothing else in the code spells out a namespace: import the term from here. Terms are plain ``str`` IRIs so
they work with pyoxigraph (``NamedNode(ORG.Membership)``) and rdflib (``URIRef(...)``) alike.
"""

from __future__ import annotations

from typing import Final

DEFAULT_BASE: Final = "https://w3id.org/opendata-graph/"


class Namespace:
    """A namespace IRI; ``NS.term`` and ``NS["term"]`` return the term's IRI as a ``str``.

    Deliberately not a ``str`` subclass: ``DCTERMS.title`` must not resolve to ``str.title``.
    """

    __slots__ = ("iri",)

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.iri + name

    def __getitem__(self, name: str) -> str:
        return self.iri + name

    def __str__(self) -> str:
        return self.iri

    def __repr__(self) -> str:
        return f"Namespace({self.iri!r})"


RDF: Final = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS: Final = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL: Final = Namespace("http://www.w3.org/2002/07/owl#")
XSD: Final = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS: Final = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS: Final = Namespace("http://purl.org/dc/terms/")
DCAT: Final = Namespace("http://www.w3.org/ns/dcat#")
FOAF: Final = Namespace("http://xmlns.com/foaf/0.1/")
ORG: Final = Namespace("http://www.w3.org/ns/org#")
SCHEMA: Final = Namespace("http://schema.org/")
#: schema.org's types as FAIR Signposting names them (``rel="type"``: https, unlike the data's terms).
SCHEMA_WEB: Final = Namespace("https://schema.org/")
PROV: Final = Namespace("http://www.w3.org/ns/prov#")
OA: Final = Namespace("http://www.w3.org/ns/oa#")
TIME: Final = Namespace("http://www.w3.org/2006/time#")
VOID: Final = Namespace("http://rdfs.org/ns/void#")
SH: Final = Namespace("http://www.w3.org/ns/shacl#")
CC: Final = Namespace("http://creativecommons.org/ns#")
SPDX: Final = Namespace("http://spdx.org/rdf/terms#")
SPDX_LICENSE: Final = Namespace("http://spdx.org/licenses/")
WD: Final = Namespace("http://www.wikidata.org/entity/")
IANA_MEDIA: Final = Namespace("https://www.iana.org/assignments/media-types/")
VANN: Final = Namespace("http://purl.org/vocab/vann/")
SD: Final = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3C_FORMATS: Final = Namespace("http://www.w3.org/ns/formats/")
SPARQL_RESULTS: Final = Namespace("http://www.w3.org/2005/sparql-results#")
QUDT: Final = Namespace("http://qudt.org/schema/qudt/")
ADMS: Final = Namespace("http://www.w3.org/ns/adms#")
#: The ADMS status of a retired record (http://purl.org/adms/status/): a merged one is deprecated in favour of
#: its successor, a withdrawn one is withdrawn.
ADMS_STATUS: Final = {"merged": "http://purl.org/adms/status/Deprecated",
                      "withdrawn": "http://purl.org/adms/status/Withdrawn"}
UNIT: Final = Namespace("http://qudt.org/vocab/unit/")
VCARD: Final = Namespace("http://www.w3.org/2006/vcard/ns#")
#: The XML namespace of the pictures (SVG), not a vocabulary.
SVG_XMLNS: Final = "http://www.w3.org/2000/svg"

#: Where the project lives (the report formats name it as the tool's home).
PROJECT_HOME: Final = DEFAULT_BASE

#: The project's own ontology namespace (classes and properties) and its concept schemes.
ODG: Final = Namespace(DEFAULT_BASE + "ontology#")
ODG_ONTOLOGY: Final = DEFAULT_BASE + "ontology"
ROLE: Final = Namespace(DEFAULT_BASE + "ontology/role/")
SHAPES: Final = Namespace(DEFAULT_BASE + "shapes#")
QUALIFIER: Final = Namespace(DEFAULT_BASE + "ontology/qualifier/")
BOUND: Final = Namespace(DEFAULT_BASE + "ontology/bound/")

#: The language of the release's text (its sources are in English): the tag of its literals, and the default
#: language of its JSON-LD.
TEXT_LANGUAGE: Final = "en"

#: Prefixes written into Turtle and the JSON-LD context, in this order.
PREFIXES: Final[dict[str, str]] = {
    "odg": str(ODG),
    "role": str(ROLE),
    "qualifier": str(QUALIFIER),
    "bound": str(BOUND),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "foaf": str(FOAF),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "oa": str(OA),
    "time": str(TIME),
    "void": str(VOID),
    "cc": str(CC),
    "spdx": str(SPDX),
    "qudt": str(QUDT),
    "adms": str(ADMS),
    "unit": str(UNIT),
    "wd": str(WD),
}

#: Registries whose items the release links to, by the name a person knows them by (pages name an unlabelled
#: item so: "Wikidata Q13785927").
REGISTRIES: Final[dict[str, str]] = {
    str(WD): "Wikidata",
    "https://ror.org/": "ROR",
    "https://orcid.org/": "ORCID",
    str(SPDX): "SPDX",
    str(SPDX_LICENSE): "SPDX",
}

#: Vocabularies whose terms consumers may rely on without our ontology.
STANDARD_NAMESPACES: Final = tuple(
    str(ns) for ns in (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, DCAT, FOAF, ORG, SCHEMA, PROV, OA, TIME, VOID, CC, SPDX,
                       QUDT, UNIT)
)


def curie(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace (the shapes' and SHACL's included), else ``<iri>``."""
    for prefix, ns in {"shapes": SHAPES.iri, "sh": SH.iri, **PREFIXES}.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"
