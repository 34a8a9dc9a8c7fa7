"""The detectors' tables computed by the engine (:mod:`procsimp.engine.sql_detect`).

Each table's invariants are checked on the bundled logs, the generated structures, a few logs of the random
family and logs that lack start times, officers, units or some activity and service values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from procsimp import engine
from procsimp.core.calendar import default_calendar
from procsimp.core.log import ACTIVITY, CASE, RESOURCE, SERVICE, START, TIMESTAMP, UNIT, EventLog
from procsimp.engine import backend
from procsimp.errors import ParameterError
from procsimp.flag.aggregates import aggregate
from procsimp.read import read_log
from procsimp.synth import generate
from tests.conftest import EVENT_LOGS, invoke


def _without(*columns: str) -> Callable[[], EventLog]:
    def make() -> EventLog:
        log = generate(cases=150, seed=5, lang="en").log
        return log.replace(df=log.df.drop(columns=[c for c in columns if c in log.df.columns]))

    return make


def _with_gaps() -> EventLog:
    """Some events without an activity, officer or unit; some cases whose first event has no
    service (the case belongs to the service of its first event)."""
    log = generate(cases=150, seed=7, lang="vi").log
    df = log.df.copy()
    rng = np.random.default_rng(7)
    n = len(df)
    for col, share in ((ACTIVITY, 0.03), (RESOURCE, 0.1), (UNIT, 0.1), (SERVICE, 0.05)):
        df[col] = df[col].astype(object)
        df.loc[rng.random(n) < share, col] = None
    df.loc[rng.random(n) < 0.05, START] = pd.NaT
    return log.replace(df=df)


LOGS: dict[str, Callable[[], EventLog]] = {
    **{name: (lambda name=name: read_log(EVENT_LOGS / name, cache=False))
       for name in ("dossiers_en.csv", "dossiers_vi.csv", "dossiers_vi_to_be.csv")},
    **{f"structure-{s}": (lambda s=s: generate(cases=120, seed=1, structure=s).log)
       for s in ("standard", "alt", "holdout")},
    **{f"random-{seed}": (lambda seed=seed: generate(structure="random", seed=seed).log) for seed in range(4)},
    "no-start-times": _without(START),
    "no-officers": _without(RESOURCE),
    "no-units": _without(UNIT),
    "no-service-officer-unit": _without(SERVICE, RESOURCE, UNIT),
    "gaps": _with_gaps,
}


def _service_of_case(df: pd.DataFrame) -> pd.Series:
    """The service of each event's case: that of the case's first event with an activity."""
    if SERVICE not in df.columns:
        return pd.Series("all", index=df.index)
    firsts = df.drop_duplicates(CASE)
    by_case = dict(zip(firsts[CASE].astype(object), firsts[SERVICE].astype(object), strict=True))
    return df[CASE].astype(object).map(lambda c: "all" if pd.isna(by_case[c]) else by_case[c])


@pytest.mark.parametrize("name", list(LOGS))
def test_pairs_invariants(name: str) -> None:
    log = LOGS[name]()
    ag = aggregate(log, calendar=default_calendar(), catalog=False)
    pairs, acts = ag.pairs, ag.activities
    df = log.df[log.df[ACTIVITY].notna()]
    assert len(pairs) and list(pairs.columns) == [
        "service", "source", "target", "count", "cases", "share_of_source", "share_of_target",
        "same_resource", "same_unit", "units_disjoint", "returns_to_target_unit", "wait_hours_mean",
        "sojourn_hours_mean", "source_proc_hours_mean", "target_proc_hours_mean", "rework",
    ]
    # per service, the directly-follows pairs number the events minus the cases
    svc = _service_of_case(df)
    expected = (df.groupby(svc, observed=True).size() - df.groupby(svc, observed=True)[CASE].nunique()).astype(int)
    got = pairs.groupby("service")["count"].sum()
    assert got.to_dict() == {k: v for k, v in expected.to_dict().items() if v}
    assert (pairs["cases"] <= pairs["count"]).all() and (pairs["cases"] >= 1).all()
    assert (pairs["rework"] <= pairs["count"]).all()
    # a step's pairs as source cover its occurrences that do not end the case
    per_source = pairs.groupby(["service", "source"])["share_of_source"].sum()
    rows = acts.set_index(["service", "activity"]).loc[per_source.index]
    np.testing.assert_allclose(per_source.to_numpy(), 1.0 - rows["end_rate"].to_numpy(), rtol=1e-9, atol=1e-12)
    per_target = pairs.groupby(["service", "target"])["share_of_target"].sum()
    assert (per_target <= 1.0 + 1e-9).all()
    for col in ("same_resource", "same_unit", "returns_to_target_unit"):
        values = pairs[col].dropna()
        assert ((values >= 0) & (values <= 1)).all(), col
    # steps that share no unit are never done by the same unit one after the other
    assert not (pairs["units_disjoint"] & (pairs["same_unit"] > 0)).any()
    for col, column in (("same_resource", RESOURCE), ("same_unit", UNIT), ("target_proc_hours_mean", START)):
        if column not in df.columns:
            assert pairs[col].isna().all(), col
    if UNIT not in df.columns:
        assert not pairs["units_disjoint"].any()
    assert (pairs["wait_hours_mean"].dropna() >= 0).all()


def test_pairs_fixed_values_on_a_bundled_log() -> None:
    # figures of the bundled English log, checked against a second implementation when the
    # table moved into the engine
    ag = aggregate(read_log(EVENT_LOGS / "dossiers_en.csv", cache=False), calendar=default_calendar(), catalog=False)
    p = ag.pairs.set_index(["service", "source", "target"])
    assert len(p) == 118 and int(p["count"].sum()) == 9349
    row = p.loc[("Exchange a driving licence", "Check completeness", "Request supplement")]
    assert (row["count"], row["cases"], row["rework"]) == (16, 13, 16)
    assert (row["same_resource"], row["same_unit"], row["returns_to_target_unit"]) == (0.0, 1.0, 1.0)
    assert not row["units_disjoint"]
    assert row["share_of_source"] == pytest.approx(16 / 134) and row["share_of_target"] == 1.0
    assert row["wait_hours_mean"] == pytest.approx(0.4624826388884685, rel=1e-9)
    assert row["sojourn_hours_mean"] == pytest.approx(0.6810763888885655, rel=1e-9)
    assert row["source_proc_hours_mean"] == pytest.approx(0.26062500000067906, rel=1e-9)
    assert row["target_proc_hours_mean"] == pytest.approx(0.218593750000097, rel=1e-9)
    row = p.loc[("Exchange a driving licence", "Check completeness", "Check health certificate")]
    assert (row["count"], row["cases"], row["rework"]) == (118, 118, 0)
    assert row["units_disjoint"] and row["same_unit"] == 0.0
    assert row["wait_hours_mean"] == pytest.approx(1.309004237288333, rel=1e-9)


@pytest.mark.parametrize("name", list(LOGS))
def test_loops_invariants(name: str) -> None:
    log = LOGS[name]()
    ag = aggregate(log, calendar=default_calendar(), catalog=False)
    loops, acts = ag.loops, ag.activities.set_index(["service", "activity"])
    assert list(loops.columns) == [
        "service", "activity", "loops", "cases", "case_share", "via", "sent_back_by", "length_mean",
        "elapsed_hours_mean", "elapsed_hours_total", "effort_hours_mean", "recheck_share",
    ]
    assert list(loops["service"] + "\0" + loops["activity"]) == sorted(loops["service"] + "\0" + loops["activity"])
    # the loops counted here start outside any other loop: at most every repeat of the step
    starts = acts.loc[list(zip(loops["service"], loops["activity"], strict=True)), "loop_starts"].to_numpy()
    assert (loops["loops"].to_numpy() <= starts).all() and (loops["loops"] >= 1).all()
    assert (loops["cases"] <= loops["loops"]).all() and (loops["cases"] >= 1).all()
    services = ag.services.set_index("service")["cases"]
    np.testing.assert_allclose(loops["case_share"], loops["cases"] / services.loc[loops["service"]].to_numpy(), rtol=1e-12)
    steps = set(zip(ag.activities["service"], ag.activities["activity"], strict=True))
    for col in ("via", "sent_back_by"):
        assert all((sv, a) in steps for sv, a in zip(loops["service"], loops[col], strict=True)), col
    assert (loops["length_mean"] >= 1).all() and (loops["elapsed_hours_mean"] >= 0).all()
    np.testing.assert_allclose(loops["elapsed_hours_total"], loops["elapsed_hours_mean"] * loops["loops"], rtol=1e-12)
    assert loops["recheck_share"].between(0, 1).all()
    if START in log.df.columns:
        assert (loops["effort_hours_mean"] >= 0).all()
    else:  # unknown processing counts nothing
        assert (loops["effort_hours_mean"] == 0).all()
    if name.startswith("dossiers"):
        assert len(loops) > 0


def test_loops_fixed_values_on_a_bundled_log() -> None:
    # figures of the bundled English log, checked against a second implementation when the
    # table moved into the engine
    ag = aggregate(read_log(EVENT_LOGS / "dossiers_en.csv", cache=False), calendar=default_calendar(), catalog=False)
    loops = ag.loops.set_index(["service", "activity"])
    assert len(loops) == 9 and int(loops["loops"].sum()) == 148
    row = loops.loc[("Exchange a driving licence", "Check completeness")]
    assert (row["loops"], row["cases"], row["via"], row["sent_back_by"]) == (13, 13, "Request supplement", "Resubmit dossier")
    assert row["case_share"] == pytest.approx(13 / 118) and row["length_mean"] == 3.0
    assert row["recheck_share"] == pytest.approx(3 / 13)
    assert row["elapsed_hours_mean"] == pytest.approx(13.822841880341562, rel=1e-9)
    assert row["effort_hours_mean"] == pytest.approx(0.6019444444449619, rel=1e-9)
    row = loops.loc[("Grant unemployment benefit", "Appraise dossier")]
    assert (row["loops"], row["via"], row["sent_back_by"]) == (9, "Check employment status", "Review and submit for signature")
    assert row["recheck_share"] == 1.0 and row["effort_hours_mean"] == pytest.approx(4.009845679011024, rel=1e-9)


@pytest.mark.parametrize("name", list(LOGS))
def test_knockouts_invariants(name: str) -> None:
    log = LOGS[name]()
    ag = aggregate(log, calendar=default_calendar(), catalog=False)
    ko, steps = ag.knockouts, ag.knockout_steps
    acts = ag.activities.set_index(["service", "activity"])
    assert list(ko.columns) == [
        "service", "decider", "end_activity", "rejection_evidence", "knockouts", "decider_events", "knockout_rate",
        "service_cases", "effort_before_hours_mean", "elapsed_before_hours_mean", "steps_before_mean",
    ]
    assert list(steps.columns) == [
        "service", "decider", "activity", "cases", "share", "position_mean", "proc_hours_mean", "sojourn_hours_mean",
    ]
    # every knocked-out case of two steps or more is counted once, at the step before its end
    df = log.df[log.df[ACTIVITY].notna()]
    svc = _service_of_case(df)
    last = df.assign(_svc=svc).groupby(CASE, sort=False, observed=True).agg(
        service=("_svc", "first"), end=(ACTIVITY, "last"), steps=(ACTIVITY, "size"))
    ends = acts[acts["knockout_end"] & (acts["rejection_evidence"] != "")].index
    at_end = np.array([(s, e) in ends for s, e in zip(last["service"], last["end"], strict=True)], dtype=bool)
    rejected = last[at_end & (last["steps"] >= 2).to_numpy()]
    assert int(ko["knockouts"].sum()) == len(rejected)
    if len(ko):
        assert ko.groupby("service")["knockouts"].sum().to_dict() == rejected.groupby("service").size().to_dict()
        for row in ko.itertuples():
            assert (row.service, row.end_activity) in ends
            assert row.rejection_evidence == acts.loc[(row.service, row.end_activity), "rejection_evidence"]
            assert row.decider_events == acts.loc[(row.service, row.decider), "events"]
        assert (ko["knockouts"] <= ko["decider_events"]).all()
        np.testing.assert_allclose(ko["knockout_rate"], ko["knockouts"] / ko["decider_events"], rtol=1e-12)
        assert (ko["steps_before_mean"] >= 0).all() and (ko["elapsed_before_hours_mean"].dropna() >= 0).all()
        # the steps before a decider: at most once per knocked-out case, never after the decider
        merged = steps.merge(ko, on=["service", "decider"])
        assert len(merged) == len(steps)
        assert (merged["cases"] <= merged["knockouts"]).all()
        np.testing.assert_allclose(merged["share"], merged["cases"] / merged["knockouts"], rtol=1e-12)
        assert (steps["position_mean"] >= 0).all() and (steps["sojourn_hours_mean"] >= 0).all()
        first = steps.groupby(["service", "decider"])["position_mean"].min()
        assert (first == 0).all()  # every case begins before its decider
    if START not in log.df.columns:
        assert steps["proc_hours_mean"].isna().all()


def test_knockouts_fixed_values_on_a_bundled_log() -> None:
    # figures of the bundled English log, checked against a second implementation when the
    # tables moved into the engine
    ag = aggregate(read_log(EVENT_LOGS / "dossiers_en.csv", cache=False), calendar=default_calendar(), catalog=False)
    ko = ag.knockouts.set_index(["service", "decider"])
    assert len(ko) == 13 and len(ag.knockout_steps) == 95
    row = ko.loc[("Exchange a driving licence", "Check health certificate")]
    assert (row["end_activity"], row["rejection_evidence"], row["knockouts"], row["decider_events"]) == (
        "Notify rejection", "outcome", 8, 118)
    assert row["steps_before_mean"] == 3.125 and row["service_cases"] == 118
    assert row["effort_before_hours_mean"] == pytest.approx(0.5401388888897296, rel=1e-9)
    assert row["elapsed_before_hours_mean"] == pytest.approx(6.055277777778489, rel=1e-9)
    steps = ag.knockout_steps.set_index(["service", "decider", "activity"])
    row = steps.loc[("Exchange a driving licence", "Check health certificate", "Check completeness")]
    assert (row["cases"], row["share"], row["position_mean"]) == (8, 1.0, 1.0)
    assert row["proc_hours_mean"] == pytest.approx(0.2936458333337214, rel=1e-9)
    assert row["sojourn_hours_mean"] == pytest.approx(0.6032291666662786, rel=1e-9)


@pytest.mark.parametrize("name", list(LOGS))
def test_order_invariants(name: str) -> None:
    log = LOGS[name]()
    ag = aggregate(log, calendar=default_calendar(), catalog=False)
    order, pairs = ag.order, ag.pairs
    assert list(order.columns) == [
        "service", "a", "b", "cases_both", "a_first", "b_first", "ties", "adjacent", "minority_share",
        "overlap", "overlap_share", "a_proc_hours_first", "a_proc_hours_second", "b_proc_hours_first",
        "b_proc_hours_second", "knockout_share_a_first", "knockout_share_b_first",
    ]
    # the candidates are the directly-follows pairs of two different steps, in either direction
    direct = {(s, *sorted((a, b))) for s, a, b in zip(pairs["service"], pairs["source"], pairs["target"], strict=True) if a != b}
    got = set(zip(order["service"], order["a"], order["b"], strict=True))
    assert got <= {(s, a, b) for s, a, b in direct} | {(s, b, a) for s, a, b in direct} and len(got) == len(order)
    assert (order["cases_both"] > 0).all()
    assert (order["a_first"] + order["b_first"] + order["ties"] == order["cases_both"]).all() and (order["ties"] >= 0).all()
    assert (order["adjacent"] <= order["cases_both"]).all() and (order["overlap"] <= order["cases_both"]).all()
    assert order["minority_share"].between(0, 0.5).all()
    # processing by order: only for pairs seen in both orders, and only with start times
    both = (order["a_first"] > 0) & (order["b_first"] > 0)
    procs = ["a_proc_hours_first", "a_proc_hours_second", "b_proc_hours_first", "b_proc_hours_second"]
    assert order.loc[~both, procs].isna().all().all()
    if START not in log.df.columns:
        assert order[procs].isna().all().all() and (order["overlap"] == 0).all()
    for col in ("knockout_share_a_first", "knockout_share_b_first"):
        assert order[col].dropna().between(0, 1).all()
        assert (order.loc[~both, col].fillna(0) == 0).all()


def test_order_fixed_values_on_a_bundled_log() -> None:
    # figures of the bundled English log, checked against a second implementation when the
    # table moved into the engine
    ag = aggregate(read_log(EVENT_LOGS / "dossiers_en.csv", cache=False), calendar=default_calendar(), catalog=False)
    order = ag.order.set_index(["service", "a", "b"])
    assert len(order) == 114
    row = order.loc[("Issue a judicial record certificate", "Verify with the court", "Verify with the police")]
    assert (row["cases_both"], row["a_first"], row["b_first"], row["ties"], row["adjacent"], row["overlap"]) == (
        106, 37, 69, 0, 106, 0)
    assert row["knockout_share_a_first"] == pytest.approx(3 / 37) and row["knockout_share_b_first"] == pytest.approx(4 / 69)
    assert row["a_proc_hours_first"] == pytest.approx(1.7022672672667918, rel=1e-9)
    assert row["a_proc_hours_second"] == pytest.approx(1.786284219000628, rel=1e-9)
    assert row["b_proc_hours_first"] == pytest.approx(2.4149798711752832, rel=1e-9)
    assert row["b_proc_hours_second"] == pytest.approx(2.2898048048050286, rel=1e-9)


@pytest.mark.parametrize("name", list(LOGS))
def test_activities_and_services_invariants(name: str) -> None:
    # the engine's step and service tables against a plain pandas reading of the events
    log = LOGS[name]()
    ag = aggregate(log, calendar=default_calendar(), catalog=False)
    acts = ag.activities.set_index(["service", "activity"])
    df = log.df[log.df[ACTIVITY].notna()].reset_index(drop=True)
    df = df.assign(_svc=_service_of_case(df).to_numpy(), _act=df[ACTIVITY].astype(object))
    case = df[CASE].astype(object)
    first = case.ne(case.shift())
    last = case.ne(case.shift(-1))
    pos = df.groupby(case, sort=False).cumcount()
    length = case.map(case.value_counts())
    occ = df.groupby([case, df["_act"]], sort=False).cumcount()
    nxt = df["_act"].shift(-1).where(~last, "■ end")
    keys = [df["_svc"], df["_act"]]
    by = df.groupby(keys, sort=False)
    expected = pd.DataFrame({
        "events": by.size(),
        "cases": df[occ == 0].groupby(keys, sort=False).size(),
        "repeats": (occ > 0).groupby(keys, sort=False).sum(),
        "starts": first.groupby(keys, sort=False).sum(),
        "ends": last.groupby(keys, sort=False).sum(),
        "step_index_mean": pos.groupby(keys, sort=False).mean(),
        "position_mean": (pos / (length - 1).clip(lower=1)).groupby(keys, sort=False).mean(),
        "successors": nxt.groupby(keys, sort=False).nunique(),
        "top_successor_n": nxt.groupby(keys, sort=False).agg(lambda s: s.value_counts().max()),
    })
    expected.index.names = ["service", "activity"]
    assert sorted(acts.index) == sorted(expected.index)
    got = acts.loc[expected.index]
    cases_per_service = df.groupby("_svc")[CASE].nunique()
    for col in ("events", "cases", "repeats", "successors"):
        assert got[col].astype(int).tolist() == expected[col].astype(int).tolist(), col
    svc_cases = cases_per_service.loc[expected.index.get_level_values("service")].to_numpy()
    np.testing.assert_allclose(got["is_start_share"], expected["starts"] / svc_cases, rtol=1e-12)
    np.testing.assert_allclose(got["is_end_share"], expected["ends"] / svc_cases, rtol=1e-12)
    np.testing.assert_allclose(got["end_rate"], expected["ends"] / expected["events"], rtol=1e-12)
    np.testing.assert_allclose(got["top_successor_share"], expected["top_successor_n"] / expected["events"], rtol=1e-12)
    np.testing.assert_allclose(got["step_index_mean"], expected["step_index_mean"], rtol=1e-9)
    np.testing.assert_allclose(got["position_mean"], expected["position_mean"], rtol=1e-9)
    for col, column in (("resources", RESOURCE), ("units", UNIT)):
        if column in df.columns:
            distinct = df.groupby(keys, sort=False)[column].nunique().to_numpy()
            assert got[col].astype(int).tolist() == distinct.tolist(), col
        else:
            assert (got[col] == 0).all(), col
    # calendar days since the previous event of the case: its percentiles (linear interpolation)
    delay = (df[TIMESTAMP] - df[TIMESTAMP].shift()).dt.total_seconds().where(~first) / 86_400
    for q, col in ((0.1, "delay_days_p10"), (0.5, "delay_days_median"), (0.9, "delay_days_p90")):
        np.testing.assert_allclose(got[col], delay.groupby(keys, sort=False).quantile(q).to_numpy(), rtol=1e-9,
                                   atol=1e-9, err_msg=col)
    for col in ("knockout_next_share", "knockout_after_share", "loop_start_share", "rework_after_share",
                "rework_next_share", "in_loop_share", "intake_unit_share", "unit_exclusive_share"):
        values = got[col].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all(), col
    assert (got["outcome_mi_bits"] >= 0).all() and (got["successor_entropy"] >= 0).all()
    # a step repeated in a case starts a loop; a loop-only step is in a loop
    assert (got["loop_starts"] == got["repeats"]).all()
    assert (got.loc[got["rework_only"], "in_loop_share"] >= 0.9).all()
    # the service table adds up to the log
    services = ag.services.set_index("service")
    assert services["cases"].to_dict() == cases_per_service.to_dict()
    assert services["events"].to_dict() == df.groupby("_svc").size().to_dict()
    assert services["activities"].to_dict() == df.groupby("_svc")["_act"].nunique().to_dict()
    reworked = df[occ > 0].groupby("_svc")[CASE].nunique().reindex(services.index, fill_value=0)
    np.testing.assert_allclose(services["rework_case_share"], reworked / services["cases"], rtol=1e-12)
    ties = (df[TIMESTAMP] == df[TIMESTAMP].shift()) & ~first
    np.testing.assert_allclose(services["tie_share"], (ties.groupby(df["_svc"]).sum() / (~first).groupby(df["_svc"]).sum())
                               .reindex(services.index), rtol=1e-12)
    ends = acts.reset_index()
    for service, row in services.iterrows():
        rows = ends[ends["service"] == service]
        assert row["start_activity"] == rows.loc[rows["is_start_share"].idxmax(), "activity"] or rows["is_start_share"].max() == 0
        assert set(row["knockout_ends"]) == set(rows.loc[rows["knockout_end"], "activity"])
        assert row["knockout_share"] == pytest.approx(rows.loc[rows["knockout_end"], "is_end_share"].sum(), abs=1e-12)


def test_activities_fixed_values_on_a_bundled_log() -> None:
    # figures of the bundled English log, checked against the former in-memory implementation
    # when the table moved into the engine
    ag = aggregate(read_log(EVENT_LOGS / "dossiers_en.csv", cache=False), calendar=default_calendar(), catalog=False)
    a = ag.activities.set_index(["service", "activity"])
    assert len(a) == 104 and int(a["events"].sum()) == 10349
    row = a.loc[("Exchange a driving licence", "Check completeness")]
    assert (row["events"], row["cases"], row["repeats"], row["loop_starts"], row["resources"]) == (134, 118, 16, 16, 4)
    assert row["top_successor"] == "Check health certificate" and row["top_successor_share"] == pytest.approx(118 / 134)
    assert row["proc_hours_median"] == pytest.approx(13.016667 / 60, rel=1e-6)
    assert row["wait_hours_mean"] == pytest.approx(13.311816 / 60, rel=1e-6)
    assert row["intake_unit_share"] == 1.0 and row["role"] == "decision" and bool(row["decision_rework"])
    s = ag.services.set_index("service").loc["Exchange a driving licence"]
    assert (s["cases"], s["events"]) == (118, 1179)
    assert s["proc_hours_median"] == pytest.approx(10.966667 / 60, rel=1e-6)
    assert s["lead_hours_mean"] == pytest.approx(1869.900565 / 60, rel=1e-6)
    assert s["rework_case_share"] == pytest.approx(13 / 118)


def test_unknown_detector_table_is_refused() -> None:
    log = read_log(EVENT_LOGS / "dossiers_en.csv", cache=False)
    with pytest.raises(ParameterError, match=r"unknown detector table\(s\) 'activities'; choose from: pairs, loops, endings, "
                       r"ending_steps, order, steps, edges, successors, firsts, units, services$"):
        engine.detector_tables(log, tables=["activities"])



def test_flag_on_the_spark_engine_without_java_is_one_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # the detectors' tables are engine plans: PROCSIMP_ENGINE=spark reaches them, and without a
    # Java runtime the command says so in one line (no traceback, no numpy fallback)
    empty = tmp_path / "jdk"
    empty.mkdir()
    monkeypatch.setenv("JAVA_HOME", str(empty))
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.setenv("PROCSIMP_ENGINE", "spark")
    monkeypatch.setattr(backend, "_current", None)
    code, out, err = invoke("flag", EVENT_LOGS / "dossiers_en.csv", "--format", "json")
    monkeypatch.setattr(backend, "_current", None)
    assert code == 1 and out == ""
    assert err.strip().splitlines()[-1] == (
        f"Error: the Spark engine needs a Java runtime and none was found (JAVA_HOME={str(empty)!r} has no "
        "bin/java); install a JDK 17 or later (e.g. apt-get install default-jre-headless) and set JAVA_HOME to "
        "it, or use the default DuckDB engine (--engine duckdb, or unset PROCSIMP_ENGINE)"
    )
    assert "Traceback" not in err


def test_one_sub_log_per_service_and_one_aggregate_for_flag_and_propose(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from procsimp import flag_steps
    from procsimp.propose import propose

    log = read_log(EVENT_LOGS / "dossiers_en.csv", cache=False)
    name = log.services[0]
    sub = log.for_service(name)
    assert log.for_service(name) is sub and sub.for_service(name) is sub
    assert len(sub.df) < len(log.df) and set(sub.df[SERVICE].astype(str)) == {name}

    aggregates = importlib.import_module("procsimp.flag.aggregates")
    prepare = importlib.import_module("procsimp.engine.prepare")
    calls = {"aggregate": 0, "prepare": 0}
    real_aggregate, real_prepare = aggregates.aggregate, prepare.prepare

    def counted_aggregate(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["aggregate"] += 1
        return real_aggregate(*args, **kwargs)

    def counted_prepare(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["prepare"] += 1
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(aggregates, "aggregate", counted_aggregate)
    monkeypatch.setattr(engine, "prepare", counted_prepare)
    fresh = log.replace()  # nothing cached for this log object
    flags = flag_steps(fresh)
    services = fresh.services[:2]
    for service in services:
        propose(fresh, flags, service=service, model=False)
    # flag_steps' aggregates serve propose: one computation for the log
    assert calls["aggregate"] == 1, calls
    # one encoding of the log (the detectors' plans and the as-is case table share it), then one
    # per to-be log
    assert calls["prepare"] == 1 + len(services), calls
