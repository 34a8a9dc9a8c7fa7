"""Late knock-out: rejections decided after costly steps.

Signals: a step is regularly the last one before a rejection notice (or another knock-out end),
and the rejected dossiers went through costly work before it. The check can run earlier, right
after the last screening decision (a step that rejects dossiers or sends them back for a
supplement) or the intake that comes before the costly work, so that rejected dossiers skip that
work.

A dossier that ends early is not necessarily rejected (a log extract also cuts dossiers that are
still open). Only knock-out ends with evidence of a rejection count: the dossiers' outcome says
so, the end step's name says so (multilingual keywords), or the end step is a separate one that
closes nearly every dossier reaching it and is reached from decisions that send most dossiers
on. With that last, structural evidence only, the flag says that dossiers *stop* there, not that
they are rejected, and its confidence is capped at 0.6.

A service that already screens dossiers out before the costly work (a knock-out decision before
it that rejects at least as many dossiers) is not flagged: its later rejections are the ones
that need the work's result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.flag._common import (
    make_flag,
    produces_result,
    releases_result,
    val,
    wilson_lower,
    work_hours_scale,
)
from procsimp.flag.base import (
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
    from procsimp.flag.aggregates import LogAggregates, Row
    from procsimp.flag.flag import Flag

__all__ = ["LateKnockout"]


class LateKnockout(Detector):
    """Knock-out decisions that come after costly steps: move the check earlier.

    Parameters
    ----------
    min_knockouts
        knock-outs decided right after the step.
    min_knockout_share
        share of the service's cases knocked out right after the step.
    min_step_share
        an earlier step counts when it ran before the decision in at least this share of the
        knocked-out cases.
    min_cost_share
        an earlier step is costly when its processing is at least this share of the service's
        main work step ...
    min_cost_hours
        ... and at least this many working hours.
    min_knockout_rate
        share of the step's own occurrences followed by a knock-out (a check that matters); the
        lower 95% confidence bound of the observed share must reach it.
    max_check_share
        the check's processing is at most this share of the costliest step before it: a quick
        check placed after expensive work, not the main appraisal itself.
    min_cost_step_share
        a costly step counts when it ran before the decision in at least this share of the
        knocked-out cases: work done for nearly every dossier, not an optional branch that only
        some dossiers are routed to (the step after such a branch is the main appraisal).

    Protected steps (a signature the law places at the end) are never moved, nor is the final
    approval that releases the result (its next step produces or delivers it). Per service only
    the main late knock-out (the one deciding most knock-outs) is reported; the others are listed
    in its evidence.
    """

    name = "late_knockout"
    action = "move_earlier"
    _constraints = {
        "min_knockouts": Interval(1, None, integer=True),
        "min_knockout_share": Interval(0, 1),
        "min_knockout_rate": Interval(0, 1),
        "min_step_share": Interval(0, 1),
        "min_cost_share": Interval(0, 1),
        "min_cost_hours": Interval(0, None),
        "max_check_share": Interval(0, 1),
        "min_cost_step_share": Interval(0, 1),
    }

    min_knockouts: int
    min_knockout_share: float
    min_knockout_rate: float
    min_step_share: float
    min_cost_share: float
    min_cost_hours: float
    max_check_share: float
    min_cost_step_share: float

    def __init__(
        self,
        *,
        min_knockouts: int = 5,
        min_knockout_share: float = 0.01,
        min_knockout_rate: float = 0.02,
        min_step_share: float = 0.5,
        min_cost_share: float = 0.3,
        min_cost_hours: float = 0.5,
        max_check_share: float = 0.5,
        min_cost_step_share: float = 0.8,
    ) -> None:
        super().__init__(
            min_knockouts=min_knockouts,
            min_knockout_share=min_knockout_share,
            min_knockout_rate=min_knockout_rate,
            min_step_share=min_step_share,
            min_cost_share=min_cost_share,
            min_cost_hours=min_cost_hours,
            max_check_share=max_check_share,
            min_cost_step_share=min_cost_step_share,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if ag.knockouts.empty:
            return []
        per_day = ag.hours_per_day
        acts_of = ag.activity_rows()
        steps_of: dict[tuple[str, str], list[Row]] = {}
        for st in ag.rows("knockout_steps"):
            steps_of.setdefault((st.service, st.decider), []).append(st)
        knockouts_of = {(k.service, k.decider): int(k.knockouts) for k in ag.rows("knockouts")}
        candidates: list[tuple[str, int, float, str, Flag]] = []
        for k in ag.rows("knockouts"):
            evidence_kind = str(k.rejection_evidence or "")
            if not evidence_kind:
                continue  # the dossiers end early, nothing says they are rejected
            share = k.knockouts / max(k.service_cases, 1)
            if k.knockouts < self.min_knockouts or share < self.min_knockout_share:
                continue
            rate_low = wilson_lower(k.knockouts, k.decider_events)
            if rate_low < self.min_knockout_rate:
                continue
            acts = acts_of.get(k.service, [])
            decider = ag.row(k.service, k.decider)
            if decider is None or decider.start or decider.protected:
                continue
            rows = {r.activity: r for r in acts}
            if produces_result(decider, rows) or releases_result(decider, rows):
                continue  # the final approval that releases the result needs the work before it
            steps = [
                st
                for st in steps_of.get((k.service, k.decider), [])
                if st.share >= self.min_step_share and st.activity != k.decider
            ]
            if not steps:
                continue
            if ag.has_start:
                work = work_hours_scale(acts)
                need = max(self.min_cost_hours, self.min_cost_share * val(work))
                cost_col = "proc_hours_median"
                cap = 1.0
            else:
                # without processing times, the elapsed working time a step adds stands for its cost
                need = max(self.min_cost_hours, 1.0 * ag.hours_per_day)
                cost_col = "sojourn_hours_median"
                cap = 0.6

            def is_anchor(name: str, service: str = k.service) -> bool:
                # the intake, or a screening decision that rejects or sends dossiers back
                row = ag.row(service, name)
                return row is not None and bool(row.start or row.decision_knockout or row.decision_rework)

            def cost_of(name: str, service: str = k.service, col: str = cost_col) -> float:
                row = ag.row(service, name)
                return val(row[col]) if row is not None else 0.0

            # costly work: not the intake, not a screening decision, at least ``need`` hours
            # done for (nearly) every knocked-out dossier: an optional branch some dossiers are
            # routed to is not the work the check should spare them
            costly = [st for st in steps if not is_anchor(st.activity) and cost_of(st.activity) >= need
                      and st.share >= self.min_cost_step_share]
            if not costly:
                continue
            if ag.has_start:
                biggest = max(cost_of(st.activity) for st in costly)
                if val(decider.proc_hours_median, float("inf")) > self.max_check_share * biggest:
                    continue  # the decision is as costly as the work before it: the appraisal itself
            # the latest screening point that still has costly work after it
            anchor = None
            for st in sorted(steps, key=lambda x: x.position_mean, reverse=True):
                if is_anchor(st.activity) and any(c.position_mean > st.position_mean for c in costly):
                    anchor = st
                    break
            if anchor is None:
                continue
            screened = max(
                (knockouts_of.get((k.service, str(st.activity)), 0) for st in steps
                 if st.position_mean <= anchor.position_mean and is_anchor(st.activity)),
                default=0,
            )
            if screened >= k.knockouts:
                continue  # dossiers are already screened out before the costly work
            into = str(anchor.activity)
            skipped = [st for st in steps if st.position_mean > anchor.position_mean]
            costly = [c for c in costly if c.position_mean > anchor.position_mean]
            effort = float(sum(val(st.proc_hours_mean) * st.share for st in skipped))
            elapsed = float(sum(val(st.sojourn_hours_mean) * st.share for st in skipped))
            costly_names = [str(st.activity) for st in costly]
            per_case = elapsed * k.knockouts / max(k.service_cases, 1) / per_day
            hint = keyword_hint(k.decider, ("check", "verify"))
            cost_value = effort if ag.has_start else elapsed
            rejected = evidence_kind in ("outcome", "name")
            if not rejected:
                cap = min(cap, 0.6)  # a separate end step, nothing says it is a rejection
            conf = confidence(
                [
                    margin(share, self.min_knockout_share, 10 * self.min_knockout_share),
                    margin(cost_value, need, 4 * need),
                    margin(k.knockouts, self.min_knockouts, 10 * self.min_knockouts),
                ],
                hint=hint,
                cap=cap,
            )
            ev = {
                "knockouts": k.knockouts,
                "knockout_share_of_cases": share,
                "knockout_rate_at_step": k.knockout_rate,
                "knockout_rate_lower_bound": rate_low,
                "end_activity": k.end_activity,
                "rejection_evidence": evidence_kind,
                "costly_steps_before": costly_names,
                "skipped_steps": [str(st.activity) for st in skipped],
                "effort_hours_before_mean": k.effort_before_hours_mean if ag.has_start else None,
                "elapsed_hours_before_mean": k.elapsed_before_hours_mean,
                "effort_hours_avoidable_per_knockout": effort if ag.has_start else None,
                "elapsed_hours_avoidable_per_knockout": elapsed,
                "processing_known": ag.has_start,
                "name_hint": hint,
            }
            costly_txt = ", ".join(quote(c) for c in costly_names[:3])
            ended_en = "are rejected" if rejected else f"stop at {quote(k.end_activity)}"
            ended_vi = "bị từ chối" if rejected else f"dừng ở bước {quote(k.end_activity)}"
            en = (
                f"{k.knockouts} dossiers ({fmt_pct(share)}) {ended_en} right after {quote(k.decider)}, "
                f"only after {costly_txt} "
                + (f"cost {fmt_hours(effort, per_day)} of work" if ag.has_start else f"took {fmt_hours(elapsed, per_day)}")
                + f" each, so run {quote(k.decider)} right after {quote(into)}"
            )
            vi = (
                f"{k.knockouts} hồ sơ ({fmt_pct(share)}) {ended_vi} ngay sau {quote(k.decider)}, "
                f"sau khi {costly_txt} đã "
                + (f"tốn {fmt_hours_vi(effort, per_day)} công xử lý" if ag.has_start else f"mất {fmt_hours_vi(elapsed, per_day)}")
                + f" mỗi hồ sơ, nên thực hiện {quote(k.decider)} ngay sau {quote(into)}"
            )
            candidates.append((k.service, k.knockouts, val(k.knockout_rate), k.decider,
                make_flag(
                    self, service=k.service, activity=k.decider, into=into, confidence=conf, evidence=ev,
                    workdays_per_case=per_case, handoffs_removed=0.0,
                    en=en, vi=vi, effort_hours_per_knockout=effort if ag.has_start else float("nan"),
                )
            ))
        flags: list[Flag] = []
        by_service: dict[str, list[tuple[str, int, float, str, Flag]]] = {}
        for c in candidates:
            by_service.setdefault(c[0], []).append(c)
        for group in by_service.values():
            group.sort(key=lambda c: (-c[1], -c[2], c[3]))
            best = group[0][4]
            if len(group) > 1:
                ev = dict(best.evidence)
                ev["other_late_deciders"] = [c[3] for c in group[1:]]
                best = best.replace(evidence=ev)
            flags.append(best)
        return flags
