"""The vectorised engine of the synthetic generator.

Every dossier of a service is built at once, as numpy arrays: the engine walks the template's
steps (a Python loop over a dozen steps, never over events) and, at each step, emits one event
for every dossier still open. Time runs in *working minutes* (see
:meth:`procsimp.core.calendar.WorkCalendar.work_minutes`): each event starts after its waiting time and
ends after its processing time.

All random numbers are drawn up front, per (step, repetition), from seeded streams that do not
depend on the order of generation. The counterfactual to-be walk applies the structural edits to
the same dossiers, decisions and processing times:

* an eliminated step vanishes with its waiting and processing;
* a merged step vanishes; its processing is added to the step that absorbs it (its waiting,
  the hand-off between the two, vanishes);
* parallelised steps start together; the next step waits for the later of the two;
* a late knock-out check runs right after the step named as its new predecessor; dossiers it
  rejects skip the steps in between;
* rework loops stay (fixing their cause is not a workflow edit).

The to-be is an independent truth, not a replay of the as-is times (see :data:`COUNTERFACTUAL`):

* a step whose predecessor the edits change (the successor of an eliminated or merged-away
  step, the step that absorbs a merge, the branch that ran second of a parallel pair and the
  join after it, a moved knock-out check and the steps that followed it and its new
  predecessor) waits a fresh draw from its own waiting distribution, taken from a stream of
  its own; the other steps keep their draws;
* a unit that loses work (the processing of eliminated steps, of steps that knocked-out
  dossiers skip) has shorter queues: every waiting before its steps is scaled by the unit's
  to-be / as-is processing minutes, never below :data:`QUEUE_FLOOR` (the citizen's time to
  resubmit a dossier is no queue and is not scaled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from procsimp.core.calendar import WorkCalendar
from procsimp.synth.templates import STRUCTURES, TEMPLATES, VOCAB, Template

__all__ = ["ServiceRun", "Officers", "run_service", "arrivals", "COUNTERFACTUAL", "QUEUE_FLOOR"]

CHANNELS: tuple[str, ...] = ("online", "counter", "postal")
CHANNEL_LABELS: dict[str, tuple[str, ...]] = {
    "vi": ("Trực tuyến", "Trực tiếp", "Bưu chính"),
    "en": CHANNELS,
}
OUTCOME_LABELS: dict[str, tuple[str, str]] = {  # approved, rejected
    "vi": ("Đã giải quyết", "Từ chối"),
    "en": ("approved", "rejected"),
}
_KEY_INDEX = {k: i for i, k in enumerate(VOCAB)}
_TEMPLATE_INDEX = {t.id: i for i, t in enumerate(TEMPLATES)}

# steps that every template has without listing them: (unit, proc, wait, proc_sigma, wait_sigma)
_IMPLICIT: dict[str, tuple[str | None, float, float, float, float]] = {
    "request_supplement": (None, 12.0, 25.0, 0.4, 0.7),  # unit: that of the completeness check
    "resubmit": ("mc", 10.0, 900.0, 0.4, 0.8),  # waiting: the citizen gathers the documents
    "notify_rejection": ("mc", 10.0, 60.0, 0.4, 0.7),
}
#: smallest factor on a queue's waiting in the to-be: a unit that loses work has queues at most 2%
#: shorter, a small effect next to the edits' own (a replay of the as-is times cannot see it)
QUEUE_FLOOR = 0.98
#: the counterfactual's assumptions, written into the ground truth
COUNTERFACTUAL: dict[str, str] = {
    "same": (
        "the same dossiers, arrivals, channels, officers, decisions (rejections, supplement "
        "requests, send-backs) and processing times as the as-is log; rework loops stay"
    ),
    "edits": (
        "eliminated steps vanish with their waiting and processing; a merged step's processing is "
        "added to the step that absorbs it and the hand-off wait between them vanishes; parallel "
        "steps start together after their common predecessor and the next step waits for the "
        "later one; a late knock-out check runs right after the completeness check and the "
        "dossiers it rejects skip the steps in between"
    ),
    "redrawn_waiting": (
        "steps whose predecessor the edits change, and the step that absorbs a merge (listed "
        "per service), wait a fresh draw from "
        "the same waiting distribution as in the as-is (same median, spread, weekly congestion "
        "and channel factor), from an independent random stream; the other steps keep the "
        "as-is draws"
    ),
    "queues": (
        "a unit that loses work has shorter queues: the waiting before its steps is scaled by "
        f"the unit's to-be / as-is processing minutes, by at most {1 - QUEUE_FLOOR:.0%} (factors "
        "per service); the citizen's time to resubmit a dossier is not scaled"
    ),
    "individual_dossiers": (
        "a dossier may take longer in the to-be than in the as-is when a fresh wait is longer "
        "than the time the edits save; on average every service is faster"
    ),
}
# channel factors on the waiting before a step (online, counter, postal)
_CHANNEL_WAIT: dict[str, tuple[float, float, float]] = {
    "receive": (8.0, 1.0, 4.0),  # portal submissions wait for an officer; counters have queues
    "return": (0.4, 1.0, 1.8),  # e-results are sent at once; the post takes longer
}

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
             "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Mai", "Tạ")
_MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quốc", "Thu", "Hoài", "Bảo", "Kim")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
          "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quang",
          "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Việt", "Yến", "Vy", "Đạt",
          "Huy", "Nhung", "Oanh", "Tùng", "Uyên", "Xuân", "Thủy")


class Officers:
    """Officer pools per (service, unit), with unique, stable Vietnamese names."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.unit_keys: list[str] = []
        self._pools: dict[tuple[str, str], np.ndarray] = {}
        rng = np.random.default_rng(20250101)  # names do not depend on the seed
        combos = [(s, m, g) for s in _SURNAMES for m in _MIDDLE for g in _GIVEN]
        order = rng.permutation(len(combos))
        self._combos = [" ".join(combos[i]) for i in order]

    def pool(self, service: str, unit: str, size: int) -> np.ndarray:
        key = (service, unit)
        if key not in self._pools:
            start = len(self.names)
            self.names.extend(self._combos[start:start + size])
            self.unit_keys.extend([unit] * size)
            self._pools[key] = np.arange(start, start + size)
        return self._pools[key]


@dataclass
class ServiceRun:
    """The arrays of one service: cases, and the events of the as-is and to-be walks."""

    template: Template
    n: int
    received_ns: np.ndarray  # local wall time, int64 ns
    w_received: np.ndarray
    w_due: np.ndarray
    channel: np.ndarray  # index into CHANNELS
    as_is: dict[str, np.ndarray]
    to_be: dict[str, np.ndarray] | None
    keys: tuple[str, ...]  # event key code -> step key
    #: to-be only: steps whose waiting was drawn afresh, and the queue factor of each unit key
    redrawn: tuple[str, ...] = ()
    queue_factors: dict[str, float] | None = None


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def arrivals(
    rng: np.random.Generator,
    n: int,
    channel: np.ndarray,
    start: pd.Timestamp,
    end: pd.Timestamp,
    calendar: WorkCalendar,
) -> np.ndarray:
    """Local arrival times (int64 ns, wall clock) of ``n`` dossiers between start and end.

    Counter and postal dossiers arrive in office hours on working days, more on Mondays and in
    the mornings, with day-to-day noise; 30% of online dossiers arrive at any hour of any day.
    """
    days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    if len(days) == 0:
        days = pd.DatetimeIndex([start])
    day_ns = days.as_unit("ns").asi8
    weekday = np.asarray(days.day_of_week)
    workday = calendar.is_workday(days)
    week_factor = np.array([1.3, 1.1, 1.0, 0.95, 0.85, 0.6, 0.5])[weekday]
    noise = rng.gamma(20.0, 1 / 20.0, len(days))
    w_work = np.where(workday, week_factor * noise, 0.0)
    if w_work.sum() == 0:  # a window without a working day
        w_work = np.ones(len(days))
    w_any = np.where(weekday >= 5, 0.6, 1.0) * noise
    u_day, u_kind, u_period, u_pos = (rng.random(n) for _ in range(4))
    off_hours = (channel == 0) & (u_kind < 0.3)
    pick_work = np.searchsorted(np.cumsum(w_work) / w_work.sum(), u_day, side="right")
    pick_any = np.searchsorted(np.cumsum(w_any) / w_any.sum(), u_day, side="right")
    day = np.where(off_hours, np.minimum(pick_any, len(days) - 1), np.minimum(pick_work, len(days) - 1))
    p_start = np.array([a for a, _ in calendar.periods])
    p_end = np.array([b for _, b in calendar.periods])
    length = p_end - p_start
    weights = length * np.where(np.arange(len(length)) == 0, 1.3, 1.0)
    period = np.searchsorted(np.cumsum(weights) / weights.sum(), u_period, side="right")
    period = np.minimum(period, len(length) - 1)
    minute = np.where(off_hours, u_pos * 1440.0, p_start[period] + u_pos * length[period])
    ns = day_ns[day] + np.rint(minute * 60).astype(np.int64) * 1_000_000_000
    return ns


class _Walker:
    def __init__(self, run_seed: list[int], tpl: Template, n: int, channel: np.ndarray,
                 w_received: np.ndarray, week: np.ndarray, officers: Officers) -> None:
        self.tpl = tpl
        self.n = n
        self.seed = run_seed
        self.channel = channel
        self.w_received = w_received
        self.keys: list[str] = []
        self._draws: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        self._fresh: dict[tuple[str, int], np.ndarray] = {}
        lat = self._rng(900)
        self.complexity = np.exp(0.25 * lat.standard_normal(n))
        n_weeks = int(week.max()) + 1 if n else 1
        self.congestion = np.exp(0.25 * lat.standard_normal(n_weeks))[week] if n else np.ones(0)
        online, counter, postal = (channel == 0), (channel == 1), (channel == 2)
        supp_factor = np.where(online, 1.3, np.where(counter, 0.7, 1.2))
        self.n_supp: dict[str, np.ndarray] = {}
        self.n_back: dict[str, np.ndarray] = {}
        self.reject: dict[str, np.ndarray] = {}
        self.swap: dict[str, np.ndarray] = {}
        for i, s in enumerate(tpl.steps):
            r = self._rng(1000 + i)
            u1, u2, u3 = r.random(n), r.random(n), r.random(n)
            if s.supplement:
                p = np.clip(s.supplement * supp_factor, 0, 0.9)
                self.n_supp[s.key] = (u1 < p).astype(np.int8) + ((u1 < p) & (u2 < 0.25)).astype(np.int8)
            if s.back:
                self.n_back[s.key] = (u1 < s.back).astype(np.int8) + ((u1 < s.back) & (u2 < 0.2)).astype(np.int8)
            if s.reject:
                self.reject[s.key] = u3 < s.reject
        for j, (a, _b, share) in enumerate(tpl.parallel):
            self.swap[a] = self._rng(2000 + j).random(n) < share
        self.officer = self._assign_officers(officers, postal)
        self.officer_unit = officers.unit_keys  # officer id -> unit key

    # ------------------------------------------------------------------ randomness
    def _rng(self, *keys: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([*self.seed, *keys]))

    def _spec(self, key: str) -> tuple[str, float, float, float, float]:
        if key in _IMPLICIT:
            unit, proc, wait, ps, ws = _IMPLICIT[key]
            if unit is None:
                unit = next(s.unit for s in self.tpl.steps if s.supplement)
            return unit, proc, wait, ps, ws
        s = self.tpl.step(key)
        return s.unit, s.proc, s.wait * self.tpl.pace, s.proc_sigma, s.wait_sigma

    def _waiting(self, r: np.random.Generator, key: str) -> np.ndarray:
        _, _, wait, _, ws = self._spec(key)
        w = _lognormal(r, wait, ws, self.n) * self.congestion
        if key in _CHANNEL_WAIT:
            w = w * np.asarray(_CHANNEL_WAIT[key])[self.channel]
        return np.maximum(w, 0.5)

    def draw(self, key: str, rep: int) -> tuple[np.ndarray, np.ndarray]:
        """(waiting, processing) in working minutes of every dossier at (step, repetition)."""
        cached = self._draws.get((key, rep))
        if cached is not None:
            return cached
        _, proc, _, ps, _ = self._spec(key)
        r = self._rng(3000 + _KEY_INDEX[key], rep)
        w = self._waiting(r, key)
        p = np.maximum(_lognormal(r, proc, ps, self.n) * self.complexity, 0.5)
        self._draws[(key, rep)] = (w, p)
        return w, p

    def fresh_wait(self, key: str, rep: int) -> np.ndarray:
        """A second, independent draw of the waiting before (step, repetition): the same
        distribution as :meth:`draw`'s, from a stream of its own."""
        cached = self._fresh.get((key, rep))
        if cached is None:
            cached = self._fresh[(key, rep)] = self._waiting(self._rng(5000 + _KEY_INDEX[key], rep), key)
        return cached

    def redraw_plan(self) -> dict[str, np.ndarray]:
        """Steps of the to-be whose predecessor the edits change, with the dossiers (a mask)
        whose waiting is drawn afresh; the absorbing step of a merge is included."""
        tpl, n = self.tpl, self.n
        keys = list(tpl.keys)
        removed = {s for _, s in tpl.eliminate} | {b for b, _ in tpl.merge}
        seq = [k for k in keys if k not in removed]
        if tpl.knockout:
            ko, into = tpl.knockout
            seq.remove(ko)
            seq.insert(seq.index(into) + 1, ko)
        second = {b: a for a, b, _ in tpl.parallel}
        stages: list[tuple[str, ...]] = []
        for k in seq:
            if k in second and stages and stages[-1] == (second[k],):
                stages[-1] = (second[k], k)
            else:
                stages.append((k,))
        everyone = np.ones(n, dtype=bool)
        plan: dict[str, np.ndarray] = {}
        for i, stage in enumerate(stages[1:], start=1):
            before = stages[i - 1]
            if len(stage) == 1:
                as_is_before = keys[keys.index(stage[0]) - 1]
                # after a parallel pair (the join) the step now waits for both branches
                if as_is_before in second or before != (as_is_before,):
                    plan[stage[0]] = everyone
                continue
            a, b = stage
            same_pred = before == (keys[keys.index(a) - 1],)
            swap = self.swap[a]
            plan[a] = swap if same_pred else everyone  # ran second in swapped dossiers
            plan[b] = ~swap if same_pred else everyone
        for _, into in tpl.merge:
            plan[into] = everyone
        return {k: plan[k] for k in keys if k in plan and plan[k].any()}

    def queue_factors(self, as_is: dict[str, np.ndarray], to_be: dict[str, np.ndarray]) -> dict[str, float]:
        """Per unit key that loses work and still works in the to-be: to-be / as-is processing
        minutes, at least :data:`QUEUE_FLOOR` (rounded to 4 decimals; units left out keep 1)."""

        def work(ev: dict[str, np.ndarray]) -> dict[str, float]:
            out: dict[str, float] = {}
            units = np.asarray(self.officer_unit, dtype=object)[ev["officer"].astype(np.int64)]
            proc = ev["end"] - ev["start"]
            for u in np.unique(units):
                out[str(u)] = float(proc[units == u].sum())
            return out

        before, after = work(as_is), work(to_be)
        out = {}
        for u, w in sorted(after.items()):  # units with no work left have no queue to scale
            f = round(min(1.0, max(QUEUE_FLOOR, w / before[u])), 4) if before.get(u, 0.0) > 0 else 1.0
            if f < 1.0:
                out[u] = f
        return out

    def _assign_officers(self, officers: Officers, postal: np.ndarray) -> dict[str, np.ndarray]:
        tpl, n = self.tpl, self.n
        out: dict[str, np.ndarray] = {}

        def pick(key: str, unit: str, stream: int, avoid: list[np.ndarray]) -> np.ndarray:
            """Officers of ``unit`` for every dossier, avoiding the officers in ``avoid`` when the
            pool allows (a different person from the step before, as in a real hand-off)."""
            pool = officers.pool(tpl.id + ":" + tpl.structure, unit, int(tpl.pools.get(unit, 2)))
            weights = 1.0 / np.sqrt(np.arange(1, len(pool) + 1))
            cum = np.cumsum(weights) / weights.sum()
            j = np.minimum(np.searchsorted(cum, self._rng(4000 + stream).random(n), side="right"), len(pool) - 1)
            chosen = pool[j]
            if avoid and len(pool) > 1:
                todo = np.zeros(n, dtype=bool)
                for a in avoid:
                    todo |= chosen == a
                for k in range(1, len(pool)):
                    if not todo.any():
                        break
                    cand = pool[(j + k) % len(pool)]
                    ok = np.ones(n, dtype=bool)
                    for a in avoid:
                        ok &= cand != a
                    take = todo & ok
                    chosen = np.where(take, cand, chosen)
                    todo &= ~take
            return chosen

        history: list[np.ndarray] = []  # officers of the previous steps, most recent last
        for i, s in enumerate(tpl.steps):
            if s.same_officer_as:
                out[s.key] = out[s.same_officer_as]
            elif s.key == "return":
                mc = pick("return", s.unit, i, history[-2:])
                post = pick("return:postal", "postal", 99, [])
                out[s.key] = np.where(postal, post, mc)
            else:
                out[s.key] = pick(s.key, s.unit, i, history[-2:])
            history.append(out[s.key])
        check = next((s for s in tpl.steps if s.supplement), None)
        if check is not None:
            out["request_supplement"] = pick("request_supplement", check.unit, 101, [out[check.key]])
            out["resubmit"] = pick("resubmit", "mc", 102, [out["request_supplement"], out[check.key]])
        out["notify_rejection"] = pick("notify_rejection", "mc", 103, [])
        return out

    # ------------------------------------------------------------------ walks
    def walk(self, to_be: bool, queue: dict[str, float] | None = None) -> dict[str, np.ndarray]:
        """The as-is walk, or the to-be walk (with fresh waits where the edits change a step's
        predecessor, and the waiting before each unit's steps scaled by ``queue``)."""
        tpl = self.tpl
        plan = self.redraw_plan() if to_be else {}
        scale = None
        if queue:
            scale = np.array([queue.get(u, 1.0) for u in self.officer_unit])
        n = self.n
        clock = self.w_received.astype(float).copy()
        active = np.ones(n, dtype=bool)
        rejected = np.zeros(n, dtype=bool)
        parts: dict[str, list[np.ndarray]] = {"case": [], "key": [], "start": [], "end": [], "officer": [], "rep": []}

        def code(key: str) -> int:
            if key not in self.keys:
                self.keys.append(key)
            return self.keys.index(key)

        def emit(idx: np.ndarray, key: str, rep: int, base: np.ndarray | None = None,
                 absorb: str | None = None, fresh: bool = False) -> np.ndarray:
            wait, proc = self.draw(key, rep)
            w = wait[idx]
            if fresh and key in plan:
                w = np.where(plan[key][idx], self.fresh_wait(key, rep)[idx], w)
            if scale is not None and key != "resubmit":  # the citizen's time is no queue
                w = w * scale[self.officer[key][idx]]
            begin = (clock[idx] if base is None else base) + w
            p = proc[idx]
            if absorb is not None:
                p = p + self.draw(absorb, rep)[1][idx]
            end = begin + p
            parts["case"].append(idx)
            parts["key"].append(np.full(len(idx), code(key), dtype=np.int16))
            parts["start"].append(begin)
            parts["end"].append(end)
            parts["officer"].append(self.officer[key][idx])
            parts["rep"].append(np.full(len(idx), rep, dtype=np.int8))
            if base is None:
                clock[idx] = end
            return end

        def reject_after(key: str, idx: np.ndarray) -> None:
            flags = self.reject.get(key)
            if flags is None:
                return
            rej = idx[flags[idx] & active[idx]]
            if len(rej):
                emit(rej, "notify_rejection", 0)
                active[rej] = False
                rejected[rej] = True

        def decisions(step_key: str, idx: np.ndarray) -> None:
            step = tpl.step(step_key)
            reject_after(step_key, idx)
            if step.supplement:
                for r in (1, 2):
                    m = idx[(self.n_supp[step_key][idx] >= r) & active[idx]]
                    if len(m):
                        emit(m, "request_supplement", r)
                        emit(m, "resubmit", r)
                        emit(m, step_key, r)
            if step.back_to:
                for r in (1, 2):
                    m = idx[(self.n_back[step_key][idx] >= r) & active[idx]]
                    if len(m):
                        emit(m, step.back_to, r)
                        emit(m, step_key, r)

        eliminated = {s for _, s in tpl.eliminate} if to_be else set()
        merged_away = {b for b, _ in tpl.merge} if to_be else set()
        absorbs = {a: b for b, a in tpl.merge} if to_be else {}
        first_of_pair = {a: b for a, b, _ in tpl.parallel}
        second_of_pair = {b for _, b, _ in tpl.parallel}
        ko, ko_into = tpl.knockout if tpl.knockout else (None, None)
        for step in tpl.steps:
            key = step.key
            if key == "return" or key in eliminated or key in merged_away or key in second_of_pair:
                continue
            if to_be and key == ko:
                continue
            idx = np.flatnonzero(active)
            if key in first_of_pair:
                other = first_of_pair[key]
                if not to_be:
                    swap = self.swap[key][idx]
                    a, b = idx[~swap], idx[swap]
                    emit(a, key, 0)
                    emit(b, other, 0)
                    emit(a, other, 0)
                    emit(b, key, 0)
                else:
                    base = clock[idx].copy()
                    e1 = emit(idx, key, 0, base=base, fresh=True)
                    e2 = emit(idx, other, 0, base=base, fresh=True)
                    clock[idx] = np.maximum(e1, e2)
                continue
            emit(idx, key, 0, absorb=absorbs.get(key), fresh=True)
            decisions(key, idx)
            if to_be and key == ko_into and ko is not None:
                idx2 = np.flatnonzero(active)
                emit(idx2, ko, 0, fresh=True)
                decisions(ko, idx2)
        idx = np.flatnonzero(active)
        emit(idx, "return", 0, fresh=True)
        out = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
        out["rejected"] = rejected
        return out


def run_service(
    tpl: Template,
    n: int,
    *,
    seed: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    calendar: WorkCalendar,
    statutory_days: float,
    officers: Officers,
    to_be: bool,
) -> ServiceRun:
    """Generate the dossiers of one service (and their counterfactual when ``to_be``)."""
    run_seed = [int(seed), _TEMPLATE_INDEX[tpl.id], STRUCTURES.index(tpl.structure)]
    base = np.random.default_rng(np.random.SeedSequence([*run_seed, 1]))
    channel = base.choice(3, size=n, p=np.asarray(tpl.channels) / np.sum(tpl.channels)).astype(np.int8)
    recv_ns = arrivals(base, n, channel, start, end, calendar) if n else np.zeros(0, dtype=np.int64)
    order = np.argsort(recv_ns, kind="stable")  # dossiers numbered in order of arrival
    recv_ns, channel = recv_ns[order], channel[order]
    local = pd.DatetimeIndex(recv_ns.view("datetime64[ns]"))
    w_recv = calendar.work_minutes(local)
    w_due = w_recv + statutory_days * calendar.minutes_per_day
    week = ((recv_ns - recv_ns.min()) // (7 * 86_400_000_000_000)).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    walker = _Walker(run_seed, tpl, n, channel, w_recv, week, officers)
    as_is = walker.walk(to_be=False)
    tb: dict[str, np.ndarray] | None = None
    redrawn: tuple[str, ...] = ()
    queue: dict[str, float] | None = None
    if to_be:
        # which events the to-be has, and so each unit's work, does not depend on the waits
        queue = walker.queue_factors(as_is, walker.walk(to_be=True))
        tb = walker.walk(to_be=True, queue=queue)
        redrawn = tuple(walker.redraw_plan())
    return ServiceRun(
        template=tpl, n=n, received_ns=recv_ns, w_received=w_recv, w_due=w_due, channel=channel,
        as_is=as_is, to_be=tb, keys=tuple(walker.keys), redrawn=redrawn, queue_factors=queue,
    )
