"""``procsimp.flag.aggregate``: the numbers the detectors stand on, checked on hand-built logs.

Times are built in working minutes of the default calendar (07:30-11:30, 13:30-17:00, Monday to
Friday, Vietnamese holidays), so the expected processing and waiting times are exact.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procsimp.core.calendar import default_calendar
from procsimp.core.log import EventLog
from procsimp.errors import ParameterError
from procsimp.flag import ROLE_THRESHOLDS, aggregate
from procsimp.read import frame_to_log

TZ = "Asia/Ho_Chi_Minh"
DAY = 450.0  # working minutes in a day


def build(cases, *, start: bool = True, service=None, day0: str = "2025-03-03 08:00") -> EventLog:
    """cases: list of step lists (activity, officer, unit, wait, proc) in working minutes.

    Case ``i`` begins ``i`` working days after ``day0``. ``service`` is a name for all cases, a
    list of names (one per case) or None (no service column).
    """
    cal = default_calendar()
    w0 = float(cal.work_minutes(pd.Timestamp(day0, tz=TZ)))
    rows = []
    for i, steps in enumerate(cases):
        t = w0 + i * DAY
        for act, officer, unit, wait, proc in steps:
            s = t + wait
            e = s + proc
            svc = service[i] if isinstance(service, list) else service
            rows.append((f"c{i:03d}", act, s, e, officer, unit, svc))
            t = e
    df = pd.DataFrame(rows, columns=["case", "activity", "start", "end", "officer", "unit", "service"])
    df["start"] = cal.from_work_minutes(df["start"].to_numpy())
    df["end"] = cal.from_work_minutes(df["end"].to_numpy())
    cols = {"case": "case", "activity": "activity", "timestamp": "end", "resource": "officer", "unit": "unit"}
    if start:
        cols["start"] = "start"
    if service is not None:
        cols["service"] = "service"
    else:
        df = df.drop(columns="service")
    if not start:
        df = df.drop(columns="start")
    return frame_to_log(df, **cols)


def row(ag, activity: str, service: str | None = None) -> dict:
    svc = service or ag.service_names[0]
    r = ag.activity(svc, activity)
    assert r is not None, (svc, activity)
    return r


# ---------------------------------------------------------------------------- times
def test_processing_waiting_and_sojourn_in_working_hours() -> None:
    steps = [("A", "o1", "u1", 0, 30), ("B", "o2", "u1", 60, 6), ("C", "o3", "u2", 30, 120)]
    ag = aggregate(build([steps] * 4), catalog=False)
    b = row(ag, "B")
    assert b["proc_hours_median"] == pytest.approx(0.1)
    assert b["wait_hours_median"] == pytest.approx(1.0)
    assert b["sojourn_hours_mean"] == pytest.approx(1.1)
    assert b["wait_after_hours_mean"] == pytest.approx(0.5)  # C waits 30 minutes after B
    assert row(ag, "C")["proc_hours_p90"] == pytest.approx(2.0)
    assert math.isnan(row(ag, "A")["wait_hours_mean"])  # nothing before the first step
    assert ag.has_start and ag.hours_per_day == pytest.approx(7.5)


def test_waiting_counts_working_time_only() -> None:
    # A ends on Friday 16:30, B starts on Monday 08:00: 30 + 30 working minutes, not 63.5 hours
    df = pd.DataFrame(
        {
            "case": ["x", "x"],
            "activity": ["A", "B"],
            "start": pd.to_datetime(["2025-03-07 16:00", "2025-03-10 08:00"]).tz_localize(TZ),
            "end": pd.to_datetime(["2025-03-07 16:30", "2025-03-10 08:45"]).tz_localize(TZ),
        }
    )
    log = frame_to_log(df, case="case", activity="activity", timestamp="end", start="start")
    ag = aggregate(log, catalog=False)
    assert row(ag, "B")["wait_hours_median"] == pytest.approx(1.0)
    assert row(ag, "B")["proc_hours_median"] == pytest.approx(0.75)


def test_without_start_times_processing_is_unknown_but_sojourn_is_not() -> None:
    steps = [("A", "o1", "u1", 0, 30), ("B", "o2", "u1", 60, 6)]
    ag = aggregate(build([steps] * 3, start=False), catalog=False)
    b = row(ag, "B")
    assert not ag.has_start
    assert math.isnan(b["proc_hours_median"]) and math.isnan(b["wait_hours_median"])
    assert b["sojourn_hours_median"] == pytest.approx(66 / 60)


# ---------------------------------------------------------------------------- routing and hand-offs
def test_successor_distribution_entropy_and_handoffs() -> None:
    to_y = [("S", "o1", "u1", 0, 10), ("X", "o2", "u1", 10, 10), ("Y", "o3", "u2", 10, 10), ("E", "o1", "u1", 10, 5)]
    to_z = [("S", "o1", "u1", 0, 10), ("X", "o2", "u1", 10, 10), ("Z", "o2", "u1", 10, 10), ("E", "o1", "u1", 10, 5)]
    ag = aggregate(build([to_y] * 4 + [to_z]), catalog=False)
    x = row(ag, "X")
    assert x["top_successor"] == "Y" and x["top_successor_share"] == pytest.approx(0.8)
    assert x["successors"] == 2
    assert x["successor_entropy"] == pytest.approx(-(0.8 * math.log2(0.8) + 0.2 * math.log2(0.2)))
    assert x["resource_change_next"] == pytest.approx(0.8)  # o2 -> o3 four times, o2 -> o2 once
    assert x["unit_change_next"] == pytest.approx(0.8)
    assert x["resource_change_prev"] == pytest.approx(1.0)
    assert bool(x["decision_routing"]) and x["role"] == "decision"  # routing varies after X
    # with four cases the same split is not enough evidence of a routing decision
    assert not bool(row(aggregate(build([to_y] * 3 + [to_z]), catalog=False), "X")["decision_routing"])
    assert row(ag, "Y")["top_predecessor"] == "X"
    assert row(ag, "S")["top_predecessor"] == "▶ start" and row(ag, "E")["top_successor"] == "■ end"
    # pairs: X -> Z is done by the same officer
    p = ag.pairs.set_index(["source", "target"])
    assert p.loc[("X", "Z"), "same_resource"] == pytest.approx(1.0)
    assert p.loc[("X", "Y"), "same_resource"] == pytest.approx(0.0)
    assert p.loc[("X", "Y"), "share_of_source"] == pytest.approx(0.8)
    assert int(p["count"].sum()) == ag.services["events"].sum() - ag.services["cases"].sum()


def test_handoffs_saved_by_removing_a_step() -> None:
    # o1 -> o2 -> o3: removing the middle step removes two hand-offs and adds one (o1 -> o3)
    steps = [("A", "o1", "u1", 0, 10), ("B", "o2", "u1", 10, 2), ("C", "o3", "u1", 10, 10)]
    ag = aggregate(build([steps] * 3), catalog=False)
    assert row(ag, "B")["handoffs_saved_per_event"] == pytest.approx(1.0)


def test_unit_exclusive_share() -> None:
    steps = [
        ("A", "o1", "desk", 0, 10),
        ("P", "p1", "police", 10, 60),  # the police do this step only
        ("B", "o2", "desk", 10, 10),
    ]
    ag = aggregate(build([steps] * 3), catalog=False)
    assert row(ag, "P")["unit_exclusive_share"] == pytest.approx(1.0)
    assert row(ag, "B")["unit_exclusive_share"] == pytest.approx(0.0)
    disjoint = ag.pairs.set_index(["source", "target"])["units_disjoint"]
    assert bool(disjoint[("A", "P")]) and bool(disjoint[("P", "B")])
    same_unit = [("A", "o1", "desk", 0, 10), ("B", "o2", "desk", 10, 10)]
    assert not bool(aggregate(build([same_unit] * 2), catalog=False).pairs["units_disjoint"].iloc[0])


# ---------------------------------------------------------------------------- knock-outs and roles
def _knockout_log(n: int = 10, rejected=(2, 5)) -> EventLog:
    cases = []
    for i in range(n):
        steps = [("Receive", "c1", "desk", 0, 10), ("Appraise", f"a{i % 2}", "unit", 30, 120), ("Verify", "v1", "unit", 30, 20)]
        if i in rejected:
            steps.append(("Reject", "c2", "desk", 20, 10))
        else:
            steps += [("Sign", "l1", "lead", 60, 5), ("Return", "c1", "desk", 30, 5)]
        cases.append(steps)
    return build(cases)


def test_knockout_ends_deciders_and_cost_before() -> None:
    ag = aggregate(_knockout_log(), catalog=False)
    svc = ag.service(ag.service_names[0])
    assert svc["start_activity"] == "Receive" and svc["end_activity"] == "Return"
    assert svc["knockout_ends"] == ("Reject",)
    assert set(svc["end_activities"]) == {"Return", "Reject"}
    assert svc["knockout_share"] == pytest.approx(0.2)
    k = ag.knockouts.set_index("decider").loc["Verify"]
    assert k["knockouts"] == 2 and k["decider_events"] == 10 and k["knockout_rate"] == pytest.approx(0.2)
    assert k["effort_before_hours_mean"] == pytest.approx((10 + 120) / 60)
    assert k["elapsed_before_hours_mean"] == pytest.approx((120 + 30 + 30) / 60)
    steps = ag.knockout_steps.set_index("activity")
    assert steps.loc["Appraise", "share"] == pytest.approx(1.0)
    assert steps.loc["Appraise", "proc_hours_mean"] == pytest.approx(2.0)
    v = row(ag, "Verify")
    assert v["knockout_next"] == 2 and v["knockout_next_share"] == pytest.approx(0.2)
    assert v["role"] == "decision" and v["kept"]
    assert row(ag, "Receive")["role"] == "start" and row(ag, "Return")["role"] == "end"
    assert row(ag, "Reject")["role"] == "end" and row(ag, "Reject")["knockout_end"]
    assert row(ag, "Appraise")["role"] == "" and not row(ag, "Appraise")["kept"]
    assert row(ag, "Appraise")["knockout_after_share"] == pytest.approx(0.2)


def test_outcome_column_decides_which_terminal_steps_are_knock_outs() -> None:
    log = _knockout_log()
    df = log.df.copy()
    # the 'Reject' dossiers are in fact approved: the outcome says so, so they are no knock-outs
    df["case:outcome"] = pd.Categorical(["approved"] * len(df))
    ag = aggregate(log.replace(df=df), catalog=False)
    assert ag.service(ag.service_names[0])["knockout_ends"] == ()
    df["case:outcome"] = pd.Categorical(np.where(df["case:concept:name"].isin(["c002", "c005"]), "rejected", "approved"))
    ag = aggregate(log.replace(df=df), catalog=False)
    assert ag.service(ag.service_names[0])["knockout_ends"] == ("Reject",)
    assert row(ag, "Verify")["outcome_mi_bits"] > 0.5  # its successor tells the outcome


def test_protect_and_catalog_mark_steps_as_kept() -> None:
    log = _knockout_log()
    ag = aggregate(log, catalog=False, protect=["Appraise"])
    a = row(ag, "Appraise")
    assert a["protected"] and a["protected_by"] == "protect" and a["role"] == "protected" and a["kept"]
    assert ag.is_kept(ag.service_names[0], "Appraise")
    # the built-in catalog protects the canonical signature step in every service
    df = log.df.copy()
    df["concept:name"] = df["concept:name"].cat.rename_categories({"Sign": "Ký duyệt kết quả"})
    ag = aggregate(log.replace(df=df))
    assert row(ag, "Ký duyệt kết quả")["protected_by"] == "catalog"
    assert not row(aggregate(log.replace(df=df), catalog=False), "Ký duyệt kết quả")["protected"]


def test_thresholds_can_be_overridden_and_are_checked() -> None:
    log = _knockout_log()
    loose = {"decision_share": 0.5, "routing_top_share": 0.5, "decision_mi_bits": 1.0}
    strict = aggregate(log, catalog=False, thresholds=loose)
    assert row(strict, "Verify")["role"] == ""  # 20% knock-outs no longer count as a decision
    assert strict.thresholds["decision_share"] == 0.5 and set(strict.thresholds) == set(ROLE_THRESHOLDS)
    with pytest.raises(ParameterError, match="unknown threshold.*decision_shares.*allowed: start_share"):
        aggregate(log, thresholds={"decision_shares": 0.5})
    with pytest.raises(ParameterError, match=r"catalog must be None .* or a procsimp Catalog; got int 42"):
        aggregate(log, catalog=42)


# ---------------------------------------------------------------------------- rework
def test_send_back_loop_and_its_trigger() -> None:
    plain = [("A", "o1", "u1", 0, 10), ("B", "o2", "u2", 10, 60), ("C", "o3", "u3", 10, 20), ("D", "o1", "u1", 10, 5)]
    back = plain[:3] + [("B", "o4", "u2", 10, 60), ("C", "o3", "u3", 10, 20), ("D", "o1", "u1", 10, 5)]
    ag = aggregate(build([plain] * 6 + [back] * 4), catalog=False)
    lp = ag.loops.set_index("activity").loc["B"]
    assert lp["loops"] == 4 and lp["cases"] == 4 and lp["case_share"] == pytest.approx(0.4)
    assert lp["via"] == "C" and lp["sent_back_by"] == "C" and lp["length_mean"] == pytest.approx(2)
    assert lp["elapsed_hours_mean"] == pytest.approx((20 + 10 + 10 + 60) / 60)
    assert list(ag.loops["activity"]) == ["B"]  # C's repeat lies inside B's loop: not a loop of its own
    c = row(ag, "C")
    assert c["rework_next_share"] == pytest.approx(4 / 14)  # first passes that lead back to B
    assert c["role"] == "decision"
    b = row(ag, "B")
    assert b["repeats"] == 4 and b["repeat_case_share"] == pytest.approx(0.4) and b["role"] == ""
    assert ag.service(ag.service_names[0])["rework_case_share"] == pytest.approx(0.4)


def test_supplement_loop_steps_are_rework_only() -> None:
    ok = [("Receive", "o1", "u1", 0, 10), ("Check", "o2", "u1", 10, 15), ("Work", "o3", "u2", 30, 90), ("Return", "o1", "u1", 10, 5)]
    supp = ok[:2] + [("Request", "o2", "u1", 5, 10), ("Resubmit", "cit", "citizen", 400, 5), ("Check", "o2", "u1", 10, 15)] + ok[2:]
    ag = aggregate(build([ok] * 7 + [supp] * 3), catalog=False)
    assert row(ag, "Request")["role"] == "rework" and row(ag, "Resubmit")["role"] == "rework"
    assert row(ag, "Check")["decision_rework"] and row(ag, "Check")["role"] == "decision"
    lp = ag.loops.set_index("activity").loc["Check"]
    assert lp["via"] == "Request" and lp["sent_back_by"] == "Resubmit"


# ---------------------------------------------------------------------------- order
def test_order_by_time_counts_ties_apart() -> None:
    pq = [("S", "o1", "u1", 0, 10), ("P", "o2", "u2", 10, 30), ("Q", "o3", "u3", 10, 30), ("E", "o1", "u1", 10, 5)]
    qp = [("S", "o1", "u1", 0, 10), ("Q", "o3", "u3", 10, 30), ("P", "o2", "u2", 10, 30), ("E", "o1", "u1", 10, 5)]
    log = build([pq] * 5 + [qp] * 3)
    ag = aggregate(log, catalog=False)
    o = ag.order.set_index(["a", "b"]).loc[("P", "Q")]
    assert (o["cases_both"], o["a_first"], o["b_first"], o["ties"], o["adjacent"]) == (8, 5, 3, 0, 8)
    assert o["minority_share"] == pytest.approx(3 / 8)
    # the same log with day-resolution times: P and Q on the same day have no order
    df = log.df.copy()
    for col in ("time:timestamp", "start_timestamp"):
        df[col] = df[col].dt.floor("D")
    ag = aggregate(frame_to_log(df), catalog=False)
    o = ag.order.set_index(["a", "b"]).loc[("P", "Q")]
    assert (o["a_first"], o["b_first"], o["ties"]) == (0, 0, 8)
    assert ag.service(ag.service_names[0])["tie_share"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- services
def test_services_are_separate_and_a_log_without_one_is_one_service() -> None:
    from procsimp.engine import DEFAULT_SERVICE

    a = [("S", "o1", "u1", 0, 10), ("X", "o2", "u1", 10, 10), ("E", "o1", "u1", 10, 5)]
    b = [("S", "o1", "u1", 0, 10), ("Y", "o2", "u1", 10, 10), ("E", "o1", "u1", 10, 5)]
    ag = aggregate(build([a, a, b], service=["One", "One", "Two"]), catalog=False)
    assert ag.service_names == ["One", "Two"]
    assert set(ag.activities.loc[ag.activities["service"] == "Two", "activity"]) == {"S", "Y", "E"}
    assert ag.service("One")["cases"] == 2 and ag.service("Two")["events"] == 3
    assert set(ag.pairs["service"]) == {"One", "Two"}
    with pytest.raises(ParameterError, match="service 'Three' is not in these aggregates; services: 'One', 'Two'"):
        ag.service("Three")
    one = aggregate(build([a, b]), catalog=False)
    assert one.service_names == [DEFAULT_SERVICE]


def test_empty_log_gives_empty_tables() -> None:
    log = build([[("A", "o1", "u1", 0, 10)]])
    empty = log.replace(df=log.df.iloc[:0].reset_index(drop=True))
    ag = aggregate(empty, catalog=False)
    assert ag.activities.empty and ag.services.empty and ag.summary()["events"] == 0


def test_display() -> None:
    ag = aggregate(_knockout_log(), catalog=False)
    assert repr(ag).startswith("LogAggregates(") and "cases=10" in repr(ag)
    html = ag._repr_html_()
    assert "<table" in html and "Verify" in html
    assert ag.summary()["start times"] is True


# ---------------------------------------------------------------------------- properties
STEPS = st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=7)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces=st.lists(STEPS, min_size=1, max_size=12), with_start=st.booleans())
def test_invariants_on_random_logs(traces: list[list[str]], with_start: bool) -> None:
    cases = [[(a, f"o{(j + i) % 3}", f"u{j % 2}", 5 + j, 3 + (i % 4)) for j, a in enumerate(t)] for i, t in enumerate(traces)]
    log = build(cases, start=with_start)
    before = log.df.copy(deep=True)
    ag = aggregate(log, catalog=False)
    pd.testing.assert_frame_equal(log.df, before)  # the log is not modified
    n_events, n_cases = sum(map(len, traces)), len(traces)
    acts = ag.activities
    assert acts["events"].sum() == n_events
    assert (acts["cases"] <= acts["events"]).all() and (acts["cases"] <= n_cases).all()
    pair_total = int(ag.pairs["count"].sum()) if len(ag.pairs) else 0
    assert pair_total == n_events - n_cases  # directly-follows pairs = events - cases
    shares = [c for c in acts.columns if c.endswith("_share")]
    values = acts[shares].to_numpy(dtype=float)
    assert np.all((values[np.isfinite(values)] >= 0) & (values[np.isfinite(values)] <= 1 + 1e-9))
    repeats = int(acts["repeats"].sum())
    assert (int(ag.loops["loops"].sum()) if len(ag.loops) else 0) <= repeats
    svc = ag.service(ag.service_names[0])
    assert svc["start_activity"] in svc["start_activities"] and svc["end_activity"] in svc["end_activities"]
    for name in (svc["start_activity"], svc["end_activity"]):
        assert ag.is_kept(ag.service_names[0], name)


# ---------------------------------------------------------------------------- agreement with the engine
def test_aggregates_agree_with_the_engine_tables() -> None:
    """The detectors' one-pass numbers are the engine's numbers (same definitions, same calendar)."""
    from procsimp import engine
    from procsimp.synth import generate

    log = generate(cases=400, seed=5, lang="en").log
    ag = aggregate(log)
    mine = ag.activities.merge(engine.activity_table(log), on=["service", "activity"], suffixes=("", "_engine"))
    assert len(mine) == len(ag.activities) == len(engine.activity_table(log))
    for col in ("events", "cases", "proc_hours_mean", "proc_hours_median", "proc_hours_p90", "wait_hours_mean",
                "wait_hours_median", "resources", "units", "is_start_share", "is_end_share"):
        np.testing.assert_allclose(mine[col].to_numpy(float), mine[f"{col}_engine"].to_numpy(float),
                                   rtol=1e-6, atol=1e-6, err_msg=col)
    dfg = engine.dfg(log)
    pairs = ag.pairs.merge(dfg, on=["service", "source", "target"], suffixes=("", "_engine"))
    assert len(pairs) == len(ag.pairs) == len(dfg)
    assert (pairs["count"] == pairs["count_engine"]).all() and (pairs["cases"] == pairs["cases_engine"]).all()
    np.testing.assert_allclose(pairs["wait_hours_mean"], pairs["wait_hours_mean_engine"], rtol=1e-6, atol=1e-6)
