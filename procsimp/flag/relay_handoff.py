"""Relay hand-off: a step that only forwards the dossier.

Signals: near-zero processing time, nearly always the same successor (or one of two steps that
follow it in either order: routing that varies only because two independent successors swap is
not a decision), a change of officer or unit on the way in or on the way out (the desk officer
who checked a dossier often transfers it himself; the officer who takes a dossier back from a
consulted body and passes it on is often followed by himself; a required step moves the dossier
whoever does it, so needs neither), waiting added before it, and a performer that handles other
steps too (a step done by a level or body that appears only for it, such as a signature, is an
authority, not a relay). Not a relay: the back office's dispatch of a dossier before its main
work, right after the intake desk's hand-over (a head assigning it to a specialist routes the
work to a person; see :func:`procsimp.flag._common.dispatch`). Such a step can go (route the dossier automatically): the action is
``eliminate``, or ``automate`` (the same saving: the system passes the dossier on, with no officer
and no waiting, and the step stays) when the step is required (protected by the catalog or by
``protect``) or when it is the hand-over from the intake desk (done by the unit that received the
dossier: one-stop-shop rules make the desk pass the dossier on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.flag._common import (
    dispatch,
    frequent_steps,
    is_quiet,
    own_work_step,
    per_service,
    produces_result,
    step_flag,
    swap_only_routing,
    val,
    work_hours_scale,
)
from procsimp.flag.base import Detector, Interval, fmt_hours, fmt_hours_vi, fmt_pct, margin, quote

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import LogAggregates
    from procsimp.flag.flag import Flag

__all__ = ["RelayHandoff"]


class RelayHandoff(Detector):
    """Forwarding steps: near-zero processing, one successor, a hand-off, waiting added.

    Parameters
    ----------
    max_proc_minutes
        median processing time (working minutes) at or below which a step only forwards.
    max_proc_share
        ... and at most this share of the processing time of the service's main work step.
    min_wait_minutes
        median waiting before the step (working minutes) at or above which it adds waiting ...
    min_wait_ratio
        ... and at least this many times its processing time.
    min_top_successor
        share of the step's occurrences followed by its most frequent successor.
    min_handoff
        share of occurrences where the dossier changes officer (or unit) on the way in or on
        the way out (not asked of a required step).

    min_intake_unit
        share of the occurrences done by the unit that received the dossier at or above which
        the step is the intake desk's hand-over (``automate`` rather than ``eliminate``).

    Without start times, processing is unknown: the step must then complete right after its
    predecessor (median sojourn at most ``max_proc_minutes``) and confidence is capped at 0.7.
    min_cases
        cases that must contain the step.
    min_case_share
        share of the service's cases that must contain the step.
    """

    name = "relay_handoff"
    action = "eliminate"
    actions = ("eliminate", "automate")
    _constraints = {
        "max_proc_minutes": Interval(0, 480),
        "max_proc_share": Interval(0, 1),
        "min_wait_minutes": Interval(0, None),
        "min_wait_ratio": Interval(0, None),
        "min_top_successor": Interval(0.5, 1),
        "min_handoff": Interval(0, 1),
        "min_intake_unit": Interval(0, 1),
        "min_cases": Interval(1, None, integer=True),
        "min_case_share": Interval(0, 1),
    }

    max_proc_minutes: float
    max_proc_share: float
    min_wait_minutes: float
    min_wait_ratio: float
    min_top_successor: float
    min_handoff: float
    min_intake_unit: float
    min_cases: int
    min_case_share: float

    def __init__(
        self,
        *,
        max_proc_minutes: float = 10.0,
        max_proc_share: float = 0.1,
        min_wait_minutes: float = 30.0,
        min_wait_ratio: float = 3.0,
        min_top_successor: float = 0.9,
        min_handoff: float = 0.8,
        min_intake_unit: float = 0.5,
        min_cases: int = 5,
        min_case_share: float = 0.05,
    ) -> None:
        super().__init__(
            max_proc_minutes=max_proc_minutes,
            max_proc_share=max_proc_share,
            min_wait_minutes=min_wait_minutes,
            min_wait_ratio=min_wait_ratio,
            min_top_successor=min_top_successor,
            min_handoff=min_handoff,
            min_intake_unit=min_intake_unit,
            min_cases=min_cases,
            min_case_share=min_case_share,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        flags: list[Flag] = []
        per_day = ag.hours_per_day
        for srow, acts in per_service(ag):
            work = val(work_hours_scale(acts))
            own_work = own_work_step(acts)
            rows = {r.activity: r for r in acts}
            for r in frequent_steps(acts, self.min_cases, self.min_case_share):
                swapped = swap_only_routing(ag, r)
                if r.kept and not (r.role == "protected" or (r.role == "decision" and swapped)):
                    continue  # a start, end or decision step; a required step may be automated
                if not (is_quiet(r, self.min_top_successor, 0.05) or (swapped and is_quiet(r, 0.5, 0.05))):
                    continue
                if val(r.unit_exclusive_share) >= 0.9:
                    continue  # a level or body that appears only for this step: an authority, not a relay
                if produces_result(r, rows):
                    continue  # right before the result is delivered: it registers or stamps the result
                before = rows.get(r.top_predecessor)
                if before is not None and before.protected and val(before.unit_exclusive_share) >= 0.9:
                    continue  # right after a required authority's step (a signature): it issues the result
                intake = ag.has_unit and val(r.intake_unit_share) >= self.min_intake_unit
                if not intake and dispatch(r, rows, own_work):
                    continue  # the back office's dispatch before its main work: it assigns the work
                # the dossier changes hands on the way in or out (the desk officer who checked
                # the dossier often transfers it himself; the officer who takes the dossier back
                # from a consulted body often goes on with it); a required step moves the dossier
                # whoever does it
                handoff = max(val(r.resource_change_next), val(r.unit_change_next))
                handoff_in = max(val(r.resource_change_prev), val(r.unit_change_prev))
                needed = max(handoff, handoff_in)
                if needed < self.min_handoff and not r.protected:
                    continue
                limit_h = self.max_proc_minutes / 60.0
                if ag.has_start:
                    proc = val(r.proc_hours_median, float("inf"))
                    if work > 0:
                        limit_h = min(limit_h, self.max_proc_share * work)
                    if proc > limit_h:
                        continue
                    # waiting added: a queue in front of a step that does nothing
                    wait_min = 60.0 * val(r.wait_hours_median)
                    if wait_min < max(self.min_wait_minutes, self.min_wait_ratio * 60.0 * proc):
                        continue
                    cap = 1.0
                else:
                    # no start times: the step must complete right after its predecessor
                    proc = val(r.sojourn_hours_median, float("inf"))
                    if proc > limit_h:
                        continue
                    cap = 0.7
                margins = [
                    margin(r.top_successor_share, self.min_top_successor, 1.0),
                    margin(needed, self.min_handoff, 1.0) if needed >= self.min_handoff else 0.0,
                    1.0 - margin(proc, 0.0, limit_h) if limit_h > 0 else 1.0,
                ]
                ev = {
                    "cases": r.cases,
                    "case_share": r.case_share,
                    "proc_hours_median": r.proc_hours_median,
                    "wait_hours_mean": r.wait_hours_mean,
                    "sojourn_hours_mean": r.sojourn_hours_mean,
                    "top_successor": r.top_successor,
                    "top_successor_share": r.top_successor_share,
                    "officer_change_next": r.resource_change_next,
                    "unit_change_next": r.unit_change_next,
                    "knockouts_after": r.knockout_next,
                    "routing_varies_only_by_swapped_successors": swapped,
                    "processing_known": ag.has_start,
                }
                required = bool(r.protected)
                automate = required or intake
                ev["required"] = r.protected_by or None
                ev["intake_unit_share"] = r.intake_unit_share if ag.has_unit else None
                wait_txt = fmt_hours(val(r.wait_hours_mean if ag.has_start else r.sojourn_hours_mean), per_day)
                wait_vi = fmt_hours_vi(val(r.wait_hours_mean if ag.has_start else r.sojourn_hours_mean), per_day)
                proc_txt = fmt_hours(proc, per_day) if ag.has_start else "no recorded"
                en = (
                    f"{quote(r.activity)} only forwards the dossier: {proc_txt} processing (median), "
                    f"{fmt_pct(r.top_successor_share)} of the time it is followed by {quote(r.top_successor)}, "
                    f"the officer or unit changes {fmt_pct(handoff)} of the time and it adds {wait_txt} "
                    f"of waiting, so "
                    + (
                        f"automate it: the system routes the dossier with no officer and no waiting, "
                        f"and the step stays ({'it is required' if required else 'the intake desk must pass the dossier on'})"
                        if automate else "route the dossier automatically and drop the step"
                    )
                )
                vi = (
                    f"{quote(r.activity)} chỉ chuyển tiếp hồ sơ: thời gian xử lý (trung vị) "
                    f"{fmt_hours_vi(proc, per_day) if ag.has_start else 'không ghi nhận'}, "
                    f"{fmt_pct(r.top_successor_share)} số lần tiếp theo là {quote(r.top_successor)}, "
                    f"đổi người hoặc đơn vị xử lý {fmt_pct(handoff)} số lần và thêm {wait_vi} chờ đợi, "
                    + (
                        f"nên tự động hóa bước này: hệ thống tự chuyển hồ sơ, không cần cán bộ và không phải "
                        f"chờ, bước vẫn được giữ ({'bước bắt buộc theo quy định' if required else 'bộ phận một cửa phải chuyển hồ sơ'})"
                        if automate else "nên chuyển hồ sơ tự động và bỏ bước này"
                    )
                )
                flags.append(
                    step_flag(
                        self, ag, srow, r, margins=margins, hint_kinds=("transfer", "assign"), cap=cap,
                        evidence=ev, en=en, vi=vi, action="automate" if automate else "eliminate",
                    )
                )
        return flags
