"""The filters of :mod:`procsimp.engine.filters` for a log left on its Parquet files.

A log held in memory is narrowed by masks over its DataFrame. A log that stands on its files is
narrowed by a condition on its encoded events (:class:`procsimp.read.parquet_kept.Kept`), so it
stays out of core: each function here returns the :class:`Kept` of one filter, written as a query
over the events that filter sees (the placeholder :data:`~procsimp.read.parquet_kept.EVENTS`),
which the database that reads the log (DuckDB, or Spark) runs; only a few figures and names come
back to Python (the steps' dossier counts, the values found for ``--where``). The decisions are
those of the masks, figure for figure: a dossier's first and last events are its earliest and
latest completions (ties in file order), times are compared at the nanosecond, lead times in
seconds as floats.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from procsimp.core.log import ROLES, TEXT_ROLES, TIME_ROLES
from procsimp.errors import ParameterError
from procsimp.read.parquet_kept import EVENTS, Kept, codes_of
from procsimp.read.sql_text import sql_string

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from procsimp.core.log import EventLog
    from procsimp.engine.filters import LeadTime, WhereClause

__all__ = ["endpoint_kept", "frame_kept", "lead_time_kept", "step_kept", "where_kept"]

_ROLE_ALIASES = {"officer": "resource", "step": "activity", "dossier": "case", "service-column": "service"}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


#: the text roles as named in the encoded table
_CODE = {"case": "case_id", "activity": "act", "resource": "res", "unit": "unit", "service": "svc",
         "channel": "channel", "outcome": "outcome"}


def _cases(log: EventLog, select: str) -> Kept:
    """The dossiers of ``select`` (a query of ``case_id`` over :data:`EVENTS`), over the log's events."""
    return Kept(over=log.parquet, cases_sql=select)


def _us_bound(ns: int, op: str) -> str:
    """``x op ns`` for ``x`` microseconds and ``ns`` nanoseconds, as ``x op' bound`` in microseconds."""
    floor, ceil = ns // 1000, -(-ns // 1000)
    return {"<": f"< {ceil}", ">=": f">= {ceil}", "<=": f"<= {floor}", ">": f"> {floor}"}[op]


def frame_kept(log: EventLog, frame: str, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> Kept:
    """The dossiers within the time frame (see :func:`procsimp.engine.filters._frame_mask`)."""
    tests = []
    first, last = "min(t_end)", "max(t_end)"
    if frame == "contained":
        tests += [f"{first} {_us_bound(lo.value, '>=')}"] if lo is not None else []
        tests += [f"{last} {_us_bound(hi.value, '<=')}"] if hi is not None else []
    elif frame == "intersecting":
        tests += [f"{first} {_us_bound(hi.value, '<')}"] if hi is not None else []
        tests += [f"{last} {_us_bound(lo.value, '>')}"] if lo is not None else []
    else:
        point = first if frame == "started" else last
        tests += [f"{point} {_us_bound(lo.value, '>=')}"] if lo is not None else []
        tests += [f"{point} {_us_bound(hi.value, '<=')}"] if hi is not None else []
    having = " AND ".join(tests) or "TRUE"
    return _cases(log, f"SELECT case_id FROM {EVENTS} GROUP BY case_id HAVING {having}")


def where_role(log: EventLog, attribute: str) -> str | None:
    """The role or other column of the files that ``--where ATTR`` names on a log left on its
    files (:func:`procsimp.engine.filters._column_for`): a role's name, its standard column or
    its source header; else a column of the files that fills no role, as ``"column:NAME"``."""
    source = log.parquet
    name = _ROLE_ALIASES.get(attribute.strip().lower(), attribute.strip())
    by_column = {column: role for role, column in ROLES.items()}
    role = name.lower() if name.lower() in ROLES else by_column.get(name)
    if role is not None and role in source.columns:
        return role
    by_source = {_nfc(column): role for role, column in source.columns.items()}
    if _nfc(attribute) in by_source:
        return by_source[_nfc(attribute)]
    others = [c for c in source.types if c not in source.columns.values()]
    if name in others:
        return f"column:{name}"
    roles = [r for r in ROLES if r in source.columns and r not in TIME_ROLES]
    raise ParameterError(
        f"--where: the log {log.source} has no attribute {attribute!r}; use a role "
        f"({', '.join(roles)}) or a column ({', '.join(others[:15]) or 'none other'})"
    )


def where_kept(log: EventLog, clause: WhereClause) -> Kept | None:
    """The dossiers that ``clause`` keeps (a dossier with a matching event, or with none for
    ``!=`` / ``not in``); None when the attribute is a time, or a column of the files that is not
    text: its values are compared as the in-memory log holds them (the caller reads it)."""
    target = where_role(log, clause.attribute)
    assert target is not None
    wanted = sorted({_nfc(v) for v in clause.values})
    source = log.parquet
    names: Any = None  # the dictionary of a role's codes
    if target in TEXT_ROLES:
        names = source.encoded().dictionaries[target]
        codes = codes_of(wanted, names)
        hit = f"{_CODE[target]} IN ({', '.join(str(int(c)) for c in codes) or 'NULL'})"
        events, value = EVENTS, _CODE[target]
    elif target.startswith("column:") and source.types.get(target.split(":", 1)[1], "").upper() == "VARCHAR":
        # the column's text, normalised as the in-memory reader does, joined to the events by position
        rows = (f"SELECT {source.position_sql()}, {source.column_text_sql(target.split(':', 1)[1])} AS v "
                f"FROM {source.scan()}")
        events = f"(SELECT e.case_id, h.v FROM {EVENTS} e JOIN ({rows}) h ON h.f = e.f AND h.r = e.r)"
        hit = f"v IN ({', '.join(sql_string(w) for w in wanted)})"
        value = "v"
    else:
        return None

    def decode(v: Any) -> str:
        return str(v if names is None else names[v])

    now = events.replace(EVENTS, f"({source.events_sql()})")
    present = {decode(v) for (v,) in source.query(f"SELECT DISTINCT {value} FROM {now} WHERE {hit}")}
    missing = sorted(set(wanted) - present)
    if missing:
        # (codes are in the order of the names, as Python sorts them)
        first = [decode(v) for (v,) in source.query(
            f"SELECT DISTINCT {value} FROM {now} WHERE {value} IS NOT NULL ORDER BY {value} LIMIT 12")]
        shown = ", ".join(repr(v) for v in first) or "(none: the column is empty)"
        raise ParameterError(
            f"--where {clause}: {missing[0]!r} is not a value of {clause.attribute!r} in {log.source}; "
            f"values there: {shown}"
        )
    test = "> 0" if clause.keep else "= 0"
    return _cases(log, f"SELECT case_id FROM {events} GROUP BY case_id "
                       f"HAVING sum(CASE WHEN {hit} THEN 1 ELSE 0 END) {test}")


def endpoint_kept(log: EventLog, steps: tuple[str, ...], *, first: bool) -> Kept:
    """The dossiers whose first (last) step is one of ``steps``."""
    codes = codes_of(list(steps), log.parquet.encoded().dictionaries["activity"])
    pick = "arg_min" if first else "arg_max"
    return _cases(log, f"SELECT case_id FROM (SELECT case_id, {pick}(act, (t_end, f, r)) AS a FROM {EVENTS} "
                       f"GROUP BY case_id) WHERE a IN ({', '.join(str(int(c)) for c in codes) or 'NULL'})")


def lead_time_kept(log: EventLog, bounds: LeadTime) -> Kept:
    """The dossiers whose elapsed time (seconds from first to last completion) is within ``bounds``."""
    tests = []
    if bounds.low is not None:
        tests.append(f"s {'>' if bounds.low_strict else '>='} {float(bounds.low)!r}")
    if bounds.high is not None:
        tests.append(f"s {'<' if bounds.high_strict else '<='} {float(bounds.high)!r}")
    return _cases(log, f"SELECT case_id FROM (SELECT case_id, CAST(max(t_end) - min(t_end) AS DOUBLE) / 1000000.0 AS s "
                       f"FROM {EVENTS} GROUP BY case_id) WHERE {' AND '.join(tests) or 'TRUE'}")


def step_kept(log: EventLog, share: float) -> Kept:
    """The events of the steps found in at least ``share`` of the dossiers."""
    source = log.parquet
    names = source.encoded().dictionaries["activity"]
    counts = source.query(f"SELECT act, count(DISTINCT case_id) FROM ({source.events_sql()}) GROUP BY act")
    n_cases = log.n_cases
    kept = tuple(sorted(names[a] for a, n in counts if n >= share * n_cases - 1e-9))
    return Kept(activities=kept)


def variants_kept(case_names: Any) -> Kept:
    """The dossiers named (a sequence of dossier ids)."""
    return Kept(case_names=case_names)
