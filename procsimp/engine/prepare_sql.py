"""The engine's ``events`` table built inside DuckDB, straight from Parquet files (out of core).

The same table as :func:`procsimp.engine.prepare.prepare` makes with numpy, column for column
and value for value, for a log that stands on its Parquet files
(:class:`procsimp.io.parquet_source.ParquetSource`):

* codes from dictionaries computed in SQL: the distinct values of each text column, sorted
  (byte order of UTF-8, as pandas sorts the categories), numbered from 0;
* times as microseconds since the epoch; a dossier's service, channel, outcome, receipt and due
  date from its first event that has one (dossiers without a service are ``(no service)``);
* cumulative working minutes of the :class:`~procsimp.calendar.WorkCalendar` through a small
  table of local days (the calendar's own cumulative minutes before each day and whether it is a
  working day, computed by the calendar) and its office periods: the same floating-point
  operations in the same order as :meth:`WorkCalendar.work_minutes`, so the values are equal;
* the alignment columns (``is_start``, ``is_end``, ``prev_act``, ``prev_end``, ``prev_wm``,
  ``edge_first``) with window functions per dossier; ``rn`` from each dossier's offset.

DuckDB streams the files and spills to its temporary folder when the data outgrow its memory
limit; the table stays in DuckDB, and only the dictionaries come back to Python.
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
    from procsimp.calendar import WorkCalendar
    from procsimp.io.parquet_source import ParquetSource

__all__ = ["DuckDBTable", "prepare_sql", "EVENT_COLUMNS"]

#: the columns of the ``events`` table and their DuckDB types, in order
EVENT_COLUMNS: dict[str, str] = {
    "rn": "BIGINT", "case_id": "INTEGER", "act": "INTEGER", "svc": "INTEGER", "res": "INTEGER",
    "unit": "INTEGER", "channel": "INTEGER", "outcome": "INTEGER", "is_start": "BOOLEAN",
    "is_end": "BOOLEAN", "prev_act": "INTEGER", "edge_first": "BOOLEAN", "t_end": "BIGINT",
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
        weakref.finalize(self, _drop, self.database, self.name)

    @property
    def num_rows(self) -> int:
        return self.rows

    @property
    def column_names(self) -> list[str]:
        return list(EVENT_COLUMNS)

    def arrow(self) -> Any:
        """The whole table as an Arrow table, in ``rn`` order (for a backend that is not this
        database, or for tests; this brings every event into memory)."""
        con = self.database.cursor()
        try:
            relation = con.sql(f"SELECT * FROM {self.name} ORDER BY rn")
            return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
        finally:
            con.close()


def _drop(database: Any, name: str) -> None:
    try:
        con = database.cursor()
        try:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            con.close()
    except Exception:  # pragma: no cover - the database may be closed at exit
        pass


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

    from procsimp._tz import local_ticks

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


def _dictionary(con: Any, prefix: str, name: str, column: str, table: str) -> list[str]:
    """Make ``{prefix}d_{name}`` (value -> code, codes in sorted order) from the distinct non-NULL
    values of ``column`` in ``table``; returns the values in code order."""
    con.execute(
        f"CREATE TABLE {prefix}d_{name} AS SELECT v AS name, CAST(row_number() OVER (ORDER BY v) - 1 AS INTEGER) AS code "
        f"FROM (SELECT DISTINCT {column} AS v FROM {table} WHERE {column} IS NOT NULL)"
    )
    return [str(v) for (v,) in con.execute(f"SELECT name FROM {prefix}d_{name} ORDER BY code").fetchall()]


def prepare_sql(source: ParquetSource, calendar: WorkCalendar, database: Any) -> Prepared:
    """Build the ``events`` table of ``source`` inside ``database`` (a DuckDB database); the
    :class:`Prepared` holds a :class:`DuckDBTable` handle instead of an Arrow table."""
    from procsimp.io.frame import NO_SERVICE
    from procsimp.io.parquet_source import sql_string

    with _lock:
        prefix = f"procsimp_ev{next(_names)}_"
    con = database.cursor()
    made: list[str] = []

    def create(name: str, sql: str) -> None:
        con.execute(f"CREATE TABLE {prefix}{name} AS {sql}")
        made.append(prefix + name)

    try:
        create("rows", source.filtered_sql())
        rows = f"{prefix}rows"
        cases = _dictionary(con, prefix, "case", '"case"', rows)
        activities = _dictionary(con, prefix, "act", "activity", rows)
        _dictionary(con, prefix, "res", "resource", rows)
        units = _dictionary(con, prefix, "unit", "unit", rows)
        made += [f"{prefix}d_{n}" for n in ("case", "act", "res", "unit")]
        lo, hi = con.execute(
            f"SELECT least(min(t_timestamp), min(t_start), min(t_received)), "
            f"greatest(max(t_timestamp), max(t_start), max(t_received)) FROM {rows}"
        ).fetchall()[0]
        if lo is None:
            raise LogReadError(f"{source.source}: no event has a case id, a step and a time")
        constant, offset = _calendar_tables(con, prefix, calendar, source.timezone, int(lo), int(hi))
        made += [f"{prefix}days"] + ([] if constant else [f"{prefix}hours"])
        wm_end, j_end = _work_minutes_sql("r.t_timestamp", "we", prefix, calendar, constant, offset)
        wm_start, j_start = _work_minutes_sql("r.t_start", "ws", prefix, calendar, constant, offset)
        # the events with their codes, in no particular order
        create("coded", f"""
SELECT dc.code AS case_id, da.code AS act, dr.code AS res, du.code AS unit,
  r.service, r.channel, r.outcome, r.t_timestamp AS t_end, {wm_end} AS wm_end,
  r.t_start, {wm_start} AS wm_start, r.t_received, r.t_due, r.f, r.r
FROM {rows} r
JOIN {prefix}d_case dc ON dc.name = r."case"
JOIN {prefix}d_act da ON da.name = r.activity
LEFT JOIN {prefix}d_res dr ON dr.name = r.resource
LEFT JOIN {prefix}d_unit du ON du.name = r.unit
{j_end} {j_start}""")
        con.execute(f"DROP TABLE {rows}")
        # one row per dossier: its events, the first value of each dossier attribute, its offset
        first = "(t_end, f, r)"
        attrs = ", ".join(
            f"arg_min({c}, {first}) FILTER (WHERE {c} IS NOT NULL) AS {c}"
            for c in ("service", "channel", "outcome", "t_received", "t_due")
        )
        has_service = con.execute(f"SELECT count(service) > 0 FROM {prefix}coded").fetchall()[0][0]
        create("case1", f"SELECT case_id, count(*) AS n, {attrs} FROM {prefix}coded GROUP BY case_id")
        fill = sql_string(NO_SERVICE) if has_service else sql_string(DEFAULT_SERVICE)
        wm_recv, j_recv = _work_minutes_sql("c.t_received", "wr", prefix, calendar, constant, offset)
        create("cases", f"""
SELECT c.case_id, c.n, coalesce(c.service, {fill}) AS service, c.channel, c.outcome, c.t_received AS t_recv,
  {wm_recv} AS wm_recv, c.t_due,
  sum(c.n) OVER (ORDER BY c.case_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - c.n AS base
FROM {prefix}case1 c {j_recv}""")
        services = _dictionary(con, prefix, "svc", "service", f"{prefix}cases")
        channels = _dictionary(con, prefix, "channel", "channel", f"{prefix}cases")
        outcomes = _dictionary(con, prefix, "outcome", "outcome", f"{prefix}cases")
        made += [f"{prefix}d_{n}" for n in ("svc", "channel", "outcome")]
        create("ord", f"""
SELECT case_id, act, res, unit, t_end, wm_end, t_start, wm_start,
  row_number() OVER w AS pos, lag(act) OVER w AS prev_act, lag(t_end) OVER w AS prev_end,
  lag(wm_end) OVER w AS prev_wm
FROM {prefix}coded WINDOW w AS (PARTITION BY case_id ORDER BY t_end, f, r)""")
        con.execute(f"DROP TABLE {prefix}coded")
        name = f"{prefix}events"
        con.execute(f"""
CREATE TABLE {name} AS SELECT
  CAST(c.base + o.pos - 1 AS BIGINT) AS rn, CAST(o.case_id AS INTEGER) AS case_id, CAST(o.act AS INTEGER) AS act,
  ds.code AS svc, CAST(o.res AS INTEGER) AS res, CAST(o.unit AS INTEGER) AS unit, dch.code AS channel,
  dout.code AS outcome, o.pos = 1 AS is_start, o.pos = c.n AS is_end, CAST(o.prev_act AS INTEGER) AS prev_act,
  coalesce(o.pos > 1 AND row_number() OVER (PARTITION BY o.case_id, o.prev_act, o.act ORDER BY o.pos) = 1, false)
    AS edge_first,
  o.t_end, o.prev_end, o.wm_end, o.prev_wm, o.t_start, o.wm_start, c.t_recv, c.wm_recv, c.t_due
FROM {prefix}ord o JOIN {prefix}cases c ON c.case_id = o.case_id
JOIN {prefix}d_svc ds ON ds.name = c.service
LEFT JOIN {prefix}d_channel dch ON dch.name = c.channel
LEFT JOIN {prefix}d_outcome dout ON dout.name = c.outcome""")
        n = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
        present = con.execute(
            f"SELECT count(t_start) > 0, count(t_due) > 0, count(t_recv) > 0 FROM {name}"
        ).fetchall()[0]
    except LogReadError:
        raise
    except Exception as exc:  # duckdb's own exception classes (out of memory, disk full, bad file)
        first_line = str(exc).strip().splitlines()
        raise LogReadError(
            f"{source.source}: building the engine's event table failed "
            f"({first_line[0] if first_line else type(exc).__name__}); check the files, the free space of the "
            "temporary folder, or give DuckDB more memory (PROCSIMP_MEMORY_LIMIT=8GB)"
        ) from None
    finally:
        for table in made:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.close()
    return Prepared(
        table=DuckDBTable(database, name, n),
        services=pd.Index(services, dtype=object),
        activities=pd.Index(activities, dtype=object),
        cases=pd.Index(cases, dtype=object),
        channels=pd.Index(channels, dtype=object),
        outcomes=pd.Index(outcomes, dtype=object),
        timezone=source.timezone,
        minutes_per_day=float(calendar.minutes_per_day),
        has_start=bool(present[0]),
        has_due=bool(present[1]),
        has_received=bool(present[2]),
        units=pd.Index(units, dtype=object),
    )
