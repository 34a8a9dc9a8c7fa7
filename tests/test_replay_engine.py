"""The replay's case table is an engine plan (:mod:`procsimp.engine.sql_replay`).

:func:`procsimp.engine.replay.timeline` builds its model from the plan's compact columns. Here it
is checked, value for value, against a second implementation written with numpy and pandas on the
log's DataFrame (the one the replay used before the plan): on the bundled logs, the generated
structures, logs with missing values and real public logs; for the whole log and per service; in
memory and on Parquet files; and the check is shown to fail on a deliberately wrong plan.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import procsimp
from procsimp.core.calendar import WorkCalendar, default_calendar
from procsimp.core.log import ACTIVITY, CASE, RECEIVED, START, TIMESTAMP, EventLog
from procsimp.engine import sql_replay
from procsimp.engine.replay import Timeline, timeline
from procsimp.errors import ParameterError
from procsimp.read import read_log
from procsimp.synth import generate
from tests.conftest import EVENT_LOGS, invoke, real_log_path


def reference_timeline(log: EventLog, calendar: WorkCalendar) -> dict[str, np.ndarray]:
    """The replay's model computed with numpy on ``log.df``: per event (in row order) the case
    index, the activity name, the stage, wait and proc; per case the origin and the last step."""
    df = log.df
    n = len(df)
    case_codes = pd.factorize(df[CASE].astype(object))[0]
    first = np.ones(n, dtype=bool)
    first[1:] = case_codes[1:] != case_codes[:-1]
    case = np.cumsum(first) - 1
    n_cases = int(first.sum())
    c = np.asarray(calendar.work_minutes(pd.DatetimeIndex(df[TIMESTAMP])), dtype=float)
    if START in df.columns:
        s = np.asarray(calendar.work_minutes(pd.DatetimeIndex(df[START])), dtype=float)
        s = np.where(np.isfinite(s), np.minimum(s, c), c)
    else:
        s = c.copy()
    frontier_incl = pd.Series(c).groupby(case).cummax().to_numpy()
    frontier_before = np.full(n, -np.inf)
    frontier_before[1:] = np.where(first[1:], -np.inf, frontier_incl[:-1])
    new_stage = first | (s >= frontier_before)
    stage_global = np.cumsum(new_stage) - 1
    stage_first = np.flatnonzero(new_stage)
    case_first = np.flatnonzero(first)
    stage_rank = stage_global - stage_global[case_first][case]
    first_start = np.full(n_cases, np.inf)
    np.minimum.at(first_start, case, s)
    origin = first_start.copy()
    if RECEIVED in df.columns:
        rec = np.asarray(calendar.work_minutes(pd.DatetimeIndex(df[RECEIVED])), dtype=float)[case_first]
        origin = np.where(np.isfinite(rec) & (rec <= first_start), rec, first_start)
    stage_end = np.full(len(stage_first), -np.inf)
    np.maximum.at(stage_end, stage_global, c)
    stage_case = case[stage_first]
    prev_end = np.empty(len(stage_first))
    prev_end[0] = origin[stage_case[0]]
    prev_end[1:] = np.where(stage_case[1:] != stage_case[:-1], origin[stage_case[1:]], stage_end[:-1])
    ready = prev_end[stage_global]
    acts = df[ACTIVITY].astype(object).to_numpy()
    last = np.ones(n, dtype=bool)
    last[:-1] = first[1:]
    return {
        "case": case, "act": np.where(pd.isna(acts), None, acts), "stage": stage_rank.astype(float),
        "wait": s - ready, "proc": c - s, "origin": origin, "end": np.where(pd.isna(acts[last]), None, acts[last]),
    }


def _names(tl: Timeline, codes: np.ndarray) -> np.ndarray:
    names = np.array([*tl.names, None], dtype=object)
    return names[np.where(codes < 0, len(tl.names), codes)]


def assert_same(tl: Timeline, ref: dict[str, np.ndarray]) -> None:
    """Exact equality: codes, stages and every working-minute figure, bit for bit."""
    assert np.array_equal(tl.row, np.arange(len(ref["case"])))
    assert np.array_equal(tl.case, ref["case"])
    assert list(_names(tl, tl.act)) == list(ref["act"])
    for name in ("stage", "wait", "proc", "origin"):
        got = getattr(tl, name)
        assert got.dtype == np.float64 and np.array_equal(got, ref[name]), (name, np.flatnonzero(got != ref[name])[:5])
    assert tl.case.dtype == np.int32 and tl.act.dtype == np.int32


def _with_gaps() -> EventLog:
    """Some events without a step, some without a start time; a start after its completion; a
    receipt after the first start; steps that overlap in time."""
    log = generate(cases=150, seed=7, lang="vi").log
    df = log.df.copy()
    rng = np.random.default_rng(7)
    n = len(df)
    df[ACTIVITY] = df[ACTIVITY].astype(object)
    df.loc[rng.random(n) < 0.03, ACTIVITY] = None
    df.loc[rng.random(n) < 0.05, START] = pd.NaT
    late = rng.random(n) < 0.02
    df.loc[late, START] = df.loc[late, TIMESTAMP] + pd.Timedelta(hours=3)
    early = rng.random(n) < 0.1
    df.loc[early, START] = df.loc[early, START] - pd.Timedelta(days=2)  # overlaps the step before
    if RECEIVED in df.columns:
        df.loc[rng.random(n) < 0.2, RECEIVED] = df[TIMESTAMP].max()
    return log.replace(df=df)


def _without_start() -> EventLog:
    log = generate(cases=120, seed=5, lang="en").log
    return log.replace(df=log.df.drop(columns=[c for c in (START, RECEIVED) if c in log.df.columns]))


LOGS: dict[str, Callable[[], EventLog]] = {
    **{name: (lambda name=name: read_log(EVENT_LOGS / name, cache=False))
       for name in ("dossiers_en.csv", "dossiers_vi.csv", "dossiers_vi_to_be.csv")},
    **{f"structure-{s}": (lambda s=s: generate(cases=120, seed=1, structure=s).log)
       for s in ("standard", "alt", "holdout")},
    **{f"random-{seed}": (lambda seed=seed: generate(structure="random", seed=seed).log) for seed in range(3)},
    "gaps": _with_gaps,
    "no-start-or-receipt": _without_start,
}


@pytest.mark.parametrize("name", list(LOGS))
def test_engine_timeline_equals_the_numpy_one(name: str) -> None:
    log = LOGS[name]()
    cal = default_calendar()
    assert_same(timeline(log, calendar=cal), reference_timeline(log, cal))


@pytest.mark.parametrize("name", ["dossiers_vi.csv", "gaps"])
def test_engine_timeline_of_each_service_equals_the_numpy_one_of_its_sub_log(name: str) -> None:
    log = LOGS[name]()
    cal = default_calendar()
    assert len(log.services) >= 2
    for service in log.services:
        sub = log.for_service(service)
        tl = timeline(log, calendar=cal, service=service)
        ref = reference_timeline(sub, cal)
        assert_same(tl, ref)
        # the dossiers' last steps give the knock-outs by name
        ends = sorted({str(e) for e in ref["end"] if e is not None})[:2]
        knocked = timeline(log, calendar=cal, service=service, knockout_ends=ends).knocked
        assert np.array_equal(knocked, np.isin(ref["end"].astype(str), ends)) and knocked.any()


@pytest.mark.real_logs
@pytest.mark.parametrize("name", [
    "running-example.xes", "roadtraffic100traces.xes", "Sepsis_Cases-Event_Log.xes.gz", "BPIC15_1.xes.gz",
    "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz",
])
def test_engine_timeline_equals_the_numpy_one_on_real_logs(name: str) -> None:
    log = read_log(real_log_path(name), cache=False)
    cal = default_calendar()
    assert_same(timeline(log, calendar=cal), reference_timeline(log, cal))


def test_the_parity_check_fails_on_a_wrong_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison catches a plan that is slightly wrong: a stage opened only strictly after
    the frontier (a step that starts when the one before it ends would overlap it), or a clock
    that starts at the receipt only when it comes after the first step."""
    log = LOGS["random-0"]()  # a log with both: steps that start right when another ends, and receipts
    cal = default_calendar()
    ref = reference_timeline(log, cal)
    right = sql_replay.replay_plan
    for wrong in (("s >= frontier", "s > frontier"), ("rec <= first_start", "rec > first_start")):
        assert wrong[0] in "".join(right().values())

        def broken(service: int | None = None, wrong: tuple[str, str] = wrong) -> dict[str, str]:
            return {k: v.replace(*wrong) for k, v in right(service).items()}

        monkeypatch.setattr(sql_replay, "replay_plan", broken)
        with pytest.raises(AssertionError):
            assert_same(timeline(log, calendar=cal), ref)
    monkeypatch.setattr(sql_replay, "replay_plan", right)
    assert_same(timeline(log, calendar=cal), ref)


def test_an_unknown_service_or_two_knock_out_settings_are_refused() -> None:
    log = LOGS["dossiers_en.csv"]()
    with pytest.raises(ParameterError, match=r"service 'Nope' is not in the log .*; services in the log: '"):
        timeline(log, service="Nope")
    with pytest.raises(ParameterError, match="give knocked .* or knockout_ends .*, not both"):
        timeline(log, knocked=np.zeros(3, dtype=bool), knockout_ends=["x"])
    with pytest.raises(ParameterError, match=r"knocked must have one value per case \(\d+\), got \(3,\)"):
        timeline(log, knocked=np.zeros(3, dtype=bool))


def test_timeline_of_a_log_on_parquet_reads_no_event_into_pandas(tmp_path: Path) -> None:
    path = tmp_path / "en.parquet"
    code, _, err = invoke("convert", EVENT_LOGS / "dossiers_en.csv", "--out", path)
    assert code == 0, err
    on_files = procsimp.read_log(path, storage="parquet")
    in_memory = procsimp.read_log(path, storage="memory")
    cal = default_calendar()
    for service in in_memory.services:
        tl = timeline(on_files, calendar=cal, service=service)
        assert_same(tl, reference_timeline(in_memory.for_service(service), cal))
    assert not on_files.materialised
    assert not any(on_files.for_service(s).materialised for s in in_memory.services)
