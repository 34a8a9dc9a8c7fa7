"""Duplicate check: a re-check that finds nothing new.

Signals: earlier on the usual path the dossier already went through a check that *does* find
things (it leads to rejections or supplement requests), while this step never does: it is
always followed by the same step, never by a rejection or rework, and tells nothing about the
outcome. Like a review it is a short step done by someone else after some real work, and the
same steps are never taken for one: consultations of other bodies, the step the dossier comes
back to from them, and later steps at the desk that received it (see
:class:`procsimp.detect._common.ControlStep`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp.detect._common import ControlStep, val
from procsimp.detect.base import fmt_hours, fmt_hours_vi, fmt_pct, margin, quote

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.detect.aggregates import Row

__all__ = ["DuplicateCheck"]


class DuplicateCheck(ControlStep):
    """Checks repeated after a check that already finds problems, with nothing new found.

    A control step that changes nothing, with earlier on the usual path a check that leads to
    rejections or supplement requests; the parameters are listed in ``__init__``.
    """

    name = "duplicate_check"
    action = "eliminate"
    hint_kinds = ("check", "verify")

    def _finding(self, c: dict[str, Any]) -> dict[str, Any] | None:
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
