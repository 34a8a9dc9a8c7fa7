"""Before / after key figures of a proposal, per service.

The figures are those a reform team reports (and :func:`procsimp.profile` shows), computed from
the engine's case table (:func:`procsimp.engine.case_table`), so the as-is figures of a proposal
are exactly the profile's:

* ``cases``;
* ``lead_time_days_mean`` / ``_median`` / ``_p90``: receipt (or the first step, when the log has
  no receipt time or it is later) to the last completion, in calendar days;
* ``lead_time_workdays_mean`` / ``_median`` / ``_p90``: the same in working days of the work
  calendar (office hours, weekends and public holidays skipped);
* ``steps_per_case``: events per dossier;
* ``handoffs_per_case``: changes of officer or unit between consecutive steps;
* ``units_per_case``: distinct units that touch a dossier;
* ``on_time_rate``: share of dossiers completed by their statutory deadline (the log's
  ``case:due``, or receipt plus the catalog's statutory working days); None when no dossier has
  a deadline;
* ``due_cases``: dossiers with a deadline (the denominator of ``on_time_rate``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["KPI_NAMES", "KPI_LABELS", "case_kpis", "kpis", "kpi_table", "kpi_deltas"]

#: the key figures, in report order
KPI_NAMES: tuple[str, ...] = (
    "cases",
    "lead_time_days_mean",
    "lead_time_days_median",
    "lead_time_days_p90",
    "lead_time_workdays_mean",
    "lead_time_workdays_median",
    "lead_time_workdays_p90",
    "steps_per_case",
    "handoffs_per_case",
    "units_per_case",
    "on_time_rate",
    "due_cases",
)

KPI_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "cases": "dossiers",
        "lead_time_days_mean": "lead time, days (mean)",
        "lead_time_days_median": "lead time, days (median)",
        "lead_time_days_p90": "lead time, days (p90)",
        "lead_time_workdays_mean": "lead time, working days (mean)",
        "lead_time_workdays_median": "lead time, working days (median)",
        "lead_time_workdays_p90": "lead time, working days (p90)",
        "steps_per_case": "steps per dossier",
        "handoffs_per_case": "hand-offs per dossier",
        "units_per_case": "units per dossier",
        "on_time_rate": "on time",
        "due_cases": "dossiers with a deadline",
    },
    "vi": {
        "cases": "hồ sơ",
        "lead_time_days_mean": "thời gian giải quyết, ngày (trung bình)",
        "lead_time_days_median": "thời gian giải quyết, ngày (trung vị)",
        "lead_time_days_p90": "thời gian giải quyết, ngày (p90)",
        "lead_time_workdays_mean": "thời gian giải quyết, ngày làm việc (trung bình)",
        "lead_time_workdays_median": "thời gian giải quyết, ngày làm việc (trung vị)",
        "lead_time_workdays_p90": "thời gian giải quyết, ngày làm việc (p90)",
        "steps_per_case": "số bước mỗi hồ sơ",
        "handoffs_per_case": "số lần chuyển giao mỗi hồ sơ",
        "units_per_case": "số đơn vị mỗi hồ sơ",
        "on_time_rate": "tỷ lệ trước hạn và đúng hạn",
        "due_cases": "hồ sơ có thời hạn",
    },
}


def case_kpis(
    log: EventLog, *, calendar: WorkCalendar | None = None, catalog: Any = None
) -> pd.DataFrame:
    """The engine's case table (one row per dossier) that the key figures are computed from."""
    from procsimp.engine import case_table

    return case_table(log, calendar=calendar, catalog=catalog)


def _summarise(cases: pd.DataFrame) -> dict[str, Any]:
    n = len(cases)
    out: dict[str, Any] = {"cases": int(n)}
    for src, dst in (("lead_days", "lead_time_days"), ("lead_workdays", "lead_time_workdays")):
        values = cases[src].dropna().astype(float)
        out[f"{dst}_mean"] = float(values.mean()) if len(values) else None
        out[f"{dst}_median"] = float(values.quantile(0.5)) if len(values) else None
        out[f"{dst}_p90"] = float(values.quantile(0.9)) if len(values) else None
    out["steps_per_case"] = float(cases["events"].mean()) if n else None
    out["handoffs_per_case"] = float(cases["handoffs"].mean()) if n else None
    out["units_per_case"] = float(cases["units"].mean()) if n else None
    known = cases["on_time"].dropna()
    out["on_time_rate"] = float(known.astype(bool).mean()) if len(known) else None
    out["due_cases"] = int(len(known))
    return {k: out[k] for k in KPI_NAMES}


def kpis(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    cases: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The key figures of all the dossiers of ``log`` (one dict, keys :data:`KPI_NAMES`).

    ``cases`` may pass a case table already computed for ``log``.
    """
    table = cases if cases is not None else case_kpis(log, calendar=calendar, catalog=catalog)
    return _summarise(table)


def kpi_table(
    log: EventLog, *, calendar: WorkCalendar | None = None, catalog: Any = None
) -> pd.DataFrame:
    """The key figures per service: one row per service, columns ``service`` + :data:`KPI_NAMES`."""
    table = case_kpis(log, calendar=calendar, catalog=catalog)
    rows = []
    for service, group in table.groupby("service", sort=True, dropna=False, observed=True):
        rows.append({"service": service, **_summarise(group)})
    return pd.DataFrame(rows, columns=["service", *KPI_NAMES])


def kpi_deltas(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per figure: ``before``, ``after``, ``change`` (after − before) and ``change_pct``."""
    out: dict[str, dict[str, Any]] = {}
    for name in KPI_NAMES:
        b, a = before.get(name), after.get(name)
        change = None
        pct = None
        if b is not None and a is not None and _finite(b) and _finite(a):
            change = float(a) - float(b)
            pct = (change / float(b) * 100.0) if float(b) != 0 else None
        out[name] = {"before": b, "after": a, "change": change, "change_pct": pct}
    return out


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(float(value))
