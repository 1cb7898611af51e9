"""The lexical space of every XSD datatype: a probe per datatype, through the checker and through `odg validate`.

Each datatype gets forms that are in its lexical space and forms that are not (the gaps every SHACL engine on PyPI
shares are among them: ``"2020-13"^^xsd:gYearMonth``, ``"--02-30"^^xsd:gMonthDay``, ``"a:b"^^xsd:NCName``...).
End to end, each ill-formed literal under an ``sh:datatype`` shape must give a DatatypeConstraintComponent
result naming the original literal, and each well-formed one none.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opendata_graph.core.namespaces import XSD
from opendata_graph.stages.xsd import CHECKS, well_formed

PROBES: dict[str, tuple[list[str], list[str]]] = {  # datatype: (well-formed, ill-formed)
    "string": (["", "any text", "tab\tok"], ["nul\x00", "\x0b"]),
    "normalizedString": (["a b"], ["a\tb", "a\nb"]),
    "token": (["a b"], [" a", "a  b", "a "]),
    "language": (["en", "en-GB", "zh-Hant-TW"], ["en_GB", "123456789", ""]),
    "NMTOKEN": (["a-b.c", "1a"], ["a b", ""]),
    "Name": (["a:b", "_x"], ["1a", "-a"]),
    "NCName": (["a-b", "_x"], ["a:b", "1a"]),
    "boolean": (["true", "false", "1", "0"], ["TRUE", "yes", ""]),
    "decimal": (["1", "-1.5", ".5", "+2."], ["1e5", ".", "", "1,5"]),
    "integer": (["0", "-12", "+7"], ["1.0", "+", "", "١٢"]),
    "nonNegativeInteger": (["0", "5"], ["-1"]),
    "positiveInteger": (["1"], ["0", "-1"]),
    "nonPositiveInteger": (["0", "-3"], ["1"]),
    "negativeInteger": (["-1"], ["0"]),
    "long": (["9223372036854775807"], ["9223372036854775808"]),
    "int": (["2147483647", "-2147483648"], ["2147483648", "3000000000"]),
    "short": (["32767"], ["40000"]),
    "byte": (["127", "-128"], ["300", "-129"]),
    "unsignedLong": (["18446744073709551615"], ["18446744073709551616", "-1"]),
    "unsignedInt": (["4294967295"], ["4294967296"]),
    "unsignedShort": (["65535"], ["65536"]),
    "unsignedByte": (["255"], ["256", "-1"]),
    "double": (["1", "1.5e10", "-INF", "NaN", ".5E-3"], ["1.0.0", "e5", "INFINITY", "nan"]),
    "float": (["1", "INF"], ["abc", "1e"]),
    "date": (["2021-01-19", "2020-02-29", "-0044-03-15", "2021-01-19Z", "0000-01-01"],
             ["2021-02-30", "2021-13-01", "2019-02-29", "21-01-19", "2021-1-19", "٢٠٢١-٠١-١٩"]),
    "time": (["12:00:00", "24:00:00", "23:59:59.5+01:00"], ["24:00:01", "25:00:00", "12:60:00", "12:00"]),
    "dateTime": (["2021-01-19T10:00:00", "2021-01-19T24:00:00Z"],
                 ["2021-02-30T00:00:00", "2021-01-01T24:00:01", "2021-01-19 10:00:00", "2021-01-19T10:00:00+15:00"]),
    "dateTimeStamp": (["2021-01-19T10:00:00Z"], ["2021-01-19T10:00:00"]),
    "gYear": (["2021", "-0044", "12021", "2021Z"], ["21", "2021-", "02021"]),
    "gYearMonth": (["2021-01", "2021-12Z"], ["2020-13", "2020-00", "2020-1"]),
    "gMonth": (["--01", "--12"], ["--13", "--00", "--1"]),
    "gDay": (["---01", "---31"], ["---32", "---00"]),
    "gMonthDay": (["--02-29", "--12-31"], ["--02-30", "--13-01", "--04-31"]),
    "duration": (["P1Y", "PT1H", "P1DT2H", "-P3M", "PT0.5S"], ["P", "PT", "P1Y1", "-P", "P1DT", "1Y"]),
    "yearMonthDuration": (["P1Y2M"], ["P1D", "PT1H"]),
    "dayTimeDuration": (["P1DT1H"], ["P1Y", "P1M"]),
    "hexBinary": (["", "0fB7"], ["abc", "zz"]),
    "base64Binary": (["", "YWJj", "YQ==", "YWI="], ["a===", "YWJ", "Y"]),
    "anyURI": (["http://example.org/a b", "relative"], ["nul\x00"]),
}


def test_every_checked_datatype_is_probed() -> None:
    assert {XSD[name] for name in PROBES} == set(CHECKS) - {"http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_lexical_space(name: str) -> None:
    good, bad = PROBES[name]
    assert [g for g in good if not well_formed(g, XSD[name])] == []
    assert [b for b in bad if well_formed(b, XSD[name])] == []


def test_odg_validate_reports_every_ill_formed_literal(tmp_path: Path) -> None:
    """End to end, through the default engine: one shape per datatype, every probe as a value."""
    shapes, data = [], []
    expected = set()
    for i, (name, (good, bad)) in enumerate(sorted(PROBES.items())):
        shapes.append(f"ex:S{i} a sh:NodeShape ; sh:targetNode ex:n{i} ; "
                      f"sh:property [ sh:path ex:v ; sh:datatype xsd:{name} ] .")
        for lexical in good + bad:
            if "\x00" in lexical or "\x0b" in lexical:
                continue  # not expressible in N-Triples/Turtle text at all
            escaped = lexical.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
            data.append(f'ex:n{i} ex:v "{escaped}"^^xsd:{name} .')
            if lexical in bad:
                expected.add((f"https://example.org/n{i}", f'"{escaped}"^^<{XSD[name]}>'))
    prefixes = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/> .\n"
                "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "probe.ttl").write_text(prefixes + "\n".join(shapes) + "\n", encoding="utf-8")
    (tmp_path / "data.ttl").write_text(prefixes + "\n".join(data) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", "from opendata_graph.cli import main; main()", "validate",
                             str(tmp_path / "data.ttl"), "--shapes", str(tmp_path / "shapes"), "--format", "json"],
                            capture_output=True, text=True, timeout=120)
    import json

    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)["results"]
    assert {r["component"] for r in found} == {"sh:DatatypeConstraintComponent"}
    got = {(r["focusNode"], r["value"]) for r in found}
    assert got == expected, (sorted(expected - got)[:5], sorted(got - expected)[:5])
