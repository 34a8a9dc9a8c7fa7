"""Helpers shared by the detectors: per-service views of the aggregates and flag building."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp.detect.aggregates import Row
from procsimp.detect.base import clean_number
from procsimp.detect.flag import Flag

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.detect.aggregates import LogAggregates


def per_service(ag: LogAggregates) -> Iterator[tuple[Row, list[Row]]]:
    """(service row, its activity rows) for every service, in service order."""
    rows = ag.activity_rows()
    for srow in ag.service_rows():
        yield srow, rows.get(srow["service"], [])


def finite(x: Any) -> bool:
    try:
        return x is not None and bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def val(x: Any, default: float = 0.0) -> float:
    """A float, with NaN/None replaced by ``default``."""
    return float(x) if finite(x) else default


def work_step(acts: list[Row], min_case_share: float = 0.3) -> Row | None:
    """The service's main work step: the largest median processing time among the steps present
    in a fair share of the cases (None when processing times are unknown)."""
    best: Row | None = None
    for r in acts:
        if val(r["case_share"]) >= min_case_share and finite(r["proc_hours_median"]):
            if best is None or r["proc_hours_median"] > best["proc_hours_median"]:
                best = r
    return best


def work_hours_scale(acts: list[Row], min_case_share: float = 0.3) -> float:
    """The median processing time (hours) of :func:`work_step`; NaN when unknown."""
    best = work_step(acts, min_case_share)
    return float("nan") if best is None else float(best["proc_hours_median"])


def make_flag(
    *,
    service: str,
    activity: str,
    kind: str,
    action: str,
    confidence: float,
    evidence: Mapping[str, Any],
    workdays_per_case: float,
    handoffs_removed: float,
    en: str,
    vi: str,
    into: str | None = None,
    **saving_extra: float,
) -> Flag:
    saving = {
        "workdays_per_case": clean_number(max(0.0, val(workdays_per_case)), 3),
        "handoffs_removed": clean_number(max(0.0, val(handoffs_removed)), 3),
    }
    saving.update({k: clean_number(v, 3) for k, v in saving_extra.items()})
    return Flag(
        service=str(service),
        activity=str(activity),
        into=None if into is None else str(into),
        kind=kind,
        action=action,
        confidence=float(min(1.0, max(0.0, confidence))),
        evidence={k: clean_number(v) for k, v in evidence.items()},
        saving=saving,
        explanation={"en": en, "vi": vi},
    )


def sentence(text: str) -> str:
    """One sentence: collapse whitespace, end with a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."
