"""Small event logs shared by the engine, mining and Spark tests: a hand-made one and random ones."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from procsimp.core.log import EventLog
from procsimp.read import frame_to_log

__all__ = ["ACTS", "SMALL_COLUMNS", "TZ", "random_logs", "small_frame", "small_log"]

TZ = "Asia/Ho_Chi_Minh"


def small_frame() -> pd.DataFrame:
    """Three dossiers in two services; Monday 3 March 2025 is an ordinary working day in Vietnam."""
    return pd.DataFrame(
        {
            "case": ["a", "a", "a", "b", "b", "c"],
            "act": ["R", "C", "R", "R", "X", "R"],
            "end": pd.to_datetime(
                ["2025-03-03 08:00", "2025-03-03 09:00", "2025-03-04 10:00", "2025-03-03 08:00", "2025-03-05 08:00", "2025-03-06 09:00"]
            ),
            "start": pd.to_datetime(
                ["2025-03-03 07:45", "2025-03-03 08:30", "2025-03-04 09:00", None, "2025-03-04 08:00", "2025-03-06 08:00"]
            ),
            "res": ["u1", "u2", None, "u1", "u1", "u3"],
            "unit": ["D1", "D1", "D2", "D1", None, "D1"],
            "svc": ["S1", "S1", "S1", "S2", "S2", "S1"],
            "ch": ["online", "online", "online", "counter", "counter", "online"],
            "recv": pd.to_datetime(["2025-03-02 10:00"] * 3 + [None] * 3),
            "due": pd.to_datetime(["2025-03-06 17:00"] * 3 + ["2025-03-04 17:00"] * 2 + [None]),
        }
    )


#: the columns of :func:`small_frame`
SMALL_COLUMNS = dict(
    case="case", activity="act", timestamp="end", start="start", resource="res", unit="unit",
    service="svc", channel="ch", received="recv", due="due",
)


def small_log() -> EventLog:
    """:func:`small_frame` as an EventLog."""
    return frame_to_log(small_frame(), **SMALL_COLUMNS)


ACTS = ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ", "Ký duyệt kết quả", "Trả kết quả", "B", "A"]


@st.composite
def random_logs(draw: st.DrawFn, *, with_start: bool | None = None) -> EventLog:
    n_cases = draw(st.integers(1, 7))
    use_start = draw(st.booleans()) if with_start is None else with_start
    use_service = draw(st.booleans())
    rows = []
    base = pd.Timestamp("2025-01-06 07:00")
    for i in range(n_cases):
        n = draw(st.integers(1, 6))
        t = base + pd.Timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
        svc = draw(st.sampled_from(["S1", "S2"]))
        for _ in range(n):
            t = t + pd.Timedelta(minutes=draw(st.sampled_from([0, 0, 5, 90, 600, 2000, 9000])))
            dur = pd.Timedelta(minutes=draw(st.sampled_from([0, 10, 120])))
            rows.append(
                {
                    "case": f"c{i}",
                    "act": draw(st.sampled_from(ACTS)),
                    "end": t + dur,
                    "start": t,
                    "res": draw(st.sampled_from(["u1", "u2", None])),
                    "unit": draw(st.sampled_from(["D1", "D2", None])),
                    "svc": svc,
                }
            )
            t = t + dur
    df = pd.DataFrame(rows)
    cols = {"case": "case", "activity": "act", "timestamp": "end", "resource": "res", "unit": "unit"}
    if use_start:
        cols["start"] = "start"
    if use_service:
        cols["service"] = "svc"
    else:
        df = df.drop(columns=["svc"])
    if not use_start:
        df = df.drop(columns=["start"])
    return frame_to_log(df, **cols)
