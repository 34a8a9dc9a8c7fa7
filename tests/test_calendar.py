"""Working-day calendar: holidays, office hours, working-time arithmetic, deadlines, timeliness."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procsimp.core.calendar import (
    WorkCalendar,
    classify_on_time,
    default_calendar,
    due_dates,
)
from procsimp.engine.due import case_due_dates
from procsimp.errors import ParameterError
from procsimp.read import frame_to_log

TZ = "Asia/Ho_Chi_Minh"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# ---------------------------------------------------------------------------- holidays
def test_lunar_new_year_2025_is_off(cal: WorkCalendar) -> None:
    hol = cal.holidays(2025)
    for day in range(27, 32):
        assert dt.date(2025, 1, day) in hol
    assert dt.date(2025, 2, 1) in hol
    tet = pd.date_range("2025-01-27", "2025-01-31", freq="D")
    assert not cal.is_workday(tet).any()
    # the working days around it
    assert cal.is_workday([dt.date(2025, 1, 24), dt.date(2025, 2, 3)]).all()


def test_lunar_new_year_2026_is_off(cal: WorkCalendar) -> None:
    hol = cal.holidays(2026)
    for day in range(16, 21):
        assert dt.date(2026, 2, day) in hol
    assert not cal.is_workday(pd.date_range("2026-02-16", "2026-02-20")).any()
    assert cal.is_workday([dt.date(2026, 2, 13), dt.date(2026, 2, 23)]).all()


def test_fixed_holidays_and_names(cal: WorkCalendar) -> None:
    hol = cal.holidays(2025)
    for d in (dt.date(2025, 1, 1), dt.date(2025, 4, 30), dt.date(2025, 5, 1), dt.date(2025, 9, 2)):
        assert d in hol
    vi = cal.holidays(2025, language="vi")
    assert vi[dt.date(2025, 1, 29)] == "Tết Nguyên Đán"
    assert dt.date(2025, 3, 3) not in hol


def test_swapped_working_saturday(cal: WorkCalendar) -> None:
    # 2025-05-02 (Friday) was given off in exchange for working on Saturday 2025-04-26
    assert not cal.is_workday([dt.date(2025, 5, 2)])[0]
    assert cal.is_workday([dt.date(2025, 4, 26)])[0]
    assert dt.date(2025, 4, 26) in cal.workday_swaps(2025)
    assert not cal.is_workday([dt.date(2025, 4, 27)])[0]  # an ordinary Sunday


def test_extra_holidays_and_workdays() -> None:
    cal = WorkCalendar(
        extra_holidays={"2025-03-05": "Provincial day"}, extra_workdays=["2025-03-08"]
    )
    assert not cal.is_workday(["2025-03-05"])[0]
    assert cal.is_workday(["2025-03-08"])[0]  # a Saturday made a working day
    assert cal.holidays(2025)[dt.date(2025, 3, 5)] == "Provincial day"
    # Wed 5 March is off, Sat 8 March is on: Tue 10:00 -> Mon 10:00 is 4 working days
    assert cal.working_days_between(ts("2025-03-04 10:00"), ts("2025-03-10 10:00")) == 4.0
    assert WorkCalendar().working_days_between(ts("2025-03-04 10:00"), ts("2025-03-10 10:00")) == 4.0


def test_no_country_holidays() -> None:
    cal = WorkCalendar(country=None)
    assert cal.is_workday(["2025-01-29"])[0]
    assert cal.holidays(2025) == {}


# ---------------------------------------------------------------------------- arithmetic
def test_minutes_per_day_and_custom_hours() -> None:
    assert default_calendar().minutes_per_day == 450.0
    assert default_calendar().periods == ((450.0, 690.0), (810.0, 1020.0))
    cal = WorkCalendar(hours=(("08:00", "12:00"), ("13:00", "17:00")), weekdays=(0, 1, 2, 3, 4, 5))
    assert cal.minutes_per_day == 480.0
    assert cal.is_workday(["2025-03-08"])[0]  # Saturday works here
    assert cal.working_minutes_between(ts("2025-03-08 11:00"), ts("2025-03-08 14:00"))[()] == 120.0


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        # same morning
        ("2025-03-03 08:00", "2025-03-03 10:30", 150),
        # across the lunch break: 10:00-11:30 (90) + 13:30-14:00 (30)
        ("2025-03-03 10:00", "2025-03-03 14:00", 120),
        # both inside the lunch break: nothing
        ("2025-03-03 11:45", "2025-03-03 13:15", 0),
        # from before opening to after closing: a whole day
        ("2025-03-03 06:00", "2025-03-03 19:00", 450),
        # Friday 16:00 -> Monday 08:30 across the weekend: 60 + 60
        ("2025-03-07 16:00", "2025-03-10 08:30", 120),
        # a weekend alone: nothing
        ("2025-03-08 09:00", "2025-03-09 15:00", 0),
        # Friday before Tet -> Monday after: only Friday 08:00-17:00 counts (420)
        ("2025-01-24 08:00", "2025-02-03 07:00", 420),
        # Friday 10:00 before Tet -> Tuesday 10:00 after: Fri 90 + 210, Mon 450, Tue 150
        ("2025-01-24 10:00", "2025-02-04 10:00", 900),
        # Hung Kings' day (Mon 7 April 2025): Fri 15:00 -> Tue 9:00 = 120 + 90
        ("2025-04-04 15:00", "2025-04-08 09:00", 210),
        # 30/4 - 2/5 break with the working Saturday 26/4: Fri 25/4 17:00 -> Mon 5/5 07:30
        # counts Sat 26/4, Mon 28/4, Tue 29/4 = 3 days
        ("2025-04-25 17:00", "2025-05-05 07:30", 1350),
        # reversed order gives a negative count
        ("2025-03-03 10:30", "2025-03-03 08:00", -150),
    ],
)
def test_working_minutes_between_hand_computed(cal: WorkCalendar, start: str, end: str, minutes: float) -> None:
    got = cal.working_minutes_between(ts(start), ts(end))
    assert float(got) == pytest.approx(minutes)
    assert float(cal.working_days_between(ts(start), ts(end))) == pytest.approx(minutes / 450)


def test_vectorised_shapes_and_nat(cal: WorkCalendar) -> None:
    start = pd.Series([ts("2025-03-03 08:00"), pd.NaT, ts("2025-03-07 16:00")])
    end = pd.Series([ts("2025-03-03 10:30"), ts("2025-03-04 10:00"), ts("2025-03-10 08:30")])
    got = cal.working_minutes_between(start, end)
    assert got.shape == (3,)
    assert got[0] == 150 and np.isnan(got[1]) and got[2] == 120
    w = cal.work_minutes(pd.DatetimeIndex([ts("2025-03-03 08:00"), pd.NaT]))
    assert np.isnan(w[1])
    back = cal.from_work_minutes(np.array([np.nan, w[0]]))
    assert back[0] is pd.NaT and back[1] == ts("2025-03-03 08:00")


def test_naive_and_other_timezone_inputs(cal: WorkCalendar) -> None:
    naive = cal.work_minutes(pd.Timestamp("2025-03-03 08:00"))
    utc = cal.work_minutes(pd.Timestamp("2025-03-03 01:00", tz="UTC"))  # 08:00 in Hanoi
    assert float(naive) == float(utc) == float(cal.work_minutes(ts("2025-03-03 08:00")))


def test_outside_hours_is_end_of_previous_period(cal: WorkCalendar) -> None:
    w = cal.work_minutes([ts("2025-03-07 17:00"), ts("2025-03-07 22:00"), ts("2025-03-08 12:00"),
                          ts("2025-03-10 07:00"), ts("2025-03-10 07:30")])
    assert (w == w[0]).all()
    w2 = cal.work_minutes([ts("2025-03-03 11:30"), ts("2025-03-03 12:40"), ts("2025-03-03 13:30")])
    assert (w2 == w2[0]).all()
    # the inverse of a boundary is the end of the earlier period
    assert cal.from_work_minutes(w2[:1])[0] == ts("2025-03-03 11:30")
    assert cal.from_work_minutes(w[:1])[0] == ts("2025-03-07 17:00")


def test_epoch_is_fixed() -> None:
    # the value of a time does not depend on which years were looked up before
    a = WorkCalendar()
    first = float(a.work_minutes(ts("2025-06-02 09:00")))
    a.work_minutes(ts("1985-06-03 09:00"))
    a.work_minutes(ts("2090-06-05 09:00"))
    assert float(a.work_minutes(ts("2025-06-02 09:00"))) == first
    assert float(WorkCalendar().work_minutes(ts("2000-01-01 00:00"))) == 0.0


def test_monotone(cal: WorkCalendar) -> None:
    times = pd.date_range("2024-12-20", "2025-02-10", freq="17min", tz=TZ)
    w = cal.work_minutes(times)
    assert (np.diff(w) >= 0).all()
    # a holiday adds nothing
    tet = (times >= ts("2025-01-27")) & (times < ts("2025-02-02"))
    assert np.ptp(w[tet]) == 0


@settings(max_examples=200, deadline=None)
@given(
    day=st.integers(min_value=0, max_value=3 * 365),
    minute=st.floats(min_value=0.001, max_value=449.999, allow_nan=False),
)
def test_round_trip_inside_office_hours(day: int, minute: float) -> None:
    cal = default_calendar()
    date = pd.Timestamp("2024-06-01") + pd.Timedelta(days=day)
    if not cal.is_workday([date])[0]:
        return
    clock = minute
    offset = 7.5 * 60 + clock if clock < 240 else 13.5 * 60 + (clock - 240)
    t = (date + pd.Timedelta(minutes=offset)).tz_localize(TZ).round("us")
    back = cal.from_work_minutes(cal.work_minutes(pd.DatetimeIndex([t])))[0]
    assert abs((back - t).total_seconds()) < 1e-3


def test_round_trip_of_a_whole_range(cal: WorkCalendar) -> None:
    times = pd.date_range("2025-01-02 07:31", "2026-03-01", freq="7min", tz=TZ)
    clock = times.hour * 60 + times.minute
    inside = (
        cal.is_workday(times)
        & (((clock > 450) & (clock < 690)) | ((clock > 810) & (clock < 1020)))
    )
    t = times[inside]
    assert len(t) > 10_000
    back = cal.from_work_minutes(cal.work_minutes(t))
    assert (back == t).all()


# ---------------------------------------------------------------------------- add workdays, deadlines
def test_add_workdays(cal: WorkCalendar) -> None:
    got = cal.add_workdays(ts("2025-03-07 10:00"), [1, 5, 0.5, -1])
    assert list(got) == [
        ts("2025-03-10 10:00"),  # Friday + 1 = Monday
        ts("2025-03-14 10:00"),
        ts("2025-03-07 15:45"),  # half a day (225): 90 min before lunch, 135 after 13:30
        ts("2025-03-06 10:00"),
    ]
    # across Tet 2026: Friday 13 Feb + 1 = Monday 23 Feb
    assert cal.add_workdays(ts("2026-02-13 09:00"), 1)[0] == ts("2026-02-23 09:00")
    # received after hours: the clock starts at the next opening
    assert cal.add_workdays(ts("2025-03-07 19:00"), 1)[0] == ts("2025-03-10 17:00")


def test_due_dates_keep_index_and_skip_holidays(cal: WorkCalendar) -> None:
    received = pd.Series([ts("2025-04-25 10:00"), ts("2025-03-03 09:00"), pd.NaT], index=[10, 11, 12])
    due = due_dates(received, pd.Series([5, 3, 2], index=[10, 11, 12]))
    assert list(due.index) == [10, 11, 12] and due.name == "case:due"
    # Sat 26/4 (worked), Mon 28, Tue 29, [30/4, 1/5, 2/5 off], Mon 5/5, Tue 6/5
    assert due.iloc[0] == ts("2025-05-06 10:00")
    assert due.iloc[1] == ts("2025-03-06 09:00")
    assert due.iloc[2] is pd.NaT
    assert due_dates(received, None).isna().all()
    with pytest.raises(ParameterError, match="statutory_days must be >= 0"):
        due_dates(received, -1)


def test_classify_on_time(cal: WorkCalendar) -> None:
    due = pd.Series([ts("2025-03-10 10:00")] * 5)
    done = pd.Series([
        ts("2025-03-07 10:00"),  # exactly one working day before: early
        ts("2025-03-07 10:01"),  # a minute less than a working day: on time
        ts("2025-03-10 10:00"),  # at the due time: on time
        ts("2025-03-10 10:00:01"),  # after: late
        pd.NaT,
    ])
    got = classify_on_time(done, due)
    assert list(got.iloc[:4]) == ["early", "on_time", "on_time", "late"]
    assert pd.isna(got.iloc[4])
    assert list(got.cat.categories) == ["early", "on_time", "late"] and got.cat.ordered
    # completed on a Saturday after a Friday due time is late even with no working time between
    assert classify_on_time(pd.Series([ts("2025-03-08 09:00")]), pd.Series([ts("2025-03-07 16:00")])).iloc[0] == "late"


def test_case_due_dates_from_catalog_and_log() -> None:

    class Svc:
        statutory_days = 3.0

    class Cat:
        def get(self, key: str):  # the catalog interface: get by name -> Service | None
            return Svc() if key == "Known service" else None

    df = pd.DataFrame({
        "case:concept:name": ["a", "a", "b", "c"],
        "concept:name": ["x", "y", "x", "x"],
        "time:timestamp": [ts("2025-03-03 08:00"), ts("2025-03-03 09:00"), ts("2025-03-04 09:00"), ts("2025-03-05 09:00")],
        "case:service": ["Known service", "Known service", "Unknown", "Known service"],
    })
    out = case_due_dates(frame_to_log(df), catalog=Cat())
    by = out.set_index("case")
    assert by.loc["a", "due"] == ts("2025-03-06 08:00")
    assert by.loc["a", "due_source"] == "catalog"
    assert pd.isna(by.loc["b", "due"]) and by.loc["b", "due_source"] == "none"
    df["case:due"] = [ts("2025-03-20 17:00")] * 4
    out2 = case_due_dates(frame_to_log(df), catalog=Cat()).set_index("case")
    assert (out2["due_source"] == "log").all() and out2.loc["c", "due"] == ts("2025-03-20 17:00")


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": (("17:00", "08:00"),)}, "ends before it starts"),
        ({"hours": (("7h30", "11:30"),)}, "is not a clock time"),
        ({"hours": (("08:00", "12:00"), ("11:00", "13:00"))}, "hours overlap"),
        ({"weekdays": (7,)}, "weekdays="),
        ({"timezone": "Mars/Base"}, "not a known IANA timezone"),
        ({"country": "XX"}, "no public-holiday data"),
        ({"extra_holidays": ["2025-03-08"], "extra_workdays": ["2025-03-08"]}, "in both"),
        ({"extra_holidays": ["not a date"]}, "is not a date"),
    ],
)
def test_bad_parameters_teach(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        WorkCalendar(**kwargs)


def test_unreadable_times(cal: WorkCalendar) -> None:
    with pytest.raises(ParameterError, match="as times"):
        cal.work_minutes(["tomorrow-ish"])


def test_repr_and_equality() -> None:
    assert "07:30-11:30" in repr(WorkCalendar())
    assert "<table>" in WorkCalendar()._repr_html_()
    assert WorkCalendar() == default_calendar()
    assert WorkCalendar(country=None) != default_calendar()


def test_case_due_dates_with_the_built_in_catalog() -> None:

    df = pd.DataFrame({
        "case:concept:name": ["a", "b"],
        "concept:name": ["Tiếp nhận hồ sơ", "Tiếp nhận hồ sơ"],
        "time:timestamp": [ts("2025-04-25 10:00"), ts("2025-04-25 10:00")],
        "case:service": ["Đăng ký thường trú", "Register a birth"],
        "case:received": [ts("2025-04-25 09:00"), ts("2025-04-25 09:00")],
    })
    out = case_due_dates(frame_to_log(df)).set_index("case")
    assert list(out["statutory_days"]) == [7.0, 1.0]
    # 7 working days from Friday 25/4 09:00: Sat 26/4 (swapped working day), 28, 29/4,
    # [30/4-2/5 off], 5, 6, 7, 8/5 -> Thursday 8 May 09:00
    assert out.loc["a", "due"] == ts("2025-05-08 09:00")
    assert out.loc["b", "due"] == ts("2025-04-26 09:00")


def test_far_years_round_trip() -> None:
    cal = WorkCalendar()
    t = pd.DatetimeIndex([ts("1990-03-06 09:00"), ts("2095-06-07 14:00")])
    assert (cal.from_work_minutes(cal.work_minutes(t)) == t).all()


def test_classify_on_time_rejects_mismatched_lengths() -> None:
    with pytest.raises(ParameterError, match="completed has 3 values but due has 2"):
        classify_on_time(
            pd.Series([ts("2025-03-03 09:00")] * 3), pd.Series([ts("2025-03-04 09:00")] * 2)
        )


def test_daylight_saving_zone_counts_wall_clock_hours() -> None:
    cal = WorkCalendar(timezone="Europe/Berlin", country="DE", hours=(("08:00", "12:00"), ("13:00", "17:00")))
    berlin = "Europe/Berlin"
    # the clocks go forward on Sunday 30 March 2025; office hours are wall-clock hours
    start, end = pd.Timestamp("2025-03-28 16:00", tz=berlin), pd.Timestamp("2025-03-31 08:30", tz=berlin)
    assert float(cal.working_minutes_between(start, end)) == 90.0
    assert cal.add_workdays(start, 1)[0] == pd.Timestamp("2025-03-31 16:00", tz=berlin)
    # Good Friday 2025 (18 April) is a public holiday in Germany
    assert not cal.is_workday(["2025-04-18"])[0]


# ---------------------------------------------------------------------------- local time
@pytest.mark.parametrize(
    "timezone", ["Asia/Ho_Chi_Minh", "Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
)
@pytest.mark.parametrize("unit", ["s", "us", "ns"])
@pytest.mark.parametrize(
    "span",
    [(1_710_000_000, 1_710_500_000), (1_700_000_000, 1_760_000_000), (-2_000_000_000, 2_000_000_000)],
    ids=["days", "years", "a century"],
)
def test_local_ticks_equal_pandas_conversion(timezone: str, unit: str, span: tuple[int, int]) -> None:
    # constant offsets take one addition, others (daylight saving, 1906/1975 changes, half-hour
    # shifts) the per-value conversion; the result is pandas' in every case, NaT kept
    from procsimp.core._tz import constant_offset, local_ticks

    per = {"s": 1, "us": 10**6, "ns": 10**9}[unit]
    rng = np.random.default_rng(7)
    ticks = rng.integers(*span, 20_000) * per + rng.integers(0, per, 20_000)
    ticks[::97] = np.iinfo(np.int64).min
    expected = pd.DatetimeIndex(ticks.view(f"datetime64[{unit}]")).tz_localize("UTC").tz_convert(timezone)
    assert (local_ticks(ticks, unit, timezone) == expected.tz_localize(None).asi8).all()
    fixed = constant_offset(span[0] * per, span[1] * per, unit, timezone)
    within_grid = span[1] - span[0] < 10**8  # longer spans are converted value by value
    if within_grid and (timezone == "UTC" or (timezone == "Asia/Ho_Chi_Minh" and span[0] > 0)):
        assert fixed == (7 * 3600 * per if timezone != "UTC" else 0)
    if not within_grid:
        assert fixed is None
    if timezone in ("Europe/Amsterdam", "America/New_York") and span[1] - span[0] > 10**7:
        assert fixed is None  # daylight saving within the span


# ---------------------------------------------------------------------------- threads
def _calendar_work(cal: WorkCalendar, year: int) -> tuple[np.ndarray, ...]:
    """Every kind of lookup for one year: each first call in a new year grows the day table."""
    times = pd.date_range(f"{year}-01-01 06:00", f"{year}-12-31 18:00", freq="5h", tz=TZ)
    minutes = cal.work_minutes(times)
    later = cal.from_work_minutes(minutes + 20 * cal.minutes_per_day)  # grows past the year
    due = cal.add_workdays(times[::40], 30)
    return minutes, later.asi8, cal.is_workday(times), due.asi8


def test_a_calendar_shared_by_threads_answers_as_one_thread_does() -> None:
    """Detectors read one calendar from worker threads while it grows its day table."""
    # outward from the epoch year, so that nearly every call needs a larger table
    years = [2000 + (k // 2 + 1) * (1 if k % 2 else -1) for k in range(100)]
    alone = WorkCalendar()
    expected = [_calendar_work(alone, year) for year in years]
    shared = WorkCalendar()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(functools.partial(_calendar_work, shared), years))
    finally:
        sys.setswitchinterval(interval)
    for year, want, have in zip(years, expected, got, strict=True):
        for a, b in zip(want, have, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=str(year))
    # and the grown table still answers as a fresh calendar does
    probe = pd.date_range("1950-01-01", "2050-12-31", freq="37h", tz=TZ)
    np.testing.assert_array_equal(shared.work_minutes(probe), WorkCalendar().work_minutes(probe))
