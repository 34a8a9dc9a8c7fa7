"""Helpers shared by the detectors: per-service views of the aggregates and flag building."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.detect.base import clean_number
from procsimp.detect.flag import Flag

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.detect.aggregates import LogAggregates


def per_service(ag: LogAggregates) -> Iterator[tuple[dict[str, Any], pd.DataFrame]]:
    """(service row, its activities) for every service, in service order."""
    acts = ag.activities
    if acts.empty:
        return
    for _, srow in ag.services.iterrows():
        yield srow.to_dict(), acts[acts["service"] == srow["service"]]


def finite(x: Any) -> bool:
    try:
        return x is not None and bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def val(x: Any, default: float = 0.0) -> float:
    """A float, with NaN/None replaced by ``default``."""
    return float(x) if finite(x) else default


def work_hours_scale(acts: pd.DataFrame, min_case_share: float = 0.3) -> float:
    """The processing time (median hours) of the service's main work step.

    The largest median processing time among steps present in a fair share of the cases; NaN
    when processing times are unknown.
    """
    common = acts[acts["case_share"] >= min_case_share]
    p = common["proc_hours_median"].to_numpy(dtype=float)
    p = p[np.isfinite(p)]
    return float(p.max()) if p.size else float("nan")


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
