"""Loading source descriptions: every problem is reported, each at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendata_graph.core.errors import ErrorList
from opendata_graph.source.load import load

from .checks import make_data as make

ORG = 'id: gbif\nname: GBIF\nsource: {d004: "Global Biodiversity Information Facility (GBIF)"}\n'


def errors(data: Path) -> list[str]:
    with pytest.raises(ErrorList) as exc:
        load(data)
    return [str(e).split("data/", 1)[1] for e in exc.value.errors]


def test_a_valid_record_loads(tmp_path: Path) -> None:
    ds = load(make(tmp_path, {"organisations/gbif.yaml": ORG}))
    assert ds.records["gbif"].loc("source", "d004").line == 3


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + "short_nmaes: [GBIF]\n"})
    assert errors(data) == ["organisations/gbif.yaml:4:1: error: unknown key 'short_nmaes' "
                            "(hint: did you mean 'short_names'?)"]


def test_missing_name_and_wrong_type(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG.replace("name: GBIF\n", "") + "short_names: GBIF\n"})
    assert errors(data) == [
        "organisations/gbif.yaml:1:1: error: missing required key 'name'",
        "organisations/gbif.yaml:3:14: error: expected a list, got text (hint: start each item with '- ')",
    ]


def test_reference_to_an_unknown_id(tmp_path: Path) -> None:
    member = '''memberships:
  - organisation: cohort-3
    role: participant
    source: {d004: "x"}
'''
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + member})
    assert errors(data) == ["organisations/gbif.yaml:5:19: error: no entity with id 'cohort-3' "
                            "(hint: add a file for it under data/, or fix the id)"]


def test_id_must_match_file_name(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif-org.yaml": ORG})
    assert errors(data) == ["organisations/gbif-org.yaml:1:5: error: id 'gbif' does not match the file name "
                            "'gbif-org.yaml' (hint: rename the file to gbif.yaml or fix the id)"]


def test_duplicate_key(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + "name: Other\n"})
    assert errors(data) == ["organisations/gbif.yaml:4:1: error: duplicate key 'name' (first on line 2) "
                            "(hint: keep one of them)"]


def test_yaml_syntax_error_and_tab(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + "notes:\n\t- text: x\n"})
    (message,) = errors(data)
    assert message == ("organisations/gbif.yaml:5:1: error: YAML syntax: a tab character; YAML indents with "
                       "spaces only (hint: replace the tab with spaces)")


def test_not_utf8_and_empty(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG.encode("utf-8") + b"notes: [caf\xe9]\n",
                           "places/empty.yaml": ""})
    assert errors(data) == [
        "organisations/gbif.yaml:4: error: file is not UTF-8 (byte 0xe9) (hint: save the file as UTF-8)",
        "places/empty.yaml:1: error: file is empty (hint: start with 'id: <file name>')",
    ]


def test_duplicate_id_across_kinds(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG, "places/gbif.yaml": ORG})
    (message,) = errors(data)
    assert message.startswith("places/gbif.yaml:1:5: error: id 'gbif' is already used by ")


def test_low_confidence_evidence_is_refused(tmp_path: Path) -> None:
    ident = '''identifiers:
  ror:
    - value: https://ror.org/00ae7jd04
      confidence: low
      evidence: single source
'''
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + ident})
    assert errors(data) == ["organisations/gbif.yaml:7:19: error: 'low' is not one of high, medium"]


def test_fact_without_provenance(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + "description:\n  - text: invented\n"})
    assert errors(data) == ["organisations/gbif.yaml:5:5: error: a fact needs exactly one of 'source' (a quote) "
                            "or 'evidence' (+ 'confidence') (hint: quote the document: source: {d004: \"...\"})"]


def test_every_error_of_a_run_is_reported(tmp_path: Path) -> None:
    data = make(tmp_path, {"organisations/gbif.yaml": ORG + "bogus: 1\n",
                           "places/copenhagen.yaml": "id: copenhagen\nsource: {d999: x}\n"})
    assert errors(data) == [
        "organisations/gbif.yaml:4:1: error: unknown key 'bogus'",
        "places/copenhagen.yaml:1:1: error: missing required key 'name'",
    ]


def test_release_yaml_is_checked_and_located(tmp_path: Path) -> None:
    """A licence with RDF syntax in it wrote a void.ttl that strict parsers reject: it is refused, at its line."""
    from opendata_graph.core.errors import ErrorList
    from opendata_graph.source.load import load

    data = make(tmp_path, {"release.yaml": "title: x\nlicence: CC BY> 4.0\nversion: 1.0\nbogus: 1\n"})
    with pytest.raises(ErrorList) as exc:
        load(data)
    assert [str(e).split("release.yaml:", 1)[1] for e in exc.value.errors] == [
        "2:10: error: licence must be an SPDX licence id such as CC-BY-4.0, not 'CC BY> 4.0'",
        "3:10: error: version must be a semantic version such as 1.2.0, not '1.0'",
        "4:8: error: unknown key 'bogus' in release.yaml (hint: one of title, description, version, licence, "
        "rights, homepage, publisher, contact, featured, releases)"]


def test_featured_records_must_exist(tmp_path: Path) -> None:
    """release.yaml's ``featured`` ids (the home page's start, void:exampleResource) name records of the data."""
    from opendata_graph.core.errors import ErrorList
    from opendata_graph.source.load import load

    for featured, expected in (("[d004, d04]", "featured id 'd04' is not a record of the data directory "
                                               "(hint: did you mean 'd004'?)"),
                               ("d004", "featured must be a list of record ids (hint: e.g. featured: [cohort-1, gbif])")):
        data = make(tmp_path / featured[:4], {"release.yaml": f"title: x\nfeatured: {featured}\n"})
        with pytest.raises(ErrorList) as exc:
            load(data)
        assert [str(e).split(": error: ", 1)[1] for e in exc.value.errors] == [expected]
    assert load(make(tmp_path / "ok", {"release.yaml": "featured: [d004]\n"})).release["featured"] == ["d004"]


def test_a_new_role_is_one_concept_in_the_ontology(tmp_path: Path) -> None:
    """Roles are the ontology's: 'founding-member' is refused until the ontology declares it, then accepted
    through loading, conversion and the shapes (no Python changes)."""
    from click.testing import CliRunner

    from opendata_graph.cli import cli
    from opendata_graph.core import paths

    from .checks import copy_of

    data = copy_of(paths.data_dir(), tmp_path)
    gbif = data / "organisations" / "gbif.yaml"
    gbif.write_text(gbif.read_text(encoding="utf-8").replace("role: participant", "role: founding-member", 1),
                    encoding="utf-8")
    ontology = copy_of(paths.ontology_dir(), tmp_path)
    args = ["validate", "--data", str(data), "--ontology", str(ontology), "--no-quote-check", "--no-cache"]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2 and "'founding-member' is not a role: one of" in refused.output, refused.output
    with (ontology / "schemes.ttl").open("a", encoding="utf-8") as f:
        f.write("\nrole:founding-member a org:Role , skos:Concept ; "
                "skos:inScheme <https://w3id.org/opendata-graph/ontology/role> ;\n"
                '    skos:prefLabel "founding member"@en ; rdfs:label "founding member"@en ;\n'
                '    skos:definition "An organisation that founded the network."@en .\n')
    accepted = CliRunner().invoke(cli, args)
    assert accepted.exit_code == 0, accepted.output


PRICE = ('figures:\n  - id: price\n    value: 100\n    stated_as: from £100 per year\n    unit: GBP per year\n'
         '{extra}    source: {{d004: "from £100 per year"}}\n')


def test_a_price_names_an_iso_4217_currency_and_a_un_cefact_unit(tmp_path: Path) -> None:
    ok = PRICE.format(extra="    currency: GBP\n    per: ANN\n")
    assert load(make(tmp_path / "ok", {"organisations/gbif.yaml": ORG + ok})).records["gbif"]
    bad = PRICE.format(extra="    currency: gbp\n    per: YEAR\n")
    assert errors(make(tmp_path / "bad", {"organisations/gbif.yaml": ORG + bad})) == [
        "organisations/gbif.yaml:9:15: error: 'gbp' is not an ISO 4217 currency code (hint: did you mean 'GBP'?)",
        "organisations/gbif.yaml:10:10: error: 'YEAR' is not one of ANN, MON, DAY",
    ]


def test_per_without_a_currency_is_an_error_at_per(tmp_path: Path) -> None:
    rate = PRICE.format(extra="    per: ANN\n")
    assert errors(make(tmp_path, {"organisations/gbif.yaml": ORG + rate})) == [
        "organisations/gbif.yaml:9:10: error: 'per' is the unit a price is given for, and this figure has no "
        "'currency' (hint: give the price's currency (currency: GBP), or state a rate's unit in 'unit' as text)",
    ]
