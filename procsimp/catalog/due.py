"""Due dates per dossier: the log's own, or the catalog's statutory working days counted on the
working-day calendar from the day the dossier was received.

This module works on per-dossier columns; :func:`procsimp.engine.due.case_due_dates` takes them
from a log (in memory or left on its files) through the engine's case plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.catalog import resolve_catalog
from procsimp.core.calendar import default_calendar, due_dates

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar

__all__ = ["statutory_days", "dossier_due_dates"]


def statutory_days(services: pd.Series, catalog: Any) -> tuple[pd.Series, dict[str, Any]]:
    """The statutory working days of each value of ``services`` in ``catalog`` (as
    :func:`procsimp.catalog.resolve_catalog` reads it), NaN for a missing value, a service the
    catalog does not know or one without statutory days; and the catalog's entry of each name."""
    cat = resolve_catalog(catalog)
    found = {str(name): cat.get(str(name)) for name in pd.unique(services.dropna())}
    days: dict[str, float] = {}
    for name, svc in found.items():
        value = getattr(svc, "statutory_days", None) if svc is not None else None
        days[name] = float(value) if value is not None else np.nan
    values = services.astype(object).map(lambda v: days.get(str(v), np.nan) if pd.notna(v) else np.nan)
    return values.astype(float), found


def dossier_due_dates(
    cases: pd.DataFrame,
    *,
    catalog: Any = None,
    calendar: WorkCalendar | None = None,
) -> pd.DataFrame:
    """One row per row of ``cases`` (columns ``case, service, first, received, due``: the
    dossier's first time, and its receipt and due date in the log, NaT when it has none; ``service``
    None when the log has no service): ``case, service, received, statutory_days, due, due_source``.

    The due date is the log's when the dossier has one (``due_source = "log"``); otherwise
    ``received`` (the log's, or the dossier's first time) plus the statutory working days of its
    service in the catalog (``"catalog"``; the catalog of the settings unless ``catalog`` is
    given); a dossier whose service is unknown to the catalog, or has no statutory days, gets no
    due date (``"none"``). Times are given in the calendar's timezone.
    """
    cal = calendar or default_calendar()
    out = pd.DataFrame({"case": pd.Series(cases["case"].to_numpy(), dtype=object)})
    services = cases["service"].reset_index(drop=True)
    out["service"] = services.astype(object)
    received = cases["received"].where(cases["received"].notna(), cases["first"]).reset_index(drop=True)
    out["received"] = received.dt.tz_convert(cal.timezone)
    days = pd.Series(np.nan, index=out.index, dtype=float)
    if services.notna().any():
        days, _ = statutory_days(services, catalog)
    out["statutory_days"] = days
    derived = due_dates(out["received"], days, cal)
    log_due = cases["due"].reset_index(drop=True).dt.tz_convert(cal.timezone)
    has_log = log_due.notna()
    out["due"] = log_due.where(has_log, derived) if has_log.any() else derived
    out["due_source"] = np.where(has_log, "log", np.where(np.isfinite(days.to_numpy()), "catalog", "none"))
    return out
