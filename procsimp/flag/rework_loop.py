"""Rework loop: supplement requests and repeated steps.

Signals: a step is done again later in the same dossier (the dossier went back), in a fair share
of the dossiers. The flag names the step that is repeated (where the loop starts: typically a
completeness check whose findings send the dossier back for a supplement), the step that follows
it in the loop, how often and what it costs. The fix is to remove the cause (validate the dossier
at intake, publish clear requirements), not to remove a step.

Repetition by design is not rework: instalments, periodic tests and repeated notices recur
without a send-back. Rework is a repeat that follows a supplement request (a step that exists
only inside loops), a rejection or a return (a step whose name says so), or a send-back that is
checked again: the step that sent the dossier back is done again after the repeat in at least
``min_recheck_share`` of the loops, and a dossier that repeats the step does so at most
``max_loops_per_case`` times on average (a return now and then, not a routine). A step done again right after itself,
with nothing in between, is a repetition, not a return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.flag._common import make_flag, val
from procsimp.flag.base import (
    Detector,
    Interval,
    confidence,
    fmt_hours,
    fmt_hours_vi,
    fmt_pct,
    keyword_hint,
    margin,
    means_rejection,
    quote,
)

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import LogAggregates
    from procsimp.flag.flag import Flag

__all__ = ["ReworkLoop"]


class ReworkLoop(Detector):
    """Steps that dossiers come back to: fix the cause of the rework.

    A loop that goes through steps existing only for rework (a supplement request, the
    citizen's resubmission) is reported at that first rework step, with the check that
    triggers it; a loop that sends the dossier back to an earlier regular step is reported at the
    repeated step, with the step that sends it back.

    Parameters
    ----------
    min_case_share
        share of the service's cases with the loop.
    min_loops
        loops observed.
    min_recheck_share
        a send-back is rework when the step that sent the dossier back is done again after the
        repeat in at least this share of the loops ...
    max_loops_per_case
        ... and the dossiers that repeat the step repeat it at most this many times on average.
    """

    name = "rework_loop"
    action = "fix_rework"
    _constraints = {
        "min_case_share": Interval(0, 1),
        "min_loops": Interval(1, None, integer=True),
        "min_recheck_share": Interval(0, 1),
        "max_loops_per_case": Interval(1, None),
    }

    min_case_share: float
    min_loops: int
    min_recheck_share: float
    max_loops_per_case: float

    def __init__(
        self,
        *,
        min_case_share: float = 0.03,
        min_loops: int = 5,
        min_recheck_share: float = 0.8,
        max_loops_per_case: float = 1.5,
    ) -> None:
        super().__init__(
            min_case_share=min_case_share,
            min_loops=min_loops,
            min_recheck_share=min_recheck_share,
            max_loops_per_case=max_loops_per_case,
        )

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
            start = ag.row(lp.service, lp.activity)
            via = ag.row(lp.service, lp.via)
            if start is None or via is None:
                continue
            supplement = val(via["in_loop_share"]) >= 0.9 and lp.via != lp.activity
            if supplement:
                activity, trigger = lp.via, lp.activity
            else:
                activity, trigger = lp.activity, lp.sent_back_by
                # a send-back, or repetition by design (instalments, periodic tests, notices)?
                said = means_rejection(trigger) or keyword_hint(trigger, ("supplement", "resubmit"))
                repeating = val(start["repeat_case_share"]) * start["cases"]
                per_case = val(start["repeats"]) / max(repeating, 1.0)
                rechecked = (
                    trigger != activity
                    and val(lp.recheck_share) >= self.min_recheck_share
                    and per_case <= self.max_loops_per_case
                )
                if not (said or rechecked):
                    continue
            n_cases = cases_of.get(lp.service, 0)
            per_case = val(lp.elapsed_hours_total) / max(n_cases, 1) / per_day
            handoffs = val(start["handoffs_saved_per_event"]) * lp.loops / max(n_cases, 1)
            hint = keyword_hint(lp.via, ("supplement", "resubmit")) or keyword_hint(trigger, ("check", "review"))
            conf = confidence(
                [
                    margin(lp.case_share, self.min_case_share, 10 * self.min_case_share),
                    margin(lp.loops, self.min_loops, 10 * self.min_loops),
                ],
                hint=hint,
            )
            days = val(lp.elapsed_hours_mean) / per_day
            ev = {
                "loop": "supplement" if supplement else ("repeat" if trigger == activity else "send_back"),
                "trigger": trigger,
                "repeated_step": lp.activity,
                "loops": lp.loops,
                "cases": lp.cases,
                "case_share": lp.case_share,
                "loop_length_mean": lp.length_mean,
                "repeats_per_repeating_case": val(start["repeats"]) / max(val(start["repeat_case_share"]) * start["cases"], 1.0),
                "trigger_done_again_share": lp.recheck_share,
                "elapsed_workdays_per_loop": days,
                "effort_hours_per_loop": lp.effort_hours_mean if ag.has_start else None,
                "name_hint": hint,
            }
            cost_en = fmt_hours(val(lp.elapsed_hours_mean), per_day)
            cost_vi = fmt_hours_vi(val(lp.elapsed_hours_mean), per_day)
            if supplement:
                # the wording of the remedy may follow the name; whether there is a flag does not
                asks_citizen = keyword_hint(activity, ("supplement", "resubmit"))
                fix_en = "validate completeness at intake" if asks_citizen else "settle it in the first pass"
                fix_vi = "kiểm tra tính đầy đủ ngay khi tiếp nhận" if asks_citizen else "giải quyết ngay ở lần xử lý đầu"
                en = (
                    f"{quote(trigger)} sends {fmt_pct(lp.case_share)} of dossiers ({lp.cases}) to "
                    f"{quote(activity)} and back, {lp.loops} times in all, each round costing {cost_en}, "
                    f"so remove the cause (for example, {fix_en})"
                )
                vi = (
                    f"{quote(trigger)} chuyển {fmt_pct(lp.case_share)} hồ sơ ({lp.cases}) sang "
                    f"{quote(activity)} rồi quay lại, tổng cộng {lp.loops} lần, mỗi vòng mất {cost_vi}, "
                    f"nên khắc phục nguyên nhân (ví dụ {fix_vi})"
                )
            elif trigger == activity:
                en = (
                    f"{quote(activity)} is done again right after itself in {fmt_pct(lp.case_share)} of dossiers "
                    f"({lp.cases}), {lp.loops} times in all, each repeat costing {cost_en}, so find out why "
                    f"the first pass does not suffice"
                )
                vi = (
                    f"{quote(activity)} phải làm lại ngay sau lần đầu ở {fmt_pct(lp.case_share)} hồ sơ "
                    f"({lp.cases}), tổng cộng {lp.loops} lần, mỗi lần mất {cost_vi}, nên tìm hiểu vì sao "
                    f"lần xử lý đầu chưa đủ"
                )
            else:
                en = (
                    f"{quote(trigger)} sends {fmt_pct(lp.case_share)} of dossiers ({lp.cases}) back to "
                    f"{quote(activity)}, {lp.loops} times in all, each round costing {cost_en}, "
                    f"so remove the cause (clear criteria for {quote(activity)}, a checklist before {quote(trigger)})"
                )
                vi = (
                    f"{quote(trigger)} trả {fmt_pct(lp.case_share)} hồ sơ ({lp.cases}) về lại "
                    f"{quote(activity)}, tổng cộng {lp.loops} lần, mỗi vòng mất {cost_vi}, "
                    f"nên khắc phục nguyên nhân (tiêu chí rõ ràng cho {quote(activity)}, danh mục kiểm tra trước {quote(trigger)})"
                )
            flags.append(
                make_flag(
                    self, service=lp.service, activity=activity, confidence=conf, evidence=ev,
                    workdays_per_case=per_case, handoffs_removed=handoffs, en=en, vi=vi,
                )
            )
        return flags
