"""The engine's ``events`` table built inside DuckDB, straight from Parquet files (out of core).

The same table as :func:`procsimp.engine.prepare.prepare` makes with numpy, column for column
and value for value, for a log that stands on its Parquet files
(:class:`procsimp.read.parquet_source.ParquetSource`):

* codes from dictionaries computed in SQL: the distinct values of each text column, sorted
  (byte order of UTF-8, as pandas sorts the categories), numbered from 0;
* times as microseconds since the epoch; a dossier's service, channel, outcome, receipt and due
  date from its first event that has one (dossiers without a service are ``(no service)``);
* cumulative working minutes of the :class:`~procsimp.core.calendar.WorkCalendar` through a small
  table of local days (the calendar's own cumulative minutes before each day and whether it is a
  working day, computed by the calendar) and its office periods: the same floating-point
  operations in the same order as :meth:`WorkCalendar.work_minutes`, so the values are equal;
* the alignment columns (``is_start``, ``is_end``, ``prev_act``, ``prev_end``, ``prev_wm``,
  ``edge_first``, ``occ``, ``next_occ``) with window functions per dossier; ``rn`` from each dossier's offset.

DuckDB streams the files and spills to its temporary folder when the data outgrow its memory
limit; the table stays in DuckDB, and only the dictionaries come back to Python. A log larger than
the out-of-core budget is prepared one batch of services at a time
(:func:`procsimp.engine.batches.service_batches`): every window is per dossier, so each batch's
sorts fit the budget instead of spilling, and the table is stored service by service.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.engine.prepare import DEFAULT_SERVICE, Prepared
from procsimp.errors import LogReadError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.read.parquet_source import ParquetSource

__all__ = ["DuckDBTable", "prepare_sql", "EVENT_COLUMNS"]

#: the columns of the ``events`` table and their DuckDB types, in order
EVENT_COLUMNS: dict[str, str] = {
    "rn": "BIGINT", "case_id": "INTEGER", "act": "INTEGER", "svc": "INTEGER", "res": "INTEGER",
    "unit": "INTEGER", "channel": "INTEGER", "outcome": "INTEGER", "is_start": "BOOLEAN",
    "is_end": "BOOLEAN", "prev_act": "INTEGER", "edge_first": "BOOLEAN", "occ": "INTEGER",
    "next_occ": "BIGINT", "t_end": "BIGINT",
    "prev_end": "BIGINT", "wm_end": "DOUBLE", "prev_wm": "DOUBLE", "t_start": "BIGINT",
    "wm_start": "DOUBLE", "t_recv": "BIGINT", "wm_recv": "DOUBLE", "t_due": "BIGINT",
}

_HOUR = 3_600_000_000
_DAY = 86_400_000_000
_names = itertools.count()
_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class DuckDBTable:
    """A table that lives in a DuckDB database (dropped when this handle is garbage collected)."""

    database: Any
    name: str
    rows: int

    def __post_init__(self) -> None:
        from procsimp.read.parquet_source import drop_table

        weakref.finalize(self, drop_table, self.database, self.name)

    @property
    def select(self) -> str:
        """The SQL that reads the table."""
        return f"SELECT * FROM {self.name}"

    @property
    def num_rows(self) -> int:
        return self.rows

    @property
    def column_names(self) -> list[str]:
        return list(EVENT_COLUMNS)

    def arrow(self) -> Any:
        """The whole table as an Arrow table, in ``rn`` order (for a backend that is not this
        database, or for tests; this brings every event into memory)."""
        from procsimp.read.parquet_source import DuckDBQuery

        return DuckDBQuery(self.database, f"{self.select} ORDER BY rn").arrow()


def _fdiv(expr: str, k: int) -> str:
    """Floor division of a BIGINT expression by ``k`` (also for times before 1970)."""
    return f"((({expr}) - ((({expr}) % {k}) + {k}) % {k}) // {k})"


def _double(x: float) -> str:
    return f"CAST({float(x)!r} AS DOUBLE)"


def _calendar_tables(con: Any, prefix: str, calendar: WorkCalendar, timezone: str, lo: int, hi: int) -> tuple[bool, int]:
    """Make ``{prefix}hours`` (UTC hour -> offset to local, in microseconds; only when the offset
    changes over the log's span) and ``{prefix}days`` (local day -> cumulative working minutes
    before it, working day or not). Returns (constant offset?, that offset)."""
    import pyarrow as pa

    from procsimp.core._tz import local_ticks

    h0, h1 = lo // _HOUR, hi // _HOUR
    hours = np.arange(h0, h1 + 1, dtype=np.int64)
    offsets = local_ticks(hours * _HOUR, "us", timezone) - hours * _HOUR
    constant = bool((offsets == offsets[0]).all())
    if not constant:
        con.register(f"{prefix}hours_in", pa.table({"h": hours, "off": offsets}))
        con.execute(f"CREATE TABLE {prefix}hours AS SELECT * FROM {prefix}hours_in")
        con.unregister(f"{prefix}hours_in")
    d0 = (lo + int(offsets.min())) // _DAY - 1
    d1 = (hi + int(offsets.max())) // _DAY + 1
    days = np.arange(d0, d1 + 1, dtype=np.int64)
    midnights = pd.DatetimeIndex((days * _DAY).view("datetime64[us]"))
    cum = np.asarray(calendar.work_minutes(midnights), dtype=float)
    nxt = np.asarray(calendar.work_minutes(midnights + pd.Timedelta(days=1)), dtype=float)
    con.register(f"{prefix}days_in", pa.table({"day": days, "cum": cum, "work": nxt > cum}))
    con.execute(f"CREATE TABLE {prefix}days AS SELECT * FROM {prefix}days_in")
    con.unregister(f"{prefix}days_in")
    return constant, int(offsets[0])


def _work_minutes_sql(expr: str, alias: str, prefix: str, calendar: WorkCalendar, constant: bool,
                      offset: int) -> tuple[str, str]:
    """(the working-minutes expression of the time ``expr``, the joins it needs under ``alias``)."""
    joins = []
    if constant:
        local = f"(({expr}) + {offset})"
    else:
        joins.append(f"LEFT JOIN {prefix}hours {alias}h ON {alias}h.h = {_fdiv(expr, _HOUR)}")
        local = f"(({expr}) + {alias}h.off)"
    day = _fdiv(local, _DAY)
    joins.append(f"LEFT JOIN {prefix}days {alias}d ON {alias}d.day = {day}")
    minute = f"(CAST({local} - {day} * {_DAY} AS DOUBLE) / {_double(60_000_000)})"
    parts = [
        f"least(greatest({minute} - {_double(s)}, {_double(0.0)}), {_double(e - s)})"
        for s, e in calendar.periods
    ]
    inside = _double(0.0)
    for i, part in enumerate(parts):
        inside = part if i == 0 else f"({inside} + {part})"
    value = f"({alias}d.cum + CASE WHEN {alias}d.work THEN {inside} ELSE {_double(0.0)} END)"
    return f"CASE WHEN ({expr}) IS NULL THEN NULL ELSE {value} END", " ".join(joins)


def _batches(con: Any, rows: str, svc: str, database: Any) -> list[str]:
    """The WHERE clauses (over ``rows`` as ``e``) of the batches of services the events table is
    built in: one (no clause) on another engine than DuckDB or when the log fits the out-of-core
    budget at :data:`procsimp.engine.batches.BYTES_PER_EVENT` bytes an event."""
    from procsimp.engine.batches import batch_filter, service_batches, service_counts

    if getattr(database, "engine_name", "DuckDB") != "DuckDB" or svc != "svc":
        return [""]
    from procsimp.read.parquet_source import out_of_core_budget

    counts = {code: span.events for code, span in service_counts(con, rows).items()}
    batches = service_batches(counts, out_of_core_budget())
    if len(batches) == 1:
        return [""]
    return [f"WHERE {batch_filter(batch, 'e.svc')}" for batch in batches]


def prepare_sql(source: ParquetSource, calendar: WorkCalendar, database: Any = None) -> Prepared:
    """Build the ``events`` table of ``source`` inside DuckDB, from its encoding
    (:meth:`~procsimp.read.parquet_source.ParquetSource.encoded`, made in ``database``, by default
    procsimp's own); the :class:`Prepared` holds a :class:`DuckDBTable` handle instead of an
    Arrow table. A log of some services only gets its own dictionaries (the codes its values
    have among its own, as pandas drops unused categories)."""
    enc = source.encoded(database)
    database = enc.database
    with _lock:
        prefix = f"procsimp_ev{next(_names)}_"
    con = database.cursor()
    made: list[str] = []

    def create(name: str, sql: str) -> str:
        con.execute(f"CREATE TABLE {prefix}{name} AS {sql}")
        made.append(prefix + name)
        return prefix + name

    names: dict[str, list[str]] = {}
    name = f"{prefix}events"
    made_events = False
    try:
        base = f"({source.events_sql(database)})"
        columns = {"case": "case_id", "activity": "act", "resource": "res", "unit": "unit", "service": "svc",
                   "channel": "channel", "outcome": "outcome"}
        if not source.narrowed:
            rows = base
            names = {role: list(enc.dictionaries[role]) for role in columns}
        else:
            # the codes among the values this log has (the dictionaries are sorted: so are their parts)
            recode = {}
            for role, column in columns.items():
                kept = create(f"m_{column}", f"SELECT {column} AS old, CAST(row_number() OVER (ORDER BY {column}) - 1 "
                                             f"AS INTEGER) AS new FROM (SELECT DISTINCT {column} FROM {base} "
                                             f"WHERE {column} IS NOT NULL)")
                old = [c for (c,) in con.execute(f"SELECT old FROM {kept} ORDER BY new").fetchall()]
                names[role] = [enc.dictionaries[role][c] for c in old]
                recode[column] = kept
            joins = " ".join(f"LEFT JOIN {table} {column}_m ON {column}_m.old = e.{column}" for column, table in recode.items())
            picked = ", ".join(f"{column}_m.new AS {column}" for column in recode)
            rows = f"(SELECT {picked}, e.t_end, e.t_start, e.t_recv, e.t_due, e.f, e.r FROM {base} e {joins})"
        if not enc.has_service:  # no service column: one service
            names["service"] = [DEFAULT_SERVICE]
            svc = "0"
        else:
            svc = "svc"
        lo, hi = con.execute(
            f"SELECT least(min(t_end), min(t_start), min(t_recv)), greatest(max(t_end), max(t_start), max(t_recv)) "
            f"FROM {rows}"
        ).fetchall()[0]
        if lo is None:
            raise LogReadError(f"{source.source}: no event has a case id, a step and a time")
        constant, offset = _calendar_tables(con, prefix, calendar, source.timezone, int(lo), int(hi))
        made += [f"{prefix}days"] + ([] if constant else [f"{prefix}hours"])
        wm_end, j_end = _work_minutes_sql("e.t_end", "we", prefix, calendar, constant, offset)
        wm_start, j_start = _work_minutes_sql("e.t_start", "ws", prefix, calendar, constant, offset)
        wm_recv, j_recv = _work_minutes_sql("e.t_recv", "wr", prefix, calendar, constant, offset)
        # per dossier over the whole log: its events and its offset (the row of its first event)
        offsets = create("base", f"SELECT case_id, n, sum(n) OVER (ORDER BY case_id ROWS BETWEEN UNBOUNDED PRECEDING "
                                 f"AND CURRENT ROW) - n AS base FROM (SELECT case_id, count(*) AS n FROM {rows} "
                                 "GROUP BY case_id)")
        # every window is per dossier and a dossier has one service: the table is built one batch
        # of services at a time, each batch's sorts within the memory budget (no spilling), and
        # stands clustered by service, so that a later plan over some services reads their rows only
        for i, where in enumerate(_batches(con, rows, svc, database)):
            ordered = create(f"ord{i}", f"""
SELECT e.case_id, e.act, e.res, e.unit, {svc} AS svc, e.channel, e.outcome, e.t_end, {wm_end} AS wm_end,
  e.t_start, {wm_start} AS wm_start, e.t_recv, {wm_recv} AS wm_recv, e.t_due,
  row_number() OVER w AS pos, lag(e.act) OVER w AS prev_act,
  lag(e.t_end) OVER w AS prev_end, lag({wm_end}) OVER w AS prev_wm
FROM {rows} e {j_end} {j_start} {j_recv}
{where}
WINDOW w AS (PARTITION BY e.case_id ORDER BY e.t_end, e.f, e.r)""")
            # edge_first: the first of its pair of steps in the dossier, the pair's smallest position
            # (an aggregate over the partition needs no sort within it: cheaper than a row number)
            select = f"""SELECT
  CAST(b.base + o.pos - 1 AS BIGINT) AS rn, CAST(o.case_id AS INTEGER) AS case_id, CAST(o.act AS INTEGER) AS act,
  CAST(o.svc AS INTEGER) AS svc, CAST(o.res AS INTEGER) AS res, CAST(o.unit AS INTEGER) AS unit,
  CAST(o.channel AS INTEGER) AS channel, CAST(o.outcome AS INTEGER) AS outcome,
  o.pos = 1 AS is_start, o.pos = b.n AS is_end, CAST(o.prev_act AS INTEGER) AS prev_act,
  coalesce(o.pos > 1 AND o.pos = min(o.pos) OVER (PARTITION BY o.case_id, o.prev_act, o.act), false) AS edge_first,
  CAST(row_number() OVER a - 1 AS INTEGER) AS occ, CAST(b.base + lead(o.pos) OVER a - 1 AS BIGINT) AS next_occ,
  o.t_end, o.prev_end, o.wm_end, o.prev_wm, o.t_start, o.wm_start, o.t_recv, o.wm_recv, o.t_due
FROM {ordered} o JOIN {offsets} b ON b.case_id = o.case_id
WINDOW a AS (PARTITION BY o.case_id, o.act ORDER BY o.pos)"""
            if i == 0:
                con.execute(f"CREATE TABLE {name} AS {select}")
                made_events = True
            else:
                con.execute(f"INSERT INTO {name} {select}")
            con.execute(f"DROP TABLE {ordered}")
        n, *present = con.execute(
            f"SELECT count(*), count(t_start) > 0, count(t_due) > 0, count(t_recv) > 0 FROM {name}"
        ).fetchall()[0]
    except LogReadError:
        raise
    except Exception as exc:  # duckdb's own exception classes (out of memory, disk full)
        from procsimp.read.parquet_source import SPACE_FIX, duckdb_error

        if made_events:  # no partial table left behind
            con.execute(f"DROP TABLE IF EXISTS {name}")

        raise duckdb_error(source.source, "building the engine's event table", exc,
                           getattr(database, "space_fix", SPACE_FIX)) from None
    finally:
        for table in made:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.close()
    return Prepared(
        table=DuckDBTable(database, name, int(n)),
        services=pd.Index(names["service"], dtype=object),
        activities=pd.Index(names["activity"], dtype=object),
        cases=pd.Index(names["case"], dtype=object),
        channels=pd.Index(names["channel"], dtype=object),
        outcomes=pd.Index(names["outcome"], dtype=object),
        timezone=source.timezone,
        minutes_per_day=float(calendar.minutes_per_day),
        has_start=bool(present[0]),
        has_due=bool(present[1]),
        has_received=bool(present[2]),
        units=pd.Index(names["unit"], dtype=object),
        resources=pd.Index(names["resource"], dtype=object),
    )
