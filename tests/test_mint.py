"""The minted-IRI grammar (opendata_graph.core.mint): what it mints it reads back, for any ids the schema allows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opendata_graph.core import mint
from opendata_graph.source.schema import ID_RE, KINDS, minted_record

ids = st.from_regex(ID_RE, fullmatch=True)
bases = st.sampled_from(["https://example.org/graph/", "https://example.org/reg#", "http://example.org/a/b/"])
segments = st.sampled_from(sorted(KINDS))
parts = st.sampled_from([mint.FIGURE, mint.IDENTIFIER, mint.EVENT, mint.ACTIVITY, mint.FUNDING, mint.POST,
                         mint.QUOTATION])


@given(bases, segments, ids)
def test_a_record_reads_back_as_itself(base: str, segment: str, id_: str) -> None:
    iri = mint.record(base, segment, id_)
    assert iri == f"{base}{segment}/{id_}"
    assert mint.parse(iri, base) == mint.Minted(segment, id_)
    assert mint.record_of(iri, base, KINDS) == minted_record(iri, base) == (segment, id_)


@given(bases, segments, ids, parts, ids)
def test_a_node_below_a_record_reads_back_to_its_record(base: str, segment: str, id_: str, part: str,
                                                         part_id: str) -> None:
    owner = mint.record(base, segment, id_)
    node = mint.below(owner, part, part_id)
    assert mint.parse(node, base) == mint.Minted(segment, id_, (part, part_id))
    assert mint.record_of(node, base, KINDS) is None  # a part of a record is not a record
    period = mint.below(node, mint.PERIOD)
    assert mint.parse(period, base) == mint.Minted(segment, id_, (part, part_id, mint.PERIOD))


@given(bases, ids, ids, ids)
def test_a_membership_reads_back_to_its_member(base: str, member: str, organisation: str, role: str) -> None:
    iri = mint.membership(base, member, organisation, role)
    assert iri.startswith(mint.memberships_of(base, member))
    assert iri[len(base):].startswith(mint.MEMBERSHIP_PATH)
    assert mint.parse(iri, base) == mint.Minted(mint.MEMBERSHIP, member, (organisation, role))
    assert mint.record_of(iri, base, KINDS) is None


@given(bases, st.from_regex(r"[0-9a-f]{20}", fullmatch=True), ids)
def test_derived_nodes_read_back_and_are_derived(base: str, digest: str, document: str) -> None:
    for iri, segment in ((mint.statement(base, digest), mint.STATEMENT), (mint.evidence(base, digest), mint.EVIDENCE)):
        assert iri.startswith(base) and iri[len(base):].startswith(mint.DERIVED)
        assert mint.parse(iri, base) == mint.Minted(segment, digest)
    assert mint.statement(base, digest).startswith(mint.statements(base))
    excerpt = mint.excerpt(base, document, digest)
    assert mint.parse(excerpt, base) == mint.Minted(mint.DOCUMENT_SEGMENT, document, (mint.EXCERPT, digest))
    assert mint.graph_of(excerpt) == excerpt + "/graph"


@given(bases, st.from_regex(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})", fullmatch=True))
def test_the_dataset_and_its_versions_read_back(base: str, version: str) -> None:
    assert mint.base_of_dataset(mint.dataset(base)) == base
    assert mint.parse(mint.dataset(base, version), base) == mint.Minted(mint.DATASET, version)
    assert mint.base_of_dataset(mint.dataset(base, version)) is None


@given(bases, ids)
def test_an_iri_outside_the_base_or_without_an_id_is_not_minted(base: str, id_: str) -> None:
    assert mint.parse(f"https://elsewhere.example.org/organisation/{id_}", base) is None
    assert mint.parse(base + "organisation/", base) is None
    assert mint.parse(base, base) is None
