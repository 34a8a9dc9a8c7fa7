"""Rubber-stamp review: a control step that never changes what happens next.

Signals: the step comes after the service's main work step (and before the result is produced), is
done by someone other than the officer who did the step before it, takes a small fraction of the
work step's time, and is followed by the same step every time: no rejection, no rework, no
different routing, no link with the outcome. It can go, or be replaced by sample audits.

Not a review, whatever the numbers: a consultation of another body (a unit that does nothing
else in the service, with real processing, after which the dossier goes back to a unit that
works on it earlier or on to another body asked in turn: a consultation followed by another
consultation is still one), the step at which the dossier comes back from such a body when it
does real work there, the back office's dispatch before its main work, a step of seconds (a
system's), and later steps at the desk that received the dossier (see
:class:`procsimp.flag._common.ControlStep`). A review of a few minutes by a level that does
nothing else is one, even right after a consultation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp.flag._common import ControlStep, val
from procsimp.flag.base import fmt_hours, fmt_hours_vi, fmt_pct, margin, quote

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import Row

__all__ = ["RubberStamp"]


class RubberStamp(ControlStep):
    """Reviews and approvals after which the dossier always goes the same way.

    A control step that changes nothing and comes after the service's main work step; the
    parameters are listed in ``__init__``.
    """

    name = "rubber_stamp"
    action = "eliminate"
    hint_kinds = ("review", "approve")

    def _finding(self, c: dict[str, Any]) -> dict[str, Any] | None:
        return {} if c["after_work"] else None

    def _describe(
        self, r: Row, c: dict[str, Any], found: dict[str, Any], per_day: float
    ) -> tuple[list[float], dict[str, Any], str, str]:
        proc, work_h, work = c["proc"], c["work_hours"], c["work"]
        margins = [
            margin(r.top_successor_share, self.min_top_successor, 1.0),
            self._proc_margin(c),
            margin(c["other"], self.min_other_officer, 1.0),
            margin(r.cases, self.min_cases, 10 * self.min_cases),
        ]
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
        }
        en = (
            f"{quote(r.activity)} never changes what happens next: in all {r.events} occurrences it led to "
            f"no rejection and no rework and {fmt_pct(r.top_successor_share)} went on to "
            f"{quote(r.top_successor)}, yet it adds {fmt_hours(proc, per_day)} of processing "
            f"(against {fmt_hours(work_h, per_day)} for {quote(work.activity)}) and "
            f"{fmt_hours(val(r.wait_hours_mean), per_day)} of waiting, so drop it or replace it by sample audits"
        )
        vi = (
            f"{quote(r.activity)} không làm thay đổi bước tiếp theo: trong {r.events} lần thực hiện không có "
            f"lần nào dẫn đến từ chối hay làm lại và {fmt_pct(r.top_successor_share)} chuyển tiếp sang "
            f"{quote(r.top_successor)}, nhưng thêm {fmt_hours_vi(proc, per_day)} xử lý "
            f"(so với {fmt_hours_vi(work_h, per_day)} của {quote(work.activity)}) và "
            f"{fmt_hours_vi(val(r.wait_hours_mean), per_day)} chờ đợi, nên bỏ bước này hoặc thay bằng kiểm tra xác suất"
        )
        return margins, ev, en, vi
