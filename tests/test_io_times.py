"""Timestamp parsing: every accepted form, day/month order decided from the data, timezones,
and the same answer from the fast (whole-column Arrow) and the careful (field by field) paths."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procsimp.errors import LogValidationError
from procsimp.read import frame_to_log, parse_times

TZ = "Asia/Ho_Chi_Minh"


def ts(text: str, tz: str = TZ) -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


@pytest.mark.parametrize(
    ("value", "expected", "fmt"),
    [
        ("2025-03-31T14:05:09.123+07:00", ts("2025-03-31 14:05:09.123"), "ISO 8601 with offset"),
        ("2025-03-31T07:05:09Z", ts("2025-03-31 14:05:09"), "ISO 8601 with offset"),
        ("2025-03-31 14:05:09+0700", ts("2025-03-31 14:05:09"), "ISO 8601 with offset"),
        ("2025-03-31 14:05", ts("2025-03-31 14:05"), "ISO 8601"),
        ("2025-03-31", ts("2025-03-31"), "ISO 8601"),
        ("2025/03/31 14:05:00", ts("2025-03-31 14:05"), "ISO 8601"),
        ("31/03/2025 14:05:09", ts("2025-03-31 14:05:09"), "dd/mm/yyyy HH:MM:SS"),
        ("31/03/2025 14:05", ts("2025-03-31 14:05"), "dd/mm/yyyy HH:MM"),
        ("31/03/2025", ts("2025-03-31"), "dd/mm/yyyy"),
        ("31-03-2025", ts("2025-03-31"), "dd/mm/yyyy"),
        ("31.03.2025 8:05", ts("2025-03-31 08:05"), "dd/mm/yyyy HH:MM"),
        ("31/03/2025 2:05 PM", ts("2025-03-31 14:05"), "dd/mm/yyyy HH:MM"),
        ("31/03/2025 02:05 CH", ts("2025-03-31 14:05"), "dd/mm/yyyy HH:MM"),
        ("14:05 31/03/2025", ts("2025-03-31 14:05"), "HH:MM dd/mm/yyyy"),
        ("45747.5", ts("2025-03-31 12:00"), "Excel serial dates"),
        ("1743404709", ts("2025-03-31 14:05:09"), "epoch seconds"),
        ("1743404709000", ts("2025-03-31 14:05:09"), "epoch milliseconds"),
        ("20250331", ts("2025-03-31"), "yyyymmdd"),
    ],
)
def test_accepted_forms(value: str, expected: pd.Timestamp, fmt: str) -> None:
    got = parse_times(pd.Series([value]), timezone=TZ)
    assert got.values.iloc[0] == expected
    assert got.format == fmt
    assert str(got.values.dtype) == f"datetime64[ns, {TZ}]"


def test_numbers_and_datetimes_as_values() -> None:
    assert parse_times(pd.Series([45747.5, np.nan]), timezone=TZ).values.iloc[0] == ts("2025-03-31 12:00")
    naive = pd.Series(pd.to_datetime(["2025-03-31 14:05"]))
    assert parse_times(naive, timezone=TZ).values.iloc[0] == ts("2025-03-31 14:05")
    aware = naive.dt.tz_localize("UTC")
    assert parse_times(aware, timezone=TZ).values.iloc[0] == ts("2025-03-31 21:05")
    with pytest.raises(LogValidationError, match="holds numbers from 5 to 7 that are not one kind of time"):
        parse_times(pd.Series([5, 7]), timezone=TZ, column="t", source="f")


def test_invalid_values_are_reported_not_guessed() -> None:
    got = parse_times(pd.Series(["31/02/2025 10:00", "29/02/2024 10:00", "31/12/9999", "soon", None, ""]),
                      timezone=TZ)
    assert list(got.bad) == [0, 2, 3]
    assert got.bad_values == ["31/02/2025 10:00", "31/12/9999", "soon"]
    assert got.values.iloc[1] == ts("2024-02-29 10:00")
    assert got.values.isna().tolist() == [True, False, True, True, True, True]


def test_day_first_is_decided_by_the_data() -> None:
    day = parse_times(pd.Series(["03/04/2025", "25/04/2025"]), timezone=TZ)
    assert (day.dayfirst, day.dayfirst_from_data) == (True, True)
    assert day.values.iloc[0] == ts("2025-04-03")
    month = parse_times(pd.Series(["03/04/2025", "04/25/2025"]), timezone=TZ)
    assert (month.dayfirst, month.dayfirst_from_data) == (False, True)
    assert month.values.iloc[0] == ts("2025-03-04")
    ambiguous = parse_times(pd.Series(["03/04/2025", "05/06/2025"]), timezone=TZ)
    assert (ambiguous.dayfirst, ambiguous.dayfirst_from_data) == (True, False)
    asked = parse_times(pd.Series(["03/04/2025"]), timezone=TZ, dayfirst=False)
    assert asked.values.iloc[0] == ts("2025-03-04")


def _frame(end: list[str], start: list[str] | None = None) -> pd.DataFrame:
    data = {"case_id": [f"c{i}" for i in range(len(end))], "activity": ["a"] * len(end), "end_time": end}
    if start is not None:
        data["start_time"] = start
    return pd.DataFrame(data)


def test_ambiguous_dates_warn_and_follow_the_other_time_column() -> None:
    log = frame_to_log(_frame(["03/04/2025 10:00", "05/06/2025 10:00"]), source="f.csv")
    assert (
        "column 'end_time' (timestamp): every date has day and month at most 12, so the order cannot be told "
        "from the data; read as day first (dd/mm/yyyy), the Vietnamese convention; if the file is month first, "
        "say so with --date-order month-first (dayfirst=False in Python)"
    ) in log.warnings
    # the start column tells the order (25th of a month): the end column follows it
    log = frame_to_log(_frame(["03/04/2025 10:00", "05/06/2025 10:00"], ["03/04/2025 09:00", "04/25/2025 09:00"]))
    assert log.df["time:timestamp"].iloc[0] == ts("2025-03-04 10:00")
    assert any("like the other time columns of the file" in w for w in log.warnings)
    assert log.mapping.formats["timestamp"] == "mm/dd/yyyy HH:MM"
    with pytest.raises(LogValidationError, match="the time columns disagree on the date order"):
        frame_to_log(_frame(["25/04/2025 10:00"], ["04/25/2025 09:00"]))


def test_timezones() -> None:
    naive = frame_to_log(_frame(["2025-01-02 08:00"]), timezone="Europe/Amsterdam")
    assert naive.df["time:timestamp"].iloc[0] == ts("2025-01-02 08:00", "Europe/Amsterdam")
    assert naive.timezone == "Europe/Amsterdam"
    # instants keep their meaning in the timezone setting
    one = parse_times(pd.Series(["2025-01-02T08:00:00+01:00", "2025-07-02T08:00:00+01:00"]), timezone=TZ)
    assert one.values.tolist() == [ts("2025-01-02 14:00"), ts("2025-07-02 14:00")]
    assert one.offsets == [60]
    with pytest.raises(LogValidationError, match="mixes times with a timezone offset"):
        parse_times(pd.Series(["2025-01-02T08:00:00+07:00", "2025-01-02 09:00"]), timezone=TZ)
    with pytest.raises(LogValidationError, match=r"mixes timezone offsets \+00:00 \('2025-01-02T08:00:00Z'"):
        parse_times(pd.Series(["2025-01-02T08:00:00Z", "2025-01-02T09:00:00+07:00"]), timezone=TZ)


DST = ["2025-01-02T08:00:00+01:00", "2025-07-02T08:00:00+02:00", "2025-10-26T02:30:00+01:00"]


def test_two_offsets_are_accepted_only_where_the_timezone_has_them() -> None:
    # the two offsets of a daylight-saving zone, each at the right time of year, read in that zone
    dst = parse_times(pd.Series(DST), timezone="Europe/Amsterdam")
    assert dst.values.tolist() == [ts("2025-01-02 08:00", "Europe/Amsterdam"), ts("2025-07-02 08:00", "Europe/Amsterdam"),
                                   ts("2025-10-26 01:30", "UTC").tz_convert("Europe/Amsterdam")]
    assert dst.offsets == [60, 120]
    # the same values in a zone without daylight saving, or at the wrong time of year
    message = (
        "f.csv: column 'end_time' (timestamp) mixes timezone offsets +01:00 ('2025-01-02T08:00:00+01:00', on "
        "positions 0, 2) and +02:00 ('2025-07-02T08:00:00+02:00', on position 1), which cannot all occur in the "
        "timezone Asia/Ho_Chi_Minh at those times; convert the column to one timezone before reading, or set "
        "--timezone to the timezone the times come from"
    )
    with pytest.raises(LogValidationError) as exc:
        parse_times(pd.Series(DST), timezone=TZ, column="end_time", source="f.csv")
    assert str(exc.value) == message
    swapped = ["2025-01-02T08:00:00+02:00", "2025-07-02T08:00:00+01:00"]
    with pytest.raises(LogValidationError, match="cannot all occur in the timezone Europe/Amsterdam"):
        parse_times(pd.Series(swapped), timezone="Europe/Amsterdam")
    # +07:00 and +08:00 are an hour apart, like daylight saving, but Viet Nam has none
    vn = ["2025-01-02T08:00:00+07:00", "2025-01-03T09:00:00+08:00"]
    with pytest.raises(LogValidationError, match=r"\+07:00 .* and \+08:00 .*Asia/Ho_Chi_Minh"):
        parse_times(pd.Series(vn), timezone=TZ)
    # a long column (the whole-column fast path) names the rows too
    long = pd.Series([vn[0]] * 3000 + [vn[1]])
    with pytest.raises(LogValidationError, match=r"\+08:00 \('2025-01-03T09:00:00\+08:00', on position 3000\)"):
        parse_times(long, timezone=TZ)
    assert parse_times(pd.Series(DST * 1000), timezone="Europe/Amsterdam").offsets == [60, 120]


def test_dates_valid_in_neither_order_are_invalid_times() -> None:
    got = parse_times(pd.Series(["13/13/2025 10:00", "25/01/2025 10:00", "32/13/2025 25:00", "31/02/2025"]),
                      timezone=TZ)
    assert (list(got.bad), got.bad_values) == ([0, 2, 3], ["13/13/2025 10:00", "32/13/2025 25:00", "31/02/2025"])
    assert (got.dayfirst, got.dayfirst_from_data) == (True, True)
    # alone, they tell no order (and are still invalid)
    alone = parse_times(pd.Series(["13/13/2025 10:00", "03/04/2025 10:00"]), timezone=TZ)
    assert (list(alone.bad), alone.dayfirst_from_data) == ([0], False)
    # a long column goes through the fast path, which sends these values to the careful one
    long = parse_times(pd.Series(["25/01/2025 10:00:00"] * 3000 + ["13/13/2025 10:00:00"]), timezone=TZ)
    assert (list(long.bad), long.bad_values) == ([3000], ["13/13/2025 10:00:00"])
    # the day/month conflict names only values valid in exactly one order, with their positions
    with pytest.raises(LogValidationError) as exc:
        parse_times(pd.Series(["13/13/2025", "25/01/2025", "01/26/2025", "01/27/2025", "31/02/2025"]),
                    timezone=TZ, column="end_time", source="f.csv")
    assert str(exc.value) == (
        "f.csv: column 'end_time' (timestamp) mixes day-first and month-first dates: '25/01/2025' (day first, "
        "on position 1) and '01/26/2025' (month first, on positions 2, 3); make the column use one order"
    )


@pytest.mark.parametrize(
    ("values", "fmt"),
    [
        (["16/01/2025", "17/01/2025"], "dd/mm/yyyy, end of day"),
        (["2025-01-16", "2025-01-17"], "ISO 8601, end of day"),
        (["16/01/2025", "17/01/2025"] * 1500, "dd/mm/yyyy, end of day"),  # the whole-column fast path
        (["2025-01-16", "2025-01-17"] * 1500, "ISO 8601, end of day"),
        ([20250116, 20250117], "yyyymmdd, end of day"),
        ([45673, 45674], "Excel serial dates, end of day"),
        ([dt.date(2025, 1, 16), dt.date(2025, 1, 17)], "dates, end of day"),
        (pd.to_datetime(["2025-01-16", "2025-01-17"]), "dates, end of day"),
    ],
)
def test_date_only_due_dates_are_the_end_of_the_day(values: list, fmt: str) -> None:
    got = parse_times(pd.Series(values), timezone=TZ, role="due")
    assert got.values.iloc[:2].tolist() == [ts("2025-01-16 23:59:59.999999"), ts("2025-01-17 23:59:59.999999")]
    assert got.format == fmt
    # in the other roles a date is the start of its day
    for role in ("timestamp", "start", "received"):
        assert parse_times(pd.Series(values), timezone=TZ, role=role).values.iloc[0] == ts("2025-01-16")


def test_due_dates_with_and_without_a_time() -> None:
    got = parse_times(pd.Series(["16/01/2025", "17/01/2025 10:30", "", None]), timezone=TZ, role="due")
    assert got.values.iloc[:2].tolist() == [ts("2025-01-16 23:59:59.999999"), ts("2025-01-17 10:30")]
    assert got.format == "dd/mm/yyyy HH:MM, dates without a time at end of day"
    assert got.values.iloc[2:].isna().all()
    # a time written as 00:00 is kept: only a missing time means the end of the day
    assert parse_times(pd.Series(["16/01/2025 00:00"]), timezone=TZ, role="due").values.iloc[0] == ts("2025-01-16")
    # an instant with an offset and no time: the end of that day at that offset
    aware = parse_times(pd.Series(["2025-01-16T10:00:00+07:00", "2025-01-17+07:00"]), timezone=TZ, role="due")
    assert aware.values.iloc[1] == ts("2025-01-17 23:59:59.999999")


FORMATS = {
    "iso_offset": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+07:00"),
    "iso": lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
    "dmy": lambda t: t.strftime("%d/%m/%Y %H:%M:%S"),
    "dmy_short": lambda t: f"{t.day}/{t.month}/{t.year} {t.hour}:{t.minute:02d}",
    "excel": lambda t: repr(round((t - dt.datetime(1899, 12, 30)).total_seconds() / 86400, 8)),
}


@settings(max_examples=40, deadline=None)
@given(
    times=st.lists(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2150, 12, 31)),
                   min_size=1, max_size=30),
    form=st.sampled_from(sorted(FORMATS)),
)
def test_property_formatted_times_parse_back(times: list[dt.datetime], form: str) -> None:
    times = [t.replace(microsecond=0) for t in times]
    if form == "dmy_short":
        times = [t.replace(second=0) for t in times]
    if form == "dmy" or form == "dmy_short":  # make the order decidable from the data
        times.append(dt.datetime(2020, 1, 25, 10, 0))
    text = pd.Series([FORMATS[form](t) for t in times])
    got = parse_times(text, timezone=TZ)
    expected = pd.Series(pd.to_datetime(times)).dt.tz_localize(TZ)
    if form == "excel":  # Excel serials carry millisecond precision
        assert (got.values - expected).abs().max() <= pd.Timedelta(milliseconds=1)
    else:
        assert got.values.tolist() == expected.tolist()
    assert len(got.bad) == 0


@pytest.mark.parametrize("form", ["iso_offset", "iso", "dmy"])
def test_fast_and_careful_paths_agree(form: str) -> None:
    """A long column goes through Arrow casts; a categorical one through field-by-field parsing."""
    rng = np.random.default_rng(7)
    base = pd.Timestamp("2024-01-01")
    times = [base + pd.Timedelta(seconds=int(s)) for s in rng.integers(0, 400 * 86400, size=5000)]
    text = pd.Series([FORMATS[form](t) for t in times] + ["25/01/2024 10:00:00" if form == "dmy" else
                                                          FORMATS[form](base)])
    fast = parse_times(text, timezone=TZ)
    careful = parse_times(text.astype("category"), timezone=TZ)
    pd.testing.assert_series_equal(fast.values, careful.values)
    assert (fast.format, fast.dayfirst, fast.offsets) == (careful.format, careful.dayfirst, careful.offsets)
    # one bad value sends the fast path to the careful one, which names it
    broken = pd.concat([text, pd.Series(["31/02/2024 10:00:00" if form == "dmy" else "2024-02-31 10:00:00"])],
                       ignore_index=True)
    if form == "iso_offset":
        broken.iloc[-1] = "2024-02-31T10:00:00+07:00"
    got = parse_times(broken, timezone=TZ)
    assert list(got.bad) == [len(broken) - 1]
