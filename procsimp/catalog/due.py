"""Due dates per dossier: the log's own, or the catalog's statutory working days counted on the
working-day calendar from the day the dossier was received."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.catalog import resolve_catalog
from procsimp.core.calendar import default_calendar, due_dates

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
    """One row per dossier: ``case, service, received, statutory_days, due, due_source``.

    The due date is the log's ``case:due`` when the dossier has one (``due_source = "log"``);
    otherwise ``received`` (``case:received``, or the dossier's first time) plus the statutory
    working days of its service in the catalog (``"catalog"``; the built-in catalog unless
    ``catalog`` is given); a dossier whose service is unknown to the catalog, or has no
    statutory days, gets no due date (``"none"``).
    """
    from procsimp.core.log import CASE, DUE, RECEIVED, SERVICE, START, TIMESTAMP

    cal = calendar or default_calendar()
    df = log.df
    first = df[TIMESTAMP]
    if START in df.columns:
        first = df[START].where(df[START].notna() & (df[START] < df[TIMESTAMP]), df[TIMESTAMP])
    g = pd.DataFrame({"case": df[CASE], "first": first}).groupby("case", sort=False, observed=True)
    out = pd.DataFrame({"case": pd.Series(g["first"].min().index, dtype=object)})
    received = g["first"].min().reset_index(drop=True)

    def per_case(column: str) -> pd.Series | None:
        if column not in df.columns:
            return None
        frame = pd.DataFrame({"case": df[CASE], "v": df[column]})
        return frame.groupby("case", sort=False, observed=True)["v"].first().reset_index(drop=True)

    services = per_case(SERVICE)
    out["service"] = services.astype(object) if services is not None else None
    given_received = per_case(RECEIVED)
    if given_received is not None:
        received = given_received.where(given_received.notna(), received)
    out["received"] = received.dt.tz_convert(cal.timezone)

    days = pd.Series(np.nan, index=out.index, dtype=float)
    if services is not None and services.notna().any():
        catalog = resolve_catalog(catalog)
        lookup: dict[str, float] = {}
        for name in pd.unique(services.dropna().astype(str)):
            svc = catalog.get(name)
            value = getattr(svc, "statutory_days", None) if svc is not None else None
            lookup[name] = float(value) if value is not None else np.nan
        days = services.astype(object).map(lambda v: lookup.get(str(v), np.nan) if pd.notna(v) else np.nan)
        days = days.astype(float)
    out["statutory_days"] = days
    derived = due_dates(out["received"], days, cal)
    log_due = per_case(DUE)
    if log_due is not None:
        log_due = log_due.dt.tz_convert(cal.timezone)
        has_log = log_due.notna()
        out["due"] = log_due.where(has_log, derived)
    else:
        has_log = pd.Series(False, index=out.index)
        out["due"] = derived
    out["due_source"] = np.where(has_log, "log", np.where(np.isfinite(days.to_numpy()), "catalog", "none"))
    return out
