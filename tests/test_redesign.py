"""Proposals on small hand-built logs: edits, replay arithmetic, refusals, selection, KPIs,
the Proposal object, the side-by-side diagram, and Hypothesis properties."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procsimp.core.calendar import default_calendar
from procsimp.core.log import ACTIVITY, CASE, RESOURCE, START, TIMESTAMP, UNIT, EventLog
from procsimp.errors import ParameterError
from procsimp.flag.flag import Flag
from procsimp.propose import (
    Automate,
    Eliminate,
    Merge,
    MoveEarlier,
    Parallelize,
    Proposal,
    apply_edits,
    edits_from_flags,
    kpis,
    load_edit_file,
    propose,
    select_flags,
    timeline,
)
from procsimp.read import frame_to_log

TZ = "Asia/Ho_Chi_Minh"


def make_log(cases: dict, *, received: dict | None = None, due: dict | None = None,
             outcome: dict | None = None) -> EventLog:
    """cases: {case: [(activity, start, end, officer, unit), ...]} with local 'YYYY-MM-DD HH:MM'."""
    rows = []
    for cid, steps in cases.items():
        for act, s, e, r, u in steps:
            row = {"case": cid, "act": act, "start": s, "end": e, "res": r, "unit": u}
            if received:
                row["rec"] = received[cid]
            if due:
                row["due"] = due[cid]
            if outcome:
                row["out"] = outcome[cid]
            rows.append(row)
    df = pd.DataFrame(rows)
    cols = {"case": "case", "activity": "act", "timestamp": "end", "start": "start",
            "resource": "res", "unit": "unit"}
    if received:
        cols["received"] = "rec"
    if due:
        cols["due"] = "due"
    if outcome:
        cols["outcome"] = "out"
    return frame_to_log(df, **cols)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_localize(TZ)


def events(log: EventLog, case: str) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    d = log.df[log.df[CASE] == case]
    return [(str(a), s, e) for a, s, e in zip(d[ACTIVITY], d[START], d[TIMESTAMP], strict=True)]


# 2025-03-03 is a Monday; office hours 07:30-11:30 and 13:30-17:00
RELAY = {
    "c1": [
        ("Receive", "2025-03-03 08:00", "2025-03-03 08:30", "o1", "U1"),
        ("Transfer", "2025-03-03 14:00", "2025-03-03 14:05", "o2", "U1"),
        ("AppraiseA", "2025-03-04 09:00", "2025-03-04 11:00", "o3", "U2"),
        ("AppraiseB", "2025-03-05 08:00", "2025-03-05 10:00", "o4", "U3"),
        ("Sign", "2025-03-06 09:00", "2025-03-06 09:30", "o5", "U4"),
        ("Return", "2025-03-06 15:00", "2025-03-06 15:10", "o1", "U1"),
    ],
    "c2": [
        ("Receive", "2025-03-03 09:00", "2025-03-03 09:20", "o1", "U1"),
        ("Transfer", "2025-03-04 08:00", "2025-03-04 08:02", "o2", "U1"),
        ("AppraiseA", "2025-03-04 14:00", "2025-03-04 16:00", "o3", "U2"),
        ("AppraiseB", "2025-03-06 08:00", "2025-03-06 09:00", "o4", "U3"),
        ("Sign", "2025-03-07 09:00", "2025-03-07 09:30", "o5", "U4"),
        ("Return", "2025-03-07 15:00", "2025-03-07 15:10", "o1", "U1"),
    ],
}
RELAY_RECEIVED = {"c1": "2025-03-03 07:45", "c2": "2025-03-03 08:50"}
RELAY_DUE = {"c1": "2025-03-05 17:00", "c2": "2025-03-07 12:00"}


@pytest.fixture(scope="module")
def relay_log() -> EventLog:
    return make_log(RELAY, received=RELAY_RECEIVED, due=RELAY_DUE)


# ============================================================================ edits
def test_edits_are_typed_and_validated() -> None:
    assert Eliminate("Transfer").key == ("eliminate", "Transfer", None)
    assert Merge("Print", "Enter").removed == ("Print",)
    assert Parallelize("A", "B").activities == ("A", "B")
    assert MoveEarlier("K", "A").key == ("move_earlier", "K", "A")
    assert Eliminate("Chuyển hồ sơ").describe("vi") == "Bỏ bước “Chuyển hồ sơ”."
    with pytest.raises(ParameterError, match="cannot be merged into itself"):
        Merge("A", "A")
    with pytest.raises(ParameterError, match="non-empty activity name"):
        Eliminate("")
    # NFC: a decomposed name is the same step as the precomposed one
    assert Eliminate("Chuye\u0302\u0309n").activity == "Chuyển"


def test_edits_from_flags_skip_recommendations() -> None:
    flags = [
        Flag("s", "Transfer", "relay_handoff", "eliminate", 0.9),
        Flag("s", "Print", "mergeable", "merge", 0.8, into="Enter"),
        Flag("s", "A", "parallelizable", "parallelize", 0.7, into="B"),
        Flag("s", "K", "late_knockout", "move_earlier", 0.7, into="Check"),
        Flag("s", "Request", "rework_loop", "fix_rework", 0.9),
        Flag("s", "Sign", "waiting_hotspot", "reduce_wait", 0.6),
        Flag("s", "Forward", "relay_handoff", "automate", 0.9),
    ]
    edits = edits_from_flags(flags)
    assert [e.key for e in edits] == [
        ("eliminate", "Transfer", None),
        ("merge", "Print", "Enter"),
        ("parallelize", "A", "B"),
        ("move_earlier", "K", "Check"),
        ("automate", "Forward", None),
    ]
    assert edits[0].flag is flags[0]
    assert isinstance(edits[-1], Automate) and edits[-1].flag is flags[-1]


# ============================================================================ the replay
def test_timeline_rebuilds_the_log_exactly(relay_log: EventLog) -> None:
    cal = default_calendar()
    tl = timeline(relay_log)
    start, end = tl.times()
    assert np.allclose(end, cal.work_minutes(pd.DatetimeIndex(relay_log.df[TIMESTAMP])), atol=1e-6)
    assert np.allclose(start, cal.work_minutes(pd.DatetimeIndex(relay_log.df[START])), atol=1e-6)
    # 08:30 -> 14:00 is 180 + 30 working minutes (lunch skipped), then 5 minutes of work
    assert tl.wait[1] == pytest.approx(210) and tl.proc[1] == pytest.approx(5)


def test_no_edits_give_back_the_same_events_and_kpis(relay_log: EventLog) -> None:
    result = apply_edits(relay_log, [])
    pd.testing.assert_frame_equal(result.log.df, relay_log.df)
    assert kpis(result.log) == kpis(relay_log)
    p = propose(relay_log, [], model=False)
    assert p.kpis_after == p.kpis_before
    assert p.edits == () and p.refused == ()


def test_eliminate_removes_the_step_with_its_wait(relay_log: EventLog) -> None:
    out = apply_edits(relay_log, [Eliminate("Transfer")]).log
    c1 = events(out, "c1")
    assert [a for a, _, _ in c1] == ["Receive", "AppraiseA", "AppraiseB", "Sign", "Return"]
    # Transfer took 210 min of waiting + 5 of work: everything after moves 215 working minutes
    assert c1[0][2] == ts("2025-03-03 08:30")  # before it: unchanged
    assert c1[1][1:] == (ts("2025-03-03 14:55"), ts("2025-03-03 16:55"))
    assert c1[4][2] == ts("2025-03-06 09:35")
    # the input is not touched
    assert "Transfer" in set(relay_log.df[ACTIVITY].astype(str))
    out.check()


def test_automate_keeps_the_step_with_no_officer_and_no_time(relay_log: EventLog) -> None:
    out = apply_edits(relay_log, [Automate("Transfer")]).log
    c1 = events(out, "c1")
    # the step stays, done the moment the previous one ends; everything after moves as much as
    # when it is eliminated (its 210 min of waiting and 5 of work are gone)
    assert [a for a, _, _ in c1] == ["Receive", "Transfer", "AppraiseA", "AppraiseB", "Sign", "Return"]
    assert c1[1][1:] == (ts("2025-03-03 08:30"), ts("2025-03-03 08:30"))
    assert c1[2][1:] == (ts("2025-03-03 14:55"), ts("2025-03-03 16:55"))
    assert c1[5][2] == ts("2025-03-06 09:35")
    row = out.df[(out.df[CASE] == "c1") & (out.df[ACTIVITY] == "Transfer")].iloc[0]
    assert pd.isna(row[RESOURCE])  # no officer
    assert set(out.df[RESOURCE].dropna()) == set(relay_log.df.loc[relay_log.df[ACTIVITY] != "Transfer", RESOURCE].dropna())
    out.check()


def test_merge_into_the_next_step_starts_when_the_merged_step_started(relay_log: EventLog) -> None:
    out = apply_edits(relay_log, [Merge("Transfer", "AppraiseA")]).log
    c1 = events(out, "c1")
    assert [a for a, _, _ in c1][:2] == ["Receive", "AppraiseA"]
    # AppraiseA starts at Transfer's start and does 5 + 120 minutes of work
    assert c1[1][1:] == (ts("2025-03-03 14:00"), ts("2025-03-03 16:05"))
    row = out.df[(out.df[CASE] == "c1") & (out.df[ACTIVITY] == "AppraiseA")].iloc[0]
    assert (row[RESOURCE], row[UNIT]) == ("o3", "U2")


def test_merge_into_the_previous_step_adds_the_work_and_drops_the_wait() -> None:
    log = make_log({
        "k": [
            ("Receive", "2025-03-03 08:00", "2025-03-03 08:30", "o1", "U1"),
            ("Enter", "2025-03-03 09:00", "2025-03-03 10:00", "o2", "U2"),
            ("Print", "2025-03-03 10:20", "2025-03-03 10:30", "o2", "U2"),
            ("Return", "2025-03-03 13:45", "2025-03-03 14:00", "o3", "U3"),
        ],
    })
    out = apply_edits(log, [Merge("Print", "Enter")]).log
    ev = events(out, "k")
    assert [a for a, _, _ in ev] == ["Receive", "Enter", "Return"]
    assert ev[1][1:] == (ts("2025-03-03 09:00"), ts("2025-03-03 10:10"))
    # Print's 20 minutes of waiting are gone: Return moves 20 working minutes earlier,
    # across the lunch break
    assert ev[2][1:] == (ts("2025-03-03 11:25"), ts("2025-03-03 13:40"))


def test_merge_without_the_absorbing_step_leaves_the_dossier_alone() -> None:
    log = make_log({
        "a": [("S", "2025-03-03 08:00", "2025-03-03 08:10", "o1", "U"),
              ("X", "2025-03-03 09:00", "2025-03-03 09:10", "o1", "U"),
              ("Y", "2025-03-03 10:00", "2025-03-03 10:10", "o1", "U"),
              ("T", "2025-03-03 11:00", "2025-03-03 11:10", "o1", "U")],
        "b": [("S", "2025-03-03 08:00", "2025-03-03 08:10", "o1", "U"),
              ("X", "2025-03-03 09:00", "2025-03-03 09:10", "o1", "U"),
              ("T", "2025-03-03 11:00", "2025-03-03 11:10", "o1", "U")],
    })
    result = apply_edits(log, [Merge("X", "Y")])
    assert [a for a, _, _ in events(result.log, "b")] == ["S", "X", "T"]
    assert events(result.log, "b") == events(log, "b")
    assert [a for a, _, _ in events(result.log, "a")] == ["S", "Y", "T"]
    assert result.effects[0].cases == 1
    assert "1 occurrence(s) kept" in result.effects[0].note


def test_parallel_steps_start_together_and_the_next_waits_for_the_longer(relay_log: EventLog) -> None:
    out = apply_edits(relay_log, [Parallelize("AppraiseA", "AppraiseB")]).log
    c1 = {a: (s, e) for a, s, e in events(out, "c1")}
    # both start after Transfer (14:05) after their own waits: 265 and 270 working minutes
    assert c1["AppraiseA"] == (ts("2025-03-04 09:00"), ts("2025-03-04 11:00"))
    assert c1["AppraiseB"] == (ts("2025-03-04 09:05"), ts("2025-03-04 11:05"))
    # Sign waits 390 minutes after the later branch (11:05), then works 30
    assert c1["Sign"] == (ts("2025-03-05 10:05"), ts("2025-03-05 10:35"))
    # the pair given in the other order is the same edit
    out2 = apply_edits(relay_log, [Parallelize("AppraiseB", "AppraiseA")]).log
    pd.testing.assert_frame_equal(out.df, out2.df)


def test_without_start_times_all_time_between_completions_is_waiting() -> None:
    df = pd.DataFrame({
        "c": ["a"] * 4,
        "x": ["S", "Relay", "Work", "T"],
        "t": ["2025-03-03 08:00", "2025-03-03 10:00", "2025-03-03 14:00", "2025-03-04 08:00"],
    })
    log = frame_to_log(df, case="c", activity="x", timestamp="t")
    p = propose(log, [], edits=[Eliminate("Relay")], model=False)
    out = p.to_be.df
    assert START not in out.columns
    # Relay took the 120 working minutes since S; Work and T move 120 working minutes earlier
    # (across the lunch break, and across the night for T)
    assert list(out[TIMESTAMP]) == [ts("2025-03-03 08:00"), ts("2025-03-03 10:00"), ts("2025-03-03 15:30")]
    assert any("no start times" in a for a in p.assumptions)


def test_overlapping_steps_share_a_stage() -> None:
    log = make_log({"o": [
        ("S", "2025-03-03 07:45", "2025-03-03 08:00", "o1", "U"),
        ("A", "2025-03-03 08:00", "2025-03-03 09:00", "o1", "U"),
        ("B", "2025-03-03 08:30", "2025-03-03 10:00", "o2", "U"),  # starts while A runs
        ("T", "2025-03-03 10:30", "2025-03-03 11:00", "o1", "U"),
    ]})
    tl = timeline(log)
    assert list(tl.stage) == [0.0, 1.0, 1.0, 2.0]
    # without A, B still runs as observed: A never delayed it
    no_a = events(apply_edits(log, [Eliminate("A")]).log, "o")
    assert no_a[1:] == events(log, "o")[2:]
    # without B, the stage ends when A ends: T moves 60 minutes earlier
    no_b = events(apply_edits(log, [Eliminate("B")]).log, "o")
    assert no_b[-1][1:] == (ts("2025-03-03 09:30"), ts("2025-03-03 10:00"))


KO_CASES = {}
for i, rejected in enumerate([True, True, False, False, False]):
    day = f"2025-03-{3 + i:02d}"
    steps = [
        ("Receive", f"{day} 08:00", f"{day} 08:10", "o1", "Desk"),
        ("Check", f"{day} 08:30", f"{day} 08:45", "o1", "Desk"),
        ("Transfer", f"{day} 09:45", f"{day} 09:47", "o2", "Desk"),
        ("Appraise", f"{day} 13:30", f"{day} 15:30", "o3", "Office"),
        ("Eligibility", f"{day} 16:00", f"{day} 16:30", "o3", "Office"),
    ]
    if rejected:
        steps.append(("Notify rejection", f"{day} 16:40", f"{day} 16:50", "o1", "Desk"))
    else:
        steps += [("Sign", f"{day} 16:40", f"{day} 16:50", "o4", "Lead"),
                  ("Return", f"{day} 16:55", f"{day} 17:00", "o1", "Desk")]
    KO_CASES[f"d{i}"] = steps


def test_a_knockout_moved_earlier_saves_the_steps_rejected_dossiers_skip() -> None:
    log = make_log(KO_CASES)
    p = propose(log, [], edits=[MoveEarlier("Eligibility", "Check")], model=False)
    assert [e.key for e in p.edits] == [("move_earlier", "Eligibility", "Check")]
    out = p.to_be
    # rejected: Transfer and Appraise are skipped; the check keeps its own 30 minutes of waiting
    rej = events(out, "d0")
    assert [a for a, _, _ in rej] == ["Receive", "Check", "Eligibility", "Notify rejection"]
    assert rej[2][1:] == (ts("2025-03-03 09:15"), ts("2025-03-03 09:45"))
    # approved: same steps, the check first, the same last completion
    ok = events(out, "d2")
    assert [a for a, _, _ in ok] == ["Receive", "Check", "Eligibility", "Transfer", "Appraise", "Sign", "Return"]
    assert ok[-1][2] == ts("2025-03-05 17:00")
    assert p.kpis_after["steps_per_case"] == pytest.approx((4 * 2 + 7 * 3) / 5)
    assert p.effects[0].events_removed == 4


# ============================================================================ refusals
def test_edits_that_would_remove_steps_that_must_stay_are_refused() -> None:
    log = make_log(KO_CASES)
    p = propose(
        log, [],
        protect=["Appraise"],
        edits=[
            Eliminate("Receive"), Eliminate("Return"), Eliminate("Eligibility"),
            Eliminate("Appraise"), Eliminate("Nope"), Eliminate("Transfer"),
            Merge("Transfer", "Appraise"), Parallelize("Receive", "Sign"),
        ],
        model=False,
    )
    assert [e.key for e in p.edits] == [("eliminate", "Transfer", None)]
    reasons = {r.edit.key: r.reason for r in p.refused}
    assert reasons[("eliminate", "Receive", None)] == "'Receive' must stay: it is the first step of the service"
    assert reasons[("eliminate", "Return", None)].startswith("'Return' must stay: it is a last step")
    assert "real decision" in reasons[("eliminate", "Eligibility", None)]
    assert "protected" in reasons[("eliminate", "Appraise", None)]
    assert reasons[("eliminate", "Nope", None)] == "the step 'Nope' does not occur in this service's log"
    assert "already removed" in reasons[("merge", "Transfer", "Appraise")]
    assert reasons[("parallelize", "Receive", "Sign")].startswith("it changes no dossier")
    assert all(r.reason_vi for r in p.refused)
    # refused steps are all still there, in every dossier
    for case in KO_CASES:
        assert {"Receive", "Appraise", "Eligibility"} <= {a for a, _, _ in events(p.to_be, case)}


# ============================================================================ choosing flags
FLAGS = [
    Flag("all", "Transfer", "relay_handoff", "eliminate", 0.9),
    Flag("all", "AppraiseA", "parallelizable", "parallelize", 0.7, into="AppraiseB"),
    Flag("all", "Sign", "waiting_hotspot", "reduce_wait", 0.5),
    Flag("other", "X", "relay_handoff", "eliminate", 0.9),
]


def test_select_flags_by_index_key_flag_edit_and_dict() -> None:
    assert select_flags(FLAGS)[0] == FLAGS
    assert select_flags(FLAGS, accept=[0])[0] == [FLAGS[0]]
    assert select_flags(FLAGS, accept=[("all", "eliminate", "Transfer", None)])[0] == [FLAGS[0]]
    assert select_flags(FLAGS, accept=[("parallelize", "AppraiseB", "AppraiseA")])[0] == [FLAGS[1]]
    assert select_flags(FLAGS, accept=[FLAGS[2]])[0] == [FLAGS[2]]
    assert select_flags(FLAGS, reject=[Eliminate("Transfer")])[0] == FLAGS[1:]
    chosen, extra = select_flags(FLAGS, accept=[{"action": "merge", "activity": "Sign", "into": "Return"}])
    assert chosen == [] and extra == [Merge("Sign", "Return")]
    with pytest.raises(ParameterError, match=r"flag index 9 is out of range; there are 4 flags"):
        select_flags(FLAGS, accept=[9])
    with pytest.raises(ParameterError, match="no flag matches"):
        select_flags(FLAGS, accept=[("eliminate", "Nothing", None)])


def test_propose_applies_the_accepted_flags_only(relay_log: EventLog) -> None:
    p = propose(relay_log, FLAGS, reject=[1], model=False)
    assert [e.key for e in p.edits] == [("eliminate", "Transfer", None)]
    assert [f.action for f in p.recommendations] == ["reduce_wait"]
    assert len(p.flags) == 3  # the other service's flag is not this service's
    assert p.kpis_after["steps_per_case"] == 5.0
    p2 = propose(relay_log, FLAGS, accept=[1], model=False)
    assert [e.key for e in p2.edits] == [("parallelize", "AppraiseA", "AppraiseB")]


def test_edit_files(tmp_path) -> None:
    f = tmp_path / "edits.yaml"
    f.write_text(
        "accept:\n  - {action: eliminate, activity: Transfer}\n"
        "  - {action: merge, activity: Sign, into: Return, service: S1}\n"
        "reject:\n  - {action: parallelize, activity: A, into: B}\n",
        encoding="utf-8",
    )
    ef = load_edit_file(f)
    assert [e["action"] for e in ef.accept] == ["eliminate", "merge"]
    assert ef.for_service("S2").accept == (ef.accept[0],)
    assert ef.reject[0]["into"] == "B"
    f.write_text("- {action: eliminate, activity: Transfer}\n", encoding="utf-8")
    assert load_edit_file(f).accept[0]["activity"] == "Transfer"
    f.write_text("flags:\n  - {action: eliminate, activity: T, accept: false}\n", encoding="utf-8")
    ef = load_edit_file(f)
    assert ef.accept == () and ef.reject[0]["activity"] == "T"
    f.write_text("accept:\n  - {action: remove, activity: T}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"edit file edits.yaml, accept entry 1: action 'remove' is not an edit"):
        load_edit_file(f)
    f.write_text("accept: [\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="is not valid YAML"):
        load_edit_file(f)
    with pytest.raises(ParameterError, match="does not exist"):
        load_edit_file(tmp_path / "missing.yaml")


# ============================================================================ KPIs and the result
def test_kpis_agree_with_the_profile(relay_log: EventLog) -> None:
    from procsimp.profile import profile

    k = kpis(relay_log)
    row = profile(relay_log).total
    assert k["cases"] == 2 and k["steps_per_case"] == 6.0
    # c1: 07:45 Monday -> Thursday 15:10; c2: 08:50 Monday -> Friday 15:10
    lead = [(ts("2025-03-06 15:10") - ts("2025-03-03 07:45")).total_seconds() / 86400,
            (ts("2025-03-07 15:10") - ts("2025-03-03 08:50")).total_seconds() / 86400]
    assert k["lead_time_days_mean"] == pytest.approx(np.mean(lead))
    for name in ("lead_days_mean", "lead_days_p90", "lead_workdays_mean", "steps_per_case"):
        ours = k[name.replace("lead_", "lead_time_")] if name.startswith("lead") else k[name]
        assert ours == pytest.approx(float(row[name]))
    assert k["on_time_rate"] == 0.0 and k["due_cases"] == 2  # both late
    after = propose(relay_log, [], edits=[Eliminate("Transfer"), Parallelize("AppraiseA", "AppraiseB")],
                    model=False).kpis_after
    assert after["on_time_rate"] == 1.0  # c1 now ends 2025-03-05 10:40 and c2 before noon Friday


def test_proposal_object(relay_log: EventLog) -> None:
    p = propose(relay_log, [], edits=[Eliminate("Transfer"), Parallelize("AppraiseA", "AppraiseB")])
    assert isinstance(p, Proposal)
    assert p.removed == ("Transfer",)
    assert p.model is not None and p.model.sound and p.model.fitness >= 0.95
    j = p.kpis_json()
    assert {"service", "before", "after", "assumptions", "assumptions_vi"} <= set(j)
    assert len(j["assumptions"]) == len(j["assumptions_vi"]) >= 5
    assert any("maximum, not the sum" in a for a in j["assumptions"])
    assert j["edits"][0]["cases"] == 2
    assert "Eliminate “Transfer”" in p._repr_html_()
    assert repr(p).startswith("Proposal(service='all', edits=2, refused=0")
    assert set(p.dfg["source"]) | set(p.dfg["target"]) == {"Receive", "AppraiseA", "AppraiseB", "Sign", "Return"}
    frame = p.kpi_frame()
    assert list(frame["kpi"])[:2] == ["cases", "lead_time_days_mean"]


def test_propose_errors(relay_log: EventLog) -> None:
    with pytest.raises(ParameterError, match="propose needs an EventLog, got DataFrame"):
        propose(relay_log.df)
    with pytest.raises(ParameterError, match="is not in the log"):
        propose(relay_log, [], service="Passports")
    with pytest.raises(ParameterError, match=r"flags\[0\] is not a Flag"):
        propose(relay_log, ["eliminate Transfer"])
    two = frame_to_log(
        pd.DataFrame({"c": ["a", "b"], "a": ["X", "Y"], "t": ["2025-03-03 08:00", "2025-03-03 09:00"],
                      "s": ["S1", "S2"]}),
        case="c", activity="a", timestamp="t", service="s",
    )
    with pytest.raises(ParameterError, match=r"has 2 services \('S1', 'S2'\); a proposal is for one service"):
        propose(two, [])


def test_side_by_side_diagram(relay_log: EventLog, tmp_path) -> None:
    p = propose(relay_log, [], edits=[Eliminate("Transfer"), Parallelize("AppraiseA", "AppraiseB")],
                model=False)
    dot = p.diagram(lang="vi")
    src = dot.source
    assert "subgraph cluster_asis" in src and "subgraph cluster_tobe" in src
    assert "cluster_tobe_par" in src and "song song" in src
    assert "Thời gian giải quyết (TB)" in src
    svg = p.write_diagram(tmp_path / "d.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "Transfer" in svg and "Hiện trạng" not in svg  # default lang en
    assert "#f5f5f5" in svg  # the removed step is ghosted
    assert p.write_diagram(tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert p.write_diagram(tmp_path / "d.pdf").read_bytes()[:5] == b"%PDF-"
    merged = propose(make_log({
        "k": [("Receive", "2025-03-03 08:00", "2025-03-03 08:30", "o1", "U1"),
              ("Enter", "2025-03-03 09:00", "2025-03-03 10:00", "o2", "U2"),
              ("Print", "2025-03-03 10:20", "2025-03-03 10:30", "o2", "U2"),
              ("Return", "2025-03-03 13:45", "2025-03-03 14:00", "o3", "U3")]}),
        [], edits=[Merge("Print", "Enter")], model=False)
    src = merged.diagram().source
    assert "cluster_asis_merge" in src and "peripheries=2" in src and "+ Print" in src


# ============================================================================ properties
ACTS = ["A", "B", "C", "D", "E"]


@st.composite
def random_logs(draw):
    cal = default_calendar()
    base = float(cal.work_minutes(pd.Timestamp("2025-03-03 07:30", tz=TZ)))
    n_cases = draw(st.integers(1, 5))
    rows = []
    for c in range(n_cases):
        body = draw(st.lists(st.sampled_from(ACTS), min_size=0, max_size=6))
        clock = base + draw(st.integers(0, 2000))
        for act in ["S", *body, "T"]:
            wait = draw(st.integers(0, 600))
            proc = draw(st.integers(0, 120))
            s, e = clock + wait, clock + wait + proc
            clock = e
            rows.append((f"c{c}", act, s, e, draw(st.sampled_from(["o1", "o2", "o3"])),
                         draw(st.sampled_from(["U1", "U2"]))))
    df = pd.DataFrame(rows, columns=["case", "act", "s", "e", "res", "unit"])
    df["s"] = cal.from_work_minutes(df["s"].to_numpy())
    df["e"] = cal.from_work_minutes(df["e"].to_numpy())
    return frame_to_log(df, case="case", activity="act", timestamp="e", start="s",
                               resource="res", unit="unit")


edit_strategy = st.one_of(
    st.builds(Eliminate, st.sampled_from(ACTS)),
    st.builds(Merge, st.sampled_from(ACTS[:2]), st.sampled_from(ACTS[2:])),
    st.builds(Parallelize, st.sampled_from(ACTS[:3]), st.sampled_from(ACTS[3:])),
    st.builds(MoveEarlier, st.sampled_from(ACTS[3:]), st.sampled_from(ACTS[:3])),
)


def _acts_per_case(log: EventLog) -> dict[str, Counter]:
    return {
        str(c): Counter(map(str, g[ACTIVITY]))
        for c, g in log.df.groupby(CASE, observed=True, sort=False)
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=random_logs(), edits=st.lists(edit_strategy, max_size=4),
       protect=st.lists(st.sampled_from(ACTS), max_size=2, unique=True))
def test_properties_of_proposals(log: EventLog, edits, protect) -> None:
    protect = [a for a in protect if a in set(log.df[ACTIVITY].astype(str))]  # unknown steps are refused
    cal = default_calendar()  # the calendar of the checks below, whatever hours the log's times suggest
    p = propose(log, [], edits=edits, protect=protect, model=False, calendar=cal)
    before, after = _acts_per_case(log), _acts_per_case(p.to_be)
    assert set(after) == set(before)  # no dossier is lost or invented
    lead_before = kpis(log)["lead_time_workdays_mean"]
    for case, acts in after.items():
        assert not (acts - before[case]), f"{case}: the proposal added steps {acts - before[case]}"
        for step in [*protect, "S", "T"]:  # protected, first and last steps survive
            assert acts[step] == before[case][step]
    # no dossier gets slower
    def lead(lg: EventLog) -> pd.Series:
        g = lg.df.groupby(CASE, observed=True)
        first = g[START].min()
        last = g[TIMESTAMP].max()
        return pd.Series(cal.working_minutes_between(first, last), index=first.index)

    assert (lead(p.to_be) <= lead(log) + 1e-6).all()
    assert p.kpis_after["lead_time_workdays_mean"] <= lead_before + 1e-9
    p.to_be.check()
    # no edits: the very same KPIs
    assert propose(log, [], protect=protect, model=False, calendar=cal).kpis_after == kpis(log)
