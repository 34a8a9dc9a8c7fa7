"""The data-quality warnings of a log left on its Parquet files, computed where the files are read.

The in-memory reader (:func:`procsimp.read.frame.frame_to_log`) checks its events with numpy; a
:class:`~procsimp.read.parquet_source.ParquetSource` gets the same figures with as few passes over
the events as it can, and words them with the same functions (:mod:`procsimp.read.notes`), so that
a log gives the same warnings, in the same order, whichever way it is read:

* the encoding of the files (:meth:`ParquetSource.encoded
  <procsimp.read.parquet_source.ParquetSource.encoded>`), which reads them once, also counts the
  events it leaves out and finds the values with invisible characters (among the distinct values);
* one query over the encoded ``events`` table, one sort of each dossier's events, gives the
  dossiers, the single-event ones, ties, dossiers not in time order, times at midnight (one
  addition when the timezone keeps one offset over the log's span, as the in-memory reader
  does), events without an officer and dossiers without a service;
* the files are read again only to show a flaw found (its first positions, an example), and the
  duplicates are looked for only when some events share their dossier and time.

Only counts, the first few positions and a few sample values come back to Python.

A position is the event's place in the files taken one after the other (the row number of the
DataFrame the in-memory reader would build), as the in-memory reader of a Parquet file says it.
Times are compared at the microsecond (the in-memory reader: nanosecond), so two times that
differ by less than a microsecond count as equal here.

The queries are written once, in DuckDB's SQL, and run on the database that reads the files:
procsimp's DuckDB, or with the Spark engine the Spark session (translated by
:mod:`procsimp.engine.spark`), so Spark computes every check itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from procsimp.core.log import CASE_ROLES, TEXT_ROLES, TIME_ROLES
from procsimp.errors import LogValidationError
from procsimp.read import notes as _notes
from procsimp.read.parquet_source import _WHITESPACE, SHOWN, quote, sql_string, visible_sql

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.read.parquet_source import ParquetSource

__all__ = ["check_times", "source_warnings"]

_DAY_US = 86_400_000_000


def _offsets_sql(src: ParquetSource) -> str:
    """A SQL list: the position of the first row of each file (the files one after the other)."""
    return f"[{', '.join(map(str, src.offsets()))}]"


def _position_sql(src: ParquetSource) -> str:
    """The SQL of an event's position: its row in the files taken one after the other."""
    files = ", ".join(sql_string(f) for f in src.files)
    return f"({_offsets_sql(src)}[list_position([{files}], __procsimp_file)] + file_row_number)"


def _where(first: list[Any] | None, total: int) -> str:
    from procsimp.read.frame import Rows

    return Rows().listed([int(p) for p in (first or [])], total)


def _raw(src: ParquetSource, role: str) -> str:
    return f"CAST({quote(src.columns[role])} AS VARCHAR)"


def _shown_time(micros: int, timezone: str) -> str:
    """A time as the in-memory reader shows it (``2250-01-01 23:59:59.999999+07:00``)."""
    return str(pd.Timestamp(int(micros), unit="us", tz="UTC").tz_convert(timezone))


# ---------------------------------------------------------------------------- times
def _bad_times(src: ParquetSource) -> dict[str, tuple[int, int, list[Any], list[Any]]]:
    """role -> (values present, values outside the plausible years, the first positions of those,
    their first values in microseconds), for every mapped time role; computed once."""
    key = "bad_times"
    if key not in src._facts:
        roles = [role for role in TIME_ROLES if role in src.columns]
        found: dict[str, tuple[int, int, list[Any], list[Any]]] = {}
        if roles:
            from procsimp.read.parquet_source import plausible_us

            first, last = plausible_us(src.timezone)
            # the reading of times keeps their order: the extremes of the column tell
            def extreme(role: str, how: str) -> str:
                column = quote(src.columns[role])
                return src.raw_time_sql(role).replace(column, f"{how}({column})")

            bounds = ", ".join(f"count({quote(src.columns[r])}), {extreme(r, 'min')}, {extreme(r, 'max')}"
                               for r in roles)
            row = src.query(f"SELECT {bounds} FROM {src.scan()}")[0]
            # (a day of margin: around a daylight-saving change local times are not in order)
            inside: dict[str, tuple[int, int, list[Any], list[Any]]] = {
                r: (int(row[3 * i]), 0, [], []) for i, r in enumerate(roles)
                if row[3 * i] == 0 or (row[3 * i + 1] >= first + _DAY_US and row[3 * i + 2] < last - _DAY_US)}
            found.update(inside)
            roles = [r for r in roles if r not in inside]
        if roles:
            parts = []
            for role in roles:
                raw = src.raw_time_sql(role)
                bad = f"({raw} < {first} OR {raw} >= {last})"
                parts.append(f"count({raw}), count(*) FILTER (WHERE {bad}), "
                             f"list(pos ORDER BY pos) FILTER (WHERE {bad})[1:{SHOWN}], "
                             f"list({raw} ORDER BY pos) FILTER (WHERE {bad})[1:3]")
            row = src.query(f"SELECT {', '.join(parts)} FROM (SELECT *, {_position_sql(src)} AS pos "
                            f"FROM {src.scan()})")[0]
            for i, role in enumerate(roles):
                present, n_bad, positions, values = row[4 * i: 4 * i + 4]
                found[role] = (int(present), int(n_bad), list(positions or []), list(values or []))
        src._facts[key] = found
    return dict(src._facts[key])


def check_times(src: ParquetSource) -> None:
    """Raise what the in-memory reader raises for times outside the plausible years: any in the
    completion or start column, or every value of another time column."""
    from procsimp.read.mapping import option_for
    from procsimp.read.times import ACCEPTED_FORMATS, NS_MAX_YEAR, NS_MIN_YEAR

    for role, (present, n_bad, positions, values) in _bad_times(src).items():
        if n_bad and (role in ("timestamp", "start") or n_bad >= present):
            raise LogValidationError(_notes.bad_times_error(
                src.source, src.columns[role], role, n_bad, [_shown_time(v, src.timezone) for v in values],
                _where(positions, n_bad), f"{ACCEPTED_FORMATS} (years {NS_MIN_YEAR}-{NS_MAX_YEAR})",
                option_for(role)))


# ---------------------------------------------------------------------------- warnings
def _nested(src: ParquetSource) -> list[str]:
    """Columns of nested values, which the in-memory reader leaves out."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "://" in src.files[0]:  # at a URI, read by Spark: the types it found
        found = [(name, str(kind)) for name, kind in src.types.items()
                 if str(kind).split("<")[0].split("(")[0].strip().upper() in ("ARRAY", "STRUCT", "MAP")]
        return [_notes.nested_columns([f"{name!r} ({kind})" for name, kind in found])] if found else []
    schema = pq.read_schema(src.files[0])
    nested = [f for f in schema if pa.types.is_nested(f.type)
              or (pa.types.is_dictionary(f.type) and pa.types.is_nested(f.type.value_type))]
    return [_notes.nested_columns([f"{f.name!r} ({f.type})" for f in nested])] if nested else []


def _invisible(src: ParquetSource) -> list[str]:
    """Text columns with values that hold invisible characters (removed on reading): the values
    were found among each column's distinct values when the files were encoded; the files are
    read again only for the first event that has one."""
    from procsimp.read.frame import ascii_repr

    out = []
    found = src.encoded().invisible
    for role in (role for role in TEXT_ROLES if found.get(role)):
        raw = _raw(src, role)
        hits = found[role]
        listed = ", ".join(sql_string(v) for v in hits)
        (example,) = src.query(f"SELECT arg_min(trim(nfc_normalize({raw}), {sql_string(_WHITESPACE)}), pos) FROM "
                               f"(SELECT *, {_position_sql(src)} AS pos FROM {src.scan()} WHERE {raw} IN ({listed}))")[0]
        out.append(_notes.invisible(src.columns[role], role, len(hits), ascii_repr(str(example))))
    return out


def _dropped(src: ParquetSource) -> list[str]:
    """Events left out for an empty case id, step or completion time, one warning per column
    (counted when the files were encoded)."""
    dropped = src.encoded().dropped
    return [_notes.dropped(count, role, src.columns[role], _where(list(positions), count))
            for role in ("case", "activity", "timestamp") if role in dropped
            for count, positions in [dropped[role]]]


def _case_values(src: ParquetSource) -> list[str]:
    """Dossier attributes other than the service with two values within a dossier (counted when
    the files are encoded, on the codes of the normalised values)."""
    differ = src.encoded().differ
    return [_notes.case_values_differ(src.columns[role], role, *differ[role])
            for role in CASE_ROLES if role in differ and role in src.columns]


def _midnight_sql(src: ParquetSource) -> str:
    """The condition that an event's completion time is at local midnight: one addition when the
    timezone's offset is the same over the log's span (as the in-memory reader finds it,
    :func:`procsimp.core._tz.constant_offset`), else a conversion of each time."""
    from procsimp.core._tz import constant_offset

    facts = src.facts()
    offset = None
    if facts["first"] is not None and facts["last"] is not None:
        # (checking the offset at every hour of the span is cheaper than converting every event)
        offset = constant_offset(int(facts["first"]), int(facts["last"]), "us", src.timezone,
                                 max_hours=max(facts["events"], 1))
    if offset is not None:
        return f"(t_end + {offset}) % {_DAY_US} = 0"
    local = f"epoch_us(timezone({sql_string(src.timezone)}, to_timestamp(0) + to_microseconds(t_end)))"
    return f"{local} % {_DAY_US} = 0"


def _figures(src: ParquetSource, events: str) -> dict[str, int]:
    """The figures of the quality warnings that read the encoded events, from one pass that sorts
    each dossier's events by time then position in the files (computed once): events, dossiers,
    single-event dossiers, events at the time of the event before them in their dossier (ties),
    dossiers whose events go back in time in the order of the files, events at midnight, events
    without an officer, dossiers without a service.

    A dossier's events go back in time in the files' order exactly when, sorted by time, one
    comes from a later place in the files than the next (so the one sort serves both)."""
    from procsimp.read.frame import NO_SERVICE

    key = "figures"
    if key not in src._facts:
        enc = src.encoded()
        names = enc.dictionaries["service"]
        no_service = (f"count(*) FILTER (WHERE first AND svc = {names.index(NO_SERVICE)})"
                      if enc.has_service and NO_SERVICE in names else "0")
        row = src.query(f"""
SELECT count(*), count(*) FILTER (WHERE first), count(*) FILTER (WHERE first AND last), count(*) FILTER (WHERE tie),
  count(DISTINCT CASE WHEN back THEN case_id END), count(*) FILTER (WHERE {_midnight_sql(src)}),
  count(*) FILTER (WHERE res IS NULL), {no_service}
FROM (
  SELECT case_id, res, svc, t_end, lag(t_end) OVER w IS NULL AS first, lead(t_end) OVER w IS NULL AS last,
    lag(t_end) OVER w = t_end AS tie, lag(f) OVER w > f OR (lag(f) OVER w = f AND lag(r) OVER w > r) AS back
  FROM {events} WINDOW w AS (PARTITION BY case_id ORDER BY t_end, f, r))""")[0]
        labels = ("events", "cases", "single", "ties", "unsorted", "midnight", "no_officer", "no_service")
        src._facts[key] = {label: int(value or 0) for label, value in zip(labels, row, strict=True)}
    return dict(src._facts[key])


def _unsorted(src: ParquetSource, events: str) -> list[str]:
    """Dossiers whose events, in the order of the files, go back in time."""
    n = _figures(src, events)["unsorted"]
    return [_notes.unsorted(n)] if n else []


def _no_service(src: ParquetSource, events: str) -> list[str]:
    from procsimp.read.frame import NO_SERVICE

    n = _figures(src, events)["no_service"]
    return [_notes.no_service(n, src.columns["service"], NO_SERVICE)] if n else []


def _unmapped(src: ParquetSource) -> list[str]:
    """The other columns, as compared (text normalised as the reader keeps it), nested aside."""
    mapped = set(src.columns.values())
    out = []
    for column, kind in src.types.items():
        if column in mapped or kind.upper().startswith(("STRUCT", "MAP", "UNION", "ARRAY")) or kind.endswith("]"):
            continue
        value = f"s.{quote(column)}"
        if kind.upper() == "VARCHAR":
            value = f"nullif(trim({visible_sql(f'nfc_normalize({value})')}, {sql_string(_WHITESPACE)}), '')"
        out.append(value)
    return out


def _duplicates(src: ParquetSource, events: str, n: int) -> list[str]:
    """Events equal in every column to an earlier event of the files: only events that share
    their dossier and time with another can be, so those are found first, on the encoded table
    (codes of the normalised values; a dossier's attributes are the same for all its events), and
    only they are compared on the other columns of the files."""
    candidates = (f"SELECT * FROM (SELECT *, count(*) OVER (PARTITION BY case_id, t_end) AS tied FROM {events}) "
                  "WHERE tied > 1")
    compared = ["e.case_id", "e.act", "e.res", "e.unit", "e.t_end", "e.t_start"]
    joined = f"({candidates}) e"
    others = _unmapped(src)
    if others:
        files = ", ".join(sql_string(f) for f in src.files)
        joined += (f" JOIN (SELECT *, list_position([{files}], __procsimp_file) AS f FROM {src.scan()}) s "
                   "ON s.f = e.f AND s.file_row_number = e.r")
        compared += others
    offsets = _offsets_sql(src)
    count, positions = src.query(f"""
SELECT count(*), list(pos ORDER BY pos)[1:{SHOWN}] FROM (
  SELECT {offsets}[e.f] + e.r AS pos, row_number() OVER (PARTITION BY {', '.join(compared)} ORDER BY e.f, e.r) AS k
  FROM {joined})
WHERE k > 1""")[0]
    return [_notes.duplicates(int(count), n, _where(positions, int(count)))] if count else []


def _quality(src: ParquetSource, events: str) -> list[str]:
    """Duplicates, single-event dossiers, ties and day-resolution times, missing officers."""
    figures = _figures(src, events)
    n, cases = figures["events"], figures["cases"]
    officers = src.columns.get("resource")
    notes = [
        _notes.single_events(figures["single"], cases),
        _notes.ties(figures["midnight"] / n, figures["ties"], n - cases),
        _notes.missing_officers(figures["no_officer"] / n, officers),
    ]
    # (duplicates share their dossier and time: without ties there are none)
    duplicates = _duplicates(src, events, n) if figures["ties"] else []
    return duplicates + [note for note in notes if note]


def source_warnings(src: ParquetSource) -> list[str]:
    """Every data-quality warning of the in-memory reader, for the whole log of ``src``."""
    events = src.encoded().name
    bad = _bad_times(src)
    times = [_notes.bad_times(src.columns[role], role, n_bad, [_shown_time(v, src.timezone) for v in values],
                              _where(positions, n_bad))
             for role, (_, n_bad, positions, values) in bad.items() if n_bad]
    return [*_nested(src), *_invisible(src), *times, *_dropped(src), *_unsorted(src, events),
            *_case_values(src), *_no_service(src, events), *_quality(src, events)]
