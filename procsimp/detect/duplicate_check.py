"""Duplicate check: a re-check that finds nothing new.

Signals: shortly before the step (on the usual path) the dossier already went through a check
that *does* find things (it leads to rejections or supplement requests), while this step never
does: it is always followed by the same step, never by a rejection or rework, and tells nothing
about the outcome. Its effort is of the same order as the real check's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp.detect._common import make_flag, per_service, sentence, val
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


def earlier_check(rows: dict[str, Any], start: str, max_back: int) -> tuple[str, int] | None:
    """The nearest step before ``start`` on the usual path that rejects or triggers rework."""
    seen = {start}
    current = rows.get(start)
    for back in range(1, max_back + 1):
        if current is None:
            return None
        prev = current["top_predecessor"]
        if prev is None or prev not in rows or prev in seen or val(current["top_predecessor_share"]) < 0.5:
            return None
        seen.add(prev)
        p = rows[prev]
        if bool(p["decision_knockout"]) or bool(p["decision_rework"]):
            return prev, back
        if bool(p["start"]):
            return None
        current = p
    return None


class DuplicateCheck(Detector):
    """Checks repeated after a check that already finds problems, with nothing new found.

    Parameters
    ----------
    max_back
        how many steps back (on the usual path) the earlier check may be.
    min_top_successor
        share of occurrences followed by the same next step.
    max_outcome_bits
        largest mutual information (bits) between the next step and the case outcome.
    min_effort_ratio
        processing time at least this share of the earlier check's (a real re-check, not a relay).
    min_cases
        cases that must contain the step.
    min_case_share
        share of the service's cases that must contain the step.
    """

    name = "duplicate_check"
    action = "eliminate"
    _constraints = {
        "max_back": Interval(1, 10, integer=True),
        "min_top_successor": Interval(0.5, 1),
        "max_outcome_bits": Interval(0, 1),
        "min_effort_ratio": Interval(0, None),
        "min_cases": Interval(1, None, integer=True),
        "min_case_share": Interval(0, 1),
    }

    def __init__(
        self,
        *,
        max_back: int = 3,
        min_top_successor: float = 0.95,
        max_outcome_bits: float = 0.01,
        min_effort_ratio: float = 0.25,
        min_cases: int = 10,
        min_case_share: float = 0.05,
    ) -> None:
        super().__init__(
            max_back=max_back,
            min_top_successor=min_top_successor,
            max_outcome_bits=max_outcome_bits,
            min_effort_ratio=min_effort_ratio,
            min_cases=min_cases,
            min_case_share=min_case_share,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        flags: list[Flag] = []
        per_day = ag.hours_per_day
        for srow, acts in per_service(ag):
            n_cases = srow["cases"]
            rows = {r.activity: r for r in acts}
            for r in acts:
                if r.kept or r.cases < self.min_cases or val(r.case_share) < self.min_case_share:
                    continue
                if r.knockout_next > 0 or r.loop_starts > 0:
                    continue
                if val(r.top_successor_share) < self.min_top_successor:
                    continue
                if val(r.outcome_mi_bits) > self.max_outcome_bits:
                    continue
                found = earlier_check(rows, r.activity, self.max_back)
                if found is None:
                    continue
                check_name, back = found
                check = rows[check_name]
                finds = val(check["knockout_next_share"]) + val(check["loop_start_share"])
                if ag.has_start:
                    ratio = val(r.proc_hours_median) / max(val(check["proc_hours_median"]), 1e-9)
                    if ratio < self.min_effort_ratio:
                        continue
                    cap = 1.0
                else:
                    ratio = float("nan")
                    cap = 0.7
                added = val(r.sojourn_hours_mean)
                per_case = added * r.events / max(n_cases, 1)
                handoffs = val(r.handoffs_saved_per_event) * r.events / max(n_cases, 1)
                hint = keyword_hint(r.activity, ("check", "verify", "review"))
                conf = confidence(
                    [
                        margin(r.top_successor_share, self.min_top_successor, 1.0),
                        margin(finds, 0.0, 0.2),
                        1.0 - (back - 1) / self.max_back,
                        margin(r.cases, self.min_cases, 10 * self.min_cases),
                    ],
                    hint=hint,
                    cap=cap,
                )
                ev = {
                    "cases": r.cases,
                    "case_share": r.case_share,
                    "earlier_check": check_name,
                    "steps_after_check": back,
                    "earlier_check_rejection_share": check["knockout_next_share"],
                    "earlier_check_rework_share": check["loop_start_share"],
                    "rejections_after": r.knockout_next,
                    "rework_after_share": r.rework_after_share,
                    "top_successor": r.top_successor,
                    "top_successor_share": r.top_successor_share,
                    "proc_hours_median": r.proc_hours_median,
                    "effort_ratio_to_check": ratio,
                    "wait_hours_mean": r.wait_hours_mean,
                    "name_hint": hint,
                }
                en = sentence(
                    f"{quote(r.activity)} repeats the check {quote(check_name)} without finding anything new: "
                    f"the earlier check leads to rejection or supplement in {fmt_pct(finds)} of cases, "
                    f"this one in none of its {r.events} occurrences, while it adds "
                    f"{fmt_hours(added, per_day)} per dossier, so drop the re-check"
                )
                vi = sentence(
                    f"{quote(r.activity)} lặp lại việc kiểm tra {quote(check_name)} mà không phát hiện gì mới: "
                    f"bước kiểm tra trước dẫn đến từ chối hoặc yêu cầu bổ sung ở {fmt_pct(finds)} hồ sơ, "
                    f"bước này không lần nào trong {r.events} lần thực hiện, nhưng thêm "
                    f"{fmt_hours_vi(added, per_day)} cho mỗi hồ sơ, nên bỏ bước kiểm tra lại"
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
