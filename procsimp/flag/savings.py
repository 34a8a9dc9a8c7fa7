"""One saving, the replay's: what each flag's edit alone saves when the log is replayed.

A detector's own estimate of a flag's saving (the time a step adds, the shorter of two steps ...)
can be far from what the change really gives: an eliminated step's waiting may overlap with
another step, a parallel pair is adjacent in only some dossiers. So the saving a flag states is the
replay's (:mod:`procsimp.engine.replay`): the mean lead time of the service's dossiers, in
working days, with no edit minus with that flag's edit alone, the same figure
``procsimp propose --accept`` gives for that one edit. Recommendation flags (``reduce_wait``,
``fix_rework``) are not edits; they keep their detector's estimate.

The model of a service's dossiers is the engine's (:mod:`procsimp.engine.sql_replay`), so a log
left on its Parquet files is not read into memory: only the compact columns of that service's
events come back. The edits are then applied with numpy on those arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp.engine.edits import edit_from_flag
from procsimp.engine.replay import _APPLY, Timeline, timeline

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog
    from procsimp.flag.aggregates import LogAggregates
    from procsimp.flag.flag import Flag

__all__ = ["replay_savings", "edit_saving"]


def edit_saving(tl: Timeline, flag: Flag, minutes_per_day: float, *, before: float | None = None) -> float | None:
    """Working days per dossier that ``flag``'s edit alone saves on timeline ``tl`` (mean lead
    time before minus after, never below 0); None when the flag is not an edit. ``before``: the
    mean lead time of ``tl`` in working minutes, when the caller has it (one per timeline, not
    one per flag)."""
    edit = edit_from_flag(flag)
    if edit is None:
        return None
    if before is None:
        before = _mean_lead(tl)
    after_tl, effect = _APPLY[edit.action](tl, edit)  # type: ignore[operator]
    if effect.cases == 0:
        return 0.0
    saved = before - _mean(after_tl.lead_minutes())
    return max(0.0, saved / minutes_per_day) if np.isfinite(saved) else 0.0


def _mean_lead(tl: Timeline) -> float:
    """The mean lead time of ``tl``'s dossiers, in working minutes (NaN without one)."""
    return _mean(tl.lead_minutes())


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def replay_savings(
    log: EventLog,
    flags: Sequence[Flag],
    *,
    aggregates: LogAggregates,
    calendar: WorkCalendar,
) -> list[Flag]:
    """``flags`` with ``saving["workdays_per_case"]`` replaced by the replay's saving of each
    flag's edit alone (see the module docstring); the other saving figures stay. New flags,
    in the same order."""
    by_service: dict[str, list[int]] = {}
    for i, f in enumerate(flags):
        if edit_from_flag(f) is not None:
            by_service.setdefault(f.service, []).append(i)
    if not by_service:
        return list(flags)
    services = {str(r["service"]): r for r in aggregates.service_rows()}
    per_day = float(aggregates.minutes_per_day)
    out: list[Any] = list(flags)
    for service, idx in by_service.items():
        srow = services.get(service)
        ko = {str(a) for a in (srow["knockout_ends"] if srow is not None else ()) or ()}
        ends = {str(a) for a in (srow["end_activities"] if srow is not None else ()) or ()}
        # the engine's plan over the service's events: nothing of the log is read into pandas
        tl = timeline(log, calendar=calendar, service=service if log.services else None,
                      knockout_ends=sorted(ko), terminal=ko | ends)
        before = _mean_lead(tl)
        for i in idx:
            f = flags[i]
            days = edit_saving(tl, f, per_day, before=before)
            saving = dict(f.saving)
            saving["workdays_per_case"] = round(float(days or 0.0), 3)
            out[i] = f.replace(saving=saving)
        del tl  # one service's model at a time: freed before the next one's plan runs
    return out
