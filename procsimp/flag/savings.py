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
events come back. The edits are then applied with numpy on those arrays, on parts of whole
dossiers (:meth:`procsimp.engine.replay.Timeline.parts`) small enough to stay in the processor's
caches, on as many threads as the process may use (``PROCSIMP_THREADS``, else its cores; at most
:data:`MAX_THREADS`): every edit and lead time is per dossier, so the parts' lead times together
are the service's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp.core.cores import worker_threads
from procsimp.engine.edits import Edit, edit_from_flag
from procsimp.engine.replay import Timeline, apply_edit, timeline

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog
    from procsimp.flag.aggregates import LogAggregates
    from procsimp.flag.flag import Flag

__all__ = ["replay_savings", "edit_saving"]


#: events of one part of a service's model (:meth:`Timeline.parts`): about 100,000 events keep
#: a part's arrays in the processor's caches (measured: a 3.7M-event service's edits twice as fast)
PART_EVENTS = 100_000
#: threads the parts run on, at most (numpy lets go of the GIL for most of their work)
MAX_THREADS = 4

#: how the parts are mapped: ``map`` or a thread pool's ``map`` (the results in the parts' order)
Mapper = Callable[..., Iterator[Any]]


def edit_saving(tl: Timeline, flag: Flag, minutes_per_day: float, *, before: float | None = None,
                mapper: Mapper = map) -> float | None:
    """Working days per dossier that ``flag``'s edit alone saves on timeline ``tl`` (mean lead
    time before minus after, never below 0); None when the flag is not an edit. ``before``: the
    mean lead time of ``tl`` in working minutes, when the caller has it (one per timeline, not
    one per flag). ``mapper``: runs the parts of ``tl`` (``map``, or a thread pool's ``map``)."""
    edit = edit_from_flag(flag)
    if edit is None:
        return None
    parts = tl.parts(PART_EVENTS)
    return _saving(parts, edit, minutes_per_day, _mean_lead(parts, mapper) if before is None else before, mapper)


def _saving(parts: list[Timeline], edit: Edit, minutes_per_day: float, before: float, mapper: Mapper) -> float:
    """:func:`edit_saving` on the parts of a timeline whose mean lead time is ``before``."""

    def after(part: Timeline) -> tuple[np.ndarray, int]:
        edited, effect = apply_edit(part, edit)
        return edited.lead_minutes(), effect.cases

    leads, cases = zip(*mapper(after, parts), strict=True)
    if sum(cases) == 0:
        return 0.0
    saved = before - _mean(np.concatenate(leads))
    return max(0.0, saved / minutes_per_day) if np.isfinite(saved) else 0.0


def _mean_lead(parts: Iterable[Timeline], mapper: Mapper = map) -> float:
    """The mean lead time of the dossiers of ``parts`` (of one timeline), in working minutes (NaN
    without one)."""
    return _mean(np.concatenate(list(mapper(Timeline.lead_minutes, parts))))


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
    by_service: dict[str, list[tuple[int, Edit]]] = {}
    for i, f in enumerate(flags):
        edit = edit_from_flag(f)
        if edit is not None:
            by_service.setdefault(f.service, []).append((i, edit))
    if not by_service:
        return list(flags)
    services = {str(r["service"]): r for r in aggregates.service_rows()}
    per_day = float(aggregates.minutes_per_day)
    out: list[Any] = list(flags)
    threads = worker_threads(MAX_THREADS)
    # (the parts of each service's model run on the pool's threads; one thread: in this one)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="procsimp-replay") as pool:
        mapper: Mapper = pool.map if threads > 1 else map
        for service, edits in by_service.items():
            srow = services.get(service)
            ko = {str(a) for a in (srow["knockout_ends"] if srow is not None else ()) or ()}
            ends = {str(a) for a in (srow["end_activities"] if srow is not None else ()) or ()}
            # the engine's plan over the service's events: nothing of the log is read into pandas
            tl = timeline(log, calendar=calendar, service=service if log.services else None,
                          knockout_ends=sorted(ko), terminal=ko | ends)
            parts = tl.parts(PART_EVENTS)  # cut once, for every flag of the service
            before = _mean_lead(parts, mapper)
            for i, edit in edits:
                saving = dict(flags[i].saving)
                saving["workdays_per_case"] = round(_saving(parts, edit, per_day, before, mapper), 3)
                out[i] = flags[i].replace(saving=saving)
            del tl, parts  # one service's model at a time: freed before the next one's plan runs
    return out
