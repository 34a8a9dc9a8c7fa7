"""Duplicate check: a re-check that finds nothing new.

Signals: earlier on the usual path the dossier already went through a check that *does* find
things (it leads to rejections or supplement requests), while this step never does: it is
always followed by the same step, never by a rejection or rework, and tells nothing about the
outcome. Like a review it is a short step done by someone else after some real work.
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

__all__ = ["DuplicateCheck"]


class DuplicateCheck(Detector):
    """Checks repeated after a check that already finds problems, with nothing new found.

    Parameters
    ----------
    min_top_successor
        share of occurrences followed by the same next step.
    max_outcome_bits
        largest mutual information (bits) between the next step and the case outcome.
    max_proc_share
        processing time at most this share of the service's main work step.
    min_other_officer
        share of occurrences done by another officer than the previous step.
    min_other_unit
        share of occurrences done by another unit than the previous step (when the log has units).
    min_controlled_ratio
        an earlier step must take at least this many times the re-check's processing.
    min_cases
        cases that must contain the step.
    min_case_share
        share of the service's cases that must contain the step.
    """

    name = "duplicate_check"
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
            return []  # without processing times a re-check cannot be told from real work
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
                if c is None:
                    continue
                checks = [p for p in c["before"] if p["decision_knockout"] or p["decision_rework"]]
                if not checks:
                    continue
                check = checks[0]  # the nearest earlier check that finds problems
                finds = val(check["knockout_next_share"]) + val(check["rework_next_share"])
                proc = c["proc"]
                added = val(r.sojourn_hours_mean)
                per_case = added * r.events / max(n_cases, 1)
                handoffs = val(r.handoffs_saved_per_event) * r.events / max(n_cases, 1)
                hint = keyword_hint(r.activity, ("check", "verify"))
                conf = confidence(
                    [
                        margin(r.top_successor_share, self.min_top_successor, 1.0),
                        margin(finds, 0.0, 0.2),
                        1.0 - proc / (self.max_proc_share * c["work_hours"]),
                        margin(r.cases, self.min_cases, 10 * self.min_cases),
                    ],
                    hint=hint,
                )
                ev = {
                    "cases": r.cases,
                    "case_share": r.case_share,
                    "earlier_check": check["activity"],
                    "earlier_check_rejection_share": check["knockout_next_share"],
                    "earlier_check_rework_share": check["rework_next_share"],
                    "rejections_after": r.knockout_next,
                    "rework_next_share": r.rework_next_share,
                    "top_successor": r.top_successor,
                    "top_successor_share": r.top_successor_share,
                    "proc_hours_median": proc,
                    "earlier_check_proc_hours_median": check["proc_hours_median"],
                    "wait_hours_mean": r.wait_hours_mean,
                    "name_hint": hint,
                }
                en = sentence(
                    f"{quote(r.activity)} checks the dossier again after {quote(check['activity'])} without finding "
                    f"anything new: the earlier check leads to rejection or supplement in {fmt_pct(finds)} of cases, "
                    f"this one in none of its {r.events} occurrences, while it adds "
                    f"{fmt_hours(added, per_day)} per dossier, so drop the re-check"
                )
                vi = sentence(
                    f"{quote(r.activity)} kiểm tra lại hồ sơ sau {quote(check['activity'])} mà không phát hiện gì mới: "
                    f"bước kiểm tra trước dẫn đến từ chối hoặc yêu cầu bổ sung ở {fmt_pct(finds)} hồ sơ, "
                    f"bước này không lần nào trong {r.events} lần thực hiện, nhưng thêm "
                    f"{fmt_hours_vi(added, per_day)} cho mỗi hồ sơ, nên bỏ bước kiểm tra lại"
                )
                flags.append(
                    make_flag(
                        service=srow["service"], activity=r.activity, kind=self.name, action=self.action,
                        confidence=conf, evidence=ev, workdays_per_case=per_case / per_day,
                        handoffs_removed=handoffs, en=en, vi=vi,
                    )
                )
        return flags
