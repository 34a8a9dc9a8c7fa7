"""The engine's case table and case marks, some dossiers at a time.

:func:`procsimp.engine.case_table` and :func:`procsimp.engine.case_marks` return one row per
dossier of the whole log. On a log left on its Parquet files with ten million dossiers, those
frames (and what is computed from them per dossier in Python: due dates, clock stops, channel
classes, months) take gigabytes. :func:`case_chunks` gives the same rows a chunk of dossiers at a
time instead: the plans ``cases`` and ``marks`` of :mod:`procsimp.engine.sql` run on the events of
one batch of services (a large service split into ranges of its dossiers), so a caller that folds
each chunk into small figures holds one chunk's rows at a time. Both plans are grouped by dossier,
so a chunk's rows are exactly those that a run over every event gives for its dossiers. The same
plan gives each chunk's counts per service and channel (``case_sums``): integers, which add up
over the chunks to the whole log's.

A log in memory, or on another backend than DuckDB, is one chunk: the cached whole tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.engine.inputs import local_times, plan_inputs, resolve_calendar, step_kinds_table

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["CaseChunk", "case_chunks", "chunked", "last_completion", "CHUNK_EVENTS"]

#: events per chunk; None: as many as the out-of-core budget holds for the plan
#: (:data:`procsimp.engine.batches.BYTES_PER_EVENT` each)
CHUNK_EVENTS: int | None = None


@dataclass(frozen=True)
class CaseChunk:
    """The rows of some dossiers: ``codes`` (their integer case codes, the whole log's case order),
    ``cases`` (:func:`procsimp.engine.case_table`'s rows) and ``marks``
    (:func:`procsimp.engine.case_marks`' rows), in the same order; and ``sums``, those dossiers'
    counts per service and channel (:func:`procsimp.engine.case_sums`)."""

    codes: np.ndarray
    cases: pd.DataFrame
    marks: pd.DataFrame
    sums: pd.DataFrame


def chunked(log: EventLog) -> bool:
    """:func:`case_chunks` gives ``log``'s dossiers in chunks (a log left on its Parquet files,
    on DuckDB), not the whole cached tables at once."""
    from procsimp.engine import DuckDBBackend, get_backend

    return log.out_of_core and isinstance(get_backend(), DuckDBBackend)


def case_chunks(log: EventLog, *, calendar: WorkCalendar | None = None,
                catalog: Any = None) -> Iterator[CaseChunk]:
    """The case table and marks of ``log``, chunk after chunk (see the module docstring); the
    chunks together hold every dossier once."""
    from procsimp import engine

    cal = resolve_calendar(calendar)
    if not chunked(log):
        sums = engine.case_sums(log, calendar=cal)  # in one plan with the case table
        cases = engine.case_table(log, calendar=cal, catalog=catalog)
        yield CaseChunk(np.arange(len(cases), dtype=np.int64), cases, engine.case_marks(log, calendar=cal), sums)
        return
    from procsimp.engine.sql import CASE_COLUMNS, plan_for
    from procsimp.read.parquet_source import DuckDBQuery, limit_memory

    backend = engine.get_backend()
    assert isinstance(backend, engine.DuckDBBackend)  # as chunked(log) says
    prepared = engine.encoded(log, calendar=cal)
    tables = plan_inputs(prepared, backend)
    tables["step_kinds"] = step_kinds_table(prepared)
    events = tables["events"]
    plan = plan_for(("cases", "marks", "case_sums"), minutes_per_day=prepared.minutes_per_day)
    plan["cases"] = f"SELECT {CASE_COLUMNS} FROM _cases"  # not each dossier's list of steps
    for where in _chunk_filters(events):
        limit_memory(backend.database)  # DuckDB's turn: the whole out-of-core budget
        part = backend.run(plan, {**tables, "events": DuckDBQuery(events.database,
                                                                  f"SELECT * FROM ({events.select}) WHERE {where}")})
        raw = part["cases"].sort_values("case_id", kind="stable").reset_index(drop=True)
        marks = part["marks"].sort_values("case_id", kind="stable").reset_index(drop=True)
        sums = engine.sums_frame(part["case_sums"], prepared)
        del part
        limit_memory(backend.database, share=0.25)  # Python's turn: the chunk's frames
        yield CaseChunk(raw["case_id"].to_numpy(dtype=np.int64),
                        engine.case_frame(raw, prepared, calendar=cal, catalog=catalog),
                        engine.marks_frame(marks, prepared), sums)


def _chunk_filters(events: Any) -> list[str]:
    """SQL conditions on ``events`` that split its dossiers into chunks of about
    :data:`CHUNK_EVENTS` events: batches of whole services, a larger service cut into ranges of
    its case codes."""
    from procsimp.engine.batches import BYTES_PER_EVENT, batch_filter, event_counts, service_batches
    from procsimp.read.parquet_source import out_of_core_budget

    limit = CHUNK_EVENTS or max(1, out_of_core_budget() // BYTES_PER_EVENT)
    spans = event_counts(events)
    filters: list[str] = []
    for batch in service_batches({svc: span.events for svc, span in spans.items()}, limit * BYTES_PER_EVENT):
        n = sum(spans[svc].events for svc in batch)
        if len(batch) > 1 or n <= limit:
            filters.append(f"({batch_filter(batch)})")
            continue
        lo, hi = spans[batch[0]].first_case, spans[batch[0]].last_case
        cuts = np.linspace(lo, hi + 1, -(-n // limit) + 1).astype(np.int64)
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if b > a:
                filters.append(f"({batch_filter(batch)}) AND case_id >= {a} AND case_id < {b}")
    return filters


def last_completion(log: EventLog, *, calendar: WorkCalendar | None = None) -> pd.Timestamp | None:
    """The log's last completion time (the latest ``last`` of the case table), in the log's
    timezone; None for a log without events."""
    from procsimp import engine

    backend = engine.get_backend()
    prepared = engine.encoded(log, calendar=resolve_calendar(calendar))
    out = backend.run({"last": "SELECT max(t_end) AS last FROM events"}, plan_inputs(prepared, backend))["last"]
    value = local_times(out["last"], prepared.timezone)
    return None if value.empty or pd.isna(value.iloc[0]) else value.iloc[0]
