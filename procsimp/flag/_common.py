"""Helpers shared by the detectors: per-service views of the aggregates, flag building and the
base of the control-step detectors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from procsimp.flag.aggregates import Row
from procsimp.flag.base import Detector, Interval, clean_number, confidence, keyword_hint
from procsimp.flag.flag import Flag

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import LogAggregates


def per_service(ag: LogAggregates) -> Iterator[tuple[Row, list[Row]]]:
    """(service row, its activity rows) for every service, in service order."""
    rows = ag.activity_rows()
    for srow in ag.service_rows():
        yield srow, rows.get(srow["service"], [])


def frequent_steps(
    acts: list[Row], min_cases: int, min_case_share: float = 0.0, *, skip_kept: bool = False
) -> Iterator[Row]:
    """The steps of ``acts`` in at least ``min_cases`` cases and ``min_case_share`` of the
    service's cases (and, with ``skip_kept``, not kept: start, end, decision, protected)."""
    for r in acts:
        if skip_kept and r.kept:
            continue
        if r.cases < min_cases or val(r.case_share) < min_case_share:
            continue
        yield r


def finite(x: Any) -> bool:
    try:
        return x is not None and bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def val(x: Any, default: float = 0.0) -> float:
    """A float, with NaN/None replaced by ``default``."""
    return float(x) if finite(x) else default


def produces_result(r: Row, rows: dict[str, Row]) -> bool:
    """Whether the step is usually followed directly by an end step (delivering the result or a
    rejection notice): it produces the result (printing, registering), it does not control it."""
    nxt = r["top_successor"]
    if nxt is None or nxt not in rows:
        return True  # followed by the end of the case itself
    return bool(rows[nxt]["end"])


def releases_result(r: Row, rows: dict[str, Row]) -> bool:
    """Whether the step is usually followed by a step that produces the result and is not itself
    a decision or protected step: the step is then the final approval that releases the result
    (a signature), not a control in front of one. A next step that rejected a dossier even once
    (too rarely to count as a decision) approves rather than produces: the step is then a control
    in front of the final approval."""
    nxt = rows.get(r["top_successor"]) if r["top_successor"] is not None else None
    return nxt is not None and not nxt["kept"] and nxt["knockout_next"] == 0 and produces_result(nxt, rows)


def consulted(r: Row, min_sent_back: float = 0.5) -> bool:
    """Whether the step is a consultation: done by a unit that does nothing else in the service
    (a body asked for this one step, such as the police, a court or a legal desk), after which at
    least ``min_sent_back`` of the dossiers go back to a unit that had them earlier. Never true
    for a log without units."""
    return val(r["unit_exclusive_share"]) >= 0.9 and val(r["sent_back_share"]) >= min_sent_back


def work_step(acts: list[Row], min_case_share: float = 0.3, *, own: bool = False) -> Row | None:
    """The service's main work step: the largest median processing time among the steps present
    in a fair share of the cases, leaving out the steps that produce the result right before it
    is delivered (printing a card) and consultations of other bodies (see :func:`consulted`: the
    agency's own work is the yardstick). None when processing times are unknown. With ``own``,
    every step of a single-purpose unit is left out too (see :func:`own_work_step`)."""
    rows = {r["activity"]: r for r in acts}
    best: Row | None = None
    for r in acts:
        if val(r["case_share"]) >= min_case_share and finite(r["proc_hours_median"]):
            if r["end"] or produces_result(r, rows) or consulted(r) or (
                own and single_purpose(r) and not r["decision_knockout"]
            ):
                continue
            if best is None or r["proc_hours_median"] > best["proc_hours_median"]:
                best = r
    return best


#: a step by a body that does only this step is that body's opinion (a consultation), not a
#: glance at the agency's work, when its processing is at least this share of the agency's main
#: work step (see :func:`own_work_step`); below it, the step is light (a review, a relay)
LIGHT_SHARE = 0.15


def single_purpose(r: Row) -> bool:
    """Whether the step is done by a unit that does nothing else in the service (a body asked
    for this one step, a level of leadership that only signs). False for a log without units."""
    return val(r["unit_exclusive_share"]) >= 0.9


def own_work_step(acts: list[Row], shares: tuple[float, ...] = (0.9, 0.5)) -> Row | None:
    """The agency's own main work step: :func:`work_step` among the steps done by units that do
    more than one step in the service or that reject dossiers (leaving out bodies consulted for
    one step, whose opinion may take longer than the agency's own appraisal that decides the
    dossier, and single-purpose levels), first among the
    steps done on nearly every dossier, then on most (the first of ``shares`` with one: not the
    extra work of a branch). Falls back to :func:`work_step` when there is none."""
    for share in shares:
        best = work_step(acts, share, own=True)
        if best is not None:
            return best
    return work_step(acts)


def light(r: Row, work: Row | None, share: float = LIGHT_SHARE) -> bool:
    """Whether the step's median processing is at most ``share`` of the work step's (a glance,
    a click), True when either is unknown (nothing says it is real work)."""
    if work is None or not finite(r["proc_hours_median"]) or not finite(work["proc_hours_median"]):
        return True
    return float(r["proc_hours_median"]) <= share * float(work["proc_hours_median"])


def consultation(r: Row, rows: dict[str, Row], work: Row | None, min_sent_back: float = 0.5) -> bool:
    """Whether the step is a consultation of another body: done by a unit that does nothing else
    in the service, with real processing (not :func:`light` against the agency's main work), and
    either the dossier then goes back to a unit that had it earlier (:func:`consulted`) or the
    step is next to another such body's step with real processing that is neither required nor
    the final approval producing or releasing the result (bodies asked one after the other: the
    first sends the dossier on to the second, not back). A consultation followed by another
    consultation is still a consultation."""
    if not single_purpose(r) or r["protected"] or light(r, work):
        return False
    if consulted(r, min_sent_back):
        return True
    for name in (r["top_successor"], r["top_predecessor"]):
        n = rows.get(name) if name is not None else None
        if (
            n is not None and n is not r and single_purpose(n) and not n["protected"] and not light(n, work)
            and not produces_result(n, rows) and not releases_result(n, rows)
        ):
            return True
    return False


def dispatch(r: Row, rows: dict[str, Row], work: Row | None, min_intake: float = 0.5) -> bool:
    """Whether the step is the back office's dispatch of the dossier (an assignment): a light step
    (see :func:`light`) that is not the intake desk's, comes before the agency's main work step,
    and either comes right after a step of the unit that received the dossier (the desk's
    hand-over) or is done by a level that does nothing else in the service (a head who only
    assigns). Such a step routes the work to the officer who will do it: it neither only forwards
    the dossier nor checks work already done by its unit (there is none yet). False for a log
    without units."""
    if work is None or r is work or not finite(r["intake_unit_share"]) or val(r["intake_unit_share"]) >= min_intake:
        return False
    if not light(r, work) or val(r["step_index_mean"]) >= val(work["step_index_mean"]):
        return False
    if single_purpose(r):
        return True
    before = rows.get(r["top_predecessor"]) if r["top_predecessor"] is not None else None
    return before is not None and val(before["intake_unit_share"]) >= min_intake and val(r["top_predecessor_share"]) >= 0.5


def usual_predecessors(rows: dict[str, Row], start: str, max_steps: int = 50) -> list[Row]:
    """The steps before ``start`` on the usual path (most frequent predecessor, repeatedly)."""
    out: list[Row] = []
    seen = {start}
    current = rows.get(start)
    while current is not None and len(out) < max_steps:
        prev = current["top_predecessor"]
        if prev is None or prev not in rows or prev in seen or val(current["top_predecessor_share"]) < 0.5:
            break
        seen.add(prev)
        current = rows[prev]
        out.append(current)
    return out


def is_quiet(r: Row, min_top_successor: float, max_outcome_bits: float) -> bool:
    """A step that never changes what happens next: one successor, no knock-out, no rework
    straight after it, nothing to say about the outcome."""
    return (
        val(r["top_successor_share"]) >= min_top_successor
        and r["knockout_next"] == 0
        and val(r["rework_next_share"]) == 0.0
        and val(r["outcome_mi_bits"]) <= max_outcome_bits
    )


def swap_only_routing(ag: LogAggregates, r: Row, *, min_cover: float = 0.95, min_minority: float = 0.1) -> bool:
    """Whether the step's next step varies only because two independent steps that follow it
    swap order: its two most frequent successors cover at least ``min_cover`` of its
    occurrences and are themselves seen in both orders (the less frequent order in at least
    ``min_minority`` of the dossiers with both, with no effect on the knock-outs). Such routing
    is not a decision."""
    key = f"swap_only:{r['service']}"
    if key not in ag._cache:
        nexts: dict[str, list[tuple[float, str]]] = {}
        for p in ag.rows("pairs"):
            if p.service == r["service"] and p.source != p.target:
                nexts.setdefault(p.source, []).append((val(p.share_of_source), p.target))
        orders = {frozenset((o.a, o.b)): o for o in ag.rows("order") if o.service == r["service"]}
        ag._cache[key] = (nexts, orders)
    nexts, orders = ag._cache[key]
    top = sorted(nexts.get(r["activity"], []), reverse=True)[:2]
    if len(top) < 2 or top[0][0] + top[1][0] < min_cover:
        return False
    o = orders.get(frozenset((top[0][1], top[1][1])))
    if o is None:
        return False
    ordered = int(o.a_first) + int(o.b_first)
    return ordered > 0 and min(int(o.a_first), int(o.b_first)) / ordered >= min_minority and r["knockout_next"] == 0


def routing_only_by_swap(ag: LogAggregates, r: Row) -> bool:
    """Whether the step is kept only as a routing decision (it neither knocks out, nor sends back,
    nor tells the outcome) and its routing varies only because two independent steps that follow
    it swap order (:func:`swap_only_routing`): then it is no real decision."""
    if r["role"] != "decision" or not bool(r["decision_routing"]):
        return False
    if bool(r["decision_knockout"]) or bool(r["decision_rework"]) or bool(r["decision_outcome"]):
        return False
    return swap_only_routing(ag, r)


def work_hours_scale(acts: list[Row], min_case_share: float = 0.3) -> float:
    """The median processing time (hours) of :func:`work_step`; NaN when unknown."""
    best = work_step(acts, min_case_share)
    return float("nan") if best is None else float(best["proc_hours_median"])


def make_flag(
    detector: Detector,
    *,
    service: str,
    activity: str,
    confidence: float,
    evidence: Mapping[str, Any],
    workdays_per_case: float,
    handoffs_removed: float,
    en: str,
    vi: str,
    into: str | None = None,
    action: str | None = None,
    **saving_extra: float,
) -> Flag:
    """A flag of ``detector`` (its ``name`` is the kind, its ``action`` the action unless
    ``action`` is given): evidence
    and saving as plain rounded JSON numbers, confidence clipped to 0..1, the English and
    Vietnamese explanations as one sentence each (see :func:`sentence`)."""
    saving = {
        "workdays_per_case": clean_number(max(0.0, val(workdays_per_case)), 3),
        "handoffs_removed": clean_number(max(0.0, val(handoffs_removed)), 3),
    }
    saving.update({k: clean_number(v, 3) for k, v in saving_extra.items()})
    return Flag(
        service=str(service),
        activity=str(activity),
        into=None if into is None else str(into),
        kind=detector.name,
        action=action or detector.action,
        confidence=float(min(1.0, max(0.0, confidence))),
        evidence={k: clean_number(v) for k, v in evidence.items()},
        saving=saving,
        explanation={"en": sentence(en), "vi": sentence(vi)},
    )


def step_flag(
    detector: Detector,
    ag: LogAggregates,
    srow: Row,
    r: Row,
    *,
    margins: Iterable[float],
    hint_kinds: tuple[str, ...],
    evidence: Mapping[str, Any],
    en: str,
    vi: str,
    cap: float = 1.0,
    action: str | None = None,
) -> Flag:
    """A flag that takes step ``r`` of the service ``srow`` out of the workflow (or, with
    ``action="automate"``, leaves it to the system: the same time saved).

    Each dossier saves the time the step adds (its mean waiting plus processing, over all its
    occurrences) and the hand-offs it causes. The confidence comes from ``margins`` (see
    :func:`~procsimp.flag.base.confidence`, capped at ``cap``) plus a bonus when the name
    matches a keyword of ``hint_kinds``; the evidence ends with that ``name_hint``.
    """
    n_cases = srow["cases"]
    added = val(r.sojourn_hours_mean)  # waiting + processing the step adds
    per_case = added * r.events / max(n_cases, 1)
    handoffs = val(r.handoffs_saved_per_event) * r.events / max(n_cases, 1)
    hint = keyword_hint(r.activity, hint_kinds)
    return make_flag(
        detector,
        service=srow["service"],
        activity=r.activity,
        confidence=confidence(margins, hint=hint, cap=cap),
        evidence={**evidence, "name_hint": hint},
        workdays_per_case=per_case / ag.hours_per_day,
        handoffs_removed=handoffs,
        en=en,
        vi=vi,
        action=action,
    )


def wilson_lower(successes: float, trials: float, z: float = 1.96) -> float:
    """Lower bound of the Wilson confidence interval of a proportion (0 when no trials)."""
    n = float(trials)
    if n <= 0:
        return 0.0
    p = float(successes) / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, (centre - spread) / (1 + z * z / n)))


def sentence(text: str) -> str:
    """One sentence: collapse whitespace, end with a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


class ControlStep(Detector):
    """Base of the detectors of control steps that change nothing (a review, a re-check).

    A control step is not kept (start, end, decision, protected, rework; a step whose routing
    varies only because two independent successors swap is no decision), takes an officer at
    least a minute (a step of seconds is a system's), is quiet (see :func:`is_quiet`), is done by
    another officer than the step before it (and, when the log has
    units, by another unit: a control is done by another desk or level; not by the desk that
    received the dossier, whose later steps are intake work such as collecting a fee; not by a
    body consulted for this step (see :func:`consultation`: its opinion is work the agency asked
    for, not a check of its own work); not the step at which the dossier comes back from such a
    body to the unit that sent it when it does real work there (see :func:`light`), which
    continues that unit's own work; and not the back office's dispatch of a dossier before its
    main work, see :func:`dispatch`), takes at most
    ``max_proc_share`` of the agency's main work step's processing (see :func:`own_work_step`),
    neither produces the result right
    before it is delivered nor releases it (see :func:`releases_result`), and follows some step
    with at least ``min_controlled_ratio`` times its own processing (there is work to control).

    A subclass sets ``name``, ``action`` and ``hint_kinds`` (the name keywords that add a little
    confidence) and says which control steps it flags (:meth:`_finding`) and how
    (:meth:`_describe`). Removing the step saves what it adds (see :func:`step_flag`).
    """

    hint_kinds: ClassVar[tuple[str, ...]] = ()
    #: a control is an officer's look at the dossier: a step whose median processing is shorter
    #: (in minutes) is a system's (a timer, an automatic entry)
    min_look_minutes: ClassVar[float] = 1.0
    _constraints = {
        "min_top_successor": Interval(0.5, 1),
        "max_outcome_bits": Interval(0, 1),
        "max_proc_share": Interval(0, 1),
        "min_other_officer": Interval(0, 1),
        "min_other_unit": Interval(0, 1),
        "min_controlled_ratio": Interval(1, None),
        "min_sent_back": Interval(0, 1),
        "max_intake_unit": Interval(0, 1),
        "min_cases": Interval(1, None, integer=True),
        "min_case_share": Interval(0, 1),
    }

    min_top_successor: float
    max_outcome_bits: float
    max_proc_share: float
    min_other_officer: float
    min_other_unit: float
    min_controlled_ratio: float
    min_sent_back: float
    max_intake_unit: float
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
        min_sent_back: float = 0.5,
        max_intake_unit: float = 0.5,
        min_cases: int = 10,
        min_case_share: float = 0.05,
    ) -> None:
        """
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
            an earlier step must take at least this many times the control step's processing.
        min_sent_back
            a step done by a unit that does nothing else in the service is a consultation, not a
            control, when at least this share of its dossiers then go back to a unit that had
            them earlier; and a step that receives at least this share of its dossiers back from
            such a body continues its own unit's work (when the log has units).
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

    def detect(self, aggregates: LogAggregates) -> list[Flag]:
        ag = aggregates
        if not ag.has_start:
            return []  # without processing times a control cannot be told from the work it checks
        flags: list[Flag] = []
        for srow, acts in per_service(ag):
            rows = {r["activity"]: r for r in acts}
            work = own_work_step(acts)
            for r in frequent_steps(acts, self.min_cases, self.min_case_share):
                c = self._control(ag, r, rows, work)
                found = None if c is None else self._finding(c)
                if c is None or found is None:
                    continue
                margins, evidence, en, vi = self._describe(r, c, found, ag.hours_per_day)
                flags.append(
                    step_flag(
                        self, ag, srow, r, margins=margins, hint_kinds=self.hint_kinds,
                        evidence=evidence, en=en, vi=vi,
                    )
                )
        return flags

    def _finding(self, c: dict[str, Any]) -> dict[str, Any] | None:  # pragma: no cover - abstract
        """What makes the control step ``c`` (see :meth:`_control`) one of this detector's, or
        None when it is not."""
        raise NotImplementedError

    def _describe(
        self, r: Row, c: dict[str, Any], found: dict[str, Any], per_day: float
    ) -> tuple[list[float], dict[str, Any], str, str]:  # pragma: no cover - abstract
        """The confidence margins, the evidence and the English and Vietnamese explanations of
        the flag for step ``r``."""
        raise NotImplementedError

    def _control(
        self, ag: LogAggregates, r: Row, rows: dict[str, Row], work: Row | None
    ) -> dict[str, Any] | None:
        """Whether ``r`` is a control step that changes nothing (see the class documentation),
        given the service's rows by name and its main work step. Returns the numbers that made
        it one, or None."""
        swapped = swap_only_routing(ag, r)
        if r["kept"] and not (r["role"] == "decision" and swapped):
            return None  # a start, end, required or decision step (routing by swapped successors is none)
        if work is None or not finite(r["proc_hours_median"]):
            return None
        if 60.0 * float(r["proc_hours_median"]) < self.min_look_minutes:
            return None  # seconds of work: a system's step (a timer, an automatic entry), not a look
        if not (
            is_quiet(r, self.min_top_successor, self.max_outcome_bits)
            or (is_quiet(r, 0.5, self.max_outcome_bits) and swapped)
        ):
            return None  # routing that varies only because two independent successors swap is no decision
        if produces_result(r, rows) or releases_result(r, rows):
            return None  # it produces or releases the result, it does not control it
        other = val(r["resource_change_prev"]) if ag.has_resource else val(r["unit_change_prev"])
        if other < self.min_other_officer:
            return None
        if ag.has_unit:
            if val(r["unit_change_prev"]) < self.min_other_unit:
                return None  # control by another desk or level, not the next officer of the same team
            if val(r["intake_unit_share"]) > self.max_intake_unit:
                return None  # the desk that received the dossier: intake work, not a control
            if consultation(r, rows, work, self.min_sent_back):
                return None  # a body consulted for this step (alone or one after another): its opinion
            if val(r["back_from_body_share"]) >= self.min_sent_back and not light(r, work):
                return None  # back from a consulted body to the unit that sent it: its own work
            if dispatch(r, rows, work):
                return None  # the back office's dispatch before its main work: an assignment
        proc = float(r["proc_hours_median"])
        work_h = val(work["proc_hours_median"])
        if work_h <= 0 or proc > self.max_proc_share * work_h:
            return None
        before = usual_predecessors(rows, r["activity"])
        controlled = [
            p for p in before if val(p["proc_hours_median"]) >= self.min_controlled_ratio * proc
        ]
        if not controlled:
            return None
        return {
            "row": r,
            "rows": rows,
            "proc": proc,
            "work": work,
            "work_hours": work_h,
            "other": other,
            "before": before,
            "controlled": controlled[0],
            # after the main work: later on average, or the work is on its usual path before it
            # (a work step sent back for rework has a later mean position than its first pass)
            "after_work": val(r["step_index_mean"]) > val(work["step_index_mean"]) or any(p is work for p in before),
        }

    def _proc_margin(self, c: dict[str, Any]) -> float:
        """How far below ``max_proc_share`` of the main work step the control's processing is."""
        return 1.0 - c["proc"] / (self.max_proc_share * c["work_hours"])
