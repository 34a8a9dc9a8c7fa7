"""Duplicate check: a re-check that finds nothing new.

Signals: earlier on the usual path the dossier already went through a check that *does* find
things (it leads to rejections or supplement requests), while this step never does: it is
always followed by the same step, never by a rejection or rework, and tells nothing about the
outcome. Like a review it is a short step after the service's main work, but it may be done
by the same officer or unit whose work it checks (a clerk re-checking their own unit's work);
the same steps are never taken for one: consultations of other bodies, the step the dossier comes
back to from them, the back office's dispatch of a dossier the desk just handed over (an
assignment: there is no work of its unit to check yet), and later steps at the desk that
received it (see :class:`procsimp.flag._common.ControlStep`). A re-check by the officer who did
the work is a separate pass: the dossier waits again (at least ten times the re-check's
processing, and over two hours); a step that officer takes up sooner continues the work (a
follow-up, to merge).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp.flag._common import ControlStep, val
from procsimp.flag.base import fmt_hours, fmt_hours_vi, fmt_pct, margin, quote

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import Row

__all__ = ["DuplicateCheck"]


class DuplicateCheck(ControlStep):
    """Checks repeated after a check that already finds problems, with nothing new found.

    A control step that changes nothing, with earlier on the usual path a check that leads to
    rejections or supplement requests; the parameters are listed in ``__init__``.
    """

    name = "duplicate_check"
    action = "eliminate"
    hint_kinds = ("check", "verify")

    def __init__(
        self,
        *,
        min_top_successor: float = 0.95,
        max_outcome_bits: float = 0.01,
        max_proc_share: float = 0.4,
        min_other_officer: float = 0.0,
        min_other_unit: float = 0.0,
        min_controlled_ratio: float = 2.0,
        min_sent_back: float = 0.5,
        max_intake_unit: float = 0.5,
        min_cases: int = 10,
        min_case_share: float = 0.05,
    ) -> None:
        """The parameters of :class:`~procsimp.flag._common.ControlStep`, except that a
        re-check may be done by the officer or the unit whose work it checks
        (``min_other_officer`` and ``min_other_unit`` default to 0); such a re-check comes after
        the service's main work step and is light.

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
            share of occurrences done by another unit than the previous step (when the log has
            units).
        min_controlled_ratio
            an earlier step must take at least this many times the re-check's processing.
        min_sent_back
            a step done by a unit that does nothing else in the service is a consultation, not a
            re-check, when at least this share of its dossiers then go back to a unit that had
            them earlier.
        max_intake_unit
            at most this share of the occurrences may be done by the unit that received the
            dossier (when the log has units).
        min_cases
            cases that must contain the step.
        min_case_share
            share of the service's cases that must contain the step.
        """
        super().__init__(
            min_top_successor=min_top_successor,
            max_outcome_bits=max_outcome_bits,
            max_proc_share=max_proc_share,
            min_other_officer=min_other_officer,
            min_other_unit=min_other_unit,
            min_controlled_ratio=min_controlled_ratio,
            min_sent_back=min_sent_back,
            max_intake_unit=max_intake_unit,
            min_cases=min_cases,
            min_case_share=min_case_share,
        )

    #: a step between the re-check and the work it checks that takes less than this share of the
    #: re-check's processing is a hand-over: the step after it starts a new desk's handling
    max_relay_ratio = 0.7
    #: a re-check by the officer or unit whose work it checks is light: at most this share of the
    #: main work step's processing
    max_own_recheck_share = 0.25
    #: a re-check by the officer who did the work is a separate pass: the dossier waits again, at
    #: least this many times the re-check's processing (median); a step the same officer takes up
    #: sooner continues the work (a follow-up, to merge)
    min_recheck_wait_ratio = 10.0

    def _finding(self, c: dict[str, Any]) -> dict[str, Any] | None:
        row = c["row"]
        by_others = c["other"] >= 0.8 and val(row["unit_change_prev"]) >= 0.5
        if not (by_others or c["after_work"]):
            return None  # the same officer or unit before the main work: a dispatch, not a re-check
        if not by_others and c["proc"] > self.max_own_recheck_share * c["work_hours"]:
            return None  # the same officer or unit doing real work: its own work, not a re-check
        for p in c["before"] if not c["after_work"] else ():
            # before the main work, the work it re-checks comes before any hand-over on the way in
            if p is c["controlled"]:
                break
            if val(p["proc_hours_median"]) < self.max_relay_ratio * c["proc"]:
                return None  # the dossier just arrived by a transfer: it starts a new desk's handling
        if c["other"] < 0.2 and (
            val(row["wait_hours_mean"]) <= 2.0
            or val(row["wait_hours_median"]) < self.min_recheck_wait_ratio * c["proc"]
        ):
            return None  # the same officer goes straight on: a follow-up (to merge), not a re-check
        checks = [p for p in c["before"] if p["decision_knockout"] or p["decision_rework"]]
        if not checks:
            return None
        check = checks[0]  # the nearest earlier check that finds problems
        return {"check": check, "finds": val(check["knockout_next_share"]) + val(check["rework_next_share"])}

    def _describe(
        self, r: Row, c: dict[str, Any], found: dict[str, Any], per_day: float
    ) -> tuple[list[float], dict[str, Any], str, str]:
        check, finds, proc = found["check"], found["finds"], c["proc"]
        added = val(r.sojourn_hours_mean)
        margins = [
            margin(r.top_successor_share, self.min_top_successor, 1.0),
            margin(finds, 0.0, 0.2),
            self._proc_margin(c),
            margin(r.cases, self.min_cases, 10 * self.min_cases),
        ]
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
        }
        en = (
            f"{quote(r.activity)} checks the dossier again after {quote(check['activity'])} without finding "
            f"anything new: the earlier check leads to rejection or supplement in {fmt_pct(finds)} of cases, "
            f"this one in none of its {r.events} occurrences, while it adds "
            f"{fmt_hours(added, per_day)} per dossier, so drop the re-check"
        )
        vi = (
            f"{quote(r.activity)} kiểm tra lại hồ sơ sau {quote(check['activity'])} mà không phát hiện gì mới: "
            f"bước kiểm tra trước dẫn đến từ chối hoặc yêu cầu bổ sung ở {fmt_pct(finds)} hồ sơ, "
            f"bước này không lần nào trong {r.events} lần thực hiện, nhưng thêm "
            f"{fmt_hours_vi(added, per_day)} cho mỗi hồ sơ, nên bỏ bước kiểm tra lại"
        )
        return margins, ev, en, vi
