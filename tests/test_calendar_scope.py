"""The calendar a command uses: --timezone, --holidays, --calendar 24x7 and the Vietnamese-log rule;
dossiers without a service; step names that merge codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from procsimp.core.calendar import calendar_for, vietnamese_evidence
from procsimp.errors import ParameterError
from procsimp.read import read_log
from procsimp.read.frame import frame_to_log
from tests.conftest import EVENT_LOGS, invoke, real_log_path


def _one_dossier(tmp_path: Path) -> Path:
    """A Dutch dossier: Friday 24 April 2015 16:00 to Tuesday 28 April 09:00, Amsterdam time
    (UTC+2); Monday 27 April 2015 was King's Day, a Dutch public holiday."""
    path = tmp_path / "nl.csv"
    path.write_text(
        "case_id,activity,timestamp,service\n"
        "Z1,Receive application,2015-04-24T16:00:00+02:00,Permit\n"
        "Z1,Decide,2015-04-28T09:00:00+02:00,Permit\n",
        encoding="utf-8",
    )
    return path


def _workdays(tmp_path: Path, *options: str) -> tuple[float, str]:
    code, out, err = invoke("profile", _one_dossier(tmp_path), "--format", "json", *options)
    assert code == 0, err
    rows = [r for r in json.loads(out)["services"] if r["service"] == "Permit"]
    return rows[0]["lead_workdays_mean"], err


def test_timezone_and_dutch_holidays_change_the_working_days_as_computed_by_hand(tmp_path: Path) -> None:
    # Amsterdam office hours 07:30-11:30 and 13:30-17:00 (450 min a day):
    # Friday 16:00-17:00 = 60 min; Monday King's Day = 0; Tuesday 07:30-09:00 = 90 min
    days, err = _workdays(tmp_path, "--timezone", "Europe/Amsterdam", "--holidays", "NL")
    assert days == pytest.approx(150 / 450)
    assert "Calendar: Europe/Amsterdam, Mon-Fri 07:30-11:30 13:30-17:00, holidays NL (as asked)" in err
    # without the holidays, Monday is a full working day: 60 + 450 + 90 minutes
    days, err = _workdays(tmp_path, "--timezone", "Europe/Amsterdam")
    assert days == pytest.approx(600 / 450)
    assert "no public holidays (the log is not Vietnamese (no Vietnamese letters" in err
    # the log's default zone (Ho Chi Minh City, UTC+7): Friday 21:00 is after hours; Monday
    # counts; Tuesday 14:00 local gives 07:30-11:30 and 13:30-14:00 = 270 min
    days, _ = _workdays(tmp_path)
    assert days == pytest.approx((450 + 270) / 450)


def test_the_24x7_calendar_counts_every_hour(tmp_path: Path) -> None:
    days, err = _workdays(tmp_path, "--calendar", "24x7")
    assert days == pytest.approx(89 / 24)  # Friday 16:00 to Tuesday 09:00 = 89 hours
    assert "Calendar: Asia/Ho_Chi_Minh, 24x7, no public holidays (every hour of every day counts)" in err
    code, _, err = invoke("profile", _one_dossier(tmp_path), "--calendar", "24x7", "--holidays", "NL")
    assert code == 1
    assert err.strip() == (
        "Error: the 24x7 calendar counts every hour of every day, so it takes no holidays; drop one of them"
    )


def test_holidays_with_a_subdivision_and_bad_regions(tmp_path: Path) -> None:
    log = read_log(_one_dossier(tmp_path))
    cal, note = calendar_for(log, holidays="DE-BY")
    assert cal.holiday_region == "DE-BY" and note == "as asked"
    assert pd.Timestamp("2015-01-06").date() in cal.holidays(2015)  # Epiphany: Bavaria only
    assert pd.Timestamp("2015-01-06").date() not in calendar_for(log, holidays="DE")[0].holidays(2015)
    with pytest.raises(ParameterError, match=r"--holidays 'NL-XX': subdivision 'XX' is not a subdivision of NL"):
        calendar_for(log, holidays="NL-XX")
    with pytest.raises(ParameterError, match=r"--holidays 'Netherlands' is not a holiday region; write a country code"):
        calendar_for(log, holidays="Netherlands")


def test_vietnamese_logs_get_vietnamese_holidays_and_others_none(tmp_path: Path) -> None:
    vi = read_log(EVENT_LOGS / "dossiers_vi.csv")
    assert vietnamese_evidence(vi) is not None
    cal, note = calendar_for(vi)
    assert cal.country == "VN" and note.startswith("VN holidays: the log is Vietnamese, as the step name ")
    en = read_log(EVENT_LOGS / "dossiers_en.csv")  # English step names, Vietnamese officers
    assert "officer name" in (vietnamese_evidence(en) or "")
    nl = read_log(_one_dossier(tmp_path))
    assert vietnamese_evidence(nl) is None and calendar_for(nl)[0].country is None


def test_a_real_dutch_log_is_not_taken_as_vietnamese() -> None:
    log = read_log(real_log_path("roadtraffic100traces.xes"))
    assert vietnamese_evidence(log) is None


# ---------------------------------------------------------------------------- no service
def test_dossiers_without_a_service_go_to_no_service_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case_id,activity,timestamp,service\n"
        "A,Receive,2025-01-06 08:00,Birth\nA,Return,2025-01-07 08:00,Birth\n"
        "B,Receive,2025-01-06 09:00,\nB,Return,2025-01-08 08:00,\n"
        "C,Receive,2025-01-06 10:00,\nC,Return,2025-01-09 08:00,\n",
        encoding="utf-8",
    )
    log = read_log(path)
    assert log.services == ["(no service)", "Birth"]
    assert (
        "2 dossier(s) have no value in column 'service' (service); they are analysed together as the service "
        "'(no service)': fill the column at the source to put each in its procedure"
    ) in log.warnings
    code, out, err = invoke("profile", path, "--format", "json")
    assert code == 0, err
    assert {r["service"] for r in json.loads(out)["services"]} >= {"(no service)", "Birth"}
    assert "Warning: 2 dossier(s) have no value in column 'service'" in err


# ---------------------------------------------------------------------------- merged codes
def _coded_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case:concept:name": ["1", "1", "1", "2", "2"],
            "concept:name": ["01_010", "01_020", "08_020", "01_010", "08_020"],
            "activityNameEN": ["register", "send letter", "send letter", "register", "send letter"],
            "time:timestamp": pd.to_datetime(
                ["2015-01-05 08:00", "2015-01-06 08:00", "2015-01-07 08:00", "2015-01-05 09:00", "2015-01-06 09:00"]
            ),
        }
    )


def test_a_name_column_that_merges_codes_is_reported_with_the_merges() -> None:
    log = frame_to_log(_coded_frame(), xes=True, activity="activityNameEN")
    assert sorted(log.activities) == ["register", "send letter"]
    assert (
        "column 'activityNameEN' (activity) gives one name to distinct codes of 'concept:name': 3 codes become "
        "2 steps, as 1 name(s) merge 2 codes (e.g. 'send letter' <- 01_020, 08_020); the merged codes are "
        "analysed as one step: keep them apart with --activity-key concept:name"
    ) in log.warnings


def test_activity_key_keeps_codes_apart_as_name_and_code(tmp_path: Path) -> None:
    log = frame_to_log(_coded_frame(), xes=True, activity="activityNameEN", activity_key="concept:name")
    assert sorted(log.activities) == ["register", "send letter (01_020)", "send letter (08_020)"]
    assert not any("gives one name" in w for w in log.warnings)
    path = tmp_path / "coded.csv"
    _coded_frame().rename(columns={"case:concept:name": "case_id", "concept:name": "code",
                                   "time:timestamp": "timestamp"}).to_csv(path, index=False)
    code, out, err = invoke("validate", path, "--activity", "activityNameEN", "--activity-key", "code")
    assert code == 0, err
    assert "Activities: 3" in out
    assert "activity  <- activityNameEN (argument, kept apart by code)" in out
    code, _, err = invoke("validate", path, "--activity", "activityNameEN", "--activity-key", "codes")
    assert code == 1 and err.startswith("Error: ") and "--activity-key 'codes' is not a column" in err
