"""Apply typed edits to a log: replay every dossier under the to-be workflow.

The replay works in *working minutes* (:meth:`procsimp.core.calendar.WorkCalendar.work_minutes`), so
nights, weekends and public holidays never count as time saved. Each dossier is a chain of
*stages*; a stage is one step, or several steps that run at the same time. Every event has

* ``wait``: working minutes from the end of the previous stage (or from receipt, for the first
  stage) to its start, and
* ``proc``: working minutes from its start to its completion (0 when the log has no start
  times: then all the time between two completions counts as waiting).

A stage ends when its longest branch ends: ``end_j = end_{j-1} + max(wait + proc)`` over its
events. With no edit, this rebuilds every timestamp exactly. The edits change the chain:

* **eliminate**: the event leaves its stage, with its waiting and processing; the next stage now
  follows the previous one, so everything after it moves earlier by what the step took;
* **automate**: the event stays, with no waiting and no processing: it completes when the
  previous stage ends, and everything after it moves earlier by what the step took; the to-be
  log has no officer for it;
* **merge** ``activity`` into ``into``: when ``into`` directly follows, the merged step starts
  when ``activity`` started and does both steps' processing (the hand-off wait before ``into``
  vanishes); when ``into`` directly precedes, ``into`` does both steps' processing and the wait
  before ``activity`` vanishes. Officer and unit are those of ``into``. When the two are not
  adjacent, ``activity`` leaves with its wait and its processing is added to the nearest
  ``into``; a dossier without ``into`` keeps ``activity`` unchanged;
* **parallelize** ``a, b``: when the two are adjacent stages (in either order), they become one
  stage: both start after their common predecessor and the next step waits for the longer one;
* **move earlier** ``activity`` after ``after``: the check becomes the stage right after
  ``after``, keeping its own wait and processing; the steps in between follow it. In dossiers
  that the check rejects (the check is the dossier's last step before its terminal steps, and
  the dossier ends in a knock-out end, as :mod:`procsimp.flag.aggregates` defines them), the
  steps in between are skipped, with their waiting and processing.

Edits are applied in the order eliminate, automate, merge, move earlier, parallelize (a parallel pair
often becomes adjacent only once a relay between them is gone). Nothing here mutates its input.

The as-is model (:func:`timeline`) is a plan of the engine (:mod:`procsimp.engine.sql_replay`),
run on DuckDB or Spark over the log's encoded events, so a log that stands on its Parquet files
is never read into pandas for it; only the model's compact arrays come back (int32 codes,
float64 working minutes). The edits are numpy functions on those arrays, and the to-be log
(:func:`apply_edits`) is built from the log's events: ``log.df`` for a log held in memory, the
role columns fetched from the engine (:func:`procsimp.engine.events.event_frame`) for one left on
its files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core.log import ACTIVITY, RESOURCE, START, TIMESTAMP
from procsimp.engine.edits import (
    EDIT_ACTIONS,
    Automate,
    Edit,
    Eliminate,
    Merge,
    MoveEarlier,
    Parallelize,
)
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["Timeline", "EditEffect", "ApplyResult", "timeline", "apply_edit", "apply_edits"]

#: times that move by less than this many working minutes keep their original value
_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class Timeline:
    """The working-minute model of one log's dossiers (one row per event still in the workflow).

    Arrays are aligned; ``row`` indexes the events of the source log's DataFrame (of the
    service's sub-log, for a timeline of one service), ``case`` is a dense case index (0 ..
    cases-1, in log order), ``act`` an activity code (``names``: the log's activities; -1 for an
    event without one), ``stage`` a sortable key (events with the same case and key run at the
    same time), ``wait`` and ``proc`` in working minutes. ``origin`` is the working minute each dossier's clock
    starts at (receipt, or the first step's start), ``knocked`` marks the dossiers that end in a
    knock-out.
    """

    row: np.ndarray
    case: np.ndarray
    act: np.ndarray
    stage: np.ndarray
    wait: np.ndarray
    proc: np.ndarray
    origin: np.ndarray
    knocked: np.ndarray
    names: tuple[str, ...]
    terminal: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ helpers
    def code(self, activity: str) -> int:
        """The code of an activity name (-2 when it is not in the log: matches nothing)."""
        try:
            return self.names.index(activity)
        except ValueError:
            return -2

    def ordered(self) -> np.ndarray:
        """Positions (into the arrays) sorted by case, stage, then source row.

        The engine's model comes in that order already (events in log order: a dossier's
        events together, its stages in time), and most edits keep it; one linear check then
        spares the sort."""
        c, s, r = self.case, self.stage, self.row
        if len(c) < 2:
            return np.arange(len(c))
        dc, ds = c[1:] != c[:-1], s[1:] != s[:-1]
        in_order = np.all((c[1:] > c[:-1]) | (~dc & (s[1:] > s[:-1])) | (~dc & ~ds & (r[1:] > r[:-1])))
        return np.arange(len(c)) if in_order else np.lexsort((r, s, c))

    def parts(self, events: int) -> list[Timeline]:
        """The model cut into parts of whole dossiers of about ``events`` events, in dossier order,
        each numbering its dossiers from 0, its arrays views of these. Edits and lead times are per
        dossier, so the parts' :meth:`lead_minutes` together are this model's; a part that fits
        the processor's caches is faster per event, and parts can run on threads. One part (this
        model) when it has at most ``events`` events or its events are not grouped by dossier."""
        c, n, cases = self.case, len(self.case), len(self.origin)
        if events < 1:
            raise ParameterError(f"events must be at least 1, got {events!r}")
        if n <= events or c[0] < 0 or bool(np.any(c[1:] < c[:-1])):
            return [self]
        # a part starts at the dossier of every events-th event (a dossier is never split)
        starts = np.unique(np.concatenate(([0], c[events::events], [cases])))
        at = np.searchsorted(c, starts)
        out = []
        for lo, hi, a, b in zip(starts[:-1], starts[1:], at[:-1], at[1:], strict=True):
            out.append(self.with_(row=self.row[a:b], case=c[a:b] - c.dtype.type(lo), act=self.act[a:b],
                                  stage=self.stage[a:b], wait=self.wait[a:b], proc=self.proc[a:b],
                                  origin=self.origin[lo:hi], knocked=self.knocked[lo:hi]))
        return out

    def with_(self, **changes: Any) -> Timeline:
        from dataclasses import replace

        return replace(self, **changes)

    def keep(self, mask: np.ndarray) -> Timeline:
        """Only the events where ``mask`` is True."""
        return self.with_(
            row=self.row[mask], case=self.case[mask], act=self.act[mask], stage=self.stage[mask],
            wait=self.wait[mask], proc=self.proc[mask],
        )

    def renumbered(self) -> Timeline:
        """Stage keys replaced by dense integers per case (0, 1, 2, ...), order unchanged."""
        if not len(self.row):
            return self
        o = self.ordered()
        c, s = self.case[o], self.stage[o]
        new_stage = np.ones(len(o), dtype=bool)
        new_stage[1:] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
        first_of_case = np.ones(len(o), dtype=bool)
        first_of_case[1:] = c[1:] != c[:-1]
        rank = np.cumsum(new_stage)
        base = np.maximum.accumulate(np.where(first_of_case, rank, 0))
        out = np.empty(len(o), dtype=float)
        out[o] = (rank - base).astype(float)
        return self.with_(stage=out)

    def times(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and completion of every event, in working minutes (aligned with the arrays)."""
        n = len(self.row)
        start = np.empty(n)
        end = np.empty(n)
        if n == 0:
            return start, end
        o = self.ordered()
        c, s = self.case[o], self.stage[o]
        seg = self.wait[o] + self.proc[o]
        new_stage = np.ones(n, dtype=bool)
        new_stage[1:] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
        stage_id = np.cumsum(new_stage) - 1
        stage_seg = np.full(int(stage_id[-1]) + 1, -np.inf)
        np.maximum.at(stage_seg, stage_id, seg)
        stage_case = c[new_stage]
        # cumulative stage lengths within each case
        cum = np.cumsum(stage_seg)
        first_stage = np.ones(len(stage_seg), dtype=bool)
        first_stage[1:] = stage_case[1:] != stage_case[:-1]
        before_case = np.maximum.accumulate(np.where(first_stage, cum - stage_seg, -np.inf))
        stage_end = self.origin[stage_case] + (cum - before_case)
        ready = stage_end - stage_seg  # end of the previous stage
        s_min = ready[stage_id] + self.wait[o]
        start[o] = s_min
        end[o] = s_min + self.proc[o]
        return start, end

    def lead_minutes(self) -> np.ndarray:
        """Working minutes from each dossier's origin to its last completion (NaN when empty)."""
        _, end = self.times()
        last = np.full(len(self.origin), -np.inf)
        np.maximum.at(last, self.case, end)
        out = last - self.origin
        out[~np.isfinite(last)] = np.nan
        return out


# ---------------------------------------------------------------------------- building
def timeline(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    knocked: np.ndarray | None = None,
    terminal: Iterable[str] = (),
    service: str | None = None,
    knockout_ends: Iterable[str] | None = None,
) -> Timeline:
    """The working-minute model of ``log`` (see the module docstring), or of the events of one
    ``service`` of it.

    Steps that overlap in time in the log (one starts before everything before it has ended)
    share a stage, so the model rebuilds the log exactly, concurrency included.

    The model is an engine plan (:mod:`procsimp.engine.sql_replay`) over the log's encoded events,
    run by the current backend (DuckDB, or Spark): a log that stands on its Parquet files is not
    read into memory, and only the compact columns of the chosen events come back. ``row`` then
    numbers those events in log order (the rows of ``log.for_service(service).df``).

    ``knocked`` marks (one value per case, in log order) the dossiers that end in a knock-out;
    ``knockout_ends`` says the same by name: the dossiers whose last step is one of them (give one
    or the other).
    """
    from procsimp import engine
    from procsimp.engine.events import service_code
    from procsimp.engine.sql_replay import replay_plan

    if knocked is not None and knockout_ends is not None:
        raise ParameterError("give knocked (one value per case) or knockout_ends (step names), not both")
    code = None if service is None else service_code(log, service, calendar=calendar)
    prepared, raw = engine.run_plan(log, replay_plan(code), calendar=calendar)
    names = tuple(str(x) for x in prepared.names("activities"))
    ev = raw["replay_events"].sort_values("rn", kind="stable")
    cases = raw["replay_cases"].sort_values("first_rn", kind="stable")
    del raw  # the unsorted copies (one row per event of the service)
    n_cases = len(cases)
    # the dossiers numbered in log order: case code -> index
    index = np.full(len(prepared.cases) + 1, -1, dtype=np.int32)
    index[_codes(cases["case_id"])] = np.arange(n_cases, dtype=np.int32)
    end_act = _codes(cases["end_act"])
    if knockout_ends is not None:
        ko = [names.index(str(k)) for k in knockout_ends if str(k) in names]
        knocked = np.isin(end_act, np.asarray(ko, dtype=np.int32))
    if knocked is None:
        knocked = np.zeros(n_cases, dtype=bool)
    knocked = np.asarray(knocked, dtype=bool)
    if knocked.shape != (n_cases,):
        raise ParameterError(f"knocked must have one value per case ({n_cases}), got {knocked.shape}")
    return Timeline(
        row=np.arange(len(ev)),
        case=index[_codes(ev["case_id"])],
        act=_codes(ev["act"]),
        stage=ev["stage"].to_numpy(dtype=np.float64),
        wait=ev["wait"].to_numpy(dtype=np.float64),
        proc=ev["proc"].to_numpy(dtype=np.float64),
        origin=cases["origin"].to_numpy(dtype=np.float64),
        knocked=knocked,
        names=names,
        terminal=frozenset(str(t) for t in terminal),
    )


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes as int32, -1 where missing (a NULL of the engine)."""
    return np.nan_to_num(values.to_numpy(dtype=np.float64, na_value=np.nan), nan=-1.0).astype(np.int32)


# ---------------------------------------------------------------------------- the edits
@dataclass(frozen=True)
class EditEffect:
    """What one edit did: dossiers and events it changed (``cases`` 0 means it never applied)."""

    edit: Edit
    cases: int
    events_removed: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**self.edit.to_dict(), "cases": self.cases, "events_removed": self.events_removed,
                "note": self.note}


def _seq(tl: Timeline) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ordered positions, their case, activity and a same-case-as-previous mask."""
    o = tl.ordered()
    c = tl.case[o]
    a = tl.act[o]
    same_prev = np.zeros(len(o), dtype=bool)
    if len(o) > 1:
        same_prev[1:] = c[1:] == c[:-1]
    return o, c, a, same_prev


def _eliminate(tl: Timeline, edit: Eliminate) -> tuple[Timeline, EditEffect]:
    hit = tl.act == tl.code(edit.activity)
    cases = int(len(np.unique(tl.case[hit])))
    return tl.keep(~hit).renumbered(), EditEffect(edit, cases, int(hit.sum()))


def _automate(tl: Timeline, edit: Automate) -> tuple[Timeline, EditEffect]:
    hit = tl.act == tl.code(edit.activity)
    cases = int(len(np.unique(tl.case[hit])))
    wait = np.where(hit, 0.0, tl.wait)
    proc = np.where(hit, 0.0, tl.proc)
    return tl.with_(wait=wait, proc=proc), EditEffect(edit, cases, 0)


def _nearest(mask: np.ndarray, c: np.ndarray, *, forward: bool) -> np.ndarray:
    """For each ordered position, the nearest position (after if forward, else before) in the
    same case where ``mask`` holds; -1 when there is none."""
    n = len(mask)
    idx = np.arange(n)
    if forward:
        rev = np.where(mask[::-1], idx[::-1], n)
        nxt = np.minimum.accumulate(rev)[::-1]
        # strictly after: shift by one
        out = np.full(n, n)
        out[:-1] = nxt[1:]
        ok = out < n
        ok[ok] = c[out[ok]] == c[ok]
        return np.where(ok, out, -1)
    fwd = np.where(mask, idx, -1)
    prv = np.maximum.accumulate(fwd)
    out = np.full(n, -1)
    out[1:] = prv[:-1]
    ok = out >= 0
    ok[ok] = c[out[ok]] == c[ok]
    return np.where(ok, out, -1)


def _merge(tl: Timeline, edit: Merge) -> tuple[Timeline, EditEffect]:
    o, c, a, same_prev = _seq(tl)
    n = len(o)
    x_code, y_code = tl.code(edit.activity), tl.code(edit.into)
    is_x = a == x_code
    is_y = a == y_code
    if not is_x.any() or not is_y.any():
        return tl, EditEffect(edit, 0, 0, "the two steps never occur in the same dossier")
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = same_prev[1:]
    nxt_is_y = np.zeros(n, dtype=bool)
    nxt_is_y[:-1] = is_y[1:]
    prv_is_y = np.zeros(n, dtype=bool)
    prv_is_y[1:] = is_y[:-1]
    before_y = is_x & same_next & nxt_is_y  # X directly followed by Y
    after_y = is_x & same_prev & prv_is_y & ~before_y  # X directly after Y
    other = is_x & ~before_y & ~after_y
    nxt_y = _nearest(is_y, c, forward=True)
    prv_y = _nearest(is_y, c, forward=False)
    far_target = np.where(nxt_y >= 0, nxt_y, prv_y)
    far = other & (far_target >= 0)
    wait = tl.wait.copy()
    proc = tl.proc.copy()
    stage = tl.stage.copy()
    pos = np.arange(n)
    # X directly before Y: Y starts when X started, and does both
    tgt = pos[before_y] + 1
    wait[o[tgt]] = tl.wait[o[pos[before_y]]]
    stage[o[tgt]] = tl.stage[o[pos[before_y]]]
    np.add.at(proc, o[tgt], tl.proc[o[pos[before_y]]])
    # X directly after Y: Y does both; the wait before X goes
    tgt = pos[after_y] - 1
    np.add.at(proc, o[tgt], tl.proc[o[pos[after_y]]])
    # not adjacent: X's processing moves to the nearest Y, X's wait goes
    np.add.at(proc, o[far_target[far]], tl.proc[o[pos[far]]])
    gone = np.zeros(len(tl.row), dtype=bool)
    gone[o[before_y | after_y | far]] = True
    cases = int(len(np.unique(tl.case[gone])))
    kept_x = int((other & ~far).sum())
    note = f"{kept_x} occurrence(s) kept: the dossier has no {edit.into!r}" if kept_x else ""
    out = tl.with_(wait=wait, proc=proc, stage=stage).keep(~gone).renumbered()
    return out, EditEffect(edit, cases, int(gone.sum()), note)


def _parallelize(tl: Timeline, edit: Parallelize) -> tuple[Timeline, EditEffect]:
    tl = tl.renumbered()
    o, c, a, _ = _seq(tl)
    n = len(o)
    if n == 0:
        return tl, EditEffect(edit, 0, 0)
    s = tl.stage[o]
    new_stage = np.ones(n, dtype=bool)
    new_stage[1:] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    sid = np.cumsum(new_stage) - 1
    m = int(sid[-1]) + 1
    has_a = np.zeros(m, dtype=bool)
    has_b = np.zeros(m, dtype=bool)
    has_a[sid[a == tl.code(edit.a)]] = True
    has_b[sid[a == tl.code(edit.b)]] = True
    st_case = c[new_stage]
    same = np.zeros(m, dtype=bool)
    same[1:] = st_case[1:] == st_case[:-1]
    both = has_a & has_b
    cond = np.zeros(m, dtype=bool)
    cond[1:] = same[1:] & ~both[1:] & ~both[:-1] & (
        (has_a[:-1] & has_b[1:]) | (has_b[:-1] & has_a[1:])
    )
    # in a run of mergeable stages (a b a b ...), merge pairs: 1st into 0th, 3rd into 2nd, ...
    run_start = cond & ~np.r_[False, cond[:-1]]
    run_id = np.cumsum(run_start)
    first_pos = np.maximum.accumulate(np.where(run_start, np.arange(m), 0))
    offset = np.arange(m) - first_pos
    merge = cond & (offset % 2 == 0)
    target = np.where(merge, np.arange(m) - 1, np.arange(m))
    del run_id
    st_key = s[new_stage]
    new_key = st_key[target]
    stage = tl.stage.copy()
    stage[o] = new_key[sid]
    cases = int(len(np.unique(st_case[merge])))
    return tl.with_(stage=stage).renumbered(), EditEffect(edit, cases, 0)


def _move_earlier(tl: Timeline, edit: MoveEarlier) -> tuple[Timeline, EditEffect]:
    tl = tl.renumbered()
    o, c, a, _ = _seq(tl)
    n = len(o)
    k_code, a_code = tl.code(edit.activity), tl.code(edit.after)
    is_k = a == k_code
    is_a = a == a_code
    if not is_k.any() or not is_a.any():
        return tl, EditEffect(edit, 0, 0, "the two steps never occur in the same dossier")
    prv_a = _nearest(is_a, c, forward=False)
    # only the first K after a given A moves
    prv_k = _nearest(is_k, c, forward=False)
    first_k_after_a = is_k & (prv_a >= 0) & ~((prv_k >= 0) & (prv_k > prv_a))
    s = tl.stage[o]
    gap = np.zeros(n, dtype=bool)
    gap[first_k_after_a] = s[first_k_after_a] - s[prv_a[first_k_after_a]] > 1
    moving = first_k_after_a & gap
    if not moving.any():
        return tl, EditEffect(edit, 0, 0, "the check already runs right after that step")
    # a dossier rejected by the check: only terminal steps follow it, and the dossier is knocked
    term_codes = np.array([tl.code(t) for t in tl.terminal] or [-3])
    is_term = np.isin(a, term_codes)
    nxt_nonterm = _nearest(~is_term, c, forward=True)
    rejected = moving & tl.knocked[c] & (nxt_nonterm < 0)
    # events strictly between A and K of rejected dossiers are skipped
    diff = np.zeros(n + 1, dtype=np.int64)
    r_pos = np.flatnonzero(rejected)
    np.add.at(diff, prv_a[r_pos] + 1, 1)
    np.add.at(diff, r_pos, -1)
    skipped = np.cumsum(diff[:-1]) > 0
    stage = tl.stage.copy()
    mv = np.flatnonzero(moving)
    stage[o[mv]] = s[prv_a[mv]] + 0.5
    gone = np.zeros(len(tl.row), dtype=bool)
    gone[o[skipped]] = True
    out = tl.with_(stage=stage).keep(~gone).renumbered()
    cases = int(len(np.unique(c[mv])))
    note = f"{len(r_pos)} rejected dossier(s) skip the steps in between"
    return out, EditEffect(edit, cases, int(gone.sum()), note)


_APPLY = {
    "eliminate": _eliminate,
    "automate": _automate,
    "merge": _merge,
    "parallelize": _parallelize,
    "move_earlier": _move_earlier,
}


def apply_edit(tl: Timeline, edit: Edit) -> tuple[Timeline, EditEffect]:
    """The model ``tl`` with ``edit`` applied (a new model; ``tl`` is not changed), and its effect."""
    return _APPLY[edit.action](tl, edit)  # type: ignore[operator]


def order_edits(edits: Sequence[Edit]) -> list[Edit]:
    """Edits in the order they are applied: eliminate, automate, merge, move earlier, parallelize."""
    rank = {a: i for i, a in enumerate(EDIT_ACTIONS)}
    return sorted(edits, key=lambda e: rank[e.action])


# ---------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class ApplyResult:
    """The to-be log, its timeline, and what each edit did."""

    log: EventLog
    timeline: Timeline
    effects: tuple[EditEffect, ...] = field(default_factory=tuple)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{html.escape(e.edit.describe('en'))}</td><td>{e.cases}</td>"
            f"<td>{e.events_removed}</td><td>{html.escape(e.note)}</td></tr>"
            for e in self.effects
        )
        return (
            f"<div><strong>procsimp to-be replay</strong>: {self.log.n_cases} dossiers, "
            f"{self.log.n_events} events<table><tr><th>edit</th><th>dossiers changed</th>"
            f"<th>events removed</th><th>note</th></tr>{rows}</table></div>"
        )


def apply_edits(
    log: EventLog,
    edits: Sequence[Edit],
    *,
    calendar: WorkCalendar | None = None,
    knocked: np.ndarray | None = None,
    terminal: Iterable[str] = (),
    knockout_ends: Iterable[str] | None = None,
    service: str | None = None,
) -> ApplyResult:
    """Replay ``log`` (or its events of one ``service``) under ``edits`` and return the to-be log
    (a new EventLog). Naming the ``service`` of a whole log, rather than passing
    ``log.for_service(service)``, models the dossiers from the whole log's encoding, which the
    other stages share.

    ``knocked`` marks (one value per case, in log order) the dossiers that end in a knock-out,
    or ``knockout_ends`` names their last steps (see :func:`timeline`); ``terminal`` names the
    steps that only close a dossier (the end steps and knock-out notices). They matter only for
    :class:`MoveEarlier`. The as-is model is the engine's (:func:`timeline`); the edits are
    applied with numpy on its arrays, and the to-be log is built from the service's events
    (:func:`procsimp.engine.events.event_frame`: ``log.df`` in memory; codes and times fetched by
    the backend for a log left on its files). Events that do not move keep their original timestamps, so an empty list of edits gives back the same events and times.
    """
    from procsimp.core.calendar import default_calendar

    cal = calendar or default_calendar()
    for e in edits:
        if not isinstance(e, Edit) or e.action not in _APPLY:
            raise ParameterError(
                f"edits must be Eliminate, Automate, Merge, Parallelize or MoveEarlier objects; got {e!r}"
            )
    base = timeline(log, calendar=cal, knocked=knocked, terminal=terminal, knockout_ends=knockout_ends,
                    service=service)
    tl = base
    effects: list[EditEffect] = []
    for e in order_edits(list(edits)):
        tl, effect = apply_edit(tl, e)
        effects.append(effect)
    automated = {e.activity for e in edits if isinstance(e, Automate)}
    from procsimp.engine.events import event_frame

    source = log.for_service(service) if service is not None else log
    # a log left on its files: its role columns from the engine (codes and times), not its files
    events = event_frame(log, service=service, calendar=cal)
    return ApplyResult(log=_to_log(source, events, base, tl, cal, automated), timeline=tl, effects=tuple(effects))


def _to_log(
    log: EventLog, df: pd.DataFrame, base: Timeline, tl: Timeline, cal: WorkCalendar,
    automated: set[str] | None = None,
) -> EventLog:
    """The to-be EventLog of ``log`` (its events ``df``, in log order): surviving events with
    their replayed times; the steps in ``automated`` have no officer."""
    s0, c0 = base.times()
    s1, c1 = tl.times()
    rows = tl.row
    old_c = c0[rows]  # base has one entry per source row, in row order
    old_s = s0[rows]
    out = df.iloc[rows].reset_index(drop=True)
    ts = out[TIMESTAMP]
    moved_c = np.abs(c1 - old_c) > _TOL
    if moved_c.any():
        new = cal.from_work_minutes(c1[moved_c]).tz_convert(ts.dt.tz)
        values = ts.copy()
        values.iloc[np.flatnonzero(moved_c)] = new.as_unit(ts.dt.unit) if hasattr(new, "as_unit") else new
        out[TIMESTAMP] = values
    if START in out.columns:
        st = out[START]
        moved_s = (np.abs(s1 - old_s) > _TOL) & st.notna().to_numpy()
        # a start that was missing stays missing
        if moved_s.any():
            new = cal.from_work_minutes(s1[moved_s]).tz_convert(st.dt.tz)
            values = st.copy()
            values.iloc[np.flatnonzero(moved_s)] = new.as_unit(st.dt.unit) if hasattr(new, "as_unit") else new
            out[START] = values
    if automated and RESOURCE in out.columns:
        auto = out[ACTIVITY].astype(object).isin(automated).to_numpy()
        if auto.any():
            out[RESOURCE] = out[RESOURCE].mask(auto)
    # sort by case (log order), completion, stage, then source row
    key_c = out[TIMESTAMP].array.asi8
    order = np.lexsort((rows, tl.stage, key_c, tl.case))
    out = out.iloc[order].reset_index(drop=True)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.remove_unused_categories()
    return log.replace(df=out, source=f"{log.source} (to-be)")
