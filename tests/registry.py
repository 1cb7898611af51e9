"""Generate a synthetic registry in the project's own source format, the same shape as the real data.

    python -m tests.registry --organisations 1800 --out /tmp/registry [--form files|list|csv|tsv]

writes ``/tmp/registry/data/<kind>/...`` (organisations with names, aliases, descriptions, location,
memberships of cohorts with intervals, figures with qualifiers, notes, homepage and Wikidata identifiers cited to
evidence; a director per organisation with a post; a dataset per organisation with publisher, licence and
standard; cohorts, a programme with a period, licences with SPDX ids, a standard, a place, a source document)
and ``/tmp/registry/seeds/synthetic.txt``, a source document holding every quote, so the quote check applies.
Every shape and query of the project applies to it. Deterministic for a given size (no randomness).

Forms: ``files`` one YAML file per entity (the curated layout); ``list`` one YAML file per kind holding a list
of records; ``csv``/``tsv`` one table per kind (lists and mappings as JSON cells). All four load into the same
graph. About 540 triples per organisation in the release (reification included): 1,800 ~ 1M triples.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import yaml

FORMS = ("files", "list", "csv", "tsv")
LICENCES = [("cc0-1-0", "CC0 1.0", "CC0-1.0", False), ("cc-by-4-0", "CC BY 4.0", "CC-BY-4.0", False),
            ("cc-by-sa-4-0", "CC BY-SA 4.0", "CC-BY-SA-4.0", True), ("odbl-1-0", "ODbL 1.0", "ODbL-1.0", True)]
#: A figure's qualifier and the words that state it (none for a plain number): what the source says, nothing more.
QUALIFIERS = [(None, ""), ("nearly", "nearly "), ("more-than", "more than "), ("about", "about "), ("over", "over ")]
Record = dict[str, Any]


def records(organisations: int, cohorts: int = 20) -> tuple[list[tuple[str, Record]], list[str]]:
    """The registry's records as (kind directory, record), and the sentences of its source document."""
    sentences: list[str] = []
    out: list[tuple[str, Record]] = []

    def src(text: str) -> dict[str, str]:
        sentences.append(text)
        return {"doc": text}

    def evidence(text: str, confidence: str = "high") -> dict[str, str]:
        return {"evidence": text, "confidence": confidence}

    out.append(("programmes", {
        "id": "network", "name": "Synthetic peer-learning network",
        "source": src("The synthetic peer-learning network convenes data stewards."),
        "period": {"begin": "2020-04", "end": "2023-04",
                   "source": src("The network runs from April 2020 until April 2023.")},
        "run_by": [{"value": "host", "source": src("The network is run by the Host Institute.")}]}))
    out.append(("organisations", {"id": "host", "name": "Host Institute",
                                  "source": src("The Host Institute hosts the network.")}))
    for c in range(1, cohorts + 1):
        out.append(("cohorts", {
            "id": f"cohort-{c}", "name": f"Cohort {c}", "short_names": [f"cohort {c}"],
            "source": src(f"Cohort {c} is one intake of the network."),
            "part_of": [{"value": "network", "source": src(f"Cohort {c} belongs to the network.")}]}))
    for lid, name, spdx, share_alike in LICENCES:
        licence: Record = {"id": lid, "name": name, **evidence("synthetic licence table"), "spdx": spdx}
        if share_alike:
            licence["requires"] = [{"value": "share-alike", **evidence("synthetic licence table")}]
        out.append(("licences", licence))
    out.append(("standards", {"id": "record-standard", "name": "Record Standard",
                              "source": src("The Record Standard describes the records.")}))
    out.append(("places", {"id": "capital", "name": "Capital City", "source": src("Capital City is a place.")}))
    for i in range(1, organisations + 1):
        oid, name = f"org-{i:06d}", f"Organisation {i:06d}"
        cohort = 1 + i % cohorts
        row = f"synthetic registry row {i}"
        out.append(("organisations", {
            "id": oid, "name": name, "short_names": [f"ORG{i}"],
            "source": src(f"{name} (ORG{i}) takes part."),
            "description": [{"text": f"{name} stewards open data about topic {i % 97}.",
                             "source": src(f"{name} stewards open data about topic {i % 97}.")}],
            "location": [{"value": "capital", "source": src(f"{name} is based in Capital City.")}],
            "memberships": [{"organisation": f"cohort-{cohort}", "role": "participant", "during": {"within": "network"},
                             "source": src(f"{name} was selected for cohort {cohort}.")}],
            "figures": [figure(name, i, k, src) for k in range(2)],
            "notes": [{"text": f"{name} publishes its data openly.",
                       "source": src(f"{name} publishes its data openly.")}],
            "identifiers": {"homepage": [{"value": f"https://org{i}.example.org", **evidence(row)}],
                            "wikidata": [{"value": f"Q{1000000 + i}", **evidence(row, "medium")}]}}))
        director = src(f"Person {i:06d}, Director of {name}, says:")
        out.append(("people", {"id": f"person-{i:06d}", "name": f"Person {i:06d}", "source": director,
                               "posts": [{"organisation": oid, "title": "Director", "source": director}]}))
        published = src(f"{name} publishes its records as a dataset.")
        out.append(("datasets", {
            "id": f"data-{i:06d}", "name": f"{name} records", "source": published,
            "publisher": [{"value": oid, "source": published}],
            "licence": [{"value": LICENCES[i % len(LICENCES)][0], **evidence(row)}],
            "conforms_to": [{"value": "record-standard",
                             "source": src(f"The records of {name} follow the Record Standard.")}]}))
    out.append(("documents", {"id": "doc", "label": "Synthetic source document", "local_copy": "synthetic.txt"}))
    return out, sentences


def write(registry: list[tuple[str, Record]], data: Path, form: str) -> None:
    """Write the records under ``data`` in one of :data:`FORMS`."""
    dump = _Dumper
    by_kind: dict[str, list[Record]] = {}
    for kind, record in registry:
        by_kind.setdefault(kind, []).append(record)
    for kind, items in by_kind.items():
        directory = data / kind
        directory.mkdir(parents=True, exist_ok=True)
        if form == "files":
            for record in items:
                text = yaml.dump(record, Dumper=dump, sort_keys=False, allow_unicode=True, width=1000)
                (directory / f"{record['id']}.yaml").write_text(text, encoding="utf-8")
        elif form == "list":
            text = yaml.dump(items, Dumper=dump, sort_keys=False, allow_unicode=True, width=1000)
            (directory / f"{kind}.yaml").write_text(text, encoding="utf-8")
        else:
            columns = list(dict.fromkeys(key for record in items for key in record))
            with (directory / f"{kind}.{form}").open("w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, delimiter="," if form == "csv" else "\t", lineterminator="\n")
                writer.writerow(columns)
                for record in items:
                    writer.writerow([_cell(record.get(c)) for c in columns])


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter, writing shared values out in full (the loader refuses anchors and aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def generate(organisations: int, out: Path, form: str = "files", cohorts: int = 20) -> int:
    """Write a registry of ``organisations`` under ``out`` (``data/`` and ``seeds/``); returns the record count."""
    registry, sentences = records(organisations, cohorts)
    write(registry, out / "data", form)
    seeds = out / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    retrieve(seeds / "synthetic.txt", "\n".join(dict.fromkeys(sentences)) + "\n")
    return len(registry)


def retrieve(copy: Path, text: str) -> None:
    """A (new) retrieval of a source document: its copy written and its line in the folder's SHA256SUMS with it
    (the copy as ``odg`` requires it: listed, with its checksum; sources/README.md)."""
    import hashlib

    copy.write_text(text, encoding="utf-8")
    sums = copy.parent / "SHA256SUMS"
    lines = [line for line in (sums.read_text(encoding="utf-8").splitlines() if sums.is_file() else [])
             if not line.endswith(f"  {copy.name}")]
    lines.append(f"{hashlib.sha256(copy.read_bytes()).hexdigest()}  {copy.name}")
    sums.write_text("".join(f"{line}\n" for line in sorted(lines, key=lambda x: x[66:])), encoding="utf-8")


def inject_violations(rows: list[tuple[str, str, str]], rate: float = 0.01,
                      seed: int = 1) -> list[tuple[str, str, str]]:
    """A copy of a graph's rows (N-Triples terms) in which ``rate`` of the subjects are damaged at random.

    Each chosen subject loses a triple, gains a second value, has a value replaced by one of the wrong kind
    (an IRI by a literal, an English label by a French one, a typed value by an ill-typed one) or pointed at an
    unrelated node: the mistakes every SHACL component we use is there to catch.
    """
    import random

    rng = random.Random(seed)
    by_subject: dict[str, list[tuple[str, str, str]]] = {}
    for row in rows:
        by_subject.setdefault(row[0], []).append(row)
    subjects = sorted(by_subject)
    chosen = set(rng.sample(subjects, max(1, round(len(subjects) * rate))))
    out: list[tuple[str, str, str]] = []
    for s in subjects:
        mine = by_subject[s]
        if s not in chosen:
            out += mine
            continue
        i = rng.randrange(len(mine))
        _, p, o = mine[i]
        rest = mine[:i] + mine[i + 1:]
        kind = rng.randrange(4)
        other = rng.choice(subjects)
        end = o.rfind('"')
        if kind == 0:
            out += rest
        elif kind == 1:
            extra = other if o.startswith("<") else f'{o[:end]} (copy){o[end:]}'
            out += [*mine, (s, p, extra)]
        elif kind == 2:
            if o.startswith("<"):
                changed = json.dumps(o[1:-1])
            elif o[end + 1:].startswith("@"):
                changed = o[:end + 1] + "@fr"
            else:
                changed = '"not a value"' + o[end + 1:]
            out += [*rest, (s, p, changed)]
        else:
            out += [*rest, (s, p, other)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=80)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--form", choices=FORMS, default="files")
    args = parser.parse_args()
    n = generate(args.organisations, args.out, args.form)
    print(f"wrote {n} records ({args.form}) to {args.out}/data and the document to {args.out}/seeds")


def figure(name: str, i: int, k: int, src: Any) -> dict[str, Any]:
    """Figure k of organisation i: its words, number, unit and qualifier as its quote states them."""
    qualifier, words = QUALIFIERS[(i + k) % 5]
    stated = f"{words}{i * 10 + k} records"
    out = {"id": f"figure-{k}", "value": i * 10 + k, "stated_as": stated, "unit": "records",
           "time_reference": "Today", "source": src(f"{name} holds {stated} today.")}
    return {**out, "qualifier": qualifier} if qualifier else out


if __name__ == "__main__":
    main()
