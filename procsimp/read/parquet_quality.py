"""The data-quality warnings of a log left on its Parquet files, computed by DuckDB.

The in-memory reader (:func:`procsimp.read.frame.frame_to_log`) checks its events with numpy; a
:class:`~procsimp.read.parquet_source.ParquetSource` gets the same figures from a few aggregate
queries over the files and over the encoded ``events`` table, and words them with the same
functions (:mod:`procsimp.read.notes`), so that a log gives the same warnings, in the same order,
whichever way it is read. Only counts, the first few positions and a few sample values come back
to Python.

A position is the event's place in the files taken one after the other (the row number of the
DataFrame the in-memory reader would build), as the in-memory reader of a Parquet file says it.
Times are compared at the microsecond (the in-memory reader: nanosecond), so two times that
differ by less than a microsecond count as equal here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from procsimp.core.log import CASE_ROLES, TEXT_ROLES, TIME_ROLES
from procsimp.errors import LogValidationError
from procsimp.read import notes as _notes
from procsimp.read.parquet_source import _WHITESPACE, quote, sql_string, visible_sql

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.read.parquet_source import ParquetSource

__all__ = ["check_times", "source_warnings"]

_DAY_US = 86_400_000_000
#: positions named in a warning, as :class:`procsimp.read.frame.Rows` names them
_SHOWN = 5


def _position_sql(src: ParquetSource) -> str:
    """The SQL of an event's position: its row in the files taken one after the other."""
    import pyarrow.parquet as pq

    offsets, total = [], 0
    for f in src.files:
        offsets.append(total)
        total += pq.read_metadata(f).num_rows
    files = ", ".join(sql_string(f) for f in src.files)
    return f"([{', '.join(map(str, offsets))}][list_position([{files}], __procsimp_file)] + file_row_number)"


def _where(first: list[Any] | None, total: int) -> str:
    from procsimp.read.frame import Rows

    return Rows().listed([int(p) for p in (first or [])], total)


def _kept_sql(src: ParquetSource) -> str:
    """The condition that an event of the files can be placed (case, step, completion time)."""
    return (f"{src.text_sql('case')} IS NOT NULL AND {src.text_sql('activity')} IS NOT NULL "
            f"AND {src.raw_time_sql('timestamp')} IS NOT NULL")


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
            parts = []
            for role in roles:
                raw = src.raw_time_sql(role)
                bad = f"({raw} < {first} OR {raw} >= {last})"
                parts.append(f"count({raw}), count(*) FILTER (WHERE {bad}), "
                             f"list(pos ORDER BY pos) FILTER (WHERE {bad})[1:{_SHOWN}], "
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

    schema = pq.read_schema(src.files[0])
    nested = [f for f in schema if pa.types.is_nested(f.type)
              or (pa.types.is_dictionary(f.type) and pa.types.is_nested(f.type.value_type))]
    return [_notes.nested_columns([f"{f.name!r} ({f.type})" for f in nested])] if nested else []


def _invisible(src: ParquetSource) -> list[str]:
    """Text columns with values that hold invisible characters (removed on reading)."""
    from procsimp.read.frame import INVISIBLE, ascii_repr

    roles = [role for role in TEXT_ROLES if role in src.columns]
    if not roles:
        return []
    parts = []
    for role in roles:
        raw = f"CAST({quote(src.columns[role])} AS VARCHAR)"
        shown = f"trim(nfc_normalize({raw}), {sql_string(_WHITESPACE)})"
        hit = f"regexp_matches({shown}, {sql_string(f'[{INVISIBLE}]')})"
        parts.append(f"count(DISTINCT {raw}) FILTER (WHERE {hit}), arg_min({shown}, pos) FILTER (WHERE {hit})")
    row = src.query(f"SELECT {', '.join(parts)} FROM (SELECT *, {_position_sql(src)} AS pos FROM {src.scan()})")[0]
    out = []
    for i, role in enumerate(roles):
        count, example = row[2 * i: 2 * i + 2]
        if count:
            out.append(_notes.invisible(src.columns[role], role, int(count), ascii_repr(str(example))))
    return out


def _dropped(src: ParquetSource) -> list[str]:
    """Events left out for an empty case id, step or completion time, one warning per column."""
    lacks = {"case": f"{src.text_sql('case')} IS NULL", "activity": f"{src.text_sql('activity')} IS NULL",
             "timestamp": f"{src.raw_time_sql('timestamp')} IS NULL"}
    parts = [f"count(*) FILTER (WHERE {cond}), list(pos ORDER BY pos) FILTER (WHERE {cond})[1:{_SHOWN}]"
             for cond in lacks.values()]
    row = src.query(f"SELECT {', '.join(parts)} FROM (SELECT *, {_position_sql(src)} AS pos FROM {src.scan()})")[0]
    out = []
    for i, role in enumerate(lacks):
        count, positions = row[2 * i: 2 * i + 2]
        if count:
            out.append(_notes.dropped(int(count), role, src.columns[role], _where(positions, int(count))))
    return out


def _unsorted(src: ParquetSource, events: str) -> list[str]:
    """Dossiers whose events, in the order of the files, go back in time."""
    (n,) = src.query(f"""
SELECT count(DISTINCT case_id) FROM (
  SELECT case_id, t_end < lag(t_end) OVER (PARTITION BY case_id ORDER BY f, r) AS back FROM {events})
WHERE back""")[0]
    return [_notes.unsorted(int(n))] if n else []


def _case_values(src: ParquetSource) -> list[str]:
    """Dossier attributes other than the service with two values within a dossier."""
    roles = [role for role in CASE_ROLES if role in src.columns and role != "service"]
    if not roles:
        return []
    values = {role: src.text_sql(role) if role in TEXT_ROLES else src.time_sql(role) for role in roles}
    per_case = ", ".join(f"count(DISTINCT {value}) > 1 AS {role}" for role, value in values.items())
    overall = ", ".join(f"count(*) FILTER (WHERE {role}), min(c) FILTER (WHERE {role})" for role in roles)
    row = src.query(f"SELECT {overall} FROM (SELECT {src.text_sql('case')} AS c, {per_case} FROM {src.scan()} "
                    f"WHERE {_kept_sql(src)} GROUP BY c)")[0]
    out = []
    for i, role in enumerate(roles):
        count, case = row[2 * i: 2 * i + 2]
        if count:
            out.append(_notes.case_values_differ(src.columns[role], role, int(count), str(case)))
    return out


def _no_service(src: ParquetSource, events: str) -> list[str]:
    from procsimp.read.frame import NO_SERVICE

    enc = src.encoded()
    names = enc.dictionaries["service"]
    if not enc.has_service or NO_SERVICE not in names:
        return []
    (n,) = src.query(f"SELECT count(DISTINCT case_id) FROM {events} WHERE svc = {names.index(NO_SERVICE)}")[0]
    if n == 0:
        return []
    return [_notes.no_service(int(n), src.columns["service"], NO_SERVICE)]


def _compared(src: ParquetSource) -> list[str]:
    """The values that make two events the same event: every column as read (text normalised, a
    dossier's attributes the same for all its events, so left out), nested columns aside."""
    mapped = {column: role for role, column in src.columns.items()}
    out = [src.text_sql(role) for role in ("case", "activity", "resource", "unit") if role in src.columns]
    out += [src.time_sql(role) for role in ("timestamp", "start") if role in src.columns]
    for column, kind in src.types.items():
        if column in mapped or kind.upper().startswith(("STRUCT", "MAP", "UNION")) or kind.endswith("]"):
            continue
        value = quote(column)
        if kind.upper() == "VARCHAR":
            value = f"nullif(trim({visible_sql(f'nfc_normalize({value})')}, {sql_string(_WHITESPACE)}), '')"
        out.append(value)
    return out


def _duplicates(src: ParquetSource, events: int) -> list[str]:
    """Events equal in every column to an earlier event of the files."""
    compared = ", ".join(_compared(src))
    count, positions = src.query(f"""
SELECT count(*), list(pos ORDER BY pos)[1:{_SHOWN}] FROM (
  SELECT pos, row_number() OVER (PARTITION BY {compared} ORDER BY pos) AS k
  FROM (SELECT *, {_position_sql(src)} AS pos FROM {src.scan()} WHERE {_kept_sql(src)}))
WHERE k > 1""")[0]
    return [_notes.duplicates(int(count), events, _where(positions, int(count)))] if count else []


def _quality(src: ParquetSource, events: str) -> list[str]:
    """Duplicates, single-event dossiers, ties and day-resolution times, missing officers."""
    tz = sql_string(src.timezone)
    local = f"epoch_us(timezone({tz}, to_timestamp(0) + to_microseconds(t_end)))"
    n, cases, single, distinct_times, midnight, no_officer = src.query(f"""
SELECT sum(n), count(*), count(*) FILTER (WHERE n = 1), sum(times), sum(midnight), sum(no_officer) FROM (
  SELECT count(*) AS n, count(DISTINCT t_end) AS times, count(*) FILTER (WHERE {local} % {_DAY_US} = 0) AS midnight,
    count(*) FILTER (WHERE res IS NULL) AS no_officer
  FROM {events} GROUP BY case_id)""")[0]
    n, cases = int(n), int(cases)
    officers = src.columns.get("resource")
    notes = [
        _notes.single_events(int(single), cases),
        _notes.ties(int(midnight) / n, n - int(distinct_times), n - cases),
        _notes.missing_officers(int(no_officer) / n, officers),
    ]
    return _duplicates(src, n) + [note for note in notes if note]


def source_warnings(src: ParquetSource) -> list[str]:
    """Every data-quality warning of the in-memory reader, for the whole log of ``src``."""
    events = src.encoded().name
    bad = _bad_times(src)
    times = [_notes.bad_times(src.columns[role], role, n_bad, [_shown_time(v, src.timezone) for v in values],
                              _where(positions, n_bad))
             for role, (_, n_bad, positions, values) in bad.items() if n_bad]
    return [*_nested(src), *_invisible(src), *times, *_dropped(src), *_unsorted(src, events),
            *_case_values(src), *_no_service(src, events), *_quality(src, events)]
