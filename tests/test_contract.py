"""The vocabulary contract, from a consumer's side: the Turtle dump alone, queried with standard terms only.

None of these queries uses the project's own ``odg:`` namespace: a semantic-web consumer who knows ORG, FOAF,
schema.org, DCTERMS, DCAT, SKOS, PROV-O, Web Annotation and OWL-Time can answer each question.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import BlankNode, RdfFormat, Store, Triple, parse

from opendata_graph.core.paths import seeds_dir

from .checks import blank_nodes, select

SECOND_COHORT = {"Global Biodiversity Information Facility", "MetaBrainz Foundation", "Open Apparel Registry",
                 "Open Contracting Partnership", "OpenStreetMap Foundation", "Wikimedia Foundation",
                 "The WikiRate Project"}
FIRST_COHORT_COLLABORATIONS = {"Data Cargo", "Caring for Equality in Buenos Aires’ Labour Market", "MaaS-Peer",
                               "Open data for Non-communicable Diseases", "Packaging reuse data",
                               "Shanghai FinTech Innovation Data Collaboration"}
FIRST_COHORT_ORGANISATIONS = {"TDP", "Open Data Charter", "ITS Norway", "iKure", "Reath", "Zero Waste Scotland",
                              "Open Data China"}


def members(store: Store, cohort_alt_label: str, project: bool) -> set[str]:
    rows = select(store, f"""
        SELECT ?name WHERE {{
          ?cohort skos:altLabel "{cohort_alt_label}"@en ; org:hasMember ?m .
          ?ms a org:Membership ; org:member ?m ; org:organization ?cohort ; org:role ?role .
          ?m a org:Organization , schema:Organization ; rdfs:label ?name ; skos:prefLabel ?name ; schema:name ?name ;
             org:memberOf ?cohort .
          {"" if project else "FILTER NOT EXISTS"} {{ ?m a schema:Project }}
        }}""")
    return {r[0] for r in rows}


def test_both_cohorts_members(turtle_store: Store) -> None:
    """A cohort's direct members are of one kind: organisations in the second, collaborations in the first (whose
    organisations are one standard hop away, as the members of each collaboration)."""
    assert members(turtle_store, "second cohort", project=False) == SECOND_COHORT
    assert members(turtle_store, "first cohort", project=True) == FIRST_COHORT_COLLABORATIONS
    assert members(turtle_store, "first cohort", project=False) == set()
    rows = select(turtle_store, """
        SELECT ?name WHERE {
          ?cohort skos:altLabel "first cohort"@en ; org:hasMember ?collaboration .
          ?collaboration org:hasMember ?org . ?org rdfs:label ?name .
        }""")
    assert {r[0] for r in rows} == FIRST_COHORT_ORGANISATIONS
    counts = select(turtle_store, """
        SELECT ?cohort (COUNT(?m) AS ?n) WHERE {
          ?c skos:altLabel ?cohort ; org:hasMember ?m . FILTER(?cohort IN ("first cohort"@en, "second cohort"@en))
        } GROUP BY ?cohort""")
    assert counts == {("first cohort", "6"), ("second cohort", "7")}


def test_cohorts_are_collaborations_within_the_programme(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?cohort ?programme WHERE {
          ?c a org:OrganizationalCollaboration ; skos:altLabel ?cohort ; org:subOrganizationOf ?p .
          ?p a org:OrganizationalCollaboration ; rdfs:label ?programme ; org:hasSubOrganization ?c .
          FILTER(?cohort IN ("first cohort"@en, "second cohort"@en))
        }""")
    assert ("first cohort", "ODI and Microsoft peer-learning network") in rows
    assert ("second cohort", "ODI and Microsoft peer-learning network") in rows


def test_people_and_their_roles(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?name ?title ?employer WHERE {
          ?p a foaf:Person ; foaf:name ?name ; org:holds ?post .
          ?post a org:Post ; rdfs:label ?title ; org:postIn ?o ; org:heldBy ?p .
          ?o rdfs:label ?employer .
        }""")
    assert len(rows) == 9
    assert ("Jeni Tennison", "Vice President and Chief Strategy Adviser", "Open Data Institute") in rows
    assert ("Robert Kaye", "Executive Director", "MetaBrainz Foundation") in rows
    assert ("Laureen van Breen", "Managing Director", "The WikiRate Project") in rows


def test_licences_point_at_spdx_and_share_alike_is_explicit(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?dataset ?spdx WHERE {
          ?d a dcat:Dataset ; rdfs:label ?dataset ; dcterms:license ?spdx .
          ?spdx a dcterms:LicenseDocument ; cc:requires cc:ShareAlike .
          FILTER(STRSTARTS(STR(?spdx), "http://spdx.org/licenses/"))
        }""")
    assert ("OpenStreetMap data", "http://spdx.org/licenses/ODbL-1.0") in rows
    assert ("Wikipedia content", "http://spdx.org/licenses/CC-BY-SA-4.0") in rows


def test_dcterms_license_names_only_licences_that_apply(turtle_store: Store) -> None:
    """A dataset's dcterms:license applies to it: GBIF's index (each dataset in it picks one of three) has none, and
    Wikipedia's content has its current licence only (the former one is another relation)."""
    rows = select(turtle_store, """
        SELECT ?dataset ?licence WHERE { ?d a dcat:Dataset ; rdfs:label ?dataset ; dcterms:license ?licence . }""")
    assert {lic for name, lic in rows if name == "Wikipedia content"} == {"http://spdx.org/licenses/CC-BY-SA-4.0"}
    assert not {lic for name, lic in rows if name.startswith("GBIF.org")}
    assert select(turtle_store, """
        SELECT ?x WHERE { ?x owl:sameAs ?spdx . FILTER(STRSTARTS(STR(?spdx), "http://spdx.org/licenses/")) }""") == set()


def test_a_price_is_money_in_a_currency_per_unit(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?programme ?min ?currency ?per WHERE {
          ?p rdfs:label ?programme ; schema:additionalProperty/schema:valueReference ?price .
          ?price a schema:UnitPriceSpecification ; schema:minPrice ?min ; schema:priceCurrency ?currency ;
                 schema:unitCode ?per .
        }""")
    assert rows == {("ODI Membership network", "100", "GBP", "ANN")}


def test_job_titles_are_job_titles_and_programmes_are_not_units_of_companies(turtle_store: Store) -> None:
    titles = select(turtle_store, "SELECT ?name ?title WHERE { ?p foaf:name ?name ; schema:jobTitle ?title }")
    assert "Guillaume Rischard" not in {name for name, _ in titles}  # only "OpenStreetMap Foundation Board" is said
    assert ("Robert Kaye", "Executive Director") in titles
    assert select(turtle_store, """
        SELECT ?x WHERE { ?x a org:OrganizationalCollaboration ; org:subOrganizationOf ?o . ?o a org:Organization .
          FILTER NOT EXISTS {
          ?o a org:OrganizationalCollaboration } }""") == set()


def test_darwin_core_is_a_standard_gbif_data_conforms_to_in_part(turtle_store: Store) -> None:
    """Darwin Core "forms the basis for the majority of" the index: related to it, never dcterms:conformsTo (which
    would say the whole index conforms)."""
    rows = select(turtle_store, """
        SELECT ?publisher ?p WHERE {
          ?d a dcat:Dataset ; ?p ?s ; dcterms:publisher/rdfs:label ?publisher .
          ?s a dcterms:Standard ; owl:sameAs <http://www.tdwg.org/standards/450> .
        }""")
    assert {p for _, p in rows if not p.startswith("https://w3id.org/")} == {"http://purl.org/dc/terms/relation"}
    assert {publisher for publisher, _ in rows} == {"Global Biodiversity Information Facility"}


def test_every_figure_has_number_words_and_a_quote(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?f ?words ?quote ?address WHERE {
          ?s schema:additionalProperty ?f .
          ?f a schema:PropertyValue ; schema:description ?words ; schema:unitText ?unit .
          ?st a rdf:Statement ; rdf:subject ?f ; rdf:predicate schema:unitText ; prov:wasDerivedFrom ?x .
          ?x a oa:SpecificResource ; oa:hasSelector/oa:exact ?quote ; oa:hasSource/foaf:page ?address .
        }""")
    figures = {r[0] for r in rows}
    assert len(figures) == 25
    assert any(r[1] == "nearly 2 billion records" and "nearly 2 billion records" in r[2] for r in rows)
    bounded = select(turtle_store, """
        SELECT ?words ?value ?min ?max WHERE {
          ?f a schema:PropertyValue ; schema:description ?words .
          OPTIONAL { ?f schema:value ?value } OPTIONAL { ?f schema:minValue ?min } OPTIONAL { ?f schema:maxValue ?max }
          FILTER (BOUND(?value) || BOUND(?min) || BOUND(?max))
        }""")
    by_words = {r[0]: r[1:] for r in bounded}
    # A bound is a bound, never the value: only a figure stated exactly has schema:value.
    assert by_words["Almost 8 million registered users"] == ("", "", "8000000")
    assert by_words["over 20 organisations"] == ("", "20", "")
    assert by_words["one of the ten most visited websites in the world"] == ("", "", "10")
    assert by_words["seven established organisations"] == ("7", "", "")
    assert "approximately 2,000 members" not in by_words  # an approximation is neither a value nor a bound


def test_memberships_carry_owl_time_intervals(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?member ?date WHERE {
          ?m a org:Membership ; org:member/rdfs:label ?member ; org:memberDuring ?i .
          ?i a time:Interval ; time:inside/time:inXSDDate ?date .
        }""")
    assert ("Data Cargo", "2021-01-19") in rows
    end = select(turtle_store, """
        SELECT ?end WHERE {
          ?p rdfs:label "ODI and Microsoft three-year partnership"@en ; dcterms:temporal ?i .
          ?i time:hasEnd/time:inXSDgYearMonth ?end ; time:hasXSDDuration ?d .
        }""")
    assert end == {("2023-04",)}


def test_every_entity_has_a_wikidata_or_homepage_only_from_evidence(turtle_store: Store) -> None:
    """External identities never rest on a quote: each owl:sameAs statement derives from non-excerpt evidence."""
    rows = select(turtle_store, """
        SELECT ?s ?id WHERE {
          ?s owl:sameAs ?id .
          FILTER NOT EXISTS {
            ?st rdf:subject ?s ; rdf:predicate owl:sameAs ; rdf:object ?id ; prov:wasDerivedFrom ?ev .
            FILTER NOT EXISTS { ?ev a oa:SpecificResource }
          }
        }""")
    assert rows == set()


def test_funding_as_stated_with_its_scope_on_the_fact(turtle_store: Store) -> None:
    """Funding is data with its scope on the fact itself: GBIF by the world's governments and MetaBrainz by
    donations and sponsors (schema:funding, a schema:Grant); Wikimedia not by Microsoft, only "as part of their
    involvement in this project" (a node holding the funder and the scope, no unscoped triple)."""
    assert select(turtle_store, "SELECT ?s WHERE { ?s schema:funder ?o . ?s a org:Organization }") == set()
    funded = select(turtle_store, """
        SELECT ?organisation ?funders WHERE {
          ?o schema:funding ?g ; rdfs:label ?organisation . ?g a schema:Grant ; skos:note ?funders .
        }""")
    assert funded == {("Global Biodiversity Information Facility", "the world's governments"),
                      ("MetaBrainz Foundation", "end user donations and sponsors who provide funds")}
    denied = select(turtle_store, """
        SELECT ?scope ?funder ?quote WHERE {
          ?w rdfs:label "Wikimedia Foundation"@en ; dcterms:relation ?n .
          ?n a prov:Entity ; skos:scopeNote ?scope ; ?p ?ms . ?ms rdfs:label ?funder ; a org:Organization .
          ?st rdf:subject ?n ; rdf:predicate skos:scopeNote ; prov:wasDerivedFrom/oa:hasSelector/oa:exact ?quote .
        }""")
    assert denied == {("as part of their involvement in this project", "Microsoft",
                       "Wikimedia is not receiving any funding from Microsoft as part of their involvement in this "
                       "project.")}


def test_no_blank_nodes_in_the_dump(dist: Path) -> None:
    triples = list(parse(path=str(dist / "opendata-graph.ttl"), format=RdfFormat.TURTLE))
    assert len(triples) > 10_000
    assert blank_nodes(triples) == []
    bad = Triple(triples[0].subject, triples[0].predicate, BlankNode())
    assert blank_nodes([*triples, bad]) == [bad]


def test_no_homepage_is_shared(turtle_store: Store) -> None:
    """foaf:homepage is inverse-functional: two subjects sharing one would be merged by any OWL reasoner (GBIF and
    its portal GBIF.org were)."""
    assert select(turtle_store, """
        SELECT ?h WHERE { ?a foaf:homepage ?h . ?b foaf:homepage ?h . FILTER (?a != ?b) }""") == set()
    # owl:sameAs is symmetric and transitive: two subjects the same as one IRI are one thing to a reasoner.
    assert select(turtle_store, """
        SELECT ?x WHERE { ?a owl:sameAs ?x . ?b owl:sameAs ?x . FILTER (?a != ?b) }""") == set()


def test_nine_people_are_quoted_each_by_name_post_and_document(turtle_store: Store) -> None:
    """Each quotation is data: its speaker, the post they spoke in, the document and its exact text (issue 27:
    Tennison and Yokoyama had no statement, and five quotes had lost parts)."""
    rows = select(turtle_store, """
        SELECT ?speaker ?title ?document ?text WHERE {
          ?q a schema:Quotation ; schema:spokenByCharacter ?p ; prov:wasAttributedTo ?p ; schema:text ?text ;
             dcterms:relation ?post ; schema:isPartOf ?d .
          ?p foaf:name ?speaker . ?post a org:Post ; org:heldBy ?p ; skos:prefLabel ?title .
          ?d dcterms:identifier ?document .
        }""")
    assert len(rows) == 9 and len({r[0] for r in rows}) == 9
    by_speaker = {r[0]: r for r in rows}
    assert by_speaker["Jeni Tennison"][1:3] == ("Vice President and Chief Strategy Adviser",
                                                "000_dab39517fcfec8ad.txt")
    assert by_speaker["Jennifer Yokoyama"][3].endswith("looking to get more value from their data.")
    assert by_speaker["Guillaume Rischard"][1] == "OpenStreetMap Foundation Board"
    for _, _, document, text in rows:  # the whole paragraph, exactly as the document has it
        copy = (seeds_dir() / document).read_text(encoding="utf-8")
        assert f"\n{text}\n" in copy


def test_microsoft_joined_the_partnership_programme_as_part_of_its_campaign(turtle_store: Store) -> None:
    rows = select(turtle_store, """
        SELECT ?programme ?campaign WHERE {
          ?m a org:Membership ; org:member/rdfs:label "Microsoft"@en ; org:organization/rdfs:label ?programme ;
             dcterms:isPartOf/rdfs:label ?campaign .
        }""")
    assert rows == {("ODI Commercial Partnership Programme", "Open Data Campaign")}
