"""Rework loop: supplement requests and repeated steps.

Signals: a step is done again later in the same dossier (the dossier went back), in a fair share
of the dossiers. The flag names the step that is repeated (where the loop starts: typically a
completeness check whose findings send the dossier back for a supplement), the step that follows
it in the loop, how often and what it costs. The fix is to remove the cause (validate the dossier
at intake, publish clear requirements), not to remove a step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.detect._common import make_flag, sentence, val
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

__all__ = ["ReworkLoop"]


class ReworkLoop(Detector):
    """Steps that dossiers come back to: fix the cause of the rework.

    Parameters
    ----------
    min_case_share
        share of the service's cases with the loop.
    min_loops
        loops observed.
    max_in_loop_share
        a loop is reported at its outermost step: a step that is itself mostly inside another
        loop (share of its occurrences) is not reported separately.
    """

    name = "rework_loop"
    action = "fix_rework"
    _constraints = {
        "min_case_share": Interval(0, 1),
        "min_loops": Interval(1, None, integer=True),
        "max_in_loop_share": Interval(0, 1),
    }

    def __init__(self, *, min_case_share: float = 0.03, min_loops: int = 5, max_in_loop_share: float = 0.5) -> None:
        super().__init__(min_case_share=min_case_share, min_loops=min_loops, max_in_loop_share=max_in_loop_share)

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if ag.loops.empty:
            return []
        per_day = ag.hours_per_day
        cases_of = {r.service: r.cases for r in ag.service_rows()}
        flags: list[Flag] = []
        for lp in ag.rows("loops"):
            if lp.loops < self.min_loops or val(lp.case_share) < self.min_case_share:
                continue
            a = ag.row(lp.service, lp.activity)
            if a is None:
                continue
            if val(a["in_loop_share"]) > self.max_in_loop_share:
                continue
            n_cases = cases_of.get(lp.service, 0)
            per_case = val(lp.elapsed_hours_total) / max(n_cases, 1) / per_day
            handoffs = val(a["handoffs_saved_per_event"]) * lp.loops / max(n_cases, 1)
            hint = keyword_hint(lp.via, ("supplement", "resubmit")) or keyword_hint(lp.activity, ("check",))
            conf = confidence(
                [
                    margin(lp.case_share, self.min_case_share, 10 * self.min_case_share),
                    margin(lp.loops, self.min_loops, 10 * self.min_loops),
                ],
                hint=hint,
            )
            days = val(lp.elapsed_hours_mean) / per_day
            ev = {
                "loops": lp.loops,
                "cases": lp.cases,
                "case_share": lp.case_share,
                "loop_via": lp.via,
                "loop_length_mean": lp.length_mean,
                "elapsed_workdays_per_loop": days,
                "effort_hours_per_loop": lp.effort_hours_mean if ag.has_start else None,
                "name_hint": hint,
            }
            en = sentence(
                f"{fmt_pct(lp.case_share)} of dossiers ({lp.cases}) go back to {quote(lp.activity)} "
                f"through {quote(lp.via)}, {lp.loops} times in all, each costing "
                f"{fmt_hours(val(lp.elapsed_hours_mean), per_day)}, so remove the cause (for example, "
                f"validate completeness at intake)"
            )
            vi = sentence(
                f"{fmt_pct(lp.case_share)} hồ sơ ({lp.cases}) phải quay lại {quote(lp.activity)} "
                f"qua bước {quote(lp.via)}, tổng cộng {lp.loops} lần, mỗi lần mất "
                f"{fmt_hours_vi(val(lp.elapsed_hours_mean), per_day)}, nên khắc phục nguyên nhân (ví dụ "
                f"kiểm tra tính đầy đủ ngay khi tiếp nhận)"
            )
            flags.append(
                make_flag(
                    service=lp.service, activity=lp.activity, kind=self.name, action=self.action,
                    confidence=conf, evidence=ev, workdays_per_case=per_case, handoffs_removed=handoffs,
                    en=en, vi=vi,
                )
            )
        return flags
