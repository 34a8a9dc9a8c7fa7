"""Text keys used to match service and step names written in different ways.

Three levels, from strict to loose:

* :func:`clean` - Unicode NFC with whitespace collapsed (how names are stored);
* :func:`exact_key` - ``clean`` plus case folding (``"Đăng ký khai sinh"`` == ``"ĐĂNG KÝ KHAI SINH"``);
* :func:`loose_key` - ``exact_key`` without Vietnamese diacritics (``đ`` -> ``d``) and with
  punctuation turned into spaces (``"Dang ky khai sinh"`` == ``"Đăng ký khai sinh."``).

Windows-1258 exports decompose letters into base letters plus combining marks, while UTF-8
exports carry precomposed letters; NFC makes both spellings one key.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean", "exact_key", "loose_key", "fold_diacritics", "words"]


def clean(text: object) -> str:
    """NFC-normalise ``text`` and collapse runs of whitespace to one space."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def exact_key(text: object) -> str:
    """Case-insensitive key: :func:`clean` plus Unicode case folding."""
    return unicodedata.normalize("NFC", clean(text).casefold())


def fold_diacritics(text: object) -> str:
    """Remove diacritics (tone and vowel marks; ``đ`` becomes ``d``), keeping case."""
    decomposed = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def loose_key(text: object) -> str:
    """Key that also ignores diacritics and punctuation: for names typed without accents."""
    folded = fold_diacritics(exact_key(text))
    spaced = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in folded)
    return " ".join(spaced.split())


def words(text: object) -> list[str]:
    """The words of :func:`exact_key` ``(text)``, split on anything that is not a letter or digit."""
    key = exact_key(text)
    spaced = "".join(ch if ch.isalnum() else " " for ch in key)
    return spaced.split()
