"""Turn an :class:`~procsimp.core.log.EventLog` into the integer-coded ``events`` table of the engine.

Text columns become their categorical codes (``int32``, NULL when missing) and times become
microseconds since the epoch plus cumulative working minutes of the work calendar (one vectorised
calendar call per time column). The queries then never touch a string, and the codes are mapped
back to names on the small result tables.

The log is sorted by case, then time, so the directly-follows predecessor of an event is the row
before it when that row belongs to the same case. The table carries that alignment as columns
(``is_start``, ``is_end``, ``prev_act``, ``prev_end``, ``prev_wm``, and ``edge_first``: the edge's
first occurrence in its case), made with numpy shifts and one radix sort of the integer codes:
the queries then aggregate plain rows and need no window over the whole log. Two columns number
the repeats of a step in its case, from a second radix sort (by activity; the log order is kept
within one): ``occ``, how many times the event's activity ran before in its case (0 for its first
occurrence), and ``next_occ``, the row (``rn``) of the activity's next occurrence in the case
(NULL for the last one); events without an activity count as one activity of their own. The
detectors' loops and rework read them (:mod:`procsimp.engine.sql_detect`), with no window over
(case, activity). Arrow arrays are
built from the numpy buffers without copies where the values have no missing entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core.log import (
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

    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["DEFAULT_SERVICE", "Prepared", "events_table", "prepare", "encode", "to_micros", "work_minutes"]

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
    units: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
    resources: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
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


def work_minutes(micros: np.ndarray, mask: np.ndarray, calendar: WorkCalendar) -> np.ndarray:
    """Working minutes of each time (one vectorised calendar call); NaN where missing."""
    if mask.all():
        return np.full(len(micros), np.nan)
    # missing times are NaT in the microsecond view, and the calendar gives NaN for them
    index = pd.DatetimeIndex(micros.view("datetime64[us]"), copy=False).tz_localize("UTC")
    return np.asarray(calendar.work_minutes(index), dtype=float)


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


class _Columns:
    """Arrow columns of ``n`` rows, built on the numpy buffers (no copy of the values)."""

    def __init__(self, n: int) -> None:
        import pyarrow as pa

        self.pa = pa
        self.n = n
        self._empty: tuple[Any, Any] | None = None

    def null(self, kind: Any) -> Any:
        """An all-NULL column. Its buffers are shared and freshly zeroed: the pages are only
        mapped when something reads them, and nothing reads the values of NULLs."""
        pa = self.pa
        if self._empty is None:
            self._empty = (pa.py_buffer(np.zeros((self.n + 7) // 8, np.uint8)), pa.py_buffer(np.zeros(self.n * 8, np.uint8)))
        return pa.Array.from_buffers(kind, self.n, list(self._empty), null_count=self.n)

    def values(self, values: np.ndarray, missing: np.ndarray | None, kind: Any) -> Any:
        if missing is not None and missing.all():
            return self.null(kind)
        return self.pa.array(values, type=kind, mask=missing if missing is not None and missing.any() else None)

    def codes(self, values: np.ndarray | None) -> Any:
        """int32 codes, NULL where negative (all NULL for ``None``)."""
        if values is None:
            return self.null(self.pa.int32())
        missing = values < 0 if len(values) and values.min() < 0 else None  # no mask to build: the usual case
        return self.values(values, missing, self.pa.int32())

    def times(self, micros: np.ndarray | None, missing: np.ndarray | None) -> Any:
        return self.null(self.pa.int64()) if micros is None else self.values(micros, missing, self.pa.int64())

    def floats(self, values: np.ndarray | None, missing: np.ndarray | None) -> Any:
        return self.null(self.pa.float64()) if values is None else self.values(values, missing, self.pa.float64())


def _first_edges(case_codes: np.ndarray, prev_act: np.ndarray, act: np.ndarray, n_act: int,
                 is_start: np.ndarray) -> np.ndarray:
    """Whether each event's directly-follows edge (previous activity, activity) occurs for the
    first time in its case (False for a case's first event, which has no edge).

    Events grouped by edge with a stable sort keep their log order, that is case then time, so
    a repeat of an edge in a case sits right after its earlier occurrence. With at most 254
    activities the edge codes fit 16 bits and the stable sort is a radix sort."""
    n = len(act)
    out = np.zeros(n, dtype=bool)
    if n == 0 or bool(is_start.all()):
        return out
    m = n_act + 1  # a missing activity (code -1) is code n_act here
    edge = np.where(prev_act < 0, n_act, prev_act).astype(np.int64) * m + np.where(act < 0, n_act, act)
    edge[is_start] = m * m  # first events: a bucket of their own
    order = np.argsort(edge.astype(np.uint16) if m * m < 2**16 else edge, kind="stable")
    e, c = edge[order], case_codes[order]
    first = np.ones(n, dtype=bool)
    first[1:] = (e[1:] != e[:-1]) | (c[1:] != c[:-1])
    out[order] = first
    out[is_start] = False
    return out


def _occurrences(case_codes: np.ndarray, act: np.ndarray, n_act: int) -> tuple[np.ndarray, np.ndarray]:
    """``(occ, next_occ)`` of each event: how many times its activity ran before in its case, and
    the row of the activity's next occurrence in the case (-1 for none).

    Events grouped by activity with a stable sort keep their log order, that is case then time,
    so the occurrences of an activity in a case are consecutive there. With fewer than 65,535
    activities the codes fit 16 bits and the stable sort is a radix sort."""
    n = len(act)
    if n == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    key = np.where(act < 0, n_act, act)  # a missing activity is code n_act here
    order = np.argsort(key.astype(np.uint16) if n_act < 2**16 - 1 else key, kind="stable")
    k, c = key[order], case_codes[order]
    same = (k[1:] == k[:-1]) & (c[1:] == c[:-1])  # the next row in this order repeats the step
    next_occ = np.full(n, -1, dtype=np.int64)
    next_occ[order[:-1][same]] = order[1:][same]
    first = np.ones(n, dtype=bool)
    first[1:] = ~same
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    occ = np.empty(n, dtype=np.int32)
    occ[order] = np.arange(n) - group_start
    return occ, next_occ


def _codes_of(df: pd.DataFrame, name: str, n: int) -> tuple[np.ndarray | None, pd.Index]:
    """(codes or None when the column is absent or empty, categories)."""
    series = _column(df, name)
    if series is None:
        return None, pd.Index([], dtype=object)
    return encode(series, n)


def _times_of(df: pd.DataFrame, name: str, calendar: WorkCalendar | None) -> tuple[Any, Any, Any]:
    """(microseconds, missing mask, working minutes or None); all None when the column is absent."""
    series = _column(df, name)
    if series is None:
        return None, None, None
    micros, missing = to_micros(series)
    return micros, missing, (work_minutes(micros, missing, calendar) if calendar is not None else None)


def events_table(
    *,
    case: np.ndarray,
    act: np.ndarray,
    n_act: int,
    svc: np.ndarray,
    res: np.ndarray | None,
    unit: np.ndarray | None,
    channel: np.ndarray | None,
    outcome: np.ndarray | None,
    end: tuple[np.ndarray, np.ndarray, np.ndarray],
    start: tuple[Any, Any, Any],
    received: tuple[Any, Any, Any],
    due: tuple[Any, Any],
    rn: np.ndarray | None = None,
) -> pa.Table:
    """The ``events`` table of events sorted by case, then time: the codes (int32, -1 for
    missing; None for a column without values), each time as (microseconds, missing mask,
    working minutes) or Nones, and the alignment columns computed here. ``rn``: the events' row
    numbers in the whole log (default 0, 1, ...), for a part of a log made of whole dossiers;
    ``next_occ`` is then one of them too."""
    import pyarrow as pa

    n = len(case)
    col = _Columns(n)
    t_end, end_na, wm_end = end
    t_start, start_na, wm_start = start
    t_recv, recv_na, wm_recv = received
    t_due, due_na = due
    # case boundaries of the case-sorted log: a case starts where the case code changes
    is_start = np.ones(n, dtype=bool)
    np.not_equal(case[1:], case[:-1], out=is_start[1:])
    is_end = np.ones(n, dtype=bool)
    is_end[:-1] = is_start[1:]
    prev_na = is_start | _shifted(end_na, is_start)
    prev_act = _shifted(act, is_start)
    prev_act[is_start] = -1
    occ, next_occ = _occurrences(case, act, n_act)
    if rn is None:
        rn = np.arange(n, dtype=np.int64)
    else:
        next_occ = np.where(next_occ >= 0, rn[np.maximum(next_occ, 0)], -1)
    columns: dict[str, Any] = {
        "rn": pa.array(rn),
        "case_id": col.codes(case),
        "act": col.codes(act),
        "svc": col.codes(svc),
        "res": col.codes(res),
        "unit": col.codes(unit),
        "channel": col.codes(channel),
        "outcome": col.codes(outcome),
        "is_start": pa.array(is_start),
        "is_end": pa.array(is_end),
        "prev_act": col.codes(prev_act),
        "edge_first": pa.array(_first_edges(case, prev_act, act, n_act, is_start)),
        "occ": pa.array(occ),
        "next_occ": col.values(next_occ, next_occ < 0, pa.int64()),
        "t_end": col.times(t_end, end_na),
        "prev_end": col.times(_shifted(t_end, is_start), prev_na),
        "wm_end": col.floats(wm_end, end_na),
        "prev_wm": col.floats(_shifted(wm_end, is_start), prev_na),
        "t_start": col.times(t_start, start_na),
        "wm_start": col.floats(wm_start, start_na),
        "t_recv": col.times(t_recv, recv_na),
        "wm_recv": col.floats(wm_recv, recv_na),
        "t_due": col.times(t_due, due_na),
    }
    return pa.table(columns)


def prepare(log: EventLog, calendar: WorkCalendar) -> Prepared:
    """Build the engine's ``events`` table for ``log`` (the log is not modified)."""
    df = log.df
    n = len(df)

    case_codes, case_cats = encode(df[CASE], n)
    act_codes, act_cats = encode(df[ACTIVITY], n)
    svc_codes, svc_cats = _codes_of(df, SERVICE, n)
    if svc_codes is None:  # no service column: one service
        svc_cats = pd.Index([DEFAULT_SERVICE], dtype=object)
        svc_codes = np.zeros(n, dtype=np.int32)
    elif (svc_codes < 0).any():  # cases without a service
        svc_cats = svc_cats.append(pd.Index([DEFAULT_SERVICE], dtype=svc_cats.dtype))
        svc_codes = np.where(svc_codes < 0, len(svc_cats) - 1, svc_codes).astype(np.int32)
    res_codes, res_cats = _codes_of(df, RESOURCE, n)
    unit_codes, unit_cats = _codes_of(df, UNIT, n)
    ch_codes, ch_cats = _codes_of(df, CHANNEL, n)
    out_codes, out_cats = _codes_of(df, OUTCOME, n)

    t_end, end_na, wm_end = _times_of(df, TIMESTAMP, calendar)
    if t_end is None:  # no completion time at all (not a valid log, but keep the shapes)
        t_end, end_na, wm_end = np.full(n, _NAT, np.int64), np.ones(n, bool), np.full(n, np.nan)
    t_start, start_na, wm_start = _times_of(df, START, calendar)
    t_recv, recv_na, wm_recv = _times_of(df, RECEIVED, calendar)
    t_due, due_na, _ = _times_of(df, DUE, None)
    table = events_table(
        case=case_codes, act=act_codes, n_act=len(act_cats), svc=svc_codes, res=res_codes, unit=unit_codes,
        channel=ch_codes, outcome=out_codes, end=(t_end, end_na, wm_end), start=(t_start, start_na, wm_start),
        received=(t_recv, recv_na, wm_recv), due=(t_due, due_na),
    )
    return Prepared(
        table=table,
        services=svc_cats,
        activities=act_cats,
        cases=case_cats,
        channels=ch_cats,
        outcomes=out_cats,
        timezone=log.timezone,
        minutes_per_day=float(calendar.minutes_per_day),
        has_start=t_start is not None,
        has_due=t_due is not None,
        has_received=t_recv is not None,
        units=unit_cats,
        resources=res_cats,
    )
