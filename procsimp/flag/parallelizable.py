"""Parallelisable steps: independent work done one after the other.

Two signals, each enough on its own, and each needing evidence that the two steps are
independent:

* **both orders:** in the cases that have both steps, A comes before B in some and B before A
  in others (by time: steps recorded at the same time, as in logs with day-resolution dates,
  have no order and do not count), they are usually adjacent, and the order changes neither
  step's processing time nor how often the dossier is knocked out: neither needs the other's
  result (without start times the processing cannot be compared, and the confidence is capped
  at 0.6);
* **sequential appraisals by different units:** A is (nearly) always directly followed by B, the
  two are done by units that never do each other's step, both are substantial work (a large
  share of the service's main work step, not a hand-off or a review), and at least one of them
  is done by a unit that does nothing else in the service (a body consulted for that one step,
  such as the police or a court). When both are such bodies, any real work
  (``min_body_proc_hours``) is substantial: two consulted bodies are neither a hand-off nor a
  review of each other. No work is handed over between the two: B's unit neither sent the dossier to A and took it back
  for B (B then waits for A's result, as after a consultation), nor keeps it after B (B then
  continues what A started, as after an assignment). A pair where both units are such bodies
  comes first; a pair with one is only reported when neither of its steps is already in a
  reported pair. Neither step may be a start or end step, a protected step (a signature or a
  registration the law requires settles what came before it), nor a decision step (a check that
  can reject is better done first), unless both are consulted bodies and either the dossier
  goes back to the unit that asked them (each gives its opinion, whether or not one can refuse)
  or the decision is a rare knock-out (at most ``max_knockout_share`` of its dossiers, and it
  never sends the dossier back or routes it) asked on an appraised dossier (substantial work
  comes before it): two bodies asked one after the other, always in the same order, with nothing
  passing between them, can be asked at once, and the few dossiers one of them refuses do not
  justify making every dossier wait for it first. A step that sends dossiers back for rework
  reviews the work before it and is never such a consultation; nor is the first substantial work
  after the intake and its hand-offs, when it refuses dossiers: that is the appraisal itself,
  whose decision the consultations after it wait for.

Only steps of the same dossier can run in parallel: two steps that occur together in fewer than
``min_cooccurrence`` of the dossiers that have either are alternatives (two different endings, a
rare appeal beside a common step), never a parallel pair.

Steps that already overlap in time with another step in more than ``max_overlap_share`` of the
dossiers with both (start times are needed to see it) already run in parallel: in a sequential
workflow a step never starts before the previous one ends. No pair involving them is reported
(the step after such a block waits for the later of the two, whatever the order in the log).

``activity`` is the step observed first, ``into`` the other one. Running them in parallel saves
the shorter of the two (waiting plus processing) per dossier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.flag._common import make_flag, val, work_hours_scale
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

__all__ = ["Parallelizable"]


class Parallelizable(Detector):
    """Steps that could run at the same time.

    Parameters
    ----------
    min_minority_share
        share of the cases with both steps (and a known order) in the less frequent order
        (both-orders signal).
    min_ordered_share
        share of the cases with both steps in which the two have different times, so that their
        order is known (both-orders signal; day-resolution logs record many steps on the same day).
    min_adjacent_share
        share of those cases in which the two are adjacent (both-orders signal).
    min_pair_share
        share of B's occurrences directly preceded by A (sequential-units signal).
    min_work_share
        processing of each step at least this share of the service's main work step.
    min_proc_hours
        ... and at least this many working hours.
    min_body_proc_hours
        sequential-units signal, when both steps are done by consulted bodies: each does at least
        this many working hours (more than a hand-off or a stamp).
    min_cases
        cases that must have both steps.
    max_overlap_share
        a pair whose steps overlap in time in more than this share of the cases with both is
        already done in parallel.
    max_proc_change
        both-orders signal: the mean processing of either step may change by at most this
        fraction with the order (otherwise one step uses the other's result).
    max_outcome_change
        both-orders signal: the knock-out rate may differ by at most this much between the two
        orders.
    max_knockout_share
        sequential-units signal: a decision step by a consulted body is paired when it knocks
        out at most this share of its dossiers (and never sends them back or routes them).
    min_cooccurrence
        the two steps occur in the same dossier in at least this share of the dossiers that have
        either of them (both signals).
    max_carry_on_share
        sequential-units signal: at most this share of the dossiers may come from B's unit to A
        and go back to it for B, or stay in B's unit for the step after B (otherwise the work is
        handed over between the two).
    """

    name = "parallelizable"
    action = "parallelize"
    _constraints = {
        "min_minority_share": Interval(0, 0.5),
        "min_ordered_share": Interval(0, 1),
        "min_adjacent_share": Interval(0, 1),
        "min_pair_share": Interval(0, 1),
        "min_work_share": Interval(0, 1),
        "min_proc_hours": Interval(0, None),
        "min_body_proc_hours": Interval(0, None),
        "min_cases": Interval(1, None, integer=True),
        "max_overlap_share": Interval(0, 1),
        "max_proc_change": Interval(0, None),
        "max_outcome_change": Interval(0, 1),
        "max_carry_on_share": Interval(0, 1),
        "max_knockout_share": Interval(0, 1),
        "min_cooccurrence": Interval(0, 1),
    }

    min_minority_share: float
    min_ordered_share: float
    min_adjacent_share: float
    min_pair_share: float
    min_work_share: float
    min_proc_hours: float
    min_body_proc_hours: float
    min_cases: int
    max_overlap_share: float
    max_proc_change: float
    max_outcome_change: float
    max_carry_on_share: float
    max_knockout_share: float
    min_cooccurrence: float

    def __init__(
        self,
        *,
        min_minority_share: float = 0.1,
        min_ordered_share: float = 0.5,
        min_adjacent_share: float = 0.5,
        min_pair_share: float = 0.9,
        min_work_share: float = 0.5,
        min_proc_hours: float = 0.5,
        min_body_proc_hours: float = 0.25,
        min_cases: int = 10,
        max_overlap_share: float = 0.1,
        max_proc_change: float = 0.5,
        max_outcome_change: float = 0.15,
        max_carry_on_share: float = 0.5,
        max_knockout_share: float = 0.1,
        min_cooccurrence: float = 0.5,
    ) -> None:
        super().__init__(
            min_minority_share=min_minority_share,
            min_ordered_share=min_ordered_share,
            min_adjacent_share=min_adjacent_share,
            min_pair_share=min_pair_share,
            min_work_share=min_work_share,
            min_proc_hours=min_proc_hours,
            min_body_proc_hours=min_body_proc_hours,
            min_cases=min_cases,
            max_overlap_share=max_overlap_share,
            max_proc_change=max_proc_change,
            max_outcome_change=max_outcome_change,
            max_carry_on_share=max_carry_on_share,
            max_knockout_share=max_knockout_share,
            min_cooccurrence=min_cooccurrence,
        )

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if ag.activities.empty:
            return []
        per_day = ag.hours_per_day
        cases_of = {r.service: r.cases for r in ag.service_rows()}
        flags: list[Flag] = []
        seen: set[tuple[str, frozenset[str]]] = set()

        def saving(first: str, second: str, service: str, cases: int) -> float:
            a, b = ag.row(service, first), ag.row(service, second)
            if a is None or b is None:
                return 0.0
            da, db = val(a["sojourn_hours_mean"]), val(b["sojourn_hours_mean"])
            return min(da, db) * cases / max(cases_of.get(service, 0), 1) / per_day

        # steps already done in parallel with another (the two overlap in time) are never
        # reported: they form a parallel block, and the step after it waits for the later one
        order_of: dict[tuple[str, frozenset[str]], Row] = {}
        parallel: set[tuple[str, str]] = set()
        for o in ag.rows("order"):
            order_of[(o.service, frozenset((o.a, o.b)))] = o
            if val(o.overlap_share) > self.max_overlap_share:
                parallel |= {(o.service, o.a), (o.service, o.b)}

        # --- both orders
        for o in ag.rows("order"):
            if (o.service, o.a) in parallel or (o.service, o.b) in parallel:
                continue
            ordered = o.a_first + o.b_first  # cases where the two steps have different times
            if ordered < self.min_cases or ordered < self.min_ordered_share * o.cases_both:
                continue
            minority_share = min(o.a_first, o.b_first) / ordered
            if minority_share < self.min_minority_share:
                continue
            if o.adjacent / max(o.cases_both, 1) < self.min_adjacent_share:
                continue
            a_row, b_row = ag.row(o.service, o.a), ag.row(o.service, o.b)
            if a_row is None or b_row is None or any(x.start or x.end for x in (a_row, b_row)):
                continue
            together = self._cooccurrence(o.cases_both, a_row, b_row)
            if together < self.min_cooccurrence:
                continue  # alternatives, not two steps of the same dossier
            if val(a_row["in_loop_share"]) > 0.5 or val(b_row["in_loop_share"]) > 0.5:
                continue  # a rework loop, not two independent steps
            proc_change = self._proc_change(o)
            if proc_change > self.max_proc_change:
                continue  # a step takes longer (or shorter) after the other: it uses its result
            outcome_change = self._outcome_change(o)
            if outcome_change > self.max_outcome_change:
                continue  # the order changes how the dossier ends
            first, second = (o.a, o.b) if o.a_first >= o.b_first else (o.b, o.a)
            key = (o.service, frozenset((o.a, o.b)))
            seen.add(key)
            minority = min(o.a_first, o.b_first)
            conf = confidence(
                [
                    margin(minority_share, self.min_minority_share, 0.5),
                    margin(o.adjacent / max(o.cases_both, 1), self.min_adjacent_share, 1.0),
                    margin(ordered, self.min_cases, 10 * self.min_cases),
                    margin(ordered / max(o.cases_both, 1), self.min_ordered_share, 1.0),
                ],
                # without start times, whether the order changes the work cannot be seen
                cap=1.0 if ag.has_start else 0.6,
            )
            per_case = saving(first, second, o.service, o.cases_both)
            ev = {
                "signal": "both_orders",
                "cases_both": o.cases_both,
                "first_before_second": max(o.a_first, o.b_first),
                "second_before_first": minority,
                "same_time": o.ties,
                "minority_share": minority_share,
                "cooccurrence": together,
                "adjacent_share": o.adjacent / max(o.cases_both, 1),
                "overlap_share": o.overlap_share if ag.has_start else None,
                "processing_change_with_order": proc_change if ag.has_start else None,
                "knockout_share_change_with_order": outcome_change,
            }
            en = (
                f"{quote(first)} and {quote(second)} are done in either order ({minority} of {ordered} "
                f"dossiers in the reverse order), so neither needs the other's result: run them in parallel"
            )
            vi = (
                f"{quote(first)} và {quote(second)} được làm theo thứ tự bất kỳ ({minority} trên {ordered} "
                f"hồ sơ theo thứ tự ngược lại), nên bước này không cần kết quả của bước kia: cho làm song song"
            )
            flags.append(
                make_flag(
                    self, service=o.service, activity=first, into=second, confidence=conf, evidence=ev,
                    workdays_per_case=per_case, handoffs_removed=0.0, en=en, vi=vi,
                )
            )

        # --- sequential substantial work by different units
        if not (ag.has_unit and ag.has_start) or ag.pairs.empty:
            return flags
        scale = {s: work_hours_scale(rows) for s, rows in ag.activity_rows().items()}
        candidates = []
        for p in ag.rows("pairs"):
            if p.source == p.target or p.cases < self.min_cases:
                continue
            if (p.service, frozenset((p.source, p.target))) in seen:
                continue
            if (p.service, p.source) in parallel or (p.service, p.target) in parallel:
                continue
            if not bool(p.units_disjoint) or val(p.share_of_target) < self.min_pair_share:
                continue
            if val(p.share_of_source) < self.min_pair_share:
                continue
            a, b = ag.row(p.service, p.source), ag.row(p.service, p.target)
            if a is None or b is None:
                continue
            o_row = order_of.get((p.service, frozenset((p.source, p.target))))
            together = self._cooccurrence(o_row.cases_both if o_row is not None else p.cases, a, b)
            if together < self.min_cooccurrence:
                continue
            # a hand-off of work between the two: B's unit sent the dossier to A and takes it back
            # for B (B waits for A's result), or keeps it after B (B continues A's work)
            carry_on = max(val(p.returns_to_target_unit), 1.0 - val(b.unit_change_next, 1.0))
            if carry_on > self.max_carry_on_share:
                continue
            if any(x.start or x.end or x.knockout_end for x in (a, b)):
                continue
            if bool(a.protected) or bool(b.protected):
                continue  # a step the law requires (a signature, a registration) keeps its place after what it settles
            if val(a.in_loop_share) > 0.5 or val(b.in_loop_share) > 0.5:
                continue
            exclusive = sum(val(x.unit_exclusive_share) >= 0.9 for x in (a, b))
            if exclusive == 0:
                continue
            consultations = exclusive == 2 and not (a.decision_rework or b.decision_rework) and (
                max(val(a.sent_back_share), val(b.sent_back_share)) >= 0.5
                or all(self._rare_knockout(x) and (not x.decision or self._after_work(ag, x)) for x in (a, b))
            )
            if (a.decision or b.decision) and not consultations:
                continue  # a check that can reject is better done first
            # two consulted bodies, after which the dossier goes back to the unit that asked
            # them, or whose refusals are rare: each gives its opinion, whether or not one can
            # refuse
            # two bodies each consulted for its one step are neither a hand-off nor a review of
            # each other: any real work (min_body_proc_hours) counts; otherwise each step must be a
            # good share of the service's main work
            work = val(scale.get(p.service, float("nan")))
            need = self.min_body_proc_hours if exclusive == 2 else max(self.min_proc_hours, self.min_work_share * work)
            pa, pb = val(a.proc_hours_median), val(b.proc_hours_median)
            if pa < need or pb < need:
                continue
            candidates.append((exclusive, p, pa, pb, need, carry_on, together))
        taken: set[tuple[str, str]] = {(s, x) for s, pair in seen for x in pair}
        for exclusive, p, pa, pb, need, carry_on, together in sorted(
            candidates, key=lambda c: (-c[0], c[1].service, -c[1].count, c[1].source, c[1].target)
        ):
            if exclusive < 2 and ((p.service, p.source) in taken or (p.service, p.target) in taken):
                continue
            taken |= {(p.service, p.source), (p.service, p.target)}
            hint = keyword_hint(p.source, ("appraise", "verify")) and keyword_hint(p.target, ("appraise", "verify"))
            conf = confidence(
                [
                    margin(p.share_of_target, self.min_pair_share, 1.0),
                    margin(min(pa, pb), need, 2 * need),
                    exclusive / 2.0,
                    margin(p.cases, self.min_cases, 10 * self.min_cases),
                ],
                hint=hint,
                cap=0.85,
            )
            per_case = saving(p.source, p.target, p.service, p.cases)
            ev = {
                "signal": "sequential_units",
                "cases": p.cases,
                "second_preceded_by_first": p.share_of_target,
                "first_followed_by_second": p.share_of_source,
                "units_disjoint": True,
                "cooccurrence": together,
                "single_purpose_units": exclusive,
                "first_proc_hours_median": pa,
                "second_proc_hours_median": pb,
                "wait_hours_between_mean": p.wait_hours_mean,
                "second_unit_holds_dossier": carry_on,
                "overlap_share": val(getattr(order_of.get((p.service, frozenset((p.source, p.target)))), "overlap_share", 0.0)),
                "name_hint": hint,
            }
            en = (
                f"{quote(p.source)} and {quote(p.target)} are substantial work "
                f"({fmt_hours(pa, per_day)} and {fmt_hours(pb, per_day)}) by different units, done one after the other "
                f"in {fmt_pct(p.share_of_target)} of cases with {fmt_hours(val(p.wait_hours_mean), per_day)} waiting "
                f"between them; unless one needs the other's result, run them in parallel"
            )
            vi = (
                f"{quote(p.source)} và {quote(p.target)} là hai phần việc lớn "
                f"({fmt_hours_vi(pa, per_day)} và {fmt_hours_vi(pb, per_day)}) của hai đơn vị khác nhau, làm nối tiếp "
                f"ở {fmt_pct(p.share_of_target)} hồ sơ, chờ {fmt_hours_vi(val(p.wait_hours_mean), per_day)} giữa hai bước; "
                f"nếu bước sau không cần kết quả của bước trước thì cho làm song song"
            )
            flags.append(
                make_flag(
                    self, service=p.service, activity=p.source, into=p.target, confidence=conf, evidence=ev,
                    workdays_per_case=per_case, handoffs_removed=0.0, en=en, vi=vi,
                )
            )
        return flags

    def _rare_knockout(self, r: Row) -> bool:
        """Whether the step is no decision, or one that only knocks out (never sends back nor
        routes) at most ``max_knockout_share`` of its dossiers."""
        if not bool(r["decision"]):
            return True
        if bool(r["decision_rework"]) or bool(r["decision_routing"]):
            return False
        return val(r["knockout_next_share"]) <= self.max_knockout_share

    def _after_work(self, ag: LogAggregates, r: Row) -> bool:
        """Whether real work (more than ``min_body_proc_hours``) outside the unit that received
        the dossier comes before the step in most of its dossiers: a body is consulted on the
        appraised dossier, while the first such work after the intake and its hand-offs is the
        appraisal itself, a decision that stays before the consultations."""
        for x in ag.activity_rows().get(r.service, []):
            if x.activity == r.activity or x.start or val(x.step_index_mean) >= val(r.step_index_mean):
                continue
            if val(x.intake_unit_share, 1.0) >= 0.5 or x.cases < 0.5 * r.cases:
                continue  # the desk's intake, or a branch few of the dossiers take
            if val(x.proc_hours_median) > self.min_body_proc_hours:
                return True
        return False

    @staticmethod
    def _cooccurrence(cases_both: int, a: Row, b: Row) -> float:
        """Share of the dossiers with either step that have both."""
        either = int(a["cases"]) + int(b["cases"]) - int(cases_both)
        return float(cases_both) / either if either > 0 else 0.0

    @staticmethod
    def _proc_change(o: Row) -> float:
        """The largest relative change of either step's mean processing between the two orders
        (0 when processing times are unknown)."""
        change = 0.0
        for when_first, when_second in (
            (o.a_proc_hours_first, o.a_proc_hours_second),
            (o.b_proc_hours_first, o.b_proc_hours_second),
        ):
            x, y = val(when_first, float("nan")), val(when_second, float("nan"))
            if x > 0 and y > 0:
                change = max(change, max(x, y) / min(x, y) - 1.0)
        return change

    @staticmethod
    def _outcome_change(o: Row) -> float:
        """How much the knock-out rate differs between the two orders (0 when it cannot be told
        apart from chance: under two standard errors)."""
        n1, n2 = int(o.a_first), int(o.b_first)
        p1, p2 = val(o.knockout_share_a_first), val(o.knockout_share_b_first)
        if n1 == 0 or n2 == 0:
            return 0.0
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        se = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)) ** 0.5
        diff = abs(p1 - p2)
        return diff if diff > 2 * se else 0.0
