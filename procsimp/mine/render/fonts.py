"""The font family used in every diagram, chosen so that Vietnamese diacritics render.

Graphviz lays text out with the fonts that fontconfig finds on the machine. A family that lacks a
glyph makes the renderer fall back to another font, or draw an empty box ("tofu"). procsimp asks
for a family that has every precomposed Vietnamese letter *and* the few symbols its diagrams use
(▶ ■ → … – · ≥), so a map looks the same in SVG, PNG and PDF.

``DejaVu Sans`` comes first: it covers all of them. ``Noto Sans`` has the Vietnamese letters but
not the arrows and shapes. Both are installed by ``make install``
(``apt-get install fonts-dejavu-core fonts-noto-core``).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "PREFERRED_FAMILIES",
    "VIETNAMESE_LETTERS",
    "DIAGRAM_SYMBOLS",
    "FONT_INSTALL_HINT",
    "font_family",
    "font_stack",
    "font_file",
    "missing_glyphs",
]

#: font families tried in order; the first one installed that covers the required text wins
PREFERRED_FAMILIES: tuple[str, ...] = ("DejaVu Sans", "Noto Sans")

FONT_INSTALL_HINT = "sudo apt-get install fonts-dejavu-core fonts-noto-core"


def _vietnamese_letters() -> str:
    bases = ["a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b",
             "u", "u\u031b", "y"]
    tones = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
    lower = [unicodedata.normalize("NFC", b + t) for b in bases for t in tones] + ["đ"]
    return "".join(lower) + "".join(c.upper() for c in lower)


#: every precomposed (NFC) Vietnamese letter, lower and upper case (12 vowels × 6 tones + đ)
VIETNAMESE_LETTERS: str = _vietnamese_letters()
#: symbols drawn by the diagrams: start and end nodes, arrows, ellipsis, dashes, separators
DIAGRAM_SYMBOLS: str = "▶■→…–·≥"


def _fc_match(family: str) -> tuple[str, Path] | None:
    """(family, file) that fontconfig resolves ``family`` to, or None without fontconfig."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "-f", "%{family[0]}\n%{file}", family],
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.splitlines()
    if len(lines) < 2 or not lines[1]:
        return None
    return lines[0], Path(lines[1])


def font_file(family: str) -> Path | None:
    """The font file that fontconfig uses for ``family``, if it is that family (else None).

    fontconfig always answers with *some* font; this returns None when the answer is a
    substitute (the family is not installed) or when fontconfig is not available.
    """
    match = _fc_match(family)
    if match is None:
        return None
    resolved, path = match
    if resolved.casefold() != family.casefold():
        return None
    return path


@functools.lru_cache(maxsize=64)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # pulled in by matplotlib/pm4py; imported lazily

    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def missing_glyphs(text: str, family: str | None = None) -> list[str]:
    """The distinct characters of ``text`` (after NFC) that ``family``'s font file lacks.

    ``family`` defaults to :func:`font_family`. Whitespace is ignored. A family that is not
    installed (or whose file cannot be read) lacks every character.
    """
    family = family or font_family()
    path = font_file(family)
    chars = sorted({c for c in unicodedata.normalize("NFC", text) if not c.isspace()})
    if path is None:
        return chars
    try:
        cmap = _cmap(str(path))
    except Exception:  # an unreadable or unsupported font file covers nothing we can prove
        return chars
    return [c for c in chars if ord(c) not in cmap]


@functools.lru_cache(maxsize=1)
def font_family() -> str:
    """The font family set on every graph, node and edge.

    The first of :data:`PREFERRED_FAMILIES` that is installed and covers
    :data:`VIETNAMESE_LETTERS`; failing that, the first that covers the Vietnamese letters
    alone; failing that (no fontconfig, or none installed), ``PREFERRED_FAMILIES[0]``, which
    Graphviz then substitutes. Cached: the choice is made once per process.
    """
    required = VIETNAMESE_LETTERS + DIAGRAM_SYMBOLS
    for text in (required, VIETNAMESE_LETTERS):
        for family in PREFERRED_FAMILIES:
            if font_file(family) is not None and not missing_glyphs(text, family):
                return family
    return PREFERRED_FAMILIES[0]


def font_stack(extra: Iterable[str] = ("sans-serif",)) -> str:
    """A CSS ``font-family`` list: the chosen family, the other preferred ones, then ``extra``."""
    chosen = font_family()
    names = [chosen] + [f for f in PREFERRED_FAMILIES if f != chosen] + list(extra)
    return ", ".join(f"'{n}'" if " " in n else n for n in names)
