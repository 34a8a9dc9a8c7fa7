# Long module: one validator for two file formats (YAML and CSV) that share every field rule and error message.
"""Reading and validating catalog files: the packaged ``services.yaml`` and users' YAML or CSV files.

Every problem raises :class:`~procsimp.errors.CatalogError` with one line that names the file,
the entry (YAML) or line (CSV), the field, the value received, what is allowed and how to fix it.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
import io
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procsimp.catalog._text import clean, exact_key, fold_diacritics
from procsimp.catalog.model import GROUPS, LEVELS, Catalog, Service
from procsimp.errors import CatalogError

__all__ = ["load_catalog", "extend_catalog", "BUILTIN_LABEL", "FIELDS"]

#: how the packaged catalog is named in messages and in ``Catalog.origins``
BUILTIN_LABEL = "built-in catalog services.yaml"

#: the fields of a catalog entry, in display order
FIELDS: tuple[str, ...] = (
    "id",
    "code",
    "name_vi",
    "name_en",
    "aliases",
    "group",
    "level",
    "agency",
    "statutory_days",
    "essential",
    "protected_steps",
    "verified",
    "sources",
    "membership_source",
    "protected_sources",
    "notes",
)
_TOP_KEYS = ("services", "protected_for_all", "description", "version", "notes")
_BUILTIN_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_TRUE = {"true", "yes", "y", "1", "x", "có", "co", "đúng", "dung"}
_FALSE = {"false", "no", "n", "0", "không", "khong", "sai", ""}
# levels may also be written in Vietnamese
_LEVEL_WORDS = {
    "ministry": "ministry",
    "bộ": "ministry",
    "trung ương": "ministry",
    "central": "ministry",
    "province": "province",
    "tỉnh": "province",
    "provincial": "province",
    "district": "district",
    "huyện": "district",
    "commune": "commune",
    "xã": "commune",
    "ward": "commune",
    "phường": "commune",
}


@dataclass(frozen=True)
class _Where:
    """Where a value came from, for error messages: file, entry (or line) and service id."""

    file: str
    entry: str
    id: str | None = None

    def at(self, id: str | None) -> _Where:
        return dataclasses.replace(self, id=id)

    def error(self, field: str | None, problem: str) -> CatalogError:
        where = f"{self.file}: {self.entry}"
        if self.id:
            where += f" (id {self.id!r})"
        if field:
            where += f", field {field!r}"
        return CatalogError(f"{where}: {problem}")


def _suggest(name: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ------------------------------------------------------------------------------ value parsers
def _text(value: Any, field: str, where: _Where, *, allow_empty: bool = False) -> str:
    if value is None:
        if allow_empty:
            return ""
        raise where.error(field, "is empty; give a text value")
    if isinstance(value, bool) or not isinstance(value, str):
        raise where.error(
            field, f"expected text, got {value!r}; write it as text (in quotes in YAML)"
        )
    text = clean(value)
    if not text and not allow_empty:
        raise where.error(field, "is empty; give a text value")
    return text


def _id(value: Any, where: _Where, *, builtin: bool) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise where.error(
            "id", f"expected a short text id such as 'birth_registration', got {value!r}"
        )
    text = clean(str(value))
    pattern = _BUILTIN_ID if builtin else _USER_ID
    if not pattern.match(text):
        allowed = (
            "lower-case snake_case letters, digits and '_', starting with a letter"
            if builtin
            else "letters, digits, '_', '.' and '-', without spaces"
        )
        raise where.error("id", f"{text!r} is not a valid id; use {allowed}")
    return text


def _code(value: Any, where: _Where) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str):
        raise where.error(
            "code",
            f'expected text, got the number {value!r}; write the code in quotes (code: "...") '
            "so that its digits are kept exactly",
        )
    text = clean(value)
    return text or None


def _level(value: Any, where: _Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error("level", f"expected one of {', '.join(LEVELS)}, got {value!r}")
    key = exact_key(value)
    level = _LEVEL_WORDS.get(key) or _LEVEL_WORDS.get(
        next((k for k in _LEVEL_WORDS if fold_diacritics(k) == fold_diacritics(key)), ""), None
    )
    if level is None:
        raise where.error("level", f"{value!r} is not a level; use one of {', '.join(LEVELS)}")
    return level


def _days(value: Any, where: _Where) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise where.error("statutory_days", f"expected a number of working days, got {value!r}")
    number: float
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise where.error(
                "statutory_days",
                f"expected a number of working days (such as 7 or 0.5), got {value!r}",
            ) from None
    else:
        raise where.error("statutory_days", f"expected a number of working days, got {value!r}")
    if not math.isfinite(number) or number < 0:
        raise where.error(
            "statutory_days",
            f"{value!r} is not a number of working days; use a number >= 0 or leave it empty",
        )
    return number


def _bool(value: Any, field: str, where: _Where) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = exact_key(value)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise where.error(field, f"expected true or false, got {value!r}")


def _texts(value: Any, field: str, where: _Where, *, sep: str | None = None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(sep) if sep else [value]
    elif isinstance(value, list):
        items = value
    else:
        raise where.error(field, f"expected a list of texts, got {value!r}")
    out: dict[str, None] = {}
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise where.error(field, f"expected a list of texts, got the item {item!r}")
        text = clean(str(item))
        if text:
            out[text] = None
    return tuple(out)


def _steps(value: Any, where: _Where, *, sep: str | None = None) -> tuple[str, ...]:
    """Protected steps: stage ids or names expand to both languages; {vi, en} pairs add both."""
    from procsimp.catalog.stages import stage

    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(sep) if sep else [value]
    elif isinstance(value, list):
        items = value
    else:
        raise where.error("protected_steps", f"expected a list of steps, got {value!r}")
    out: dict[str, None] = {}
    for item in items:
        if isinstance(item, str):
            text = clean(item)
            if not text:
                continue
            canonical = stage(text)
            names: tuple[str, ...] = (
                (canonical.vi, canonical.en) if canonical is not None else (text,)
            )
        elif isinstance(item, dict):
            unknown = [k for k in item if k not in ("vi", "en")]
            if unknown:
                raise where.error(
                    "protected_steps",
                    f"a step written as a mapping takes only 'vi' and 'en', got {unknown[0]!r}",
                )
            names = tuple(
                clean(item[k])
                for k in ("vi", "en")
                if isinstance(item.get(k), str) and item[k].strip()
            )
            if not names:
                raise where.error("protected_steps", f"the step {item!r} has no 'vi' or 'en' name")
        else:
            raise where.error(
                "protected_steps",
                f"expected a stage id (receive, sign ...), a step name or {{vi: ..., en: ...}}, got {item!r}",
            )
        for name in names:
            out[name] = None
    return tuple(out)


# ------------------------------------------------------------------------------ entries
def _parse_entry(
    raw: Mapping[str, Any], where: _Where, *, builtin: bool, list_sep: str | None = None
) -> dict[str, Any]:
    """The fields given in one entry, parsed and checked (only those present)."""
    if "id" not in raw or raw.get("id") in (None, ""):
        raise where.error(
            "id", "is missing; every entry needs an id (an existing id overrides that entry)"
        )
    sid = _id(raw["id"], where, builtin=builtin)
    where = where.at(sid)
    for key in raw:
        if key not in FIELDS:
            raise where.error(
                str(key),
                f"is not a catalog field{_suggest(str(key), FIELDS)}; the fields are {', '.join(FIELDS)}",
            )
    fields: dict[str, Any] = {"id": sid}
    for key, value in raw.items():
        if key == "id":
            continue
        if key == "code":
            fields[key] = _code(value, where)
        elif key in ("name_vi", "name_en"):
            fields[key] = _text(value, key, where)
        elif key in ("agency", "notes", "membership_source"):
            fields[key] = _text(value, key, where, allow_empty=True)
        elif key == "group":
            group = _text(value, key, where, allow_empty=not builtin)
            if builtin and group not in GROUPS:
                raise where.error(key, f"{group!r} is not a group; use one of {', '.join(GROUPS)}")
            fields[key] = group
        elif key == "level":
            fields[key] = _level(value, where)
        elif key == "statutory_days":
            fields[key] = _days(value, where)
        elif key in ("essential", "verified"):
            fields[key] = _bool(value, key, where)
        elif key in ("sources", "aliases", "protected_sources"):
            fields[key] = _texts(value, key, where, sep=list_sep)
        elif key == "protected_steps":
            fields[key] = _steps(value, where, sep=list_sep)
    return fields


_DEFAULTS: dict[str, Any] = {
    "code": None,
    "aliases": (),
    "group": "",
    "level": "",
    "agency": "",
    "statutory_days": None,
    "essential": False,
    "protected_steps": (),
    "verified": False,
    "sources": (),
    "membership_source": "",
    "protected_sources": (),
    "notes": "",
}


def _check_rules(svc: Service, where: _Where) -> None:
    """Rules every entry obeys after merging: no code or verified value without a source."""
    if svc.code and not svc.sources:
        raise where.error(
            "code",
            f"{svc.code!r} has no source; an official procedure code needs a citation in 'sources' "
            "(never invent one: leave the code empty if you cannot cite where it comes from)",
        )
    if svc.verified and not svc.sources:
        raise where.error(
            "verified",
            "is true but 'sources' is empty; cite the document that gives the statutory days, "
            "or set verified to false",
        )
    if svc.verified and svc.statutory_days is None:
        raise where.error(
            "verified",
            "is true but statutory_days is empty; give the days or set verified to false",
        )


def _new_service(fields: dict[str, Any], where: _Where, *, builtin: bool) -> Service:
    required = (
        ("name_vi", "name_en") if not builtin else tuple(f for f in FIELDS if f not in ("aliases",))
    )
    for name in required:
        if name not in fields:
            raise where.error(
                name,
                "is missing; a new service needs at least id, name_vi and name_en"
                if not builtin
                else "is missing; every entry of the built-in catalog gives every field",
            )
    values = {**_DEFAULTS, **fields}
    return Service(**{f.name: values[f.name] for f in dataclasses.fields(Service)})


def _service_keys(svc: Service) -> list[tuple[str, str]]:
    keys = [("id", svc.id)]
    if svc.code:
        keys.append(("code", svc.code))
    keys += [("name_vi", svc.name_vi), ("name_en", svc.name_en)]
    keys += [("aliases", a) for a in svc.aliases]
    return keys


def _merge(
    base: Catalog | None,
    entries: list[tuple[dict[str, Any], _Where]],
    *,
    builtin: bool,
) -> list[Service]:
    """Apply parsed entries to ``base``: override by id field by field, or add."""
    services: dict[str, Service] = {s.id: s for s in base} if base is not None else {}
    changed: dict[str, _Where] = {}
    first_seen: dict[str, _Where] = {}
    for fields, where in entries:
        sid = fields["id"]
        where = where.at(sid)
        if sid in first_seen:
            raise where.error(
                "id",
                f"{sid!r} is also used by {first_seen[sid].entry}; each id may appear once per file",
            )
        first_seen[sid] = where
        if fields.get("code") and not fields.get("sources"):
            raise where.error(
                "code",
                f"{fields['code']!r} is given without 'sources' in the same entry; an official "
                "procedure code needs a citation (never invent one: leave the code empty if you "
                "cannot cite where it comes from)",
            )
        if sid in services:
            old = services[sid]
            changes = {k: v for k, v in fields.items() if k != "id"}
            if "statutory_days" in changes and changes["statutory_days"] != old.statutory_days:
                # the old verification was for the old value
                changes.setdefault("verified", False)
            merged = dataclasses.replace(old, **changes)
        else:
            merged = _new_service(fields, where, builtin=builtin)
        _check_rules(merged, where)
        if builtin and merged.essential and merged.statutory_days is None:
            raise where.error(
                "statutory_days", "is empty; every essential service needs its statutory days"
            )
        services[sid] = merged
        changed[sid] = where
    # names, aliases and codes must name one service only
    owner: dict[str, str] = {}
    for svc in services.values():
        if svc.id in changed:
            continue
        for _, key in _service_keys(svc):
            owner[exact_key(key)] = svc.id
    for sid, where in changed.items():
        for field, key in _service_keys(services[sid]):
            k = exact_key(key)
            other = owner.get(k)
            if other is not None and other != sid:
                raise where.error(
                    field,
                    f"{key!r} already names service {other!r}; give a different value, or use id "
                    f"{other!r} to override that service",
                )
            owner[k] = sid
    return list(services.values())


def _protected_for_all(value: Any, where: _Where) -> tuple[str, ...]:
    return _steps(value, where)


# ------------------------------------------------------------------------------ files
def _read_yaml(
    text: str, label: str, *, fast: bool = False
) -> tuple[list[tuple[Mapping[str, Any], _Where]], Any]:
    import yaml

    try:
        # libyaml (when present) for the packaged file; the pure-Python loader for users' files,
        # whose syntax errors it describes the same way everywhere
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader
        data = yaml.load(text, Loader=loader)  # both are safe loaders
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CatalogError(f"{label}: not valid YAML ({problem}{at}); fix the syntax") from None
    if data is None:
        raise CatalogError(f"{label}: the file is empty; it needs a 'services:' list of entries")
    protected: Any = None
    if isinstance(data, list):
        raw_entries = data
    elif isinstance(data, dict):
        for key in data:
            if key not in _TOP_KEYS:
                raise CatalogError(
                    f"{label}: top-level key {key!r} is not allowed{_suggest(str(key), _TOP_KEYS)}; "
                    f"use {', '.join(_TOP_KEYS)}"
                )
        raw_entries = data.get("services") or []
        protected = data.get("protected_for_all")
        if not isinstance(raw_entries, list):
            raise CatalogError(
                f"{label}: 'services' must be a list of entries, got {type(raw_entries).__name__}"
            )
    else:
        raise CatalogError(
            f"{label}: expected a 'services:' list of entries, got {type(data).__name__}"
        )
    entries: list[tuple[Mapping[str, Any], _Where]] = []
    for i, raw in enumerate(raw_entries, start=1):
        where = _Where(label, f"entry {i}")
        if not isinstance(raw, dict):
            raise where.error(
                None, f"expected a mapping of fields (id: ..., name_vi: ...), got {raw!r}"
            )
        entries.append((raw, where))
    return entries, protected


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise CatalogError(f"{label}: cannot tell the text encoding; save the file as UTF-8")
    return str(best)


def _read_csv(text: str, label: str) -> list[tuple[Mapping[str, Any], _Where, str]]:
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter = max((",", "\t", ";"), key=lambda d: first.count(d)) if first else ","
    if not first.count(delimiter):
        delimiter = ","
    list_sep = "|" if delimiter == ";" else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    entries: list[tuple[Mapping[str, Any], _Where, str]] = []
    for row in reader:
        if header is None:
            if not any(cell.strip() for cell in row):
                continue
            header = [clean(cell.replace("\ufeff", "")).lower().replace(" ", "_") for cell in row]
            where = _Where(label, "header")
            for name in header:
                if name not in FIELDS:
                    raise where.error(
                        name,
                        f"is not a catalog column{_suggest(name, FIELDS)}; the columns are {', '.join(FIELDS)}",
                    )
            dupes = sorted({h for h in header if header.count(h) > 1})
            if dupes:
                raise where.error(dupes[0], "appears twice; give each column once")
            if "id" not in header:
                raise where.error("id", "column is missing; every row needs an id")
            continue
        if not any(cell.strip() for cell in row):
            continue
        id_cell = row[header.index("id")].strip() if header.index("id") < len(row) else ""
        where = _Where(label, f"line {reader.line_num}", clean(id_cell) or None)
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            raise where.error(
                None,
                f"has {len(row)} cells but the header has {len(header)} columns; quote cells that "
                f"contain {delimiter!r}",
            )
        raw = {
            name: cell
            for name, cell in zip(header, row[: len(header)], strict=False)
            if cell.strip()
        }
        entries.append((raw, where, list_sep))
    if header is None:
        raise CatalogError(
            f"{label}: the file is empty; it needs a header row (id, name_vi, name_en, ...)"
        )
    return entries


def _resolve(path: str | os.PathLike[str]) -> tuple[Path, str]:
    label = os.fspath(path)
    p = Path(label)
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise CatalogError(
            f"{label}: catalog file type {suffix or '(none)'!r} is not supported; use a YAML (.yaml, .yml) or CSV (.csv) file"
        )
    if not p.exists():
        raise CatalogError(f"{label}: catalog file not found; check the path")
    if not p.is_file():
        raise CatalogError(f"{label}: is not a file; give the path of a YAML or CSV catalog file")
    return p, label


def extend_catalog(base: Catalog, path: str | os.PathLike[str]) -> Catalog:
    """A new catalog: ``base`` with the entries of a user file (YAML or CSV) added or overriding.

    An entry whose ``id`` is already in the catalog overrides only the fields it gives;
    an entry with a new id is added (it needs at least ``id``, ``name_vi`` and
    ``name_en``). Raises :class:`~procsimp.errors.CatalogError` naming the file, the entry
    and the field of any bad value.
    """
    p, label = _resolve(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    text = _decode(data, label)
    parsed: list[tuple[dict[str, Any], _Where]] = []
    extra_protected: tuple[str, ...] = ()
    if p.suffix.lower() == ".csv":
        for raw, where, sep in _read_csv(text, label):
            parsed.append((_parse_entry(raw, where, builtin=False, list_sep=sep), where))
    else:
        entries, protected = _read_yaml(text, label)
        for raw, where in entries:
            parsed.append((_parse_entry(raw, where, builtin=False), where))
        if protected is not None:
            extra_protected = _protected_for_all(protected, _Where(label, "top level"))
    if not parsed and not extra_protected:
        raise CatalogError(
            f"{label}: has no entries; add at least one service (id, name_vi, name_en)"
        )
    services = _merge(base, parsed, builtin=False)
    return base._derive(
        services,
        origin=label,
        protected_for_all=(*base.protected_for_all, *extra_protected),
    )


def _parse_builtin(text: str, label: str = BUILTIN_LABEL) -> Catalog:
    entries, protected = _read_yaml(text, label, fast=True)
    parsed = [(_parse_entry(raw, where, builtin=True), where) for raw, where in entries]
    services = _merge(None, parsed, builtin=True)
    if protected is None:
        raise CatalogError(
            f"{label}: 'protected_for_all' is missing; list the stages protected for every service"
        )
    return Catalog(
        services,
        protected_for_all=_protected_for_all(protected, _Where(label, "top level")),
        origins=(label,),
    )


@functools.lru_cache(maxsize=1)
def _builtin() -> Catalog:
    from importlib.resources import files

    text = files("procsimp.catalog").joinpath("services.yaml").read_text(encoding="utf-8")
    return _parse_builtin(text)


def load_catalog(
    extra: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
) -> Catalog:
    """The built-in service catalog, extended by the user file(s) ``extra`` (YAML or CSV).

    The packaged catalog is read and validated once per process. Each extra file adds
    services or overrides built-in ones field by field (see :func:`extend_catalog`); several
    files apply in order.
    """
    catalog = _builtin()
    if extra is None:
        return catalog
    paths = [extra] if isinstance(extra, (str, os.PathLike)) else list(extra)
    for path in paths:
        catalog = extend_catalog(catalog, path)
    return catalog
