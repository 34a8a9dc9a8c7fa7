"""``anonymize`` for a log left on its Parquet files: written straight from the files, in batches.

:func:`procsimp.anonymize` with ``out`` on a log that stands on its Parquet files
(:mod:`procsimp.read.parquet_source`) never reads its events into pandas. DuckDB joins the log's
integer-coded events (the roles, as the out-of-core reader coded them: a dossier's service,
channel, outcome, receipt and due date are its first event's) to the files' other columns by
their position in the files, replaces the codes of the dossier ids and officers by their keyed
pseudonyms, and sorts the events as the in-memory reader does (dossier, completion time, position
in the files), spilling to disk beyond its memory limit. The rows come back a batch at a time and
are written to Parquet or CSV as :func:`procsimp.read.write_log` writes the log read into memory.

The pseudonyms are the in-memory ones (:func:`procsimp.read.privacy._pseudonym`: HMAC-SHA256 under
the key, per domain, prefix and length), computed by a vectorised Python function of the
connection on each distinct value once (the dictionaries of the codes, and the distinct values of
a hashed column), never per event. The other columns are read the way the in-memory reader reads
them (:func:`procsimp.read.frame._extra_column`): text NFC and stripped (a column of few distinct
values also without invisible characters, and empty as missing), naive times in the log's
timezone, whole numbers with gaps as floating point.
"""

from __future__ import annotations

import itertools
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from procsimp.core._atomic import atomic_path
from procsimp.core.log import ROLES, EventLog
from procsimp.errors import PrivacyError
from procsimp.read.personal import (
    KINDS,
    PSEUDONYMS,
    column_actions,
    hashed_domain,
    pseudonym,
    reasons,
    value_kinds,
)
from procsimp.read.sql_text import quote, sql_string

__all__ = ["StreamPlan", "stream_plan", "streamable", "write_anonymized"]

#: events a batch written at a time
BATCH_ROWS = 256 * 1024
#: the text roles as named in the encoded table (see :mod:`procsimp.read.parquet_source`)
_CODE = {"case": "case_id", "activity": "act", "resource": "res", "unit": "unit", "service": "svc",
         "channel": "channel", "outcome": "outcome"}
_TIME = {"timestamp": "t_end", "start": "t_start", "received": "t_recv", "due": "t_due"}
_names = itertools.count()


@dataclass(frozen=True)
class Extra:
    """An unmapped column of the files, as the in-memory reader would hold it."""

    #: its name in the log (NFC; ``name (unmapped)`` when a role's column has its name)
    name: str
    #: its name in the files
    column: str
    #: the DuckDB type in the files
    kind: str
    #: SQL of its value as the log holds it, over the alias ``x`` of the files' rows
    sql: str
    #: whether some row of the files has no value (a whole-number column is then floating point)
    gaps: bool
    #: whether the log holds it as text, times (in the log's timezone) or as it is
    holds: str


@dataclass(frozen=True)
class StreamPlan:
    """What a log left on its files is made of, for :func:`write_anonymized`: the database and
    the events' query, the role columns present, the unmapped columns, and the personal ones."""

    log: EventLog
    database: Any
    #: the events kept (codes and times) joined to the files' unmapped columns (``x{i}``)
    rows_sql: str
    roles: tuple[str, ...]
    extras: tuple[Extra, ...]
    #: ``{column: why}`` as :func:`procsimp.read.privacy.personal_columns` gives it
    found: dict[str, str]

    @property
    def columns(self) -> list[str]:
        """The log's columns, in its order: the roles' pm4py names, then the unmapped columns."""
        return [ROLES[role] for role in self.roles] + [extra.name for extra in self.extras]


def streamable(log: EventLog, out: Path) -> bool:
    """Whether ``log`` can be written to ``out`` straight from its files: a log left on local
    Parquet files, written to Parquet or CSV, whose unmapped columns hold text, numbers, booleans,
    dates or times (XES, and columns of other types such as bytes, are written from the log read
    into memory)."""
    from procsimp.read.write import _format_of

    if not log.out_of_core:
        return False
    try:
        fmt = _format_of(out, None)
    except Exception:  # noqa: BLE001 - write_log gives the error for the name
        return False
    src = log.parquet
    used = set(src.columns.values())
    return (fmt in ("csv", "parquet") and all(os.path.isfile(f) for f in src.files)
            and all(_plain(kind) for column, kind in src.types.items() if column not in used))


def _database() -> Any:
    from procsimp.read.parquet_source import shared_database

    return shared_database()


def _query(con: Any, source: str, sql: str, what: str = "reading the log") -> list[tuple[Any, ...]]:
    from procsimp.read.parquet_source import SPACE_FIX, duckdb_error

    try:
        return con.execute(sql).fetchall()
    except Exception as exc:  # duckdb's own exception classes
        _reraise(exc)
        raise duckdb_error(source, what, exc, SPACE_FIX) from None


def _reraise(exc: Exception) -> None:
    """Raise again what is not DuckDB failing on the log: procsimp's own errors, a file that
    cannot be written (a Ctrl-C is raised as ``KeyboardInterrupt`` by ``duckdb_error``)."""
    if isinstance(exc, (PrivacyError, OSError)):
        raise exc


def _nested(kind: str) -> bool:
    upper = kind.upper()
    return upper.endswith("]") or upper.startswith(("STRUCT", "MAP", "UNION"))


def stream_plan(log: EventLog) -> StreamPlan:
    """The plan of a log left on its files: its columns as the in-memory reader makes them, and
    its personal columns, found from the distinct values of each unmapped column (in batches)."""
    from procsimp.read.parquet_source import _WHITESPACE, ParquetSource

    src = log.parquet
    database = _database()
    enc = src.encoded(database)
    roles = tuple(role for role in ROLES if role in src.columns)
    used = set(src.columns.values())
    taken = {ROLES[role] for role in roles}
    wanted = [(c, k) for c, k in src.types.items() if c not in used and not _nested(k)]
    con = database.cursor()
    try:
        stats = _query(con, src.source, "SELECT count(*)" + "".join(
            f", count({quote(c)}), " + (f"count(DISTINCT {quote(c)})" if _texty(k) else "0")
            for c, k in wanted) + f" FROM {src.scan()}")[0] if wanted else (0,)
        n = int(stats[0])
        extras = []
        for i, (column, kind) in enumerate(wanted):
            present, distinct = int(stats[1 + 2 * i]), int(stats[2 + 2 * i] or 0)
            name = unicodedata.normalize("NFC", column)
            name = f"{name} (unmapped)" if name in taken else name
            x = f"x.x{i}"
            upper = kind.upper()
            text = _as_text(x, kind, gaps=present < n)
            if text is not None:  # pandas holds it as text (objects become their str())
                if n == 0 or distinct <= max(1, 0.5 * n):  # a categorical, as the in-memory reader
                    sql = ParquetSource.column_text_sql(f"x{i}").replace(quote(f"x{i}"), f"({text})")
                else:  # many distinct values: strings, empty kept, invisible characters too
                    sql = f"trim(nfc_normalize(CAST(({text}) AS VARCHAR)), {sql_string(_WHITESPACE)})"
                holds = "text"
            elif "TIME ZONE" in upper or upper.startswith("TIMESTAMPTZ"):
                sql, holds = f"CAST({x} AS TIMESTAMPTZ)", "times"
            elif upper.startswith("TIMESTAMP"):
                sql, holds = f"timezone({sql_string(log.timezone)}, CAST({x} AS TIMESTAMP))", "times"
            elif present < n and upper in _WHOLE:
                sql, holds = f"CAST({x} AS DOUBLE)", "numbers"  # pandas holds them as floats
            else:
                sql, holds = x, ("as is" if upper == "BOOLEAN" else "numbers")
            extras.append(Extra(name=name, column=column, kind=kind, sql=sql, gaps=present < n, holds=holds))
        events = src.events_sql(database)
        if extras:
            picked = ", ".join(f"{quote(e.column)} AS x{i}" for i, e in enumerate(extras))
            rows_sql = (f"SELECT e.*, {', '.join(f'x.x{i}' for i in range(len(extras)))} FROM ({events}) e JOIN "
                        f"(SELECT {picked}, {src.position_sql()} FROM {src.scan()}) x ON x.f = e.f AND x.r = e.r")
        else:
            rows_sql = events
        plan = StreamPlan(log=log, database=database, rows_sql=rows_sql, roles=roles, extras=tuple(extras), found={})
        found = _personal(con, plan)
    finally:
        con.close()
    del enc
    return StreamPlan(log=log, database=database, rows_sql=rows_sql, roles=roles, extras=tuple(extras), found=found)


_WHOLE = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT")
#: the types of the unmapped columns written straight from the files (others: from memory)
_PLAIN = (*_WHOLE, "FLOAT", "DOUBLE", "REAL", "BOOLEAN", "DATE", "VARCHAR")


def _texty(kind: str) -> bool:
    upper = kind.upper()
    return upper.startswith(("VARCHAR", "DECIMAL")) or upper in ("BOOLEAN", "DATE")


def _as_text(x: str, kind: str, *, gaps: bool) -> str | None:
    """SQL of the text pandas makes of a value of this DuckDB type (None: pandas does not hold it
    as text): text as it is; dates and decimals as their ``str()``; booleans too, when some row has
    none (pandas then holds them as objects)."""
    upper = kind.upper()
    if upper.startswith("VARCHAR"):
        return f"CAST({x} AS VARCHAR)"
    if upper == "DATE":
        return f"strftime({x}, '%Y-%m-%d')"
    if upper.startswith("DECIMAL"):
        return f"CAST({x} AS VARCHAR)"
    if upper == "BOOLEAN" and gaps:
        return f"CASE WHEN {x} THEN 'True' WHEN NOT {x} THEN 'False' END"
    return None


def _plain(kind: str) -> bool:
    """Whether an unmapped column of this type is written straight from the files."""
    upper = kind.upper()
    return _nested(kind) or upper in _PLAIN or upper.startswith(("VARCHAR", "DECIMAL", "TIMESTAMP"))


def _personal(con: Any, plan: StreamPlan) -> dict[str, str]:
    """``{column: why}`` for the unmapped columns that are personal data: by header, and by the
    kinds of values found in each column's distinct values (:func:`procsimp.read.personal.value_kinds`).
    The distinct values of every text and number column come from one pass over the events (a
    grouping set per column: each row holds one column's value, the others empty), in batches."""
    looked = [i for i, extra in enumerate(plan.extras) if extra.holds in ("text", "numbers")]
    kinds: dict[int, set[str]] = {i: set() for i in looked}
    if looked:
        values = ", ".join(f"{plan.extras[i].sql.replace('x.x', 'r.x')} AS v{i}" for i in looked)
        sets = ", ".join(f"(v{i})" for i in looked)
        sql = f"SELECT {', '.join(f'v{i}' for i in looked)} FROM (SELECT {values} FROM ({plan.rows_sql}) r) " \
              f"GROUP BY GROUPING SETS ({sets})"
        for batch in _batches(con, plan.log.parquet.source, sql, 64 * 1024):
            for k, i in enumerate(looked):
                column = batch.column(k).drop_null()
                if len(column) and len(kinds[i]) < (1 if plan.extras[i].holds == "numbers" else len(KINDS)):
                    kinds[i].update(value_kinds(column.to_pandas()))
    found = {}
    for i, extra in enumerate(plan.extras):
        why = reasons(extra.name, kinds.get(i, ()))
        if why:
            found[extra.name] = why
    return found


def _batches(con: Any, source: str, sql: str, rows: int | None = None) -> Iterator[pa.RecordBatch]:
    from procsimp.read.parquet_source import SPACE_FIX, duckdb_error

    try:
        reader = con.sql(sql).to_arrow_reader(rows or BATCH_ROWS)
        yield from reader
    except Exception as exc:  # duckdb's own exception classes (out of memory, disk full, bad file)
        _reraise(exc)
        raise duckdb_error(source, "reading the log's events", exc, SPACE_FIX) from None


# ---------------------------------------------------------------------------- pseudonyms
def _pseudonym_function(con: Any, key: bytes, domain: str, prefix: str, length: int, timezone: str) -> str:
    """Register on ``con`` a vectorised function giving the keyed pseudonym of each value (as the
    in-memory log holds it, as text); returns its name."""
    import duckdb
    import pandas as pd


    def pseudonyms(values: pa.Array) -> pa.Array:
        series = values.to_pandas()
        if isinstance(series.dtype, pd.DatetimeTZDtype):  # as pandas writes them: in the log's zone, ns
            series = series.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]")
        text = series.astype("string")
        return pa.array([None if pd.isna(v) else pseudonym(key, domain, str(v), prefix, length) for v in text],
                        type=pa.string())

    name = f"procsimp_pseudonym_{next(_names)}"
    con.create_function(name, pseudonyms, None, duckdb.sqltype("VARCHAR"), type="arrow",
                        null_handling="special", side_effects=False)
    return name


def _pseudonym_table(con: Any, plan: StreamPlan, values_sql: str, domain: tuple[str, str, int], key: bytes,
                     created: list[str]) -> str:
    """A table of the rows of ``values_sql`` (distinct values in its column ``v``) with ``p``, the
    pseudonym of each, made in DuckDB (it spills); two values with one pseudonym are refused, as in
    memory."""
    source = plan.log.parquet.source
    function = _pseudonym_function(con, key, *domain, plan.log.timezone)
    name = f"procsimp_anon{next(_names)}"
    _query(con, source, f"CREATE TEMP TABLE {name} AS SELECT *, {function}(v) AS p FROM ({values_sql})",
           "pseudonymising the log")
    created.append(name)
    (same,) = _query(con, source, f"SELECT count(*) - count(DISTINCT p) FROM {name}")[0]
    if same:  # pragma: no cover - 2^-64 per pair
        raise PrivacyError(f"two {domain[0]} values got the same pseudonym; use another key")
    return name


# ---------------------------------------------------------------------------- writing
def write_anonymized(log: EventLog, out: Path, *, key: bytes, personal: str,
                     drop: Iterable[str]) -> tuple[dict[str, tuple[str, str]], Path, int, int]:
    """Write the anonymised copy of ``log`` (left on its files) to ``out`` (Parquet or CSV),
    atomically and a batch of events at a time; returns the
    ``({column: (action, why)}, the path written, dossiers, events)``.

    DuckDB sorts the events' codes and times (and the unmapped columns kept); each batch's codes
    are then decoded here, by position in the dictionaries, the dossier ids and officers into
    their pseudonyms (computed once per distinct value)."""
    from procsimp.read.parquet_source import limit_memory
    from procsimp.read.write import _format_of

    plan = stream_plan(log)
    actions = column_actions(plan.columns, plan.found, personal=personal, drop=drop)
    src = log.parquet
    enc = src.encoded(plan.database)
    limit_memory(plan.database)
    decode: dict[str, pa.Array] = {}
    selected, joins = [], []
    for role in plan.roles:
        column = ROLES[role]
        if role in _TIME:
            selected.append(f"e.{_TIME[role]} AS {quote(column)}")
            continue
        names = enc.dictionaries[role]
        decode[column] = (_pseudonyms(names, key, *PSEUDONYMS[column]) if column in PSEUDONYMS
                          else pa.array(names, pa.string()))
        selected.append(f"e.{_CODE[role]} AS {quote(column)}")
    con = plan.database.cursor()
    created: list[str] = []
    try:
        for i, extra in enumerate(plan.extras):
            action = actions.get(extra.name, ("kept", ""))[0]
            expr = extra.sql.replace("x.x", "e.x")
            if action == "dropped":
                continue
            if action == "hashed":
                values = f"SELECT DISTINCT {expr.replace('e.x', 'r.x')} AS v FROM ({plan.rows_sql}) r"
                table = _pseudonym_table(con, plan, f"SELECT v FROM ({values}) WHERE v IS NOT NULL",
                                         hashed_domain(extra.name), key, created)
                joins.append(f"LEFT JOIN {table} h{i} ON h{i}.v = {expr}")
                selected.append(f"h{i}.p AS {quote(extra.name)}")
            else:
                selected.append(f"{expr} AS {quote(extra.name)}")
        sql = (f"SELECT {', '.join(selected)} FROM ({plan.rows_sql}) e {' '.join(joins)} "
               "ORDER BY e.case_id, e.t_end, e.f, e.r")
        times = [ROLES[role] for role in plan.roles if role in _TIME]
        path = _write(con, sql, log, plan, out, _format_of(out, None), decode, times)
    finally:
        for name in created:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        con.close()
    facts = src.facts()
    return actions, path, int(facts["cases"]), int(facts["events"])


def _pseudonyms(names: list[str], key: bytes, domain: str, prefix: str, length: int) -> pa.Array:
    """The pseudonym of each name of a dictionary, in its order (two names with one pseudonym
    are refused, as in memory)."""

    parts = [pa.array([pseudonym(key, domain, str(v), prefix, length) for v in names[i:i + 65536]], pa.string())
             for i in range(0, len(names), 65536)]
    values = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    if len(pc.unique(values)) != len(values):  # pragma: no cover - 2^-64 per pair
        raise PrivacyError(f"two {domain} values got the same pseudonym; use another key")
    return values


def _write(con: Any, sql: str, log: EventLog, plan: StreamPlan, out: Path, fmt: str,
           decode: dict[str, pa.Array], times: list[str]) -> Path:
    import json

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from procsimp.read.parquet import METADATA_KEY, log_metadata

    timezone = log.timezone
    source = log.parquet.source
    with atomic_path(out) as tmp:
        writer: Any = None
        sink: Any = None
        try:
            for batch in _batches(con, source, sql):
                batch = _decoded(batch, decode, times, timezone)
                if fmt == "parquet":
                    if writer is None:
                        meta = {METADATA_KEY: json.dumps(log_metadata(log.replace(warnings=())),
                                                         ensure_ascii=False).encode("utf-8")}
                        writer = pq.ParquetWriter(str(tmp), batch.schema.with_metadata(meta), compression="zstd")
                    writer.write_table(batch)
                else:
                    table = _csv_batch(batch)
                    if writer is None:
                        sink = (pa.CompressedOutputStream(str(tmp), "gzip") if out.name.lower().endswith(".gz")
                                else pa.OSFile(str(tmp), "wb"))
                        writer = pacsv.CSVWriter(sink, table.schema,
                                                 write_options=pacsv.WriteOptions(quoting_style="needed"))
                    writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
            if sink is not None:
                sink.close()
    return out


def _decoded(batch: pa.RecordBatch, decode: dict[str, pa.Array], times: list[str], timezone: str) -> pa.Table:
    """A batch as the in-memory log holds it: codes as their names (or pseudonyms), the roles'
    microseconds and the other columns' times as nanoseconds in the log's timezone."""
    columns = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name in decode:
            column = decode[name].take(column)
        elif name in times:
            column = column.cast(pa.timestamp("us", tz="UTC"))
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("ns", tz=timezone))
        columns.append(column)
    return pa.Table.from_arrays(columns, names=batch.schema.names)


def _csv_batch(table: pa.Table) -> pa.Table:
    """A batch as :func:`procsimp.read.write_log` writes the in-memory log to CSV."""
    from procsimp.read.write import csv_times, neutralise_formulas

    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = csv_times(column)
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = neutralise_formulas(column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.schema.names)
