"""What an IRI may hold, character by character (RFC 3987): one check for every IRI a user gives -- a record's
homepage, ror, same_as or url, release.yaml's homepage and contact, ``--base`` and the project file's base.
Imports nothing of the package (the loader and the project file use it before anything else is loaded).
"""

from __future__ import annotations

import re

#: Bidirectional formatting characters, which an IRI must not hold (RFC 3987 section 4.1): they make an address
#: read differently from what it is (``https://example.org/\u202egro.evil``). The marks (U+061C, U+200E, U+200F),
#: the embeddings and overrides (U+202A-U+202E) and the isolates Unicode added since (U+2066-U+2069).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: The ASCII an IRI may hold as itself (RFC 3987: unreserved, reserved, and ``%`` of a percent-encoding).
_IRI_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
#: RFC 3987's ``ucschar`` ranges (beyond ASCII, anywhere in an IRI) and ``iprivate`` (only in its query).
_UCSCHAR = ((0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
            *((plane << 16, (plane << 16) + 0xFFFD) for plane in range(1, 14)), (0xE1000, 0xEFFFD))
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def iri_problem(value: str) -> str | None:
    """What makes ``value`` not an IRI by RFC 3987's characters, or None: a bidi control, a character outside
    ``ucschar`` (a control, a space, a non-character...), a private-use one outside the query, a ``%`` that does
    not start a percent-encoding. Named with its code point and position (1-based)."""
    query = value.find("?")
    for i, char in enumerate(value):
        if char in _IRI_ASCII:
            if char == "%" and not re.fullmatch(r"%[0-9A-Fa-f]{2}", value[i:i + 3]):
                return f"holds a '%' at character {i + 1} that does not start a percent-encoding (%XX)"
            continue
        code = ord(char)
        if char in BIDI_CONTROLS:
            return f"holds the bidirectional control U+{code:04X} at character {i + 1}"
        if any(lo <= code <= hi for lo, hi in _UCSCHAR):
            continue
        if 0 <= query < i and any(lo <= code <= hi for lo, hi in _IPRIVATE):
            continue
        return f"holds U+{code:04X} at character {i + 1}, which an IRI may not hold (RFC 3987)"
    return None
