"""Rubber-stamp review: a control step that never changes what happens next.

Signals: the step comes after the service's main work step, is done by someone other than the
officer who did the step before it, takes a fraction of the work step's time, and is followed by
the same step every time: no rejection, no rework, no different routing, no link with the
outcome. It can go, or be replaced by sample audits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.detect._common import make_flag, per_service, sentence, val, work_step
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
        "min_cases": Interval(1, None, integer=True),
        "min_case_share": Interval(0, 1),
    }

    def __init__(
        self,
        *,
        min_top_successor: float = 0.95,
        max_outcome_bits: float = 0.01,
        max_proc_share: float = 0.6,
        min_other_officer: float = 0.8,
        min_cases: int = 10,
        min_case_share: float = 0.05,
    ) -> None:
        super().__init__(
            min_top_successor=min_top_successor,
            max_outcome_bits=max_outcome_bits,
            max_proc_share=max_proc_share,
            min_other_officer=min_other_officer,
            min_cases=min_cases,
            min_case_share=min_case_share,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        flags: list[Flag] = []
        per_day = ag.hours_per_day
        for srow, acts in per_service(ag):
            n_cases = srow["cases"]
            main = work_step(acts)
            if not ag.has_start or main is None or val(main.proc_hours_median) <= 0:
                continue  # without processing times a review cannot be told from the work it checks
            work = float(main.proc_hours_median)
            work_pos = val(main.step_index_mean, float("inf"))
            for r in acts:
                if r.kept or r.cases < self.min_cases or val(r.case_share) < self.min_case_share:
                    continue
                if r.knockout_next > 0 or r.loop_starts > 0 or val(r.rework_after_share) > 0:
                    continue
                if val(r.top_successor_share) < self.min_top_successor:
                    continue
                if val(r.outcome_mi_bits) > self.max_outcome_bits:
                    continue
                if val(r.step_index_mean) <= work_pos:
                    continue  # a control comes after the work it controls
                proc = val(r.proc_hours_median, float("inf"))
                if proc > self.max_proc_share * work:
                    continue
                other = val(r.resource_change_prev) if ag.has_resource else val(r.unit_change_prev)
                if other < self.min_other_officer:
                    continue
                added = val(r.sojourn_hours_mean)
                per_case = added * r.events / max(n_cases, 1)
                handoffs = val(r.handoffs_saved_per_event) * r.events / max(n_cases, 1)
                hint = keyword_hint(r.activity, ("review", "approve", "check"))
                conf = confidence(
                    [
                        margin(r.top_successor_share, self.min_top_successor, 1.0),
                        1.0 - margin(proc, 0.0, self.max_proc_share * work),
                        margin(other, self.min_other_officer, 1.0),
                        margin(r.cases, self.min_cases, 10 * self.min_cases),
                    ],
                    hint=hint,
                )
                ev = {
                    "cases": r.cases,
                    "case_share": r.case_share,
                    "proc_hours_median": r.proc_hours_median,
                    "work_step_proc_hours_median": work,
                    "wait_hours_mean": r.wait_hours_mean,
                    "top_successor": r.top_successor,
                    "top_successor_share": r.top_successor_share,
                    "rejections_after": r.knockout_next,
                    "rework_after_share": r.rework_after_share,
                    "outcome_mi_bits": r.outcome_mi_bits,
                    "other_officer_than_previous": other,
                    "name_hint": hint,
                }
                en = sentence(
                    f"{quote(r.activity)} never changes what happens next: in all {r.events} occurrences it led to "
                    f"no rejection and no rework, {fmt_pct(r.top_successor_share)} went on to "
                    f"{quote(r.top_successor)}, yet it costs {fmt_hours(proc, per_day)} of processing and "
                    f"{fmt_hours(val(r.wait_hours_mean), per_day)} of waiting, so drop it or replace it by sample audits"
                )
                vi = sentence(
                    f"{quote(r.activity)} không làm thay đổi bước tiếp theo: trong {r.events} lần thực hiện không có "
                    f"lần nào dẫn đến từ chối hay làm lại, {fmt_pct(r.top_successor_share)} chuyển tiếp sang "
                    f"{quote(r.top_successor)}, nhưng tốn {fmt_hours_vi(proc, per_day)} xử lý và "
                    f"{fmt_hours_vi(val(r.wait_hours_mean), per_day)} chờ đợi, nên bỏ bước này hoặc thay bằng kiểm tra xác suất"
                )
                flags.append(
                    make_flag(
                        service=srow["service"],
                        activity=r.activity,
                        kind=self.name,
                        action=self.action,
                        confidence=conf,
                        evidence=ev,
                        workdays_per_case=per_case / per_day,
                        handoffs_removed=handoffs,
                        en=en,
                        vi=vi,
                    )
                )
        return flags
