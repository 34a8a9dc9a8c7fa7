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


def produces_result(r: Row, rows: dict[str, Row]) -> bool:
    """Whether the step is usually followed directly by an end step (delivering the result or a
    rejection notice): it produces the result (printing, registering), it does not control it."""
    nxt = r["top_successor"]
    if nxt is None or nxt not in rows:
        return True  # followed by the end of the case itself
    return bool(rows[nxt]["end"])


def releases_result(r: Row, rows: dict[str, Row]) -> bool:
    """Whether the step is usually followed by a step that produces the result and is not itself
    a decision or protected step: the step is then the final approval that releases the result
    (a signature), not a control in front of one."""
    nxt = rows.get(r["top_successor"]) if r["top_successor"] is not None else None
    return nxt is not None and not nxt["kept"] and produces_result(nxt, rows)


def work_step(acts: list[Row], min_case_share: float = 0.3) -> Row | None:
    """The service's main work step: the largest median processing time among the steps present
    in a fair share of the cases, leaving out the steps that produce the result right before it
    is delivered (printing a card). None when processing times are unknown."""
    rows = {r["activity"]: r for r in acts}
    best: Row | None = None
    for r in acts:
        if val(r["case_share"]) >= min_case_share and finite(r["proc_hours_median"]):
            if r["end"] or produces_result(r, rows):
                continue
            if best is None or r["proc_hours_median"] > best["proc_hours_median"]:
                best = r
    return best


def usual_predecessors(rows: dict[str, Row], start: str, max_steps: int = 50) -> list[Row]:
    """The steps before ``start`` on the usual path (most frequent predecessor, repeatedly)."""
    out: list[Row] = []
    seen = {start}
    current = rows.get(start)
    while current is not None and len(out) < max_steps:
        prev = current["top_predecessor"]
        if prev is None or prev not in rows or prev in seen or val(current["top_predecessor_share"]) < 0.5:
            break
        seen.add(prev)
        current = rows[prev]
        out.append(current)
    return out


def is_quiet(r: Row, min_top_successor: float, max_outcome_bits: float) -> bool:
    """A step that never changes what happens next: one successor, no knock-out, no rework
    straight after it, nothing to say about the outcome."""
    return (
        val(r["top_successor_share"]) >= min_top_successor
        and r["knockout_next"] == 0
        and val(r["rework_next_share"]) == 0.0
        and val(r["outcome_mi_bits"]) <= max_outcome_bits
    )


def control_context(acts: list[Row]) -> dict[str, Any]:
    """What the control detectors need about a service: its rows by name and its main work step."""
    rows = {r["activity"]: r for r in acts}
    return {"rows": rows, "work": work_step(acts)}


def control_step(
    r: Row,
    ctx: dict[str, Any],
    *,
    has_resource: bool,
    has_unit: bool,
    min_top_successor: float,
    max_outcome_bits: float,
    max_proc_share: float,
    min_other_officer: float,
    min_other_unit: float,
    min_controlled_ratio: float,
) -> dict[str, Any] | None:
    """Whether ``r`` is a control step (a review or re-check) that changes nothing.

    A control step is not kept (start, end, decision, protected, rework), is quiet (see
    :func:`is_quiet`), is done by another officer than the step before it (and, when the log has
    units, by another unit: a control is done by another desk or level), takes at most
    ``max_proc_share`` of the main work step's processing, neither produces the result right
    before it is delivered nor releases it (see :func:`releases_result`), and follows some step with at least ``min_controlled_ratio`` times its own processing (there is
    work to control). Returns the numbers that made it one, or None.
    """
    work = ctx["work"]
    if r["kept"] or work is None or not finite(r["proc_hours_median"]):
        return None
    if not is_quiet(r, min_top_successor, max_outcome_bits):
        return None
    if produces_result(r, ctx["rows"]) or releases_result(r, ctx["rows"]):
        return None  # it produces or releases the result, it does not control it
    other = val(r["resource_change_prev"]) if has_resource else val(r["unit_change_prev"])
    if other < min_other_officer:
        return None
    if has_unit and val(r["unit_change_prev"]) < min_other_unit:
        return None  # control by another desk or level, not the next officer of the same team
    proc = float(r["proc_hours_median"])
    work_h = val(work["proc_hours_median"])
    if work_h <= 0 or proc > max_proc_share * work_h:
        return None
    before = usual_predecessors(ctx["rows"], r["activity"])
    controlled = [p for p in before if val(p["proc_hours_median"]) >= min_controlled_ratio * proc]
    if not controlled:
        return None
    return {
        "proc": proc,
        "work": work,
        "work_hours": work_h,
        "other": other,
        "before": before,
        "controlled": controlled[0],
        "after_work": val(r["step_index_mean"]) > val(work["step_index_mean"]),
    }


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


def wilson_lower(successes: float, trials: float, z: float = 1.96) -> float:
    """Lower bound of the Wilson confidence interval of a proportion (0 when no trials)."""
    n = float(trials)
    if n <= 0:
        return 0.0
    p = float(successes) / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, (centre - spread) / (1 + z * z / n)))


def sentence(text: str) -> str:
    """One sentence: collapse whitespace, end with a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."
