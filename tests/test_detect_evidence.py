"""Evidence the detectors must see before they speak, on hand-built logs.

* parallelisable steps: never a pair that already runs in parallel (the steps overlap in time),
  never a pair whose order changes the work, never two steps with a hand-off of work between
  them (an assignment and the work it assigns, a consultation and the step that waits for it);
  two bodies consulted one after the other are paired when neither refuses often, but never a
  step the law requires;
* mergeable steps: a follow-up by the same officer is folded into the step it follows (counted
  per dossier, whatever the send-backs), never a re-check that waits far longer than it works,
  an assignment before the work it assigns, and a step whose next step varies only because two
  independent steps swap is no decision;
* late knock-outs: a dossier that ends early is not a rejection unless the outcome, the end
  step's name or a separate end step after a decision says so.

Times are working minutes of the default calendar; case ``i`` begins ``i`` working days after
the first one.
"""

from __future__ import annotations

import pandas as pd
import pytest

from procsimp.core.calendar import default_calendar
from procsimp.core.log import START, EventLog
from procsimp.flag import LateKnockout, Mergeable, Parallelizable, aggregate, flag_steps
from procsimp.flag._common import routing_only_by_swap
from procsimp.read import frame_to_log

TZ = "Asia/Ho_Chi_Minh"
DAY = 450.0


def log_of(cases: list[list[tuple[str, str, str, float, float]]], outcome: list[str] | None = None) -> EventLog:
    """cases: lists of (activity, officer, unit, start, end), in working minutes from the case's
    beginning; ``outcome``: one value per case (or no outcome column)."""
    cal = default_calendar()
    w0 = float(cal.work_minutes(pd.Timestamp("2025-03-03 08:00", tz=TZ)))
    rows = []
    for i, steps in enumerate(cases):
        for act, officer, unit, s, e in steps:
            rows.append((f"c{i:03d}", act, w0 + i * DAY + s, w0 + i * DAY + e, officer, unit))
    df = pd.DataFrame(rows, columns=["case", "activity", "start", "end", "officer", "unit"])
    df["start"] = cal.from_work_minutes(df["start"].to_numpy())
    df["end"] = cal.from_work_minutes(df["end"].to_numpy())
    cols = {"case": "case", "activity": "activity", "timestamp": "end", "start": "start",
            "resource": "officer", "unit": "unit"}
    if outcome is not None:
        df["outcome"] = [outcome[int(c[1:])] for c in df["case"]]
        cols["outcome"] = "outcome"
    return frame_to_log(df, **cols)


def sequence(steps: list[tuple[str, str, str, float, float]]) -> list[tuple[str, str, str, float, float]]:
    """(activity, officer, unit, wait, processing) one after the other -> (.., start, end)."""
    out, t = [], 0.0
    for act, officer, unit, wait, proc in steps:
        out.append((act, officer, unit, t + wait, t + wait + proc))
        t += wait + proc
    return out


def parallel_flags(log: EventLog) -> list:
    return Parallelizable().detect(aggregate(log, catalog=False))


# ---------------------------------------------------------------------------- parallel pairs
def _two_orders(*, overlap: int = 0, q_slower_second: bool = False) -> EventLog:
    """P and Q, by two specialist units, done in either order (12 P first, 8 Q first); in the
    first ``overlap`` cases the second starts before the first has ended."""
    cases = []
    for i in range(20):
        first, second = ("P", "Q") if i < 12 else ("Q", "P")
        start2 = 60 if i < overlap else 100
        q_proc = 120 if (q_slower_second and second == "Q") else 60
        d1 = q_proc if first == "Q" else 60
        d2 = q_proc if second == "Q" else 60
        unit = {"P": "police", "Q": "court"}
        cases.append([
            ("S", "o1", "desk", 0, 10),
            (first, f"{first}1", unit[first], 20, 20 + d1),
            (second, f"{second}1", unit[second], start2, start2 + d2),
            ("W", "o2", "desk", 300, 360),
            ("E", "o1", "desk", 380, 390),
        ])
    return log_of(cases)


def test_pair_done_in_either_order_is_flagged() -> None:
    flags = parallel_flags(_two_orders())
    assert [(f.activity, f.into, f.evidence["signal"]) for f in flags] == [("P", "Q", "both_orders")]
    ev = flags[0].evidence
    assert ev["overlap_share"] == 0.0 and ev["processing_change_with_order"] == pytest.approx(0.0)
    assert ev["knockout_share_change_with_order"] == 0.0


def test_pair_in_either_order_without_start_times_is_less_certain() -> None:
    log = _two_orders()
    log = log.replace(df=log.df.drop(columns=[START]))  # only completion times
    flags = parallel_flags(log)
    assert [(f.activity, f.into) for f in flags] == [("P", "Q")]
    assert flags[0].confidence <= 0.6 < parallel_flags(_two_orders())[0].confidence
    assert flags[0].evidence["processing_change_with_order"] is None


def test_pair_that_already_overlaps_in_time_is_not_flagged() -> None:
    log = _two_orders(overlap=10)  # the second step starts before the first ends in half the cases
    o = aggregate(log, catalog=False).order.set_index(["a", "b"]).loc[("P", "Q")]
    assert o["overlap"] == 10 and o["overlap_share"] == pytest.approx(0.5)
    assert parallel_flags(log) == []
    assert parallel_flags(_two_orders(overlap=1))  # one overlap in twenty is no parallel practice


def test_pair_whose_order_changes_the_work_is_not_flagged() -> None:
    log = _two_orders(q_slower_second=True)  # Q takes twice as long after P: it uses P's result
    o = aggregate(log, catalog=False).order.set_index(["a", "b"]).loc[("P", "Q")]
    assert o["b_proc_hours_first"] == pytest.approx(1.0) and o["b_proc_hours_second"] == pytest.approx(2.0)
    assert parallel_flags(log) == []


def test_sequential_consultations_of_two_bodies_are_flagged() -> None:
    steps = [("S", "o1", "desk", 0, 10), ("Police check", "p1", "police", 30, 60),
             ("Court check", "k1", "court", 30, 60), ("Work", "o2", "desk", 30, 60), ("E", "o1", "desk", 30, 5)]
    flags = parallel_flags(log_of([sequence(steps)] * 12))
    assert [(f.activity, f.into, f.evidence["signal"]) for f in flags] == [("Police check", "Court check", "sequential_units")]
    assert flags[0].evidence["second_unit_holds_dossier"] == 0.0


def test_assignment_and_the_work_it_assigns_are_not_flagged() -> None:
    # the lead assigns, the team enters the data and goes on with the dossier: a hand-off of work
    steps = [("S", "o1", "desk", 0, 10), ("Check", "t1", "team", 30, 20), ("Assign", "l1", "lead", 30, 40),
             ("Enter data", "t2", "team", 30, 40), ("Appraise", "t2", "team", 30, 60), ("E", "o1", "desk", 30, 5)]
    assert parallel_flags(log_of([sequence(steps)] * 12)) == []


def test_consultation_the_next_step_waits_for_is_not_flagged() -> None:
    # the team sends the dossier to the insurer and appraises it when the answer is back
    steps = [("S", "o1", "desk", 0, 10), ("Status", "t1", "team", 30, 20), ("Insurance", "i1", "insurer", 30, 60),
             ("Appraise", "t2", "team", 30, 90), ("Review", "l1", "lead", 30, 20), ("E", "o1", "desk", 30, 5)]
    log = log_of([sequence(steps)] * 12)
    pair = aggregate(log, catalog=False).pairs.set_index(["source", "target"]).loc[("Insurance", "Appraise")]
    assert pair["returns_to_target_unit"] == pytest.approx(1.0)
    assert parallel_flags(log) == []


def _consultations(*, refused: int, court_minutes: float = 60) -> EventLog:
    """Forty dossiers: the desk asks the police, then the court, always in that order, and the
    leader signs; the court refuses ``refused`` of them (the desk notifies the applicant)."""
    cases = []
    for i in range(40):
        head = [("S", "o1", "desk", 0, 10), ("Police check", "p1", "police", 30, 60),
                ("Court check", "k1", "court", 30, court_minutes)]
        tail = [("Refusal", "o1", "desk", 30, 5)] if i < refused else [("Sign", "l1", "lead", 30, 10),
                                                                        ("E", "o1", "desk", 30, 5)]
        cases.append(sequence(head + tail))
    return log_of(cases)


def test_consultations_in_sequence_are_paired_when_one_body_rarely_refuses() -> None:
    log = _consultations(refused=2, court_minutes=20)  # 5% refused; a third of an hour of work
    court = aggregate(log, catalog=False).activities.set_index("activity").loc["Court check"]
    assert court["decision"] and court["decision_knockout"] and not court["decision_rework"]
    assert court["sent_back_share"] < 0.5  # the dossier goes on to the leader, not back to the desk
    flags = parallel_flags(log)
    assert [(f.activity, f.into, f.evidence["signal"]) for f in flags] == [("Police check", "Court check", "sequential_units")]
    # a body that refuses often is asked first: its refusals spare the other body's work
    assert parallel_flags(_consultations(refused=12)) == []
    # ... and so is one whose opinion is no more than a stamp (under a quarter hour)
    assert parallel_flags(_consultations(refused=2, court_minutes=10)) == []


def test_a_step_the_law_requires_keeps_its_place_after_a_consultation() -> None:
    steps = [("S", "o1", "desk", 0, 10), ("Police check", "p1", "police", 30, 60), ("Sign", "l1", "lead", 30, 30),
             ("E", "o1", "desk", 30, 5)]
    log = log_of([sequence(steps)] * 12)
    assert [(f.activity, f.into) for f in parallel_flags(log)] == [("Police check", "Sign")]
    protected = Parallelizable().detect(aggregate(log, catalog=False, protect=["Sign"]))
    assert protected == []


# ---------------------------------------------------------------------------- mergeable steps
def merge_flags(log: EventLog) -> list:
    return [f for f in flag_steps(log, catalog=False, calibration=False) if f.action == "merge"]


def _follow_up(*, wait: float, proc: float, sent_back: int = 0) -> EventLog:
    """Twenty dossiers: the officer who appraises also drafts, ``wait`` minutes later; the head
    reviews and sends ``sent_back`` dossiers back to the appraisal once (no new draft)."""
    cases = []
    for i in range(20):
        steps = [("S", "o1", "desk", 0, 10), ("Appraise", f"a{i % 3}", "unit", 120, 90),
                 ("Draft", f"a{i % 3}", "unit", wait, proc), ("Review", "h1", "unit", 60, 20)]
        if i < sent_back:
            steps += [("Appraise", f"a{i % 3}", "unit", 60, 45), ("Review", "h1", "unit", 60, 20)]
        cases.append(sequence(steps + [("E", "o1", "desk", 30, 5)]))
    return log_of(cases)


def test_a_follow_up_by_the_same_officer_is_folded_into_the_step_it_follows() -> None:
    flags = merge_flags(_follow_up(wait=20, proc=30, sent_back=4))
    assert [(f.activity, f.into) for f in flags] == [("Draft", "Appraise")]
    ev = flags[0].evidence
    # the appraisals done again after a send-back have no draft after them: counted per dossier,
    # every dossier that is appraised goes on to the draft
    assert ev["first_followed_by_second"] == pytest.approx(20 / 24, abs=1e-3)
    assert ev["first_goes_on_share"] == pytest.approx(1.0)
    assert ev["wait_to_proc_ratio_second"] == pytest.approx(20 / 30, rel=0.05)


def test_a_recheck_that_waits_far_longer_than_it_works_is_no_follow_up() -> None:
    # the same officer checks the work again the next day, for a quarter of an hour
    assert merge_flags(_follow_up(wait=400, proc=15)) == []
    loose = Mergeable(max_wait_ratio=100.0).detect(aggregate(_follow_up(wait=400, proc=15), catalog=False))
    assert [(f.activity, f.into) for f in loose] == [("Draft", "Appraise")]


def test_an_assignment_is_not_merged_into_the_work_it_assigns() -> None:
    # the officer assigns the dossier to themself, then appraises it, which rejects some
    cases = []
    for i in range(20):
        steps = [("S", "o1", "desk", 0, 10), ("Assign", f"a{i % 3}", "unit", 60, 15),
                 ("Appraise", f"a{i % 3}", "unit", 20, 90)]
        steps += [("Refusal", "o1", "desk", 30, 5)] if i < 3 else [("Sign", "l1", "lead", 60, 10), ("E", "o1", "desk", 30, 5)]
        cases.append(sequence(steps))
    log = log_of(cases)
    assert aggregate(log, catalog=False).activities.set_index("activity").loc["Appraise", "kept"]
    assert merge_flags(log) == []


@pytest.mark.parametrize(("refuser", "flagged"), [("Court check", True), ("Appraise", False)])
def test_the_appraisal_that_refuses_is_not_paired_with_the_consultation_after_it(refuser: str, flagged: bool) -> None:
    # a unit that does nothing else appraises the dossier the desk hands it, then a body that
    # does nothing else is consulted; two of forty are refused. Refused by the body, asked on the
    # appraised dossier, the two are consultations in sequence; refused by the appraisal, the
    # first substantial work after the intake, it is the decision the consultation waits for
    cases = []
    for i in range(40):
        steps = [("S", "o1", "desk", 0, 10), ("Appraise", "a1", "unit", 30, 60), ("Court check", "k1", "court", 30, 60)]
        if i < 2:
            steps = steps[: 2 if refuser == "Appraise" else 3] + [("Refusal", "o1", "desk", 30, 5)]
        else:
            steps += [("Sign", "l1", "lead", 30, 10), ("E", "o1", "desk", 30, 5)]
        cases.append(sequence(steps))
    log = log_of(cases)
    row = aggregate(log, catalog=False).activities.set_index("activity").loc[refuser]
    assert row["decision_knockout"] and row["unit_exclusive_share"] >= 0.9
    pairs = [(f.activity, f.into) for f in parallel_flags(log)]
    assert pairs == ([("Appraise", "Court check")] if flagged else [])


def test_a_follow_up_before_two_swapping_steps_is_no_decision() -> None:
    # after the draft, the police and the court are asked in either order: the draft's next step
    # varies, but that is no decision
    cases = []
    for i in range(30):
        bodies = [("Police check", "p1", "police", 60, 60), ("Court check", "k1", "court", 60, 60)]
        steps = [("S", "o1", "desk", 0, 10), ("Appraise", f"a{i % 3}", "unit", 120, 90),
                 ("Draft", f"a{i % 3}", "unit", 20, 30), *(bodies[::-1] if i % 3 == 0 else bodies),
                 ("Sign", "l1", "lead", 60, 10), ("E", "o1", "desk", 30, 5)]
        cases.append(sequence(steps))
    log = log_of(cases)
    ag = aggregate(log, catalog=False)
    draft = ag.row(ag.service_names[0], "Draft")
    assert draft["role"] == "decision" and draft["decision_routing"]
    assert routing_only_by_swap(ag, draft)
    assert [(f.activity, f.into) for f in merge_flags(log)] == [("Draft", "Appraise")]


# ---------------------------------------------------------------------------- late knock-outs
HEAD = [("Receive", "o1", "desk", 0, 10), ("Appraise", "a1", "unit", 30, 120), ("Verify", "v1", "unit", 30, 20)]
TAIL = [("Draft", "d1", "unit", 30, 30), ("Sign", "l1", "lead", 60, 5), ("Return", "o1", "desk", 30, 5)]


def _early_ends(end_name: str = "Note", outcome: bool = False) -> tuple[EventLog, list[str]]:
    """Fifteen dossiers go the whole way; five stop at ``end_name`` right after 'Verify', which
    comes after two hours of appraisal. Three of the complete dossiers also pass ``end_name``
    on their way, so it is not a separate end step."""
    cases, outcomes = [], []
    head, tail = HEAD, TAIL
    for i in range(20):
        if i < 5:
            steps = [*head, (end_name, "o1", "desk", 20, 10)]
            outcomes.append("rejected")
        elif i < 8:
            steps = [*head, (end_name, "o1", "desk", 20, 10), *tail]
            outcomes.append("approved")
        else:
            steps = [*head, *tail]
            outcomes.append("approved")
        cases.append(sequence(steps))
    return log_of(cases, outcomes if outcome else None), outcomes


def test_an_early_end_without_evidence_is_no_rejection() -> None:
    log, _ = _early_ends()
    ag = aggregate(log, catalog=False)
    note = ag.activity(ag.service_names[0], "Note")
    assert note["knockout_end"] and note["rejection_evidence"] == ""  # dossiers end there, that is all
    assert ag.knockouts.empty
    assert LateKnockout().detect(ag) == []
    assert not [f for f in flag_steps(log, catalog=False) if f.action == "move_earlier"]


@pytest.mark.parametrize(
    ("end_name", "outcome", "evidence"),
    [("Note", True, "outcome"), ("Notify rejection", False, "name"), ("Thông báo từ chối", False, "name")],
)
def test_a_rejection_after_costly_work_is_flagged(end_name: str, outcome: bool, evidence: str) -> None:
    log, _ = _early_ends(end_name, outcome=outcome)
    flags = LateKnockout().detect(aggregate(log, catalog=False))
    assert [(f.activity, f.into) for f in flags] == [("Verify", "Receive")]
    assert flags[0].evidence["rejection_evidence"] == evidence
    assert flags[0].explanation["en"].startswith("5 dossiers (25%) are rejected right after “Verify”")
    assert "bị từ chối" in flags[0].explanation["vi"]


def test_a_separate_end_step_after_a_decision_counts_with_less_confidence() -> None:
    # 'Close' ends every dossier that reaches it, right after a step that sends most dossiers on
    cases = []
    for i in range(14):
        tail = [("Close", "o1", "desk", 20, 10)] if i < 5 else TAIL
        cases.append(sequence([*HEAD, *tail]))
    ag = aggregate(log_of(cases), catalog=False)
    assert ag.activity(ag.service_names[0], "Close")["rejection_evidence"] == "end_step"
    flags = LateKnockout().detect(ag)
    assert [(f.activity, f.evidence["rejection_evidence"]) for f in flags] == [("Verify", "end_step")]
    assert flags[0].confidence <= 0.6
    assert "stop at “Close” right after “Verify”" in flags[0].explanation["en"]
    assert "rejected" not in flags[0].explanation["en"]


@pytest.mark.parametrize(("with_appraisal", "flagged"), [(5, True), (3, False)])
def test_a_costly_branch_only_some_dossiers_take_is_no_late_knockout(with_appraisal: int, flagged: bool) -> None:
    # five dossiers are rejected right after 'Verify'; ``with_appraisal`` of them went through
    # the two-hour appraisal before it: done for every rejected dossier, the check comes too
    # late; done only on a branch some dossiers are routed to, 'Verify' is the main decision
    cases = []
    for i in range(20):
        head = HEAD if i >= 5 or i < with_appraisal else [h for h in HEAD if h[0] != "Appraise"]
        cases.append(sequence([*head, ("Notify rejection", "o1", "desk", 20, 10)] if i < 5 else [*head, *TAIL]))
    flags = LateKnockout().detect(aggregate(log_of(cases), catalog=False))
    assert [(f.activity, f.into) for f in flags] == ([("Verify", "Receive")] if flagged else [])


@pytest.mark.parametrize(("screened", "flagged"), [(6, False), (3, True)])
def test_no_late_knockout_when_dossiers_are_already_screened_out_early(screened: int, flagged: bool) -> None:
    # an early eligibility check rejects ``screened`` dossiers before the appraisal; the review
    # after it rejects 5 more: when the early check already rejects as many, the later
    # rejections are the ones that need the appraisal's result
    cases = []
    head = [("Receive", "o1", "desk", 0, 10), ("Eligibility", "c1", "desk", 20, 15)]
    work = [("Appraise", "a1", "unit", 30, 120), ("Review", "v1", "unit", 30, 20)]
    for i in range(30):
        if i < screened:
            steps = [*head, ("Notify rejection", "o1", "desk", 20, 10)]
        elif i < screened + 5:
            steps = [*head, *work, ("Notify rejection", "o1", "desk", 20, 10)]
        else:
            steps = [*head, *work, *TAIL]
        cases.append(sequence(steps))
    ag = aggregate(log_of(cases), catalog=False)
    k = ag.knockouts.set_index("decider")
    assert k.loc["Eligibility", "knockouts"] == screened and k.loc["Review", "knockouts"] == 5
    flags = LateKnockout().detect(ag)
    assert [(f.activity, f.into) for f in flags] == ([("Review", "Eligibility")] if flagged else [])
