# Long module: the detectors' tables computed in numpy; they are to become engine plans.
"""``LogAggregates``: every number the detectors need, computed once per log.

The detectors never touch events. :func:`aggregate` reduces the log to a few small tables (the log
is already sorted by case then time; see the end of this docstring for where each is computed):

* ``services``: one row per service: cases, events, the dominant start and end steps, the
  knock-out ends (terminal steps other than the normal end, such as rejection notices), the
  knock-out and rework rates, the median processing and waiting time of its steps, and the share
  of events whose time equals the previous event's (``tie_share``: a data-quality warning, since
  ties make the order of steps uncertain);
* ``activities``: one row per (service, activity): frequency, processing and waiting time
  (working hours), successor and predecessor distribution, officer/unit changes, whether its
  unit does nothing else in the service, whether the dossier then goes back to a unit that sent
  it and whether the step is done at the desk that received the dossier, the share of
  occurrences followed (directly / eventually) by a knock-out or by rework, the outcome
  influence (entropy of the successor, mutual information between successor and outcome),
  repeats, its role (start / end / protected / decision) and why, and for a knock-out end the
  evidence that its dossiers were rejected (``rejection_evidence``: ``outcome``, ``name``,
  ``end_step`` or empty when they merely end early);
* ``pairs``: directly-follows pairs with same-officer and same-unit rates, how often the dossier
  comes back to the target's unit (``returns_to_target_unit``) and the waiting between;
* ``order``: for candidate pairs, how often A comes before B and B before A among cases with both
  (by time; equal times are counted as ties, not as an order), how often the two overlap in time
  (start times needed), and each step's processing and the knock-out share by order;
* ``knockouts``: per (service, decider): the rejected cases decided right after that step (only
  knock-out ends with evidence of a rejection), and the effort (processing hours) and elapsed
  working time spent before it;
* ``knockout_steps``: per (service, decider, earlier step): how often and at which position the
  earlier step ran before the knock-out, and what it cost;
* ``loops``: per (service, repeated step): the loops that start at that step, their cost, the
  steps inside them, and how often the step that sent the dossier back is done again after the
  repeat (``recheck_share``).

Times are working time from :class:`procsimp.calendar.WorkCalendar` (office hours, weekends and
public holidays skipped). The definitions are those of :mod:`procsimp.engine` (processing =
completion - start; waiting = start - previous completion), and the shared columns (events,
cases, processing and waiting times, officers, units, start/end shares, directly-follows counts)
equal the engine's ``activity_table`` and ``dfg``. Processing time needs start times; without them
processing and waiting are missing (NaN) and only the *sojourn* (completion of the previous step
to completion of this one) is known.

Where the numbers are computed: ``pairs``, ``order``, ``knockouts``, ``knockout_steps`` and
``loops`` are engine plans (:mod:`procsimp.engine.sql_detect`, one plan for all of them, run by
the current backend: DuckDB, or Spark with ``PROCSIMP_ENGINE=spark``); only their small results
come back, and this module orders them and applies the judgements that need the step roles (which
last steps are rejection ends). ``activities`` and ``services`` (and the step roles they carry)
are still computed here, in one vectorised pass over integer codes of the log in memory; they are
the next to move into the engine.
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.errors import ParameterError
from procsimp.log import ACTIVITY, CASE, OUTCOME, RESOURCE, SERVICE, START, TIMESTAMP, UNIT

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.calendar import WorkCalendar
    from procsimp.log import EventLog

__all__ = ["LogAggregates", "Row", "aggregate", "catalog_warnings", "shared_aggregate", "ROLE_THRESHOLDS"]

#: thresholds that decide the role of a step (start, end, decision); see :func:`aggregate`
ROLE_THRESHOLDS: dict[str, float] = {
    # a step starting (ending) at least this share of the service's cases is a start (end)
    "start_share": 0.10,
    "end_share": 0.10,
    # a step that is the last of its case in at least this share of its occurrences, and ends at
    # least ``terminal_min_share`` of the cases, is a terminal step (e.g. a rejection notice)
    "terminal_rate": 0.5,
    "terminal_min_share": 0.005,
    # routing varies after a step when its most frequent successor covers less than this share
    "routing_top_share": 0.9,
    # a step decides when at least this share of its occurrences leads directly to a knock-out
    # or to rework (a supplement request, or a step done again) ...
    "decision_share": 0.02,
    # ... and at least this many times
    "decision_min_count": 2,
    # ... or when its successor tells this much (bits) about the case outcome
    "decision_mi_bits": 0.05,
    # a step driven by a timer: the time since the previous step is nearly constant (the 10th to
    # 90th percentile span at most this share of the median) ...
    "timer_max_spread": 0.1,
    # ... and at least this many calendar days (a person's work is never that regular)
    "timer_min_days": 1.0,
    # an appeal or objection by an outside party: optional and rare (in at most this share of
    # the service's cases) ...
    "appeal_max_share": 0.15,
    # ... late (mean relative position in the dossier at least this, 0 first .. 1 last) ...
    "appeal_min_position": 0.6,
    # ... and after the outside party's own time: a median of at least this many calendar days
    # since the previous step
    "appeal_min_days": 5.0,
}

_END = -1  # successor code of the last event of a case
_START = -1  # predecessor code of the first event


# ============================================================================ the result
class Row(dict):  # type: ignore[type-arg]
    """A table row: a dict whose keys are also attributes (``row.activity``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, eq=False)
class LogAggregates:
    """The aggregate tables of one log (see the module docstring for each table's columns).

    Build with :func:`aggregate`. Tables are plain DataFrames; never mutate them.
    """

    services: pd.DataFrame
    activities: pd.DataFrame
    pairs: pd.DataFrame
    order: pd.DataFrame
    knockouts: pd.DataFrame
    knockout_steps: pd.DataFrame
    loops: pd.DataFrame
    has_start: bool
    has_resource: bool
    has_unit: bool
    minutes_per_day: float
    source: str = "<memory>"
    protect: tuple[str, ...] = ()
    external: tuple[str, ...] = ()
    thresholds: dict[str, float] = field(default_factory=lambda: dict(ROLE_THRESHOLDS))
    #: data-quality and coverage warnings (e.g. services the catalog does not know)
    warnings: tuple[str, ...] = ()
    _catalog: Any = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ plain-Python views
    def service_rows(self) -> list[Row]:
        """The ``services`` table as rows (dicts with attribute access), in table order."""
        if "service_rows" not in self._cache:
            self._cache["service_rows"] = _records(self.services)
        return self._cache["service_rows"]

    def activity_rows(self) -> dict[str, list[Row]]:
        """The ``activities`` table as rows per service, in table order (by usual position)."""
        if "activity_rows" not in self._cache:
            out: dict[str, list[Row]] = {s: [] for s in self.service_names}
            for r in _records(self.activities):
                out.setdefault(r["service"], []).append(r)
            self._cache["activity_rows"] = out
        return self._cache["activity_rows"]

    def row(self, service: str, activity: str) -> Row | None:
        """One ``activities`` row, or None."""
        if "row_index" not in self._cache:
            self._cache["row_index"] = {
                (r["service"], r["activity"]): r for rows in self.activity_rows().values() for r in rows
            }
        return self._cache["row_index"].get((service, activity))

    def rows(self, table: str) -> list[Row]:
        """Any table (``pairs``, ``order``, ``knockouts``, ``knockout_steps``, ``loops``) as rows."""
        key = f"rows:{table}"
        if key not in self._cache:
            frame = getattr(self, table)
            self._cache[key] = _records(frame)
        return self._cache[key]

    # ------------------------------------------------------------------ lookups
    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day (7.5 with the default calendar)."""
        return self.minutes_per_day / 60.0

    @property
    def service_names(self) -> list[str]:
        return [str(s) for s in self.services["service"]]

    @property
    def catalog(self) -> Any:
        """The service catalog used for protected steps (None when none was available)."""
        return self._catalog

    def service(self, name: str) -> dict[str, Any]:
        """The ``services`` row of one service as a dict."""
        for r in self.service_rows():
            if r["service"] == name:
                return dict(r)
        raise ParameterError(
            f"service {name!r} is not in these aggregates; services: "
            f"{', '.join(map(repr, self.service_names[:20]))}"
        )

    def activity(self, service: str, activity: str) -> dict[str, Any] | None:
        """The ``activities`` row of one step as a dict, or None."""
        row = self.row(service, activity)
        return None if row is None else dict(row)

    def is_kept(self, service: str, activity: str) -> bool:
        """Whether a step must never be eliminated or merged away (start, end, protected,
        decision, or a step that exists only for rework)."""
        row = self.row(service, activity)
        return True if row is None else bool(row["kept"])

    def replace(self, **changes: Any) -> LogAggregates:
        return replace(self, _cache={}, **changes)

    # ------------------------------------------------------------------ display
    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "services": len(self.services),
            "cases": int(self.services["cases"].sum()) if len(self.services) else 0,
            "events": int(self.services["events"].sum()) if len(self.services) else 0,
            "activities": len(self.activities),
            "start times": self.has_start,
            "officers": self.has_resource,
            "units": self.has_unit,
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"LogAggregates(source={s['source']!r}, services={s['services']}, cases={s['cases']}, "
            f"events={s['events']}, activities={s['activities']})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
        )
        cols = [
            "service", "activity", "events", "cases", "proc_hours_median", "wait_hours_median",
            "top_successor", "top_successor_share", "knockout_next_share", "loop_start_share", "role",
        ]
        return (
            f"<div><strong>procsimp LogAggregates</strong><table>{rows}</table>"
            + self.activities[cols].head(30).to_html(index=False, float_format=lambda x: f"{x:.3g}")
            + "</div>"
        )


# ============================================================================ helpers
def _records(frame: pd.DataFrame) -> list[Row]:
    """The rows of a table as :class:`Row` dicts of plain Python values (fast on Arrow strings)."""
    if not len(frame):
        return []
    cols = [str(c) for c in frame.columns]
    values = frame.astype(object).itertuples(index=False, name=None)
    return [Row(zip(cols, row, strict=True)) for row in values]


def _key_counts(keys: np.ndarray, space: int, *, inverse: bool = False) -> Any:
    """Distinct integer keys in ``0..space-1`` with their counts (and each key's index).

    Counting sort (``bincount``) when the key space is small, a hash/sort otherwise: much faster
    than ``np.unique`` on the small key spaces of (service, activity, ...) codes.
    """
    keys = np.asarray(keys, dtype=np.int64)
    if space <= _BINCOUNT_LIMIT:
        counts = np.bincount(keys, minlength=space)
        uk = np.flatnonzero(counts)
        if not inverse:
            return uk, counts[uk]
        lookup = np.full(space, -1, dtype=np.int64)
        lookup[uk] = np.arange(len(uk))
        return uk, counts[uk], lookup[keys]
    if not inverse:
        return np.unique(keys, return_counts=True)
    uk, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
    return uk, cnt, inv


_BINCOUNT_LIMIT = 20_000_000


def _codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = missing) and the category names of a text column."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cat = series
    else:
        cat = series.astype("category")
    codes = cat.cat.codes.to_numpy().astype(np.int64)
    return codes, [str(c) for c in cat.cat.categories]


def _case_codes(series: pd.Series) -> np.ndarray:
    """Integer codes of the case column (names are not needed: only where a case changes)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(series, sort=False)[0].astype(np.int64)


class _Groups:
    """Events grouped by an integer key in ``0..n-1``: one stable ordering, reused for several
    value columns (per-group order statistics without sorting the values)."""

    #: above this many groups per event, one global sort beats a partition per group
    max_groups_per_event = 1 / 400

    def __init__(self, keys: np.ndarray, n: int) -> None:
        keys = np.asarray(keys)
        self.keys, self.n = keys, n
        small = n <= np.iinfo(np.uint16).max + 1
        # a stable sort of 16-bit keys is a radix sort: a few milliseconds for a million events
        self.order = np.argsort(keys.astype(np.uint16) if small else keys, kind="stable")
        self.counts = np.bincount(keys, minlength=n)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        self.present = np.flatnonzero(self.counts)

    def quantiles(self, values: np.ndarray, qs: tuple[float, ...] = (0.5, 0.9)) -> list[np.ndarray]:
        """Per key, the quantiles ``qs`` of the finite ``values`` (linear interpolation), NaN
        for keys without any."""
        out = [np.full(self.n, np.nan) for _ in qs]
        if len(self.present) > max(64, len(values) * self.max_groups_per_event):
            return _sorted_quantiles(self.keys, values, self.n, qs)
        ordered = values[self.order]
        ok = np.isfinite(ordered)
        all_ok = bool(ok.all())
        for g in self.present:
            s = self.starts[g]
            seg = ordered[s : s + self.counts[g]]
            if not all_ok:
                seg = seg[ok[s : s + self.counts[g]]]
            m = len(seg)
            if m == 0:
                continue
            pos = [q * (m - 1) for q in qs]
            kth = sorted({int(np.floor(x)) for x in pos} | {int(np.ceil(x)) for x in pos})
            part = np.partition(seg, kth)
            for o, x in zip(out, pos, strict=True):
                lo, hi = int(np.floor(x)), int(np.ceil(x))
                frac = x - lo
                o[g] = part[lo] * (1 - frac) + part[hi] * frac
        return out


def _sorted_quantiles(keys: np.ndarray, values: np.ndarray, n: int, qs: tuple[float, ...]) -> list[np.ndarray]:
    """:meth:`_Groups.quantiles` for many small groups: one sort of ``key * span + value``."""
    ok = np.isfinite(values)
    out = [np.full(n, np.nan) for _ in qs]
    if not ok.any():
        return out
    k, v = keys[ok], values[ok]
    lo_v = float(v.min())
    span = float(v.max()) - lo_v + 1.0
    combined = np.sort(k.astype(np.float64) * span + (v - lo_v))
    k_sorted = np.floor(combined / span).astype(np.int64)
    v_sorted = combined - k_sorted * span + lo_v
    counts = np.bincount(k_sorted, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    for q, o in zip(qs, out, strict=True):
        pos = q * (counts[has] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        frac = pos - lo
        o[has] = v_sorted[starts[has] + lo] * (1 - frac) + v_sorted[starts[has] + hi] * frac
    return out


def _group_mean(keys: np.ndarray, values: np.ndarray, n: int, counts: np.ndarray | None = None) -> np.ndarray:
    """Mean of the finite ``values`` per key in 0..n-1 (NaN for keys without any).

    ``counts``: ``np.bincount(keys, minlength=n)`` when the caller already has it.
    """
    bad = np.flatnonzero(~np.isfinite(values))
    c = np.bincount(keys, minlength=n) if counts is None else counts
    if bad.size == 0:
        s = np.bincount(keys, weights=values, minlength=n)
    else:  # missing values weigh nothing (adding 0.0 leaves every sum exactly as it was)
        clean = values.copy()
        clean[bad] = 0.0
        s = np.bincount(keys, weights=clean, minlength=n)
        c = c - np.bincount(keys[bad], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1), np.nan)


def _default_service_name() -> str:
    from procsimp.engine import DEFAULT_SERVICE

    return str(DEFAULT_SERVICE)


def _load_catalog(catalog: Any) -> Any:
    """The catalog to use (:func:`procsimp.catalog.resolve_catalog`); None when False (no
    catalog: it warns that the legally required steps are unprotected)."""
    from procsimp.catalog import resolve_catalog

    resolved = resolve_catalog(catalog)
    return None if catalog is False else resolved


def catalog_warnings(services: Iterable[str], catalog: Any, *, has_service: bool = True) -> list[str]:
    """One message per service that ``catalog`` does not know (none without a catalog).

    ``has_service``: whether the log has a service column (without one, its only service is the
    default name, which no catalog entry matches).
    """
    if catalog is None or not hasattr(catalog, "get"):
        return []
    fix = "add it with --catalog FILE, or protect its required steps with --protect ACTIVITY"
    out = []
    for name in services:
        if not has_service:
            out.append(
                "the log has no service column, so no catalog entry applies and the steps the law "
                "requires are not protected (only the catalog-wide ones are); map the service "
                "column, or protect the required steps with --protect ACTIVITY"
            )
        elif catalog.get(name) is None:
            out.append(
                f"service {name!r} has no match in the service catalog, so the steps the law "
                f"requires for it are not protected (only the catalog-wide ones are); {fix}"
            )
    return out


def _protected_by_catalog(catalog: Any, service: str, activity: str) -> bool:
    if catalog is None:
        return False
    try:
        return bool(catalog.is_protected(service, activity))
    except (KeyError, LookupError):
        return False


# ============================================================================ the computation
def aggregate(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    protect: Iterable[str] = (),
    external: Iterable[str] = (),
    thresholds: dict[str, float] | None = None,
) -> LogAggregates:
    """Reduce ``log`` to the tables the detectors read (the log is not modified).

    ``catalog``: a :class:`procsimp.catalog.Catalog`, a path to a catalog file, None for the
    built-in catalog, or False for none; its protected steps are marked ``protected``.
    ``protect``: more step names that must never be eliminated or merged, in every service.
    ``external``: step names driven by an outside party or a timer (an appeal, a penalty added
    after a fixed delay), in every service: never reordered or removed. Such steps are also
    recognised from behaviour (column ``external``: ``timer``, ``appeal`` or ``external`` when
    named here); their role is ``external``.
    ``thresholds``: overrides of :data:`ROLE_THRESHOLDS` (which steps count as start, end or
    decision).
    """
    if isinstance(protect, str):
        protect = (protect,)
    protect_t = tuple(sorted({str(p) for p in protect}))
    if isinstance(external, str):
        external = (external,)
    external_t = tuple(sorted({str(p) for p in external}))
    th = dict(ROLE_THRESHOLDS)
    if thresholds:
        unknown = sorted(set(thresholds) - set(ROLE_THRESHOLDS))
        if unknown:
            raise ParameterError(
                f"unknown threshold(s) {', '.join(unknown)}; allowed: {', '.join(ROLE_THRESHOLDS)}"
            )
        th.update({k: float(v) for k, v in thresholds.items()})
    if calendar is None:
        from procsimp.calendar import default_calendar

        calendar = default_calendar()
    cat = _load_catalog(catalog)
    return _Builder(log, calendar, cat, protect_t, th, external_t).build()


# log -> {(calendar, catalog, protect, external, thresholds): LogAggregates}: one computation per
# log and settings serves flag_steps and propose (which reuses the aggregates flag_steps built)
_SHARED: weakref.WeakKeyDictionary[Any, dict[Any, LogAggregates]] = weakref.WeakKeyDictionary()


def shared_aggregate(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    protect: Iterable[str] = (),
    external: Iterable[str] = (),
) -> LogAggregates:
    """:func:`aggregate`, computed once per log and settings and then shared (the detectors'
    ``flag_steps`` and ``propose`` read the same aggregates and step roles). The log is held
    weakly; the latest settings of each log are kept."""
    protect_t = (protect,) if isinstance(protect, str) else tuple(protect)
    external_t = (external,) if isinstance(external, str) else tuple(external)
    if catalog is None:  # the settings' catalog: the same object whoever asks (flag_steps, propose)
        from procsimp.catalog import resolve_catalog

        catalog = resolve_catalog(None)
    if calendar is None:  # the settings' calendar, as aggregate() resolves it
        from procsimp.calendar import default_calendar

        calendar = default_calendar()
    # the calendar by its value (WorkCalendar compares and hashes by its description), so
    # equal calendars built twice, or None and the calendar it stands for, share one entry
    key = (calendar, catalog if catalog is None or catalog is False else id(catalog),
           tuple(sorted(map(str, protect_t))), tuple(sorted(map(str, external_t))))
    per_log = _SHARED.setdefault(log, {})
    if key not in per_log:
        per_log.clear()  # one entry per log: the latest settings
        per_log[key] = aggregate(log, calendar=calendar, catalog=catalog, protect=protect_t, external=external_t)
    return per_log[key]


class _Builder:
    """One pass over the event arrays; each method adds one table."""

    def __init__(
        self,
        log: EventLog,
        calendar: WorkCalendar,
        catalog: Any,
        protect: tuple[str, ...],
        th: dict[str, float],
        external: tuple[str, ...] = (),
    ) -> None:
        self.log = log
        self.cal = calendar
        self.catalog = catalog
        self.protect = protect
        self.external = external
        self.th = th
        df = log.df
        act = df[ACTIVITY]
        keep = act.notna().to_numpy()
        if not keep.all():  # events without a step name cannot be judged
            df = df.loc[keep].reset_index(drop=True)
        self.df = df
        n = len(df)
        self.n = n
        # working minutes of the completion and start times, in a second thread while the codes
        # are built (vectorised calendar arithmetic releases the GIL); one task, as the calendar
        # extends its day table on demand
        has_start = START in df.columns and bool(df[START].notna().any())

        def work_minutes() -> tuple[np.ndarray, np.ndarray | None]:
            wc = calendar.work_minutes(pd.DatetimeIndex(df[TIMESTAMP])) if n else np.zeros(0)
            ws = calendar.work_minutes(pd.DatetimeIndex(df[START])) if has_start else None
            return wc, ws

        pool = ThreadPoolExecutor(max_workers=1)
        try:
            minutes = pool.submit(work_minutes)
            self._codes_and_times(df, n, minutes.result, has_start)
        finally:
            pool.shutdown(wait=True)

    def _codes_and_times(self, df: pd.DataFrame, n: int, minutes: Any, has_start: bool) -> None:
        """The integer codes, case structure and times of the events (see ``__init__``);
        ``minutes()`` gives the working minutes of the completion and start times."""
        case_codes = _case_codes(df[CASE]) if n else np.zeros(0, np.int64)
        first = np.ones(n, dtype=bool)
        if n > 1:
            first[1:] = case_codes[1:] != case_codes[:-1]
        last = np.ones(n, dtype=bool)
        if n > 1:
            last[:-1] = first[1:]
        self.first, self.last = first, last
        self.cidx = np.cumsum(first) - 1  # dense case index 0..C-1 in log order
        self.C = int(first.sum())
        self.case_first = np.flatnonzero(first)
        self.case_last = np.flatnonzero(last)
        self.pos = np.arange(n) - self.case_first[self.cidx] if n else np.zeros(0, np.int64)
        self.case_len = self.case_last - self.case_first + 1

        # activities: dense codes over the categories that occur
        acodes, anames = _codes(df[ACTIVITY])
        if n:
            used, _, self.act = _key_counts(np.maximum(acodes, 0), max(len(anames), 1), inverse=True)
        else:
            used, self.act = np.zeros(0, np.int64), np.zeros(0, np.int64)
        self.act = self.act.astype(np.int64)
        self.anames = [anames[i] for i in used]
        self.A = max(len(self.anames), 1)

        # services, per case (first event's value)
        self.has_service = SERVICE in df.columns and bool(df[SERVICE].notna().any())
        if self.has_service:
            scodes, snames = _codes(df[SERVICE])
            sc_case = scodes[self.case_first]
            missing = sc_case < 0
            names = list(snames)
            if missing.any():
                names.append(_default_service_name())
                sc_case = np.where(missing, len(names) - 1, sc_case)
            used_s, _, sc_case = _key_counts(sc_case, len(names), inverse=True)
            self.snames = [names[i] for i in used_s]
            self.svc_case = sc_case.astype(np.int64)
        else:
            self.snames = [_default_service_name()]
            self.svc_case = np.zeros(self.C, dtype=np.int64)
        self.S = max(len(self.snames), 1)
        self.svc = self.svc_case[self.cidx] if n else np.zeros(0, np.int64)
        self.sa = self.svc * self.A + self.act  # (service, activity) key
        self.K = self.S * self.A

        # neighbours
        self.nxt = np.full(n, _END, dtype=np.int64)
        self.prv = np.full(n, _START, dtype=np.int64)
        if n > 1:
            self.nxt[:-1] = np.where(last[:-1], _END, self.act[1:])
            self.prv[1:] = np.where(first[1:], _START, self.act[:-1])

        # officers and units
        self.has_resource = RESOURCE in df.columns and bool(df[RESOURCE].notna().any())
        self.has_unit = UNIT in df.columns and bool(df[UNIT].notna().any())
        self.res = _codes(df[RESOURCE])[0] if self.has_resource else np.full(n, -1, np.int64)
        self.unit = _codes(df[UNIT])[0] if self.has_unit else np.full(n, -1, np.int64)

        # working minutes
        self.wc, ws_raw = minutes()
        self.has_start = has_start
        if self.has_start:
            ws = np.where(np.isfinite(ws_raw), np.minimum(ws_raw, self.wc), np.nan)
            self.ws = ws
            self.proc = self.wc - ws
        else:
            self.ws = np.full(n, np.nan)
            self.proc = np.full(n, np.nan)
        prev_wc = np.full(n, np.nan)
        if n > 1:
            prev_wc[1:] = np.where(first[1:], np.nan, self.wc[:-1])
        self.sojourn = self.wc - prev_wc  # NaN for the first event
        self.wait = np.clip(self.ws - prev_wc, 0.0, None) if self.has_start else np.full(n, np.nan)

        t_end = df[TIMESTAMP].array.asi8.astype(np.float64) if n else np.zeros(0)
        # calendar time since the previous step of the case, in days (a timer counts calendar
        # days, not working time)
        per_day = 86_400 * {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}.get(getattr(df[TIMESTAMP].dtype, "unit", "ns"), 1e9)
        self.elapsed_days = np.full(n, np.nan)
        if n > 1:
            self.elapsed_days[1:] = np.where(first[1:], np.nan, (t_end[1:] - t_end[:-1]) / per_day)
        tie = np.zeros(n, dtype=bool)
        if n > 1:
            tie[1:] = ~first[1:] & (t_end[1:] == t_end[:-1])
        self.tie = tie

        self.outcome_codes: np.ndarray | None = None
        self.outcome_names: list[str] = []
        if OUTCOME in df.columns and df[OUTCOME].notna().any():
            oc, self.outcome_names = _codes(df[OUTCOME])
            self.outcome_codes = oc[self.case_first]

    # ------------------------------------------------------------------ building blocks
    def _occurrences(self) -> None:
        """Occurrence number of each event's step within its case; loops between occurrences."""
        n = self.n
        key = self.cidx * self.A + self.act
        order = np.argsort(key, kind="stable")
        ks = key[order]
        newgrp = np.ones(n, dtype=bool)
        if n > 1:
            newgrp[1:] = ks[1:] != ks[:-1]
        grp_start = np.maximum.accumulate(np.where(newgrp, np.arange(n), 0)) if n else np.zeros(0, np.int64)
        occ_sorted = np.arange(n) - grp_start
        occ = np.empty(n, dtype=np.int64)
        occ[order] = occ_sorted
        self.occ = occ
        # previous occurrence of the same step in the case, for every repeat
        prev_occ = np.full(n, -1, dtype=np.int64)
        if n > 1:
            rep_sorted = ~newgrp
            prev_occ[order[rep_sorted]] = order[np.flatnonzero(rep_sorted) - 1]
        self.prev_occ = prev_occ
        rep = np.flatnonzero(prev_occ >= 0)
        self.loop_end = rep
        self.loop_begin = prev_occ[rep]
        # events strictly inside a loop (between an occurrence and its repeat)
        diff = np.bincount(self.loop_begin + 1, minlength=n + 1) - np.bincount(self.loop_end, minlength=n + 1)
        self.in_loop = np.cumsum(diff[:-1]) > 0 if n else np.zeros(0, dtype=bool)
        self.loop_start_mark = np.zeros(n, dtype=bool)
        self.loop_start_mark[self.loop_begin] = True
        # rework events: repeats, and steps that exist only inside loops (supplement requests,
        # resubmissions); a first pass through the steps of a send-back loop is not rework
        K = self.K
        ev = self._events_per_key()
        inside = np.bincount(self.sa[self.in_loop], minlength=K)
        self.loop_only = _share(inside, ev) >= 0.9
        self.rework = (occ > 0) | (self.loop_only[self.sa] & self.in_loop)
        last_rework = np.full(self.C, -1, dtype=np.int64)
        idx = np.flatnonzero(self.rework)
        if idx.size:  # the log is sorted by case: the last rework event of each case
            c = self.cidx[idx]
            last = np.ones(idx.size, dtype=bool)
            last[:-1] = c[1:] != c[:-1]
            last_rework[c[last]] = idx[last]
        self.rework_after = last_rework[self.cidx] > np.arange(n)

    def _roles(self) -> None:
        """Per (service, activity): starts, ends, terminal steps; and the knock-out ends."""
        K, A = self.K, self.A
        ev = self._events_per_key()
        starts = np.bincount(self.sa[self.first], minlength=K)
        ends = np.bincount(self.sa[self.last], minlength=K)
        cases_per_svc = np.bincount(self.svc_case, minlength=self.S).astype(float)
        svc_of_k = np.arange(K) // A
        start_share = _share(starts, cases_per_svc[svc_of_k])
        end_share = _share(ends, cases_per_svc[svc_of_k])
        end_rate = _share(ends, ev)
        th = self.th
        is_start = np.zeros(K, dtype=bool)
        is_end = np.zeros(K, dtype=bool)
        top_start = np.full(self.S, -1, dtype=np.int64)
        top_end = np.full(self.S, -1, dtype=np.int64)
        for s in range(self.S):
            sl = slice(s * A, (s + 1) * A)
            if starts[sl].sum():
                top_start[s] = int(np.argmax(starts[sl]))
                is_start[s * A + top_start[s]] = True
            if ends[sl].sum():
                top_end[s] = int(np.argmax(ends[sl]))
                is_end[s * A + top_end[s]] = True
        is_start |= start_share >= th["start_share"]
        is_end |= end_share >= th["end_share"]
        terminal = (end_rate >= th["terminal_rate"]) & (end_share >= th["terminal_min_share"]) & (ends >= 2)
        is_end |= terminal
        # knock-out ends: terminal steps other than the dominant end, whose cases end differently
        knockout = terminal.copy()
        for s in range(self.S):
            if top_end[s] >= 0:
                knockout[s * A + top_end[s]] = False
        if self.outcome_codes is not None:
            # with an outcome column, a knock-out end's cases must mostly have another outcome
            # than the cases that end at the dominant end
            last_k = self.sa[self.last]
            oc = self.outcome_codes
            for k in np.flatnonzero(knockout):
                svc_i = int(k // A)
                dom = svc_i * A + top_end[svc_i]
                o_dom = oc[last_k == dom]
                o_k = oc[last_k == k]
                o_dom, o_k = o_dom[o_dom >= 0], o_k[o_k >= 0]
                if o_dom.size and o_k.size:
                    main = np.bincount(o_dom).argmax()
                    if (o_k == main).mean() > 0.5:
                        knockout[k] = False
        self.is_start, self.is_end, self.knockout_end = is_start, is_end, knockout
        self.top_start, self.top_end = top_start, top_end
        self.start_share, self.end_share, self.end_rate = start_share, end_share, end_rate
        # knocked-out cases: the case's last step is a knock-out end
        self.case_knocked = knockout[self.sa[self.last]]
        # rejected ones (see _knockouts): the knock-out end is known to be a rejection (an early end
        # alone is not one: in a log extract, cases also stop where the extract ends)
        self.rejection_evidence = np.full(K, "", dtype=object)
        for k in np.flatnonzero(knockout):
            self.rejection_evidence[k] = self._rejection_evidence(int(k))
        self.ko_after = self.case_knocked[self.cidx] & ~self.last
        self.ko_next = np.zeros(self.n, dtype=bool)
        if self.n > 1:
            nxt_k = self.svc[:-1] * A + np.maximum(self.nxt[:-1], 0)
            self.ko_next[:-1] = (self.nxt[:-1] >= 0) & knockout[nxt_k] & self.last[1:]

    def _rejection_evidence(self, k: int) -> str:
        """Why the dossiers that end at knock-out end ``k`` count as rejected: ``"outcome"`` (their
        usual outcome says so), ``"name"`` (the step's name says so), ``"end_step"`` (a separate
        end step that nearly always closes the dossier, reached from steps that send most
        dossiers on: a decision), or ``""`` (no evidence: the dossiers merely end early)."""
        from procsimp.detect.base import means_rejection

        ends_here = np.flatnonzero(self.sa[self.case_last] == k)  # cases ending at k
        if self.outcome_codes is not None:
            oc = self.outcome_codes[ends_here]
            oc = oc[oc >= 0]
            if oc.size and means_rejection(self.outcome_names[int(np.bincount(oc).argmax())]):
                return "outcome"
        if means_rejection(self.anames[k % self.A]):
            return "name"
        last = self.case_last[ends_here]
        before = last[~self.first[last]] - 1  # the step right before k (cases of two steps or more)
        if self.end_rate[k] >= 0.9 and before.size:
            deciders = self.sa[before]
            to_k = np.bincount(deciders, minlength=self.K)
            branching = _share(to_k, self._events_per_key()) <= 0.5  # most of their dossiers go on
            if branching[deciders].mean() >= 0.5:
                return "end_step"
        return ""

    def _events_per_key(self) -> np.ndarray:
        if not hasattr(self, "_ev_per_key"):
            self._ev_per_key = np.bincount(self.sa, minlength=self.K)
        return self._ev_per_key

    # ------------------------------------------------------------------ tables
    def build(self) -> LogAggregates:
        if self.n == 0:
            return self._empty()
        self._events_per_key()
        with ThreadPoolExecutor(max_workers=2) as pool:
            # the engine's plan (every engine table, run once: _pairs starts it), and occurrences
            # and loops (a sort), alongside the roles and neighbour tables, which do not read
            # them (the plan reads only the log; it is the only user of the calendar meanwhile)
            pairs_job = pool.submit(self._pairs)
            occurrences = pool.submit(self._occurrences)
            self._roles()
            for codes in (self.res, self.unit):  # shared by the tables below: computed once, first
                self._transitions(codes)
                self._per_step(codes)
            occurrences.result()
            pairs = pairs_job.result()
        # the order, knock-out and loop tables (the engine's results and the roles) are finished
        # alongside the activity and service tables, as are the per-step quantiles (numpy
        # releases the GIL, so a second core shortens the wall time; the results are the same)
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending = pool.submit(lambda: (self._order(), self._knockouts(), self._loops()))
            quantiles = pool.submit(self._step_quantiles)  # sorting and partitioning: no GIL
            numbers = pool.submit(self._service_numbers)
            activities = self._activities(quantiles)
            services = self._services(activities, numbers.result())
            order, (knockouts, knockout_steps), loops = pending.result()
        return LogAggregates(
            services=services,
            activities=activities,
            pairs=pairs,
            order=order,
            knockouts=knockouts,
            knockout_steps=knockout_steps,
            loops=loops,
            has_start=self.has_start,
            has_resource=self.has_resource,
            has_unit=self.has_unit,
            minutes_per_day=float(self.cal.minutes_per_day),
            source=self.log.source,
            protect=self.protect,
            external=self.external,
            thresholds=dict(self.th),
            warnings=tuple(catalog_warnings(self.snames, self.catalog, has_service=self.has_service)),
            _catalog=self.catalog,
        )

    def _empty(self) -> LogAggregates:
        empty = pd.DataFrame()
        return LogAggregates(
            services=pd.DataFrame(columns=["service", "cases", "events"]),
            activities=pd.DataFrame(columns=_ACTIVITY_COLUMNS),
            pairs=empty,
            order=empty,
            knockouts=empty,
            knockout_steps=empty,
            loops=empty,
            has_start=False,
            has_resource=False,
            has_unit=False,
            minutes_per_day=float(self.cal.minutes_per_day),
            source=self.log.source,
            protect=self.protect,
            external=self.external,
            thresholds=dict(self.th),
            _catalog=self.catalog,
        )

    def _step_quantiles(self) -> tuple[np.ndarray, ...]:
        """Per step: median and p90 of processing and of waiting, the median sojourn (only
        without start times, where it stands in for processing; NaN otherwise), and the 10th,
        50th and 90th percentiles of the delay (time since the previous step: a timer makes it
        nearly constant), in calendar days."""
        groups = _Groups(self.sa, self.K)  # one ordering of the events by step, for every median
        proc_med, proc_p90 = groups.quantiles(self.proc)
        wait_med, wait_p90 = groups.quantiles(self.wait)
        if self.has_start:
            soj_med = np.full(self.K, np.nan)
        else:
            (soj_med,) = groups.quantiles(self.sojourn, (0.5,))
        d10, d50, d90 = groups.quantiles(self.elapsed_days, (0.1, 0.5, 0.9))
        return proc_med, proc_p90, wait_med, wait_p90, soj_med, d10, d50, d90

    def _activities(self, quantiles: Future[tuple[np.ndarray, ...]] | None = None) -> pd.DataFrame:
        """The activity table; ``quantiles``: :meth:`_step_quantiles` computing elsewhere (else
        computed here)."""
        K, A, n = self.K, self.A, self.n
        sa = self.sa
        ev = self._events_per_key()
        present = np.flatnonzero(ev > 0)
        cases = np.bincount(sa[self.occ == 0], minlength=K)
        cases_per_svc = np.bincount(self.svc_case, minlength=self.S)
        svc_of_k = np.arange(K) // A

        proc_mean = _group_mean(sa, self.proc, K, ev)
        wait_mean = _group_mean(sa, self.wait, K, ev)
        soj_mean = _group_mean(sa, self.sojourn, K, ev)
        # waiting that follows the step (the successor's waiting), on the same event rows
        wait_after = np.full(n, np.nan)
        soj_after = np.full(n, np.nan)
        if n > 1:
            wait_after[:-1] = np.where(self.last[:-1], np.nan, self.wait[1:])
            soj_after[:-1] = np.where(self.last[:-1], np.nan, self.sojourn[1:])
        wait_after_mean = _group_mean(sa, wait_after, K, ev)
        soj_after_mean = _group_mean(sa, soj_after, K, ev)

        # successors and predecessors (code + 1, 0 = end / start)
        succ_key = self._succ_key = sa * (A + 1) + (self.nxt + 1)
        sk, sc = _key_counts(succ_key, K * (A + 1))
        pred_key = sa * (A + 1) + (self.prv + 1)
        pk, pc = _key_counts(pred_key, K * (A + 1))

        def top_of(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            """Per step: the most frequent neighbour (ties: the smallest code; -1 = start/end,
            -2 = none), its count, the entropy (bits) of the neighbours and how many there are."""
            k, other = keys // (A + 1), keys % (A + 1) - 1
            order = np.lexsort((other, -counts, k))
            k_s = k[order]
            first = np.ones(len(order), dtype=bool)
            first[1:] = k_s[1:] != k_s[:-1]
            top = np.full(K, -2, dtype=np.int64)
            top_n = np.zeros(K, dtype=np.int64)
            top[k_s[first]] = other[order][first]
            top_n[k_s[first]] = counts[order][first]
            total = np.bincount(k, weights=counts, minlength=K)
            p = counts / total[k]
            ent = -np.bincount(k, weights=p * np.log2(p), minlength=K)
            return top, top_n, np.maximum(ent, 0.0), np.bincount(k, minlength=K)

        top_succ, top_succ_n, succ_ent, succ_distinct = top_of(sk, sc)
        top_pred, top_pred_n, _, _ = top_of(pk, pc)

        # officer / unit changes to the successor and from the predecessor
        def change_rates(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            valid, changed = self._transitions(codes)
            if n < 2:
                return np.full(K, np.nan), np.full(K, np.nan)
            src, dst = sa[:-1], sa[1:]  # event i and the event after it, in the same case
            ch_n = np.bincount(src, weights=changed, minlength=K)
            ch_p = np.bincount(dst, weights=changed, minlength=K)
            return _share(ch_n, np.bincount(src, weights=valid, minlength=K)), _share(
                ch_p, np.bincount(dst, weights=valid, minlength=K)
            )

        res_ch_next, res_ch_prev = change_rates(self.res)
        unit_ch_next, unit_ch_prev = change_rates(self.unit)
        # hand-offs removed if the step went away: changes pred->a + a->succ - pred->succ
        handoffs_saved = self._handoffs_saved(self.res if self.has_resource else self.unit)
        n_res = self._distinct_per_key(self.res)
        n_unit = self._distinct_per_key(self.unit)

        rework_next_ev = np.zeros(n, dtype=bool)
        if n > 1:
            # entering rework: the next event is rework while this one is not
            rework_next_ev[:-1] = ~self.last[:-1] & self.rework[1:] & ~self.rework[:-1]
        rework_next = np.bincount(sa[rework_next_ev], minlength=K)
        unit_exclusive = self._unit_exclusive()
        ko_next = np.bincount(sa[self.ko_next], minlength=K)
        ko_after = np.bincount(sa[self.ko_after], minlength=K)
        loop_start = np.bincount(sa[self.loop_start_mark], minlength=K)
        rework_after = np.bincount(sa[self.rework_after], minlength=K)
        in_loop = np.bincount(sa[self.in_loop], minlength=K)
        repeats = np.bincount(sa[self.occ > 0], minlength=K)
        repeat_cases = np.bincount(sa[self.occ == 1], minlength=K)
        rel_pos = self.pos / np.maximum(self.case_len - 1, 1)[self.cidx]  # 0 first .. 1 last
        pos_mean = _group_mean(sa, rel_pos, K, ev)
        step_mean = _group_mean(sa, self.pos.astype(float), K, ev)
        sent_back, back_from_body, intake_unit = self._unit_context(unit_exclusive, (sk, sc), (pk, pc), step_mean)
        # knocked-out cases containing the step, and how often
        ko_case_ev = np.bincount(sa[self.case_knocked[self.cidx] & (self.occ == 0)], minlength=K)
        mi = self._successor_outcome_mi()
        outcome_ent = self._outcome_entropy()

        th = self.th
        top_share = _share(top_succ_n, ev)
        routing = (top_share < th["routing_top_share"]) & (ev >= 5)
        ko_dec = (_share(ko_next, ev) >= th["decision_share"]) & (ko_next >= th["decision_min_count"])
        loop_dec = (_share(rework_next, ev) >= th["decision_share"]) & (rework_next >= th["decision_min_count"])
        mi_dec = (mi >= th["decision_mi_bits"]) & (ev >= 5)
        decision = routing | ko_dec | loop_dec | mi_dec

        rows = present
        names = np.array(self.anames + ["(none)"], dtype=object)

        def name_of(codes: np.ndarray, none: str) -> np.ndarray:
            out = np.where(codes >= 0, names[np.maximum(codes, 0)], none)
            return np.where(codes == -2, np.array(None, dtype=object), out)

        service_col = np.array(self.snames, dtype=object)[svc_of_k[rows]]
        activity_col = np.array(self.anames, dtype=object)[rows % A]
        protected_user = np.array([a in self.protect for a in activity_col], dtype=bool)
        protected_cat = np.array(
            [_protected_by_catalog(self.catalog, s, a) for s, a in zip(service_col, activity_col, strict=True)],
            dtype=bool,
        )
        hours = 1.0 / 60.0
        # the quantiles come last: a second thread may still be computing them (see build)
        proc_med, proc_p90, wait_med, wait_p90, soj_med, delay_p10, delay_p50, delay_p90 = (
            quantiles.result() if quantiles is not None else self._step_quantiles()
        )
        # steps driven by an outside party or a timer: not the agency's to reorder or remove
        timer = (
            (ev >= 10)
            & (delay_p50 >= th["timer_min_days"])
            & (delay_p90 - delay_p10 <= th["timer_max_spread"] * delay_p50)
        )
        appeal = (
            (cases >= 5)
            & (_share(cases, cases_per_svc[svc_of_k]) <= th["appeal_max_share"])
            & (pos_mean >= th["appeal_min_position"])
            & (delay_p50 >= th["appeal_min_days"])
            & ~self.is_end
        )
        external = np.where(timer, "timer", np.where(appeal, "appeal", ""))
        user_ext = np.array([a in self.external for a in activity_col], dtype=bool)
        external_col = np.where(user_ext, "external", external[rows])
        out = pd.DataFrame(
            {
                "service": service_col,
                "activity": activity_col,
                "events": ev[rows],
                "cases": cases[rows],
                "case_share": _share(cases[rows], cases_per_svc[svc_of_k[rows]]),
                "events_per_case": _share(ev[rows], cases[rows]),
                "proc_hours_mean": proc_mean[rows] * hours,
                "proc_hours_median": proc_med[rows] * hours,
                "proc_hours_p90": proc_p90[rows] * hours,
                "wait_hours_mean": wait_mean[rows] * hours,
                "wait_hours_median": wait_med[rows] * hours,
                "wait_hours_p90": wait_p90[rows] * hours,
                "sojourn_hours_mean": soj_mean[rows] * hours,
                "sojourn_hours_median": soj_med[rows] * hours,
                "delay_days_p10": delay_p10[rows],
                "delay_days_median": delay_p50[rows],
                "delay_days_p90": delay_p90[rows],
                "wait_after_hours_mean": wait_after_mean[rows] * hours,
                "sojourn_after_hours_mean": soj_after_mean[rows] * hours,
                "top_successor": name_of(top_succ[rows], "■ end"),
                "top_successor_share": top_share[rows],
                "successors": succ_distinct[rows],
                "successor_entropy": succ_ent[rows],
                "top_predecessor": name_of(top_pred[rows], "▶ start"),
                "top_predecessor_share": _share(top_pred_n[rows], ev[rows]),
                "resource_change_next": res_ch_next[rows],
                "resource_change_prev": res_ch_prev[rows],
                "unit_change_next": unit_ch_next[rows],
                "unit_change_prev": unit_ch_prev[rows],
                "handoffs_saved_per_event": handoffs_saved[rows],
                "resources": n_res[rows],
                "units": n_unit[rows],
                "unit_exclusive_share": unit_exclusive[rows],
                "sent_back_share": sent_back[rows],
                "back_from_body_share": back_from_body[rows],
                "intake_unit_share": intake_unit[rows],
                "knockout_next_share": _share(ko_next[rows], ev[rows]),
                "knockout_next": ko_next[rows],
                "knockout_after_share": _share(ko_after[rows], ev[rows]),
                "knockout_case_share": _share(ko_case_ev[rows], cases[rows]),
                "loop_start_share": _share(loop_start[rows], ev[rows]),
                "loop_starts": loop_start[rows],
                "rework_after_share": _share(rework_after[rows], ev[rows]),
                "rework_next_share": _share(rework_next[rows], ev[rows]),
                "in_loop_share": _share(in_loop[rows], ev[rows]),
                "repeats": repeats[rows],
                "repeat_case_share": _share(repeat_cases[rows], cases[rows]),
                "outcome_mi_bits": mi[rows],
                "outcome_entropy_bits": outcome_ent[rows],
                "position_mean": pos_mean[rows],
                "step_index_mean": step_mean[rows],
                "is_start_share": self.start_share[rows],
                "is_end_share": self.end_share[rows],
                "end_rate": self.end_rate[rows],
                "start": self.is_start[rows],
                "end": self.is_end[rows],
                "knockout_end": self.knockout_end[rows],
                "rejection_evidence": self.rejection_evidence[rows],
                "decision": decision[rows],
                "decision_routing": routing[rows],
                "decision_knockout": ko_dec[rows],
                "decision_rework": loop_dec[rows],
                "decision_outcome": mi_dec[rows],
                "protected": protected_user | protected_cat,
                "protected_by": np.where(protected_user, "protect", np.where(protected_cat, "catalog", "")),
            }
        )
        out["rework_only"] = self.loop_only[rows]
        out["external"] = external_col
        role = np.select(
            [out["start"], out["end"], out["protected"], out["external"] != "", out["decision"], out["rework_only"]],
            ["start", "end", "protected", "external", "decision", "rework"],
            default="",
        )
        out["role"] = role
        out["kept"] = role != ""
        out = out.sort_values(["service", "step_index_mean", "activity"], kind="stable").reset_index(drop=True)
        return out[_ACTIVITY_COLUMNS]

    def _per_step(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
        """The distinct (service, step, code) keys of an officer or unit code array (codes >= 0),
        as ``(key, count, m)`` with key = (service * A + step) * m + code; None when no event has
        a code. Cached per array."""
        cache = self.__dict__.setdefault("_per_step_cache", {})
        if id(codes) not in cache:
            ok = codes >= 0
            if not ok.any():
                cache[id(codes)] = (codes, None)
            else:
                m = int(codes.max()) + 1
                all_ok = bool(ok.all())
                keys = self.sa * m + codes if all_ok else self.sa[ok] * m + codes[ok]
                uk, cnt = _key_counts(keys, self.K * m)
                cache[id(codes)] = (codes, (uk, cnt, m))
        return cache[id(codes)][1]

    def _unit_exclusive(self, min_focus: float = 0.95) -> np.ndarray:
        """Per (service, activity): share of its events done by a unit that (in that service)
        does this step only (at least ``min_focus`` of the unit's events): a body consulted for
        this one step, such as the police or a court."""
        K = self.K
        found = self._per_step(self.unit)
        if found is None:
            return np.full(K, np.nan)
        uk, cnt, m = found
        k_of = uk // m
        su_of = (k_of // self.A) * m + uk % m  # (service, unit)
        su_events = np.bincount(su_of, weights=cnt, minlength=self.S * m)
        focused = cnt >= min_focus * su_events[su_of]
        exclusive = np.bincount(k_of[focused], weights=cnt[focused], minlength=K)
        total = np.bincount(k_of, weights=cnt, minlength=K)
        return _share(exclusive, total)

    def _unit_context(
        self, exclusive: np.ndarray, succ: tuple[np.ndarray, np.ndarray], pred: tuple[np.ndarray, np.ndarray],
        step_mean: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per (service, activity), where the dossier comes from and goes to, by unit:

        * ``sent_back``: for a step done by a unit that does nothing else in the service
          (``exclusive``, the per-step share of :meth:`_unit_exclusive`, at least 0.9), the share
          of its successions (``succ_keys``/``succ_counts``, see :meth:`_activities`) that go to
          another unit which does a step that comes earlier in the service on average
          (``step_mean``): the dossier was sent out for this step and goes back, as after a
          consultation. Computed on the service's structure (each step's main unit), not case by
          case; NaN for other steps;
        * ``back_from_body``: the share of its predecessions (``pred``) by a unit that does nothing
          else in the service, when the step's own unit does a step that comes earlier than that
          predecessor: the dossier comes back from a consulted body to the unit that sent it;
        * ``intake_unit``: share of the occurrences done by the unit that received the dossier
          (the unit of the case's first step, such as the front office).

        NaN when the log has no units."""
        K, A, n = self.K, self.A, self.n
        unit = self.unit
        found = self._per_step(unit)
        if not self.has_unit or n == 0 or found is None:
            return np.full(K, np.nan), np.full(K, np.nan), np.full(K, np.nan)
        sa = self.sa
        uk, cnt, m = found
        main = self._mode_per_key(uk // m, uk % m, K, m, counts=cnt)  # each step's main unit
        # the earliest mean position of any step of each (service, unit)
        has = main >= 0
        earliest = np.full(self.S * m, np.inf)
        steps = np.flatnonzero(has)
        np.minimum.at(earliest, (steps // A) * m + main[steps], step_mean[steps])
        single = np.nan_to_num(exclusive, nan=0.0) >= 0.9

        def neighbours(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """(step, neighbouring step, count) of the successor or predecessor pairs."""
            k, other = keys // (A + 1), keys % (A + 1) - 1
            ok = other >= 0
            return k[ok], (k[ok] // A) * A + other[ok], counts[ok].astype(float)

        def share(k: np.ndarray, hit: np.ndarray, judged: np.ndarray, weight: np.ndarray) -> np.ndarray:
            return _share(np.bincount(k, weights=weight * (judged & hit), minlength=K),
                          np.bincount(k, weights=weight * judged, minlength=K))

        # sent back: the next step's unit works on the dossier before this step
        k, nk, weight = neighbours(*succ)
        judged = (main[nk] >= 0) & (main[k] >= 0) & (main[nk] != main[k])
        back = earliest[(k // A) * m + np.maximum(main[nk], 0)] < step_mean[k]
        sent_back = share(k, back, judged, weight)
        sent_back[~single] = np.nan
        # back from a body: the previous step is a single-purpose unit's, and this step's unit
        # works on the dossier before that step
        k, pk, weight = neighbours(*pred)
        judged = (main[pk] >= 0) & (main[k] >= 0) & (main[pk] != main[k])
        back = single[pk] & (earliest[(k // A) * m + np.maximum(main[k], 0)] < step_mean[pk])
        back_from_body = share(k, back, judged, weight)
        intake = unit[self.case_first][self.cidx]
        known = (unit >= 0) & (intake >= 0)
        at_intake = known & (unit == intake)
        intake_unit = _share(np.bincount(sa[at_intake], minlength=K), np.bincount(sa[known], minlength=K))
        return sent_back, back_from_body, intake_unit

    def _distinct_per_key(self, codes: np.ndarray) -> np.ndarray:
        found = self._per_step(codes)
        if found is None:
            return np.zeros(self.K, dtype=np.int64)
        uk, _, m = found
        return np.bincount(uk // m, minlength=self.K)

    def _transitions(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each event and the next one in the same case (``n - 1`` pairs, log order): both
        codes known, and the code changes (a hand-off). Cached per code array."""
        key = id(codes)
        cache = self.__dict__.setdefault("_transition_cache", {})
        if key not in cache:
            if self.n < 2:
                none = np.zeros(0, dtype=bool)
                cache[key] = (codes, none, none)
            else:
                a, b = codes[:-1], codes[1:]
                valid = ~self.first[1:] & (a >= 0) & (b >= 0)
                cache[key] = (codes, valid, valid & (a != b))
        return cache[key][1], cache[key][2]

    def _handoffs_saved(self, codes: np.ndarray) -> np.ndarray:
        """Per (service, activity), mean hand-offs removed per occurrence if the step went away."""
        n = self.n
        if n == 0 or not (codes >= 0).any():
            return np.full(self.K, np.nan)
        saved = np.zeros(n)
        if n > 1:
            _, changed = self._transitions(codes)
            saved[1:] += changed  # a hand-off into the step
            saved[:-1] += changed  # a hand-off out of it
        if n > 2:
            # the direct hand-off between its predecessor and successor that would replace them
            c_prev, c_next = codes[:-2], codes[2:]
            direct = ~self.first[1:-1] & ~self.last[1:-1] & (c_prev >= 0) & (c_next >= 0) & (c_prev != c_next)
            saved[1:-1] -= direct
        return _group_mean(self.sa, saved, self.K, self._events_per_key())

    def _successor_outcome_mi(self) -> np.ndarray:
        """Mutual information (bits) between a step's successor and the case outcome."""
        K, A = self.K, self.A
        if self.outcome_codes is not None and (self.outcome_codes >= 0).any():
            outcome_case = np.where(self.outcome_codes >= 0, self.outcome_codes, -1)
        else:
            # without an outcome column: knocked out or not
            outcome_case = self.case_knocked.astype(np.int64)
        M = int(outcome_case.max()) + 2 if self.n else 1
        oc = outcome_case[self.cidx] + 1
        ks = self._succ_key if hasattr(self, "_succ_key") else self.sa * (A + 1) + (self.nxt + 1)
        uk, n_kso = _key_counts(ks * M + oc, K * (A + 1) * M)
        k_of = uk // M // (A + 1)
        ks_of = uk // M
        ko_of = k_of * M + uk % M
        _, _, inv_ks = _key_counts(ks_of, K * (A + 1), inverse=True)
        _, _, inv_ko = _key_counts(ko_of, K * M, inverse=True)
        n_ks = np.bincount(inv_ks, weights=n_kso)[inv_ks]
        n_ko = np.bincount(inv_ko, weights=n_kso)[inv_ko]
        n_k_all = np.bincount(k_of, weights=n_kso, minlength=K)
        n_k = n_k_all[k_of]
        terms = n_kso / n_k * np.log2(n_kso * n_k / (n_ks * n_ko))
        mi = np.bincount(k_of, weights=terms, minlength=K)
        return np.clip(mi, 0.0, None)

    def _outcome_entropy(self) -> np.ndarray:
        """Entropy (bits) of the case outcome among cases containing the step."""
        if self.outcome_codes is not None and (self.outcome_codes >= 0).any():
            outcome_case = self.outcome_codes + 1
        else:
            outcome_case = self.case_knocked.astype(np.int64)
        firsts = self.occ == 0
        M = int(outcome_case.max()) + 1 if outcome_case.size else 1
        key = self.sa[firsts] * M + outcome_case[self.cidx[firsts]]
        uk, cnt = _key_counts(key, self.K * M)
        k_of = uk // M
        n_k = np.bincount(k_of, weights=cnt, minlength=self.K)
        s = np.bincount(k_of, weights=cnt * np.log2(cnt), minlength=self.K)
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = np.where(n_k > 0, np.log2(np.maximum(n_k, 1)) - s / np.maximum(n_k, 1), 0.0)
        return np.clip(ent, 0.0, None)

    def _pairs(self) -> pd.DataFrame:
        """Directly-follows pairs with officer/unit continuity and the waiting between: an engine
        plan (``pairs`` of :func:`procsimp.engine.detector_tables`), ordered here."""
        from procsimp.engine import detector_tables

        table = detector_tables(self.log, calendar=self.cal)["pairs"]  # every table in one plan
        out = pd.DataFrame({col: table[col].to_numpy() for col in ("service", "source", "target")})
        for col in ("count", "cases", "rework"):
            out[col] = table[col].astype(np.int64).to_numpy()
        for col in ("share_of_source", "share_of_target", "same_resource", "same_unit", "returns_to_target_unit",
                    "wait_hours_mean", "sojourn_hours_mean", "source_proc_hours_mean", "target_proc_hours_mean"):
            out[col] = table[col].to_numpy(dtype=np.float64, na_value=np.nan)
        out["units_disjoint"] = table["units_disjoint"].astype(bool).to_numpy()
        out = out.sort_values(["service", "count", "source", "target"], ascending=[True, False, True, True], kind="stable")
        return out.reset_index(drop=True)[_PAIR_COLUMNS]

    def _order(self) -> pd.DataFrame:
        """A before B vs B before A (first occurrences) among cases with both, for candidate pairs.

        Candidates are the directly-follows pairs of a service (either direction); counting every
        pair of steps would be quadratic in the number of steps per case. Order is by time (start
        when known, else completion); equal times count as ties. With start times, the cases
        whose two steps overlap in time (already done in parallel) are counted, and so are each
        step's processing and the knock-outs by order (does the order change the work or the
        outcome?). The engine's ``order`` plan counts per last step of the case; the knocked-out
        cases are pooled here.
        """
        from procsimp.engine import detector_tables

        table = detector_tables(self.log, calendar=self.cal)["order"]
        if not len(table):
            return pd.DataFrame(columns=_ORDER_COLUMNS)
        A = self.A
        s_code = {name: i for i, name in enumerate(self.snames)}
        a_code = {name: i for i, name in enumerate(self.anames)}
        svc = np.array([s_code[x] for x in table["service"]], dtype=np.int64)
        end = np.array([a_code[x] for x in table["end_act"]], dtype=np.int64)
        knocked = self.knockout_end[svc * A + end]
        t = table.drop(columns="end_act").assign(
            a_first_ko=np.where(knocked, table["a_first"].to_numpy(dtype=np.int64), 0),
            b_first_ko=np.where(knocked, table["b_first"].to_numpy(dtype=np.int64), 0),
        )
        sums = t.groupby(["service", "a", "b"], sort=True).sum(numeric_only=True, min_count=1)
        counts = {c: sums[c].fillna(0).to_numpy(dtype=np.int64) for c in (
            "cases_both", "a_first", "b_first", "adjacent", "overlap", "a_first_ko", "b_first_ko")}
        # what the order changes, for the pairs seen in both orders only
        two = (counts["a_first"] > 0) & (counts["b_first"] > 0)
        for c in ("a_first_ko", "b_first_ko"):
            counts[c] = np.where(two, counts[c], 0)

        def proc(name: str) -> np.ndarray:
            if not self.has_start:
                return np.full(len(sums), np.nan)
            total = sums[f"{name}_sum"].to_numpy(dtype=np.float64, na_value=np.nan)
            known = sums[f"{name}_n"].fillna(0).to_numpy(dtype=np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(known > 0, total / np.maximum(known, 1), np.nan) / 60.0
            return np.where(two, mean, np.nan)

        out = pd.DataFrame(
            {
                "service": sums.index.get_level_values("service").to_numpy(dtype=object),
                "a": sums.index.get_level_values("a").to_numpy(dtype=object),
                "b": sums.index.get_level_values("b").to_numpy(dtype=object),
                "cases_both": counts["cases_both"],
                "a_first": counts["a_first"],
                "b_first": counts["b_first"],
                "ties": counts["cases_both"] - counts["a_first"] - counts["b_first"],
                "adjacent": counts["adjacent"],
                "overlap": counts["overlap"],
                "a_proc_hours_first": proc("a_proc_first"),
                "a_proc_hours_second": proc("a_proc_second"),
                "b_proc_hours_first": proc("b_proc_first"),
                "b_proc_hours_second": proc("b_proc_second"),
                "knockout_share_a_first": _share(counts["a_first_ko"], counts["a_first"]),
                "knockout_share_b_first": _share(counts["b_first_ko"], counts["b_first"]),
            }
        )
        out = out[out["cases_both"] > 0]
        out["minority_share"] = _share(np.minimum(out["a_first"], out["b_first"]).to_numpy(), out["cases_both"].to_numpy())
        out["overlap_share"] = _share(out["overlap"].to_numpy(), out["cases_both"].to_numpy())
        out = out.sort_values(["service", "a", "b"], kind="stable").reset_index(drop=True)
        return out[_ORDER_COLUMNS]

    def _mode_per_key(
        self, keys: np.ndarray, values: np.ndarray, n_keys: int, n_values: int, counts: np.ndarray | None = None
    ) -> np.ndarray:
        """The most frequent value per key (ties: the smallest value); -1 for keys never seen.
        With ``counts``, each (key, value) pair is given once with its count."""
        if counts is None:
            uk, cnt = _key_counts(keys * n_values + values, n_keys * n_values)
        else:
            uk, cnt = keys * n_values + values, counts
        k_of, v_of = uk // n_values, uk % n_values
        order = np.lexsort((v_of, -cnt, k_of))
        k_sorted = k_of[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = k_sorted[1:] != k_sorted[:-1]
        out = np.full(n_keys, -1, dtype=np.int64)
        out[k_sorted[first]] = v_of[order][first]
        return out

    def _knockouts(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per decider (the step right before a rejection end): cost spent before the decision.

        Only knock-out ends with evidence of a rejection count (see :meth:`_rejection_evidence`).
        The engine's ``endings`` and ``ending_steps`` plans give the figures per last step; the
        rejection ends are picked and pooled here."""
        from procsimp.engine import detector_tables

        tables = detector_tables(self.log, calendar=self.cal)
        A = self.A
        s_code = {name: i for i, name in enumerate(self.snames)}
        a_code = {name: i for i, name in enumerate(self.anames)}
        rejected = self.knockout_end & (self.rejection_evidence != "")

        def keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
            """(decider key, whether the row's last step is a rejection end) of each row."""
            svc = np.array([s_code[x] for x in frame["service"]], dtype=np.int64)
            end = np.array([a_code[x] for x in frame["end_act"]], dtype=np.int64)
            dec = np.array([a_code[x] for x in frame["decider"]], dtype=np.int64)
            return svc * A + dec, rejected[svc * A + end] if len(frame) else np.zeros(0, dtype=bool)

        endings = tables["endings"]
        dk, keep = keys(endings)
        if not keep.any():
            return pd.DataFrame(columns=_KO_COLUMNS), pd.DataFrame(columns=_KO_STEP_COLUMNS)
        e = endings[keep].assign(
            dk=dk[keep], end=[a_code[x] for x in endings["end_act"][keep]],
            cases=lambda f: f["cases"].astype(np.int64),
        )
        # the usual rejection end of each decider (ties: the first step in the log's order)
        mode = e.sort_values(["dk", "cases", "end"], ascending=[True, False, True], kind="stable").drop_duplicates("dk")
        sums = e.groupby("dk", sort=True)[["cases", "effort_sum", "effort_n", "elapsed_sum", "elapsed_n", "steps_sum"]].sum()
        ks = sums.index.to_numpy(dtype=np.int64)
        n_ko = sums["cases"].to_numpy(dtype=np.int64)
        end_mode = mode.set_index("dk").loc[ks, "end"].to_numpy(dtype=np.int64)
        ev = self._events_per_key()
        svc_cases = np.bincount(self.svc_case, minlength=self.S)
        snames = np.array(self.snames, dtype=object)
        anames = np.array(self.anames, dtype=object)
        hours = 1.0 / 60.0
        knockouts = pd.DataFrame(
            {
                "service": snames[ks // A],
                "decider": anames[ks % A],
                "end_activity": anames[end_mode],
                "rejection_evidence": self.rejection_evidence[(ks // A) * A + end_mode],
                "knockouts": n_ko,
                "decider_events": ev[ks],
                "knockout_rate": n_ko / ev[ks],
                "service_cases": svc_cases[ks // A],
                "effort_before_hours_mean": _share(sums["effort_sum"].to_numpy(dtype=float), sums["effort_n"].to_numpy()) * hours,
                "elapsed_before_hours_mean": _share(sums["elapsed_sum"].to_numpy(dtype=float), sums["elapsed_n"].to_numpy()) * hours,
                "steps_before_mean": sums["steps_sum"].to_numpy(dtype=float) / n_ko,
            }
        )
        knockouts = knockouts.sort_values(["service", "decider"], kind="stable").reset_index(drop=True)

        # the steps done before the decider in knocked-out cases
        ending_steps = tables["ending_steps"]
        dk, keep = keys(ending_steps)
        st = ending_steps[keep].assign(dk=dk[keep], a=[a_code[x] for x in ending_steps["act"][keep]])
        st = st.groupby(["dk", "a"], sort=True)[["cases", "position_sum", "proc_sum", "sojourn_sum"]].sum()
        st = st[st["cases"] > 0]
        sk = st.index.get_level_values("dk").to_numpy(dtype=np.int64)
        sa_ = st.index.get_level_values("a").to_numpy(dtype=np.int64)
        cases = st["cases"].to_numpy(dtype=np.int64)
        n_of = dict(zip(ks.tolist(), n_ko.tolist(), strict=True))
        steps = pd.DataFrame(
            {
                "service": snames[sk // A],
                "decider": anames[sk % A],
                "activity": anames[sa_],
                "cases": cases,
                "share": cases / np.array([n_of[k] for k in sk.tolist()], dtype=float),
                "position_mean": st["position_sum"].to_numpy(dtype=float) / cases,
                "proc_hours_mean": st["proc_sum"].to_numpy(dtype=float) / cases * hours if self.has_start else np.nan,
                "sojourn_hours_mean": st["sojourn_sum"].to_numpy(dtype=float) / cases * hours,
            }
        )
        steps = steps.sort_values(["service", "decider", "position_mean", "activity"], kind="stable")
        return knockouts, steps.reset_index(drop=True)[_KO_STEP_COLUMNS]

    def _loops(self) -> pd.DataFrame:
        """Rework loops: a step repeated later in the same case; cost and the steps in between.
        An engine plan (``loops`` of :func:`procsimp.engine.detector_tables`), ordered here."""
        from procsimp.engine import detector_tables

        table = detector_tables(self.log, calendar=self.cal, tables=("loops",))["loops"]
        if not len(table):
            return pd.DataFrame(columns=_LOOP_COLUMNS)
        out = pd.DataFrame({"service": table["service"].to_numpy(), "activity": table["act"].to_numpy()})
        for col in ("loops", "cases"):
            out[col] = table[col].astype(np.int64).to_numpy()
        out["via"] = table["via"].to_numpy()
        out["sent_back_by"] = table["sent_back_by"].to_numpy()
        for col in ("case_share", "length_mean", "elapsed_hours_mean", "elapsed_hours_total", "effort_hours_mean",
                    "recheck_share"):
            out[col] = table[col].to_numpy(dtype=np.float64, na_value=np.nan)
        return out[_LOOP_COLUMNS].sort_values(["service", "activity"], kind="stable").reset_index(drop=True)

    def _service_numbers(self) -> dict[str, np.ndarray]:
        """The per-service figures of :meth:`_services` that need no activity table."""
        S = self.S
        cases = np.bincount(self.svc_case, minlength=S)
        events = np.bincount(self.svc, minlength=S)
        ko = np.bincount(self.svc_case[self.case_knocked], minlength=S)
        n_acts = np.bincount(np.flatnonzero(self._events_per_key()) // self.A, minlength=S)
        rework_cases = np.zeros(S, dtype=np.int64)
        if self.loop_end.size:
            rc = np.unique(self.cidx[self.loop_end])
            rework_cases = np.bincount(self.svc_case[rc], minlength=S)
        # service-wide medians are thresholds only: a deterministic sample of at most 200k events
        stride = max(1, self.n // 200_000)
        sample = _Groups(self.svc[::stride], S)
        (proc_med,) = sample.quantiles(self.proc[::stride], (0.5,))
        (wait_med,) = sample.quantiles(self.wait[::stride], (0.5,))
        proc_med, wait_med = proc_med / 60.0, wait_med / 60.0
        lead = (self.wc[self.case_last] - np.where(
            np.isfinite(self.ws[self.case_first]), self.ws[self.case_first], self.wc[self.case_first]
        )) / 60.0
        lead_mean = _group_mean(self.svc_case, lead, S)
        non_first = np.bincount(self.svc[~self.first], minlength=S)
        ties = np.bincount(self.svc[self.tie], minlength=S)
        tie_share = _share(ties, non_first)
        return {"cases": cases, "events": events, "ko": ko, "n_acts": n_acts, "rework_cases": rework_cases,
                "proc_med": proc_med, "wait_med": wait_med, "lead_mean": lead_mean, "tie_share": tie_share}

    def _services(self, activities: pd.DataFrame, numbers: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        S = self.S
        f = numbers if numbers is not None else self._service_numbers()
        cases, events, ko, n_acts, rework_cases = f["cases"], f["events"], f["ko"], f["n_acts"], f["rework_cases"]
        proc_med, wait_med, lead_mean, tie_share = f["proc_med"], f["wait_med"], f["lead_mean"], f["tie_share"]
        rows = []
        by_service: dict[str, dict[str, list[str]]] = {name: {"start": [], "end": [], "ko": []} for name in self.snames}
        for sv, act, st, en, is_ko in zip(
            activities["service"].astype(object), activities["activity"].astype(object),
            activities["start"], activities["end"], activities["knockout_end"], strict=True,
        ):
            d = by_service[sv]
            if st:
                d["start"].append(act)
            if en:
                d["end"].append(act)
            if is_ko:
                d["ko"].append(act)
        for s in range(S):
            d = by_service[self.snames[s]]
            rows.append(
                {
                    "service": self.snames[s],
                    "cases": int(cases[s]),
                    "events": int(events[s]),
                    "activities": int(n_acts[s]),
                    "start_activity": self.anames[self.top_start[s]] if self.top_start[s] >= 0 else None,
                    "end_activity": self.anames[self.top_end[s]] if self.top_end[s] >= 0 else None,
                    "start_activities": tuple(d["start"]),
                    "end_activities": tuple(d["end"]),
                    "knockout_ends": tuple(d["ko"]),
                    "knockout_share": ko[s] / cases[s] if cases[s] else np.nan,
                    "rework_case_share": rework_cases[s] / cases[s] if cases[s] else np.nan,
                    "proc_hours_median": proc_med[s],
                    "wait_hours_median": wait_med[s],
                    "lead_hours_mean": lead_mean[s],
                    "tie_share": tie_share[s],
                }
            )
        return pd.DataFrame(rows)


_ACTIVITY_COLUMNS = [
    "service", "activity", "events", "cases", "case_share", "events_per_case",
    "proc_hours_mean", "proc_hours_median", "proc_hours_p90",
    "wait_hours_mean", "wait_hours_median", "wait_hours_p90",
    "sojourn_hours_mean", "sojourn_hours_median", "delay_days_p10", "delay_days_median", "delay_days_p90",
    "wait_after_hours_mean", "sojourn_after_hours_mean",
    "top_successor", "top_successor_share", "successors", "successor_entropy",
    "top_predecessor", "top_predecessor_share",
    "resource_change_next", "resource_change_prev", "unit_change_next", "unit_change_prev",
    "handoffs_saved_per_event", "resources", "units", "unit_exclusive_share", "sent_back_share",
    "back_from_body_share", "intake_unit_share",
    "knockout_next_share", "knockout_next", "knockout_after_share", "knockout_case_share",
    "loop_start_share", "loop_starts", "rework_after_share", "rework_next_share", "in_loop_share", "repeats",
    "repeat_case_share",
    "outcome_mi_bits", "outcome_entropy_bits", "position_mean", "step_index_mean",
    "is_start_share", "is_end_share", "end_rate", "start", "end", "knockout_end", "rejection_evidence",
    "decision", "decision_routing", "decision_knockout", "decision_rework", "decision_outcome",
    "rework_only", "protected", "protected_by", "external", "role", "kept",
]
_PAIR_COLUMNS = [
    "service", "source", "target", "count", "cases", "share_of_source", "share_of_target",
    "same_resource", "same_unit", "units_disjoint", "returns_to_target_unit", "wait_hours_mean", "sojourn_hours_mean",
    "source_proc_hours_mean", "target_proc_hours_mean", "rework",
]
_ORDER_COLUMNS = [
    "service", "a", "b", "cases_both", "a_first", "b_first", "ties", "adjacent", "minority_share",
    "overlap", "overlap_share", "a_proc_hours_first", "a_proc_hours_second", "b_proc_hours_first",
    "b_proc_hours_second", "knockout_share_a_first", "knockout_share_b_first",
]
_KO_COLUMNS = [
    "service", "decider", "end_activity", "rejection_evidence", "knockouts", "decider_events", "knockout_rate",
    "service_cases",
    "effort_before_hours_mean", "elapsed_before_hours_mean", "steps_before_mean",
]
_KO_STEP_COLUMNS = [
    "service", "decider", "activity", "cases", "share", "position_mean", "proc_hours_mean", "sojourn_hours_mean",
]
_LOOP_COLUMNS = [
    "service", "activity", "loops", "cases", "case_share", "via", "sent_back_by", "length_mean",
    "elapsed_hours_mean", "elapsed_hours_total", "effort_hours_mean", "recheck_share",
]
