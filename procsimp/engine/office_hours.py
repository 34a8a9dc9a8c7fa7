"""Office hours of a log: inferred from when its events happen, and checked against the calendar.

Provinces keep different office hours (many work 07:00-11:30 and 13:00-16:30, others 07:30-11:30
and 13:30-17:00). A step worked at 07:10 counts zero working minutes under the wrong hours, so
procsimp infers the hours from the log's own event times unless they are given:

* the times of day of the completions and starts, in the calendar's timezone, are counted per
  quarter hour (from the engine's clock table, :func:`procsimp.engine.clock.clock_table`: the
  events per local second of the day, counted on the engine's backend) (a completion exactly on a quarter hour counts in the quarter it closes);
* a quarter hour is *open* when it holds at least ``min_density`` of the events of a busy quarter
  hour (the mean of the eight busiest); the office hours run from the first open quarter hour to
  the end of the last one;
* a run of nearly empty quarter hours (under a third of ``min_density``) of at least
  ``min_break_minutes`` that lies around midday (between 10:00 and 15:00) is the midday break
  (the longest such run).

A log whose times carry no time of day (a quarter or more of the events at one same time of day:
day-resolution dates, at midnight of the zone they were recorded in) or that has too few timed
events keeps the default hours, and says so.

:func:`log_calendar` gives the calendar to use for a log (the given one, or the default one with
the inferred hours) with an :class:`OfficeHours` report: which hours, where they come from, and
the share of the events that fall outside them. More than ``5%`` outside (:data:`MAX_OUTSIDE`)
earns a warning: the configured hours do not fit the log.
"""

from __future__ import annotations

import html
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["OfficeHours", "OfficeHoursWarning", "infer_office_hours", "log_calendar", "MAX_OUTSIDE"]

#: share of events outside the office hours above which a warning is given
MAX_OUTSIDE = 0.05
_QUARTER = 15
_MIN_TIMED = 500


class OfficeHoursWarning(UserWarning):
    """More than 5% of a log's events fall outside the office hours used for working time."""


@dataclass(frozen=True)
class OfficeHours:
    """The office hours used for a log and why.

    * ``hours``: the working periods used, ``(("07:00", "11:30"), ("13:00", "16:30"))``;
    * ``source``: ``"inferred"`` (from the log's event times), ``"given"`` (a calendar passed in,
      e.g. ``--office-hours``) or ``"default"`` (nothing could be inferred: see ``reason``);
    * ``inferred``: the hours the log's times suggest (None when nothing could be inferred);
    * ``outside_share``: the share of the timed events outside ``hours`` (None for a log without
      times of day);
    * ``reason``: why the default was kept, or "".
    """

    hours: tuple[tuple[str, str], ...]
    source: str
    inferred: tuple[tuple[str, str], ...] | None = None
    outside_share: float | None = None
    events: int = 0
    reason: str = ""

    @property
    def text(self) -> str:
        """The hours as ``07:00-11:30, 13:00-16:30``."""
        return _periods_text(self.hours)

    @property
    def warning(self) -> str | None:
        """A one-line warning when more than :data:`MAX_OUTSIDE` of the events fall outside the
        hours used, else None."""
        if self.outside_share is None or self.outside_share <= MAX_OUTSIDE:
            return None
        fits = (
            f"; the event times suggest {_periods_text(self.inferred)}"
            if self.inferred and self.inferred != self.hours else ""
        )
        return (
            f"{self.outside_share:.0%} of the events fall outside the office hours used for working "
            f"time ({self.text}, {self.source}){fits}: steps done outside office hours count no working "
            "time; give the office hours the log was recorded under with --office-hours"
        )

    def describe(self, lang: str = "en") -> str:
        """One line: which hours were used and where they come from."""
        if lang == "vi":
            where = {
                "inferred": "suy ra từ thời điểm các sự kiện trong nhật ký",
                "given": "do người dùng chỉ định",
                "default": f"mặc định{': ' + self.reason_vi if self.reason else ''}",
            }[self.source]
            return f"Giờ làm việc: {self.text} ({where})"
        where = {
            "inferred": "inferred from the log's event times",
            "given": "given",
            "default": f"default{': ' + self.reason if self.reason else ''}",
        }[self.source]
        return f"Office hours: {self.text} ({where})"

    @property
    def reason_vi(self) -> str:
        return {
            _DAY_RESOLUTION: "thời điểm trong nhật ký không có giờ trong ngày",
            _TOO_FEW: "nhật ký có quá ít sự kiện có giờ trong ngày",
            _NO_TIMES: "nhật ký không có thời điểm",
        }.get(self.reason, self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hours": [list(p) for p in self.hours],
            "source": self.source,
            "inferred": None if self.inferred is None else [list(p) for p in self.inferred],
            "outside_share": None if self.outside_share is None else round(float(self.outside_share), 4),
            "events": int(self.events),
            "reason": self.reason,
        }

    def _repr_html_(self) -> str:
        return f"<div>{html.escape(self.describe('en'))}</div>"


_DAY_RESOLUTION = "the log's times carry no time of day"
_TOO_FEW = "too few events with a time of day"
_NO_TIMES = "the log has no times"


def _periods_text(periods: Any) -> str:
    return ", ".join(f"{s}-{e}" for s, e in periods) if periods else "none"


def _clock(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _event_clock(log: EventLog, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(seconds, events)`` of the completions, then of the starts: the local seconds of the day
    the log's events fall on, with how many fall on each (the engine's
    :func:`procsimp.engine.clock.clock_table`)."""
    from procsimp.engine.clock import clock_table

    table = clock_table(log, timezone=timezone)
    done, started = table[table["kind"] == "end"], table[table["kind"] == "start"]
    return (done["second"].to_numpy(), done["events"].to_numpy(dtype=float),
            started["second"].to_numpy(), started["events"].to_numpy(dtype=float))


def _minutes(seconds: np.ndarray) -> np.ndarray:
    """Minutes after local midnight (float, seconds included) of local seconds of the day."""
    return (seconds // 3600) * 60 + (seconds % 3600) // 60 + (seconds % 60) / 60.0


def infer_office_hours(
    log: EventLog,
    *,
    timezone: str = "Asia/Ho_Chi_Minh",
    min_density: float = 0.15,
    min_break_minutes: int = 30,
) -> tuple[tuple[tuple[str, str], ...] | None, str]:
    """The office hours the log's event times suggest (see the module docstring), as
    ``(periods, "")``, or ``(None, reason)`` when they cannot be told."""
    if not 0 < min_density < 1:
        raise ParameterError(f"min_density={min_density!r} must be between 0 and 1 (exclusive)")
    done_s, done_n, start_s, start_n = _event_clock(log, timezone)
    total = float(done_n.sum() + start_n.sum())
    if total == 0:
        return None, _NO_TIMES
    if _day_resolution(done_s, done_n, start_s, start_n, total):
        return None, _DAY_RESOLUTION
    if total < _MIN_TIMED:
        return None, _TOO_FEW
    # a completion exactly on a quarter hour closes the quarter before it
    bins = np.concatenate([-(-done_s // (60 * _QUARTER)) - 1, start_s // (60 * _QUARTER)]).astype(np.int64)
    counts = np.bincount(np.clip(bins, 0, 95), weights=np.concatenate([done_n, start_n]), minlength=96).astype(float)
    busy = np.sort(counts)[-8:].mean()
    open_ = counts >= min_density * busy
    empty = counts < min_density / 3 * busy
    where = np.flatnonzero(open_)
    first, last = int(where[0]), int(where[-1])
    # the longest closed run around midday (10:00-15:00) of at least min_break_minutes
    best: tuple[int, int] | None = None
    i = first
    while i <= last:
        if not empty[i]:
            i += 1
            continue
        j = i
        while j <= last and empty[j]:
            j += 1
        mid = (i + j) / 2 * _QUARTER
        if (j - i) * _QUARTER >= min_break_minutes and 600 <= mid <= 900 and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
        i = j
    start, end = first * _QUARTER, (last + 1) * _QUARTER
    periods: tuple[tuple[str, str], ...]
    if best is None:
        periods = ((_clock(start), _clock(end)),)
    else:
        periods = ((_clock(start), _clock(best[0] * _QUARTER)), (_clock(best[1] * _QUARTER), _clock(end)))
    return periods, ""


def _day_resolution(done_s: np.ndarray, done_n: np.ndarray, start_s: np.ndarray, start_n: np.ndarray,
                    total: float) -> bool:
    """Whether a quarter or more of the times fall at one same time of day (to the second)."""
    per_second = np.bincount(np.concatenate([done_s, start_s]).astype(np.int64),
                             weights=np.concatenate([done_n, start_n]), minlength=1)
    return bool(per_second.max() >= 0.25 * total)


def outside_share(log: EventLog, calendar: WorkCalendar) -> float | None:
    """The share of the log's timed events (completions and starts) outside the calendar's
    office periods; None when the times carry no time of day."""
    done_s, done_n, start_s, start_n = _event_clock(log, calendar.timezone)
    total = float(done_n.sum() + start_n.sum())
    if total == 0 or _day_resolution(done_s, done_n, start_s, start_n, total):
        return None
    every = _minutes(np.concatenate([done_s, start_s]))
    weights = np.concatenate([done_n, start_n])
    inside = np.zeros(every.size, dtype=bool)
    for s, e in calendar.periods:
        inside |= (every >= s) & (every <= e)
    return float(1.0 - weights[inside].sum() / total)


_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, tuple[WorkCalendar, OfficeHours]]] = weakref.WeakKeyDictionary()


def log_calendar(
    log: EventLog, calendar: WorkCalendar | None = None, *, infer: bool | None = None
) -> tuple[WorkCalendar, OfficeHours]:
    """The work calendar for ``log`` and the report of its office hours.

    With ``calendar`` given, it is used as it is (``source="given"``). Otherwise the default
    calendar (:func:`procsimp.core.calendar.default_calendar`) with the office hours inferred from the
    log (:func:`infer_office_hours`), or with its own hours when none can be inferred
    (``source="default"``). ``infer=True`` infers the hours into a given calendar too (its zone,
    weekdays and holidays kept: the command line's calendar when no --office-hours was given);
    ``infer=False`` never infers. By default (None) only a missing calendar gets inferred hours. Either way ``outside_share`` says how many events fall outside the
    hours used (see :attr:`OfficeHours.warning`).
    """
    from procsimp.core.calendar import WorkCalendar, default_calendar

    if calendar is not None and not isinstance(calendar, WorkCalendar):
        raise ParameterError(f"calendar must be a procsimp WorkCalendar or None, got {type(calendar).__name__}")
    if infer is None:
        infer = calendar is None
    per_log = _CACHE.setdefault(log, {})
    key = (calendar, infer)
    if key in per_log:
        return per_log[key]
    base = calendar or default_calendar()
    inferred, reason = infer_office_hours(log, timezone=base.timezone)
    if not infer:
        cal, source, reason = base, "given" if calendar is not None else "default", ""
    elif inferred is None:
        cal, source = base, "default"
    else:
        cal = base if tuple(inferred) == base.hours else WorkCalendar(
            timezone=base.timezone, hours=inferred, weekdays=base.weekdays, country=base.country,
            subdivision=base.subdivision, extra_holidays=base.extra_holidays,
            extra_workdays=base.extra_workdays,
        )
        source = "inferred"
    report = OfficeHours(
        hours=cal.hours,
        source=source,
        inferred=inferred,
        outside_share=outside_share(log, cal),
        events=log.n_events,
        reason=reason,
    )
    per_log[key] = (cal, report)
    per_log.setdefault((cal, False), (cal, report))  # the calendar made for this log, passed on, says where its hours come from
    return cal, report
