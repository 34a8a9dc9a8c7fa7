"""Typed edits of a workflow: what a proposal changes, one step (or pair of steps) at a time.

* :class:`Eliminate` ``(activity)``: the step disappears, with its processing time and the
  waiting it caused;
* :class:`Automate` ``(activity)``: the step stays, but the system does it: no officer, no
  waiting and no processing time (electronic routing of a required transfer, for example);
* :class:`Merge` ``(activity, into)``: ``activity`` disappears into ``into``, which does its work;
  the hand-off wait between them goes away;
* :class:`Parallelize` ``(a, b)``: the two steps start together after their common predecessor;
  the next step waits for the longer of the two;
* :class:`MoveEarlier` ``(activity, after)``: a knock-out check runs right after ``after``, so
  rejected dossiers skip the steps that used to come before the check.

Edits are built from :class:`procsimp.flag.flag.Flag` objects (:func:`edits_from_flags`) or
written by hand, in Python or in a YAML edit file (:func:`load_edit_file` reads it,
:func:`write_edit_file` writes the one ``propose`` and ``report`` leave for editing). ``reduce_wait`` and
``fix_rework`` flags are recommendations, not edits: they ask for capacity or for the cause of
rework to be removed, which a replay of the log cannot decide, so :func:`edit_from_flag` returns
None for them.
"""

from __future__ import annotations

import html
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from procsimp.errors import ParameterError

__all__ = [
    "Edit",
    "Eliminate",
    "Automate",
    "Merge",
    "Parallelize",
    "MoveEarlier",
    "Refusal",
    "EDIT_ACTIONS",
    "RECOMMENDATION_ACTIONS",
    "edit_from_flag",
    "edits_from_flags",
    "edit_from_dict",
    "EditFile",
    "load_edit_file",
    "edit_file_entries",
    "edit_file_text",
    "write_edit_file",
]

#: flag actions that become edits, in the order edits are applied
EDIT_ACTIONS: tuple[str, ...] = ("eliminate", "automate", "merge", "move_earlier", "parallelize")
#: flag actions that are listed as recommendations only
RECOMMENDATION_ACTIONS: tuple[str, ...] = ("reduce_wait", "fix_rework")


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{what} must be a non-empty activity name, got {value!r}")
    return unicodedata.normalize("NFC", value).strip()


@dataclass(frozen=True)
class Edit:
    """Base class of the typed edits. ``flag`` is the flag the edit came from (or None)."""

    action: ClassVar[str] = ""

    @property
    def activities(self) -> tuple[str, ...]:
        """The steps the edit touches."""
        raise NotImplementedError

    @property
    def removed(self) -> tuple[str, ...]:
        """The steps that disappear from the workflow."""
        return ()

    @property
    def key(self) -> tuple[str, str, str | None]:
        """``(action, activity, into)``: the same triple a Flag's key ends with."""
        raise NotImplementedError

    def describe(self, lang: str = "en") -> str:
        """One plain sentence, in English (``"en"``) or Vietnamese (``"vi"``)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        action, activity, into = self.key
        return {"action": action, "activity": activity, "into": into}

    def _repr_html_(self) -> str:
        return f"<span>{html.escape(self.describe('en'))}</span>"


@dataclass(frozen=True)
class Eliminate(Edit):
    """Remove ``activity`` from every dossier (with its processing and the waiting it caused)."""

    activity: str
    flag: Any = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = "eliminate"

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", _name(self.activity, "Eliminate(activity)"))

    @property
    def activities(self) -> tuple[str, ...]:
        return (self.activity,)

    @property
    def removed(self) -> tuple[str, ...]:
        return (self.activity,)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return ("eliminate", self.activity, None)

    def describe(self, lang: str = "en") -> str:
        if lang == "vi":
            return f"Bỏ bước “{self.activity}”."
        return f"Eliminate “{self.activity}”."


@dataclass(frozen=True)
class Automate(Edit):
    """``activity`` stays in every dossier, but the system does it: no officer, no waiting before
    it and no processing time (the dossier passes through at once)."""

    activity: str
    flag: Any = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = "automate"

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", _name(self.activity, "Automate(activity)"))

    @property
    def activities(self) -> tuple[str, ...]:
        return (self.activity,)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return ("automate", self.activity, None)

    def describe(self, lang: str = "en") -> str:
        if lang == "vi":
            return f"Tự động hóa bước “{self.activity}” (hệ thống thực hiện, không cần cán bộ, không phải chờ)."
        return f"Automate “{self.activity}” (the system does it: no officer, no waiting)."


@dataclass(frozen=True)
class Merge(Edit):
    """``activity`` disappears into ``into``: one officer does both, with no hand-off between."""

    activity: str
    into: str
    flag: Any = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = "merge"

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", _name(self.activity, "Merge(activity)"))
        object.__setattr__(self, "into", _name(self.into, "Merge(into)"))
        if self.activity == self.into:
            raise ParameterError(f"Merge: a step cannot be merged into itself ({self.activity!r})")

    @property
    def activities(self) -> tuple[str, ...]:
        return (self.activity, self.into)

    @property
    def removed(self) -> tuple[str, ...]:
        return (self.activity,)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return ("merge", self.activity, self.into)

    def describe(self, lang: str = "en") -> str:
        if lang == "vi":
            return f"Gộp bước “{self.activity}” vào “{self.into}”."
        return f"Merge “{self.activity}” into “{self.into}”."


@dataclass(frozen=True)
class Parallelize(Edit):
    """``a`` and ``b`` (done one after the other today) start together; the next step waits for
    the longer one."""

    a: str
    b: str
    flag: Any = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = "parallelize"

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", _name(self.a, "Parallelize(a)"))
        object.__setattr__(self, "b", _name(self.b, "Parallelize(b)"))
        if self.a == self.b:
            raise ParameterError(f"Parallelize: a step cannot run in parallel with itself ({self.a!r})")

    @property
    def activities(self) -> tuple[str, ...]:
        return (self.a, self.b)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return ("parallelize", self.a, self.b)

    def describe(self, lang: str = "en") -> str:
        if lang == "vi":
            return f"Thực hiện song song “{self.a}” và “{self.b}”."
        return f"Run “{self.a}” and “{self.b}” in parallel."


@dataclass(frozen=True)
class MoveEarlier(Edit):
    """The knock-out check ``activity`` runs right after ``after``; rejected dossiers skip the
    steps that came between."""

    activity: str
    after: str
    flag: Any = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = "move_earlier"

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity", _name(self.activity, "MoveEarlier(activity)"))
        object.__setattr__(self, "after", _name(self.after, "MoveEarlier(after)"))
        if self.activity == self.after:
            raise ParameterError(f"MoveEarlier: a step cannot follow itself ({self.activity!r})")

    @property
    def activities(self) -> tuple[str, ...]:
        return (self.activity, self.after)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return ("move_earlier", self.activity, self.after)

    def describe(self, lang: str = "en") -> str:
        if lang == "vi":
            return f"Chuyển bước kiểm tra “{self.activity}” lên ngay sau “{self.after}”."
        return f"Move the check “{self.activity}” to right after “{self.after}”."


_CLASSES: dict[str, type[Edit]] = {
    "eliminate": Eliminate,
    "automate": Automate,
    "merge": Merge,
    "parallelize": Parallelize,
    "parallelise": Parallelize,
    "move_earlier": MoveEarlier,
}


@dataclass(frozen=True)
class Refusal:
    """An edit the proposal did not apply, and why (in English and Vietnamese)."""

    edit: Edit
    reason: str
    reason_vi: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.edit.to_dict(), "reason": self.reason, "reason_vi": self.reason_vi}

    def _repr_html_(self) -> str:
        return (
            f"<span><s>{html.escape(self.edit.describe('en'))}</s> refused: "
            f"{html.escape(self.reason)}</span>"
        )


# ---------------------------------------------------------------------------- from flags
def edit_from_flag(flag: Any) -> Edit | None:
    """The edit a flag proposes, or None for ``reduce_wait`` / ``fix_rework`` (recommendations)."""
    action = getattr(flag, "action", None)
    if action in RECOMMENDATION_ACTIONS:
        return None
    activity: Any = getattr(flag, "activity", None)
    into: Any = getattr(flag, "into", None)
    if action == "eliminate":
        return Eliminate(activity, flag=flag)
    if action == "automate":
        return Automate(activity, flag=flag)
    if action == "merge":
        return Merge(activity, into, flag=flag)
    if action == "parallelize":
        return Parallelize(activity, into, flag=flag)
    if action == "move_earlier":
        if not into:
            raise ParameterError(
                f"the move_earlier flag on {activity!r} has no `into` (the step the check "
                "should follow); such a flag cannot become an edit"
            )
        return MoveEarlier(activity, into, flag=flag)
    raise ParameterError(
        f"flag action {action!r} is unknown; flags have one of: "
        f"{', '.join(EDIT_ACTIONS + RECOMMENDATION_ACTIONS)}"
    )


def edits_from_flags(flags: Iterable[Any]) -> list[Edit]:
    """The edits proposed by ``flags`` (recommendation flags are skipped), in flag order."""
    out: list[Edit] = []
    for flag in flags:
        edit = edit_from_flag(flag)
        if edit is not None:
            out.append(edit)
    return out


def edit_from_dict(data: Mapping[str, Any], *, where: str = "edit") -> Edit:
    """An edit from ``{"action": ..., "activity": ..., "into": ...}`` (``after``, ``a``/``b``
    are accepted as the natural aliases)."""
    if not isinstance(data, Mapping):
        raise ParameterError(f"{where}: expected a mapping with action/activity/into, got {data!r}")
    action = str(data.get("action", "")).strip().lower()
    cls = _CLASSES.get(action)
    if cls is None:
        extra = (
            f" ({action} flags are recommendations: they can be accepted or rejected, not added)"
            if action in RECOMMENDATION_ACTIONS else ""
        )
        raise ParameterError(
            f"{where}: action {data.get('action')!r} is not an edit; use one of: "
            f"eliminate, automate, merge, parallelize, move_earlier{extra}"
        )
    activity = data.get("activity", data.get("a"))
    into = data.get("into", data.get("after", data.get("b")))
    if cls in (Eliminate, Automate):
        return cls(activity)  # type: ignore[call-arg]
    if into is None:
        raise ParameterError(
            f"{where}: a {action!r} edit needs `into` (the other step); got {dict(data)!r}"
        )
    return cls(activity, into)  # type: ignore[call-arg]


# ---------------------------------------------------------------------------- edit files
@dataclass(frozen=True)
class EditFile:
    """What a YAML edit file says: the flags/edits to accept and those to reject.

    ``accept`` None means "every flag not rejected". Each entry is a dict with ``action``,
    ``activity`` and ``into`` (and optionally ``service``; without it the entry applies to every
    service).
    """

    accept: tuple[dict[str, Any], ...] | None
    reject: tuple[dict[str, Any], ...]
    source: str = "<memory>"

    def for_service(self, service: str) -> EditFile:
        def keep(items: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
            return tuple(i for i in items if i.get("service") in (None, service))

        return EditFile(
            accept=None if self.accept is None else keep(self.accept),
            reject=keep(self.reject),
            source=self.source,
        )

    def choices(self, service: str | None) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
        """``(accept, reject)`` for :func:`procsimp.propose` on ``service`` (None: every entry);
        ``accept`` None means every flag not rejected."""
        scoped = self.for_service(service) if service is not None else self
        return (None if scoped.accept is None else list(scoped.accept)), list(scoped.reject)

    def check_services(self, services: Iterable[str]) -> None:
        """A :class:`~procsimp.errors.ParameterError` when an entry names a service that is not
        among ``services`` (those of the log); nothing to check when the log has none."""
        known = set(services)
        for entry in [*(self.accept or ()), *self.reject]:
            svc = entry.get("service")
            if svc is not None and known and svc not in known:
                shown = ", ".join(repr(s) for s in sorted(known)[:10])
                raise ParameterError(
                    f"edit file {self.source}: service {svc!r} is not in the log; services in the log: {shown}"
                )


_ENTRY_KEYS = {"service", "action", "activity", "into", "after", "a", "b", "kind", "confidence",
               "evidence", "saving", "explanation", "accept", "note"}


def _entry(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ParameterError(
            f"{where}: each entry must be a mapping such as "
            "{action: eliminate, activity: 'Chuyển hồ sơ'}; got " + repr(item)
        )
    unknown = sorted(set(map(str, item)) - _ENTRY_KEYS)
    if unknown:
        raise ParameterError(
            f"{where}: unknown key(s) {', '.join(unknown)}; an entry has action, activity, into "
            "and optionally service"
        )
    action = str(item.get("action", "")).strip().lower()
    if action in RECOMMENDATION_ACTIONS:  # a recommendation flag: matched, never an edit
        activity = _name(item.get("activity"), f"{where}: activity")
        into = item.get("into")
        into = _name(into, f"{where}: into") if into else None
    else:
        edit = edit_from_dict(item, where=where)  # validates action and names
        action, activity, into = edit.key
    service = item.get("service")
    if service is not None:
        service = unicodedata.normalize("NFC", str(service)).strip()
    return {"service": service, "action": action, "activity": activity, "into": into}


def load_edit_file(path: str | os.PathLike[str]) -> EditFile:
    """Read a YAML edit file.

    Accepted shapes::

        accept:                       # only these flags/edits are applied
          - {action: eliminate, activity: "Chuyển hồ sơ"}
          - {action: merge, activity: "Phân công xử lý", into: "Thẩm định hồ sơ", service: "..."}
        reject:                       # these flags are not applied
          - {action: parallelize, activity: A, into: B}

    or a plain list (the ``accept`` list), or the file ``procsimp propose`` writes
    (``edits.yaml``), whose ``flags`` entries carry ``accept: true/false``. An accepted entry
    that matches no flag is applied as an edit of its own.
    """
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"edit file {str(p)!r} does not exist; give the path of a YAML edit file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise ParameterError(f"edit file {str(p)!r} is not valid YAML: {detail}") from None
    where = f"edit file {p.name}"
    if data is None:
        return EditFile(accept=(), reject=(), source=str(p))
    if isinstance(data, list):
        return EditFile(
            accept=tuple(_entry(x, f"{where}, entry {i + 1}") for i, x in enumerate(data)),
            reject=(),
            source=str(p),
        )
    if not isinstance(data, Mapping):
        raise ParameterError(f"{where}: expected a mapping with `accept` and/or `reject`, or a list")
    unknown = sorted(set(map(str, data)) - {"accept", "reject", "flags", "services", "version"})
    if unknown:
        raise ParameterError(
            f"{where}: unknown top-level key(s) {', '.join(unknown)}; use `accept` and/or `reject`"
        )
    accept: list[dict[str, Any]] | None = None
    reject: list[dict[str, Any]] = []
    if "accept" in data:
        items = data["accept"] or []
        if not isinstance(items, list):
            raise ParameterError(f"{where}: `accept` must be a list of entries")
        accept = [_entry(x, f"{where}, accept entry {i + 1}") for i, x in enumerate(items)]
    items = data.get("reject") or []
    if not isinstance(items, list):
        raise ParameterError(f"{where}: `reject` must be a list of entries")
    reject = [_entry(x, f"{where}, reject entry {i + 1}") for i, x in enumerate(items)]
    if "flags" in data:
        items = data["flags"] or []
        if not isinstance(items, list):
            raise ParameterError(f"{where}: `flags` must be a list of entries")
        accept = accept or []
        for i, x in enumerate(items):
            entry = _entry(x, f"{where}, flags entry {i + 1}")
            flag_accept = x.get("accept", True)
            if not isinstance(flag_accept, bool):
                raise ParameterError(
                    f"{where}, flags entry {i + 1}: `accept` must be true or false, got {flag_accept!r}"
                )
            (accept if flag_accept else reject).append(entry)
    return EditFile(
        accept=None if accept is None else tuple(accept), reject=tuple(reject), source=str(p)
    )


#: the comment at the top of the edit file that ``procsimp propose`` and ``report`` write
EDIT_FILE_HEADER = (
    "# procsimp edit file: set accept to false for a flag you do not want, or add entries\n"
    "# such as {service: ..., action: merge, activity: A, into: B}; then run\n"
    "#   procsimp propose LOG --accept edits.yaml --out DIR\n"
)


def edit_file_entries(proposals: Iterable[Any]) -> list[dict[str, Any]]:
    """The ``flags`` entries of an edit file: every flag of every proposal (a
    :class:`procsimp.propose.Proposal`), with ``accept`` true when the proposal applied it or
    kept it as a recommendation, and a ``note`` when an edit was refused."""
    entries = []
    for p in proposals:
        accepted = {id(f) for f in (*p.accepted_flags, *p.recommendations)}
        refused = {r.edit.key: r.reason for r in p.refused}
        for f in p.flags:
            entry = {
                "service": p.service,
                "action": f.action,
                "activity": f.activity,
                "into": f.into,
                "accept": id(f) in accepted,
                "kind": f.kind,
                "confidence": round(float(f.confidence), 3),
            }
            reason = refused.get((f.action, f.activity, f.into))
            if reason:
                entry["note"] = f"refused: {reason}"
            entries.append(entry)
    return entries


def edit_file_text(proposals: Iterable[Any]) -> str:
    """The YAML edit file of ``proposals`` (PyYAML ``safe_dump``; :func:`load_edit_file` reads it
    back): a ``flags`` list of :func:`edit_file_entries`, ready to edit."""
    import yaml

    body = yaml.safe_dump(
        {"flags": edit_file_entries(proposals)}, allow_unicode=True, sort_keys=False, width=100
    )
    return EDIT_FILE_HEADER + body


def write_edit_file(proposals: Iterable[Any], path: str | os.PathLike[str]) -> Path:
    """Write :func:`edit_file_text` to ``path`` atomically; returns the path."""
    from procsimp.core._atomic import write_text

    return write_text(path, edit_file_text(proposals))
