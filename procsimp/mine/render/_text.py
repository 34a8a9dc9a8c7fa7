"""Names made safe for the files that draw them (Graphviz labels, PNML, BPMN XML).

Step and officer names come from any system. XML 1.0 (and so Graphviz's HTML-like labels, PNML
and BPMN) cannot carry control characters, surrogates or the noncharacters U+FFFE/U+FFFF, and
Graphviz fails on very long strings: such a name would stop a diagram after other files were
written. Control characters become spaces, the others the replacement character U+FFFD, and a
name is cut at :data:`MAX_NAME` characters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["drawable", "xml_safe", "MAX_NAME"]

#: the longest name drawn (Graphviz fails on strings of 16,384 characters and more)
MAX_NAME = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NOT_XML = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)


def xml_safe(text: str) -> str:
    """``text`` with every character that XML 1.0 refuses replaced (controls by a space)."""
    return _NOT_XML.sub("\ufffd", _CONTROL.sub(" ", text))


def drawable(text: Any, limit: int = MAX_NAME) -> str:
    """A name as it can be drawn: NFC, XML-safe, at most ``limit`` characters (cut with '…')."""
    out = xml_safe(unicodedata.normalize("NFC", str(text)))
    return out if len(out) <= limit else out[: limit - 1] + "…"
