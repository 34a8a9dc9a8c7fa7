# Long module: one grammar of procedures whose productions share the random state and the vocabulary.
"""The randomised procedure family: whole services drawn from a grammar of Vietnamese procedures.

``generate(structure="random", seed=s, services=k)`` draws ``k`` services, the i-th from seed
``s + i`` alone, so a service is the same whichever batch it is drawn in (its officers' names
aside: they are unique within a log). Each draw picks, from the grammar:

* intake (receipt, completeness check with a supplement loop, sometimes a fee), the hand-over
  from the desk, sometimes two independent checks done in either order, an assignment, a look-up
  that routes, the appraisal, a follow-up by the same officer, a re-check, 0-3 consultations of
  other bodies (fixed or varying order), a transfer required by the one-stop-shop rules, an
  internal relay, 0-3 approval layers (deputy head, head, "trình ký" submission), the signature,
  registration and stamping, a payment block (a notice with a timer that adds a penalty,
  instalments, periodic tests or reminders), a late third-party objection, a withdrawal on
  request, rejections, and the return at the desk or by post;
* which unit does each step, officer pools of 1-8, how often the same officer does consecutive
  steps (0-100%), office hours, waiting and processing times, volume, rejection rates, and new
  names (composed from synonyms, or opaque codes) in Vietnamese or English.

Waste and the steps to keep are labelled by construction (see :func:`_truth`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from procsimp.core.calendar import WorkCalendar
from procsimp.errors import ParameterError
from procsimp.synth._engine import CHANNELS, Officers, ServiceRun, arrivals
from procsimp.synth._random_names import DOCS, PHRASES, PLACES, SUBJECTS, UNIT_NAMES
from procsimp.synth.templates import Step

__all__ = ["OFFICE_HOURS", "PATTERNS", "RandomService", "draw_service", "run_random"]

#: office hours a draw picks from (a province's working periods)
OFFICE_HOURS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("07:00", "11:30"), ("13:00", "16:30")),
    (("07:30", "11:30"), ("13:30", "17:00")),
    (("07:30", "12:00"), ("13:30", "17:00")),
    (("08:00", "12:00"), ("13:30", "17:00")),
    (("07:00", "11:00"), ("13:30", "17:00")),
)

#: waste pattern -> what it is (the rows of the benchmark's per-pattern recall table)
PATTERNS: dict[str, str] = {
    "desk_transfer_same_officer": "the desk officer who checked the dossier also transfers it (no officer change)",
    "desk_transfer_handover": "another desk officer hands the dossier over to the department",
    "transfer_before_swapped_steps": "a transfer whose next step varies only because two independent steps swap",
    "required_transfer": "a transfer the one-stop-shop rules require (passed with --protect): automate",
    "internal_relay": "a relay inside the back office that does no work",
    "layered_approval_same_unit": "a review inside the appraising unit that never rejects or returns",
    "approval_layer_other_unit": "a review by another unit that never rejects or returns",
    "submission_for_signature": "the 'trình ký' submission: minutes of work after hours of waiting",
    "recheck_same_officer": "a re-check by the officer who just did the work",
    "recheck_same_unit": "a re-check by another officer of the same unit",
    "same_officer_followup": "a follow-up always done by the appraising officer right after: merge",
    "sequential_consultations": "consultations of other bodies, always in the same order",
    "consultations_varying_order": "two consultations done in either order",
    "swap_after_transfer": "two independent steps after a transfer, done in either order",
    "supplement_loop": "supplement requests at the completeness check",
    "send_back": "a review that returns the dossier to the appraisal",
}


@dataclass(frozen=True)
class RStep(Step):
    """One step of a drawn service: a template :class:`~procsimp.synth.templates.Step` with its
    grammar ``role`` (the key when empty) and how its officer is chosen. ``officer``: ``pool`` (a
    pool member, or with the service's continuity share the officer of the previous step when it
    is of the same unit), ``same`` (the previous step's officer with share ``same``), ``other``
    (another officer of the unit)."""

    role: str = ""
    officer: str = "pool"
    same: float = 0.0

    def __post_init__(self) -> None:
        if not self.role:
            object.__setattr__(self, "role", self.key)


@dataclass
class RandomService:
    """A drawn service: its steps, flow, units, names and labelled truth (before any dossier)."""

    seed: int
    name: str
    prefix: str
    hours: tuple[tuple[str, str], ...]
    statutory_days: float
    channels: tuple[float, float, float]
    volume: int
    continuity: float
    steps: dict[str, RStep]
    flow: list[tuple[Any, ...]]
    labels: dict[str, str]
    unit_labels: dict[str, str]
    pools: dict[str, int]
    waste: list[dict[str, Any]] = field(default_factory=list)
    keep: dict[str, list[str]] = field(default_factory=dict)
    protect: list[str] = field(default_factory=list)
    external: list[dict[str, Any]] = field(default_factory=list)
    by_design: list[dict[str, Any]] = field(default_factory=list)
    alternatives: list[list[str]] = field(default_factory=list)
    opaque: bool = False

    @property
    def calendar(self) -> WorkCalendar:
        return _calendar(self.hours)

    # the two methods that procsimp.synth._assemble asks of a template
    def label(self, key: str, lang: str) -> str:
        return self.labels[key]

    def unit_label(self, unit: str, lang: str) -> str:
        return self.unit_labels[unit.rsplit(":", 1)[1]]

    @property
    def tag(self) -> str:
        """Prefix of this draw's unit keys in :class:`procsimp.synth._engine.Officers`."""
        return f"random:{self.seed}:{self.prefix}"

    @property
    def unit_keys(self) -> tuple[str, ...]:
        return tuple(f"{self.tag}:{u}" for u in self.pools)


@functools.lru_cache(maxsize=len(OFFICE_HOURS))
def _calendar(hours: tuple[tuple[str, str], ...]) -> WorkCalendar:
    return WorkCalendar(hours=hours)


# ---------------------------------------------------------------------------- draw
def _lu(r: np.random.Generator, lo: float, hi: float) -> float:
    """Log-uniform draw, rounded to 0.1."""
    return round(float(np.exp(r.uniform(np.log(lo), np.log(hi)))), 1)


def _u(r: np.random.Generator, lo: float, hi: float) -> float:
    return round(float(r.uniform(lo, hi)), 3)


def draw_service(seed: int, lang: str) -> RandomService:
    """Draw one service from the grammar. The structure depends on ``seed`` alone; ``lang``
    only picks the language of the names."""
    r = np.random.default_rng(np.random.SeedSequence([int(seed), 7_160_001]))
    names = np.random.default_rng(np.random.SeedSequence([int(seed), 7_160_002]))
    li = 0 if lang == "vi" else 1
    steps: dict[str, RStep] = {}
    flow: list[tuple[Any, ...]] = []
    waste: list[dict[str, Any]] = []
    keep: dict[str, list[str]] = {}
    protect: list[str] = []
    external: list[dict[str, Any]] = []
    by_design: list[dict[str, Any]] = []
    alternatives: list[list[str]] = []
    continuity = _u(r, 0.0, 1.0)

    def add(step: RStep, *, node: bool = True) -> RStep:
        steps[step.key] = step
        if node:
            flow.append(("step", step.key))
        return step

    def kept(key: str, reason: str) -> None:
        keep.setdefault(key, []).append(reason)

    def wasted(kind: str, action: str, key: str, into: str | None, pattern: str, **extra: Any) -> dict[str, Any]:
        item = {"kind": kind, "action": action, "key": key, "into": into, "pattern": pattern,
                "patterns": [pattern], **extra}
        waste.append(item)
        return item

    pools = {"desk": int(r.integers(1, 9)), "dept": int(r.integers(1, 9)), "dept_lead": int(r.integers(1, 4)),
             "lead": int(r.integers(1, 4)), "clerk": int(r.integers(1, 4)), "finance": int(r.integers(1, 5)),
             "postal": int(r.integers(1, 4)), "system": 1}
    # ---- intake
    add(RStep("receive", "desk", _lu(r, 3, 15), _lu(r, 3, 60)))
    kept("receive", "start")
    add(RStep("check", "desk", _lu(r, 5, 25), _lu(r, 2, 40), supplement=_u(r, 0.05, 0.25),
              reject=_u(r, 0.005, 0.04) if r.random() < 0.4 else 0.0))
    kept("check", "decision")
    add(RStep("request_supplement", "desk", _lu(r, 5, 20), _lu(r, 5, 60), officer="same", same=1.0), node=False)
    add(RStep("resubmit", "desk", _lu(r, 5, 15), _lu(r, 900, 3000), wait_sigma=0.8), node=False)
    wasted("rework_loop", "fix_rework", "request_supplement", None, "supplement_loop", trigger="check")
    if r.random() < 0.45:
        add(RStep("fee", "desk", _lu(r, 3, 10), _lu(r, 1, 20)))
        kept("fee", "legal")
        protect.append("fee")
    # ---- hand-over from the desk
    has_transfer = r.random() < 0.9
    if has_transfer:
        if r.random() < 0.5:
            add(RStep("transfer", "desk", _lu(r, 1, 5), _lu(r, 60, 600), role="desk_transfer", officer="same",
                      same=_u(r, 0.9, 1.0)))
            pattern = "desk_transfer_same_officer"
        else:
            pools["desk"] = max(pools["desk"], 2)
            add(RStep("transfer", "desk", _lu(r, 1, 5), _lu(r, 60, 600), role="desk_transfer", officer="other"))
            pattern = "desk_transfer_handover"
        transfer_item = wasted("relay_handoff", "automate", "transfer", None, pattern)
        if r.random() < 0.3:
            share = _u(r, 0.25, 0.5)
            add(RStep("swap_a", "dept", _lu(r, 15, 60), _lu(r, 60, 400)), node=False)
            add(RStep("swap_b", "dept", _lu(r, 15, 60), _lu(r, 60, 400)), node=False)
            flow.append(("swap", "swap_a", "swap_b", share))
            transfer_item["patterns"].append("transfer_before_swapped_steps")
            wasted("parallelizable", "parallelize", "swap_a", "swap_b", "swap_after_transfer", order="varies",
                   injected={"other_order_share": share})
    if r.random() < 0.6:
        add(RStep("assign", "dept" if r.random() < 0.6 else "dept_lead", _lu(r, 3, 15), _lu(r, 60, 480)))
    if r.random() < 0.3:
        share = _u(r, 0.15, 0.5)
        add(RStep("lookup", "dept", _lu(r, 5, 20), _lu(r, 10, 120)), node=False)
        add(RStep("route_extra", "dept", _lu(r, 60, 240), _lu(r, 300, 1500)), node=False)
        flow.append(("route", "lookup", "route_extra", share))
        kept("lookup", "decision")
    # ---- appraisal
    add(RStep("appraise", "dept", _lu(r, 45, 240), _lu(r, 240, 2400), reject=_u(r, 0.02, 0.12)))
    kept("appraise", "decision")
    if r.random() < 0.15:
        share = _u(r, 0.01, 0.04)
        add(RStep("withdraw", "desk", _lu(r, 5, 15), _lu(r, 30, 300)), node=False)
        flow.append(("withdraw", "withdraw", share))
        kept("withdraw", "end")
    if r.random() < 0.3:
        add(RStep("draft", "dept", _lu(r, 15, 60), _lu(r, 20, 240), officer="same", same=1.0))
        wasted("mergeable", "merge", "draft", "appraise", "same_officer_followup")
    if r.random() < 0.35:
        if r.random() < 0.5:
            add(RStep("recheck", "dept", _lu(r, 5, 20), _lu(r, 120, 900), officer="same", same=_u(r, 0.9, 1.0)))
            wasted("duplicate_check", "eliminate", "recheck", None, "recheck_same_officer")
        else:
            pools["dept"] = max(pools["dept"], 2)
            add(RStep("recheck", "dept", _lu(r, 5, 20), _lu(r, 120, 900), officer="other"))
            wasted("duplicate_check", "eliminate", "recheck", None, "recheck_same_unit")
    # ---- consultations
    n_consult = int(r.choice(4, p=[0.3, 0.25, 0.3, 0.15]))
    n_bodies = len(UNIT_NAMES["body"])
    bodies = [int(b) for b in names.permutation(n_bodies)[: n_consult + 1]]
    consults = [f"consult_{i + 1}" for i in range(n_consult)]
    for i, key in enumerate(consults):
        unit = f"body{i + 1}"
        pools[unit] = int(r.integers(1, 5))
        add(RStep(key, unit, _lu(r, 30, 240), _lu(r, 900, 4500), role="consult",
                  reject=_u(r, 0.01, 0.05) if r.random() < 0.3 else 0.0), node=False)
        if steps[key].reject:
            kept(key, "decision")
    if n_consult == 2 and r.random() < 0.5:
        share = _u(r, 0.15, 0.5)
        flow.append(("swap", consults[0], consults[1], share))
        wasted("parallelizable", "parallelize", consults[0], consults[1], "consultations_varying_order",
               order="varies", injected={"other_order_share": share})
    else:
        flow.extend(("step", k) for k in consults)
        for a, b in zip(consults, consults[1:], strict=False):
            wasted("parallelizable", "parallelize", a, b, "sequential_consultations", order="fixed",
                   injected={"other_order_share": 0.0})
    if r.random() < 0.3:
        add(RStep("required_transfer", "dept", _lu(r, 1, 5), _lu(r, 120, 900)))
        protect.append("required_transfer")
        wasted("relay_handoff", "automate", "required_transfer", None, "required_transfer")
    if r.random() < 0.35:
        pools["dept"] = max(pools["dept"], 2)
        add(RStep("relay", "dept", _lu(r, 1, 5), _lu(r, 60, 600), role="internal_relay", officer="other"))
        wasted("relay_handoff", "eliminate", "relay", None, "internal_relay")
    # ---- approval layers
    n_layers = int(r.choice(4, p=[0.2, 0.35, 0.3, 0.15]))
    layers = sorted(r.choice(3, size=n_layers, replace=False).tolist())
    for layer in layers:
        key = ("review_deputy", "review_head", "submit")[layer]
        rubber = r.random() < 0.7
        if key == "submit":
            unit = "clerk" if r.random() < 0.5 else "dept"
            mode = "same" if unit == "dept" and r.random() < 0.5 else "pool"
        else:
            unit = "dept" if r.random() < 0.75 else "dept_lead"
            mode = "pool"
        if rubber:
            add(RStep(key, unit, _lu(r, 2, 10), _lu(r, 120, 900), officer=mode, same=0.9))
            pattern = ("submission_for_signature" if key == "submit" else
                       "layered_approval_same_unit" if unit == "dept" else "approval_layer_other_unit")
            wasted("rubber_stamp", "eliminate", key, None, pattern)
        else:
            back = _u(r, 0.05, 0.15)
            add(RStep(key, unit, _lu(r, 10, 40), _lu(r, 120, 900), back_to="appraise", back=back, officer=mode, same=0.9))
            kept(key, "decision")
            wasted("rework_loop", "fix_rework", "appraise", None, "send_back", trigger=key)
    add(RStep("sign", "lead", _lu(r, 3, 20), _lu(r, 120, 1200), reject=_u(r, 0.005, 0.02) if r.random() < 0.2 else 0.0))
    kept("sign", "legal")
    protect.append("sign")
    if r.random() < 0.6:
        add(RStep("register", "clerk", _lu(r, 3, 10), _lu(r, 30, 400)))
        kept("register", "legal")
        protect.append("register")
    # ---- steps driven by the applicant, a timer, or by design
    block = int(r.choice(5, p=[0.45, 0.2, 0.15, 0.1, 0.1]))
    if block == 1:
        delay = int(r.choice([5, 10, 15, 30]))
        unpaid = _u(r, 0.1, 0.35)
        add(RStep("notice", "finance", _lu(r, 5, 15), _lu(r, 30, 300)), node=False)
        add(RStep("penalty", "system", 0.05, 0.0, proc_sigma=0.0, wait_sigma=0.0), node=False)
        add(RStep("payment", "finance", _lu(r, 3, 10), _lu(r, 450, 1800)), node=False)
        flow.append(("timer", "notice", "penalty", "payment", unpaid, delay))
        kept("penalty", "external")
        kept("payment", "external")
        external.append({"key": "penalty", "driver": "timer", "after": "notice", "delay_workdays": delay,
                         "share": unpaid})
        external.append({"key": "payment", "driver": "applicant", "after": "notice"})
    elif block >= 2:
        role, unit, lo, hi = [("instalment", "finance", 2, 4), ("periodic_test", "dept", 2, 4),
                              ("reminder", "finance", 1, 3)][block - 2]
        gap = _lu(r, 1800, 9000)
        add(RStep(role, unit, _lu(r, 3, 20), gap, wait_sigma=0.3), node=False)
        flow.append(("repeat", role, lo, hi))
        kept(role, "by_design")
        by_design.append({"key": role, "kind": role, "repeats": [lo, hi], "gap_minutes_median": gap})
    if r.random() < 0.3:
        share = _u(r, 0.02, 0.08)
        add(RStep("appeal", "desk", _lu(r, 5, 20), _lu(r, 450, 2250)), node=False)
        flow.append(("optional", "appeal", share))
        kept("appeal", "external")
        external.append({"key": "appeal", "driver": "third party", "share": share})
    # ---- endings
    postal = _u(r, 0.05, 0.25) if r.random() < 0.5 else 0.0
    online = _u(r, 0.2, 0.7)
    channels = (online, round(1.0 - online - postal, 3), postal)
    add(RStep("return_desk", "desk", _lu(r, 3, 15), _lu(r, 30, 600)), node=False)
    kept("return_desk", "end")
    if postal:
        add(RStep("return_post", "postal", _lu(r, 5, 20), _lu(r, 60, 900)), node=False)
        kept("return_post", "end")
        alternatives.append(["return_desk", "return_post"])
    flow.append(("end",))
    add(RStep("notify_rejection", "desk", _lu(r, 5, 20), _lu(r, 30, 300)), node=False)
    kept("notify_rejection", "end")
    if "withdraw" in steps:
        alternatives += [["withdraw", k] for k in ("return_desk", "return_post", "notify_rejection") if k in steps]

    # ---- names
    hours = OFFICE_HOURS[int(r.integers(len(OFFICE_HOURS)))]
    doc = DOCS[int(names.integers(len(DOCS)))][li]
    place = PLACES[int(names.integers(len(PLACES)))][li]
    unit_labels: dict[str, str] = {}
    base: dict[str, str] = {}  # unit names without the place, for step names
    for unit in pools:
        kind = "body" if unit.startswith("body") else unit
        if kind == "body":
            label = UNIT_NAMES["body"][bodies[int(unit[4:]) - 1]][li]
        else:
            options = UNIT_NAMES[kind]
            label = options[int(names.integers(len(options)))][li]
        base[unit] = label
        if kind in ("desk", "dept", "clerk", "dept_lead"):
            label = f"{label} {place}" if lang == "vi" else f"{label}, {place}"
        unit_labels[unit] = label
    fill = {
        "doc": doc,
        "dept": base["dept"],
        "body": UNIT_NAMES["body"][bodies[-1]][li],
        "lead": base["lead"] if lang == "vi" else base["lead"].lower().replace("people's", "People's"),
    }
    opaque = names.random() < 0.15
    labels: dict[str, str] = {}
    order = list(steps)
    code = "".join(chr(65 + int(x)) for x in names.integers(0, 26, size=2)) + f"{int(names.integers(1, 100)):02d}"
    for i, key in enumerate(order):
        s = steps[key]
        if opaque:
            labels[key] = f"{code}_{(i + 1) * 10:03d}"
            continue
        if s.role == "consult":
            body = UNIT_NAMES["body"][bodies[int(key.split("_")[1]) - 1]][li]
            options = PHRASES["consult"]
            text = options[int(names.integers(len(options)))][li].format(body=body, doc=doc)
        else:
            options = PHRASES[s.role]
            text = options[int(names.integers(len(options)))][li].format(**fill)
        text = text[0].upper() + text[1:]
        while text in labels.values():
            text = f"{text} ({i})"
        labels[key] = text
    subject = SUBJECTS[int(names.integers(len(SUBJECTS)))][li]
    name = f"{subject} (1.{int(names.integers(0, 10**6)):06d})"
    prefix = "".join(chr(65 + int(x)) for x in names.integers(0, 26, size=2))
    return RandomService(
        seed=int(seed), name=name, prefix=prefix, hours=hours, statutory_days=float(r.integers(3, 21)),
        channels=channels, volume=int(r.integers(150, 601)), continuity=continuity, steps=steps, flow=flow,
        labels=labels, unit_labels=unit_labels, pools=pools, waste=waste, keep=keep, protect=protect,
        external=external, by_design=by_design, alternatives=alternatives, opaque=bool(opaque),
    )


# ---------------------------------------------------------------------------- walk
class _Walk:
    """Emit the events of every dossier of a drawn service, step by step, as numpy arrays."""

    def __init__(self, svc: RandomService, n: int, rng: np.random.Generator, channel: np.ndarray,
                 w_received: np.ndarray, officers: Officers, minutes_per_day: float) -> None:
        self.svc = svc
        self.n = n
        self.rng = rng
        self.channel = channel
        self.mpd = minutes_per_day
        self.clock = w_received.astype(float).copy()
        self.active = np.ones(n, dtype=bool)
        self.rejected = np.zeros(n, dtype=bool)
        self.last_officer = np.full(n, -1, dtype=np.int64)
        self.last_unit = np.full(n, -1, dtype=np.int64)
        self.complexity = np.exp(0.2 * rng.standard_normal(n))
        self.units = {u: i for i, u in enumerate(svc.pools)}
        self.pools = {u: officers.pool(svc.tag, f"{svc.tag}:{u}", size) for u, size in svc.pools.items()}
        self.keys: list[str] = []
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in ("case", "key", "start", "end", "officer")}

    def _officer(self, idx: np.ndarray, s: RStep) -> np.ndarray:
        pool = self.pools[s.unit]
        k = len(pool)
        m = len(idx)
        pick = pool[self.rng.integers(k, size=m)]
        last = self.last_officer[idx]
        same_unit = self.last_unit[idx] == self.units[s.unit]
        if s.officer == "other":
            if k > 1:
                inside = same_unit & (last >= pool[0]) & (last <= pool[-1])
                alt = pool[(last - pool[0] + 1 + self.rng.integers(k - 1, size=m)) % k]
                pick = np.where(inside, alt, pick)
            return pick
        share = s.same if s.officer == "same" else self.svc.continuity
        keep_same = same_unit & (self.rng.random(m) < share)
        return np.where(keep_same, last, pick)

    def emit(self, idx: np.ndarray, key: str, wait: np.ndarray | None = None) -> None:
        if len(idx) == 0:
            return
        s = self.svc.steps[key]
        m = len(idx)
        if wait is None:
            wait = np.maximum(s.wait * np.exp(s.wait_sigma * self.rng.standard_normal(m)), 0.5)
        proc = np.maximum(s.proc * np.exp(s.proc_sigma * self.rng.standard_normal(m)) * self.complexity[idx], 0.05)
        if s.role == "penalty":  # a timer: the system, seconds of work
            proc = np.full(m, 0.05)
        begin = self.clock[idx] + wait
        end = begin + proc
        officer = self._officer(idx, s)
        if key not in self.keys:
            self.keys.append(key)
        self.parts["case"].append(idx)
        self.parts["key"].append(np.full(m, self.keys.index(key), dtype=np.int64))
        self.parts["start"].append(begin)
        self.parts["end"].append(end)
        self.parts["officer"].append(officer)
        self.clock[idx] = end
        self.last_officer[idx] = officer
        self.last_unit[idx] = self.units[s.unit]

    def step(self, key: str, idx: np.ndarray) -> None:
        """One step with its decisions: rejection, supplement loop, send-back."""
        idx = idx[self.active[idx]]
        if len(idx) == 0:
            return
        self.emit(idx, key)
        s = self.svc.steps[key]
        if s.reject:
            rej = idx[self.rng.random(len(idx)) < s.reject]
            self.emit(rej, "notify_rejection")
            self.active[rej] = False
            self.rejected[rej] = True
            idx = idx[self.active[idx]]
        if s.supplement:
            u = self.rng.random(len(idx))
            again = self.rng.random(len(idx))
            for mask in (u < s.supplement, (u < s.supplement) & (again < 0.25)):
                m = idx[mask]
                self.emit(m, "request_supplement")
                self.emit(m, "resubmit")
                self.emit(m, key)
        if s.back_to:
            u = self.rng.random(len(idx))
            again = self.rng.random(len(idx))
            for mask in (u < s.back, (u < s.back) & (again < 0.2)):
                m = idx[mask]
                self.emit(m, s.back_to)
                self.emit(m, key)

    def walk(self) -> dict[str, np.ndarray]:
        svc = self.svc
        everyone = np.arange(self.n)

        def live() -> np.ndarray:
            return everyone[self.active]

        for node in svc.flow:
            kind = node[0]
            if kind == "step":
                self.step(node[1], live())
            elif kind == "swap":
                _, a, b, share = node
                idx = live()
                swap = self.rng.random(len(idx)) < share
                first, second = idx[~swap], idx[swap]
                self.step(a, first)
                self.step(b, second)
                self.step(b, first)
                self.step(a, second)
            elif kind == "route":
                _, lookup, extra, share = node
                idx = live()
                self.step(lookup, idx)
                idx = idx[self.active[idx]]
                self.step(extra, idx[self.rng.random(len(idx)) < share])
            elif kind == "withdraw":
                _, key, share = node
                idx = live()
                m = idx[self.rng.random(len(idx)) < share]
                self.emit(m, key)
                self.active[m] = False
                self.rejected[m] = True  # not granted
            elif kind == "optional":
                _, key, share = node
                idx = live()
                self.step(key, idx[self.rng.random(len(idx)) < share])
            elif kind == "repeat":
                _, key, lo, hi = node
                idx = live()
                times = self.rng.integers(lo, hi + 1, size=len(idx))
                for t in range(hi):
                    self.step(key, idx[times > t])
            elif kind == "timer":
                _, notice, penalty, payment, unpaid_share, delay = node
                idx = live()
                self.step(notice, idx)
                unpaid = self.rng.random(len(idx)) < unpaid_share
                late = idx[unpaid]
                # a near-constant delay: the timer fires `delay` working days after the notice
                self.emit(late, penalty, wait=delay * self.mpd * (1 + 0.002 * self.rng.standard_normal(len(late))))
                s = svc.steps[payment]
                on_time = idx[~unpaid]
                w = np.minimum(s.wait * np.exp(s.wait_sigma * self.rng.standard_normal(len(on_time))),
                               0.9 * delay * self.mpd)
                self.emit(on_time, payment, wait=np.maximum(w, 1.0))
                self.emit(late, payment)
            elif kind == "end":
                idx = live()
                postal = (self.channel[idx] == 2) & ("return_post" in svc.steps)
                self.step("return_desk", idx[~postal])
                self.step("return_post", idx[postal])
        out = {k: np.concatenate(v) if v else np.zeros(0) for k, v in self.parts.items()}
        out["rejected"] = self.rejected
        return out


def run_random(svc: RandomService, n: int, *, start: pd.Timestamp, end: pd.Timestamp,
               officers: Officers) -> ServiceRun:
    """The dossiers of one drawn service, in the form :func:`procsimp.synth._assemble.assemble` takes."""
    cal = svc.calendar
    rng = np.random.default_rng(np.random.SeedSequence([svc.seed, 7_160_003]))
    p = np.asarray(svc.channels, dtype=float)
    channel = rng.choice(len(CHANNELS), size=n, p=p / p.sum()).astype(np.int8)
    recv_ns = arrivals(rng, n, channel, start, end, cal) if n else np.zeros(0, dtype=np.int64)
    order = np.argsort(recv_ns, kind="stable")
    recv_ns, channel = recv_ns[order], channel[order]
    w_recv = cal.work_minutes(pd.DatetimeIndex(recv_ns.view("datetime64[ns]")))
    w_due = w_recv + svc.statutory_days * cal.minutes_per_day
    walker = _Walk(svc, n, rng, channel, w_recv, officers, cal.minutes_per_day)
    as_is = walker.walk()
    return ServiceRun(template=svc, n=n, received_ns=recv_ns, w_received=w_recv, w_due=w_due,  # type: ignore[arg-type]
                      channel=channel, as_is=as_is, to_be=None, keys=tuple(walker.keys))


# ---------------------------------------------------------------------------- truth
def truth_of(svc: RandomService, run: ServiceRun, kpis: dict[str, Any]) -> dict[str, Any]:
    """The ground truth of one drawn service, in the layout of the template structures plus the
    random family's own fields (pattern of each waste item, protect, external, by_design,
    alternatives, office hours)."""
    lab = svc.labels
    present = set(run.keys)
    waste = []
    for w in svc.waste:
        if w["key"] not in present or (w["into"] is not None and w["into"] not in present):
            continue  # e.g. a supplement loop no dossier went through
        if "trigger" in w and w["trigger"] not in present:
            continue
        item = {"kind": w["kind"], "action": w["action"], "activity": lab[w["key"]],
                "into": lab[w["into"]] if w["into"] else None}
        if "order" in w:
            item["order"] = w["order"]
        if "trigger" in w:
            item["trigger"] = lab[w["trigger"]]
        item["pattern"] = w["pattern"]
        item["patterns"] = list(w["patterns"])
        step = svc.steps[w["key"]]
        item["injected"] = {
            **w.get("injected", {}),
            "processing_minutes_median": step.proc, "waiting_minutes_median": step.wait,
            "unit": svc.unit_labels[step.unit], "officer_rule": step.officer,
            **({"same_officer_share": step.same} if step.officer == "same" else {}),
        }
        waste.append(item)
    removed = {w["key"] for w in svc.waste if w["action"] in ("eliminate", "merge", "automate")}
    clash = removed & set(svc.keep)
    if clash:  # pragma: no cover - the grammar never does this
        raise ParameterError(f"random service {svc.seed}: steps both waste and kept: {sorted(clash)}")
    keep = [{"activity": lab[k], "reason": reasons[0], "reasons": reasons}
            for k, reasons in svc.keep.items() if k in present]
    waste_keys = {w["key"] for w in svc.waste} | {w["into"] for w in svc.waste if w["action"] == "parallelize"}
    steps = [{"activity": lab[k], "key": k,
              "role": "keep" if k in svc.keep else "waste" if k in waste_keys else "neutral",
              "removed_in_to_be": k in removed and any(w["key"] == k and w["action"] != "automate" for w in svc.waste)}
             for k in svc.steps if k in present]

    def named(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for e in items:
            if e["key"] not in present:
                continue
            d = {"activity": lab[e["key"]], **{k: v for k, v in e.items() if k != "key"}}
            if "after" in d:
                d["after"] = lab[d["after"]]
            out.append(d)
        return out

    return {
        "service_id": f"random_{svc.seed}",
        "seed": svc.seed,
        "statutory_days": svc.statutory_days,
        "statutory_days_source": "generator",
        "structure": "random",
        "cases": int(run.n),
        "events": int(len(run.as_is["case"])),
        "office_hours": [list(p) for p in svc.hours],
        "continuity": svc.continuity,
        "pools": {svc.unit_labels[u]: s for u, s in svc.pools.items() if any(st.unit == u for st in svc.steps.values())},
        "opaque_names": svc.opaque,
        "steps": steps,
        "waste": waste,
        "keep": keep,
        "protect": [lab[k] for k in svc.protect if k in present],
        "external": named(svc.external),
        "by_design": named(svc.by_design),
        "alternatives": [[lab[a], lab[b]] for a, b in svc.alternatives if a in present and b in present],
        "kpis": kpis,
    }


def plan_random(seed: int, services: int, cases: int | None, lang: str) -> tuple[list[RandomService], list[int]]:
    """The draws of one random family and the dossiers of each."""
    if isinstance(services, bool) or not isinstance(services, (int, np.integer)) or not 1 <= services <= 10_000:
        raise ParameterError(
            f"with structure='random', services is the number of services to draw (1 to 10000); "
            f"received {services!r}"
        )
    draws = [draw_service(int(seed) + i, lang) for i in range(int(services))]
    seen: dict[str, int] = {}
    prefixes: set[str] = set()
    for d in draws:  # names and case-id prefixes unique within the log
        if d.name in seen:
            seen[d.name] += 1
            d.name = f"{d.name} [{seen[d.name]}]"
        seen.setdefault(d.name, 1)
        while d.prefix in prefixes:
            d.prefix = d.prefix[0] + chr(65 + (ord(d.prefix[1]) - 64) % 26)
        prefixes.add(d.prefix)
    if cases is None:
        counts = [d.volume for d in draws]
    else:
        if isinstance(cases, bool) or not isinstance(cases, (int, np.integer)) or cases < len(draws):
            raise ParameterError(
                f"cases must be a whole number >= the {len(draws)} services drawn (each needs a dossier), "
                f"or None for each draw's own volume; received {cases!r}"
            )
        w = np.array([d.volume for d in draws], dtype=float)
        share = w / w.sum() * int(cases)
        base = np.maximum(np.floor(share).astype(int), 1)
        rest = int(cases) - int(base.sum())
        order = np.argsort(-(share - base), kind="stable")
        if rest > 0:
            base[order[:rest]] += 1
        else:
            for i in order[::-1]:
                if rest == 0:
                    break
                if base[i] > 1:
                    base[i] -= 1
                    rest += 1
        counts = [int(c) for c in base]
    return draws, counts

