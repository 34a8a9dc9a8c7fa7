"""When in the day a log's events happen: the engine's clock table.

:func:`clock_table` counts the completions and the starts of a log per local second of the day
(at most 2 × 86,400 rows, whatever the size of the log). The office hours are inferred from it
and checked against it (:mod:`procsimp.engine.office_hours`), so that step of every command runs on the
engine's backend (DuckDB, or Spark with ``--engine spark``) like the other per-event work.

The local time of an instant is its UTC time plus the timezone's offset at that instant. The
offsets over the log's time span are read from the IANA database (:mod:`zoneinfo`) and written
into the query as a ``CASE`` over the instants where they change (none for a zone without
daylight saving time, such as ``Asia/Ho_Chi_Minh`` since 1975).
"""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.log import EventLog

__all__ = ["clock_table"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_STEP_US = 6 * 3600 * 1_000_000  # offsets change months apart: a scan every six hours finds each change

# log -> {(timezone, backend name, backend id): the clock table}
_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, pd.DataFrame]] = weakref.WeakKeyDictionary()


def _offset(zone: Any, micros: int) -> int:
    """The UTC offset of ``zone`` at an instant (microseconds since the epoch), in seconds."""
    moment = (_EPOCH + timedelta(microseconds=micros)).astimezone(zone)
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _offsets(zone: Any, lo: int, hi: int) -> list[tuple[int, int]]:
    """``[(from, offset)]``: the offset in seconds from each instant ``from`` (microseconds) on,
    over ``[lo, hi]``; the first ``from`` is ``lo``."""
    current = _offset(zone, lo)
    out = [(lo, current)]
    t = lo
    while t < hi:
        nxt = min(t + _STEP_US, hi)
        after = _offset(zone, nxt)
        if after != current:
            a, b = t, nxt  # the offset changes in (a, b]: find the first second of the new one
            while b - a > 1_000_000:
                mid = a + (b - a) // 2_000_000 * 1_000_000
                mid = mid if mid > a else a + 1_000_000
                if _offset(zone, mid) == current:
                    a = mid
                else:
                    b = mid
            out.append((b, after))
            current = after
        t = nxt
    return out


def _local_second(column: str, offsets: list[tuple[int, int]]) -> str:
    """SQL: the local second of the day (0-86399) of ``column`` (microseconds since the epoch)."""
    if len(offsets) == 1:
        shift = str(offsets[0][1])
    else:
        cases = " ".join(f"WHEN {column} < {start} THEN {prev}" for (_, prev), (start, _) in zip(offsets, offsets[1:], strict=False))
        shift = f"CASE {cases} ELSE {offsets[-1][1]} END"
    return f"((CAST(floor({column} / 1e6) AS BIGINT) + {shift}) % 86400 + 86400) % 86400"


def _plan(offsets: list[tuple[int, int]], has_start: bool) -> str:
    parts = [f"SELECT 'end' AS kind, {_local_second('t_end', offsets)} AS second FROM times WHERE t_end IS NOT NULL"]
    if has_start:
        parts.append(
            f"SELECT 'start' AS kind, {_local_second('t_start', offsets)} AS second FROM times WHERE t_start IS NOT NULL"
        )
    union = "\nUNION ALL\n".join(parts)
    return f"SELECT kind, second, count(*) AS events FROM (\n{union}\n) AS t GROUP BY kind, second"


def clock_table(log: EventLog, *, timezone: str | None = None) -> pd.DataFrame:
    """How many completions (``kind = "end"``) and starts (``"start"``) of ``log`` fall on each
    local second of the day in ``timezone`` (default: the log's): columns ``kind, second``
    (0-86399) and ``events``, sorted by kind and second. Times without a timezone are taken as
    local times. Computed by the engine's backend, once per log and timezone."""
    from zoneinfo import ZoneInfo

    import pyarrow as pa
    import pyarrow.compute as pc

    from procsimp.core.log import START, TIMESTAMP
    from procsimp.engine.backend import get_backend
    from procsimp.engine.inputs import check_log
    from procsimp.engine.prepare import to_micros

    check_log(log)
    tz = timezone or log.timezone
    backend = get_backend()
    key = (tz, backend.name, id(backend))
    per_log = _CACHE.setdefault(log, {})
    if key not in per_log and log.out_of_core:
        # a log that stands on its Parquet files: the times are read where they are (UTC microseconds)
        from procsimp.engine.backend import parquet_database

        database = parquet_database(backend)
        times = log.parquet.times(database)
        span = log.time_span
        offsets = [(0, 0)] if span is None else _offsets(
            ZoneInfo(tz), int(span[0].value // 1000), int(log.parquet.facts()["last"]))
        table_in = times if database is not None else times.arrow()
        raw = backend.run({"clock": _plan(offsets, log.has("start"))}, {"times": table_in})["clock"]
        per_log[key] = _clock_frame(raw)
    if key not in per_log:
        df = log.df
        columns: dict[str, Any] = {}
        naive = False
        for name, role in (("t_end", TIMESTAMP), ("t_start", START)):
            if role == TIMESTAMP or (role in df.columns and bool(df[role].notna().any())):
                series = df[role]
                naive = naive or getattr(series.dtype, "tz", None) is None
                micros, missing = to_micros(series)
                columns[name] = pa.array(micros, mask=missing)
        present = [c for c in columns.values() if c.null_count < len(c)]
        if not present or naive:  # naive times are local times already
            offsets = [(0, 0)]
        else:
            lo = min(int(pc.min(c).as_py()) for c in present)
            hi = max(int(pc.max(c).as_py()) for c in present)
            offsets = _offsets(ZoneInfo(tz), lo, hi)
        plan = {"clock": _plan(offsets, "t_start" in columns)}
        raw = backend.run(plan, {"times": pa.table(columns)})["clock"]
        per_log[key] = _clock_frame(raw)
    return per_log[key].copy()


def _clock_frame(raw: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "kind": raw["kind"].astype(str).to_numpy(dtype=object),
            "second": raw["second"].astype(np.int64).to_numpy(),
            "events": raw["events"].astype(np.int64).to_numpy(),
        }
    )
    return table.sort_values(["kind", "second"], kind="stable").reset_index(drop=True)
