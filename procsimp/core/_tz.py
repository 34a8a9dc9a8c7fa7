"""UTC to local wall-clock time without a per-value timezone lookup when the offset is constant.

Converting a million instants through a zone's transition table costs pandas about 10 ms. Most
dossier logs come from a zone whose offset does not change over the log's span (Viet Nam has
kept UTC+7 since 1975), and then local time is one addition. :func:`constant_offset` says whether
that holds: it asks pandas for the offset at every UTC hour from the first to the last instant
(8,760 values for a year) and at both ends; no zone changes its offset and back within
an hour, so equal offsets on that grid mean one offset over the whole span.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from procsimp.errors import LogValidationError

__all__ = ["check_timezone", "constant_offset", "local_ticks"]

_NAT = np.iinfo(np.int64).min
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
#: spans longer than this many hours (about 11 years) are not checked on a grid
_MAX_HOURS = 100_000


def constant_offset(first: int, last: int, unit: str, timezone: str, *, max_hours: int = _MAX_HOURS) -> int | None:
    """The UTC offset of ``timezone`` in ticks of ``unit`` if it is the same at every instant
    from ``first`` to ``last`` (int64 UTC ticks), else None. A span longer than ``max_hours``
    hours is not checked (None): a caller about to convert more values than that may allow more
    than the default, never less."""
    per_hour = 3600 * _PER_SECOND[unit]
    h0, h1 = first // per_hour, last // per_hour + 1
    if h1 - h0 > max(max_hours, _MAX_HOURS):
        return None
    ends = np.array([first, last], dtype=np.int64)
    at_ends = pd.DatetimeIndex(ends.view(f"datetime64[{unit}]")).tz_localize("UTC").tz_convert(timezone)
    if at_ends[0].utcoffset() != at_ends[1].utcoffset():
        return None
    grid = np.concatenate([np.arange(h0, h1 + 1, dtype=np.int64) * per_hour, [first, last]])
    idx = pd.DatetimeIndex(grid.view(f"datetime64[{unit}]")).tz_localize("UTC")
    offsets = np.asarray(idx.tz_convert(timezone).tz_localize(None).asi8, dtype=np.int64) - grid
    return int(offsets[0]) if bool((offsets == offsets[0]).all()) else None


def local_ticks(ticks: np.ndarray, unit: str, timezone: str) -> np.ndarray:
    """Local wall-clock ticks of ``timezone`` for int64 UTC ``ticks`` of ``unit``; NaT (int64
    min) stays NaT. Equal to ``tz_convert(timezone).tz_localize(None)``; a new array."""
    ticks = np.asarray(ticks, dtype=np.int64)
    nat = ticks == _NAT
    valid = ticks[~nat] if nat.any() else ticks
    if len(valid):
        offset = constant_offset(int(valid.min()), int(valid.max()), unit, timezone)
        if offset is not None:
            out = ticks + offset
            out[nat] = _NAT
            return out
    idx = pd.DatetimeIndex(ticks.view(f"datetime64[{unit}]")).tz_localize("UTC")
    return np.asarray(idx.tz_convert(timezone).tz_localize(None).asi8, dtype=np.int64)


def check_timezone(timezone: str) -> None:
    """Raise :class:`~procsimp.errors.LogValidationError` unless ``timezone`` is an IANA timezone
    name that this machine knows (checked once, before any reader uses it)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise LogValidationError(
            f"--timezone {str(timezone)!r} is not a known timezone; use an IANA name such as "
            "Asia/Ho_Chi_Minh or UTC"
        ) from None
