"""Column mapping: keyword arguments, a YAML mapping file, or detection of known headers.

Precedence, role by role: a keyword argument (or CLI option) wins over the mapping file, which
wins over detection. Detection compares *normalised* headers: Unicode NFC, Vietnamese diacritics
removed (``đ`` becomes ``d``), lower case, and every character that is not a letter or a digit
dropped, so ``Mã hồ sơ``, ``ma_ho_so``, ``MA HO SO`` and ``MaHoSo`` are the same header.

Detection never guesses: a standard pm4py/XES name (``case:concept:name``, ``concept:name``,
``time:timestamp`` ...) declares its role; otherwise, when two headers are plausible for one role,
:class:`MappingError` names both and the option that chooses one.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from procsimp.core.log import CASE_ROLES, REQUIRED_ROLES, ROLES, ColumnMapping
from procsimp.errors import MappingError, MissingColumnError

__all__ = [
    "SYNONYMS",
    "normalise_header",
    "detect_mapping",
    "load_mapping_file",
    "resolve_columns",
    "option_for",
]

#: Headers recognised for each role, in normalised form (see :func:`normalise_header`).
#: The sets are disjoint, so one header is never plausible for two roles.
SYNONYMS: dict[str, frozenset[str]] = {
    "case": frozenset({
        "case", "caseid", "caseno", "casenumber", "casecode", "caseconceptname", "traceid",
        "dossier", "dossierid", "dossierno", "dossiernumber", "dossiercode",
        "applicationid", "applicationno", "applicationnumber",
        "mahoso", "sohoso", "mahs", "sohs", "idhoso", "hosoid", "mahosoid", "sobiennhan",
        "mabiennhan",
    }),
    "activity": frozenset({
        "activity", "activityname", "conceptname", "step", "stepname", "task", "taskname",
        "eventname", "buoc", "tenbuoc", "buocxuly", "congviec", "tencongviec", "hoatdong",
        "tenhoatdong", "thaotac",
    }),
    "timestamp": frozenset({
        "timestamp", "timetimestamp", "time", "datetime", "date", "endtime", "end",
        "endtimestamp", "completetime", "completiontime", "completedat", "completed",
        "finishtime", "finishedat", "eventtime", "ketthuc", "thoigianketthuc", "thoigian",
        "ngayxuly", "thoigianxuly", "thoidiem", "ngaygio", "ngayhoanthanh", "ngayketthuc",
    }),
    "start": frozenset({
        "start", "starttime", "starttimestamp", "startedat", "begin", "begintime",
        "batdau", "thoigianbatdau", "ngaybatdau",
    }),
    "resource": frozenset({
        "resource", "orgresource", "officer", "user", "username", "staff", "employee",
        "performer", "actor", "handler", "canbo", "canboxuly", "tencanbo", "nguoixuly",
        "nguoithuchien", "chuyenvien",
    }),
    "unit": frozenset({
        "unit", "orggroup", "group", "department", "dept", "office", "division",
        "phongban", "donvi", "bophan", "phong", "donvixuly", "phongbanxuly",
    }),
    "service": frozenset({
        "service", "servicename", "procedure", "procedurename", "caseservice",
        "thutuc", "tenthutuc", "thutuchanhchinh", "tentthc", "dichvu", "dichvucong",
    }),
    "channel": frozenset({
        "channel", "submissionchannel", "casechannel", "kenh", "kenhnop", "kenhtiepnhan",
        "hinhthucnop", "hinhthuctiepnhan",
    }),
    "received": frozenset({
        "received", "receivedat", "receiveddate", "receivedtime", "receiptdate", "submitted",
        "submittedat", "submissiondate", "casereceived", "ngaynhan", "ngaytiepnhan",
        "thoigiantiepnhan", "ngaynop", "ngaynhanhoso",
    }),
    "due": frozenset({
        "due", "duedate", "dueat", "duetime", "deadline", "casedue", "hanxuly",
        "hantraketqua", "hantra", "ngayhentra", "hentra", "hanhoanthanh", "ngayhen",
    }),
    "outcome": frozenset({
        "outcome", "result", "decision", "caseoutcome", "ketqua", "ketquaxuly",
        "ketquagiaiquyet",
    }),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_header(name: object) -> str:
    """``"Mã hồ sơ"`` -> ``"mahoso"``: no diacritics, lower case, letters and digits only."""
    text = unicodedata.normalize("NFD", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", text.lower())


def option_for(role: str) -> str:
    """The CLI option that maps ``role``."""
    return "--service-column" if role == "service" else f"--{role}"


def _hint(role: str) -> str:
    return f"{option_for(role)} COLUMN (or {role}=... in Python, or '{role}: COLUMN' in a mapping file)"


def load_mapping_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a YAML mapping file (``case: Mã hồ sơ`` one role a line) into a dict.

    Raises :class:`MappingError` for a missing or malformed file, an unknown role or a value
    that is not a column name.
    """
    import yaml

    p = Path(path)
    if not p.is_file():
        raise MappingError(f"mapping file {p} does not exist; give the path of a YAML file such as 'case: Mã hồ sơ'")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingError(f"mapping file {p} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    class _Loader(yaml.SafeLoader):
        """Refuses a key given twice (PyYAML keeps the last one without a word)."""

    def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise MappingError(
                    f"mapping file {p}: {key!r} is given twice (lines {seen[key]} and {line}); keep one of them"
                )
            seen[key] = line
        return loader.construct_mapping(node, deep=deep)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise MappingError(
            f"mapping file {p} is not valid YAML{where}; write one 'role: column' pair a line, e.g. 'case: Mã hồ sơ'"
        ) from None
    if data is None:
        raise MappingError(f"mapping file {p} is empty; write one 'role: column' pair a line, e.g. 'case: Mã hồ sơ'")
    if not isinstance(data, dict):
        raise MappingError(
            f"mapping file {p} must be a set of 'role: column' pairs, got a {type(data).__name__}; "
            "e.g. 'case: Mã hồ sơ'"
        )
    result: dict[str, str] = {}
    for key, value in data.items():
        role = str(key).strip().lower()
        if role not in ROLES:
            raise MappingError(
                f"mapping file {p}: unknown role {key!r}; allowed roles are: {', '.join(ROLES)}"
            )
        if value is None or isinstance(value, (dict, list)) or str(value).strip() == "":
            raise MappingError(
                f"mapping file {p}: role {role!r} needs one column name, got {value!r}"
            )
        result[role] = unicodedata.normalize("NFC", str(value)).strip()
    return result


def _find_column(name: str, columns: Sequence[str]) -> str | None:
    """The column called ``name``: exact (NFC) match first, then one normalised match."""
    nfc = unicodedata.normalize("NFC", str(name)).strip()
    for col in columns:
        if unicodedata.normalize("NFC", str(col)).strip() == nfc:
            return col
    key = normalise_header(nfc)
    matches = [col for col in columns if normalise_header(col) == key]
    return matches[0] if len(matches) == 1 else None


def _role_candidates(role: str, columns: Sequence[str], *, xes: bool) -> tuple[list[str], list[str]]:
    """(standard, detected) candidate columns for ``role``."""
    standard = [c for c in columns if c == ROLES[role]]
    names = SYNONYMS[role]
    detected = []
    for col in columns:
        if col in standard:
            continue
        raw = str(col)
        if role in CASE_ROLES:
            if xes and not raw.startswith("case:"):
                continue  # in XES, dossier attributes live on the trace
            if raw.startswith("case:"):
                raw = raw[5:]
        elif xes and raw.startswith("case:"):
            continue  # a trace attribute never fills an event role
        if normalise_header(raw) in names:
            detected.append(col)
    return standard, detected


def detect_mapping(columns: Sequence[str], *, xes: bool = False, skip: Mapping[str, str] | None = None,
                   source: str = "<memory>") -> ColumnMapping:
    """Detect roles from known headers; ``skip`` holds roles (and their columns) already chosen."""
    chosen: dict[str, str] = {}
    how: dict[str, str] = {}
    taken = set((skip or {}).values())
    free = [c for c in columns if c not in taken]
    for role in ROLES:
        if skip and role in skip:
            continue
        standard, detected = _role_candidates(role, free, xes=xes)
        # a standard (pm4py / XES) name declares its role: it is not a guess
        candidates = standard or detected
        if len(candidates) > 1:
            shown = " and ".join(repr(c) for c in candidates[:3])
            raise MappingError(
                f"{source}: two columns could be the {role!r} column: {shown}; choose one with {_hint(role)}"
            )
        if candidates:
            chosen[role] = candidates[0]
            how[role] = ("xes" if xes else "standard") if standard else "detected"
    return ColumnMapping(columns=chosen, how=how)


def resolve_columns(
    columns: Sequence[str],
    mapping: Mapping[str, str] | ColumnMapping | str | os.PathLike[str] | None,
    given: Mapping[str, str | None],
    *,
    source: str,
    xes: bool = False,
    detect: bool = True,
) -> ColumnMapping:
    """Combine keyword arguments, a mapping (dict, ColumnMapping or YAML path) and detection
    (of the roles left unmapped; none with ``detect=False``).

    Every named column must exist (matched exactly after NFC, else by its normalised form); the
    required roles (case, activity, timestamp) must end up mapped. Errors list the columns present.
    """
    columns = [str(c) for c in columns]
    explicit: dict[str, str] = {}
    how: dict[str, str] = {}
    if isinstance(mapping, (str, os.PathLike)):
        from_file = load_mapping_file(mapping)
        explicit.update(from_file)
        how.update({role: "file" for role in from_file})
        origin = {role: f"in mapping file {mapping}" for role in from_file}
    elif isinstance(mapping, ColumnMapping):
        explicit.update(mapping.columns)
        how.update({role: mapping.how.get(role, "argument") for role in mapping.columns})
        origin = {role: "in the mapping" for role in mapping.columns}
    elif mapping is not None:
        if not isinstance(mapping, Mapping):
            raise MappingError(
                f"mapping must be a dict of role -> column, a ColumnMapping or the path of a YAML file; got {type(mapping).__name__}"
            )
        bad = [k for k in mapping if k not in ROLES]
        if bad:
            raise MappingError(f"unknown role {bad[0]!r} in the mapping; allowed roles are: {', '.join(ROLES)}")
        explicit.update({k: str(v) for k, v in mapping.items() if v})
        how.update({role: "argument" for role in explicit})
        origin = {role: "in the mapping" for role in explicit}
    else:
        origin = {}
    for role, col in given.items():
        if role not in ROLES:
            raise MappingError(f"unknown column role {role!r}; allowed roles are: {', '.join(ROLES)}")
        if col:
            explicit[role] = str(col)
            how[role] = "argument"
            origin[role] = f"by {option_for(role)}"
    present = ", ".join(repr(c) for c in columns[:40]) + (" ..." if len(columns) > 40 else "")
    resolved: dict[str, str] = {}
    for role, name in explicit.items():
        col = _find_column(name, columns)
        if col is None:
            raise MissingColumnError(
                f"{source}: column {name!r} given for {role!r} {origin.get(role, '')} does not exist; "
                f"columns present: {present}"
            )
        resolved[role] = col
    dupes = {c for c in resolved.values() if list(resolved.values()).count(c) > 1}
    if dupes:
        col = sorted(dupes)[0]
        roles = [r for r, c in resolved.items() if c == col]
        raise MappingError(
            f"{source}: column {col!r} is mapped to more than one role ({', '.join(roles)}); map each role to its own column"
        )
    final = dict(resolved)
    final_how = {role: how[role] for role in resolved}
    if detect:
        detected = detect_mapping(columns, xes=xes, skip=resolved, source=source)
        final.update(detected.columns)
        final_how.update(detected.how)
    for role in REQUIRED_ROLES:
        if role not in final:
            raise MissingColumnError(
                f"{source}: no column for the required role {role!r}; columns present: {present}; "
                f"name it with {_hint(role)}"
            )
    ordered = {role: final[role] for role in ROLES if role in final}
    return ColumnMapping(columns=ordered, how={role: final_how[role] for role in ordered})


def describe_given(given: Mapping[str, Any]) -> dict[str, str]:
    """Keyword arguments that name columns, without the empty ones."""
    return {k: str(v) for k, v in given.items() if v}
