"""The out-of-core ``events`` table built with numpy, a part of the log at a time, stored in DuckDB.

:func:`procsimp.engine.prepare_sql.prepare_sql` builds the engine's ``events`` table of a log
left on its Parquet files. Its window functions sort every dossier's events three times (the
order in time, the pairs of steps, the repeats of a step), which made the table the most costly
step of ``flag`` on a large log. On procsimp's DuckDB, the table is built here instead:

* DuckDB sorts the coded events once, by dossier then time (a batch of services at a time,
  :func:`procsimp.engine.batches.service_batches`, so that each sort fits the memory budget), and
  streams them out in that order;
* they are cut into parts of whole dossiers of at most :data:`PART_BYTES_PER_EVENT` bytes an
  event of the budget, and each part gets its calendar columns and alignment columns from the
  numpy code of the in-memory path (:func:`procsimp.engine.prepare.events_table`: the same
  values, by construction), with each dossier's rows numbered from its offset in the whole log;
* each part is appended to the DuckDB table, which stays clustered by service as before.

Only one part is held in Python at a time, so the memory stays within the budget whatever the
size of the log. The SQL windows stay for Spark, which builds the table in its own session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from procsimp.core.calendar import WorkCalendar

__all__ = ["PART_BYTES_PER_EVENT", "build_in_parts"]

#: bytes of the memory budget per event of a part held in Python (the fetched codes and times,
#: the calendar's temporaries and the table's columns come to a few hundred): about 540,000
#: events a part under the 1 GiB budget, so that the part and DuckDB's budget stay under 2 GB
PART_BYTES_PER_EVENT = 2000

_NAT = np.iinfo(np.int64).min

#: the coded columns fetched for a part, in order
_FETCHED = ("case_id", "act", "res", "unit", "svc", "channel", "outcome", "t_end", "t_start", "t_recv", "t_due")


def _codes(column: Any) -> np.ndarray:
    """int32 codes, -1 where NULL."""
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(column, -1).to_numpy(zero_copy_only=False), dtype=np.int32)


def _times(column: Any, calendar: WorkCalendar | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(microseconds with NaT where NULL, missing mask, working minutes or None)."""
    import pyarrow.compute as pc

    from procsimp.engine.prepare import work_minutes

    micros = np.asarray(pc.fill_null(column, _NAT).to_numpy(zero_copy_only=False), dtype=np.int64)
    missing = micros == _NAT
    return micros, missing, (work_minutes(micros, missing, calendar) if calendar is not None else None)


def _part_table(part: pa.Table, base: np.ndarray, calendar: WorkCalendar, n_act: int) -> pa.Table:
    """The ``events`` rows of ``part`` (whole dossiers, sorted by dossier then time): the numpy
    table of the in-memory path, rows numbered from each dossier's offset ``base[case]``."""
    from procsimp.engine.prepare import events_table

    case = _codes(part.column("case_id"))
    n = len(case)
    first = np.ones(n, dtype=bool)
    np.not_equal(case[1:], case[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, n))
    rn = base[case] + (np.arange(n, dtype=np.int64) - np.repeat(starts, lengths))
    return events_table(
        case=case, act=_codes(part.column("act")), n_act=n_act, svc=_codes(part.column("svc")),
        res=_codes(part.column("res")), unit=_codes(part.column("unit")),
        channel=_codes(part.column("channel")), outcome=_codes(part.column("outcome")),
        end=_times(part.column("t_end"), calendar), start=_times(part.column("t_start"), calendar),  # type: ignore[arg-type]
        received=_times(part.column("t_recv"), calendar), due=_times(part.column("t_due"), None)[:2],
        rn=rn,
    )


def _parts(reader: Any, size: int) -> Any:
    """The record batches of ``reader`` (sorted by ``case_id``) regrouped into tables of whole
    dossiers of about ``size`` rows (more when one dossier is larger)."""
    import pyarrow as pa

    held: list[Any] = []
    rows = 0
    for batch in reader:
        held.append(batch)
        rows += batch.num_rows
        if rows < size:
            continue
        table = pa.Table.from_batches(held)
        case = table.column("case_id")
        last = case[len(case) - 1]
        cut = int(np.searchsorted(_codes(case), last.as_py(), side="left"))
        if cut == 0:  # one dossier so far: read on
            continue
        yield table.slice(0, cut)
        rest = table.slice(cut)
        held, rows = rest.to_batches(), rest.num_rows
    if rows:
        yield pa.Table.from_batches(held)


def build_in_parts(con: Any, name: str, columns: Mapping[str, str], rows: str, svc: str, offsets: str,
                   wheres: list[str], calendar: WorkCalendar, n_act: int, budget: int) -> int:
    """Create the table ``name`` (``columns``: name -> DuckDB type, those of
    :data:`~procsimp.engine.prepare_sql.EVENT_COLUMNS`) through the DuckDB connection ``con``
    (the events stream in on a cursor of its own) from
    ``rows`` (the coded events, as ``e``; ``svc`` their service expression), one batch of
    services (``wheres``: WHERE clauses over ``e``) and one part at a time; ``offsets`` is the
    table of each dossier's offset in the whole log (``case_id, base``). Returns the parts made."""
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    cases, bases = con.execute(f"SELECT case_id, base FROM {offsets}").fetchnumpy().values()
    base = np.zeros(int(cases.max()) + 1 if len(cases) else 0, dtype=np.int64)
    base[np.asarray(cases, dtype=np.int64)] = np.asarray(bases, dtype=np.int64)
    del cases, bases
    size = max(1, budget // PART_BYTES_PER_EVENT)
    made = 0
    stream = con.cursor()  # a query on ``con`` would end the stream
    try:
        for where in wheres:
            made += _append(con, stream, name, ", ".join(columns), rows, svc, where, base, calendar, n_act, size)
    finally:
        stream.close()
    return made


def _append(con: Any, stream: Any, name: str, listed: str, rows: str, svc: str, where: str, base: np.ndarray,
            calendar: WorkCalendar, n_act: int, size: int) -> int:
    """Append the events of one batch of services (``where``) to ``name`` (``listed``: its
    columns), part by part."""
    picked = ", ".join(f"{svc} AS svc" if c == "svc" else f"e.{c}" for c in _FETCHED)
    made = 0
    reader = stream.sql(f"SELECT {picked} FROM {rows} e {where} ORDER BY e.case_id, e.t_end, e.f, e.r"
                            ).to_arrow_reader(min(size, 1 << 17))
    view = f"{name}_part"
    for part in _parts(reader, size):
        table = _part_table(part, base, calendar, n_act)
        del part
        con.register(view, table)
        try:
            con.execute(f"INSERT INTO {name} ({listed}) SELECT {listed} FROM {view}")
        finally:
            con.unregister(view)
        del table
        made += 1
    return made
