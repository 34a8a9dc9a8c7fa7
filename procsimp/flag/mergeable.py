"""Mergeable steps: two consecutive steps done by the same officer.

Signals: step B is (nearly) always directly preceded by step A, the dossiers that have A
(nearly) all go on to B unless they are knocked out right after A (counted per dossier, so a
repeat of A after a send-back does not count against it), the same officer does both, and B is a
follow-up: the officer takes it up soon after A, so the wait before B is short next to the work
B does (a step that waits much longer than it works is a separate pass, such as a re-check, a
review or a relay). The follow-up B is folded into A: the step that disappears (``activity``)
is always the second of the pair, never a start, end, decision or protected step (a step whose
next step varies only because two independent steps after it swap order is no decision), and ``into``
is A. A step done before a step that stays (an assignment before the appraisal) prepares that
step; it is not a follow-up and is never merged into it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.flag._common import make_flag, routing_only_by_swap, val
from procsimp.flag.base import (
    Detector,
    Interval,
    confidence,
    fmt_hours,
    fmt_hours_vi,
    fmt_pct,
    margin,
    quote,
)

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import LogAggregates, Row
    from procsimp.flag.flag import Flag

__all__ = ["Mergeable"]


class Mergeable(Detector):
    """Consecutive steps by the same officer that can be one step.

    Parameters
    ----------
    min_same_officer
        share of the pair's occurrences done by one officer.
    min_pair_share
        share of the first step's dossiers that go on to the second (or are knocked out right
        after the first), and of the second's occurrences preceded by the first.
    min_cases
        cases with the pair.
    min_case_share
        share of the service's cases with the pair.
    max_wait_hours
        the second step follows within this many working hours on average (the same working day;
        a follow-up, not a separate pass after a wait).
    max_wait_ratio
        with start times: the median wait before the second step is at most this many times its
        median processing (the officer takes the follow-up up soon after the first step; a
        re-check or a review waits far longer than it works).
    min_proc_minutes
        the step that disappears does at least this much work (median, working minutes; when
        processing is known) or follows within half an hour: a step that does nothing after a
        wait is a relay, to automate or eliminate.
    """

    name = "mergeable"
    action = "merge"
    _constraints = {
        "min_same_officer": Interval(0, 1),
        "min_pair_share": Interval(0, 1),
        "min_cases": Interval(1, None, integer=True),
        "min_case_share": Interval(0, 1),
        "max_wait_hours": Interval(0, None),
        "max_wait_ratio": Interval(0, None),
        "min_proc_minutes": Interval(0, None),
    }

    min_same_officer: float
    min_pair_share: float
    min_cases: int
    min_case_share: float
    max_wait_hours: float
    max_wait_ratio: float
    min_proc_minutes: float

    def __init__(
        self,
        *,
        min_same_officer: float = 0.9,
        min_pair_share: float = 0.9,
        min_cases: int = 10,
        min_case_share: float = 0.05,
        max_wait_hours: float = 8.0,
        max_wait_ratio: float = 10.0,
        min_proc_minutes: float = 10.0,
    ) -> None:
        super().__init__(
            max_wait_hours=max_wait_hours,
            max_wait_ratio=max_wait_ratio,
            min_proc_minutes=min_proc_minutes,
            min_same_officer=min_same_officer,
            min_pair_share=min_pair_share,
            min_cases=min_cases,
            min_case_share=min_case_share,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if not ag.has_resource or ag.pairs.empty:
            return []  # "the same officer" needs officers
        per_day = ag.hours_per_day
        cases_of = {r.service: r.cases for r in ag.service_rows()}
        flags: list[Flag] = []
        for p in ag.rows("pairs"):
            if p.source == p.target or p.cases < self.min_cases:
                continue
            n_cases = cases_of.get(p.service, 0)
            if p.cases / max(n_cases, 1) < self.min_case_share:
                continue
            if val(p.same_resource) < self.min_same_officer:
                continue
            a = ag.row(p.service, p.source)
            b = ag.row(p.service, p.target)
            if a is None or b is None or (bool(b["kept"]) and not routing_only_by_swap(ag, b)):
                continue  # the follow-up (the second step) is the one that goes
            goes_on = self._goes_on(p, a)
            if goes_on < self.min_pair_share or val(p.share_of_target) < self.min_pair_share:
                continue
            gone, keep, g = p.target, p.source, b
            between_h = val(p.wait_hours_mean) if ag.has_start else val(p.sojourn_hours_mean)
            if between_h > self.max_wait_hours:
                continue  # a separate pass after a wait, not a follow-up
            wait_ratio = float("nan")
            if ag.has_start:
                proc_h, wait_h = val(g["proc_hours_median"]), val(g["wait_hours_median"])
                if proc_h * 60.0 < self.min_proc_minutes and between_h >= 0.5:
                    continue  # a step that does no work after a wait: a relay (automate or eliminate), not a merge
                wait_ratio = wait_h / proc_h if proc_h > 0 else (0.0 if wait_h <= 0 else float("inf"))
                if wait_ratio > self.max_wait_ratio:
                    continue  # it waits far longer than it works: a separate pass (a re-check, a review)
            # merging removes the waiting between the two steps (the hand-over inside one desk)
            between = val(p.wait_hours_mean) if ag.has_start else val(p.sojourn_hours_mean)
            per_case = between * p.count / max(n_cases, 1)
            handoffs = (1.0 - val(p.same_resource)) * p.count / max(n_cases, 1)
            conf = confidence(
                [
                    margin(p.same_resource, self.min_same_officer, 1.0),
                    margin(min(goes_on, val(p.share_of_target)), self.min_pair_share, 1.0),
                    margin(p.cases, self.min_cases, 10 * self.min_cases),
                ]
            )
            ev = {
                "cases": p.cases,
                "pair_count": p.count,
                "first": p.source,
                "second": p.target,
                "same_officer": p.same_resource,
                "same_unit": p.same_unit,
                "first_followed_by_second": p.share_of_source,
                "second_preceded_by_first": p.share_of_target,
                "first_goes_on_share": goes_on,
                "wait_to_proc_ratio_second": None if wait_ratio != wait_ratio else wait_ratio,
                "proc_hours_median_removed_step": g["proc_hours_median"],
                "wait_hours_between_mean": p.wait_hours_mean,
            }
            en = (
                f"{quote(p.source)} and {quote(p.target)} are done one after the other by the same officer in "
                f"{fmt_pct(p.same_resource)} of {p.count} dossiers, with {fmt_hours(between, per_day)} waiting "
                f"between them, so fold {quote(gone)} into {quote(keep)}"
            )
            vi = (
                f"{quote(p.source)} và {quote(p.target)} do cùng một cán bộ thực hiện liền nhau ở "
                f"{fmt_pct(p.same_resource)} trong {p.count} hồ sơ, chờ {fmt_hours_vi(between, per_day)} "
                f"giữa hai bước, nên gộp {quote(gone)} vào {quote(keep)}"
            )
            flags.append(
                make_flag(
                    self,
                    service=p.service,
                    activity=gone,
                    into=keep,
                    confidence=conf,
                    evidence=ev,
                    workdays_per_case=per_case / per_day,
                    handoffs_removed=handoffs,
                    en=en,
                    vi=vi,
                )
            )
        return flags

    @staticmethod
    def _goes_on(p: Row, a: Row) -> float:
        """Share of the first step's dossiers that have the pair or are knocked out right after
        the first step (per dossier: a repeat of the first step, after a send-back, is not a
        dossier that skipped the second)."""
        cases = int(a["cases"])
        if cases <= 0:
            return 0.0
        knocked = val(a["knockout_next_share"]) * int(a["events"])  # a knock-out ends the dossier: once each
        return min(1.0, (int(p.cases) + knocked) / cases)
