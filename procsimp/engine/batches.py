"""The engine's plans over a log left on its Parquet files, one batch of services at a time.

Every table of :mod:`procsimp.engine.sql_detect` and :mod:`procsimp.engine.sql` is grouped by
service or by dossier, and a dossier belongs to one service, so a plan run on the events of some
services gives exactly those services' rows. (Run on a whole 100M-event log at once, the profile
tables' exact quantiles and ordered lists of steps do not fit a 1 GiB budget: DuckDB stops.)
Out of core, DuckDB holds to a memory budget (:func:`procsimp.read.parquet_source.out_of_core_limit`);
the detectors' event view of a whole large log (some 40 columns an event, sorted per dossier) does
not fit in it, and DuckDB's window functions slow down many times over when they spill. So the
plan runs on batches of services whose view fits the budget, and their small results are put
together. A service larger than the budget is a batch of its own (DuckDB spills for it).

The out-of-core ``events`` table itself is built in the same batches
(:func:`procsimp.engine.prepare_sql.prepare_sql`: its window functions are per dossier too) and is
stored batch after batch, so a batch's (or one service's) rows lie together: a plan over them
reads those rows only, not the whole table from DuckDB's spill files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

__all__ = [
    "BYTES_PER_EVENT",
    "ServiceSpan",
    "batch_filter",
    "event_counts",
    "run_by_service",
    "run_per_service",
    "service_batches",
    "service_counts",
]

#: DuckDB memory per event of the detectors' plan (the event view and its window sort), measured
#: at 5M events (about 1.8 GB)
BYTES_PER_EVENT = 400


class ServiceSpan(NamedTuple):
    """A service's share of the events table: its events and the range of its dossiers' codes."""

    events: int
    first_case: int
    last_case: int


def service_counts(con: Any, rows: str) -> dict[int | None, ServiceSpan]:
    """Per service code of ``rows`` (a table name, or a query in parentheses, with ``svc`` and
    ``case_id`` columns; read through the DuckDB connection ``con``), in code order (None, the
    events without a service, last): its :class:`ServiceSpan`. What the batches of
    :func:`service_batches` are cut from."""
    found = con.execute(f"SELECT svc, count(*), min(case_id), max(case_id) FROM {rows} GROUP BY svc ORDER BY svc").fetchall()
    return {svc: ServiceSpan(int(n), int(lo), int(hi)) for svc, n, lo, hi in found}


def event_counts(events: Any) -> dict[int | None, ServiceSpan]:
    """:func:`service_counts` of an events table held in DuckDB (an object with ``database`` and
    ``select``, such as :class:`procsimp.read.parquet_source.DuckDBQuery`)."""
    con = events.database.cursor()
    try:
        return service_counts(con, f"({events.select})")
    finally:
        con.close()


def service_batches(counts: Mapping[int | None, int], budget: int) -> list[list[int | None]]:
    """Services (codes, None for events without one) grouped in order into batches whose events
    fit in ``budget`` bytes of the plan; one batch when the whole log fits."""
    limit = max(1, budget // BYTES_PER_EVENT)
    if sum(counts.values()) <= limit:
        return [list(counts)]
    batches: list[list[int | None]] = []
    size = 0
    for svc, n in counts.items():
        if not batches or size + n > limit:
            batches.append([])
            size = 0
        batches[-1].append(svc)
        size += n
    return batches


def batch_filter(batch: list[int | None], column: str = "svc") -> str:
    """The SQL condition that keeps the events of the services in ``batch`` (codes; None: the
    events without a service)."""
    codes = [int(s) for s in batch if s is not None]
    return " OR ".join(([f"{column} IN ({', '.join(map(str, codes))})"] if codes else [])
                       + ([f"{column} IS NULL"] if None in batch else [])) or "false"


def run_by_service(backend: Any, plan: Mapping[str, str], tables: Mapping[str, Any],
                   budget: int) -> dict[str, pd.DataFrame]:
    """Run ``plan`` (tables grouped by service or dossier) on ``tables`` (``events``: a table of
    the backend's DuckDB database; the others, small lookup tables, go to every batch), one batch
    of services at a time; each result is the batches' rows together."""
    counts = {svc: span.events for svc, span in event_counts(tables["events"]).items()}
    batches = service_batches(counts, budget)
    if len(batches) == 1:
        return backend.run(plan, tables)
    return _stacked(backend, plan, tables, batches)


def run_per_service(backend: Any, plan: Mapping[str, str], tables: Mapping[str, Any],
                    services: int) -> dict[str, pd.DataFrame]:
    """``plan`` run once per service code over that service's events (``tables["events"]``: a
    table of the backend's DuckDB database, or an Arrow table), the results stacked."""
    return _stacked(backend, plan, tables, [[code] for code in range(services)])


def _stacked(backend: Any, plan: Mapping[str, str], tables: Mapping[str, Any],
             batches: list[list[int | None]]) -> dict[str, pd.DataFrame]:
    """``plan`` run on the events of each batch of service codes in turn (None: events without a
    service), each result the batches' rows together."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for batch in batches:
        part = backend.run(plan, {**tables, "events": _rows(tables["events"], batch)})
        for name, frame in part.items():
            parts.setdefault(name, []).append(frame)
    return {name: _together(frames) for name, frames in parts.items()}


def _rows(events: Any, batch: list[int | None]) -> Any:
    """The events of the services in ``batch``: a view of a DuckDB table's rows, or an Arrow
    table's rows filtered in memory."""
    codes = [int(s) for s in batch if s is not None]
    if getattr(events, "database", None) is not None:
        from procsimp.read.parquet_source import DuckDBQuery

        return DuckDBQuery(events.database, f"SELECT * FROM ({events.select}) WHERE {batch_filter(batch)}")
    import pyarrow as pa
    import pyarrow.compute as pc

    keep = pc.is_in(events.column("svc"), value_set=pa.array(codes, type=events.column("svc").type))
    if None in batch:
        keep = pc.or_(keep, pc.is_null(events.column("svc")))
    return events.filter(pc.fill_null(keep, False))


def _together(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The batches' rows of one result, with the dtypes one run over every event gives (a column
    that one batch has only missing values in comes back there as another dtype)."""
    kept = [f for f in frames if len(f)] or frames[:1]
    out = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0].reset_index(drop=True)
    return out
