"""The to-be workflow as the agency's internal procedure (quy trình nội bộ).

:func:`to_be_procedure` turns a :class:`procsimp.propose.Proposal` into a
:class:`procsimp.catalog.procedure.Procedure`: the steps of the to-be log in their usual order, the
steps made parallel as a parallel block, the unit that most often does each step, and the
allotted working hours: the median working time of the step in the to-be log (from the
completion of the previous step, or the receipt, to the step's completion), rounded up to the
half hour. Behaviour decides what is a main step: a step that at least half of the dossiers not
knocked out pass through is a main step (optional when fewer than 95% do); a rarer step is an
exception, of kind ``supplement`` when a rework flag names it, ``end`` when dossiers end with it
after a rejection, else ``anywhere``.

:func:`procedure_changes` lists the steps the proposal removes or automates, each with one line
of evidence, for the documents (:mod:`procsimp.output.procedure_docs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp.catalog.procedure import (
    Parallel,
    Procedure,
    ProcedureException,
    ProcedureStep,
    Reference,
    round_up_half_hour,
)

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.propose.proposal import Proposal

__all__ = ["to_be_procedure", "procedure_changes", "Change", "MAIN_STEP_SHARE", "REQUIRED_SHARE"]

#: a step at least this share of the dossiers (not knocked out) pass through is a main step
MAIN_STEP_SHARE = 0.5
#: a main step fewer than this share pass through is optional
REQUIRED_SHARE = 0.95


@dataclass(frozen=True)
class Change:
    """A step the to-be removes or automates: what happens to it and the evidence in one line."""

    step: str
    action: str
    text: str
    evidence: str


def _statutory(p: Proposal) -> tuple[float | None, str | None]:
    from procsimp.catalog import resolve_catalog

    cat = p.catalog if p.catalog is not None else resolve_catalog(None)
    svc = cat.get(p.service) if hasattr(cat, "get") else None
    if svc is None or svc.statutory_days is None:
        return None, None
    src = "; ".join(svc.sources) if svc.sources else None
    return float(svc.statutory_days), src


def to_be_procedure(p: Proposal) -> Procedure:
    """The proposal's to-be workflow as an internal procedure (see the module's docstring)."""
    from procsimp.core.log import ACTIVITY, CASE
    from procsimp.engine.edits import Parallelize
    from procsimp.mine.conformance import step_hours
    from procsimp.propose.proposal import _roles

    log = p.to_be
    df = log.df
    cal = p.calendar
    if cal is None:
        from procsimp.core.calendar import default_calendar

        cal = default_calendar()
    case = df[CASE].astype(object).to_numpy()
    acts = df[ACTIVITY].astype(object).to_numpy()
    n_cases = len(set(case))
    roles = _roles(p.as_is, p.service, cal, p.catalog, ())
    ends = set(roles.knockout_ends)
    # dossiers that end in a knock-out do not reach the later steps: leave them out of shares
    last = np.ones(len(df), dtype=bool)
    if len(df):
        last[:-1] = case[1:] != case[:-1]
    knocked = {c for c, a in zip(case[last], acts[last], strict=True) if str(a) in ends}
    base = max(n_cases - len(knocked), 1)

    first_pos: dict[str, list[float]] = {}
    cases_with: dict[str, set[Any]] = {}
    pos = 0
    prev = None
    for c, a in zip(case, acts, strict=True):
        pos = 0 if c != prev else pos + 1
        prev = c
        a = str(a)
        if c in cases_with.setdefault(a, set()):
            continue
        cases_with[a].add(c)
        first_pos.setdefault(a, []).append(pos)
    share = {a: len(cs - knocked) / base for a, cs in cases_with.items()}
    rework = {
        str(f.activity) for f in (*p.flags, *p.recommendations)
        if getattr(f, "action", None) == "fix_rework"
    }
    main = [a for a in cases_with if share[a] >= MAIN_STEP_SHARE and a not in ends]
    order = sorted(main, key=lambda a: (float(np.median(first_pos[a])), a))

    times = step_hours(log, cal)
    per_case = times.groupby(["activity", "case"], sort=False)["hours"].sum()
    units = times.dropna(subset=["unit"]).groupby("activity")["unit"].agg(
        lambda s: str(s.astype(str).value_counts().index[0])
    ) if times["unit"].notna().any() else {}

    def step(a: str) -> ProcedureStep:
        hours = per_case.loc[a] if a in per_case.index.get_level_values(0) else None
        allotted = round_up_half_hour(float(np.median(hours))) if hours is not None and len(hours) else None
        unit = units.get(a) if isinstance(units, Mapping) or hasattr(units, "get") else None
        return ProcedureStep(name=a, unit=None if unit is None else str(unit), hours=allotted)

    pairs = [(e.a, e.b) for e in p.edits if isinstance(e, Parallelize)]
    items: list[Any] = []
    placed: set[str] = set()
    for a in order:
        if a in placed:
            continue
        group = [a]
        for x, y in pairs:
            if a in (x, y):
                other = y if a == x else x
                if other in order and other not in placed and other not in group:
                    group.append(other)
        placed.update(group)
        items.append(Parallel(tuple(step(g) for g in group)) if len(group) > 1 else step(a))
    optional = tuple(a for a in order if share[a] < REQUIRED_SHARE)
    exceptions = []
    for a in sorted(cases_with, key=lambda a: (float(np.median(first_pos[a])), a)):
        if a in placed:
            continue
        kind = "end" if a in ends else "supplement" if a in rework else "anywhere"
        exceptions.append(ProcedureException(name=a, kind=kind))
    days, source = _statutory(p)
    return Procedure(
        service=p.service, steps=tuple(items), statutory_days=days, optional=optional,
        exceptions=tuple(exceptions), source=source,
    )


def to_be_reference(proposals: list[Proposal]) -> Reference:
    """One reference holding the to-be procedure of each proposal."""
    return Reference(procedures=tuple(to_be_procedure(p) for p in proposals), source="procsimp propose")


_ACTION_TEXT = {
    "eliminate": ("removed", "bỏ bước"),
    "merge": ("merged into {into}", "gộp vào bước “{into}”"),
    "automate": ("automated (done by the system)", "tự động hóa (hệ thống tự thực hiện)"),
    "reduce_wait": ("waiting before it reduced", "giảm thời gian chờ trước bước"),
}


def procedure_changes(p: Proposal, lang: str = "vi") -> list[Change]:
    """Steps the to-be removes (eliminated, merged away) or automates, with one line of evidence.

    A flag action this module does not know is listed with the action's own name, never dropped.
    """
    i = 1 if lang == "vi" else 0
    out: list[Change] = []
    from procsimp.engine.edits import Eliminate, Merge

    def evidence(flag: Any) -> str:
        expl = getattr(flag, "explanation", None) or {}
        text = expl.get(lang) or expl.get("en") or "" if isinstance(expl, Mapping) else str(expl)
        return " ".join(str(text).split())

    for e in p.edits:
        if isinstance(e, (Eliminate, Merge)):
            text = _ACTION_TEXT[e.action][i].format(into=getattr(e, "into", ""))
            out.append(Change(step=e.activity, action=e.action, text=text, evidence=evidence(e.flag)))
    for f in p.recommendations:
        action = str(getattr(f, "action", ""))
        if action == "fix_rework":
            continue  # fixing a cause of rework keeps the step
        pair = _ACTION_TEXT.get(action, (action.replace("_", " "), action.replace("_", " ")))
        out.append(Change(step=str(f.activity), action=action, text=pair[i], evidence=evidence(f)))
    return out
