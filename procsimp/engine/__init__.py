"""The aggregate engine: every per-event computation of procsimp, as SQL over the event log.

All later stages (profile, mining, detectors, redesign, rendering) work on the small tables
returned here. Each table has a ``service`` column; a log without a service column is one service
named :data:`DEFAULT_SERVICE`.

* :func:`dfg`: directly-follows pairs with counts and waiting times;
* :func:`activity_table`: per activity, counts, processing and waiting times, officers, units;
* :func:`variants`: the distinct activity sequences with their cases;
* :func:`start_end`: start and end activities;
* :func:`case_table`: one row per dossier with its lead time, deadline, hand-offs and rework.

Times are reported twice: ``*_hours`` are *working* hours of the work calendar
(:func:`procsimp.core.calendar.default_calendar` unless ``calendar=`` is given) and ``*_days`` are
calendar days. Waiting before a step is start − previous completion (completion − previous
completion when the log has no start times); processing is completion − start. The exact
definitions are in :mod:`procsimp.engine.sql`.

The queries run on DuckDB by default; :mod:`procsimp.engine.backend` is the seam for another
engine, and :class:`procsimp.engine.spark.SparkBackend` runs the same queries on Apache Spark
(``use_backend(SparkBackend())``, ``procsimp.config_context(engine="spark")``, or on the command
line ``procsimp --engine spark`` / ``PROCSIMP_ENGINE=spark``). Results are cached per log and
calendar, and returned as fresh copies. :func:`procsimp.engine.clock.clock_table` counts the
events per local second of the day (for the office hours).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.engine.backend import (
    Backend,
    DuckDBBackend,
    get_backend,
    parquet_database,
    set_backend,
    use_backend,
)
from procsimp.engine.inputs import (
    check_log,
    local_times,
    plan_inputs,
    resolve_calendar,
    step_kinds_table,
)
from procsimp.engine.prepare import DEFAULT_SERVICE, Prepared, encode, prepare
from procsimp.engine.sql import plan_for
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = [
    "DEFAULT_SERVICE",
    "TABLES",
    "Aggregates",
    "Backend",
    "DuckDBBackend",
    "activity_table",
    "aggregates",
    "case_marks",
    "case_sums",
    "case_table",
    "detector_codes",
    "detector_tables",
    "release",
    "dfg",
    "encoded",
    "filter_variants",
    "get_backend",
    "run_plan",
    "set_backend",
    "start_end",
    "use_backend",
    "variants",
]

#: the tables :func:`aggregates` can compute
TABLES: tuple[str, ...] = ("dfg", "activities", "variants", "start_end", "cases")

# log -> {(calendar, backend name): (Prepared, {table name: raw result})}
_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, tuple[Prepared, dict[str, pd.DataFrame]]]] = (
    weakref.WeakKeyDictionary()
)


# ---------------------------------------------------------------------------- running
def _raw(log: EventLog, names: Iterable[str], calendar: WorkCalendar | None, *,
         by_service: bool = False) -> tuple[Prepared, dict[str, pd.DataFrame]]:
    """Raw (integer-coded) results of the named queries, computed once per log and calendar.

    ``by_service``: on DuckDB, run the plan once per service over that service's rows of the
    events table (only for tables grouped by service, as those of :data:`TABLES` are: the results
    are the same rows), so that the engine's working memory is that of the largest service."""
    check_log(log)
    cal = resolve_calendar(calendar)
    backend = get_backend()
    key = (cal, backend.name, id(backend))
    per_log = _CACHE.setdefault(log, {})
    missing = tuple(n for n in dict.fromkeys(names) if n not in per_log.get(key, (None, {}))[1])
    if missing and log.parquet is not None and isinstance(backend, DuckDBBackend):
        from procsimp.read.parquet_source import limit_memory

        limit_memory(backend.database)  # DuckDB's turn: the whole out-of-core budget
    if key not in per_log:
        per_log[key] = (_prepare(log, cal, backend), {})
    prepared, done = per_log[key]
    if missing:
        plan = plan_for(missing, minutes_per_day=prepared.minutes_per_day)
        tables = plan_inputs(prepared, backend)
        if "marks" in missing:
            tables["step_kinds"] = step_kinds_table(prepared)
        if by_service and isinstance(backend, DuckDBBackend) and len(prepared.services) > 1:
            from procsimp.engine.batches import run_per_service

            done.update(run_per_service(backend, plan, tables, len(prepared.services)))
        elif hasattr(tables["events"], "database") and isinstance(backend, DuckDBBackend):
            from procsimp.engine.batches import run_by_service
            from procsimp.read.parquet_source import out_of_core_budget

            done.update(run_by_service(backend, plan, tables, out_of_core_budget()))  # within DuckDB's budget
        else:
            done.update(backend.run(plan, tables))
    return prepared, {n: done[n] for n in names}


def release(log: EventLog) -> None:
    """Let go of the engine's work on ``log``: its encoded events table (in memory, or in DuckDB
    for a log left on its files) and the results kept with it. For a caller that is done with the
    engine, so that the memory is free for what comes next; a later engine call on ``log``
    encodes it again."""
    _CACHE.pop(log, None)


def encoded(log: EventLog, *, calendar: WorkCalendar | None = None) -> Prepared:
    """The log's ``events`` table and its dictionaries (:class:`Prepared`), made once per log,
    calendar and backend and shared by every plan."""
    prepared, _ = _raw(log, (), calendar)
    return prepared


def run_plan(
    log: EventLog, plan: dict[str, str], *, calendar: WorkCalendar | None = None
) -> tuple[Prepared, dict[str, pd.DataFrame]]:
    """Run ``plan`` (``name -> SQL`` over ``events``, see :mod:`procsimp.engine.backend`) on the
    log's encoded events (:func:`encoded`) with the current backend. The results are not cached:
    this is for plans whose results are per event, such as the replay's
    (:mod:`procsimp.engine.sql_replay`). Out of core on DuckDB, the plan has the whole memory
    budget and DuckDB then a quarter of it while the caller holds the results
    (:func:`procsimp.read.parquet_source.limit_memory`)."""
    backend = get_backend()
    prepared = encoded(log, calendar=calendar)
    database = backend.database if log.parquet is not None and isinstance(backend, DuckDBBackend) else None
    if database is not None:
        from procsimp.read.parquet_source import limit_memory

        limit_memory(database)  # DuckDB's turn: the whole out-of-core budget
    out = backend.run(plan, plan_inputs(prepared, backend))
    if database is not None:
        # Python's turn: the results are per event (one service's), so DuckDB's cached blocks of
        # the events table make room for them (DuckDB spills them, and reads back only the next
        # service's rows, the table being stored service by service)
        limit_memory(database, share=0.25)
    return prepared, out


def _prepare(log: EventLog, calendar: WorkCalendar, backend: Backend) -> Prepared:
    """The log's ``events`` table: built from the Parquet files for a log that stands on them (out
    of core), where the backend reads them (DuckDB's own database, or Spark: the SQL of
    :mod:`procsimp.engine.prepare_sql`), else with numpy."""
    if log.out_of_core:
        from procsimp.engine.prepare_sql import prepare_sql

        return prepare_sql(log.parquet, calendar, parquet_database(backend))
    return prepare(log, calendar)


def _decode(codes: pd.Series, prepared: Prepared, kind: str) -> np.ndarray:
    """Integer codes (possibly nullable) -> object array of names (None where missing)."""
    values = codes.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(len(values), None, dtype=object)
    ok = ~np.isnan(values)
    if ok.any():
        out[ok] = prepared.names(kind)[values[ok].astype(np.int64)]
    return out


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object) if pd.isnull(values).any() else pd.Series(values, dtype="str")


def _variant_tuples(lists: pd.Series, prepared: Prepared) -> list[tuple[str, ...]]:
    names = prepared.names("activities")
    return [tuple(names[np.asarray(v, dtype=np.int64)]) for v in lists]


def _finish(df: pd.DataFrame, sort: list[str], ascending: list[bool]) -> pd.DataFrame:
    return df.sort_values(sort, ascending=ascending, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- tables
def dfg(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """Directly-follows pairs per service.

    Columns: ``service, source, target, count, cases, wait_hours_mean, wait_hours_median,
    wait_hours_p90`` (working hours of waiting before ``target``), ``wait_days_mean,
    wait_days_median, wait_days_p90`` (calendar days). Sorted by service, then count descending.
    Per service, ``count`` sums to events − cases.
    """
    prepared, raw = _raw(log, ["dfg"], calendar)
    r = raw["dfg"]
    out = pd.DataFrame(
        {
            "service": _text(_decode(r["svc"], prepared, "services")),
            "source": _text(_decode(r["source"], prepared, "activities")),
            "target": _text(_decode(r["target"], prepared, "activities")),
            "count": r["count"].astype(np.int64),
            "cases": r["cases"].astype(np.int64),
        }
    )
    for col in r.columns:
        if col.startswith(("wait_hours", "wait_days")):
            out[col] = r[col].astype(np.float64).to_numpy()
    return _finish(out, ["service", "count", "source", "target"], [True, False, True, True])


def activity_table(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """One row per service and activity.

    Columns: ``service, activity, events, cases``, processing and waiting times
    (``proc_hours_*``, ``wait_hours_*`` in working hours; ``proc_days_*``, ``wait_days_*`` in
    calendar days; each ``mean, median, p90``), ``resources`` and ``units`` (distinct officers
    and units), ``is_start_share`` / ``is_end_share`` (share of the service's cases that start /
    end with the activity). Sorted by service, then events descending.
    """
    prepared, raw = _raw(log, ["activities"], calendar)
    r = raw["activities"]
    out = pd.DataFrame(
        {
            "service": _text(_decode(r["svc"], prepared, "services")),
            "activity": _text(_decode(r["activity"], prepared, "activities")),
            "events": r["events"].astype(np.int64),
            "cases": r["cases"].astype(np.int64),
        }
    )
    for prefix in ("proc_hours", "wait_hours", "proc_days", "wait_days"):
        for stat in ("mean", "median", "p90"):
            col = f"{prefix}_{stat}"
            out[col] = r[col].astype(np.float64).to_numpy()
    out["resources"] = r["resources"].astype(np.int64).to_numpy()
    out["units"] = r["units"].astype(np.int64).to_numpy()
    out["is_start_share"] = r["is_start_share"].astype(np.float64).to_numpy()
    out["is_end_share"] = r["is_end_share"].astype(np.float64).to_numpy()
    return _finish(out, ["service", "events", "activity"], [True, False, True])


def start_end(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """Start and end activities per service.

    Columns: ``service, activity, role`` (``"start"`` or ``"end"``), ``cases``. Per service and
    role, ``cases`` sums to the number of cases. (``calendar`` only shares the cache with the
    other tables computed with it.)
    """
    prepared, raw = _raw(log, ["start_end"], calendar)
    r = raw["start_end"]
    out = pd.DataFrame(
        {
            "service": _text(_decode(r["svc"], prepared, "services")),
            "activity": _text(_decode(r["activity"], prepared, "activities")),
            "role": pd.Series(r["role"].astype(str).to_numpy(), dtype="str"),
            "cases": r["cases"].astype(np.int64).to_numpy(),
        }
    )
    out["_r"] = (out["role"] == "end").astype(int)
    out = _finish(out, ["service", "_r", "cases", "activity"], [True, True, False, True])
    return out.drop(columns="_r")


def variants(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """The variants (distinct activity sequences) per service.

    Columns: ``service, variant`` (a tuple of activity names), ``cases``, ``share`` (of the
    service's cases), ``events`` (events of those cases: ``cases × len(variant)``),
    ``lead_days_mean`` (mean lead time of those cases, calendar days), ``rank`` (1 = most
    frequent within the service; ties in order of the activity codes). Sorted by service, then
    rank. (``calendar`` only shares the cache with the other tables computed with it.)
    """
    prepared, raw = _raw(log, ["variants"], calendar)
    r = raw["variants"]
    out = pd.DataFrame(
        {
            "service": _text(_decode(r["svc"], prepared, "services")),
            "variant": pd.Series(_variant_tuples(r["variant"], prepared), dtype=object),
            "cases": r["cases"].astype(np.int64).to_numpy(),
            "share": r["share"].astype(np.float64).to_numpy(),
            "events": r["events"].astype(np.int64).to_numpy(),
            "lead_days_mean": r["lead_days_mean"].astype(np.float64).to_numpy(),
            "rank": r["rank"].astype(np.int64).to_numpy(),
        }
    )
    return _finish(out, ["service", "rank"], [True, True])


def case_table(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
) -> pd.DataFrame:
    """One row per case (dossier), in the log's case order.

    Columns: ``service, case, channel, received, first, last, events, lead_days,
    lead_workdays, due, due_source, on_time, timeliness, handoffs, units, resources, rework,
    outcome``.

    * ``first`` / ``last``: first start (or completion) and last completion;
    * ``lead_days`` / ``lead_workdays``: from ``received`` (when the log has it and it is not
      later than ``first``) or ``first``, to ``last``, in calendar days / working days;
    * ``due``: the log's ``case:due``; without one, ``received`` (or ``first``) plus the
      statutory working days of the service in the catalog (``catalog``, default the built-in
      one); NaT when the service is not in the catalog. ``due_source`` says which
      (``"log"``, ``"catalog"``, ``"none"``);
    * ``timeliness``: ``early`` / ``on_time`` / ``late``
      (:func:`procsimp.core.calendar.classify_on_time`); ``on_time`` is True unless late, NA when
      there is no due date;
    * ``handoffs``: changes of officer or unit between consecutive steps; ``units`` /
      ``resources``: distinct units / officers; ``rework``: the case repeats a step.
    """
    cal = resolve_calendar(calendar)
    prepared, raw = _raw(log, ["cases"], cal)
    return case_frame(raw["cases"].sort_values("case_id", kind="stable").reset_index(drop=True),
                      prepared, calendar=cal, catalog=catalog)


def case_frame(r: pd.DataFrame, prepared: Prepared, *, calendar: WorkCalendar, catalog: Any = None) -> pd.DataFrame:
    """:func:`case_table`'s rows from the plan's raw ``cases`` rows ``r`` (codes and times), in
    their order: for a caller that runs the plan on some of the dossiers at a time."""
    from procsimp.catalog.due import statutory_days
    from procsimp.core.calendar import classify_on_time, due_dates

    cal = calendar
    tz = prepared.timezone
    service = _text(_decode(r["svc"], prepared, "services"))
    received = local_times(r["received"], tz)
    first = local_times(r["first"], tz)
    last = local_times(r["last"], tz)
    due = local_times(r["due"], tz)
    source = np.where(due.notna().to_numpy(), "log", "none").astype(object)
    need = due.isna().to_numpy()
    if need.any():
        days, _ = statutory_days(service.astype(object).where(service.notna(), None), catalog)
        use = need & np.isfinite(days.to_numpy())
        if use.any():
            start_clock = received.where(received.notna() & (received <= first), first)
            derived = due_dates(start_clock[use].reset_index(drop=True), days[use].to_numpy(), cal)
            values = due.astype(pd.DatetimeTZDtype("ns", tz))  # one resolution for both
            values.iloc[np.flatnonzero(use)] = derived.dt.tz_convert(tz).astype(values.dtype).to_numpy()
            due = values
            source[use] = "catalog"
    timeliness = classify_on_time(last.reset_index(drop=True), due.reset_index(drop=True), cal)
    timeliness.index = range(len(r))
    on_time = pd.array((timeliness.astype(object) != "late").to_numpy(), dtype="boolean")
    on_time[timeliness.isna().to_numpy()] = pd.NA
    out = pd.DataFrame(
        {
            "service": service,
            "case": _text(_decode(r["case_id"], prepared, "cases")),
            "channel": _decode(r["channel"], prepared, "channels"),
            "received": received,
            "first": first,
            "last": last,
            "events": r["events"].astype(np.int64).to_numpy(),
            "lead_days": r["lead_days"].astype(np.float64).to_numpy(),
            "lead_workdays": r["lead_workdays"].astype(np.float64).to_numpy(),
            "due": due,
            "due_source": pd.Categorical(source, categories=["log", "catalog", "none"]),
            "on_time": on_time,
            "timeliness": timeliness.to_numpy(),
            "handoffs": r["handoffs"].astype(np.int64).to_numpy(),
            "units": r["units"].astype(np.int64).to_numpy(),
            "resources": r["resources"].astype(np.int64).to_numpy(),
            "rework": r["rework"].astype(bool).to_numpy(),
            "outcome": _decode(r["outcome"], prepared, "outcomes"),
        }
    )
    out["timeliness"] = pd.Categorical(out["timeliness"], categories=["early", "on_time", "late"], ordered=True)
    return out


def case_sums(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """The profile's counts per service and channel value (plan ``case_sums`` of
    :mod:`procsimp.engine.sql`, run with the case table): ``service, channel, cases, events,
    handoffs, units, rework`` (dossiers, and the sums of their events ...; ``rework``: dossiers)."""
    prepared, raw = _raw(log, ["cases", "case_sums"], calendar)
    return sums_frame(raw["case_sums"], prepared)


def sums_frame(r: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """:func:`case_sums`' rows from the plan's raw ``case_sums`` rows ``r``."""
    counts = {c: r[c].astype(np.int64).to_numpy() for c in ("cases", "events", "handoffs", "units", "rework")}
    return pd.DataFrame({"service": _text(_decode(r["svc"], prepared, "services")),
                         "channel": _decode(r["channel"], prepared, "channels"), **counts})


def case_marks(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """One row per case (dossier), in the log's case order, with what the indicators need.

    Columns: ``case``, ``main_unit`` (the unit that did most of the case's steps; on a tie, the
    one that came first; None when the log has no unit), ``postal`` (a step is a postal one:
    "bưu chính", "by post" ...), ``supplement_wm`` (working minutes from each supplement request
    to the start of the resubmission that answers it), ``payment_wm`` (working minutes of waiting
    before each payment step), ``pending_wm`` (the working-minute time of a supplement request
    that no resubmission follows, else NaN). Steps are recognised by the keywords of
    :mod:`procsimp.catalog.stages` (kinds ``supplement``, ``resubmit``, ``pay``, ``postal``).
    """
    prepared, raw = _raw(log, ["marks"], calendar)
    return marks_frame(raw["marks"].sort_values("case_id", kind="stable").reset_index(drop=True), prepared)


def marks_frame(r: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """:func:`case_marks`' rows from the plan's raw ``marks`` rows ``r``, in their order."""
    return pd.DataFrame(
        {
            "case": _text(_decode(r["case_id"], prepared, "cases")),
            "main_unit": _decode(r["main_unit"], prepared, "units"),
            "postal": r["postal"].fillna(0).astype(np.int64).to_numpy() > 0,
            "supplement_wm": r["supplement_wm"].astype(np.float64).fillna(0.0).to_numpy(),
            "payment_wm": r["payment_wm"].astype(np.float64).fillna(0.0).to_numpy(),
            "pending_wm": r["pending_wm"].astype(np.float64).to_numpy(),
        }
    )


# ---------------------------------------------------------------------------- all at once
@dataclass(frozen=True)
class Aggregates:
    """The engine's tables for one log (``None`` for a table that was not asked for)."""

    dfg: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    variants: pd.DataFrame | None = None
    start_end: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None

    def _repr_html_(self) -> str:
        parts = []
        for name in TABLES:
            table = getattr(self, name)
            if table is not None:
                parts.append(f"<h4>{name} ({len(table)} rows)</h4>{table.head(10).to_html()}")
        return "<div><strong>procsimp aggregates</strong>" + "".join(parts) + "</div>"


def aggregates(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    tables: Iterable[str] = TABLES,
    by_service: bool = False,
) -> Aggregates:
    """Several engine tables in one pass over the events (the intermediate tables are shared).

    ``by_service=True`` runs the pass one service at a time (the same tables: each is grouped by
    service), so that the engine's working memory is that of the largest service rather than of
    the whole log: for a large log of many services."""
    wanted = tuple(dict.fromkeys(tables))
    unknown = [t for t in wanted if t not in TABLES]
    if unknown:
        raise ParameterError(
            f"unknown engine table(s) {', '.join(map(repr, unknown))}; choose from: {', '.join(TABLES)}"
        )
    _raw(log, wanted, calendar, by_service=by_service)  # one plan for all of them
    makers = {
        "dfg": lambda: dfg(log, calendar=calendar),
        "activities": lambda: activity_table(log, calendar=calendar),
        "variants": lambda: variants(log, calendar=calendar),
        "start_end": lambda: start_end(log, calendar=calendar),
        "cases": lambda: case_table(log, calendar=calendar, catalog=catalog),
    }
    return Aggregates(**{name: makers[name]() for name in wanted})


#: the detectors' tables :func:`detector_tables` computes (see :mod:`procsimp.engine.sql_detect`)
DETECTOR_TABLES: tuple[str, ...] = (
    "pairs", "loops", "endings", "ending_steps", "order", "steps", "edges", "successors", "firsts", "units",
    "services",
)

#: which columns of each detector table hold codes of a dictionary of :class:`Prepared`
_DETECTOR_CODES: dict[str, dict[str, str]] = {
    "pairs": {"svc": "services", "source": "activities", "target": "activities"},
    "loops": {"svc": "services", "act": "activities", "via": "activities", "sent_back_by": "activities"},
    "endings": {"svc": "services", "end_act": "activities", "decider": "activities"},
    "ending_steps": {"svc": "services", "end_act": "activities", "decider": "activities", "act": "activities"},
    "order": {"svc": "services", "a": "activities", "b": "activities", "end_act": "activities"},
    "steps": {"svc": "services", "act": "activities"},
    "edges": {"svc": "services", "prv": "activities", "act": "activities"},
    "successors": {"svc": "services", "act": "activities", "nxt": "activities", "outcome": "outcomes",
                   "end_act": "activities"},
    "firsts": {"svc": "services", "act": "activities", "outcome": "outcomes", "end_act": "activities"},
    "units": {"svc": "services", "act": "activities", "unit": "units"},
    "services": {"svc": "services"},
}


def _detector_names(tables: Iterable[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(tables))
    unknown = [t for t in wanted if t not in DETECTOR_TABLES]
    if unknown:
        raise ParameterError(
            f"unknown detector table(s) {', '.join(map(repr, unknown))}; choose from: {', '.join(DETECTOR_TABLES)}"
        )
    return wanted


def detector_tables(
    log: EventLog, *, calendar: WorkCalendar | None = None, tables: Iterable[str] = DETECTOR_TABLES
) -> dict[str, pd.DataFrame]:
    """The detectors' per-event tables, computed by the engine (one plan for all of them).

    Plain rows with names instead of codes (``svc`` becomes ``service``), unsorted: the
    detectors' :func:`procsimp.flag.aggregates.aggregate` orders and completes them.
    """
    prepared, raw = detector_codes(log, calendar=calendar, tables=tables)
    out: dict[str, pd.DataFrame] = {}
    for name, r in raw.items():
        frame = r.copy()
        for col, kind in _DETECTOR_CODES[name].items():
            frame[col] = _decode(r[col], prepared, kind)
        out[name] = frame.rename(columns={"svc": "service"})
    return out


def detector_codes(
    log: EventLog, *, calendar: WorkCalendar | None = None, tables: Iterable[str] = DETECTOR_TABLES
) -> tuple[Prepared, dict[str, pd.DataFrame]]:
    """:func:`detector_tables` as the engine returns them: integer codes (NULL where missing) of
    the dictionaries of the returned :class:`Prepared` (the order of the codes is the order of
    the names in those dictionaries). Never modify the frames: they are cached with the log."""
    wanted = _detector_names(tables)
    prepared, raw = _raw(log, [f"det_{t}" for t in wanted], calendar)
    return prepared, {name: raw[f"det_{name}"] for name in wanted}


# ---------------------------------------------------------------------------- filters
def filter_variants(
    log: EventLog,
    *,
    top: int | None = None,
    min_share: float | None = None,
    calendar: WorkCalendar | None = None,
) -> EventLog:
    """The cases whose variant is among the ``top`` most frequent of their service and/or covers
    at least ``min_share`` of the service's cases (ranks as in :func:`variants`)."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ParameterError(f"top_variants must be a whole number >= 1, got {top!r}")
    if min_share is not None and not (isinstance(min_share, (int, float)) and 0 <= min_share <= 1):
        raise ParameterError(
            f"min_case_share must be a share between 0 and 1 (0.01 for 1%), got {min_share!r}"
        )
    if top is None and min_share is None:
        return log
    table = variants(log, calendar=calendar)
    keep = np.ones(len(table), dtype=bool)
    if top is not None:
        keep &= table["rank"].to_numpy() <= int(top)
    if min_share is not None:
        keep &= table["share"].to_numpy() >= float(min_share) - 1e-12
    kept = set(zip(table["service"].astype(object).where(table["service"].notna(), None)[keep], table["variant"][keep], strict=True))
    prepared, raw = _raw(log, ["cases"], calendar)
    r = raw["cases"]
    services = _decode(r["svc"], prepared, "services")
    seqs = _variant_tuples(r["variant"], prepared)
    keep_codes = np.array(
        [int(c) for c, s, v in zip(r["case_id"], services, seqs, strict=True) if (s, v) in kept],
        dtype=np.int64,
    )
    if log.out_of_core:  # the same files, keeping those dossiers
        from procsimp.read.parquet_kept import Kept

        return log.replace(parquet=log.parquet.keeping(Kept(case_names=prepared.names("cases")[keep_codes])))
    codes, _ = encode(log.column("case"), len(log.df))
    mask = np.isin(codes, keep_codes)
    df = log.df.loc[mask].reset_index(drop=True)
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].cat.remove_unused_categories()
    return log.replace(df=df)
