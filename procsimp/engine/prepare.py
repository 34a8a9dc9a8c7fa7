"""Turn an :class:`~procsimp.log.EventLog` into the integer-coded ``events`` table of the engine.

Text columns become their categorical codes (``int32``, NULL when missing) and times become
microseconds since the epoch plus cumulative working minutes of the work calendar (one vectorised
calendar call per time column). The queries then never touch a string, and the codes are mapped
back to names on the small result tables.

The log is sorted by case, then time, so the directly-follows predecessor of an event is the row
before it when that row belongs to the same case. The table carries that alignment as columns
(``is_start``, ``is_end``, ``prev_act``, ``prev_end``, ``prev_wm``), made with numpy shifts of the
integer codes: the queries then aggregate plain rows and need no window over the whole log. Arrow
arrays are built from the numpy buffers without copies where the values have no missing entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.log import (
    ACTIVITY,
    CASE,
    CHANNEL,
    DUE,
    OUTCOME,
    RECEIVED,
    RESOURCE,
    SERVICE,
    START,
    TIMESTAMP,
    UNIT,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from procsimp.calendar import WorkCalendar
    from procsimp.log import EventLog

__all__ = ["DEFAULT_SERVICE", "Prepared", "prepare", "encode", "to_micros"]

#: the service name used for a log without a service column (and for cases without a service)
DEFAULT_SERVICE = "all"

_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True, eq=False)
class Prepared:
    """The ``events`` table plus the dictionaries that decode its integer codes."""

    table: pa.Table
    services: pd.Index
    activities: pd.Index
    cases: pd.Index
    channels: pd.Index
    outcomes: pd.Index
    timezone: str
    minutes_per_day: float
    has_start: bool
    has_due: bool
    has_received: bool
    _names: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def names(self, kind: str) -> np.ndarray:
        """The names of one dictionary (``"activities"``, ``"cases"`` ...) as an object array."""
        if kind not in self._names:
            index = getattr(self, kind)
            self._names[kind] = np.array(index.astype(object), dtype=object) if len(index) else np.array([], dtype=object)
        return self._names[kind]


def encode(series: pd.Series | None, n: int) -> tuple[np.ndarray, pd.Index]:
    """``(codes int32 with -1 for missing, categories)``; decode with ``categories.take``."""
    if series is None:
        return np.full(n, -1, dtype=np.int32), pd.Index([], dtype=object)
    cat = series if isinstance(series.dtype, pd.CategoricalDtype) else series.astype("category")
    codes = cat.cat.codes.to_numpy().astype(np.int32, copy=False)
    return codes, cat.cat.categories


def to_micros(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(int64 microseconds since the epoch (UTC), missing mask)`` of a datetime column."""
    s = series
    if not isinstance(s.dtype, (pd.DatetimeTZDtype, np.dtypes.DateTime64DType)):
        s = pd.to_datetime(s, utc=True)
    values = s.dt.as_unit("us").array.asi8 if hasattr(s, "dt") else s.asi8
    values = np.asarray(values, dtype=np.int64)
    mask = values == _NAT
    return values, mask


def _work_minutes(micros: np.ndarray, mask: np.ndarray, calendar: WorkCalendar) -> np.ndarray:
    """Working minutes of each time (one vectorised calendar call); NaN where missing."""
    out = np.full(len(micros), np.nan)
    if (~mask).any():
        index = pd.DatetimeIndex(micros[~mask].view("datetime64[us]")).tz_localize("UTC")
        out[~mask] = np.asarray(calendar.work_minutes(index), dtype=float)
    return out


def _column(df: pd.DataFrame, name: str) -> pd.Series | None:
    if name in df.columns and bool(df[name].notna().any()):
        return df[name]
    return None


def _shifted(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """``values`` moved one row down (row ``i`` holds row ``i - 1``); rows in ``first`` get 0."""
    out = np.empty_like(values)
    out[1:] = values[:-1]
    if len(out):
        out[0] = 0
    out[first] = 0
    return out


def prepare(log: EventLog, calendar: WorkCalendar) -> Prepared:
    """Build the engine's ``events`` table for ``log`` (the log is not modified)."""
    import pyarrow as pa

    df = log.df
    n = len(df)

    def codes(values: np.ndarray) -> pa.Array:
        missing = values < 0
        if missing.all():
            return pa.nulls(n, type=pa.int32())
        return pa.array(values, type=pa.int32(), mask=missing if missing.any() else None)

    def values_or_null(values: np.ndarray, mask: np.ndarray, kind: pa.DataType) -> pa.Array:
        if mask.all():
            return pa.nulls(n, type=kind)
        return pa.array(values, type=kind, mask=mask if mask.any() else None)

    case_codes, case_cats = encode(df[CASE], n)
    act_codes, act_cats = encode(df[ACTIVITY], n)
    svc_codes, svc_cats = encode(_column(df, SERVICE), n)
    if (svc_codes < 0).any():  # no service column, or cases without a service
        svc_cats = svc_cats.append(pd.Index([DEFAULT_SERVICE], dtype=svc_cats.dtype if len(svc_cats) else object))
        svc_codes = np.where(svc_codes < 0, len(svc_cats) - 1, svc_codes).astype(np.int32)
    res_codes, _ = encode(_column(df, RESOURCE), n)
    unit_codes, _ = encode(_column(df, UNIT), n)
    ch_codes, ch_cats = encode(_column(df, CHANNEL), n)
    out_codes, out_cats = encode(_column(df, OUTCOME), n)

    # case boundaries of the case-sorted log: a case starts where the case code changes
    is_start = np.ones(n, dtype=bool)
    np.not_equal(case_codes[1:], case_codes[:-1], out=is_start[1:])
    is_end = np.ones(n, dtype=bool)
    is_end[:-1] = is_start[1:]

    t_end, end_na = to_micros(df[TIMESTAMP])
    wm_end = _work_minutes(t_end, end_na, calendar)
    prev_na = is_start | _shifted(end_na, is_start)
    columns: dict[str, Any] = {
        "rn": pa.array(np.arange(n, dtype=np.int64)),
        "case_id": codes(case_codes),
        "act": codes(act_codes),
        "svc": codes(svc_codes),
        "res": codes(res_codes),
        "unit": codes(unit_codes),
        "channel": codes(ch_codes),
        "outcome": codes(out_codes),
        "is_start": pa.array(is_start),
        "is_end": pa.array(is_end),
        "prev_act": codes(np.where(is_start, -1, _shifted(act_codes, is_start))),
        "t_end": values_or_null(t_end, end_na, pa.int64()),
        "prev_end": values_or_null(_shifted(t_end, is_start), prev_na, pa.int64()),
        "wm_end": values_or_null(wm_end, end_na, pa.float64()),
        "prev_wm": values_or_null(_shifted(wm_end, is_start), prev_na, pa.float64()),
    }
    start = _column(df, START)
    has_start = start is not None
    if start is not None:
        t_start, start_na = to_micros(start)
        wm_start = _work_minutes(t_start, start_na, calendar)
    else:
        t_start, start_na, wm_start = np.zeros(n, np.int64), np.ones(n, bool), np.full(n, np.nan)
    columns["t_start"] = values_or_null(t_start, start_na, pa.int64())
    columns["wm_start"] = values_or_null(wm_start, start_na, pa.float64())

    received = _column(df, RECEIVED)
    if received is not None:
        t_recv, recv_na = to_micros(received)
        wm_recv = _work_minutes(t_recv, recv_na, calendar)
    else:
        t_recv, recv_na, wm_recv = np.zeros(n, np.int64), np.ones(n, bool), np.full(n, np.nan)
    columns["t_recv"] = values_or_null(t_recv, recv_na, pa.int64())
    columns["wm_recv"] = values_or_null(wm_recv, recv_na, pa.float64())

    due = _column(df, DUE)
    if due is not None:
        t_due, due_na = to_micros(due)
    else:
        t_due, due_na = np.zeros(n, np.int64), np.ones(n, bool)
    columns["t_due"] = values_or_null(t_due, due_na, pa.int64())

    return Prepared(
        table=pa.table(columns),
        services=svc_cats,
        activities=act_cats,
        cases=case_cats,
        channels=ch_cats,
        outcomes=out_cats,
        timezone=log.timezone,
        minutes_per_day=float(calendar.minutes_per_day),
        has_start=has_start,
        has_due=due is not None,
        has_received=received is not None,
    )
