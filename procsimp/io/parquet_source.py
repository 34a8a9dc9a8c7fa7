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

from procsimp.config import STORAGES
from procsimp.errors import LogReadError, LogValidationError
from procsimp.log import CASE_ROLES, ROLES, TEXT_ROLES, TIME_ROLES

__all__ = [
    "ParquetSource",
    "STORAGES",
    "choose_storage",
    "connection",
    "dataset_files",
    "out_of_core_reason",
    "sql_string",
]

#: in-memory size of one event, measured (about 0.37 GB per million events held in pandas)
BYTES_PER_EVENT = 370
#: below this many events the in-memory path is faster (DuckDB's setup costs more than it saves)
MIN_OUT_OF_CORE_EVENTS = 2_000_000

# Unicode White_Space, as pyarrow's utf8_trim_whitespace strips it
_WHITESPACE = "".join(map(chr, [9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                                0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))
_TIME_TYPES = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S",
               "TIMESTAMPTZ", "TIMESTAMPTZ_NS", "DATE")


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def quote(name: str) -> str:
    """A SQL identifier for a column name (any characters)."""
    return '"' + str(name).replace('"', '""') + '"'


# ---------------------------------------------------------------------------- DuckDB
_LOCK = threading.Lock()
_DB: Any = None


def connection() -> Any:
    """A cursor on procsimp's own in-process DuckDB database for reading Parquet logs (its temporary
    files go to a private folder of the system's temporary directory, never the working one)."""
    global _DB
    with _LOCK:
        if _DB is None:
            _DB = new_database()
        return _DB.cursor()


def new_database(*, threads: int | None = None, memory_limit: str | None = None) -> Any:
    """An in-memory DuckDB database that spills to a private temporary folder."""
    import atexit
    import shutil
    import tempfile

    import duckdb

    db = duckdb.connect(":memory:")
    folder = tempfile.mkdtemp(prefix="procsimp-duckdb-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
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
        first = str(exc).strip().splitlines()
        raise LogReadError(
            f"{source}: not a readable Parquet dataset ({first[0] if first else type(exc).__name__}); the files "
            "are damaged, not Parquet, or do not share one schema: write them again"
        ) from None
    finally:
        con.close()
    return {str(name): str(kind) for name, kind, *_ in rows if name not in ("__procsimp_file", "file_row_number")}


def row_count(files: Sequence[str]) -> int:
    """Rows in the files, from their Parquet footers (nothing else is read)."""
    import pyarrow.parquet as pq

    return int(sum(pq.read_metadata(f).num_rows for f in files))


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
    of the memory available now, or when it has 2 million events or more (from there DuckDB's
    out-of-core path is also the faster one); smaller logs are read into memory.
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
    if rows >= MIN_OUT_OF_CORE_EVENTS:
        return "parquet", f"{rows:,} events, {MIN_OUT_OF_CORE_EVENTS / 1e6:g} million or more"
    return "memory", f"{rows:,} events, fewer than {MIN_OUT_OF_CORE_EVENTS / 1e6:g} million"


# ---------------------------------------------------------------------------- the source
@dataclass(frozen=True, eq=False)
class ParquetSource:
    """Where an out-of-core log's events are: the files, how their columns map to roles, and the
    services kept (None: all). The SQL it gives reads the files each time; nothing is cached but
    the few facts of :meth:`facts`."""

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
    _facts: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ SQL
    def scan(self) -> str:
        return _scan(self.files, self.hive)

    def text_sql(self, role: str) -> str:
        """The normalised text of a role's column (NFC, stripped, '' as NULL), or NULL."""
        column = self.columns.get(role)
        if column is None:
            return "CAST(NULL AS VARCHAR)"
        value = f"CAST({quote(column)} AS VARCHAR)"
        return f"nullif(trim(nfc_normalize({value}), {sql_string(_WHITESPACE)}), '')"

    def time_sql(self, role: str) -> str:
        """A role's times as BIGINT microseconds since the epoch (UTC), or NULL."""
        column = self.columns.get(role)
        if column is None:
            return "CAST(NULL AS BIGINT)"
        kind = self.types.get(column, "").upper()
        c = quote(column)
        tz = sql_string(self.timezone)
        if kind == "DATE":
            # a date: local midnight; a due date, the end of that day
            day = f"timezone({tz}, CAST({c} AS TIMESTAMP))"
            if role == "due":
                return (f"epoch_us(timezone({tz}, CAST({c} AS TIMESTAMP) + INTERVAL 1 DAY)) - 1")
            return f"epoch_us({day})"
        if "TIME ZONE" in kind or kind.startswith("TIMESTAMPTZ"):
            return f"epoch_us(CAST({c} AS TIMESTAMPTZ))"
        return f"epoch_us(timezone({tz}, CAST({c} AS TIMESTAMP)))"

    def rows_sql(self) -> str:
        """One row per event that can be placed (case, step and completion time present): the
        normalised text of each role, the times, and the position in the files (``f``, ``r``)."""
        parts = [f"{self.text_sql(role)} AS {quote(role)}" for role in TEXT_ROLES]
        parts += [f"{self.time_sql(role)} AS t_{role}" for role in TIME_ROLES]
        files = ", ".join(sql_string(f) for f in self.files)
        parts.append(f"list_position([{files}], __procsimp_file) AS f")
        parts.append("file_row_number AS r")
        inner = f"SELECT {', '.join(parts)} FROM {self.scan()}"
        where = "\"case\" IS NOT NULL AND activity IS NOT NULL AND t_timestamp IS NOT NULL"
        return f"SELECT * FROM ({inner}) WHERE {where}"

    def filtered_sql(self) -> str:
        """:meth:`rows_sql` narrowed to the services kept (a dossier's service is that of its first
        event that names one)."""
        rows = self.rows_sql()
        if self.services is None:
            return rows
        wanted = ", ".join(sql_string(s) for s in self.services)
        service = self._service_of_case()
        return (f"SELECT e.* FROM ({rows}) e JOIN ({service}) s ON e.\"case\" = s.\"case\" "
                f"WHERE s.service IN ({wanted})")

    def _service_of_case(self) -> str:
        from procsimp.io.frame import NO_SERVICE

        return (f"SELECT \"case\", coalesce(arg_min(service, (t_timestamp, f, r)) FILTER (WHERE service IS NOT NULL), "
                f"{sql_string(NO_SERVICE)}) AS service FROM ({self.rows_sql()}) GROUP BY \"case\"")

    # ------------------------------------------------------------------ facts
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        con = connection()
        try:
            return con.execute(sql, list(params)).fetchall()
        except Exception as exc:  # duckdb's own exception classes
            first = str(exc).strip().splitlines()
            raise LogReadError(
                f"{self.source}: reading the Parquet files failed ({first[0] if first else type(exc).__name__}); "
                "check that the files are complete and readable"
            ) from None
        finally:
            con.close()

    def facts(self) -> dict[str, Any]:
        """Events, dossiers, steps, services, present roles and time span, computed once (one
        DuckDB pass over the files; only these figures come back)."""
        if self._facts:
            return self._facts
        rows = f"({self.filtered_sql()})"
        present = ", ".join(
            f"count({quote(role) if role in TEXT_ROLES else 't_' + role}) AS has_{role}" for role in ROLES
        )
        first = "least(min(t_timestamp), min(t_start))" if "start" in self.columns else "min(t_timestamp)"
        head = self.query(
            f"SELECT count(*), count(DISTINCT \"case\"), count(DISTINCT activity), {first}, max(t_timestamp), "
            f"{present} FROM {rows}"
        )[0]
        n, cases, acts, t0, t1, *has = head
        facts: dict[str, Any] = {
            "events": int(n), "cases": int(cases), "n_activities": int(acts),
            "first": t0, "last": t1,
            "has": {role: bool(h) for role, h in zip(ROLES, has, strict=True)},
        }
        if facts["has"]["service"]:
            from procsimp.io.frame import NO_SERVICE

            services = [str(s) for (s,) in self.query(
                f"SELECT DISTINCT coalesce(service, {sql_string(NO_SERVICE)}) FROM ({self._service_of_case()})"
            )]
            if self.services is not None:
                services = [s for s in services if s in self.services]
            facts["services"] = sorted(services)
        else:
            facts["services"] = []
        self._facts.update(facts)
        return self._facts

    def activities(self) -> list[str]:
        """Step names in order of first appearance in the case-sorted log."""
        if "activities" not in self._facts:
            order = self.query(
                f"SELECT activity FROM ({self.filtered_sql()}) GROUP BY activity ORDER BY min((\"case\", t_timestamp, f, r))"
            )
            self._facts["activities"] = [str(a) for (a,) in order]
        return list(self._facts["activities"])

    def distinct(self, role: str) -> list[str]:
        """The distinct values of a text role (sorted; dossier roles as the dossiers' first values)."""
        key = f"distinct_{role}"
        if key not in self._facts:
            if role not in self.columns:
                values: list[str] = []
            elif role in CASE_ROLES:
                from procsimp.io.frame import NO_SERVICE

                fill = sql_string(NO_SERVICE) if role == "service" else "NULL"
                values = [str(v) for (v,) in self.query(
                    f"SELECT DISTINCT v FROM (SELECT coalesce(arg_min({quote(role)}, (t_timestamp, f, r)) FILTER "
                    f"(WHERE {quote(role)} IS NOT NULL), {fill}) AS v FROM ({self.filtered_sql()}) GROUP BY \"case\") "
                    "WHERE v IS NOT NULL")]
            else:
                values = [str(v) for (v,) in self.query(
                    f"SELECT DISTINCT {quote(role)} FROM ({self.filtered_sql()}) WHERE {quote(role)} IS NOT NULL")]
            self._facts[key] = sorted(values)
        return list(self._facts[key])

    def minutes_of_day(self, role: str, timezone: str) -> tuple[Any, Any]:
        """(distinct local minutes of day, how many times fall on each) of a time role, to the
        second, as :func:`procsimp.office_hours` counts them; empty arrays without the role."""
        import numpy as np

        if role not in self.columns:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        local = f"timezone({sql_string(timezone)}, timezone('UTC', make_timestamp(t_{role})))"
        rows = self.query(
            f"SELECT hour(x) * 60 + minute(x) AS hm, second(x) AS s, count(*) FROM (SELECT {local} AS x FROM "
            f"({self.filtered_sql()}) WHERE t_{role} IS NOT NULL) GROUP BY hm, s ORDER BY hm, s"
        )
        if not rows:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        hm, sec, n = (np.array(c) for c in zip(*rows, strict=True))
        return hm.astype(float) + sec.astype(float) / 60.0, n.astype(np.int64)

    def head(self, n: int = 10) -> pd.DataFrame:
        """The first ``n`` rows of the files (mapped columns only), for display."""
        con = connection()
        try:
            cols = ", ".join(f"{quote(c)} AS {quote(ROLES[r])}" for r, c in self.columns.items())
            return con.execute(f"SELECT {cols} FROM {self.scan()} LIMIT {int(n)}").df()
        finally:
            con.close()

    def for_services(self, services: Sequence[str]) -> ParquetSource:
        """The same files, keeping the dossiers of ``services`` only."""
        from dataclasses import replace

        return replace(self, services=tuple(services), _facts={})

    def check(self) -> None:
        """Raise what the in-memory reader raises for rules that make the log unusable: no event
        that can be placed, a dossier in two services, an end before its start."""
        facts = self.facts()
        if facts["events"] == 0:
            raise LogValidationError(
                f"{self.source}: no event has a case id, a step and a time (columns "
                f"{self.columns['case']!r}, {self.columns['activity']!r}, {self.columns['timestamp']!r} are "
                "empty); check the mapping printed above"
            )
        rows = f"({self.rows_sql()})"
        if "service" in self.columns:
            bad = self.query(
                f"SELECT \"case\", list(DISTINCT service) FROM {rows} WHERE service IS NOT NULL "
                "GROUP BY \"case\" HAVING count(DISTINCT service) > 1 LIMIT 1"
            )
            if bad:
                case, names = bad[0]
                raise LogValidationError(
                    f"{self.source}: a dossier has more than one service (column {self.columns['service']!r}), "
                    f"e.g. case {case!r}: {', '.join(repr(str(x)) for x in sorted(names)[:3])}; a dossier belongs "
                    "to one procedure: fix those rows, or map another column with --service-column"
                )
        if "start" in self.columns:
            bad = self.query(f"SELECT count(*) FROM {rows} WHERE t_start > t_timestamp")
            if bad and bad[0][0]:
                s, e = self.columns["start"], self.columns["timestamp"]
                raise LogValidationError(
                    f"{self.source}: {bad[0][0]} event(s) end before they start ({s!r} after {e!r}); correct "
                    "those times, or swap the columns with --start/--timestamp if they are mapped the wrong way round"
                )

    def warnings(self) -> list[str]:
        """The notes the in-memory reader would give about events left out and dossiers without a
        service (the other data-quality warnings need every event in memory)."""
        notes: list[str] = []
        rows = f"({self.rows_sql()})"
        dropped = self.rows - self.facts()["events"] if self.services is None else 0
        if dropped > 0:
            notes.append(f"dropped {dropped} event(s) with no case id, no step name or no completion time")
        if "service" in self.columns and self.services is None:
            from procsimp.io.frame import NO_SERVICE

            (n,) = self.query(
                f"SELECT count(*) FROM (SELECT \"case\" FROM {rows} GROUP BY \"case\" HAVING count(service) = 0)"
            )[0]
            if n and n < self.facts()["cases"]:
                notes.append(
                    f"{n} dossier(s) have no value in column {self.columns['service']!r} (service); they are analysed "
                    f"together as the service {NO_SERVICE!r}: fill the column at the source to put each in its procedure"
                )
        return notes

    # ------------------------------------------------------------------ materialising
    def frame(self) -> pd.DataFrame:
        """Every event as the in-memory reader makes it (all columns, normalised and sorted): the
        DataFrame of the log. This reads the whole dataset into memory."""
        from procsimp.io.frame import Rows, frame_to_log
        from procsimp.log import SERVICE

        raw = read_dataset_frame(self.files, self.hive, self.source)
        log = frame_to_log(raw, dict(self.columns), timezone=self.timezone, source=self.source, rows=Rows(),
                           detect=False)
        df = log.df
        if self.services is not None:
            mask = df[SERVICE].isin(list(self.services))
            df = df.loc[mask].reset_index(drop=True)
            for col in df.columns:
                if isinstance(df[col].dtype, pd.CategoricalDtype):
                    df[col] = df[col].cat.remove_unused_categories()
        return df


def read_dataset_frame(files: Sequence[str], hive: bool, source: str) -> pd.DataFrame:
    """Every row of the files, in file order, as a DataFrame (text read dictionary-encoded)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    if len(files) == 1 and not hive:
        from procsimp.io.parquet import read_parquet_frame

        frame, _ = read_parquet_frame(Path(files[0]), source)
        return frame
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    try:
        dataset = ds.dataset(list(files), format="parquet", partition_base_dir=root,
                             partitioning=ds.HivePartitioning.discover(infer_dictionary=True) if hive else None)
        table = dataset.to_table()
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        text = str(exc).strip().splitlines()
        raise LogReadError(
            f"{source}: not a readable Parquet dataset ({text[0] if text else type(exc).__name__}); the files are "
            "damaged, not Parquet, or do not share one schema: write them again"
        ) from None
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    return table.drop_columns(nested).to_pandas()


#: roles whose values belong to the dossier (filled from its first event that has one)
CASE_LEVEL = CASE_ROLES
