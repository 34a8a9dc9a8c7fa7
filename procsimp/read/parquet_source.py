# Long module: a log left on its Parquet files: the schema mapping, the checks and the one encoding pass in DuckDB share its source.
"""A log that stays on its Parquet files (out of core): DuckDB reads them where they lie.

A :class:`ParquetSource` is what :func:`procsimp.read_log` keeps instead of a DataFrame when a
Parquet log (one file, a folder of files, or a hive-partitioned dataset such as
``year=2025/part-0.parquet``) is too large to hold in memory, or when asked to
(``storage="parquet"``). Reading it touches only the schema, the files' metadata and a few cheap
aggregates computed by DuckDB; the engine then builds its integer-coded ``events`` table inside
DuckDB from the same SQL (:mod:`procsimp.engine.prepare_sql`), streaming the files and spilling to
disk when memory runs short.

The rows are read the way the in-memory reader reads them: text Unicode NFC and stripped (empty
is missing), times as microseconds since the epoch (naive times in the log's timezone), events
without a case, a step or a completion time left out, a dossier's service, channel, outcome,
receipt and due date taken from its first event that has one. What the in-memory reader can do
and this one cannot (times stored as text, XES lifecycle pairs, step codes kept apart) makes
:func:`out_of_core_reason` name the reason, and the log is then read into memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from procsimp.core.config import STORAGES
from procsimp.core.log import CASE_ROLES, ROLES, TEXT_ROLES, TIME_ROLES
from procsimp.errors import LogReadError, LogValidationError
from procsimp.read.sql_text import quote, sql_string

__all__ = [
    "ParquetSource",
    "STORAGES",
    "choose_storage",
    "connection",
    "dataset_files",
    "shared_database",
    "out_of_core_reason",
    "sql_string",
    "categorical_of_codes",
]

#: what to do when DuckDB fails while it reads a log
SPACE_FIX = ("check the files, the free space of the temporary folder, or give DuckDB more memory "
             "(PROCSIMP_MEMORY_LIMIT=8GB)")
#: in-memory size of one event, measured (about 0.37 GB per million events held in pandas)
BYTES_PER_EVENT = 370
#: DuckDB's memory once a log is left on its files, unless PROCSIMP_MEMORY_LIMIT says otherwise:
#: beyond it DuckDB spills to its temporary folder, so the peak stays flat as the log grows. With
#: DuckDB's own default (80% of the machine's memory) flag reached 12.3 GB at 20M events; the rest
#: of the process (one service's events for the replay) needs about as much again at 20M (see the
#: README's "Large logs")
OUT_OF_CORE_BUDGET = 1 << 30
#: the smallest budget taken from the memory available
MIN_BUDGET = 256 << 20
#: positions named in a warning, as :class:`procsimp.read.frame.Rows` names them
SHOWN = 5

# Unicode White_Space, as pyarrow's utf8_trim_whitespace strips it
_WHITESPACE = "".join(map(chr, [9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                                0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))
_TIME_TYPES = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S",
               "TIMESTAMPTZ", "TIMESTAMPTZ_NS", "DATE")


def duckdb_error(source: str, what: str, exc: BaseException, fix: str) -> LogReadError:
    """One clear :class:`LogReadError` for an error DuckDB raised (its own exception classes):
    ``"{source}: {what} failed ({DuckDB's first line}); {fix}"``. A Ctrl-C that stopped the
    query is raised here as ``KeyboardInterrupt`` (:mod:`procsimp.core.interrupt`), not made a
    failed read."""
    from procsimp.core.interrupt import raise_if_interrupt

    raise_if_interrupt(exc)
    first = str(exc).strip().splitlines()
    return LogReadError(f"{source}: {what} failed ({first[0] if first else type(exc).__name__}); {fix}")


def visible_sql(value: str) -> str:
    """SQL for the text ``value`` without invisible characters (as the in-memory reader removes
    them: :data:`procsimp.read.frame.INVISIBLE`)."""
    from procsimp.read.frame import INVISIBLE

    found = " OR ".join(f"contains({value}, {sql_string(ch)})" for ch in INVISIBLE)
    return f"(CASE WHEN {found} THEN regexp_replace({value}, {sql_string(f'[{INVISIBLE}]')}, '', 'g') ELSE {value} END)"


def plausible_us(timezone: str) -> tuple[int, int]:
    """(first, end) of the plausible years (:data:`procsimp.read.times.NS_MIN_YEAR` to
    ``NS_MAX_YEAR``, local to ``timezone``) in microseconds since the epoch: the in-memory reader
    leaves a time outside them empty."""
    from procsimp.read.times import NS_MAX_YEAR, NS_MIN_YEAR

    first = pd.Timestamp(f"{NS_MIN_YEAR}-01-01", tz=timezone)
    end = pd.Timestamp(f"{NS_MAX_YEAR + 1}-01-01", tz=timezone)
    return first.value // 1000, end.value // 1000


# ---------------------------------------------------------------------------- DuckDB
_LOCK = threading.Lock()
_DB: Any = None


def shared_database() -> Any:
    """procsimp's own in-process DuckDB database, where Parquet logs are read and the default
    engine runs (its temporary files go to a private folder of the system's temporary directory,
    never the working one)."""
    global _DB
    with _LOCK:
        if _DB is None:
            _DB = new_database()
        return _DB


#: the engine's choice of database for a log's files (see :func:`set_database_hook`)
_HOOK: list[Any] = [None]


def set_database_hook(hook: Any) -> None:
    """``hook()`` names the database where a log left on its files is read when no other is given
    (None: procsimp's own DuckDB): the engine (:mod:`procsimp.engine.backend`) sets it, so that
    with the Spark engine the files are read and encoded by Spark."""
    _HOOK[0] = hook


def default_database() -> Any:
    """Where a log's files are read when no database is named: the engine's (a Spark session,
    :func:`set_database_hook`), else :func:`shared_database`."""
    hook = _HOOK[0]
    return (hook() if hook is not None else None) or shared_database()


def connection() -> Any:
    """A cursor (its own connection) on :func:`shared_database`."""
    return shared_database().cursor()


def out_of_core_limit() -> str:
    """DuckDB's memory limit while a log is left on its files: ``PROCSIMP_MEMORY_LIMIT`` when
    set, else :data:`OUT_OF_CORE_BUDGET` (1 GiB), or a quarter of the memory available now when
    that is less (at least 256 MiB). The log is out of core because it does not fit; what is
    left of the memory goes to the small tables and to one service's events at a time."""
    env = os.environ.get("PROCSIMP_MEMORY_LIMIT", "").strip()
    if env:
        return env
    return f"{out_of_core_budget() >> 20}MiB"


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}


def out_of_core_budget() -> int:
    """:func:`out_of_core_limit` in bytes (a ``PROCSIMP_MEMORY_LIMIT`` that is not a plain size,
    such as ``4GB`` or ``512MiB``, counts as unlimited)."""
    import re

    env = os.environ.get("PROCSIMP_MEMORY_LIMIT", "").strip()
    if not env:
        return max(MIN_BUDGET, min(OUT_OF_CORE_BUDGET, available_memory() // 4))
    m = re.fullmatch(r"([0-9.]+)\s*([a-zA-Z]*)", env)
    unit = _UNITS.get(m.group(2).upper()) if m else None
    return int(float(m.group(1)) * unit) if m and unit else 1 << 62


def limit_memory(database: Any, *, share: float = 1.0) -> None:
    """Hold ``database`` to ``share`` of the out-of-core budget (:func:`out_of_core_budget`, at
    least 256 MiB): procsimp's shared database only, from the first log left on its files read
    into it. The budget is the process's, taken in turns: DuckDB has all of it when it reads the
    files and runs the engine's plans, a quarter while Python holds a service's events
    (:meth:`ParquetSource.coded_frame`); lowering the limit makes DuckDB spill its tables to disk.
    ``PROCSIMP_MEMORY_LIMIT`` fixes DuckDB's limit instead; a database made with its own keeps it."""
    global _LIMITED
    if database is not _DB or (share != 1.0 and not _LIMITED):
        return
    if os.environ.get("PROCSIMP_MEMORY_LIMIT", "").strip():
        limit = out_of_core_limit()
    else:
        limit = f"{max(MIN_BUDGET, int(out_of_core_budget() * share)) >> 20}MiB"
    if limit != _LIMITED:
        database.execute("SET memory_limit = ?", [limit])
        _LIMITED = limit


#: the memory limit procsimp set on the shared database (None: DuckDB's own default)
_LIMITED: str | None = None


def new_database(*, threads: int | None = None, memory_limit: str | None = None) -> Any:
    """An in-memory DuckDB database that spills to a private temporary folder (removed when the
    process ends, even by a signal: :mod:`procsimp.core._spill`)."""
    import duckdb

    from procsimp.core._spill import spill_folder

    db = duckdb.connect(":memory:")
    folder = spill_folder()
    db.execute("SET temp_directory = ?", [folder])
    db.execute("SET preserve_insertion_order = false")
    if threads is not None:
        db.execute(f"SET threads = {int(threads)}")
    limit = memory_limit or os.environ.get("PROCSIMP_MEMORY_LIMIT") or None
    if limit:
        db.execute("SET memory_limit = ?", [limit])
    return db


# ---------------------------------------------------------------------------- files
def dataset_files(path: Path, source: str) -> tuple[tuple[str, ...], bool]:
    """(the Parquet files of ``path`` in order, hive-partitioned): a file, or every ``*.parquet``
    file under a folder (sorted by path; ``key=value`` folders make a hive-partitioned dataset)."""
    if path.is_file():
        return (str(path),), False
    files = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.name.lower().endswith((".parquet", ".pq"))
                   and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
    if not files:
        raise LogReadError(
            f"{source}: is a folder without Parquet files; give the path of a log file, or of a folder of "
            ".parquet files (a partitioned dataset)"
        )
    hive = any("=" in part for f in files for part in Path(f).relative_to(path).parts[:-1])
    return tuple(files), hive


def _scan(files: Sequence[str], hive: bool) -> str:
    listed = ", ".join(sql_string(f) for f in files)
    return (f"read_parquet([{listed}], hive_partitioning = {'true' if hive else 'false'}, "
            "filename = '__procsimp_file', file_row_number = true)")


def schema(files: Sequence[str], hive: bool, source: str) -> dict[str, str]:
    """Column name -> DuckDB type of the dataset (from the files' schema only)."""
    con = connection()
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {_scan(files, hive)}").fetchall()
    except Exception as exc:  # duckdb raises its own exception classes
        raise duckdb_error(source, "reading the Parquet files", exc, "the files are damaged, not Parquet, or do not "
                           "share one schema: write them again") from None
    finally:
        con.close()
    return {str(name): str(kind) for name, kind, *_ in rows if name not in ("__procsimp_file", "file_row_number")}


def row_count(files: Sequence[str]) -> int:
    """Rows in the files, from their Parquet footers (nothing else is read)."""
    import pyarrow.parquet as pq

    return int(sum(pq.read_metadata(f).num_rows for f in files))


def has_transitions(files: Sequence[str], hive: bool, column: str, source: str, database: Any = None) -> bool:
    """Whether a lifecycle column holds a transition other than ``complete`` (or empty): the
    events are then start/complete pairs that the in-memory reader pairs (read in ``database``,
    default procsimp's DuckDB)."""
    con = (database or shared_database()).cursor()
    try:
        value = f"lower(trim(CAST({quote(column)} AS VARCHAR)))"
        (n,) = con.execute(f"SELECT count(*) FROM {_scan(files, hive)} WHERE {value} NOT IN ('complete', '')").fetchall()[0]
    except Exception as exc:  # duckdb's own exception classes
        raise duckdb_error(source, "reading the Parquet files", exc, "check that the files are complete") from None
    finally:
        con.close()
    return bool(n)


def time_formats(files: Sequence[str], hive: bool, columns: Mapping[str, str], types: Mapping[str, str],
                 source: str, database: Any = None) -> tuple[dict[str, str], tuple[str, ...]]:
    """(role -> how its times are read, as the in-memory reader says it; the roles whose dates
    mean the end of the day): a due date column of naive times all at midnight is dates."""
    formats: dict[str, str] = {}
    end_of_day: list[str] = []
    for role in TIME_ROLES:
        column = columns.get(role)
        if column is None:
            continue
        kind = types.get(column, "").upper()
        if "TIME ZONE" in kind or kind.startswith("TIMESTAMPTZ"):
            formats[role] = "times with timezone"
            continue
        formats[role] = "date-time values"
        if role == "due":
            con = (database or shared_database()).cursor()
            try:
                value = f"CAST({quote(column)} AS TIMESTAMP)"
                (n, midnight) = con.execute(
                    f"SELECT count({value}), count(*) FILTER (WHERE {value} = date_trunc('day', {value})) "
                    f"FROM {_scan(files, hive)}").fetchall()[0]
            finally:
                con.close()
            if n and n == midnight:
                formats[role] = "dates, end of day"
                end_of_day.append(role)
    return formats, tuple(end_of_day)


def out_of_core_reason(columns: Mapping[str, str], types: Mapping[str, str], *, activity_key: str | None = None,
                       lifecycle: bool = False) -> str | None:
    """Why a dataset with this mapping cannot stay on its files (None: it can)."""
    if activity_key:
        return "step codes are kept apart (--activity-key)"
    if lifecycle:
        return "the events are XES lifecycle transitions to pair"
    for role in TIME_ROLES:
        column = columns.get(role)
        if column is not None and types.get(column, "").upper() not in _TIME_TYPES:
            return f"column {column!r} ({role}) holds {types.get(column, '?')} values, not Parquet timestamps"
    return None


def available_memory() -> int:
    """Bytes of memory available to this process now (physical memory free for use)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with pm4py's dependencies
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))


def choose_storage(rows: int, wanted: str) -> tuple[str, str]:
    """(``"memory"`` or ``"parquet"``, why) for a dataset of ``rows`` events.

    ``wanted`` is the ``storage`` setting: ``"memory"`` and ``"parquet"`` force the choice;
    ``"auto"`` leaves a log on its files when holding it in pandas would take more than a quarter
    of the memory available now, and reads it into memory otherwise: where it fits, the in-memory
    path is the faster one (measured up to 5 million events; see the README's "Large logs").
    """
    need = rows * BYTES_PER_EVENT
    if wanted == "memory":
        return "memory", "as asked"
    if wanted == "parquet":
        return "parquet", "as asked"
    free = available_memory()
    if need > free / 4:
        return "parquet", (f"{rows:,} events would take about {need / 1e9:.1f} GB in memory, more than a quarter "
                           f"of the {free / 1e9:.1f} GB available")
    return "memory", (f"{rows:,} events take about {need / 1e9:.1f} GB in memory, at most a quarter of the "
                      f"{free / 1e9:.1f} GB available")


# ---------------------------------------------------------------------------- the source
#: the text roles as named in the encoded table and its dictionaries
_CODE = {"case": "case_id", "activity": "act", "resource": "res", "unit": "unit", "service": "svc",
         "channel": "channel", "outcome": "outcome"}
#: the time roles as named in the encoded table
_TIME = {"timestamp": "t_end", "start": "t_start", "received": "t_recv", "due": "t_due"}


@dataclass(frozen=True, eq=False)
class Encoding:
    """The log read once into DuckDB, integer-coded: the table ``name`` in ``database`` (columns
    ``case_id, act, res, unit, svc, channel, outcome`` codes, ``t_end, t_start, t_recv, t_due``
    microseconds, ``f, r`` the position in the files) and the dictionaries of the codes (each
    sorted, as pandas sorts categories). A dossier's service, channel, outcome, receipt and due
    date are those of its first event that has one. Independent of the calendar: every stage and
    every service of the log reads it."""

    database: Any
    name: str
    dictionaries: Mapping[str, list[str]]
    has_service: bool
    #: a dossier with more than one service, and those services (None: every dossier has one)
    conflict: tuple[str, list[str]] | None = None
    #: role -> (dossiers whose events give that attribute more than one value, the first of them)
    differ: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    #: text role -> its distinct values (as in the files) that hold invisible characters
    invisible: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: role (case, activity, timestamp) -> (events left out for lacking it, the first
    #: :data:`SHOWN` positions of those in the files taken one after the other)
    dropped: Mapping[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import weakref

        weakref.finalize(self, drop_table, self.database, self.name)


@dataclass(frozen=True, eq=False)
class DuckDBQuery:
    """A query on a DuckDB database that the engine's backend reads as an input table: where the
    data are when the backend runs on that database (``select``), else fetched (:meth:`arrow`)."""

    database: Any
    select: str

    def arrow(self) -> Any:
        """The query's rows as an Arrow table (in memory)."""
        con = self.database.cursor()
        try:
            return con.sql(self.select).to_arrow_table()
        finally:
            con.close()


def drop_table(database: Any, name: str) -> None:
    """Drop a table of ``database`` if it is still open (for finalizers)."""
    try:
        con = database.cursor()
        try:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            con.close()
    except Exception:  # pragma: no cover - the database may be closed at exit
        pass


_tables = __import__("itertools").count()


@dataclass(frozen=True, eq=False)
class ParquetSource:
    """Where an out-of-core log's events are: the files, how their columns map to roles, and the
    services kept (None: all). The files are read once, into an integer-coded DuckDB table
    (:meth:`encoded`) that the facts of the log and the engine read; the sub-logs of services
    share it."""

    files: tuple[str, ...]
    hive: bool
    columns: Mapping[str, str]
    types: Mapping[str, str]
    timezone: str
    rows: int
    source: str
    services: tuple[str, ...] | None = None
    #: why the log stays on its files (shown by the CLI)
    reason: str = ""
    #: time roles whose values are dates (midnight) that mean the end of that day (a due date)
    end_of_day: tuple[str, ...] = ()
    #: what the filters applied keep (:class:`procsimp.read.parquet_kept.Kept`), in order
    kept: tuple[Any, ...] = ()
    _facts: dict[str, Any] = field(default_factory=dict, repr=False)
    #: shared by the sub-logs of services: database -> Encoding
    _shared: dict[int, Encoding] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ SQL over the files
    def scan(self) -> str:
        return _scan(self.files, self.hive)

    def text_sql(self, role: str) -> str:
        """The normalised text of a role's column (NFC, stripped, '' as NULL), or NULL."""
        column = self.columns.get(role)
        if column is None:
            return "CAST(NULL AS VARCHAR)"
        return self.column_text_sql(column)

    @staticmethod
    def column_text_sql(column: str) -> str:
        """The normalised text of a column of the files (NFC, stripped, '' as NULL)."""
        value = f"CAST({quote(column)} AS VARCHAR)"
        return f"nullif(trim({visible_sql(f'nfc_normalize({value})')}, {sql_string(_WHITESPACE)}), '')"

    def position_sql(self) -> str:
        """A row's position in the files, as the encoded table holds it: ``f`` (the file, from
        1) and ``r`` (the row in it), for a query over :meth:`scan`."""
        files = ", ".join(sql_string(f) for f in self.files)
        return f"list_position([{files}], __procsimp_file) AS f, file_row_number AS r"

    def time_sql(self, role: str) -> str:
        """A role's times as BIGINT microseconds since the epoch (UTC), or NULL; outside the
        plausible years (:func:`plausible_us`) a time is NULL, as the in-memory reader leaves it
        empty (a completion or start time there is an error: :meth:`check`)."""
        if role not in self.columns:
            return "CAST(NULL AS BIGINT)"
        raw = self.raw_time_sql(role)
        first, last = plausible_us(self.timezone)
        return f"(CASE WHEN {raw} >= {first} AND {raw} < {last} THEN {raw} END)"

    def raw_time_sql(self, role: str) -> str:
        """A role's times as BIGINT microseconds since the epoch (UTC), whatever their year."""
        column = self.columns.get(role)
        if column is None:
            return "CAST(NULL AS BIGINT)"
        kind = self.types.get(column, "").upper()
        c = quote(column)
        tz = sql_string(self.timezone)
        if "TIME ZONE" in kind or kind.startswith("TIMESTAMPTZ"):
            return f"epoch_us(CAST({c} AS TIMESTAMPTZ))"
        local = f"CAST({c} AS TIMESTAMP)"
        if role in self.end_of_day:  # dates without a time of day: due at the end of the day
            local = f"({local} + to_microseconds(86399999999))"
        return f"epoch_us(timezone({tz}, {local}))"

    def rows_sql(self) -> str:
        """One row per event that can be placed (case, step and completion time present): the
        normalised text of each role, the times, and the position in the files (``f``, ``r``)."""
        parts = [f"{self.text_sql(role)} AS {quote(role)}" for role in TEXT_ROLES]
        parts += [f"{self.time_sql(role)} AS t_{role}" for role in TIME_ROLES]
        parts.append(self.position_sql())
        inner = f"SELECT {', '.join(parts)} FROM {self.scan()}"
        where = "\"case\" IS NOT NULL AND activity IS NOT NULL AND t_timestamp IS NOT NULL"
        return f"SELECT * FROM ({inner}) WHERE {where}"

    # ------------------------------------------------------------------ the encoding
    def encoded(self, database: Any = None) -> Encoding:
        """The integer-coded table of every event of the files (made once per database, shared
        with the sub-logs of services); ``database``: a DuckDB database (default: procsimp's)."""
        if database is None:
            database = default_database()
        key = id(database)
        if key not in self._shared:
            limit_memory(database)
            self._shared[key] = self._encode(database)
        return self._shared[key]

    def _encode(self, database: Any) -> Encoding:
        """Read the files once into the integer-coded table. Each text column's distinct values are
        normalised once (not each event's), then every event is coded by joins on those small
        dictionaries; only integers and times are materialised."""
        from procsimp.read.codes import code_table
        from procsimp.read.frame import INVISIBLE, NO_SERVICE

        prefix = f"procsimp_log{next(_tables)}_"
        con = database.cursor()
        temporary: list[str] = []

        def create(name: str, sql: str, keep: bool = False) -> str:
            con.execute(f"CREATE TABLE {prefix}{name} AS {sql}")
            if not keep:
                temporary.append(prefix + name)
            return prefix + name

        try:
            # raw value -> normalised name -> code (codes in the sorted order of the names)
            maps: dict[str, str] = {}
            names: dict[str, list[str]] = {}
            invisible: dict[str, tuple[str, ...]] = {}
            hidden = sql_string(f"[{INVISIBLE}]")
            for role in TEXT_ROLES:
                if role not in self.columns:
                    names[role] = []
                    continue
                raw = f"CAST({quote(self.columns[role])} AS VARCHAR)"
                norm = self.text_sql(role)
                # (the distinct values made first, as a materialised CTE: inlined, DuckDB's plan
                # normalises every event's value); a blank value's norm is NULL
                values = create(f"v_{role}", f"""
WITH d AS MATERIALIZED (SELECT raw, {norm.replace(raw, 'raw')} AS norm FROM (SELECT DISTINCT {raw} AS raw
  FROM {self.scan()} WHERE {raw} IS NOT NULL))
SELECT raw, norm FROM d""")
                # the quality checks' invisible characters, looked for in the distinct values only
                invisible[role] = tuple(str(v) for (v,) in con.execute(
                    f"SELECT raw FROM {values} WHERE regexp_matches(raw, {hidden})").fetchall())
                # then ranked in ranges (procsimp.read.codes), which Spark spreads over its cores
                distinct = create(f"d_{role}", f"SELECT raw, norm FROM {values} WHERE norm IS NOT NULL")
                maps[role] = code_table(con, distinct, create, f"m_{role}")
                names[role] = [str(v) for (_, v) in con.execute(
                    f"SELECT DISTINCT code, norm FROM {maps[role]} ORDER BY code").fetchall()]
            joins, codes = [], []
            for role in TEXT_ROLES:
                column = _CODE[role] if role not in ("service", "channel", "outcome") else f"{role}_ev"
                if role in maps:
                    raw = f"CAST(s.{quote(self.columns[role])} AS VARCHAR)"
                    joins.append(f"LEFT JOIN {maps[role]} {role}_m ON {role}_m.raw = {raw}")
                    codes.append(f"{role}_m.code AS {column}")
                else:
                    codes.append(f"CAST(NULL AS INTEGER) AS {column}")
            times = [f"{self.time_sql(role).replace(quote(self.columns[role]), 's.' + quote(self.columns[role]))} "
                     f"AS {_TIME[role]}" if role in self.columns else f"CAST(NULL AS BIGINT) AS {_TIME[role]}"
                     for role in TIME_ROLES]
            files = ", ".join(sql_string(f) for f in self.files)
            # every row of the files, those that cannot be placed too (counted for the warnings)
            coded = create("coded", f"""
SELECT {', '.join(codes)}, {', '.join(times)}, list_position([{files}], s.__procsimp_file) AS f,
  s.file_row_number AS r FROM {self.scan()} s {' '.join(joins)}""")
            dropped = self._dropped(con, coded)
            # (filtered only when some rows lack a value: a filter makes DuckDB take the table of
            # events for the small side of its joins)
            placed = "act IS NOT NULL AND t_end IS NOT NULL" if dropped else "true"
            placed_e = "e.act IS NOT NULL AND e.t_end IS NOT NULL" if dropped else "true"
            first = "(t_end, f, r)"
            attributes = {"channel": "channel_ev", "outcome": "outcome_ev", "received": "t_recv", "due": "t_due"}
            kept_attrs = ("service_ev", "channel_ev", "outcome_ev", "t_recv", "t_due")
            # a dossier's attribute is its first event's that has one: when its events agree (the
            # smallest value is the largest, the usual case) that is the smallest, and only the
            # dossiers whose events disagree are looked at event by event (an arg_min over the
            # order of the events costs five times a min and a max)
            span = create("span", "SELECT case_id, " + ", ".join(f"min({c}) AS {c}_lo, max({c}) AS {c}_hi"
                                                                for c in kept_attrs)
                          + f" FROM {coded} WHERE case_id IS NOT NULL AND {placed} GROUP BY case_id")
            disagree = " OR ".join(f"{c}_lo <> {c}_hi" for c in kept_attrs)
            (n_disagree,) = con.execute(f"SELECT count(*) FROM {span} WHERE {disagree}").fetchall()[0]
            join = ""
            values_sql = ", ".join(f"s.{c}_lo AS {c}" for c in kept_attrs)
            if n_disagree:
                attrs = ", ".join(f"arg_min({c}, {first}) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in kept_attrs)
                firsts = create("firsts", f"SELECT case_id, {attrs} FROM {coded} WHERE {placed} AND case_id IN "
                                          f"(SELECT case_id FROM {span} WHERE {disagree}) GROUP BY case_id")
                join = f" LEFT JOIN {firsts} x ON x.case_id = s.case_id"
                values_sql = ", ".join(f"CASE WHEN x.case_id IS NULL THEN s.{c}_lo ELSE x.{c} END AS {c}"
                                       for c in kept_attrs)
            # (two values or more: the smallest and the largest differ, cheaper than a distinct count)
            counted = ", ".join(f"s.{c}_lo <> s.{c}_hi AS d_{role}" for role, c in attributes.items())
            cases = create("cases", f"SELECT s.case_id, {values_sql}, s.service_ev_lo <> s.service_ev_hi AS "
                                    f"many_services, {counted} FROM {span} s{join}")
            differ_row = con.execute("SELECT " + ", ".join(
                f"count(*) FILTER (WHERE d_{role}), min(case_id) FILTER (WHERE d_{role})" for role in attributes)
                + f" FROM {cases}").fetchall()[0]
            conflict = con.execute(
                f"SELECT c.case_id, list(DISTINCT e.service_ev) FROM (SELECT case_id FROM {cases} WHERE many_services "
                f"LIMIT 1) c JOIN {coded} e ON e.case_id = c.case_id WHERE e.service_ev IS NOT NULL "
                f"AND {placed_e} GROUP BY c.case_id"
            ).fetchall()
            has_service = bool(con.execute(f"SELECT count(service_ev) > 0 FROM {cases}").fetchall()[0][0])
            # a dossier's values are its first event's: the dictionaries keep the values dossiers have
            recode: dict[str, str] = {}
            event_services = list(names["service"])
            for role in ("service", "channel", "outcome"):
                used = [c for (c,) in con.execute(
                    f"SELECT DISTINCT {role}_ev FROM {cases} WHERE {role}_ev IS NOT NULL").fetchall()]
                kept = sorted({names[role][c] for c in used} | ({NO_SERVICE} if role == "service" and has_service
                              and con.execute(f"SELECT count(*) FROM {cases} WHERE service_ev IS NULL").fetchall()[0][0]
                              else set()))
                new = {name: i for i, name in enumerate(kept)}
                pairs = [(c, new[names[role][c]]) for c in used]
                missing = new.get(NO_SERVICE) if role == "service" else None
                whens = " ".join(f"WHEN {old} THEN {code}" for old, code in pairs)
                fallback = "NULL" if missing is None else str(missing)
                recode[role] = f"CAST(CASE c.{role}_ev {whens} ELSE {fallback} END AS INTEGER)" if whens else (
                    f"CAST({fallback} AS INTEGER)")
                names[role] = kept
            name = create("events", f"""
SELECT e.case_id, e.act, e.res, e.unit, {recode['service']} AS svc, {recode['channel']} AS channel,
  {recode['outcome']} AS outcome, e.t_end, e.t_start, c.t_recv, c.t_due, e.f, e.r
FROM {coded} e JOIN {cases} c ON c.case_id = e.case_id
WHERE {placed_e}""", keep=True)
            dictionaries = {"case": names["case"], "activity": names["activity"], "resource": names["resource"],
                            "unit": names["unit"], "service": names["service"], "channel": names["channel"],
                            "outcome": names["outcome"]}
            if conflict:
                case_code, services = conflict[0]
                conflict_names = (names["case"][case_code], sorted(event_services[c] for c in services))
            else:
                conflict_names = None
        except LogReadError:  # Spark's own: a path it cannot reach
            raise
        except Exception as exc:  # duckdb's own exception classes (out of memory, disk full, bad file)
            engine = getattr(database, "engine_name", "DuckDB")
            raise duckdb_error(self.source, f"reading the Parquet files into {engine}", exc,
                               getattr(database, "space_fix", SPACE_FIX)) from None
        finally:
            for table in temporary:
                con.execute(f"DROP TABLE IF EXISTS {table}")
            con.close()
        differ = {role: (int(differ_row[2 * i]), names["case"][differ_row[2 * i + 1]])
                  for i, role in enumerate(attributes) if differ_row[2 * i]}
        return Encoding(database=database, name=name, dictionaries=dictionaries, has_service=has_service,
                        conflict=conflict_names, differ=differ, invisible=invisible, dropped=dropped)

    def _dropped(self, con: Any, coded: str) -> dict[str, tuple[int, tuple[int, ...]]]:
        """Role -> (events of the table ``coded`` left out for lacking it, the first positions of
        those), for the case id, the step and the completion time; positions (from
        :meth:`offsets`) are looked up only when some event is left out."""
        lacks = {"case": "case_id IS NULL", "activity": "act IS NULL", "timestamp": "t_end IS NULL"}
        counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {c})" for c in lacks.values())
                             + f" FROM {coded}").fetchall()[0]
        if not any(counts):
            return {}
        offsets = ", ".join(map(str, self.offsets(con)))
        firsts = con.execute("SELECT " + ", ".join(f"list(pos ORDER BY pos) FILTER (WHERE {c})[1:{SHOWN}]"
                                                   for c in lacks.values())
                             + f" FROM (SELECT *, [{offsets}][f] + r AS pos FROM {coded})").fetchall()[0]
        return {role: (int(n), tuple(int(p) for p in (shown or [])))
                for role, n, shown in zip(lacks, counts, firsts, strict=True) if n}

    def offsets(self, con: Any = None) -> list[int]:
        """The position of the first row of each file, the files taken one after the other: from
        the files' footers, or at a URI counted by the database that reads them (Spark), on the
        cursor ``con`` (default: one of the encoding's database)."""
        if "offsets" not in self._facts:
            if any("://" in f for f in self.files):
                sql = f"SELECT __procsimp_file, count(*) FROM {self.scan()} GROUP BY __procsimp_file"
                counted = dict(con.execute(sql).fetchall() if con is not None else self.query(sql))
                sizes = [int(counted.get(f, 0)) for f in self.files]
            else:
                import pyarrow.parquet as pq

                sizes = [pq.read_metadata(f).num_rows for f in self.files]
            self._facts["offsets"] = [sum(sizes[:i]) for i in range(len(sizes))]
        return list(self._facts["offsets"])

    @property
    def narrowed(self) -> bool:
        """Whether some events of the files are left out (services kept, or filters applied)."""
        return self.services is not None or bool(self.kept)

    def events_sql(self, database: Any = None, *, filtered: bool = True) -> str:
        """The encoded events of the services kept (codes of the whole log's dictionaries), and of
        what the filters keep (``filtered=False``: before the filters)."""
        enc = self.encoded(database)
        where = []
        if self.services is not None:
            names = enc.dictionaries["service"]
            codes = [str(names.index(s)) for s in self.services if s in names]
            where.append(f"svc IN ({', '.join(codes) or 'NULL'})")
        for kept in self.kept if filtered else ():
            where += kept.conditions(enc)
        return f"SELECT * FROM {enc.name}" + (f" WHERE {' AND '.join(where)}" if where else "")

    def keeping(self, kept: Any) -> ParquetSource:
        """The same files, keeping also what the filter ``kept`` keeps
        (:class:`procsimp.read.parquet_kept.Kept`; the encoding is shared)."""
        from dataclasses import replace

        return replace(self, kept=(*self.kept, kept), _facts={}, _shared=self._shared)

    # ------------------------------------------------------------------ facts
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        enc = self.encoded()
        con = enc.database.cursor()
        try:
            return con.execute(sql, list(params)).fetchall()
        except Exception as exc:  # duckdb's own exception classes
            raise duckdb_error(self.source, "reading the log", exc, SPACE_FIX) from None
        finally:
            con.close()

    def facts(self) -> dict[str, Any]:
        """Events, dossiers, steps, services, present roles and time span, computed once from the
        encoded table (only these figures come back)."""
        if "events" in self._facts:
            return self._facts
        enc = self.encoded()
        present = ", ".join(f"count({_CODE.get(role) or _TIME[role]}) AS has_{role}" for role in ROLES)
        head = self.query(
            "SELECT count(*), count(DISTINCT case_id), count(DISTINCT act), least(min(t_end), min(t_start)), "
            f"max(t_end), {present} FROM ({self.events_sql()})"
        )[0]
        n, cases, acts, t0, t1, *has = head
        facts: dict[str, Any] = {
            "events": int(n), "cases": int(cases), "n_activities": int(acts), "first": t0, "last": t1,
            "has": {role: bool(h) for role, h in zip(ROLES, has, strict=True)},
        }
        if not facts["has"]["service"]:
            facts["services"] = []
        elif self.kept:
            names = enc.dictionaries["service"]
            facts["services"] = sorted(names[c] for (c,) in self.query(
                f"SELECT DISTINCT svc FROM ({self.events_sql()}) WHERE svc IS NOT NULL"))
        else:
            facts["services"] = sorted(self.services or enc.dictionaries["service"])
        self._facts.update(facts)
        return self._facts

    def activities(self) -> list[str]:
        """Step names in order of first appearance in the case-sorted log."""
        if "activities" not in self._facts:
            names = self.encoded().dictionaries["activity"]
            order = self.query(f"SELECT act FROM ({self.events_sql()}) GROUP BY act ORDER BY min((case_id, t_end, f, r))")
            self._facts["activities"] = [names[a] for (a,) in order]
        return list(self._facts["activities"])

    def distinct(self, role: str) -> list[str]:
        """The distinct values of a text role (sorted; dossier roles as the dossiers' first values)."""
        key = f"distinct_{role}"
        if key not in self._facts:
            names = self.encoded().dictionaries[role]
            if not self.narrowed:
                values = list(names)
            else:
                codes = self.query(f"SELECT DISTINCT {_CODE[role]} FROM ({self.events_sql()}) "
                                   f"WHERE {_CODE[role]} IS NOT NULL")
                values = sorted(names[c] for (c,) in codes)
            self._facts[key] = values
        return list(self._facts[key])

    def times(self, database: Any = None) -> DuckDBQuery:
        """The completion and start times (``t_end``, ``t_start``, microseconds) of the events
        kept, as a query on the encoded table (for the engine's clock table)."""
        enc = self.encoded(database)
        return DuckDBQuery(enc.database, f"SELECT t_end, t_start FROM ({self.events_sql(enc.database)})")

    def head(self, n: int = 10) -> pd.DataFrame:
        """The first ``n`` rows of the files taken one after the other (mapped columns only), for
        display: read by the database that reads the files (procsimp's DuckDB, or with the Spark
        engine the Spark session, which reads them itself); times with a zone shown in the log's."""
        cols = ", ".join(f"{quote(c)} AS {quote(ROLES[r])}" for r, c in self.columns.items())
        files = ", ".join(sql_string(f) for f in self.files)
        # (at most n rows of each file are sorted: the first n of the first files)
        sql = (f"SELECT {cols} FROM (SELECT *, list_position([{files}], __procsimp_file) AS __procsimp_f FROM "
               f"{self.scan()} WHERE file_row_number < {int(n)}) ORDER BY __procsimp_f, file_row_number LIMIT {int(n)}")
        database = default_database()
        con = database.cursor()
        try:
            frame = con.sql(sql).to_arrow_table().to_pandas()
        except LogReadError:  # Spark's own: a path it cannot reach
            raise
        except Exception as exc:  # the database's own exception classes
            raise duckdb_error(self.source, "reading the first rows", exc, getattr(database, "space_fix", SPACE_FIX)) from None
        finally:
            con.close()
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert(self.timezone)
        return frame

    def for_services(self, services: Sequence[str]) -> ParquetSource:
        """The same files, keeping the dossiers of ``services`` only (the encoding is shared)."""
        from dataclasses import replace

        return replace(self, services=tuple(services), _facts={}, _shared=self._shared)

    def check(self) -> None:
        """Raise what the in-memory reader raises for rules that make the log unusable: no event
        that can be placed, a dossier in two services, an end before its start (times outside the
        plausible years: :func:`procsimp.read.parquet_quality.check_times`)."""
        if "service" in self.columns:
            bad = self.encoded().conflict
            if bad:
                case, names = bad
                raise LogValidationError(
                    f"{self.source}: a dossier has more than one service (column {self.columns['service']!r}), "
                    f"e.g. case {case!r}: {', '.join(repr(str(x)) for x in sorted(names)[:3])}; a dossier belongs "
                    "to one procedure: fix those rows, or map another column with --service-column"
                )
        facts = self.facts()
        if facts["events"] == 0:
            raise LogValidationError(
                f"{self.source}: no event has a case id, a step and a time (columns "
                f"{self.columns['case']!r}, {self.columns['activity']!r}, {self.columns['timestamp']!r} are "
                "empty); check the mapping printed above"
            )
        if "start" in self.columns:
            (n,) = self.query(f"SELECT count(*) FROM ({self.events_sql()}) WHERE t_start > t_end")[0]
            if n:
                s, e = self.columns["start"], self.columns["timestamp"]
                raise LogValidationError(
                    f"{self.source}: {n} event(s) end before they start ({s!r} after {e!r}); correct "
                    "those times, or swap the columns with --start/--timestamp if they are mapped the wrong way round"
                )

    # ------------------------------------------------------------------ materialising
    def frame(self) -> pd.DataFrame:
        """Every event of the services kept as the in-memory reader makes it (all columns,
        normalised and sorted): the DataFrame of the log.

        When every column of the files fills a role (no other attribute to carry), it is decoded
        from the encoded table (:meth:`coded_frame`): only the events of the services kept leave
        DuckDB, as codes and integer times. Otherwise the whole dataset is read into memory and
        normalised, as the in-memory reader does (its other attributes need every row)."""
        if set(self.types) <= set(self.columns.values()) and self.encoded().database is _DB:
            return self.coded_frame()
        from procsimp.core.log import SERVICE
        from procsimp.read.frame import Rows, frame_to_log

        raw = read_dataset_frame(self.files, self.hive, self.source)
        log = frame_to_log(raw, dict(self.columns), timezone=self.timezone, source=self.source, rows=Rows(),
                           detect=False)
        df = log.df
        if self.services is not None:
            df = df.loc[df[SERVICE].isin(list(self.services))].reset_index(drop=True)
        if self.kept:
            df = df.loc[self._kept_mask()].reset_index(drop=True)
        if self.narrowed:
            for col in df.columns:
                if isinstance(df[col].dtype, pd.CategoricalDtype):
                    df[col] = df[col].cat.remove_unused_categories()
        return df

    def _kept_mask(self) -> Any:
        """Whether the filters keep each event of the services kept, in the order of the log's
        rows (case, completion time, position in the files)."""
        import numpy as np

        enc = self.encoded()
        kept = " AND ".join(c for k in self.kept for c in k.conditions(enc))
        con = enc.database.cursor()
        try:
            table = con.sql(f"SELECT case_id, t_end, f, r, CASE WHEN {kept} THEN 1 ELSE 0 END AS k "
                            f"FROM ({self.events_sql(filtered=False)})").to_arrow_table()
        except Exception as exc:  # the database's own exception classes
            raise duckdb_error(self.source, "reading the log's events", exc, SPACE_FIX) from None
        finally:
            con.close()
        order = np.lexsort([table.column(c).to_numpy() for c in ("r", "f", "t_end", "case_id")])
        return table.column("k").to_numpy()[order].astype(bool)


    def coded_frame(self) -> pd.DataFrame:
        """The role columns of the events of the services kept, decoded from the encoded table:
        text as categoricals of the values present (sorted), times in the log's timezone, sorted
        by case, then completion time, then position in the files, as the in-memory reader does.
        Only those events cross from DuckDB, as integer codes and microseconds (about 50 bytes an
        event, against some 370 for the whole frame read from the files)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        enc = self.encoded()
        limit_memory(enc.database, share=0.25)  # Python's turn: DuckDB spills its tables
        roles = [role for role in ROLES if role in self.columns]
        picked = [_CODE.get(role) or _TIME[role] for role in roles]
        con = enc.database.cursor()
        try:
            # sorted here, not by DuckDB: without insertion order kept, its parallel result
            # batches may come back out of order
            table = con.sql(f"SELECT {', '.join(picked)}, f, r FROM ({self.events_sql()})").to_arrow_table()
        except Exception as exc:  # duckdb's own exception classes
            raise duckdb_error(self.source, "reading the log's events", exc, SPACE_FIX) from None
        finally:
            con.close()
        order = np.lexsort([table.column(c).to_numpy() for c in ("r", "f", "t_end", "case_id")])
        table = table.drop_columns(["f", "r"]).take(order)
        del order
        data: dict[str, Any] = {}
        for role, column in zip(roles, picked, strict=True):
            values = table.column(column)
            table = table.drop_columns([column])  # each column is freed once decoded
            if role in _TIME:
                stamps = pc.cast(values, pa.timestamp("us", tz="UTC")).to_pandas()
                data[ROLES[role]] = stamps.dt.tz_convert(self.timezone).astype(f"datetime64[ns, {self.timezone}]")
                continue
            codes = pc.fill_null(values, -1).to_numpy().astype(np.int32, copy=False)
            data[ROLES[role]] = categorical_of_codes(codes, enc.dictionaries[role])
            del values, codes
        return pd.DataFrame(data)


def categorical_of_codes(codes: Any, names: Any) -> pd.Categorical:
    """Codes of a sorted dictionary (an int32 array, -1 where missing) as a categorical of the
    names they use, in the dictionary's order: as the in-memory reader makes a text column."""
    import numpy as np

    used = np.unique(codes[codes >= 0])
    categories = pd.Index([str(names[c]) for c in used], dtype="str")
    return pd.Categorical.from_codes(np.where(codes >= 0, np.searchsorted(used, codes), -1).astype(np.int32),
                                     categories=categories)


def read_dataset_frame(files: Sequence[str], hive: bool, source: str, notes: list[str] | None = None) -> pd.DataFrame:
    """Every row of the files, in file order, as a DataFrame (text read dictionary-encoded);
    nested columns are left out, with a note appended to ``notes``."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    if len(files) == 1 and not hive:
        from procsimp.read.parquet import read_parquet_frame

        frame, _ = read_parquet_frame(Path(files[0]), source, notes=notes)
        return frame
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    try:
        dataset = ds.dataset(list(files), format="parquet", partition_base_dir=root,
                             partitioning=ds.HivePartitioning.discover(infer_dictionary=True) if hive else None)
        table = dataset.to_table()
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        from procsimp.read.parquet import unreadable

        raise unreadable(source, "dataset", exc, "the files are damaged, not Parquet, or do not share one "
                         "schema: write them again") from None
    nested = [f for f in table.schema if pa.types.is_nested(f.type)]
    if nested and notes is not None:
        from procsimp.read.notes import nested_columns

        notes.append(nested_columns([f"{f.name!r} ({f.type})" for f in nested]))
    return table.drop_columns([f.name for f in nested]).to_pandas()


#: roles whose values belong to the dossier (filled from its first event that has one)
CASE_LEVEL = CASE_ROLES
