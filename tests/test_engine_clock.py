"""The engine's clock table: completions and starts per local second of the day, in the zone's
offset at each instant (daylight saving time included), as pandas' own conversion gives them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from procsimp.core.log import START, TIMESTAMP
from procsimp.engine.clock import clock_table
from procsimp.errors import ParameterError
from procsimp.read import frame_to_log
from tests.conftest import EVENT_LOGS


def _expected(log, timezone: str) -> pd.DataFrame:
    rows = []
    for kind, role in (("end", TIMESTAMP), ("start", START)):
        if role not in log.df.columns:
            continue
        local = pd.DatetimeIndex(log.df[role].dropna()).tz_convert(timezone)
        seconds = pd.Series(local.hour * 3600 + local.minute * 60 + local.second)
        counts = seconds.value_counts().sort_index()
        rows.append(pd.DataFrame({"kind": kind, "second": counts.index.to_numpy(np.int64),
                                  "events": counts.to_numpy(np.int64)}))
    return pd.concat(rows, ignore_index=True)


def test_local_seconds_across_daylight_saving_changes() -> None:
    # times every 7h13m over two years in Berlin: both changes of each year fall inside
    ends = pd.date_range("2023-01-01 00:00:07", periods=2400, freq="433min", tz="UTC")
    frame = pd.DataFrame({"case": [str(i // 4) for i in range(len(ends))], "act": "A", "t": ends,
                          "s": ends - pd.Timedelta(minutes=20)})
    frame.loc[5, "s"] = pd.NaT  # a step without a start
    log = frame_to_log(frame, case="case", activity="act", timestamp="t", start="s", timezone="Europe/Berlin")
    got = clock_table(log)
    pd.testing.assert_frame_equal(got, _expected(log, "Europe/Berlin"))
    assert got.loc[got["kind"] == "end", "events"].sum() == 2400 and got.loc[got["kind"] == "start", "events"].sum() == 2399
    # another zone: the same instants, other local seconds
    pd.testing.assert_frame_equal(clock_table(log, timezone="Asia/Ho_Chi_Minh"), _expected(log, "Asia/Ho_Chi_Minh"))


def test_bundled_log_and_a_log_before_1970() -> None:
    from procsimp.read import read_log

    log = read_log(EVENT_LOGS / "dossiers_vi.csv", cache=False)
    pd.testing.assert_frame_equal(clock_table(log), _expected(log, log.timezone))
    old = pd.DataFrame({"case": ["1", "1", "2"], "act": ["A", "B", "A"],
                        "t": ["1950-03-01 08:00:01", "1950-03-01 16:59:59", "1969-12-31 23:59:59"]})
    log = frame_to_log(old, case="case", activity="act", timestamp="t")  # Asia/Ho_Chi_Minh, +08:00 in 1950
    got = clock_table(log)
    assert got["second"].tolist() == [8 * 3600 + 1, 16 * 3600 + 59 * 60 + 59, 86399]
    pd.testing.assert_frame_equal(got, _expected(log, log.timezone))


def test_not_a_log_is_refused() -> None:
    with pytest.raises(ParameterError, match="expected an EventLog, got DataFrame"):
        clock_table(pd.DataFrame())
