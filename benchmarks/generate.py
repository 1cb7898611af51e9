"""Generate a synthetic registry in the project's own source format, the same shape as the real data.

    python benchmarks/generate.py --organisations 8000 --out /tmp/registry

writes ``/tmp/registry/data/<kind>/<id>.yaml`` (one file per entity: organisations with names, aliases,
descriptions, memberships with intervals, figures and external identifiers; people with posts; datasets with
licences and standards; cohorts, a programme, licences, a standard, a place, a source document) and
``/tmp/registry/seeds/<document>.txt``, a source document that contains every quote, so the quote check applies.
Every shape and query of the project applies to it. Deterministic for a given size (no randomness).
About 125 triples per organisation in the release (reification included): 8,000 organisations ~ 1M triples.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

LICENCES = [("cc0-1-0", "CC0 1.0", "CC0-1.0", False), ("cc-by-4-0", "CC BY 4.0", "CC-BY-4.0", False),
            ("cc-by-sa-4-0", "CC BY-SA 4.0", "CC-BY-SA-4.0", True), ("odbl-1-0", "ODbL 1.0", "ODbL-1.0", True)]
QUALIFIERS = ["exact", "nearly", "more-than", "about", "over"]


def q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return json.dumps(text, ensure_ascii=False)


def generate(organisations: int, out: Path, cohorts: int = 20) -> int:
    data, seeds = out / "data", out / "seeds"
    sentences: list[str] = []

    def quote(text: str) -> str:
        sentences.append(text)
        return q(text)

    def write(kind: str, id_: str, text: str) -> None:
        path = data / kind / f"{id_}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write("programmes", "network", f"id: network\nname: Synthetic peer-learning network\n"
          f"source: {{doc: {quote('The synthetic peer-learning network convenes data stewards.')}}}\n"
          "period:\n  begin: 2020-04\n  end: 2023-04\n"
          f"  source: {{doc: {quote('The network runs from April 2020 until April 2023.')}}}\n"
          f"part_of:\n  - value: host\n    source: {{doc: {quote('The network is part of the Host Institute.')}}}\n")
    write("organisations", "host", f"id: host\nname: Host Institute\nsource: {{doc: {quote('The Host Institute hosts the network.')}}}\n")
    for c in range(1, cohorts + 1):
        write("cohorts", f"cohort-{c}", f"id: cohort-{c}\nname: Cohort {c}\nshort_names: [cohort {c}]\n"
              f"source: {{doc: {quote(f'Cohort {c} is one intake of the network.')}}}\n"
              f"part_of:\n  - value: network\n    source: {{doc: {quote(f'Cohort {c} belongs to the network.')}}}\n")
    for lid, name, spdx, share_alike in LICENCES:
        requires = ("requires:\n  - value: share-alike\n    evidence: \"synthetic licence table\"\n    confidence: high\n"
                    if share_alike else "")
        write("licences", lid, f"id: {lid}\nname: {name}\nevidence: \"synthetic licence table\"\nconfidence: high\n"
              f"spdx: {spdx}\n{requires}")
    write("standards", "record-standard", f"id: record-standard\nname: Record Standard\n"
          f"source: {{doc: {quote('The Record Standard describes the records.')}}}\n")
    write("places", "capital", f"id: capital\nname: Capital City\nsource: {{doc: {quote('Capital City is a place.')}}}\n")
    for i in range(1, organisations + 1):
        oid, name = f"org-{i:06d}", f"Organisation {i:06d}"
        cohort = 1 + i % cohorts
        lid = LICENCES[i % len(LICENCES)][0]
        figures = "".join(
            f"  - id: figure-{k}\n    value: {i * 10 + k}\n    stated_as: {q(f'{QUALIFIERS[k % 5]} {i * 10 + k} records')}\n"
            f"    unit: records\n    qualifier: {QUALIFIERS[(i + k) % 5]}\n    time_reference: Today\n"
            f"    source: {{doc: {quote(f'{name} holds {QUALIFIERS[k % 5]} {i * 10 + k} records today.')}}}\n"
            for k in range(2))
        write("organisations", oid, f"""id: {oid}
name: {name}
short_names: [ORG{i}]
source: {{doc: {quote(f'{name} (ORG{i}) takes part.')}}}
description:
  - text: {q(f'{name} stewards open data about topic {i % 97}.')}
    source: {{doc: {quote(f'{name} stewards open data about topic {i % 97}.')}}}
location:
  - value: capital
    source: {{doc: {quote(f'{name} is based in Capital City.')}}}
memberships:
  - organisation: cohort-{cohort}
    role: participant
    during: {{within: network}}
    source: {{doc: {quote(f'{name} was selected for cohort {cohort}.')}}}
figures:
{figures}notes:
  - text: {q(f'{name} publishes its data openly.')}
    source: {{doc: {quote(f'{name} publishes its data openly.')}}}
identifiers:
  homepage:
    - value: https://org{i}.example.org
      evidence: "synthetic registry row {i}"
      confidence: high
  wikidata:
    - value: Q{1000000 + i}
      evidence: "synthetic registry row {i}"
      confidence: medium
""")
        write("people", f"person-{i:06d}", f"""id: person-{i:06d}
name: Person {i:06d}
source: {{doc: {quote(f'Person {i:06d}, Director of {name}, says:')}}}
posts:
  - organisation: {oid}
    title: Director
    source: {{doc: {quote(f'Person {i:06d}, Director of {name}, says:')}}}
""")
        write("datasets", f"data-{i:06d}", f"""id: data-{i:06d}
name: {name} records
source: {{doc: {quote(f'{name} publishes its records as a dataset.')}}}
publisher:
  - value: {oid}
    source: {{doc: {quote(f'{name} publishes its records as a dataset.')}}}
licence:
  - value: {lid}
    evidence: "synthetic registry row {i}"
    confidence: high
conforms_to:
  - value: record-standard
    source: {{doc: {quote(f'The records of {name} follow the Record Standard.')}}}
""")
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "synthetic.txt").write_text("\n".join(dict.fromkeys(sentences)) + "\n", encoding="utf-8")
    write("documents", "doc", "id: doc\nlabel: Synthetic source document\nlocal_copy: synthetic.txt\n")
    return organisations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=80)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.organisations, args.out)
    print(f"wrote {args.out}/data and {args.out}/seeds for {args.organisations} organisations")


if __name__ == "__main__":
    main()
