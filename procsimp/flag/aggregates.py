# Long module: the detectors' tables and the step roles, one plan of the engine plus the judgements on its results.
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

Times are working time from :class:`procsimp.core.calendar.WorkCalendar` (office hours, weekends and
public holidays skipped). The definitions are those of :mod:`procsimp.engine` (processing =
completion - start; waiting = start - previous completion), and the shared columns (events,
cases, processing and waiting times, officers, units, start/end shares, directly-follows counts)
equal the engine's ``activity_table`` and ``dfg``. Processing time needs start times; without them
processing and waiting are missing (NaN) and only the *sojourn* (completion of the previous step
to completion of this one) is known.

Where the numbers are computed: every per-event figure of every table is an engine plan
(:mod:`procsimp.engine.sql_detect`, one plan for all of them, run by the current backend: DuckDB,
or Spark with ``PROCSIMP_ENGINE=spark``); only small tables come back (per step, pair, unit,
outcome or service, never per event). This module makes the judgements that need names, the
catalog and the thresholds on them: the step roles (start, end, decision, protected, external),
the knock-out ends and the evidence of a rejection, and which rows of the ``order``,
``knockouts`` and ``knockout_steps`` results count as knocked out. Quantiles are exact (linear
interpolation), also the service-wide medians.
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core.log import SERVICE
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

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


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1), np.nan)


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
        from procsimp.core.calendar import default_calendar

        calendar = default_calendar()
    cat = _load_catalog(catalog)
    return _Tables(log, calendar, cat, protect_t, th, external_t).build()


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
        from procsimp.core.calendar import default_calendar

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


def _codes_of(frame: pd.DataFrame, col: str) -> np.ndarray:
    """Integer codes of a result column, -1 where NULL (the start or end of a case, no outcome)."""
    return np.nan_to_num(frame[col].to_numpy(dtype=np.float64, na_value=np.nan), nan=-1.0).astype(np.int64)


def _floats(frame: pd.DataFrame, col: str) -> np.ndarray:
    return frame[col].to_numpy(dtype=np.float64, na_value=np.nan)


def _mode_per_key(keys: np.ndarray, values: np.ndarray, counts: np.ndarray, n_keys: int) -> np.ndarray:
    """The most frequent value per key (ties: the smallest value); -1 for keys never seen. Each
    (key, value) pair is given once with its count."""
    order = np.lexsort((values, -counts, keys))
    k_sorted = keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = k_sorted[1:] != k_sorted[:-1]
    out = np.full(n_keys, -1, dtype=np.int64)
    out[k_sorted[first]] = values[order][first]
    return out


def _summed(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` in ascending order and the sum of ``weights`` of each."""
    uk, inv = np.unique(keys, return_inverse=True)
    return uk, np.bincount(inv.ravel(), weights=weights, minlength=len(uk))


class _Tables:
    """The detectors' tables from the engine's small results (one plan over the events, see
    :mod:`procsimp.engine.sql_detect`), with the judgements that need names, the catalog and the
    thresholds: step roles, knock-out ends and their evidence, protected and external steps.

    Tables are indexed by a (service, activity) key ``svc * A + act`` over the codes of the
    engine's dictionaries (in the order of their names, so ties go to the same step as before)."""

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
        self.has_service = log.has(SERVICE)
        self.n = 0
        if log.n_events == 0:
            return
        from procsimp.engine import detector_codes

        prepared, raw = detector_codes(log, calendar=calendar)  # every table in one plan
        self.raw = raw
        self.n = int(raw["services"]["events"].sum())  # the events with a step
        if self.n == 0:
            return
        self.snames = [str(x) for x in prepared.names("services")]
        self.anames = [str(x) for x in prepared.names("activities")]
        self.outcome_names = [str(x) for x in prepared.names("outcomes")]
        self.S, self.A = max(len(self.snames), 1), max(len(self.anames), 1)
        self.K = self.S * self.A
        svc = raw["services"].sort_values("svc", kind="stable")
        self.svc_rows = svc
        self.services_present = svc["svc"].to_numpy(dtype=np.int64)
        self.cases_per_svc = np.zeros(self.S, dtype=np.int64)
        self.cases_per_svc[self.services_present] = svc["cases"].to_numpy(dtype=np.int64)
        self.has_start = bool(svc["with_start"].sum() > 0)
        self.has_resource = bool(svc["with_resource"].sum() > 0)
        self.has_unit = bool(svc["with_unit"].sum() > 0)
        steps = raw["steps"]
        self.step_keys = self._key(steps, "act")
        self.ev = self._per_key(steps, "events").astype(np.int64)
        succ = raw["successors"]
        self.has_outcome = bool(succ["outcome"].notna().any())

    # ------------------------------------------------------------------ keys
    def _key(self, frame: pd.DataFrame, col: str) -> np.ndarray:
        """The (service, step) key of each row, with the step in ``col``."""
        return _codes_of(frame, "svc") * self.A + _codes_of(frame, col)

    def _per_key(self, frame: pd.DataFrame, col: str, fill: float = 0.0) -> np.ndarray:
        """A per-key array of a ``steps`` column (``fill`` for steps that never occur)."""
        out = np.full(self.K, fill)
        out[self.step_keys] = _floats(frame, col)
        return out

    # ------------------------------------------------------------------ roles
    def _roles(self) -> None:
        """Per (service, activity): starts, ends, terminal steps; and the knock-out ends."""
        K, A = self.K, self.A
        ev = self.ev
        steps = self.raw["steps"]
        starts = self._per_key(steps, "starts").astype(np.int64)
        ends = self._per_key(steps, "ends").astype(np.int64)
        self.ends = ends
        svc_of_k = np.arange(K) // A
        cases_per_svc = self.cases_per_svc.astype(float)
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
        # the outcomes of the cases that end at each step: (end key, outcome code, cases)
        firsts = self.raw["firsts"]
        at_end = (firsts["act"] == firsts["end_act"]).to_numpy(dtype=bool)
        ends_at = firsts[at_end]
        self._end_outcomes = (self._key(ends_at, "act"), _codes_of(ends_at, "outcome"),
                              ends_at["cases"].to_numpy(dtype=np.int64))
        if self.has_outcome:
            # with an outcome column, a knock-out end's cases must mostly have another outcome
            # than the cases that end at the dominant end
            for k in np.flatnonzero(knockout):
                svc_i = int(k // A)
                o_dom = self._outcome_counts(svc_i * A + top_end[svc_i])
                o_k = self._outcome_counts(int(k))
                if o_dom.sum() and o_k.sum():
                    main = int(np.argmax(o_dom))
                    if (o_k[main] if main < len(o_k) else 0) / o_k.sum() > 0.5:
                        knockout[k] = False
        self.is_start, self.is_end, self.knockout_end = is_start, is_end, knockout
        self.top_start, self.top_end = top_start, top_end
        self.start_share, self.end_share, self.end_rate = start_share, end_share, end_rate
        # rejected dossiers (see _knockouts): the knock-out end is known to be a rejection (an early
        # end alone is not one: in a log extract, cases also stop where the extract ends)
        self.rejection_evidence = np.full(K, "", dtype=object)
        for k in np.flatnonzero(knockout):
            self.rejection_evidence[k] = self._rejection_evidence(int(k))

    def _outcome_counts(self, k: int) -> np.ndarray:
        """Cases per outcome code (known outcomes only) among the cases that end at step ``k``."""
        keys, oc, cases = self._end_outcomes
        hit = (keys == k) & (oc >= 0)
        return np.bincount(oc[hit], weights=cases[hit], minlength=1)

    def _rejection_evidence(self, k: int) -> str:
        """Why the dossiers that end at knock-out end ``k`` count as rejected: ``"outcome"`` (their
        usual outcome says so), ``"name"`` (the step's name says so), ``"end_step"`` (a separate
        end step that nearly always closes the dossier, reached from steps that send most
        dossiers on: a decision), or ``""`` (no evidence: the dossiers merely end early)."""
        from procsimp.flag.base import means_rejection

        if self.has_outcome:
            counts = self._outcome_counts(k)
            if counts.sum() and means_rejection(self.outcome_names[int(np.argmax(counts))]):
                return "outcome"
        if means_rejection(self.anames[k % self.A]):
            return "name"
        endings = self.raw["endings"]  # cases per (last step, the step right before it)
        rows = endings[(self._key(endings, "end_act") == k)]
        if self.end_rate[k] >= 0.9 and len(rows):
            deciders = self._key(rows, "decider")
            cases = rows["cases"].to_numpy(dtype=np.float64)
            branching = _share(cases, self.ev[deciders]) <= 0.5  # most of their dossiers go on
            if (cases * branching).sum() / cases.sum() >= 0.5:
                return "end_step"
        return ""

    # ------------------------------------------------------------------ tables
    def build(self) -> LogAggregates:
        if self.n == 0:
            return self._empty()
        self._roles()
        activities = self._activities()
        services = self._services(activities)
        order = self._order()
        knockouts, knockout_steps = self._knockouts()
        return LogAggregates(
            services=services,
            activities=activities,
            pairs=self._pairs(),
            order=order,
            knockouts=knockouts,
            knockout_steps=knockout_steps,
            loops=self._loops(),
            has_start=self.has_start,
            has_resource=self.has_resource,
            has_unit=self.has_unit,
            minutes_per_day=float(self.cal.minutes_per_day),
            source=self.log.source,
            protect=self.protect,
            external=self.external,
            thresholds=dict(self.th),
            warnings=tuple(catalog_warnings(
                [self.snames[s] for s in self.services_present], self.catalog, has_service=self.has_service)),
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

    def _successors(self) -> tuple[np.ndarray, np.ndarray]:
        """The successor distribution: keys ``step key * (A + 1) + next step + 1`` (0 = the end of
        the case), ascending, and their counts."""
        succ = self.raw["successors"]
        keys = self._key(succ, "act") * (self.A + 1) + _codes_of(succ, "nxt") + 1
        return _summed(keys, succ["events"].to_numpy(dtype=np.float64))

    def _predecessors(self) -> tuple[np.ndarray, np.ndarray]:
        """The predecessor distribution, keyed like :meth:`_successors` (0 = the start)."""
        edges, steps = self.raw["edges"], self.raw["steps"]
        keys = np.concatenate([self._key(edges, "act") * (self.A + 1) + _codes_of(edges, "prv") + 1,
                               self.step_keys * (self.A + 1)])
        counts = np.concatenate([_floats(edges, "count"), _floats(steps, "starts")])
        keep = counts > 0
        return _summed(keys[keep], counts[keep])

    def _activities(self) -> pd.DataFrame:
        """The activity table."""
        K, A = self.K, self.A
        steps, edges = self.raw["steps"], self.raw["edges"]
        ev = self.ev
        present = np.flatnonzero(ev > 0)
        cases = self._per_key(steps, "cases").astype(np.int64)
        cases_per_svc = self.cases_per_svc
        svc_of_k = np.arange(K) // A

        def col(name: str) -> np.ndarray:
            return self._per_key(steps, name, np.nan)

        # successors and predecessors (code + 1, 0 = end / start)
        sk, sc = self._successors()
        pk, pc = self._predecessors()

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

        # officer / unit changes to the successor and from the predecessor (per directly-follows pair)
        src, dst = self._key(edges, "prv"), self._key(edges, "act")

        def change_rates(kind: str) -> tuple[np.ndarray, np.ndarray]:
            changed, known = _floats(edges, f"{kind}_changed"), _floats(edges, f"{kind}_known")
            return (_share(np.bincount(src, weights=changed, minlength=K), np.bincount(src, weights=known, minlength=K)),
                    _share(np.bincount(dst, weights=changed, minlength=K), np.bincount(dst, weights=known, minlength=K)))

        res_ch_next, res_ch_prev = change_rates("res")
        unit_ch_next, unit_ch_prev = change_rates("unit")
        # hand-offs removed if the step went away: changes pred->a + a->succ - pred->succ
        if self.has_resource or self.has_unit:
            handoffs_saved = _share(col("res_handoffs_saved" if self.has_resource else "unit_handoffs_saved"), ev)
        else:
            handoffs_saved = np.full(K, np.nan)
        n_res = self._per_key(steps, "resources").astype(np.int64)
        units = self._units()
        n_unit = np.bincount(units[0] // units[2], minlength=K) if units is not None else np.zeros(K, np.int64)

        # entering rework: the next event is rework while this one is not
        rework_next = np.bincount(src, weights=_floats(edges, "rework_entries"), minlength=K)
        unit_exclusive = self._unit_exclusive(units)
        # what follows each step in the knocked-out cases (those ending at a knock-out end)
        succ = self.raw["successors"]
        s_key = self._key(succ, "act")
        s_events = _floats(succ, "events")
        nxt = _codes_of(succ, "nxt")
        knocked = self.knockout_end[self._key(succ, "end_act")]
        nxt_ko = (nxt >= 0) & self.knockout_end[_codes_of(succ, "svc") * A + np.maximum(nxt, 0)]
        nxt_ko &= succ["nxt_last"].to_numpy(dtype=bool)
        ko_next = np.bincount(s_key, weights=s_events * nxt_ko, minlength=K)
        ko_after = np.bincount(s_key, weights=s_events * (knocked & (nxt >= 0)), minlength=K)
        firsts = self.raw["firsts"]
        f_knocked = self.knockout_end[self._key(firsts, "end_act")]
        ko_case_ev = np.bincount(self._key(firsts, "act"), weights=_floats(firsts, "cases") * f_knocked, minlength=K)
        loop_start = self._per_key(steps, "loop_starts")
        rework_after = self._per_key(steps, "rework_after")
        in_loop = self._per_key(steps, "in_loop")
        repeats = self._per_key(steps, "repeats").astype(np.int64)
        repeat_cases = self._per_key(steps, "repeat_cases")
        pos_mean = col("position_mean")
        step_mean = col("step_index_mean")
        sent_back, back_from_body, intake_unit = self._unit_context(unit_exclusive, units, (sk, sc), (pk, pc), step_mean)
        mi = self._successor_outcome_mi()
        outcome_ent = self._outcome_entropy()
        loop_only = self._per_key(steps, "loop_only").astype(bool)

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
        proc_med, proc_p90, wait_med, wait_p90 = (col(c) for c in ("proc_median", "proc_p90", "wait_median", "wait_p90"))
        # the sojourn stands in for processing only without start times
        soj_med = np.full(K, np.nan) if self.has_start else col("sojourn_median")
        delay_p10, delay_p50, delay_p90 = (col(c) for c in ("delay_p10", "delay_median", "delay_p90"))
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
                "proc_hours_mean": col("proc_mean")[rows] * hours,
                "proc_hours_median": proc_med[rows] * hours,
                "proc_hours_p90": proc_p90[rows] * hours,
                "wait_hours_mean": col("wait_mean")[rows] * hours,
                "wait_hours_median": wait_med[rows] * hours,
                "wait_hours_p90": wait_p90[rows] * hours,
                "sojourn_hours_mean": col("sojourn_mean")[rows] * hours,
                "sojourn_hours_median": soj_med[rows] * hours,
                "delay_days_p10": delay_p10[rows],
                "delay_days_median": delay_p50[rows],
                "delay_days_p90": delay_p90[rows],
                "wait_after_hours_mean": col("wait_after_mean")[rows] * hours,
                "sojourn_after_hours_mean": col("sojourn_after_mean")[rows] * hours,
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
                "knockout_next": ko_next[rows].astype(np.int64),
                "knockout_after_share": _share(ko_after[rows], ev[rows]),
                "knockout_case_share": _share(ko_case_ev[rows], cases[rows]),
                "loop_start_share": _share(loop_start[rows], ev[rows]),
                "loop_starts": loop_start[rows].astype(np.int64),
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
        out["rework_only"] = loop_only[rows]
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

    def _units(self) -> tuple[np.ndarray, np.ndarray, int] | None:
        """The distinct (service, step, unit) keys as ``(key, events, m)``, ascending, with key =
        (service * A + step) * m + unit; None when no event has a unit."""
        units = self.raw["units"]
        if not len(units):
            return None
        unit = _codes_of(units, "unit")
        m = int(unit.max()) + 1
        keys = self._key(units, "act") * m + unit
        order = np.argsort(keys, kind="stable")
        return keys[order], units["events"].to_numpy(dtype=np.int64)[order], m

    def _unit_exclusive(self, found: tuple[np.ndarray, np.ndarray, int] | None, min_focus: float = 0.95) -> np.ndarray:
        """Per (service, activity): share of its events done by a unit that (in that service)
        does this step only (at least ``min_focus`` of the unit's events): a body consulted for
        this one step, such as the police or a court. ``found``: :meth:`_units`."""
        K = self.K
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
        self, exclusive: np.ndarray, found: tuple[np.ndarray, np.ndarray, int] | None,
        succ: tuple[np.ndarray, np.ndarray], pred: tuple[np.ndarray, np.ndarray], step_mean: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per (service, activity), where the dossier comes from and goes to, by unit:

        * ``sent_back``: for a step done by a unit that does nothing else in the service
          (``exclusive``, the per-step share of :meth:`_unit_exclusive`, at least 0.9), the share
          of its successions (``succ``: keys and counts, see :meth:`_successors`) that go to
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
        K, A = self.K, self.A
        if not self.has_unit or found is None:
            return np.full(K, np.nan), np.full(K, np.nan), np.full(K, np.nan)
        uk, cnt, m = found
        main = _mode_per_key(uk // m, uk % m, cnt, K)  # each step's main unit
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
        steps_t = self.raw["steps"]
        intake_unit = _share(self._per_key(steps_t, "at_intake"), self._per_key(steps_t, "intake_known"))
        return sent_back, back_from_body, intake_unit

    def _outcome_classes(self, frame: pd.DataFrame) -> np.ndarray:
        """The class of each row's cases for the outcome measures: the case outcome (0 = none)
        with an outcome column, else knocked out (1) or not (0)."""
        if self.has_outcome:
            return _codes_of(frame, "outcome") + 1
        return self.knockout_end[self._key(frame, "end_act")].astype(np.int64)

    def _successor_outcome_mi(self) -> np.ndarray:
        """Mutual information (bits) between a step's successor and the case outcome."""
        K, A = self.K, self.A
        succ = self.raw["successors"]
        oc = self._outcome_classes(succ)
        M = int(oc.max()) + 1
        ks = self._key(succ, "act") * (A + 1) + _codes_of(succ, "nxt") + 1
        uk, n_kso = _summed(ks * M + oc, succ["events"].to_numpy(dtype=np.float64))
        k_of = uk // M // (A + 1)
        ks_of = uk // M
        ko_of = k_of * M + uk % M
        inv_ks = np.unique(ks_of, return_inverse=True)[1].ravel()
        inv_ko = np.unique(ko_of, return_inverse=True)[1].ravel()
        n_ks = np.bincount(inv_ks, weights=n_kso)[inv_ks]
        n_ko = np.bincount(inv_ko, weights=n_kso)[inv_ko]
        n_k = np.bincount(k_of, weights=n_kso, minlength=K)[k_of]
        terms = n_kso / n_k * np.log2(n_kso * n_k / (n_ks * n_ko))
        mi = np.bincount(k_of, weights=terms, minlength=K)
        return np.clip(mi, 0.0, None)

    def _outcome_entropy(self) -> np.ndarray:
        """Entropy (bits) of the case outcome among cases containing the step."""
        firsts = self.raw["firsts"]
        oc = self._outcome_classes(firsts)
        M = int(oc.max()) + 1
        uk, cnt = _summed(self._key(firsts, "act") * M + oc, firsts["cases"].to_numpy(dtype=np.float64))
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
        ev = self.ev
        svc_cases = self.cases_per_svc
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

    def _services(self, activities: pd.DataFrame) -> pd.DataFrame:
        """The service table (one row per service with cases, in the order of the codes)."""
        A = self.A
        f = self.svc_rows
        keys = np.arange(self.K)
        ko = np.bincount(keys // A, weights=self.ends * self.knockout_end, minlength=self.S)
        n_acts = np.bincount(np.flatnonzero(self.ev) // A, minlength=self.S)
        by_service: dict[str, dict[str, list[str]]] = {self.snames[s]: {"start": [], "end": [], "ko": []}
                                                       for s in self.services_present}
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
        rows = []
        for s, events, rework_cases, proc_med, wait_med, lead_mean, ties, non_first in zip(
            self.services_present, f["events"].to_numpy(dtype=np.int64), f["rework_cases"].to_numpy(dtype=np.int64),
            _floats(f, "proc_median"), _floats(f, "wait_median"), _floats(f, "lead_mean"), _floats(f, "ties"),
            _floats(f, "non_first"), strict=True,
        ):
            cases = int(self.cases_per_svc[s])
            d = by_service[self.snames[s]]
            rows.append(
                {
                    "service": self.snames[s],
                    "cases": cases,
                    "events": int(events),
                    "activities": int(n_acts[s]),
                    "start_activity": self.anames[self.top_start[s]] if self.top_start[s] >= 0 else None,
                    "end_activity": self.anames[self.top_end[s]] if self.top_end[s] >= 0 else None,
                    "start_activities": tuple(d["start"]),
                    "end_activities": tuple(d["end"]),
                    "knockout_ends": tuple(d["ko"]),
                    "knockout_share": ko[s] / cases if cases else np.nan,
                    "rework_case_share": rework_cases / cases if cases else np.nan,
                    "proc_hours_median": proc_med / 60.0,
                    "wait_hours_median": wait_med / 60.0,
                    "lead_hours_mean": lead_mean / 60.0,
                    "tie_share": ties / non_first if non_first else np.nan,
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
