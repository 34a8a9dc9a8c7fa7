"""Service and Catalog: the procedures procsimp knows, looked up by any of their names.

A :class:`Catalog` is immutable: :meth:`Catalog.essential` and
:func:`~procsimp.catalog.extend_catalog` return new catalogs. Lookups ignore case, Unicode form and spacing; as a fallback they also ignore
diacritics and punctuation, as long as that matches exactly one service.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procsimp.catalog._text import exact_key, loose_key
from procsimp.errors import CatalogError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Service", "Catalog", "LEVELS", "GROUPS"]

#: administrative levels a service can be decided at
LEVELS: tuple[str, ...] = ("ministry", "province", "district", "commune")
#: groups of the built-in catalog (the grouping of the 25 essential services)
GROUPS: tuple[str, ...] = ("public_security", "civil_status", "other", "common")

# "CODE - Name", "CODE: Name" ... and "Name (CODE)", "Name [CODE]" as written in some logs
_CODE_FIRST = re.compile(r"^\s*(?P<code>[^\s\-–—:|]+)\s*[-–—:|]\s*(?P<name>.+?)\s*$")
_CODE_LAST = re.compile(r"^\s*(?P<name>.+?)\s*[(\[](?P<code>[^()\[\]]+)[)\]]\s*$")


def _looks_like_code(text: str) -> bool:
    """A procedure code has no spaces and a digit ("9.000123") or is upper case ("DKKS")."""
    text = text.strip()
    return bool(text) and " " not in text and (any(ch.isdigit() for ch in text) or text.isupper())


@dataclass(frozen=True)
class Service:
    """One public-service procedure of the catalog.

    ``statutory_days`` is the statutory processing time in working days (``None`` when unknown);
    ``protected_steps`` holds step names, in Vietnamese and English, that the law requires and
    that must never be proposed for removal; ``verified`` is true only when ``statutory_days``
    was checked against a source listed in ``sources``. ``membership_source`` says where the
    service's place among the essential services comes from (and whether that was checked);
    ``protected_sources`` cites the provisions behind its service-specific protected steps
    (empty when none was checked).
    """

    id: str
    code: str | None
    name_vi: str
    name_en: str
    level: str
    agency: str
    statutory_days: float | None
    essential: bool
    protected_steps: tuple[str, ...]
    verified: bool
    sources: tuple[str, ...]
    notes: str
    group: str = ""
    aliases: tuple[str, ...] = ()
    membership_source: str = ""
    protected_sources: tuple[str, ...] = ()

    def name(self, lang: str = "vi") -> str:
        """The service's name in ``lang`` (``"vi"`` or ``"en"``)."""
        if lang not in ("vi", "en"):
            raise ParameterError(f"Service.name: lang must be 'vi' or 'en', got {lang!r}")
        return self.name_vi if lang == "vi" else self.name_en

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the service is known by: Vietnamese, English, then the aliases."""
        return (self.name_vi, self.name_en, *self.aliases)

    @property
    def protected_stages(self) -> tuple[str, ...]:
        """Ids of the canonical stages among the protected steps (``receive``, ``sign`` ...)."""
        from procsimp.catalog.stages import stages

        keys = {exact_key(step) for step in self.protected_steps}
        return tuple(s.id for s in stages() if exact_key(s.vi) in keys or exact_key(s.en) in keys)

    @property
    def specific_steps(self) -> tuple[str, ...]:
        """Protected steps that are not canonical stages (service-specific legal steps)."""
        from procsimp.catalog.stages import stages

        canonical = {exact_key(n) for s in stages() for n in (s.vi, s.en)}
        return tuple(step for step in self.protected_steps if exact_key(step) not in canonical)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (tuples become lists)."""
        out = dataclasses.asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    def _repr_html_(self) -> str:
        e = html.escape
        days = "unknown" if self.statutory_days is None else f"{self.statutory_days:g} working days"
        rows = [
            ("id", self.id),
            ("code", self.code or ""),
            ("level", self.level),
            ("agency", self.agency),
            ("statutory days", days + ("" if self.verified else " (not verified)")),
            ("essential", "yes" if self.essential else "no"),
            ("protected steps", "; ".join(self.protected_steps)),
            ("sources", "; ".join(self.sources)),
            ("membership source", self.membership_source),
            ("protected-step sources", "; ".join(self.protected_sources) or "not checked"),
            ("notes", self.notes),
        ]
        body = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
        return f"<p><b>{e(self.name_vi)}</b> / {e(self.name_en)}</p><table>{body}</table>"


class Catalog:
    """An immutable set of :class:`Service` entries with name lookup and step protection.

    Build one with :func:`procsimp.catalog.load_catalog`; extend it with your own file with
    :meth:`extend`. ``protected_for_all`` lists the step names protected for every service
    (by default the canonical *receive*, *sign* and *return* stages, in both languages).
    """

    __slots__ = (
        "_services",
        "_protected_for_all",
        "_origins",
        "_by_id",
        "_exact",
        "_loose",
        "_protect_cache",
    )

    def __init__(
        self,
        services: Iterable[Service],
        *,
        protected_for_all: Iterable[str] = (),
        origins: Iterable[str] = (),
    ) -> None:
        self._services: tuple[Service, ...] = tuple(services)
        self._protected_for_all: tuple[str, ...] = tuple(dict.fromkeys(protected_for_all))
        self._origins: tuple[str, ...] = tuple(origins)
        seen: dict[str, Service] = {}
        for svc in self._services:
            if not isinstance(svc, Service):
                raise ParameterError(
                    f"Catalog: every entry must be a Service, got {type(svc).__name__}"
                )
            if svc.id in seen:
                raise CatalogError(
                    f"Catalog: service id {svc.id!r} appears twice; ids must be unique"
                )
            seen[svc.id] = svc
        self._by_id: dict[str, Service] = seen
        self._exact: dict[str, Service] = {}
        loose: dict[str, set[str]] = {}
        for svc in self._services:
            keys = [svc.id, *([svc.code] if svc.code else []), *svc.names]
            for key in keys:
                k = exact_key(key)
                other = self._exact.get(k)
                if other is not None and other.id != svc.id:
                    raise CatalogError(
                        f"Catalog: {key!r} names both service {other.id!r} and service {svc.id!r}; "
                        "names, aliases and codes must be unique"
                    )
                self._exact[k] = svc
                loose.setdefault(loose_key(key), set()).add(svc.id)
        # a loose key that names two services is ambiguous: it matches neither
        self._loose: dict[str, Service] = {
            k: seen[next(iter(v))] for k, v in loose.items() if len(v) == 1
        }
        self._protect_cache: dict[str | None, tuple[frozenset[str], frozenset[str]]] = {}

    # ------------------------------------------------------------------ basic protocol
    @property
    def services(self) -> tuple[Service, ...]:
        """The services, in catalog order."""
        return self._services

    @property
    def protected_for_all(self) -> tuple[str, ...]:
        """Step names protected for every service, whatever its entry says."""
        return self._protected_for_all

    @property
    def origins(self) -> tuple[str, ...]:
        """Where the entries came from: the built-in catalog, then each extension file."""
        return self._origins

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self._services)

    def __len__(self) -> int:
        return len(self._services)

    def __iter__(self) -> Iterator[Service]:
        return iter(self._services)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __repr__(self) -> str:
        n_ess = sum(s.essential for s in self._services)
        return f"Catalog({len(self)} services, {n_ess} essential, from {', '.join(self._origins) or 'memory'})"

    # ------------------------------------------------------------------ lookup
    def get(self, key: str) -> Service | None:
        """The service whose id, code, Vietnamese or English name or alias is ``key``.

        Matching ignores case, Unicode form (NFC) and spacing, then, if nothing matched,
        diacritics and punctuation (only when that names exactly one service). A log value
        that combines a code and a name, such as ``"<code> - Đăng ký khai sinh"`` or
        ``"Đăng ký khai sinh (<code>)"``, matches by its code or its name. Returns ``None``
        when nothing matches.
        """
        if key is None:
            return None
        text = str(key)
        if not text.strip():
            return None
        found = self._lookup(text)
        if found is not None:
            return found
        for pattern in (_CODE_FIRST, _CODE_LAST):
            m = pattern.match(text)
            if m and _looks_like_code(m["code"]):
                found = self._lookup(m["code"]) or self._lookup(m["name"])
                if found is not None:
                    return found
        return None

    def _lookup(self, text: str) -> Service | None:
        return self._exact.get(exact_key(text)) or self._loose.get(loose_key(text))

    def require(self, key: str) -> Service:
        """Like :meth:`get`, but raises a :class:`~procsimp.errors.ParameterError` naming close matches."""
        svc = self.get(key)
        if svc is not None:
            return svc
        import difflib

        names = {exact_key(n): n for s in self._services for n in (s.id, s.name_vi, s.name_en)}
        close = difflib.get_close_matches(exact_key(key), list(names), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(names[c]) for c in close)}?" if close else ""
        raise ParameterError(
            f"service {key!r} is not in the catalog ({len(self)} services){hint} "
            "List them with `procsimp catalog`, or add yours with --catalog FILE"
        )

    def match_log(self, services: Iterable[Any]) -> dict[str, Service | None]:
        """Map each service value found in a log to its catalog entry, or ``None`` ("not in catalog").

        Missing values (``None``, NaN) are skipped; each distinct value appears once, in order.
        """
        out: dict[str, Service | None] = {}
        for value in services:
            if value is None or (isinstance(value, float) and value != value):
                continue
            name = str(value)
            if name not in out:
                out[name] = self.get(name)
        return out

    def match_frame(self, services: Iterable[Any]) -> pd.DataFrame:
        """:meth:`match_log` as a table: ``service, id, name_vi, name_en, statutory_days, status``.

        ``status`` is ``"in catalog"`` or ``"not in catalog"``.
        """
        import pandas as pd

        rows = []
        for name, svc in self.match_log(services).items():
            rows.append(
                {
                    "service": name,
                    "id": svc.id if svc else None,
                    "name_vi": svc.name_vi if svc else None,
                    "name_en": svc.name_en if svc else None,
                    "statutory_days": svc.statutory_days if svc else None,
                    "status": "in catalog" if svc else "not in catalog",
                }
            )
        columns = ["service", "id", "name_vi", "name_en", "statutory_days", "status"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["statutory_days"] = pd.to_numeric(frame["statutory_days"], errors="coerce").astype(
            float
        )
        return frame

    # ------------------------------------------------------------------ protection
    def _service(self, service: str | Service | None) -> Service | None:
        if isinstance(service, Service) or service is None:
            return service
        return self.get(service)

    def _protection(self, service: str | Service | None) -> tuple[frozenset[str], frozenset[str]]:
        svc = self._service(service)
        own = svc is None or self._by_id.get(svc.id) is svc  # an entry of this catalog: cacheable
        cache_key = svc.id if svc is not None else None
        if own and cache_key in self._protect_cache:
            return self._protect_cache[cache_key]
        from procsimp.catalog.stages import stages

        by_name = {exact_key(n): s for s in stages() for n in (s.vi, s.en)}
        names: list[str] = []
        for step in self.protected_steps(svc):
            names.append(step)
            canonical = by_name.get(exact_key(step))
            if canonical is not None:  # a canonical stage is also known by its id
                names.append(canonical.id)
        result = (frozenset(exact_key(n) for n in names), frozenset(loose_key(n) for n in names))
        if own:
            self._protect_cache[cache_key] = result
        return result

    def protected_steps(self, service: str | Service | None) -> tuple[str, ...]:
        """Every step name protected for ``service``: the catalog-wide ones, then the service's own.

        An unknown service (or ``None``) gets only the catalog-wide protected steps.
        """
        svc = self._service(service)
        own = svc.protected_steps if svc is not None else ()
        return tuple(dict.fromkeys((*self._protected_for_all, *own)))

    def is_protected(self, service: str | Service | None, activity: str) -> bool:
        """Whether ``activity`` is a step the law requires for ``service`` (never to be removed).

        True when the activity names, in either language, a protected step of that service or
        one protected for every service (by default receive, sign and return). Names match
        ignoring case, spacing, Unicode form and, as a fallback, diacritics and punctuation; a
        canonical stage also matches by its id. ``service`` may be a name, id, code, a
        :class:`Service` or ``None``; an unknown service gets the catalog-wide protection only.
        """
        if activity is None:
            return False
        exact, loose = self._protection(service)
        return exact_key(activity) in exact or loose_key(activity) in loose

    # ------------------------------------------------------------------ new catalogs
    def essential(self) -> Catalog:
        """A new catalog with only the essential services."""
        return Catalog(
            (s for s in self._services if s.essential),
            protected_for_all=self._protected_for_all,
            origins=self._origins,
        )

    def _derive(
        self,
        services: Iterable[Service],
        *,
        origin: str | None = None,
        protected_for_all: Iterable[str] | None = None,
    ) -> Catalog:
        """A new catalog with ``services`` (same catalog-wide protection unless given)."""
        return Catalog(
            services,
            protected_for_all=self._protected_for_all
            if protected_for_all is None
            else protected_for_all,
            origins=(*self._origins, origin) if origin else self._origins,
        )

    # ------------------------------------------------------------------ display
    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per service."""
        return [s.to_dict() for s in self._services]

    def to_frame(self) -> pd.DataFrame:
        """One row per service: id, code, names, level, agency, statutory days, flags, steps, sources."""
        import pandas as pd

        columns = [
            "id",
            "code",
            "name_vi",
            "name_en",
            "group",
            "level",
            "agency",
            "statutory_days",
            "essential",
            "verified",
            "protected_steps",
            "sources",
            "notes",
            "aliases",
        ]
        rows = []
        for s in self._services:
            rows.append(
                {
                    "id": s.id,
                    "code": s.code,
                    "name_vi": s.name_vi,
                    "name_en": s.name_en,
                    "group": s.group,
                    "level": s.level,
                    "agency": s.agency,
                    "statutory_days": s.statutory_days,
                    "essential": s.essential,
                    "verified": s.verified,
                    "protected_steps": "; ".join(s.protected_steps),
                    "sources": "; ".join(s.sources),
                    "notes": s.notes,
                    "aliases": "; ".join(s.aliases),
                }
            )
        frame = pd.DataFrame(rows, columns=columns)
        frame["statutory_days"] = pd.to_numeric(frame["statutory_days"], errors="coerce").astype(
            float
        )
        frame["essential"] = frame["essential"].astype(bool)
        frame["verified"] = frame["verified"].astype(bool)
        return frame

    def _repr_html_(self) -> str:
        e = html.escape
        n_ess = sum(s.essential for s in self._services)
        n_ver = sum(s.verified for s in self._services)
        head = (
            f"<p><b>Service catalog</b>: {len(self)} services, {n_ess} essential, "
            f"{n_ver} with verified statutory days.</p>"
        )
        header = "".join(
            f"<th>{h}</th>"
            for h in (
                "id",
                "name (vi)",
                "name (en)",
                "level",
                "days",
                "essential",
                "verified",
                "protected steps",
            )
        )
        rows = []
        for s in self._services:
            days = "" if s.statutory_days is None else f"{s.statutory_days:g}"
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{e(str(v))}</td>"
                    for v in (
                        s.id,
                        s.name_vi,
                        s.name_en,
                        s.level,
                        days,
                        "yes" if s.essential else "no",
                        "yes" if s.verified else "no",
                        "; ".join(s.protected_steps),
                    )
                )
                + "</tr>"
            )
        return (
            f"{head}<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
