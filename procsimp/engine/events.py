"""The role columns of a log's events, from the engine: what a stage needs event by event.

Most stages read only the engine's small tables. A few need some columns of every event of one
service: the to-be log of a proposal (:func:`procsimp.engine.replay.apply_edits`), the what-if
simulation's officers and units, the share of tied timestamps, example dossiers of a flag. For a
log held in memory those columns are its DataFrame. For a log left on its Parquet files they are
fetched by a plan of the active backend (DuckDB, or Spark) over the log's encoded ``events``
table, the way the replay's timeline is: only integer codes and microseconds cross, in log order,
and they are decoded here with the encoding's dictionaries. The files are never read behind the
backend's back, and never into a frame of every column. While Python holds those columns,
procsimp's own DuckDB keeps to a quarter of the out-of-core budget
(:func:`procsimp.read.parquet_source.limit_memory`), as for any service's events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from procsimp.core.log import ROLES
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["event_frame", "service_code"]

#: role -> (column of the engine's ``events`` table, dictionary of :class:`~procsimp.engine.prepare.Prepared`)
_COLUMNS: dict[str, tuple[str, str | None]] = {
    "case": ("case_id", "cases"),
    "activity": ("act", "activities"),
    "timestamp": ("t_end", None),
    "start": ("t_start", None),
    "resource": ("res", "resources"),
    "unit": ("unit", "units"),
    "service": ("svc", "services"),
    "channel": ("channel", "channels"),
    "received": ("t_recv", None),
    "due": ("t_due", None),
    "outcome": ("outcome", "outcomes"),
}


def service_code(log: EventLog, service: str, *, calendar: WorkCalendar | None = None) -> int:
    """The code of ``service`` in the log's encoding (:func:`procsimp.engine.encoded`); a
    ParameterError lists the services when the log has no such service."""
    from procsimp import engine

    services = [str(x) for x in engine.encoded(log, calendar=calendar).names("services")]
    if service not in services:
        raise ParameterError(
            f"service {service!r} is not in the log {log.source}; services in the log: "
            f"{', '.join(repr(x) for x in services[:20])}"
        )
    return services.index(service)


def event_frame(
    log: EventLog,
    *,
    roles: Iterable[str] | None = None,
    service: str | None = None,
    calendar: WorkCalendar | None = None,
) -> pd.DataFrame:
    """The events of ``log`` (or of its ``service``) in log order, with the columns of ``roles``
    (default every role) that the log has, as the in-memory reader makes them: text as
    categoricals of the values present, times timezone-aware in the log's timezone.

    A log held in memory gives its DataFrame as it is (every column; read only the ones asked
    for). A log left on its Parquet files gives only the columns asked for, fetched from the
    engine (see the module docstring); ``calendar`` names the encoding to share with the other
    plans (the engine keeps one per calendar)."""
    wanted = list(ROLES) if roles is None else list(dict.fromkeys(roles))
    unknown = [r for r in wanted if r not in ROLES]
    if unknown:
        raise ParameterError(f"event_frame(roles=...): unknown role(s) {unknown}; roles: {', '.join(ROLES)}")
    if not log.out_of_core:
        return (log if service is None else log.for_service(service)).df
    from procsimp import engine
    from procsimp.engine.inputs import local_times
    from procsimp.read.parquet_source import categorical_of_codes

    prepared = engine.encoded(log, calendar=calendar)
    where = "" if service is None else f" WHERE svc = {service_code(log, service, calendar=calendar)}"
    present = [r for r in wanted if r in ("case", "activity", "timestamp") or log.has(r)]
    picked = ", ".join(_COLUMNS[r][0] for r in present)
    _, raw = engine.run_plan(log, {"event_columns": f"SELECT rn, {picked} FROM events{where}"}, calendar=calendar)
    # (run_plan has left procsimp's DuckDB a quarter of the budget while Python holds them)
    # sorted here: a backend's parallel result batches may come back in any order
    rows = raw["event_columns"].sort_values("rn", kind="stable").reset_index(drop=True)
    data: dict[str, object] = {}
    for role in present:
        column, kind = _COLUMNS[role]
        values = rows.pop(column)
        if kind is None:
            data[ROLES[role]] = local_times(values, prepared.timezone).dt.as_unit("ns")
        else:
            codes = np.nan_to_num(values.to_numpy(dtype=np.float64, na_value=np.nan), nan=-1.0).astype(np.int32)
            data[ROLES[role]] = categorical_of_codes(codes, prepared.names(kind))
    return pd.DataFrame(data)

