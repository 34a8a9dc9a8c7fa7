"""Waiting hot spot: dossiers wait before a step far longer than the step takes.

Signals: the mean waiting before the step is many times its processing time, long in absolute
terms, and well above the service's usual waiting; the step itself is light (a fraction of the
main work step). The step is not a start, end, decision or protected step (those are never
proposed for change). The step stays; the action is ``reduce_wait``: cut the waiting before it
(more officers, delegation, a deadline), so that the queue disappears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.flag._common import frequent_steps, make_flag, per_service, val, work_hours_scale
from procsimp.flag.base import (
    Detector,
    Interval,
    confidence,
    fmt_hours,
    fmt_hours_vi,
    margin,
    quote,
)

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import LogAggregates
    from procsimp.flag.flag import Flag

__all__ = ["WaitingHotspot"]


class WaitingHotspot(Detector):
    """Steps with a queue in front of them far longer than the work itself.

    Parameters
    ----------
    min_wait_ratio
        mean waiting at least this many times the mean processing time.
    min_wait_hours
        mean waiting at least this many working hours.
    min_service_ratio
        mean waiting at least this many times the service's median waiting per step.
    max_proc_share
        the step is light: its median processing is at most this share of the service's main
        work step (automating or reassigning a light step is realistic; a long appraisal needs
        capacity, which the profile shows).
    min_cases
        cases that must contain the step.
    """

    name = "waiting_hotspot"
    action = "reduce_wait"
    _constraints = {
        "min_wait_ratio": Interval(1, None),
        "min_wait_hours": Interval(0, None),
        "min_service_ratio": Interval(1, None),
        "max_proc_share": Interval(0, 1),
        "min_cases": Interval(1, None, integer=True),
    }

    min_wait_ratio: float
    min_wait_hours: float
    min_service_ratio: float
    max_proc_share: float
    min_cases: int

    def __init__(
        self,
        *,
        min_wait_ratio: float = 5.0,
        min_wait_hours: float = 7.5,
        min_service_ratio: float = 3.0,
        max_proc_share: float = 0.5,
        min_cases: int = 10,
    ) -> None:
        super().__init__(
            min_wait_ratio=min_wait_ratio,
            min_wait_hours=min_wait_hours,
            min_service_ratio=min_service_ratio,
            max_proc_share=max_proc_share,
            min_cases=min_cases,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if not ag.has_start:
            return []  # waiting and processing cannot be told apart without start times
        per_day = ag.hours_per_day
        flags: list[Flag] = []
        for srow, acts in per_service(ag):
            n_cases = srow["cases"]
            typical = val(srow["wait_hours_median"], 0.0)
            work = val(work_hours_scale(acts), float("inf"))
            for r in frequent_steps(acts, self.min_cases, skip_kept=True):
                if val(r.proc_hours_median, float("inf")) > self.max_proc_share * work:
                    continue
                wait, proc = val(r.wait_hours_mean), val(r.proc_hours_mean)
                if wait < self.min_wait_hours or wait < self.min_wait_ratio * max(proc, 1e-9):
                    continue
                if wait < self.min_service_ratio * typical:
                    continue
                # assume the queue falls to the service's usual waiting per step
                per_case = (wait - typical) * r.events / max(n_cases, 1) / per_day
                conf = confidence(
                    [
                        margin(wait / max(proc, 1e-9), self.min_wait_ratio, 4 * self.min_wait_ratio),
                        margin(wait, self.min_wait_hours, 4 * self.min_wait_hours),
                        margin(wait / max(typical, 1e-9), self.min_service_ratio, 4 * self.min_service_ratio),
                    ]
                )
                ev = {
                    "cases": r.cases,
                    "wait_hours_mean": wait,
                    "wait_hours_median": r.wait_hours_median,
                    "wait_hours_p90": r.wait_hours_p90,
                    "proc_hours_mean": proc,
                    "wait_to_processing": wait / max(proc, 1e-9),
                    "service_wait_hours_median": typical,
                    "assumption": "the waiting falls to the service's median waiting per step",
                }
                en = (
                    f"Dossiers wait {fmt_hours(wait, per_day)} on average before {quote(r.activity)}, which itself takes "
                    f"{fmt_hours(proc, per_day)}, against a usual {fmt_hours(typical, per_day)} per step, "
                    f"so reduce the waiting before it (more officers, delegation or a deadline)"
                )
                vi = (
                    f"Hồ sơ chờ trung bình {fmt_hours_vi(wait, per_day)} trước bước {quote(r.activity)}, trong khi bước này chỉ mất "
                    f"{fmt_hours_vi(proc, per_day)} và mức chờ thông thường là {fmt_hours_vi(typical, per_day)} mỗi bước, "
                    f"nên giảm thời gian chờ trước bước này (bổ sung cán bộ, ủy quyền hoặc đặt thời hạn)"
                )
                flags.append(
                    make_flag(
                        self, service=srow["service"], activity=r.activity, confidence=conf, evidence=ev,
                        workdays_per_case=per_case, handoffs_removed=0.0, en=en, vi=vi,
                    )
                )
        return flags
