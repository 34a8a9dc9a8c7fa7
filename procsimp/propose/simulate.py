# Long module: one discrete-event model (arrivals, officer pools, working-minute clock, replications) over one shared state.
"""What-if simulation: the as-is and the to-be workflow under load, with SimPy.

The replay of :mod:`procsimp.engine.replay` keeps each dossier's observed waiting; it cannot
say what happens when the load on a unit changes. This module checks the estimate with a
discrete-event simulation (`SimPy <https://simpy.readthedocs.io>`_), run on the clock of
*working minutes* (:meth:`procsimp.core.calendar.WorkCalendar.work_minutes`), so that officers work
only during office hours and public holidays are days off.

The model, estimated from the log:

* **arrivals**: each replication draws as many dossiers as the log has, at receipt times
  resampled (with replacement) from the observed receipt times of the service, so the
  time-of-day, weekday and seasonal pattern is the observed one;
* **routing**: each simulated dossier follows the step sequence (and parallel stages) of a
  dossier drawn at random from the log, so variants occur with their observed frequency; it
  keeps that dossier's deadline (in working time from receipt), officers and units;
* **processing times**: resampled per activity from the observed processing times;
* **officers**: each unit is a pool of servers, one per distinct officer seen in the unit (in
  this service's log); a step needs a free officer of its unit for its processing time;
* **other delays**: the observed waiting before a step is partly queueing for an officer and
  partly other delay (batching, the officer's other work, the citizen). The simulation
  resamples the observed waiting per activity as a delay before the step joins its unit's
  queue, scaled down by the queueing that a calibration run of the as-is shows for that
  activity, so that delay + simulated queueing matches the observed waiting on the as-is. The
  to-be keeps those delays per activity; its queueing changes with the new load.

Each replication reports the same key figures as the replay
(:data:`procsimp.propose.impact.KPI_NAMES`); :class:`SimulationResult` gives their mean over
the replications with a 95% confidence interval (Student's t). The as-is run is the calibration
check: its mean lead time should agree with the log's own.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core.log import CASE, RESOURCE, UNIT
from procsimp.errors import OptionalDependencyError, ParameterError
from procsimp.propose.impact import KPI_NAMES, kpis

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog
    from procsimp.engine.replay import Timeline
    from procsimp.propose.proposal import Proposal

__all__ = ["SimulationResult", "simulate", "simulate_log", "interval"]


# ============================================================================ results
def interval(values: Any, level: float = 0.95) -> dict[str, float | None]:
    """Mean of ``values`` with a two-sided Student-t confidence interval (``mean, low, high``)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if x.size == 0:
        return {"mean": None, "low": None, "high": None}
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, "low": mean, "high": mean}
    sd = float(x.std(ddof=1))
    try:
        from scipy.stats import t as student_t

        q = float(student_t.ppf(0.5 + level / 2, x.size - 1))
    except ImportError:  # pragma: no cover - scipy comes with pm4py
        from statistics import NormalDist

        q = NormalDist().inv_cdf(0.5 + level / 2)
    half = q * sd / math.sqrt(x.size)
    return {"mean": mean, "low": mean - half, "high": mean + half}


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Key figures of the simulated as-is and to-be, with 95% intervals over replications.

    ``as_is`` / ``to_be`` map each key figure to ``{"mean", "low", "high"}``; ``runs_as_is`` /
    ``runs_to_be`` hold one row per replication. ``observed`` are the log's own figures and
    ``calibration_error`` the relative difference of the simulated as-is mean lead time
    (calendar days) from the observed one. ``units`` describes each unit: officers (servers),
    observed and simulated utilisation.
    """

    as_is: dict[str, dict[str, float | None]]
    to_be: dict[str, dict[str, float | None]] | None
    runs_as_is: pd.DataFrame
    runs_to_be: pd.DataFrame | None
    observed: dict[str, Any]
    calibration_error: float | None
    units: pd.DataFrame
    replications: int
    seed: int
    assumptions: list[str] = field(default_factory=list)
    assumptions_vi: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from procsimp.core._cells import to_plain

        out: dict[str, Any] = {
            "replications": self.replications,
            "seed": self.seed,
            "level": 0.95,
            "as_is": self.as_is,
            "calibration_error": self.calibration_error,
            "units": self.units.to_dict(orient="records"),
        }
        if self.to_be is not None:
            out["to_be"] = self.to_be
            # the to-be figures also at the top level: {"lead_time_days_mean": {"mean", ...}}
            out.update({k: v for k, v in self.to_be.items()})
        return to_plain(out)

    def __repr__(self) -> str:
        a = self.as_is.get("lead_time_days_mean", {}).get("mean")
        b = (self.to_be or {}).get("lead_time_days_mean", {}).get("mean")
        return (
            f"SimulationResult(replications={self.replications}, seed={self.seed}, "
            f"lead_time_days_mean as-is {_f(a)}, to-be {_f(b)}, "
            f"calibration_error {_pct(self.calibration_error)})"
        )

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for k in KPI_NAMES:
            a = self.as_is.get(k, {})
            b = (self.to_be or {}).get(k, {})
            rows.append(
                f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(_f(self.observed.get(k)))}</td>"
                f"<td>{e(_iv(a))}</td><td>{e(_iv(b))}</td></tr>"
            )
        return (
            f"<div><strong>procsimp simulation</strong> ({self.replications} replications, seed "
            f"{self.seed}; calibration error {e(_pct(self.calibration_error))})"
            "<table><tr><th></th><th>log</th><th>simulated as-is (95% CI)</th>"
            "<th>simulated to-be (95% CI)</th></tr>" + "".join(rows) + "</table>"
            + self.units.to_html(index=False) + "</div>"
        )


def _f(v: Any) -> str:
    return "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{float(v):.3f}"


def _pct(v: Any) -> str:
    return "n/a" if v is None else f"{100 * float(v):+.1f}%"


def _iv(d: Mapping[str, Any]) -> str:
    if not d or d.get("mean") is None:
        return "n/a"
    return f"{d['mean']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"


# ============================================================================ the model
@dataclass(frozen=True, eq=False)
class _Routes:
    """Per case of one log: its stages and events (activity, unit), deadline and structure."""

    case_events: list[list[list[tuple[int, int]]]]  # case -> stages -> (activity code, unit idx)
    case_acts: list[np.ndarray]  # case -> activity codes in stage order (flattened)
    due_offset: np.ndarray  # working minutes from origin to deadline (NaN: none)
    steps: np.ndarray
    handoffs: np.ndarray
    units: np.ndarray
    proc_pool: dict[int, np.ndarray]
    wait_pool: dict[int, np.ndarray]


def _unit_codes(df: pd.DataFrame, unit_names: dict[str, int]) -> np.ndarray:
    """A unit index per event of a log's events ``df``: the unit, else the officer (one-person
    unit), else one pool."""
    if UNIT in df.columns and df[UNIT].notna().any():
        values = df[UNIT].astype(object).where(df[UNIT].notna(), "(no unit)")
    elif RESOURCE in df.columns and df[RESOURCE].notna().any():
        values = df[RESOURCE].astype(object).where(df[RESOURCE].notna(), "(no officer)")
    else:
        values = pd.Series(["(all)"] * len(df), dtype=object)
    out = np.empty(len(df), dtype=np.int64)
    for i, v in enumerate(values.to_numpy()):
        key = str(v)
        if key not in unit_names:
            unit_names[key] = len(unit_names)
        out[i] = unit_names[key]
    return out


def _routes(log: EventLog, tl: Timeline, cases: pd.DataFrame, unit_idx: np.ndarray,
            act_map: dict[str, int], cal: WorkCalendar) -> _Routes:
    o = tl.ordered()
    n_cases = len(tl.origin)
    names = tl.names
    acts = np.array([act_map.setdefault(names[a], len(act_map)) if a >= 0 else -1 for a in range(len(names))] or [0])
    act_global = np.where(tl.act >= 0, acts[np.maximum(tl.act, 0)], -1)
    case_events: list[list[list[tuple[int, int]]]] = [[] for _ in range(n_cases)]
    last_case, last_stage = -1, None
    for p in o:
        c = int(tl.case[p])
        st = tl.stage[p]
        ev = (int(act_global[p]), int(unit_idx[tl.row[p]]))
        if c != last_case or st != last_stage:
            case_events[c].append([ev])
        else:
            case_events[c][-1].append(ev)
        last_case, last_stage = c, st
    # pools per activity
    proc_pool: dict[int, np.ndarray] = {}
    wait_pool: dict[int, np.ndarray] = {}
    for code in np.unique(act_global):
        m = act_global == code
        proc_pool[int(code)] = np.maximum(tl.proc[m], 0.0)
        wait_pool[int(code)] = np.maximum(tl.wait[m], 0.0)
    due = pd.DatetimeIndex(cases["due"])
    due_wm = np.asarray(cal.work_minutes(due), dtype=float)
    return _Routes(
        case_events=case_events,
        case_acts=[np.array([a for stage in c for a, _ in stage], dtype=np.int64) for c in case_events],
        due_offset=due_wm - tl.origin,
        steps=cases["events"].to_numpy(dtype=float),
        handoffs=cases["handoffs"].to_numpy(dtype=float),
        units=cases["units"].to_numpy(dtype=float),
        proc_pool=proc_pool,
        wait_pool=wait_pool,
    )


def _draws(
    routes: _Routes, picks: np.ndarray, delay_scale: Mapping[int, float], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delay and processing time of every event of the picked dossiers (vectorised), and the
    offset of each dossier's first event in those arrays."""
    acts = [routes.case_acts[int(k)] for k in picks]
    sizes = np.fromiter((len(a) for a in acts), dtype=np.int64, count=len(acts))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    flat = np.concatenate(acts) if acts else np.zeros(0, dtype=np.int64)
    delay = np.zeros(len(flat))
    proc = np.zeros(len(flat))
    for code in np.unique(flat):
        where = np.flatnonzero(flat == code)
        waits = routes.wait_pool.get(int(code))
        procs = routes.proc_pool.get(int(code))
        if waits is not None and len(waits):
            delay[where] = waits[rng.integers(len(waits), size=len(where))] * delay_scale.get(int(code), 1.0)
        if procs is not None and len(procs):
            proc[where] = procs[rng.integers(len(procs), size=len(where))]
    return delay, proc, offsets


def _run_once(
    routes: _Routes,
    picks: np.ndarray,
    arrivals: np.ndarray,
    capacity: np.ndarray,
    delay_scale: Mapping[int, float],
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[int, list[float]], np.ndarray]:
    """One replication: last completion (working minutes) per simulated dossier, the queueing
    time per activity and the busy minutes per unit."""
    import simpy

    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=max(int(c), 1)) for c in capacity]
    unlimited = capacity <= 0
    done = np.full(len(picks), np.nan)
    queue_times: dict[int, list[float]] = {}
    busy = np.zeros(len(capacity))
    delays, procs, offsets = _draws(routes, picks, delay_scale, rng)

    def step(act: int, unit: int, delay: float, proc: float) -> Any:
        if delay > 0:
            yield env.timeout(delay)
        if unlimited[unit]:
            queue_times.setdefault(act, []).append(0.0)
            if proc > 0:
                yield env.timeout(proc)
        else:
            t0 = env.now
            with servers[unit].request() as req:
                yield req
                queue_times.setdefault(act, []).append(env.now - t0)
                if proc > 0:
                    yield env.timeout(proc)
        busy[unit] += proc

    def dossier(i: int, template: list[list[tuple[int, int]]], start: float, k: int) -> Any:
        if start > env.now:
            yield env.timeout(start - env.now)
        for stage in template:
            if len(stage) == 1:  # one step: no sub-process needed
                act, unit = stage[0]
                yield from step(act, unit, delays[k], procs[k])
                k += 1
                continue
            jobs = []
            for act, unit in stage:
                jobs.append(env.process(step(act, unit, delays[k], procs[k])))
                k += 1
            yield env.all_of(jobs)
        done[i] = env.now

    t0 = float(arrivals.min()) if len(arrivals) else 0.0
    for i, (k, a) in enumerate(zip(picks, arrivals, strict=True)):
        env.process(dossier(i, routes.case_events[int(k)], float(a - t0), int(offsets[i])))
    env.run()
    return done + t0, queue_times, busy


def _kpis_of_run(
    routes: _Routes, picks: np.ndarray, arrival_ts: pd.DatetimeIndex, arrival_wm: np.ndarray,
    done_wm: np.ndarray, cal: WorkCalendar,
) -> dict[str, Any]:
    lead_wm = done_wm - arrival_wm
    done_ts = cal.from_work_minutes(done_wm)
    lead_days = (done_ts - arrival_ts.tz_convert(done_ts.tz)).total_seconds().to_numpy() / 86400.0
    lead_wd = lead_wm / cal.minutes_per_day
    due = routes.due_offset[picks]
    has_due = np.isfinite(due)
    on_time = (lead_wm <= due + 1e-9)[has_due]
    out: dict[str, Any] = {"cases": int(len(picks))}
    for name, v in (("lead_time_days", lead_days), ("lead_time_workdays", lead_wd)):
        s = pd.Series(v).dropna()
        out[f"{name}_mean"] = float(s.mean()) if len(s) else None
        out[f"{name}_median"] = float(s.quantile(0.5)) if len(s) else None
        out[f"{name}_p90"] = float(s.quantile(0.9)) if len(s) else None
    out["steps_per_case"] = float(routes.steps[picks].mean())
    out["handoffs_per_case"] = float(routes.handoffs[picks].mean())
    out["units_per_case"] = float(routes.units[picks].mean())
    out["on_time_rate"] = float(on_time.mean()) if on_time.size else None
    out["due_cases"] = int(has_due.sum())
    return {k: out[k] for k in KPI_NAMES}


def _aligned_cases(df: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The case table in the order of dossiers of a log's events ``df`` (dense case index 0, 1, ...)."""
    ids = df[CASE].astype(str).to_numpy()
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    order = pd.Index(cases["case"].astype(str)).get_indexer(ids[first])
    if (order < 0).any():  # pragma: no cover - the engine lists every case
        raise ParameterError("the case table does not match the log's dossiers")
    return cases.iloc[order].reset_index(drop=True)


def _origin_times(cases: pd.DataFrame) -> pd.DatetimeIndex:
    """Where each dossier's clock starts: receipt, unless missing or later than the first step."""
    first = cases["first"]
    rec = cases["received"]
    use = rec.notna() & (rec <= first)
    return pd.DatetimeIndex(rec.where(use, first))


def _check(replications: Any, seed: Any) -> tuple[int, int]:
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or not 1 <= replications <= 1000:
        raise ParameterError(
            f"replications must be a whole number from 1 to 1000, got {replications!r}; "
            "10 to 30 give stable 95% intervals"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(replications), int(seed)


def simulate(
    proposal: Proposal,
    *,
    replications: int = 10,
    seed: int = 0,
    capacity: Mapping[str, int] | None = None,
    staff_factor: float = 1.0,
    calibrate: bool = True,
) -> SimulationResult:
    """Simulate the as-is and the to-be of ``proposal`` (see the module docstring).

    Args:
        proposal: what :func:`procsimp.propose` returned.
        replications: independent runs (each with its own resampled arrivals, routes and times).
        seed: the random seed; the same seed gives the same result.
        capacity: officers per unit, overriding what the log shows (unit name -> officers).
        staff_factor: multiply every unit's officers (0.5 = half the staff, rounded up).
        calibrate: scale the resampled delays so that delay + simulated queueing matches the
            observed waiting on the as-is (recommended).
    """
    return _simulate(
        proposal.as_is, proposal.to_be, proposal.calendar, proposal.catalog,
        replications=replications, seed=seed, capacity=capacity, staff_factor=staff_factor,
        calibrate=calibrate,
    )


def simulate_log(
    log: EventLog,
    *,
    replications: int = 10,
    seed: int = 0,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    capacity: Mapping[str, int] | None = None,
    staff_factor: float = 1.0,
    calibrate: bool = True,
) -> SimulationResult:
    """Simulate one log as it is (the calibration run of :func:`simulate` on its own)."""
    return _simulate(
        log, None, calendar, catalog, replications=replications, seed=seed, capacity=capacity,
        staff_factor=staff_factor, calibrate=calibrate,
    )


def _simulate(
    as_is: EventLog,
    to_be: EventLog | None,
    calendar: WorkCalendar | None,
    catalog: Any,
    *,
    replications: int,
    seed: int,
    capacity: Mapping[str, int] | None,
    staff_factor: float,
    calibrate: bool,
) -> SimulationResult:
    try:
        import simpy  # noqa: F401
    except ImportError:  # pragma: no cover - a declared dependency
        raise OptionalDependencyError(
            "the what-if simulation needs SimPy: pip install 'simpy>=4.1'"
        ) from None
    from procsimp.core.calendar import default_calendar
    from procsimp.engine import case_table
    from procsimp.engine.events import event_frame
    from procsimp.engine.replay import timeline

    replications, seed = _check(replications, seed)
    if not (isinstance(staff_factor, (int, float)) and math.isfinite(staff_factor) and staff_factor > 0):
        raise ParameterError(f"staff_factor must be a number > 0 (1 = the observed staff), got {staff_factor!r}")
    cal = calendar or default_calendar()
    if as_is.n_events == 0:
        raise ParameterError("cannot simulate an empty log")

    unit_names: dict[str, int] = {}
    act_map: dict[str, int] = {}
    # the dossier, unit and officer of each event (from the engine for a log left on its files)
    df = event_frame(as_is, roles=("case", "unit", "resource"), calendar=cal)
    cases_a = _aligned_cases(df, case_table(as_is, calendar=cal, catalog=catalog))
    tl_a = timeline(as_is, calendar=cal)
    units_a = _unit_codes(df, unit_names)
    routes_a = _routes(as_is, tl_a, cases_a, units_a, act_map, cal)
    routes_b = None
    if to_be is not None:
        df_b = event_frame(to_be, roles=("case", "unit", "resource"), calendar=cal)
        cases_b = _aligned_cases(df_b, case_table(to_be, calendar=cal, catalog=catalog))
        tl_b = timeline(to_be, calendar=cal)
        units_b = _unit_codes(df_b, unit_names)
        routes_b = _routes(to_be, tl_b, cases_b, units_b, act_map, cal)
        if len(cases_b) != len(cases_a):
            raise ParameterError("the to-be log must have the same dossiers as the as-is log")

    # officers per unit, as seen in the as-is log
    n_units = len(unit_names)
    officers = np.zeros(n_units, dtype=np.int64)
    if RESOURCE in df.columns and df[RESOURCE].notna().any():
        pairs = pd.DataFrame({"u": units_a, "r": df[RESOURCE].astype(object).to_numpy()}).dropna()
        counts = pairs.groupby("u")["r"].nunique()
        officers[counts.index.to_numpy()] = counts.to_numpy()
    has_officers = officers > 0
    cap_observed = np.where(has_officers, officers, 0).astype(np.int64)
    cap = np.where(has_officers, np.ceil(officers * float(staff_factor)), 0).astype(np.int64)
    names_by_idx = {i: n for n, i in unit_names.items()}
    if capacity:
        for name, value in capacity.items():
            if name not in unit_names:
                raise ParameterError(
                    f"capacity: unit {name!r} is not in the log; units: "
                    + ", ".join(repr(n) for n in list(unit_names)[:20])
                )
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ParameterError(f"capacity[{name!r}] must be a whole number >= 1, got {value!r}")
            cap[unit_names[name]] = int(value)
    # observed utilisation: processing minutes / (officers x working minutes spanned)
    span = float(np.nanmax(tl_a.times()[1]) - np.nanmin(tl_a.origin)) if len(tl_a.row) else 0.0
    proc_by_unit = np.bincount(units_a[tl_a.row], weights=np.maximum(tl_a.proc, 0), minlength=n_units)

    origin_ts = _origin_times(cases_a)
    origin_wm = np.asarray(cal.work_minutes(origin_ts), dtype=float)
    n = len(cases_a)
    rng_master = np.random.default_rng(seed)
    run_seeds = rng_master.integers(0, 2**63 - 1, size=replications + 1)

    # calibration, with the staff seen in the log: how much of each activity's observed waiting
    # is queueing for an officer (the rest is delay that stays whatever the staffing)
    delay_scale: dict[int, float] = {}
    if calibrate and cap_observed.any():
        rng = np.random.default_rng(run_seeds[-1])
        picks = rng.integers(0, n, size=n)
        arr = np.sort(rng.choice(origin_wm, size=n, replace=True))
        _, queues, _ = _run_once(routes_a, picks, arr, cap_observed, {}, rng)
        for act, q in queues.items():
            wait_mean = float(routes_a.wait_pool.get(act, np.zeros(1)).mean()) if len(routes_a.wait_pool.get(act, [])) else 0.0
            q_mean = float(np.mean(q)) if q else 0.0
            if wait_mean > 0:
                delay_scale[act] = max(0.0, wait_mean - q_mean) / wait_mean

    rows_a, rows_b = [], []
    busy_total = np.zeros(n_units)
    sim_span = 0.0
    for r in range(replications):
        rng = np.random.default_rng(run_seeds[r])
        picks = rng.integers(0, n, size=n)
        idx = np.sort(rng.integers(0, n, size=n))
        order = np.argsort(origin_wm, kind="stable")
        arr_wm = origin_wm[order][idx]
        arr_ts = pd.DatetimeIndex(origin_ts[order][idx])
        state = rng.bit_generator.state
        done_a, _, busy = _run_once(routes_a, picks, arr_wm, cap, delay_scale, rng)
        busy_total += busy
        sim_span += float(np.nanmax(done_a) - arr_wm.min()) if n else 0.0
        rows_a.append(_kpis_of_run(routes_a, picks, arr_ts, arr_wm, done_a, cal))
        if routes_b is not None:
            rng_b = np.random.default_rng(run_seeds[r])
            rng_b.bit_generator.state = state  # common random numbers for the comparison
            done_b, _, _ = _run_once(routes_b, picks, arr_wm, cap, delay_scale, rng_b)
            rows_b.append(_kpis_of_run(routes_b, picks, arr_ts, arr_wm, done_b, cal))

    runs_a = pd.DataFrame(rows_a, columns=list(KPI_NAMES))
    runs_b = pd.DataFrame(rows_b, columns=list(KPI_NAMES)) if routes_b is not None else None
    observed = kpis(as_is, cases=cases_a)
    summary_a = {k: interval(runs_a[k].astype(float)) for k in KPI_NAMES}
    summary_b = {k: interval(runs_b[k].astype(float)) for k in KPI_NAMES} if runs_b is not None else None
    obs_lead = observed.get("lead_time_days_mean")
    sim_lead = summary_a["lead_time_days_mean"]["mean"]
    calib = (sim_lead / obs_lead - 1.0) if obs_lead and sim_lead is not None else None
    units = pd.DataFrame(
        {
            "unit": [names_by_idx[i] for i in range(n_units)],
            "officers": officers,
            "servers": cap,
            "utilisation_observed": [
                float(proc_by_unit[i] / (officers[i] * span)) if officers[i] and span > 0 else None
                for i in range(n_units)
            ],
            "utilisation_simulated": [
                float(busy_total[i] / (cap[i] * sim_span)) if cap[i] and sim_span > 0 else None
                for i in range(n_units)
            ],
        }
    )
    en, vi = _assumptions(
        replications, seed, calibrate and bool(cap_observed.any()), bool(has_officers.any()), calib,
        staffing_changed=bool(capacity) or staff_factor != 1.0,
    )
    return SimulationResult(
        as_is=summary_a,
        to_be=summary_b,
        runs_as_is=runs_a,
        runs_to_be=runs_b,
        observed=observed,
        calibration_error=calib,
        units=units,
        replications=replications,
        seed=seed,
        assumptions=en,
        assumptions_vi=vi,
    )


def _assumptions(
    replications: int, seed: int, calibrated: bool, has_officers: bool, calib: float | None,
    *, staffing_changed: bool = False,
) -> tuple[list[str], list[str]]:
    en = [
        f"Simulation: {replications} replications (seed {seed}) of a discrete-event model "
        "(SimPy) on the working-time clock; figures are means with 95% confidence intervals.",
        "Simulation arrivals are resampled from the observed receipt times; each simulated "
        "dossier follows the steps of a dossier drawn from the log; processing times and "
        "delays are resampled per activity.",
    ]
    vi = [
        f"Mô phỏng: {replications} lần chạy (giá trị khởi tạo ngẫu nhiên {seed}) mô hình sự kiện rời rạc (SimPy) "
        "theo giờ làm việc; số liệu là trung bình với khoảng tin cậy 95%.",
        "Thời điểm nộp hồ sơ trong mô phỏng được lấy mẫu lại từ thời điểm nhận thực tế; mỗi hồ "
        "sơ mô phỏng đi theo các bước của một hồ sơ rút ngẫu nhiên từ nhật ký; thời gian xử lý "
        "và thời gian chờ khác được lấy mẫu lại theo từng bước.",
    ]
    if has_officers:
        en.append(
            "Simulation capacity: each unit has one server per distinct officer seen in it; a "
            "step needs a free officer of its unit for its processing time."
        )
        vi.append(
            "Năng lực xử lý trong mô phỏng: mỗi đơn vị có số cán bộ bằng số cán bộ khác nhau "
            "xuất hiện trong nhật ký; mỗi bước cần một cán bộ rảnh của đơn vị trong thời gian xử lý."
        )
    else:
        en.append("The log names no officers: the simulation assumes unlimited capacity (no queueing).")
        vi.append("Nhật ký không có cán bộ: mô phỏng giả định năng lực không giới hạn (không xếp hàng).")
    if staffing_changed:
        en.append("Simulation staffing differs from the log's (what-if capacity); see the units table.")
        vi.append("Số cán bộ trong mô phỏng khác với nhật ký (giả định năng lực); xem bảng đơn vị.")
    if calibrated:
        text = (
            "Observed waiting is split into queueing for an officer (simulated) and other delay "
            "(resampled, scaled per activity so that both together match the observed waiting "
            "of the as-is); the to-be keeps these delays."
        )
        if calib is not None:
            text += f" The simulated as-is mean lead time differs from the log's by {100 * calib:+.1f}%."
        en.append(text)
        vi.append(
            "Thời gian chờ thực tế được chia thành xếp hàng chờ cán bộ (mô phỏng) và chậm trễ "
            "khác (lấy mẫu lại, điều chỉnh theo từng bước để tổng khớp với thời gian chờ thực tế "
            "của quy trình hiện tại); phương án đề xuất giữ nguyên các chậm trễ này."
            + (f" Thời gian giải quyết trung bình mô phỏng lệch {100 * calib:+.1f}% so với nhật ký." if calib is not None else "")
        )
    return en, vi

