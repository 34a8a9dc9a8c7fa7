"""``case_due_dates(log)``: each dossier's due date, from the engine's case plan.

The dossier's service, first time, and the receipt and due date the log gives come from the
plan ``cases`` of :mod:`procsimp.engine.sql` (the one :func:`procsimp.engine.case_table` reads),
so a log left on its Parquet files is never read into pandas; the catalog's statutory days are
counted on the working-day calendar by :func:`procsimp.catalog.due.dossier_due_dates`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from procsimp.catalog.due import dossier_due_dates
from procsimp.engine.inputs import local_times, resolve_calendar

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["case_due_dates"]


def case_due_dates(
    log: EventLog,
    *,
    catalog: Any = None,
    calendar: WorkCalendar | None = None,
) -> pd.DataFrame:
    """One row per dossier, in the log's case order:
    ``case, service, received, statutory_days, due, due_source``.

    The due date is the log's ``case:due`` when the dossier has one (``due_source = "log"``);
    otherwise ``received`` (``case:received``, or the dossier's first time) plus the statutory
    working days of its service in the catalog (``"catalog"``; the catalog of the settings unless
    ``catalog`` is given, as :func:`procsimp.catalog.resolve_catalog` reads it); a dossier whose
    service is unknown to the catalog, or has no statutory days, gets no due date (``"none"``).
    ``service`` is None when the log has no service column. Times are in the calendar's timezone.
    """
    from procsimp.core.log import SERVICE
    from procsimp.engine import _decode, _raw

    cal = resolve_calendar(calendar)
    prepared, raw = _raw(log, ["cases"], cal)
    r = raw["cases"].sort_values("case_id", kind="stable").reset_index(drop=True)
    tz = prepared.timezone

    def times(column: str) -> pd.Series:  # at the resolution of the in-memory log's times
        return local_times(r[column], tz).astype(pd.DatetimeTZDtype("ns", tz))

    service = pd.Series(_decode(r["svc"], prepared, "services") if log.has(SERVICE) else [None] * len(r),
                        dtype=object)
    cases = pd.DataFrame({"case": _decode(r["case_id"], prepared, "cases"), "service": service,
                          "first": times("first"), "received": times("received"), "due": times("due")})
    return dossier_due_dates(cases, catalog=catalog, calendar=cal)
