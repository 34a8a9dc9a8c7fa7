# Long module: working-minute arithmetic, its inverse, holidays and due dates share the calendar's tables.
"""Working-day calendar: office hours, weekends and Vietnamese public holidays.

Statutory deadlines of public services count *working* days, so lead times, waiting times and due
dates must skip nights, lunch breaks, weekends and public holidays. :class:`WorkCalendar` turns any
time into a number of *working minutes since a fixed epoch* (2000-01-01 00:00 local time); every
other computation is a difference or an inverse of that number, vectorised with numpy over whole
logs.

Rules:

* a day is a working day when its weekday is in ``weekdays`` or it is an official swapped working
  day (Vietnam moves a working Saturday next to a holiday), and it is not a public holiday of
  ``country`` (from the maintained ``holidays`` package, lunar New Year included);
  ``extra_holidays`` and ``extra_workdays`` override both;
* a working day has the office ``hours`` (default 07:30-11:30 and 13:30-17:00, 450 minutes);
* a time outside office hours counts as the end of the previous working period (a dossier
  received at 18:00 starts its clock at the next opening);
* the inverse maps a value on a period boundary to the end of the earlier working period
  (``from_work_minutes`` of Monday 07:30 gives the previous Friday 17:00).

Example::

    >>> cal = WorkCalendar()
    >>> # Friday before the lunar New Year to the Monday after it: one working day
    >>> float(cal.working_days_between("2025-01-24 08:00", "2025-02-03 08:00"))
    1.0
"""

from __future__ import annotations

import datetime as _dt
import functools
import html
import re
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from procsimp.core._tz import local_ticks
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.log import EventLog

__all__ = [
    "WorkCalendar",
    "default_calendar",
    "round_the_clock",
    "calendar_for",
    "check_round_the_clock",
    "vietnamese_evidence",
    "due_dates",
    "classify_on_time",
    "TIMELINESS",
]

#: categories of :func:`classify_on_time`, in order
TIMELINESS: tuple[str, ...] = ("early", "on_time", "late")

_NS_PER_MIN = 60_000_000_000
_NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min
_TICKS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_EPOCH = _dt.date(2000, 1, 1)
_EPOCH_DAY = (_EPOCH - _dt.date(1970, 1, 1)).days  # days since 1970-01-01
_MIN_YEAR, _MAX_YEAR = 1678, 2261  # what a pandas nanosecond timestamp can hold


def _parse_clock(value: Any, what: str) -> float:
    """'07:30' / '7:30:15' / datetime.time -> minutes after midnight (24:00 allowed)."""
    if isinstance(value, _dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    text = str(value).strip()
    parts = text.split(":")
    try:
        if not 2 <= len(parts) <= 3:
            raise ValueError
        h, m = int(parts[0]), int(parts[1])
        s = int(parts[2]) if len(parts) == 3 else 0
        if not (0 <= m < 60 and 0 <= s < 60 and 0 <= h <= 24) or (h == 24 and (m or s)):
            raise ValueError
    except ValueError:
        raise ParameterError(
            f"{what}: {value!r} is not a clock time; write it as 'HH:MM' (00:00-24:00), "
            "e.g. hours=(('07:30', '11:30'), ('13:30', '17:00'))"
        ) from None
    return h * 60 + m + s / 60


def _as_date(value: Any, what: str) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ParameterError(
            f"{what}: {value!r} is not a date; give dates as 'YYYY-MM-DD' or datetime.date"
        ) from None


def _to_datetime_index(times: Any) -> tuple[pd.DatetimeIndex, tuple[int, ...]]:
    """Any time-like input as a flat DatetimeIndex, plus the input's shape (``()`` for a scalar)."""
    if isinstance(times, pd.DatetimeIndex):
        return times, (len(times),)
    if isinstance(times, pd.Series):
        values: Any = times
        shape: tuple[int, ...] = (len(times),)
    elif isinstance(times, (str, _dt.date, np.datetime64)) or np.ndim(times) == 0:
        values, shape = [times], ()
    elif isinstance(times, pd.api.extensions.ExtensionArray | pd.Index):
        values, shape = times, (len(times),)
    else:
        arr = np.asarray(times)
        values, shape = arr.ravel(), arr.shape
    try:
        try:
            parsed = pd.to_datetime(values)
        except ValueError:
            try:
                parsed = pd.to_datetime(values, format="ISO8601")
            except ValueError:
                parsed = pd.to_datetime(values, format="ISO8601", utc=True)  # mixed offsets
    except (ValueError, TypeError) as exc:
        shown = str(times)[:60]
        raise ParameterError(
            f"cannot read {shown!r} as times ({exc}); give datetimes, Timestamps or ISO strings"
        ) from None
    return pd.DatetimeIndex(parsed), shape


class _DayTable(NamedTuple):
    """The working days of a year range: one immutable snapshot (arrays are read-only)."""

    years: tuple[int, int]
    day0: int  # first day of the table, as days since 1970-01-01
    work: np.ndarray  # whether each day is a working day
    cum_before: np.ndarray  # working minutes from the epoch to each day's start
    cum_end: np.ndarray  # ... to each day's end

    def covers(self, lo: int, hi: int) -> bool:
        return self.years[0] <= lo and hi <= self.years[1]


class WorkCalendar:
    """Office hours, working weekdays and public holidays of one administration.

    Parameters (keyword-only):

    timezone
        IANA name; naive times are taken as local times of this zone, aware ones are converted.
    hours
        working periods of a working day, as ``(("07:30", "11:30"), ("13:30", "17:00"))``.
    weekdays
        working weekdays, Monday = 0 ... Sunday = 6.
    country
        ISO code for the public holidays of the ``holidays`` package (``"VN"``), or None;
        ``"NL-NH"`` (country and subdivision) is the same as ``country="NL", subdivision="NH"``.
    subdivision
        a subdivision code of ``country`` in the ``holidays`` package (a state, province or
        canton with its own holidays), or None for the national ones.
    extra_holidays
        additional days off: an iterable of dates, or a mapping date -> name.
    extra_workdays
        additional working days (e.g. a swapped working Saturday not yet in the library).

    All time methods are vectorised: they accept a scalar, a list, a numpy array, a
    ``DatetimeIndex`` or a ``Series`` and return numpy arrays (``pd.DatetimeIndex`` for times).

    A calendar is safe to share between threads: its day table grows (to the years asked for)
    under a lock, and each call works on one immutable snapshot of it.
    """

    def __init__(
        self,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        hours: Iterable[tuple[Any, Any]] = (("07:30", "11:30"), ("13:30", "17:00")),
        weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        country: str | None = "VN",
        subdivision: str | None = None,
        extra_holidays: Iterable[Any] | Mapping[Any, str] = (),
        extra_workdays: Iterable[Any] = (),
    ) -> None:
        try:
            pd.Timestamp("2000-01-01").tz_localize(timezone)
        except Exception:
            raise ParameterError(
                f"timezone={timezone!r} is not a known IANA timezone; use a name such as "
                "'Asia/Ho_Chi_Minh' or 'UTC'"
            ) from None
        self.timezone = str(timezone)

        periods = []
        for i, period in enumerate(hours):
            try:
                start, end = period
            except (TypeError, ValueError):
                raise ParameterError(
                    f"hours[{i}]={period!r} is not a (start, end) pair; "
                    "write hours=(('07:30', '11:30'), ('13:30', '17:00'))"
                ) from None
            s, e = _parse_clock(start, f"hours[{i}] start"), _parse_clock(end, f"hours[{i}] end")
            if e <= s:
                raise ParameterError(
                    f"hours[{i}]=({start!r}, {end!r}) ends before it starts; "
                    "each working period must be (start, end) with start < end"
                )
            periods.append((s, e))
        if not periods:
            raise ParameterError("hours is empty; give at least one working period, e.g. (('07:30', '17:00'),)")
        periods.sort()
        for (_, e0), (s1, _) in zip(periods, periods[1:], strict=False):
            if s1 < e0:
                raise ParameterError(
                    f"hours overlap: a period starts at {s1 / 60:.2f} h before the previous one "
                    f"ends at {e0 / 60:.2f} h; give non-overlapping periods"
                )
        self.hours: tuple[tuple[str, str], ...] = tuple(
            (f"{int(s // 60):02d}:{int(s % 60):02d}", f"{int(e // 60):02d}:{int(e % 60):02d}")
            for s, e in periods
        )
        self._p_start = np.array([s for s, _ in periods], dtype=float)
        self._p_end = np.array([e for _, e in periods], dtype=float)
        lengths = self._p_end - self._p_start
        self._p_cum_end = np.cumsum(lengths)  # working minutes of a day at each period's end
        self._p_cum_start = self._p_cum_end - lengths
        self.minutes_per_day: float = float(lengths.sum())

        wd = sorted({int(d) for d in weekdays})
        if not wd or any(d < 0 or d > 6 for d in wd):
            raise ParameterError(
                f"weekdays={tuple(weekdays)!r} must be a non-empty set of 0 (Monday) .. 6 (Sunday)"
            )
        self.weekdays: tuple[int, ...] = tuple(wd)

        self.country = country.strip().upper() if isinstance(country, str) and country.strip() else None
        if self.country is not None and "-" in self.country and subdivision is None:
            self.country, subdivision = self.country.split("-", 1)
        self.subdivision = subdivision.strip() if isinstance(subdivision, str) and subdivision.strip() else None
        if self.subdivision is not None and self.country is None:
            raise ParameterError(f"subdivision={subdivision!r} needs a country, e.g. country='NL'")
        if self.country is not None:
            import holidays as _holidays

            try:
                _holidays.country_holidays(self.country, years=2000)
            except NotImplementedError:
                raise ParameterError(
                    f"country={country!r} has no public-holiday data in the 'holidays' package; "
                    "use an ISO 3166 code such as 'VN' or 'NL' (optionally with a subdivision, "
                    "'DE-BY'), or country=None with extra_holidays"
                ) from None
            if self.subdivision is not None:
                known = _holidays.list_supported_countries().get(self.country, [])
                by_lower = {str(k).lower(): str(k) for k in known}
                self.subdivision = by_lower.get(self.subdivision.lower(), self.subdivision)
                if self.subdivision not in known:
                    shown = ", ".join(known[:40]) or "none: this country has no subdivisions there"
                    raise ParameterError(
                        f"subdivision {self.subdivision!r} is not a subdivision of {self.country} in the "
                        f"'holidays' package; subdivisions: {shown}"
                    )

        if isinstance(extra_holidays, Mapping):
            extra_h = {_as_date(k, "extra_holidays"): str(v) for k, v in extra_holidays.items()}
        else:
            extra_h = {_as_date(k, "extra_holidays"): "Extra holiday" for k in extra_holidays}
        extra_w = {_as_date(k, "extra_workdays") for k in extra_workdays}
        both = sorted(set(extra_h) & extra_w)
        if both:
            raise ParameterError(
                f"{both[0].isoformat()} is in both extra_holidays and extra_workdays; "
                "list each date in one of them only"
            )
        self.extra_holidays: dict[_dt.date, str] = dict(sorted(extra_h.items()))
        self.extra_workdays: tuple[_dt.date, ...] = tuple(sorted(extra_w))

        # day table, built lazily over a growing year range (always containing the epoch); a
        # grown table replaces the old one whole, so a reader never sees half an update
        self._table: _DayTable | None = None
        self._grow_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_grow_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._grow_lock = threading.Lock()

    @property
    def periods(self) -> tuple[tuple[float, float], ...]:
        """The working periods of a working day, in minutes after midnight: ``((450, 690), (810, 1020))``."""
        return tuple((float(a), float(b)) for a, b in zip(self._p_start, self._p_end, strict=True))

    # ------------------------------------------------------------------ day table
    def _country_days(self, years: range) -> tuple[dict[_dt.date, str], set[_dt.date]]:
        if self.country is None:
            return {}, set()
        import holidays as _holidays

        cal = _holidays.country_holidays(self.country, subdiv=self.subdivision, years=years)
        names = dict(cal.items())
        swapped = set(getattr(cal, "weekend_workdays", ()) or ())
        return names, swapped

    def _ensure(self, first_day: int, last_day: int) -> _DayTable:
        """A day table that covers days ``first_day .. last_day`` (days since 1970-01-01)."""
        y_first = (np.datetime64(int(first_day), "D").astype("datetime64[Y]").astype(int) + 1970)
        y_last = (np.datetime64(int(last_day), "D").astype("datetime64[Y]").astype(int) + 1970)
        lo = max(int(min(y_first, _EPOCH.year)), _MIN_YEAR)
        hi = min(int(max(y_last, _EPOCH.year)), _MAX_YEAR)
        table = self._table
        if table is not None and table.covers(lo, hi):
            return table
        with self._grow_lock:
            table = self._table  # another thread may have grown it meanwhile
            if table is not None:
                if table.covers(lo, hi):
                    return table
                lo, hi = min(lo, table.years[0]), max(hi, table.years[1])
            table = self._build(lo, hi)
            self._table = table
            return table

    def _build(self, lo: int, hi: int) -> _DayTable:
        """The day table of the years ``lo .. hi``."""
        start = _dt.date(lo, 1, 1)
        n = (_dt.date(hi, 12, 31) - start).days + 1
        day0 = (start - _dt.date(1970, 1, 1)).days
        days = np.arange(day0, day0 + n, dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (3)
        work = np.isin(weekday, np.array(self.weekdays))
        names, swapped = self._country_days(range(lo, hi + 1))

        def idx(ds: Iterable[_dt.date]) -> np.ndarray:
            ii = np.array([(d - start).days for d in ds], dtype=np.int64)
            return ii[(ii >= 0) & (ii < n)]

        work[idx(swapped)] = True
        work[idx(names)] = False
        work[idx(self.extra_holidays)] = False
        work[idx(self.extra_workdays)] = True
        per_day = np.where(work, self.minutes_per_day, 0.0)
        cum_end = np.cumsum(per_day)
        epoch_i = _EPOCH_DAY - day0
        offset = cum_end[epoch_i] - per_day[epoch_i]  # minutes before the epoch day
        cum_end -= offset
        cum_before = cum_end - per_day
        for array in (work, cum_before, cum_end):
            array.flags.writeable = False
        return _DayTable((lo, hi), day0, work, cum_before, cum_end)

    # ------------------------------------------------------------------ conversions
    def _local_ns(self, times: Any) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
        """Local wall-clock nanoseconds (int64), a NaT mask and the input shape."""
        idx, shape = _to_datetime_index(times)
        local = idx if idx.tz is None else idx.tz_convert(self.timezone).tz_localize(None)
        local = local.as_unit("ns")
        return local.asi8.copy(), np.asarray(local.isna()), shape

    def _instants(self, times: Any) -> tuple[np.ndarray, np.ndarray]:
        """UTC nanoseconds (naive times are local times of the calendar) and a NaT mask."""
        idx, _ = _to_datetime_index(times)
        if idx.tz is None:
            idx = idx.tz_localize(self.timezone, ambiguous="NaT", nonexistent="shift_forward")
        idx = idx.as_unit("ns")
        return idx.asi8.copy(), np.asarray(idx.isna())

    def _lookup(self, ns: np.ndarray, nat: np.ndarray) -> tuple[np.ndarray, _DayTable]:
        """Day-table index of each local time (0 for NaT), and the table it indexes."""
        return self._day_index(np.floor_divide(ns, _NS_PER_DAY), nat)

    def _day_index(
        self, days: np.ndarray, nat: np.ndarray, *, in_place: bool = False
    ) -> tuple[np.ndarray, _DayTable]:
        """Day-table index of each local day number (0 for NaT), and the table it indexes.

        ``in_place`` reuses ``days``.
        """
        if nat.all():  # also an empty input
            table = self._ensure(_EPOCH_DAY, _EPOCH_DAY)
        else:
            ok = days[~nat] if nat.any() else days
            table = self._ensure(int(ok.min()), int(ok.max()))
        i = days if in_place else days.copy()
        i -= table.day0
        i[nat] = 0
        return i, table

    def work_minutes(self, times: Any) -> np.ndarray:
        """Cumulative working minutes from the epoch (2000-01-01 00:00 local) to each time.

        Monotone non-decreasing in time; a time outside office hours counts as the end of the
        previous working period; NaT gives NaN. Differences of two values are working minutes.
        """
        idx, shape = _to_datetime_index(times)
        # local wall-clock ticks in the input's own unit (no conversion pass); a day and a minute
        # are whole numbers of ticks, so the minute of the day is the same double in every unit.
        # Few temporaries: on large inputs, fresh memory (page faults) costs as much as the maths.
        unit = idx.unit
        per_second = _TICKS_PER_SECOND[unit]
        per_day, per_minute = 86_400 * per_second, 60 * per_second
        ticks = idx.asi8 if idx.tz is None else local_ticks(idx.asi8, unit, self.timezone)
        nat = ticks == _NAT
        days = np.floor_divide(ticks, per_day)
        since_midnight = days * per_day
        np.subtract(ticks, since_midnight, out=since_midnight)
        minute_of_day = since_midnight / per_minute
        del since_midnight
        i, table = self._day_index(days, nat, in_place=True)
        # minutes inside each office period of the day, one 1-D pass per period (no n x periods
        # matrix), added in period order; the last period reuses the minute-of-day buffer
        starts, ends = self._p_start, self._p_end
        inside = np.zeros(len(ticks)) if len(starts) == 0 else None
        for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
            last = k == len(starts) - 1
            part = minute_of_day if last else np.empty(len(ticks))
            np.subtract(minute_of_day, start, out=part)
            np.clip(part, 0.0, end - start, out=part)
            if inside is None:
                inside = part if not last else part.copy()
            else:
                inside += part
        assert inside is not None
        inside[~table.work[i]] = 0.0
        out = np.take(table.cum_before, i, out=minute_of_day)
        out += inside  # cumulative minutes before the day + minutes inside the day
        out[nat] = np.nan
        return out.reshape(shape)

    def from_work_minutes(self, minutes: Any) -> pd.DatetimeIndex:
        """The time (tz-aware, calendar timezone) at which ``minutes`` working minutes have passed.

        Inverse of :meth:`work_minutes` for times inside office hours; a value on a period
        boundary maps to the end of the earlier working period; NaN gives NaT.
        """
        w = np.ravel(np.asarray(minutes, dtype=float))
        nan = ~np.isfinite(w)
        ok = w[~nan]
        table = self._ensure(_EPOCH_DAY, _EPOCH_DAY)
        if ok.size:
            # grow the table until it covers the requested range
            for _ in range(64):
                lo_ok = ok.min() >= table.cum_before[0] or table.years[0] <= _MIN_YEAR
                hi_ok = ok.max() <= table.cum_end[-1] or table.years[1] >= _MAX_YEAR
                if lo_ok and hi_ok:
                    break
                span_days = max(
                    0.0,
                    (table.cum_before[0] - ok.min()) / self.minutes_per_day,
                    (ok.max() - table.cum_end[-1]) / self.minutes_per_day,
                )
                grow = int(span_days * 7 / max(len(self.weekdays), 1) * 1.1) + 400
                first = table.day0 - (grow if not lo_ok else 0)
                last = table.day0 + len(table.work) - 1 + (grow if not hi_ok else 0)
                table = self._ensure(first, last)
            if ok.min() < table.cum_before[0] or ok.max() > table.cum_end[-1]:
                raise ParameterError(
                    f"working minutes {ok.min():.0f}..{ok.max():.0f} fall outside the years "
                    f"{_MIN_YEAR}-{_MAX_YEAR} that timestamps can hold"
                )
        cum_before, cum_end = table.cum_before, table.cum_end
        wv = np.where(nan, 0.0, w)
        if ok.size:
            wv = np.clip(wv, cum_before[0], cum_end[-1])
        day_i = np.searchsorted(cum_end, wv, side="left") if ok.size else np.zeros(len(w), dtype=np.int64)
        day_i = np.minimum(day_i, max(len(cum_end) - 1, 0))
        rest = wv - (cum_before[day_i] if ok.size else 0.0)
        k = np.searchsorted(self._p_cum_end, rest, side="left")
        k = np.minimum(k, len(self._p_cum_end) - 1)
        minute = self._p_start[k] + (rest - self._p_cum_start[k])
        # whole microseconds: float working minutes carry ~1e-8 s of rounding noise, and logs
        # hold microsecond times, so a round trip must not leave stray nanoseconds
        us = np.rint(minute * (_NS_PER_MIN // 1000)).astype(np.int64)
        ns = (table.day0 + day_i.astype(np.int64)) * _NS_PER_DAY + us * 1000
        ns = np.where(nan, np.iinfo(np.int64).min, ns)
        local = pd.DatetimeIndex(ns.view("datetime64[ns]"))
        return local.tz_localize(self.timezone, ambiguous="NaT", nonexistent="shift_forward")

    # ------------------------------------------------------------------ arithmetic
    def working_minutes_between(self, start: Any, end: Any) -> np.ndarray:
        """Working minutes from ``start`` to ``end`` (negative when end is earlier; NaT -> NaN)."""
        return self.work_minutes(end) - self.work_minutes(start)

    def working_days_between(self, start: Any, end: Any) -> np.ndarray:
        """Working days from ``start`` to ``end``: working minutes / :attr:`minutes_per_day`."""
        return self.working_minutes_between(start, end) / self.minutes_per_day

    def add_workdays(self, times: Any, n: Any) -> pd.DatetimeIndex:
        """``times`` + ``n`` working days (n may be fractional, negative, or an array)."""
        w = np.ravel(self.work_minutes(times))
        shift = np.ravel(np.asarray(n, dtype=float)) * self.minutes_per_day
        if shift.size != w.size and 1 not in (shift.size, w.size):
            raise ParameterError(
                f"add_workdays: n has {shift.size} values but times has {w.size}; "
                "give one n, one time, or one n per time"
            )
        return self.from_work_minutes(w + shift)

    def is_workday(self, dates: Any) -> np.ndarray:
        """Whether each date (or the local date of each time) is a working day."""
        if isinstance(dates, _dt.date) and not isinstance(dates, _dt.datetime):
            dates = pd.Timestamp(dates)
        elif isinstance(dates, (list, tuple)):
            dates = [pd.Timestamp(d) if isinstance(d, _dt.date) else d for d in dates]
        ns, nat, shape = self._local_ns(dates)
        i, table = self._lookup(ns, nat)
        return np.where(nat, False, table.work[i]).reshape(shape)

    def holidays(self, year: int, *, language: str | None = None) -> dict[_dt.date, str]:
        """Days off (other than weekends) in ``year``: public holidays plus ``extra_holidays``.

        ``language`` picks the names' language where the ``holidays`` package has it (``"vi"``).
        Dates listed in ``extra_workdays`` are left out.
        """
        year = int(year)
        out: dict[_dt.date, str] = {}
        if self.country is not None:
            import holidays as _holidays

            try:
                found = _holidays.country_holidays(
                    self.country, subdiv=self.subdivision, years=year, language=language
                )
            except (NotImplementedError, ValueError):  # no names in that language
                found = _holidays.country_holidays(self.country, subdiv=self.subdivision, years=year)
            out.update(found.items())
        out.update({d: n for d, n in self.extra_holidays.items() if d.year == year})
        for d in self.extra_workdays:
            out.pop(d, None)
        return dict(sorted(out.items()))

    def workday_swaps(self, year: int) -> list[_dt.date]:
        """Official working days that fall on a weekend in ``year`` (plus ``extra_workdays``)."""
        _, swapped = self._country_days(range(int(year), int(year) + 1))
        days = {d for d in swapped if d.year == year} | {d for d in self.extra_workdays if d.year == year}
        return sorted(d for d in days if d not in self.extra_holidays)

    # ------------------------------------------------------------------ display
    @property
    def holiday_region(self) -> str | None:
        """``"VN"``, ``"NL-NH"`` (country and subdivision) or None."""
        if self.country is None:
            return None
        return self.country + (f"-{self.subdivision}" if self.subdivision else "")

    @property
    def round_the_clock(self) -> bool:
        """Whether every hour of every day counts (the ``24x7`` calendar)."""
        return self.minutes_per_day >= 1440 and len(self.weekdays) == 7

    def label(self) -> str:
        """One line for people: ``Europe/Amsterdam, Mon-Fri 07:30-11:30 13:30-17:00, holidays NL``."""
        if self.round_the_clock:
            days = "24x7"
        else:
            names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
            wd = self.weekdays
            contiguous = list(wd) == list(range(wd[0], wd[-1] + 1))
            span = f"{names[wd[0]]}-{names[wd[-1]]}" if contiguous and len(wd) > 1 else ",".join(names[d] for d in wd)
            days = f"{span} " + " ".join(f"{a}-{b}" for a, b in self.hours)
        holidays = f"holidays {self.holiday_region}" if self.country else "no public holidays"
        extra = f" (+{len(self.extra_holidays)} extra days off)" if self.extra_holidays else ""
        return f"{self.timezone}, {days}, {holidays}{extra}"

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "timezone": self.timezone,
            "hours": [list(p) for p in self.hours],
            "minutes_per_day": self.minutes_per_day,
            "weekdays": list(self.weekdays),
            "country": self.country,
            "extra_holidays": {d.isoformat(): n for d, n in self.extra_holidays.items()},
            "extra_workdays": [d.isoformat() for d in self.extra_workdays],
        }
        if self.subdivision is not None:  # only when set: earlier descriptions stay the same
            described["subdivision"] = self.subdivision
        return described

    def __repr__(self) -> str:
        hours = ", ".join(f"{s}-{e}" for s, e in self.hours)
        days = "".join("MTWTFSS"[d] for d in self.weekdays)
        return (
            f"WorkCalendar(timezone={self.timezone!r}, hours={hours}, weekdays={days}, "
            f"country={self.holiday_region!r}, extra_holidays={len(self.extra_holidays)}, "
            f"extra_workdays={len(self.extra_workdays)})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            f"{html.escape(str(v))}</td></tr>"
            for k, v in self.describe().items()
        )
        return f"<div><strong>procsimp WorkCalendar</strong><table>{rows}</table></div>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkCalendar) and self.describe() == other.describe()

    def __hash__(self) -> int:
        return hash(repr(self.describe()))


@functools.lru_cache(maxsize=1)
def _shared_calendar() -> WorkCalendar:
    return WorkCalendar()


def default_calendar() -> WorkCalendar:
    """The calendar of a function whose ``calendar`` argument is None: the one of the current
    settings (``procsimp.config_context(calendar=...)``), else the shared default: Vietnam,
    07:30-11:30 and 13:30-17:00, Monday-Friday."""
    from procsimp.core.config import settings

    chosen = settings().calendar
    return chosen if chosen is not None else _shared_calendar()


def round_the_clock(*, timezone: str = "Asia/Ho_Chi_Minh") -> WorkCalendar:
    """The ``24x7`` calendar: every hour of every day counts, no holidays (a working day is a
    calendar day of 1,440 minutes)."""
    return WorkCalendar(timezone=timezone, hours=(("00:00", "24:00"),), weekdays=range(7), country=None)


#: letters only Vietnamese writing uses: ă, đ, ơ, ư and the vowels with Vietnamese tone marks
#: (Unicode's Latin Extended Additional block U+1EA0-U+1EF9: ạ, ả, ấ, ế, ộ, ữ, ỳ ...)
_VIETNAMESE_LETTERS = re.compile("[ăĂđĐơƠưƯ\u1ea0-\u1ef9]")


def vietnamese_evidence(log: EventLog) -> str | None:
    """Why ``log`` is taken as a Vietnamese log, or None when it is not.

    The rule: a log is Vietnamese when one of its source column headers, or one of the names of
    its steps, services, units, officers, channels or outcomes, has a letter that only Vietnamese
    writing uses (ă, đ, ơ, ư, or a vowel with a Vietnamese tone mark such as ạ, ả, ế). Dutch,
    Italian or English logs never have them; Vietnamese logs, even with English step names, have
    them in their officers' or units' names.
    """
    from procsimp.core.log import TEXT_ROLES

    for header in log.mapping.columns.values():
        if _VIETNAMESE_LETTERS.search(str(header)):
            return f"the column header {header!r} is Vietnamese"
    what = {"activity": "step", "service": "service", "unit": "unit", "resource": "officer",
            "channel": "channel", "outcome": "outcome"}
    for role in TEXT_ROLES:
        if role not in what:
            continue
        for name in log.distinct(role):  # read from the files for a log that stands on them
            if _VIETNAMESE_LETTERS.search(str(name)):
                return f"the {what[role]} name {str(name)!r} is Vietnamese"
    return None


def check_round_the_clock(*, holidays: str | None, hours: Any, weekdays: Any) -> None:
    """Refuse office hours, weekdays or holidays given with the 24x7 calendar."""
    given = [n for n, v in (("office hours", hours), ("working weekdays", weekdays)) if v is not None]
    if holidays not in ("auto", None, "none"):
        given.append("holidays")
    if given:
        raise ParameterError(
            f"the 24x7 calendar counts every hour of every day, so it takes no {given[0]}; "
            "drop one of them"
        )


def calendar_for(
    log: EventLog,
    *,
    timezone: str | None = None,
    holidays: str | None = "auto",
    hours: Iterable[tuple[Any, Any]] | None = None,
    weekdays: Iterable[int] | None = None,
    kind: str = "office",
) -> tuple[WorkCalendar, str]:
    """The work calendar for a log, and one sentence saying how its holidays were chosen.

    The calendar's timezone is ``timezone``, else the log's (``--timezone`` reaches both).
    ``holidays`` is ``"auto"`` (Vietnamese public holidays for a Vietnamese log, by the rule of
    :func:`vietnamese_evidence`, and none otherwise), ``"none"`` / None, or a country code with
    an optional subdivision from the ``holidays`` package (``"VN"``, ``"NL"``, ``"DE-BY"``).
    ``kind="24x7"`` counts every hour of every day and takes no hours, weekdays or holidays.
    """
    if kind not in ("office", "24x7"):
        raise ParameterError(f"calendar kind {kind!r} is not known; use 'office' or '24x7'")
    zone = timezone or log.timezone
    if kind == "24x7":
        check_round_the_clock(holidays=holidays, hours=hours, weekdays=weekdays)
        return round_the_clock(timezone=zone), "every hour of every day counts"
    options: dict[str, Any] = {"timezone": zone}
    if hours is not None:
        options["hours"] = hours
    if weekdays is not None:
        options["weekdays"] = weekdays
    choice = (holidays or "none").strip()
    if choice.lower() == "auto":
        evidence = vietnamese_evidence(log)
        if evidence is not None:
            options["country"] = "VN"
            note = f"VN holidays: the log is Vietnamese, as {evidence}"
        else:
            options["country"] = None
            note = (
                "the log is not Vietnamese (no Vietnamese letters in its headers or names); "
                "give --holidays COUNTRY, e.g. --holidays NL, to count a country's holidays"
            )
    elif choice.lower() == "none":
        options["country"] = None
        note = "as asked"
    else:
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,10})?", choice):
            raise ParameterError(
                f"--holidays {holidays!r} is not a holiday region; write a country code with an optional "
                "subdivision (VN, NL, DE-BY), 'auto' or 'none'"
            )
        options["country"] = choice
        note = "as asked"
        try:
            return WorkCalendar(**options), note
        except ParameterError as exc:
            raise ParameterError(
                f"--holidays {holidays!r}: {exc}".replace("country=None with extra_holidays", "--holidays none")
            ) from None
    return WorkCalendar(**options), note


# ---------------------------------------------------------------------------- dossier deadlines
def _index_of(values: Any) -> pd.Index | None:
    return values.index if isinstance(values, pd.Series) else None


def due_dates(received: Any, statutory_days: Any, calendar: WorkCalendar | None = None) -> pd.Series:
    """The statutory deadline of each dossier: ``received`` + ``statutory_days`` working days.

    ``statutory_days`` is one number or one per dossier (NaN/None gives NaT). The result keeps
    the index of ``received`` when it is a Series and is named ``case:due``.
    """
    cal = calendar or default_calendar()
    index = _index_of(received)
    days = pd.to_numeric(
        statutory_days if isinstance(statutory_days, pd.Series) else pd.Series(np.ravel(np.asarray(statutory_days, dtype=object))),
        errors="coerce",
    )
    if isinstance(statutory_days, pd.Series) and index is not None and not statutory_days.index.equals(index):
        days = days.reindex(index)
    arr = days.to_numpy(dtype=float)
    if (arr[np.isfinite(arr)] < 0).any():
        raise ParameterError(
            f"statutory_days must be >= 0 working days; received {arr[np.isfinite(arr)].min():g}"
        )
    due = cal.add_workdays(received, arr)
    return pd.Series(due, index=index, name="case:due")


def classify_on_time(completed: Any, due: Any, calendar: WorkCalendar | None = None) -> pd.Series:
    """Classify each dossier as ``early`` / ``on_time`` / ``late`` (ordered categorical).

    * ``early``: completed at least one full working day before the due time;
    * ``on_time``: completed by the due time, but less than a working day before it;
    * ``late``: completed after the due time.

    A missing completion or due time gives a missing class.
    """
    cal = calendar or default_calendar()
    index = _index_of(completed)
    if index is None:
        index = _index_of(due)
    c_ns, c_nat = cal._instants(completed)
    d_ns, d_nat = cal._instants(due)
    if c_ns.size != d_ns.size and 1 not in (c_ns.size, d_ns.size):
        raise ParameterError(
            f"classify_on_time: completed has {c_ns.size} values but due has {d_ns.size}; "
            "give one due time or one per dossier"
        )
    lead = np.ravel(cal.working_minutes_between(completed, due))  # working minutes to spare
    late = c_ns > d_ns  # absolute instants: right across daylight-saving changes too
    early = (lead >= cal.minutes_per_day - 1e-9) & ~late
    codes = np.where(late, 2, np.where(early, 0, 1))
    codes = np.where(c_nat | d_nat, -1, codes)
    cat = pd.Categorical.from_codes(codes, categories=list(TIMELINESS), ordered=True)
    return pd.Series(cat, index=index if index is not None and len(index) == len(cat) else None, name="timeliness")
