"""The engine's small shared inputs: the calendar and log checks every entry point starts with,
the tables a plan reads (``events`` where the backend can read it, the step kinds of
:func:`procsimp.engine.case_marks`), and engine times (microseconds) as local timestamps.

Used by :mod:`procsimp.engine` and by the modules that run its plans in parts
(:mod:`procsimp.engine.case_chunks`), and by the stages that resolve a calendar the way the
engine does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.engine.backend import Backend, parquet_database
from procsimp.engine.prepare import Prepared
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar

__all__ = [
    "STEP_KINDS",
    "check_log",
    "local_times",
    "plan_inputs",
    "resolve_calendar",
    "step_kinds_table",
]

_NAT = np.iinfo(np.int64).min


def resolve_calendar(calendar: WorkCalendar | None) -> WorkCalendar:
    """``calendar``, checked; the default office calendar when None."""
    if calendar is None:
        from procsimp.core.calendar import default_calendar

        return default_calendar()
    from procsimp.core.calendar import WorkCalendar

    if not isinstance(calendar, WorkCalendar):
        raise ParameterError(
            f"calendar must be a procsimp.core.calendar.WorkCalendar or None (the default Vietnamese "
            f"office calendar); got {type(calendar).__name__}"
        )
    return calendar


def check_log(log: Any) -> None:
    """Refuse anything but an :class:`~procsimp.core.log.EventLog`, saying how to make one."""
    from procsimp.core.log import EventLog

    if not isinstance(log, EventLog):
        raise ParameterError(
            f"expected an EventLog, got {type(log).__name__}; read one with procsimp.read_log(path) "
            "or build one with procsimp.frame_to_log(df, case=..., activity=..., timestamp=...)"
        )


def plan_inputs(prepared: Prepared, backend: Backend) -> dict[str, Any]:
    """The plan's input ``events``: the prepared table, where the backend can read it."""
    events = prepared.table
    if hasattr(events, "arrow") and events.database is not parquet_database(backend):
        events = events.arrow()  # a table of another engine's database: its rows, in memory
    return {"events": events}


#: the kinds of step :func:`case_marks` needs (keywords in ``procsimp/catalog/stages.yaml``)
STEP_KINDS: tuple[str, ...] = ("supplement", "resubmit", "pay", "postal")


def step_kinds_table(prepared: Prepared) -> Any:
    """An Arrow table ``act, supplement, resubmit, pay, postal`` (0/1): which activities are a
    supplement request, a resubmission, a payment or a postal step, by their names."""
    import pyarrow as pa

    from procsimp.catalog.stages import hint_kinds

    names = prepared.names("activities")
    hints = [set(hint_kinds(str(n))) for n in names]
    columns = {"act": pa.array(np.arange(len(names), dtype=np.int32))}
    for kind in STEP_KINDS:
        columns[kind] = pa.array(np.array([kind in h for h in hints], dtype=np.int32))
    return pa.table(columns)


def local_times(values: pd.Series, timezone: str) -> pd.Series:
    """Engine times (microseconds since the epoch, missing as null) as timestamps in ``timezone``."""
    micros = values.to_numpy(dtype=np.float64, na_value=np.nan)
    ints = np.where(np.isnan(micros), _NAT, np.nan_to_num(micros)).astype(np.int64)
    # the float round trip is exact for microsecond timestamps (< 2**53)
    index = pd.DatetimeIndex(ints.view("datetime64[us]")).tz_localize("UTC").tz_convert(timezone)
    return pd.Series(index, dtype=index.dtype)
