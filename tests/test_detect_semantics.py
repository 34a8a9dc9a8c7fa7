"""What the flags mean: office hours, automate vs eliminate, steps of outside parties and timers,
parallel pairs of one dossier, repetition by design, and one saving (the replay's).

Synthetic logs test each rule where it is known to hold; the public real logs (skipped, saying
why, when the shared folder is absent) test the claims a domain expert would reject at once.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from procsimp.core.calendar import WorkCalendar
from procsimp.core.log import ACTIVITY, CASE, EventLog
from procsimp.engine.office_hours import OfficeHoursWarning, infer_office_hours, log_calendar
from procsimp.errors import ParameterError
from procsimp.flag import flag_steps
from procsimp.flag.aggregates import aggregate
from procsimp.propose import propose
from procsimp.read import frame_to_log, read_log
from procsimp.synth import generate
from tests.conftest import invoke, real_log_path

EVENT_LOGS = Path(__file__).resolve().parent.parent / "event_logs"
EARLY = WorkCalendar(hours=(("07:00", "11:30"), ("13:00", "16:30")))
BPIC15 = ["BPIC15_1.xes.gz", "BPIC15_2.xes.gz", "BPIC15_3.xes.gz"]
WABO = "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz"


def quiet_flags(log: EventLog, **options: object) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flag_steps(log, **options)


# ============================================================================ office hours
@pytest.fixture(scope="module")
def early_log() -> EventLog:
    """A log recorded under 07:00-11:30 and 13:00-16:30."""
    return generate(services=["judicial_record", "tax_registration"], cases=600, seed=3, calendar=EARLY).log


def test_office_hours_are_inferred_from_the_event_times(early_log: EventLog) -> None:
    hours, reason = infer_office_hours(early_log)
    assert (hours, reason) == ((("07:00", "11:30"), ("13:00", "16:30")), "")
    cal, report = log_calendar(early_log)
    assert cal.hours == (("07:00", "11:30"), ("13:00", "16:30"))
    assert (report.source, report.outside_share, report.warning) == ("inferred", 0.0, None)
    assert report.describe("en") == "Office hours: 07:00-11:30, 13:00-16:30 (inferred from the log's event times)"
    assert report.describe("vi") == "Giờ làm việc: 07:00-11:30, 13:00-16:30 (suy ra từ thời điểm các sự kiện trong nhật ký)"
    # the bundled logs were recorded under the default hours, and say so
    bundled = read_log(EVENT_LOGS / "dossiers_en.csv", cache=False)
    assert infer_office_hours(bundled)[0] == (("07:30", "11:30"), ("13:30", "17:00"))


def test_the_warning_fires_on_a_log_recorded_at_other_hours(early_log: EventLog) -> None:
    _, report = log_calendar(early_log, WorkCalendar())  # the default 07:30-11:30, 13:30-17:00
    assert report.source == "given" and report.outside_share > 0.05
    assert report.warning.startswith(f"{report.outside_share:.0%} of the events fall outside the office hours")
    assert "the event times suggest 07:00-11:30, 13:00-16:30" in report.warning
    with pytest.warns(OfficeHoursWarning, match="fall outside the office hours used for working time"):
        flag_steps(early_log, calendar=WorkCalendar())
    with warnings.catch_warnings():
        warnings.simplefilter("error", OfficeHoursWarning)
        flag_steps(early_log)  # the inferred hours fit: no warning


def test_the_cli_says_which_hours_and_warns(early_log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "early.csv"
    early_log.df.to_csv(path, index=False)
    code, _, err = invoke("flag", path, "--format", "json")
    assert code == 0, err
    assert "Office hours: 07:00-11:30, 13:00-16:30 (inferred from the log's event times)" in err
    assert "outside the office hours" not in err
    code, _, err = invoke("flag", path, "--format", "json", "--office-hours", "07:30-11:30,13:30-17:00")
    assert code == 0, err
    assert "Office hours: 07:30-11:30, 13:30-17:00 (given)" in err
    line = next(x for x in err.splitlines() if "outside the office hours" in x)
    assert line.startswith(f"Warning: {path}: ") and "--office-hours" in line


def test_day_resolution_logs_keep_the_default_hours() -> None:
    rows = [(f"c{c}", f"S{i}", pd.Timestamp("2025-03-03") + pd.Timedelta(days=c + i)) for c in range(300) for i in range(3)]
    df = pd.DataFrame(rows, columns=["case", "activity", "time"])
    log = frame_to_log(df, case="case", activity="activity", timestamp="time")
    assert infer_office_hours(log) == (None, "the log's times carry no time of day")
    cal, report = log_calendar(log)
    assert cal.hours == (("07:30", "11:30"), ("13:30", "17:00")) and report.source == "default"
    assert report.outside_share is None and report.warning is None


# ============================================================================ actions
def test_intake_handover_is_automated_other_relays_eliminated() -> None:
    log = read_log(EVENT_LOGS / "dossiers_vi.csv", cache=False)
    flags = {(f.service, f.activity): f for f in quiet_flags(log) if f.kind == "relay_handoff"}
    actions = {a: f.action for (_, a), f in flags.items()}
    # done by the one-stop-shop desk that received the dossier: the desk must pass it on
    intake = [f for f in flags.values() if f.evidence["intake_unit_share"] >= 0.5]
    assert intake and all(f.action == "automate" for f in intake)
    assert actions["Chuyển thông tin đến cơ quan thuế"] == "eliminate"  # a relay by another unit
    waits = [f for f in quiet_flags(log) if f.kind == "waiting_hotspot"]
    assert all(f.action == "reduce_wait" for f in waits)


# ============================================================================ outside parties and timers
def _timer_log(cases: int = 200) -> EventLog:
    """Fines: a penalty is added exactly 60 days after the notice when the fine is unpaid; an
    appeal is lodged in a few dossiers; the agency's own steps vary in time."""
    rows = []
    t0 = pd.Timestamp("2024-01-08 08:00", tz="Asia/Ho_Chi_Minh")
    for c in range(cases):
        t = t0 + pd.Timedelta(days=c % 90, hours=c % 5)
        steps = [("Create fine", t), ("Send fine", t + pd.Timedelta(days=3 + c % 7, hours=c % 3))]
        notice = steps[-1][1] + pd.Timedelta(days=5 + c % 11)
        steps.append(("Notify", notice))
        if c % 3:
            steps.append(("Add penalty", notice + pd.Timedelta(days=60)))
            if c % 10 == 1:
                steps.append(("Appeal", notice + pd.Timedelta(days=75 + c % 9)))
            steps.append(("Send for collection", notice + pd.Timedelta(days=90 + c % 30)))
        else:
            steps.append(("Payment", notice + pd.Timedelta(days=2 + c % 20)))
        rows += [(f"f{c}", a, ts) for a, ts in steps]
    df = pd.DataFrame(rows, columns=["case", "activity", "time"])
    return frame_to_log(df, case="case", activity="activity", timestamp="time")


def test_timer_and_appeal_steps_are_recognised_and_never_moved() -> None:
    log = _timer_log()
    acts = aggregate(log).activities.set_index("activity")
    assert acts.loc["Add penalty", "external"] == "timer"
    assert acts.loc["Add penalty", "role"] == "external"
    assert acts.loc["Appeal", "external"] == "appeal"
    assert acts.loc["Send fine", "external"] == ""
    for f in quiet_flags(log):
        if f.action in ("eliminate", "automate", "merge", "parallelize", "move_earlier"):
            assert not {f.activity, f.into} & {"Add penalty", "Appeal"}, f


def test_external_option_protects_a_step_from_reordering() -> None:
    log = read_log(EVENT_LOGS / "dossiers_vi.csv", cache=False)
    pair = next(f for f in quiet_flags(log) if f.action == "parallelize")
    marked = quiet_flags(log, service=pair.service, external=[pair.into])
    assert not [f for f in marked if pair.into in (f.activity, f.into) and f.action != "fix_rework"]
    acts = aggregate(log.for_service(pair.service), external=[pair.into]).activities.set_index("activity")
    assert acts.loc[pair.into, "external"] == "external"
    # propose refuses an edit of such a step, saying why
    plan = propose(log, [pair], service=pair.service, external=[pair.into], model=False)
    assert not plan.edits and "outside party or a timer" in plan.refused[0].reason
    with pytest.raises(ParameterError, match="external 'No such step' matches no step"):
        flag_steps(log, external=["No such step"])
    code, out, err = invoke("flag", EVENT_LOGS / "dossiers_vi.csv", "--format", "json", "--external", "No such step")
    assert code == 1 and err.splitlines()[-1].startswith("Error: external 'No such step' matches no step")


# ============================================================================ parallel pairs
def _alternative_endings(cases: int = 240) -> EventLog:
    """Two alternative endings, both recorded in one dossier out of ten (in either order, one
    right after the other): alternatives, not a parallel pair."""
    rows = []
    t0 = pd.Timestamp("2025-03-03 08:00", tz="Asia/Ho_Chi_Minh")
    for c in range(cases):
        t = t0 + pd.offsets.BDay(c % 40)  # working days only
        seq = ["Receive", "Check"]
        ending = ["Not needed"] if c % 2 else ["Withdrawn"]
        if c % 10 == 0:
            ending = ["Not needed", "Withdrawn"] if c % 20 else ["Withdrawn", "Not needed"]
        seq += [*ending, "Archive", "Return"]
        for i, a in enumerate(seq):
            s = t + pd.Timedelta(minutes=30 * i + c % 13)  # all within the morning's office hours
            rows.append((f"d{c}", a, s, s + pd.Timedelta(minutes=20), f"o{i % 3}", "U1"))
    df = pd.DataFrame(rows, columns=["case", "activity", "start", "end", "officer", "unit"])
    return frame_to_log(
        df, case="case", activity="activity", start="start", timestamp="end", resource="officer", unit="unit"
    )


def test_steps_that_rarely_meet_are_not_parallel() -> None:
    log = _alternative_endings()
    endings = {"Not needed", "Withdrawn"}
    # without the rule, the two endings would be run "in parallel"
    loose = flag_steps(log, detectors={"parallelizable": {"min_cooccurrence": 0.0}})
    assert [{f.activity, f.into} for f in loose if f.action == "parallelize"] == [endings]
    assert not [f for f in quiet_flags(log) if f.action == "parallelize"]


# ============================================================================ real logs
def _real(name: str) -> EventLog:
    return read_log(real_log_path(name), cache=False)


@pytest.mark.real_logs
@pytest.mark.parametrize("name", [*BPIC15, WABO])
def test_real_parallel_pairs_are_steps_of_the_same_dossier(name: str) -> None:
    log = _real(name)
    df = log.df[[CASE, ACTIVITY]].astype(str).drop_duplicates()
    cases_of = df.groupby(ACTIVITY)[CASE].agg(set)
    for f in quiet_flags(log):
        if f.action != "parallelize":
            continue
        a, b = cases_of[f.activity], cases_of[f.into]
        assert len(a & b) >= 0.5 * len(a | b), (name, f.activity, f.into, len(a & b), len(a | b))


@pytest.mark.real_logs
def test_real_instalments_and_repeated_tests_are_not_rework() -> None:
    road = _real("roadtraffic100traces.xes")
    assert "Payment" in set(road.df[ACTIVITY].astype(str))
    assert not [f for f in quiet_flags(road) if f.action == "fix_rework"]
    sepsis = _real("Sepsis_Cases-Event_Log.xes.gz")
    reworked = {f.activity for f in quiet_flags(sepsis) if f.action == "fix_rework"}
    assert not reworked & {"Leucocytes", "CRP", "LacticAcid"}, reworked


@pytest.mark.real_logs
def test_real_penalty_is_a_timer_and_never_parallelised() -> None:
    road = _real("roadtraffic100traces.xes")
    acts = aggregate(road).activities.set_index("activity")
    assert acts.loc["Add penalty", "external"] == "timer"
    for f in quiet_flags(road):
        assert "Add penalty" not in (f.activity, f.into) or f.action == "fix_rework", f


# ============================================================================ one saving
def _replayed(log: EventLog, flag) -> float:
    plan = propose(log, [flag], service=flag.service if log.services else None, model=False)
    assert [e.key for e in plan.edits] == [flag.key[1:]], plan.refused
    return plan.kpis_before["lead_time_workdays_mean"] - plan.kpis_after["lead_time_workdays_mean"]


def _check_savings(log: EventLog) -> int:
    checked = 0
    for f in quiet_flags(log):
        if f.action in ("fix_rework", "reduce_wait"):
            continue
        saved = _replayed(log, f)
        assert f.saving["workdays_per_case"] == pytest.approx(max(saved, 0.0), rel=0.1, abs=0.01), f.key
        checked += 1
    return checked


@pytest.mark.parametrize("name", ["dossiers_vi.csv", "dossiers_en.csv"])
def test_each_flag_saves_what_its_edit_alone_saves_in_the_replay(name: str) -> None:
    assert _check_savings(read_log(EVENT_LOGS / name, cache=False)) >= 10


@pytest.mark.real_logs
@pytest.mark.parametrize("name", [*BPIC15, WABO])
def test_real_flag_savings_are_the_replays(name: str) -> None:
    _check_savings(_real(name))
