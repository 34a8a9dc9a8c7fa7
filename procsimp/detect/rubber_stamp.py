"""Rubber-stamp review: a control step that never changes what happens next.

Signals: the step comes after the service's main work step (and before the result is produced), is
done by someone other than the officer who did the step before it, takes a small fraction of the
work step's time, and is followed by the same step every time: no rejection, no rework, no
different routing, no link with the outcome. It can go, or be replaced by sample audits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.detect._common import (
    control_context,
    control_step,
    make_flag,
    per_service,
    sentence,
    val,
)
from procsimp.detect.base import (
    Detector,
    Interval,
    confidence,
    fmt_hours,
    fmt_hours_vi,
    fmt_pct,
    keyword_hint,
    margin,
    quote,
)

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.detect.aggregates import LogAggregates
    from procsimp.detect.flag import Flag

__all__ = ["RubberStamp"]


class RubberStamp(Detector):
    """Reviews and approvals after which the dossier always goes the same way.

    Parameters
    ----------
    min_top_successor
        share of occurrences followed by the same next step (1.0: always).
    max_outcome_bits
        largest mutual information (bits) between the next step and the case outcome.
    max_proc_share
        processing time at most this share of the service's main work step.
    min_other_officer
        share of occurrences done by another officer than the previous step.
    min_other_unit
        share of occurrences done by another unit than the previous step (when the log has units).
    min_controlled_ratio
        an earlier step must take at least this many times the review's processing.
    min_cases
        cases that must contain the step.
    min_case_share
        share of the service's cases that must contain the step.
    """

    name = "rubber_stamp"
    action = "eliminate"
    _constraints = {
        "min_top_successor": Interval(0.5, 1),
        "max_outcome_bits": Interval(0, 1),
        "max_proc_share": Interval(0, 1),
        "min_other_officer": Interval(0, 1),
        "min_other_unit": Interval(0, 1),
        "min_controlled_ratio": Interval(1, None),
        "min_cases": Interval(1, None, integer=True),
        "min_case_share": Interval(0, 1),
    }

    min_top_successor: float
    max_outcome_bits: float
    max_proc_share: float
    min_other_officer: float
    min_other_unit: float
    min_controlled_ratio: float
    min_cases: int
    min_case_share: float

    def __init__(
        self,
        *,
        min_top_successor: float = 0.95,
        max_outcome_bits: float = 0.01,
        max_proc_share: float = 0.4,
        min_other_officer: float = 0.8,
        min_other_unit: float = 0.5,
        min_controlled_ratio: float = 2.0,
        min_cases: int = 10,
        min_case_share: float = 0.05,
    ) -> None:
        super().__init__(
            min_top_successor=min_top_successor,
            max_outcome_bits=max_outcome_bits,
            max_proc_share=max_proc_share,
            min_other_officer=min_other_officer,
            min_other_unit=min_other_unit,
            min_controlled_ratio=min_controlled_ratio,
            min_cases=min_cases,
            min_case_share=min_case_share,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if not ag.has_start:
            return []  # without processing times a review cannot be told from the work it checks
        flags: list[Flag] = []
        per_day = ag.hours_per_day
        for srow, acts in per_service(ag):
            n_cases = srow["cases"]
            ctx = control_context(acts)
            for r in acts:
                if r.cases < self.min_cases or val(r.case_share) < self.min_case_share:
                    continue
                c = control_step(
                    r,
                    ctx,
                    has_resource=ag.has_resource,
                    has_unit=ag.has_unit,
                    min_top_successor=self.min_top_successor,
                    max_outcome_bits=self.max_outcome_bits,
                    max_proc_share=self.max_proc_share,
                    min_other_officer=self.min_other_officer,
                    min_other_unit=self.min_other_unit,
                    min_controlled_ratio=self.min_controlled_ratio,
                )
                if c is None or not c["after_work"]:
                    continue
                proc, work_h, work = c["proc"], c["work_hours"], c["work"]
                added = val(r.sojourn_hours_mean)
                per_case = added * r.events / max(n_cases, 1)
                handoffs = val(r.handoffs_saved_per_event) * r.events / max(n_cases, 1)
                hint = keyword_hint(r.activity, ("review", "approve"))
                conf = confidence(
                    [
                        margin(r.top_successor_share, self.min_top_successor, 1.0),
                        1.0 - proc / (self.max_proc_share * work_h),
                        margin(c["other"], self.min_other_officer, 1.0),
                        margin(r.cases, self.min_cases, 10 * self.min_cases),
                    ],
                    hint=hint,
                )
                ev = {
                    "cases": r.cases,
                    "case_share": r.case_share,
                    "proc_hours_median": proc,
                    "work_step": work.activity,
                    "work_step_proc_hours_median": work_h,
                    "wait_hours_mean": r.wait_hours_mean,
                    "top_successor": r.top_successor,
                    "top_successor_share": r.top_successor_share,
                    "rejections_after": r.knockout_next,
                    "rework_next_share": r.rework_next_share,
                    "outcome_mi_bits": r.outcome_mi_bits,
                    "other_officer_than_previous": c["other"],
                    "name_hint": hint,
                }
                en = sentence(
                    f"{quote(r.activity)} never changes what happens next: in all {r.events} occurrences it led to "
                    f"no rejection and no rework and {fmt_pct(r.top_successor_share)} went on to "
                    f"{quote(r.top_successor)}, yet it adds {fmt_hours(proc, per_day)} of processing "
                    f"(against {fmt_hours(work_h, per_day)} for {quote(work.activity)}) and "
                    f"{fmt_hours(val(r.wait_hours_mean), per_day)} of waiting, so drop it or replace it by sample audits"
                )
                vi = sentence(
                    f"{quote(r.activity)} không làm thay đổi bước tiếp theo: trong {r.events} lần thực hiện không có "
                    f"lần nào dẫn đến từ chối hay làm lại và {fmt_pct(r.top_successor_share)} chuyển tiếp sang "
                    f"{quote(r.top_successor)}, nhưng thêm {fmt_hours_vi(proc, per_day)} xử lý "
                    f"(so với {fmt_hours_vi(work_h, per_day)} của {quote(work.activity)}) và "
                    f"{fmt_hours_vi(val(r.wait_hours_mean), per_day)} chờ đợi, nên bỏ bước này hoặc thay bằng kiểm tra xác suất"
                )
                flags.append(
                    make_flag(
                        service=srow["service"], activity=r.activity, kind=self.name, action=self.action,
                        confidence=conf, evidence=ev, workdays_per_case=per_case / per_day,
                        handoffs_removed=handoffs, en=en, vi=vi,
                    )
                )
        return flags
