"""The ontology: every term used in the data is declared; every own term is labelled, defined and aligned."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from opendata_graph.core import paths
from opendata_graph.core.namespaces import DCTERMS, ODG, OWL, RDF, RDFS, SKOS, STANDARD_NAMESPACES
from opendata_graph.stages.validate import load_ontology_document, load_turtle_dir

from .checks import declared_terms, undeclared_terms


def own_terms(ontology: bytes) -> dict[str, dict[str, list[object]]]:
    terms: dict[str, dict[str, list[object]]] = {}
    for t in parse(ontology, format=RdfFormat.TURTLE):
        if t.subject.value.startswith(str(ODG)) and t.subject.value != str(ODG):
            terms.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    return terms


def test_ontology_parses_strictly_and_has_no_blank_nodes(ontology_bytes: bytes) -> None:
    triples = list(parse(ontology_bytes, format=RdfFormat.TURTLE))
    assert len(triples) > 300
    assert not [t for t in triples if isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)]


def test_every_term_used_in_the_release_is_declared(triples: list[Triple], ontology_bytes: bytes) -> None:
    assert undeclared_terms(triples, ontology_bytes) == set()


def test_an_undeclared_term_is_caught(triples: list[Triple], ontology_bytes: bytes) -> None:
    typo = Triple(NamedNode("https://w3id.org/opendata-graph/organisation/gbif"), NamedNode("http://schema.org/nmae"),
                  Literal("GBIF"))
    assert undeclared_terms([*triples, typo], ontology_bytes) == {"http://schema.org/nmae"}


OWN_TERMS = sorted(own_terms(load_turtle_dir(paths.ontology_dir())))


def test_there_are_own_terms() -> None:
    assert len(OWN_TERMS) >= 20


@pytest.mark.parametrize("term", OWN_TERMS)
def test_own_term_is_labelled_defined_and_aligned(term: str, ontology_bytes: bytes) -> None:
    props = own_terms(ontology_bytes)[term]
    assert props.get(RDFS.label), f"{term} has no rdfs:label"
    assert props.get(RDFS.comment), f"{term} has no rdfs:comment (what OWL tools show as its definition)"
    parents = [o.value for o in props.get(RDFS.subClassOf, []) + props.get(RDFS.subPropertyOf, [])
               + props.get(OWL.equivalentClass, []) + props.get(OWL.equivalentProperty, [])
               if isinstance(o, NamedNode)]
    if term == ODG.NegativeProperty or ODG.NegativeProperty in {o.value for o in props.get(RDF.type, [])}:
        # aligned to what it denies (a negative property), or to OWL's negative assertion (the class of them:
        # rdf:Property as a super-class is reserved vocabulary, not OWL 2 DL)
        parents = [o.value for o in props.get(SKOS.related, []) if isinstance(o, NamedNode)]
    assert any(p.startswith(STANDARD_NAMESPACES) for p in parents), f"{term} is not aligned to a standard term"


def test_no_negative_property_refines_a_positive_one(ontology_bytes: bytes) -> None:
    """A negative fact ("not funded by") never entails a positive one: a property typed odg:NegativeProperty, or
    labelled "not ...", has no super-property at all (transitively: nothing above it but other negatives), and
    one labelled "not ..." is typed so."""
    terms = own_terms(ontology_bytes)
    negative = {t for t, props in terms.items() if ODG.NegativeProperty in {o.value for o in props.get(RDF.type, [])}}
    labelled = {t for t, props in terms.items()
                if any(str(o.value).lower().startswith("not ") for o in props.get(RDFS.label, []))}
    assert labelled <= negative, f"labelled as negations but not typed odg:NegativeProperty: {labelled - negative}"
    assert negative, "the ontology has a negative property (odg:notFundedBy)"
    for term in negative:
        above = [o.value for o in terms[term].get(RDFS.subPropertyOf, [])]
        assert all(p in negative for p in above), f"{term} refines {above}, a positive relation"


def test_own_terms_are_accompanied_by_the_standard_terms_they_refine(triples: list[Triple],
                                                                     ontology_bytes: bytes) -> None:
    """The vocabulary contract: wherever the data uses an own term, the standard super-term is stated too."""
    terms = own_terms(ontology_bytes)
    by_subject: dict[str, set[tuple[str, str]]] = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, set()).add((t.predicate.value, str(t.object)))
    missing = []
    for t in triples:
        p, o = t.predicate.value, t.object
        if p == RDF.type and isinstance(o, NamedNode) and o.value in terms:
            for parent in terms[o.value].get(RDFS.subClassOf, []):
                if (RDF.type, str(parent)) not in by_subject[t.subject.value]:
                    missing.append(f"{t.subject.value} a {o.value} but not {parent}")
        elif p in terms:
            for parent in terms[p].get(RDFS.subPropertyOf, []):
                if (parent.value, str(o)) not in by_subject[t.subject.value]:
                    missing.append(f"{t.subject.value} {p} {o} but not {parent}")
    assert missing == []


def test_declared_terms_include_own_and_standard(ontology_bytes: bytes) -> None:
    declared = declared_terms(ontology_bytes)
    assert ODG.Figure in declared and "http://www.w3.org/ns/org#Membership" in declared


def test_the_converter_bounds_each_qualifier_as_the_ontology_says(ontology_bytes: bytes) -> None:
    """Each qualifier concept states its bound (odg:bound) and each bound its number's property
    (odg:numberProperty); the converter's tables follow them exactly, for every qualifier."""
    from pyoxigraph import RdfFormat, parse

    from opendata_graph.core.namespaces import BOUND, QUALIFIER
    from opendata_graph.stages.convert import BOUND_PROPERTY, QUALIFIER_BOUND

    triples = list(parse(ontology_bytes, format=RdfFormat.TURTLE))
    bounds = {t.subject.value.removeprefix(str(QUALIFIER)): t.object.value.removeprefix(str(BOUND))
              for t in triples if t.predicate.value == ODG.bound and t.subject.value.startswith(str(QUALIFIER))}
    numbers = {t.subject.value.removeprefix(str(BOUND)): t.object.value
               for t in triples if t.predicate.value == ODG.numberProperty}
    assert bounds == QUALIFIER_BOUND
    assert numbers == {k: v[0] for k, v in BOUND_PROPERTY.items()}


# -- OWL 2 DL, judged by the OWL API's profile checker ----------------------------------------------------------------

ONTOLOGY_IRI = ODG.iri.rstrip("#")
#: The OWL API (Debian's libowlapi-java, OWL API 5) and the driver compiled against it (tests/owl/OwlProfile.java).
OWLAPI_PACKAGE = "libowlapi-java"
DRIVER = Path(__file__).parent / "owl" / "OwlProfile.java"


def owlapi_classpath() -> str:
    """The OWL API's jars and those of the Debian Java libraries it depends on, transitively (unversioned names),
    with one SLF4J binding (the no-op one: several bindings on the path make SLF4J fail)."""
    packages, todo = set(), [OWLAPI_PACKAGE]
    while todo:
        package = todo.pop()
        depends = subprocess.run(["dpkg-query", "-W", "-f=${Status}|${Depends}", package], capture_output=True,
                                 text=True, timeout=30)
        status, _, listed = depends.stdout.partition("|")
        if depends.returncode != 0 or not status.endswith(" installed"):
            assert package != OWLAPI_PACKAGE, f"{OWLAPI_PACKAGE} is not installed: run `make tools`"
            continue  # an alternative not installed (another of its alternatives is)
        packages.add(package)
        for alternatives in listed.split(","):
            for name in (re.split(r"[\s(:]", a.strip(), maxsplit=1)[0] for a in alternatives.split("|")):
                if name.endswith("-java") and name not in packages and name not in todo:
                    todo.append(name)
    files = subprocess.run(["dpkg", "-L", *sorted(packages)], capture_output=True, text=True, timeout=30)
    jars = sorted({line for line in files.stdout.splitlines()
                   if re.fullmatch(r"/usr/share/java/[^/]+\.jar", line) and not re.search(r"-\d[\d.]*\.jar$", line)
                   and "slf4j" not in line})
    assert any("owlapi-distribution" in j for j in jars), f"no OWL API jar in {OWLAPI_PACKAGE}: run `make tools`"
    return ":".join([*jars, "/usr/share/java/slf4j-api.jar", "/usr/share/java/slf4j-nop.jar"])


@pytest.fixture(scope="module")
def owl_profile(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that checks ontology files against OWL 2 DL: the driver, compiled here with the machine's javac."""
    for tool in ("javac", "java"):
        assert shutil.which(tool), f"{tool} not found: run `make tools` (it installs a JDK and {OWLAPI_PACKAGE})"
    classpath = owlapi_classpath()
    classes = tmp_path_factory.mktemp("owlprofile")
    compiled = subprocess.run(["javac", "-cp", classpath, "-d", str(classes), str(DRIVER)], capture_output=True,
                              text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stderr
    return ["java", "-cp", f"{classpath}:{classes}", "OwlProfile"]


def dl_violations(command: list[str], *files: Path) -> dict[str, list[str]]:
    """Each file's OWL 2 DL violations, as the OWL API reports them (a file that does not load fails the test)."""
    run = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), f"the profile checker failed (exit {run.returncode}): {run.stderr}"
    found: dict[str, list[str]] = {str(f): [] for f in files}
    counts = {}
    for line in run.stdout.splitlines():
        name, _, rest = line.partition(": ")
        if rest.startswith("violations: "):
            counts[name] = int(rest.split(": ", 1)[1])
        elif not rest.startswith("axioms: "):
            found[name].append(rest)
    assert counts == {f: len(v) for f, v in found.items()}, run.stdout  # every file checked, every line read
    assert (run.returncode == 1) == any(found.values())
    return found


def test_the_ontology_is_owl2_dl(owl_profile: list[str], ontology_bytes: bytes, tmp_path: Path) -> None:
    """The ontology as the release publishes it (ontology.ttl), and with the concept schemes (every file of
    ontology/, as the build reads it), is OWL 2 DL: no violation of the OWL API's profile checker."""
    published, everything = tmp_path / "ontology.ttl", tmp_path / "everything.ttl"
    published.write_bytes(load_ontology_document(paths.ontology_dir()))
    everything.write_bytes(ontology_bytes)
    assert dl_violations(owl_profile, published, everything) == {str(published): [], str(everything): []}


#: What made the ontology not OWL 2 DL (17 violations): each put back, the checker names it.
NOT_DL = {
    "a data property under a SKOS annotation property":
        ("odg:aim a owl:AnnotationProperty ;", "odg:aim a owl:DatatypeProperty ;", "IllegalPunning"),
    "an annotation property under rdfs:comment, typed a data property":
        ("odg:sourceLocation a owl:AnnotationProperty ;", "odg:sourceLocation a owl:DatatypeProperty ;",
         "IllegalPunning"),
    "a class under rdf:Property":
        ("odg:NegativeProperty a owl:Class ;", "odg:NegativeProperty a owl:Class ; rdfs:subClassOf rdf:Property ;",
         "UseOfReservedVocabularyForClassIRI"),
    "an undeclared annotation property":
        ("skos:related a owl:AnnotationProperty ;", "skos:seeAlsoNot a owl:AnnotationProperty ;",
         "UseOfUndeclaredAnnotationProperty"),
}


def test_the_profile_checker_finds_what_made_the_ontology_not_dl(owl_profile: list[str], tmp_path: Path) -> None:
    """The check can fail: each of the old faults, put back into a copy of the ontology, is a violation."""
    text = (paths.ontology_dir() / "opendata-graph.ttl").read_text(encoding="utf-8")
    files = {}
    for i, (name, (fixed, broken, _)) in enumerate(NOT_DL.items()):
        assert text.count(fixed) == 1, f"{name}: {fixed!r} is not in the ontology"
        files[name] = tmp_path / f"broken-{i}.ttl"
        files[name].write_text(text.replace(fixed, broken), encoding="utf-8")
    found = dl_violations(owl_profile, *files.values())
    for name, (_, _, kind) in NOT_DL.items():
        assert any(v.startswith(kind + ":") for v in found[str(files[name])]), f"{name}: {found[str(files[name])]}"


def test_a_file_the_checker_cannot_read_fails_closed(owl_profile: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<x> a owl:Ontology ; <y> \"unterminated .\n")
    run = subprocess.run([*owl_profile, str(broken)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and f"{broken}: error:" in run.stderr, (run.returncode, run.stdout, run.stderr)


def test_the_ontology_describes_itself(ontology_bytes: bytes) -> None:
    """An owl:Ontology with a title, a description for people (rdfs:comment), a version IRI and version."""
    head = {}
    for t in parse(ontology_bytes, format=RdfFormat.TURTLE):
        if t.subject.value == ONTOLOGY_IRI:
            head.setdefault(t.predicate.value, []).append(t.object)
    assert NamedNode(OWL.Ontology) in head[RDF.type]
    for p in (DCTERMS.title, RDFS.comment, OWL.versionIRI, OWL.versionInfo):
        assert len(head.get(p, [])) == 1, f"the ontology has {len(head.get(p, []))} {p}"
    version = head[OWL.versionInfo][0].value
    assert head[OWL.versionIRI][0] == NamedNode(f"{ONTOLOGY_IRI}/{version}")


def test_the_release_publishes_the_ontology_document_alone(dist: Path) -> None:
    """The release's ontology.ttl is the owl:Ontology's file (ontology/opendata-graph.ttl); the concept schemes are
    in the dumps (every concept with its label), not in it."""
    assert (dist / "ontology.ttl").read_bytes() == (paths.ontology_dir() / "opendata-graph.ttl").read_bytes()
    dumped = {t.subject.value for t in parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)
              if t.predicate.value == SKOS.prefLabel}
    schemes = {t.subject.value for t in parse(path=str(paths.ontology_dir() / "schemes.ttl"), format=RdfFormat.TURTLE)
               if t.predicate.value == SKOS.prefLabel}
    assert len(schemes) > 10 and schemes <= dumped


def test_the_concept_schemes_are_documents_of_their_own() -> None:
    """A documentation tool reading the ontology finds one owl:Ontology and no concept scheme (pyLODE took the
    role scheme's IRI and a run-together title from a file holding both); the schemes' file no ontology."""
    kinds: dict[str, set[str]] = {}
    for f in sorted(paths.ontology_dir().glob("*.ttl")):
        for t in parse(path=str(f), format=RdfFormat.TURTLE):
            if t.predicate.value == RDF.type and t.object.value in (OWL.Ontology, SKOS.ConceptScheme):
                kinds.setdefault(f.name, set()).add(t.object.value)
    assert kinds == {"opendata-graph.ttl": {OWL.Ontology}, "schemes.ttl": {SKOS.ConceptScheme}}


def test_the_ontology_page_documents_every_own_term_and_concept(ontology_bytes: bytes) -> None:
    """The page `odg serve` answers at /ontology and `odg site` writes as ontology.html (the same Site method):
    the ontology's title, comment and version IRI; a row per own term (its anchor, label and comment, in its
    kind's section); every concept of the schemes with its label."""
    from html import escape

    from pyoxigraph import Store

    from opendata_graph.core.namespaces import DEFAULT_BASE
    from opendata_graph.web.pages import Site

    store = Store()
    store.load(ontology_bytes, format=RdfFormat.TURTLE)
    published = Store()  # the release's ontology.ttl: the ontology document alone
    published.load(load_ontology_document(paths.ontology_dir()), format=RdfFormat.TURTLE)
    page = Site(store, DEFAULT_BASE).ontology(published, ONTOLOGY_IRI)  # the schemes: from the release's data
    head = {t.predicate.value: t.object.value for t in parse(ontology_bytes, format=RdfFormat.TURTLE)
            if t.subject.value == ONTOLOGY_IRI}
    for p in (DCTERMS.title, RDFS.comment, OWL.versionIRI):
        assert escape(head[p]) in page, p
    sections = {kind: page.index(f">{heading} <") for kind, heading in (
        (OWL.Class, "Classes"), (OWL.ObjectProperty, "Object properties"), (OWL.DatatypeProperty, "Data properties"),
        (OWL.AnnotationProperty, "Annotation properties"))}
    for term, props in own_terms(ontology_bytes).items():
        local = term.rsplit("#", 1)[-1]
        row = page.index(f'<tr id="{local}">')
        kind = next(o.value for o in props[RDF.type] if o.value in sections)
        assert row > sections[kind] and all(row < v for v in sections.values() if v > sections[kind]), term
        assert escape(props[RDFS.label][0].value) in page[row:] and escape(props[RDFS.comment][0].value) in page[row:]
    triples = list(parse(ontology_bytes, format=RdfFormat.TURTLE))
    in_scheme = {t.subject.value for t in triples if t.predicate.value == SKOS.inScheme}
    concepts = [t.object.value for t in triples if t.predicate.value == SKOS.prefLabel and t.subject.value in in_scheme]
    assert len(concepts) > 10
    assert [c for c in concepts if f"<td>{escape(c)}</td>" not in page[page.index("Concept schemes"):]] == []
