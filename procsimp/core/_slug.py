"""Folder and file names from service names: one rule for every command that writes per service.

``mine``, ``propose`` and ``report`` name each service's folder with :func:`service_slugs`, so the
same service gets the same folder whichever command wrote it, and no name can leave the output
folder or hit a name Windows reserves (``con``, ``nul``, ``com1`` ...).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["slugify", "service_slugs"]

_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


# ---------------------------------------------------------------------------- file names
def slugify(name: str, *, max_length: int = 60) -> str:
    """A safe, readable ASCII file name for a service name.

    Unicode-aware: the name is NFC-normalised, Vietnamese letters lose their diacritics
    (``đ`` → ``d``), everything else but letters and digits becomes ``-``, and the result is
    lower case, at most ``max_length`` characters (cut at a word boundary). A name with no Latin
    letter or digit gets ``service-<hash>``, stable for that name. Windows device names
    (``con``, ``nul``, ...) are avoided.

    >>> slugify("Cấp giấy phép xây dựng")
    'cap-giay-phep-xay-dung'
    """
    text = unicodedata.normalize("NFC", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[1:] else slug[:max_length]
        slug = slug.strip("-")
    if not slug:
        digest = hashlib.sha1(unicodedata.normalize("NFC", str(name)).encode("utf-8")).hexdigest()
        slug = f"service-{digest[:8]}"
    if slug in _WINDOWS_RESERVED:
        slug = f"{slug}-service"
    return slug


def service_slugs(names: Iterable[str], *, max_length: int = 60) -> dict[str, str]:
    """``{name: slug}`` with distinct slugs: a name whose slug is taken gets ``-2``, ``-3`` ...

    Names are taken in the order given (the CLI gives them sorted), so the result is stable.
    """
    used: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        if name in result:
            continue
        base = slugify(name, max_length=max_length)
        slug, n = base, 2
        while slug in used:
            slug = f"{base}-{n}"
            n += 1
        used.add(slug)
        result[name] = slug
    return result
