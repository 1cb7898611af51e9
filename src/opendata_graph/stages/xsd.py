"""The lexical spaces of the XSD datatypes RDF 1.1 uses (XML Schema 1.1 Part 2), as one checker per datatype.

SHACL's ``sh:datatype`` requires a literal's lexical form to be in its datatype's lexical space. The SHACL
engines on PyPI all miss some (``"2020-13"^^xsd:gYearMonth``, ``"--02-30"^^xsd:gMonthDay``, a NCName with a
colon...), so :mod:`opendata_graph.stages.shapes` decides well-formedness here, for every datatype listed in
:data:`CHECKS`; ``tests/test_xsd.py`` probes each with valid and invalid forms. A datatype not listed (not an XSD
one) is left to the engine.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable

from ..core.namespaces import RDF, XSD

_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_YEAR = r"-?(?:[1-9][0-9]{4,}|[0-9]{4})"
_INT = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN")
_DATE = re.compile(rf"({_YEAR})-([0-9][0-9])-([0-9][0-9])({_TZ})?")
_TIME = re.compile(rf"([0-9][0-9]):([0-9][0-9]):([0-9][0-9])(\.[0-9]+)?({_TZ})?")
_DD = "([0-9][0-9])"
_DATETIME = re.compile(rf"({_YEAR})-{_DD}-{_DD}T{_DD}:{_DD}:{_DD}(\.[0-9]+)?({_TZ})?")
_GYEAR = re.compile(rf"{_YEAR}{_TZ}?")
_GYEARMONTH = re.compile(rf"{_YEAR}-([0-9][0-9]){_TZ}?")
_GMONTH = re.compile(rf"--([0-9][0-9]){_TZ}?")
_GDAY = re.compile(rf"---([0-9][0-9]){_TZ}?")
_GMONTHDAY = re.compile(rf"--([0-9][0-9])-([0-9][0-9]){_TZ}?")
_DURATION = re.compile(r"-?P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?"
                       r"(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")
_B64CHAR = r"[A-Za-z0-9+/]"
_BASE64 = re.compile(
    rf"(?:(?:{_B64CHAR} ?){{4}})*(?:(?:{_B64CHAR} ?){{3}}{_B64CHAR}"
    rf"|(?:{_B64CHAR} ?){{2}}[AEIMQUYcgkosw048] ?="
    rf"|{_B64CHAR} ?[AQgw] ?= ?=)?")
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")
_NAME_START = (r":A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
               r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_NAME_CHAR = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"
_NAME = rf"[{_NAME_START}][{_NAME_CHAR}]*"
_NCNAME = rf"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"
_NMTOKEN = rf"[{_NAME_CHAR}]+"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """The large Unicode classes compile in ~50 ms: only when a literal of such a datatype is met."""
    return re.compile(pattern)


def _not_xml_char(text: str) -> bool:
    return _compiled(r"[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]").search(text) is not None


def _bounded(least: int | None, most: int | None) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        if not _INT.fullmatch(text):
            return False
        n = int(text)
        return (least is None or n >= least) and (most is None or n <= most)
    return check


def _day_ok(year: int, month: int, day: int) -> bool:
    # XSD 1.1: year 0000 is 1 BCE, a leap year (proleptic Gregorian, astronomical numbering).
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year if year != 0 else 2000, month)[1]


def _time_ok(h: str, m: str, s: str, fraction: str | None) -> bool:
    hour, minute, second = int(h), int(m), int(s)
    if hour == 24:
        return minute == 0 and second == 0 and not (fraction and fraction.strip(".0"))
    return hour < 24 and minute < 60 and second < 60


def _date(text: str) -> bool:
    found = _DATE.fullmatch(text)
    return found is not None and _day_ok(int(found[1]), int(found[2]), int(found[3]))


def _time(text: str) -> bool:
    found = _TIME.fullmatch(text)
    return found is not None and _time_ok(found[1], found[2], found[3], found[4])


def _datetime(text: str) -> bool:
    found = _DATETIME.fullmatch(text)
    return (found is not None and _day_ok(int(found[1]), int(found[2]), int(found[3]))
            and _time_ok(found[4], found[5], found[6], found[7]))


def _datetimestamp(text: str) -> bool:
    found = _DATETIME.fullmatch(text)
    return found is not None and found[8] is not None and _datetime(text)


def _gyearmonth(text: str) -> bool:
    found = _GYEARMONTH.fullmatch(text)
    return found is not None and 1 <= int(found[1]) <= 12


def _gmonth(text: str) -> bool:
    found = _GMONTH.fullmatch(text)
    return found is not None and 1 <= int(found[1]) <= 12


def _gday(text: str) -> bool:
    found = _GDAY.fullmatch(text)
    return found is not None and 1 <= int(found[1]) <= 31


def _gmonthday(text: str) -> bool:
    found = _GMONTHDAY.fullmatch(text)
    return found is not None and _day_ok(2000, int(found[1]), int(found[2]))  # --02-29 is allowed


def _duration(text: str, allowed: str = "YMDHMS") -> bool:
    found = _DURATION.fullmatch(text)
    if found is None:
        return False
    parts = dict(zip("YMDhms", found.groups(), strict=True))
    if not any(parts.values()) or (text.rstrip("0123456789.").endswith("T")):
        return False  # "P", "PT" and "P1DT" are not durations
    if "T" in text and not any(parts[k] for k in "hms"):
        return False
    if allowed == "YM":
        return not any(parts[k] for k in "Dhms")
    if allowed == "DHMS":
        return not any(parts[k] for k in "YM")
    return True


def _decimal(text: str) -> bool:
    return _DECIMAL.fullmatch(text) is not None


def _boolean(text: str) -> bool:
    return text in ("true", "false", "1", "0")


def _string(text: str) -> bool:
    return (text.isascii() and text.isprintable()) or not _not_xml_char(text)


def _normalized(text: str) -> bool:
    return _string(text) and re.search(r"[\t\n\r]", text) is None


def _token(text: str) -> bool:
    return _normalized(text) and not text.startswith(" ") and not text.endswith(" ") and "  " not in text


def _match(pattern: re.Pattern[str] | str) -> Callable[[str], bool]:
    if isinstance(pattern, str):
        return lambda text: _compiled(pattern).fullmatch(text) is not None
    return lambda text: pattern.fullmatch(text) is not None


#: The lexical space of each XSD datatype, as a predicate on the lexical form.
CHECKS: dict[str, Callable[[str], bool]] = {
    XSD.string: _string,
    XSD.normalizedString: _normalized,
    XSD.token: _token,
    XSD.language: lambda t: _LANGUAGE.fullmatch(t) is not None,
    XSD.NMTOKEN: _match(_NMTOKEN),
    XSD.Name: _match(_NAME),
    XSD.NCName: _match(_NCNAME),
    XSD.boolean: _boolean,
    XSD.decimal: _decimal,
    XSD.integer: _bounded(None, None),
    XSD.nonNegativeInteger: _bounded(0, None),
    XSD.positiveInteger: _bounded(1, None),
    XSD.nonPositiveInteger: _bounded(None, 0),
    XSD.negativeInteger: _bounded(None, -1),
    XSD.long: _bounded(-(2**63), 2**63 - 1),
    XSD.int: _bounded(-(2**31), 2**31 - 1),
    XSD.short: _bounded(-(2**15), 2**15 - 1),
    XSD.byte: _bounded(-128, 127),
    XSD.unsignedLong: _bounded(0, 2**64 - 1),
    XSD.unsignedInt: _bounded(0, 2**32 - 1),
    XSD.unsignedShort: _bounded(0, 2**16 - 1),
    XSD.unsignedByte: _bounded(0, 255),
    XSD.double: _match(_FLOAT),
    XSD.float: _match(_FLOAT),
    XSD.date: _date,
    XSD.time: _time,
    XSD.dateTime: _datetime,
    XSD.dateTimeStamp: _datetimestamp,
    XSD.gYear: _match(_GYEAR),
    XSD.gYearMonth: _gyearmonth,
    XSD.gMonth: _gmonth,
    XSD.gDay: _gday,
    XSD.gMonthDay: _gmonthday,
    XSD.duration: _duration,
    XSD.yearMonthDuration: lambda t: _duration(t, "YM"),
    XSD.dayTimeDuration: lambda t: _duration(t, "DHMS"),
    XSD.hexBinary: _match(_HEX),
    XSD.base64Binary: _match(_BASE64),
    XSD.anyURI: _string,  # XSD 1.1: any string of XML characters (an IRI is recommended, not required)
    RDF.langString: lambda t: True,  # its lexical space is every string; the tag is checked by the parser
}


def well_formed(lexical: str, datatype: str) -> bool:
    """Whether ``lexical`` is in the lexical space of ``datatype`` (True for datatypes not in :data:`CHECKS`)."""
    check = CHECKS.get(datatype)
    return True if check is None else check(lexical)

