"""Relays, reviews and re-checks told apart by how dossiers are handled, on small hand-made logs.

Each log is one service whose dossiers go through a fixed list of steps; a step is done by a
unit, by an officer of that unit (or, with a share, by the officer of the step before it), after
a wait and with a processing time (working minutes). The tests check one behaviour each:

* a re-check by the officer who just did the work, that never finds anything, is a duplicate
  check; a step the same officer takes up right after the work is a follow-up, not a re-check;
* consultations of other bodies one after the other are opinions, not rubber stamps, while a
  review of a few minutes by a level that does nothing else is one, even right after a
  consultation;
* the back office's dispatch of a dossier that just arrived from the desk (a head assigning it
  to a specialist) is neither a relay nor a re-check;
* the officer who takes the dossier back from a consulted body and only passes it on is a relay,
  and a transfer the rules require is automated whoever does it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from procsimp.core.calendar import WorkCalendar
from procsimp.core.log import EventLog
from procsimp.flag import flag_steps
from procsimp.read import frame_to_log

CAL = WorkCalendar()  # 07:30-11:30, 13:30-17:00


@dataclass(frozen=True)
class S:
    """One step: name, unit, officers in the unit, median wait and processing (working minutes),
    share of dossiers in which the officer of the step before does it (when of the same unit),
    and share of dossiers it rejects."""

    name: str
    unit: str
    officers: int
    wait: float
    proc: float
    same: float = 0.0
    reject: float = 0.0


def dossier_log(steps: Sequence[S], *, cases: int = 240, seed: int = 0) -> EventLog:
    """The events of ``cases`` dossiers through ``steps`` (a rejection ends the dossier with a
    notice from the desk), with start and completion times inside office hours."""
    rng = np.random.default_rng(seed)
    first = float(CAL.work_minutes(pd.DatetimeIndex([pd.Timestamp("2025-03-03 07:30", tz="Asia/Ho_Chi_Minh")]))[0])
    rows: list[tuple[str, str, float, float, str, str]] = []
    for c in range(cases):
        clock = first + c * 47.0
        last_officer, last_unit = "", ""
        for s in steps:
            clock += s.wait * float(np.exp(0.3 * rng.standard_normal()))
            start = clock
            clock += s.proc * float(np.exp(0.2 * rng.standard_normal()))
            if s.unit == last_unit and rng.random() < s.same:
                officer = last_officer
            else:
                officer = f"{s.unit}-{int(rng.integers(s.officers))}"
            rows.append((f"D{c:04d}", s.name, start, clock, officer, s.unit))
            last_officer, last_unit = officer, s.unit
            if s.reject and rng.random() < s.reject:
                clock += 30.0
                rows.append((f"D{c:04d}", "Notify rejection", clock, clock + 10.0, "desk-0", "desk"))
                break
    df = pd.DataFrame(rows, columns=["case", "activity", "w_start", "w_end", "officer", "unit"])
    df["start"] = CAL.from_work_minutes(df["w_start"].to_numpy())
    df["time"] = CAL.from_work_minutes(df["w_end"].to_numpy())
    df["service"] = "Test service"
    return frame_to_log(
        df.drop(columns=["w_start", "w_end"]), case="case", activity="activity", timestamp="time",
        start="start", resource="officer", unit="unit", service="service",
    )


def flags_of(log: EventLog, **options: object) -> dict[str, list[tuple[str, str]]]:
    """step -> [(detector, action)] of the flags that remove or automate a step."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flags = flag_steps(log, calendar=CAL, **options)
    out: dict[str, list[tuple[str, str]]] = {}
    for f in flags:
        if f.action in ("eliminate", "automate", "merge"):
            out.setdefault(f.activity, []).append((f.kind, f.action))
    return out


INTAKE = [
    S("Receive", "desk", 3, 10, 8),
    S("Check completeness", "desk", 3, 20, 15, same=1.0, reject=0.05),
    S("Transfer to department", "desk", 3, 180, 2, same=1.0),
]
ENDING = [
    S("Sign", "leaders", 2, 240, 8, reject=0.02),
    S("Return result", "desk", 3, 120, 6),
]


def test_a_recheck_by_the_same_officer_that_never_finds_anything_is_a_duplicate_check() -> None:
    log = dossier_log([
        *INTAKE,
        S("Appraise", "dept", 4, 240, 120, reject=0.08),
        S("Re-check the appraisal", "dept", 4, 420, 10, same=0.97),
        *ENDING,
    ])
    assert ("duplicate_check", "eliminate") in flags_of(log, protect=["Sign"]).get("Re-check the appraisal", [])


def test_a_step_the_same_officer_takes_up_right_after_the_work_is_not_a_recheck() -> None:
    # the same officer drafts the decision soon after appraising: work that goes on, not a re-check
    log = dossier_log([
        *INTAKE,
        S("Appraise", "dept", 4, 240, 120, reject=0.08),
        S("Draft the decision", "dept", 4, 150, 25, same=1.0),
        *ENDING,
    ])
    assert ("duplicate_check", "eliminate") not in flags_of(log, protect=["Sign"]).get("Draft the decision", [])


#: the department appraises for four hours, then asks two bodies in turn for an opinion of an
#: hour or so each (less than half the appraisal: shorter than the work, yet real work)
CONSULTATIONS = [
    *INTAKE,
    S("Appraise", "dept", 4, 240, 240, reject=0.08),
    S("Ask the tax office", "tax office", 3, 1500, 60),
    S("Ask the police", "police", 3, 1800, 75),
]


def test_a_consultation_after_another_consultation_is_not_a_rubber_stamp() -> None:
    # after the second body the dossier goes to a level it has not been to yet (not back to the
    # department): nothing but the bodies' own behaviour says they were consulted
    log = dossier_log([*CONSULTATIONS, S("Review by the deputy director", "directors", 2, 300, 5), *ENDING])
    flags = flags_of(log, protect=["Sign"])
    for step in ("Ask the tax office", "Ask the police"):
        assert not [f for f in flags.get(step, []) if f[1] == "eliminate"], flags


def test_a_review_of_minutes_by_a_level_that_does_nothing_else_is_a_rubber_stamp_even_after_a_consultation() -> None:
    log = dossier_log([*CONSULTATIONS, S("Review by the deputy director", "directors", 2, 300, 5), *ENDING])
    flags = flags_of(log, protect=["Sign"])
    assert ("rubber_stamp", "eliminate") in flags.get("Review by the deputy director", []), flags


def test_the_dispatch_of_a_dossier_just_handed_over_by_the_desk_is_not_a_relay_or_a_recheck() -> None:
    # the head of the department, an officer of the department, gives the dossier to one of its
    # specialists minutes after it arrives; the desk's transfer takes about as long
    log = dossier_log([
        *INTAKE[:2],
        S("Transfer to department", "desk", 3, 180, 4, same=1.0),
        S("Assign to a specialist", "dept", 6, 180, 5),
        S("Appraise", "dept", 6, 240, 120, reject=0.08),
        *ENDING,
    ])
    flags = flags_of(log, protect=["Sign"])
    assert "Assign to a specialist" not in flags, flags
    # the desk's own hand-over is still automated
    assert ("relay_handoff", "automate") in flags.get("Transfer to department", []), flags


def test_passing_on_a_dossier_back_from_a_consulted_body_is_a_relay() -> None:
    # the officer who takes the dossier back from the police only passes it on, and the next
    # officer of the department is often the same one: a hand-off on the way in suffices
    steps = [
        *CONSULTATIONS,
        S("Forward to the office head", "dept", 4, 240, 2),
        S("Prepare the decision", "dept", 4, 60, 45, same=0.9),
        *ENDING,
    ]
    flags = flags_of(dossier_log(steps), protect=["Sign"])
    assert ("relay_handoff", "eliminate") in flags.get("Forward to the office head", []), flags
    # required by the one-stop-shop rules: the same step is automated, not removed
    flags = flags_of(dossier_log(steps), protect=["Sign", "Forward to the office head"])
    assert ("relay_handoff", "automate") in flags.get("Forward to the office head", []), flags
