"""Synthetic dossier logs with known waste: the ground truth that procsimp is measured against.

Real dossier logs of the national public-service systems are not public, so procsimp generates
realistic ones whose inefficiencies are known::

    from procsimp.synth import generate
    res = generate(services=["birth_registration", "passport"], cases=2000, seed=1, to_be=True)
    res.log        # EventLog: the as-is dossiers
    res.to_be      # EventLog: the same dossiers with the waste removed (the counterfactual)
    res.truth      # dict: per service, the injected waste, the steps to keep and the KPIs
    res.write("out", formats=("csv", "parquet", "xes"))

Each service follows a template (:mod:`procsimp.synth.templates`) with the one-stop-shop stages
(receive, completeness check, supplement request and resubmission, transfer, assignment,
appraisal, review, signature, rejection notice, return of the result) and service-specific
steps. Dossiers arrive over months in office hours; every event has a start and a completion
time built in working minutes with :class:`procsimp.core.calendar.WorkCalendar` (Vietnamese
holidays and office hours), an officer and a unit.

Injected waste, recorded in the ground truth with the redesign action that removes it:
relay hand-offs, rubber-stamp reviews and duplicate checks (``eliminate``), steps always done
by the same officer as the step before (``merge``), independent steps done one after the other
(``parallelize``), late knock-out checks (``move_earlier``) and rework loops (``fix_rework``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from procsimp.core import progress
from procsimp.core.calendar import WorkCalendar, default_calendar
from procsimp.core.log import EventLog
from procsimp.errors import ParameterError
from procsimp.read.write import WRITE_FORMATS
from procsimp.synth._engine import (
    CHANNEL_LABELS,
    CHANNELS,
    COUNTERFACTUAL,
    OUTCOME_LABELS,
    Officers,
    ServiceRun,
    run_service,
)
from procsimp.synth.templates import ACTIONS, STRUCTURES, TEMPLATES, WASTE_KINDS, Template, template

__all__ = [
    "generate",
    "SynthResult",
    "SERVICE_IDS",
    "STRUCTURES",
    "WASTE_KINDS",
    "FORMATS",
    "CHANNEL_LABELS",
    "OUTCOME_LABELS",
]

#: ids of the service templates (catalog ids), in generation order
SERVICE_IDS: tuple[str, ...] = tuple(t.id for t in TEMPLATES)
FORMATS: tuple[str, ...] = WRITE_FORMATS
LANGS: tuple[str, ...] = ("vi", "en")
_TRUTH_FORMAT = 1


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class SynthResult:
    """What :func:`generate` returns.

    ``log``: the as-is dossiers; ``to_be``: the counterfactual (same dossiers, waste removed)
    or ``None``; ``truth``: the ground truth (see ``event_logs/README.md`` for its layout).
    """

    log: EventLog
    truth: dict[str, Any]
    to_be: EventLog | None = None

    @property
    def lang(self) -> str:
        return str(self.truth["generator"]["lang"])

    def kpis(self) -> pd.DataFrame:
        """One row per service and log (``as_is``/``to_be``) with the truth's KPIs."""
        rows = []
        for name, svc in self.truth["services"].items():
            for which, k in svc["kpis"].items():
                rows.append({"service": name, "log": which, **k})
        return pd.DataFrame(rows)

    def waste(self) -> pd.DataFrame:
        """The injected waste as a table: service, kind, action, activity, into."""
        rows = [
            {"service": name, **{k: w.get(k) for k in ("kind", "action", "activity", "into")}}
            for name, svc in self.truth["services"].items()
            for w in svc["waste"]
        ]
        return pd.DataFrame(rows, columns=["service", "kind", "action", "activity", "into"])

    def procedure(self) -> Any:
        """The approved to-be procedure of every service: a :class:`procsimp.catalog.procedure.Reference`.

        It is the procedure the counterfactual to-be log follows: the template's steps without
        the eliminated and merged-away ones, each parallel pair as a parallel block, a late
        knock-out check right after the step it should follow, and the return of the result
        last. Supplement requests (with the repeat of the check that raised them) and the
        resubmission are exceptions; the rejection notice is an exception that may end the
        dossier. Allotted hours are the step's median waiting plus processing time in the
        template, rounded up to the half hour; units are the template's.
        """
        from procsimp.catalog.procedure import (
            Parallel,
            Procedure,
            ProcedureException,
            ProcedureStep,
            Reference,
            round_up_half_hour,
        )

        g = self.truth["generator"]
        procs = []
        for name, svc in self.truth["services"].items():
            tpl = template(svc["service_id"], g["structure"])

            def step(key: str, tpl: Template = tpl) -> ProcedureStep:
                s = tpl.step(key)
                hours = round_up_half_hour((s.wait * tpl.pace + s.proc) / 60.0)
                return ProcedureStep(name=tpl.label(key, self.lang), unit=tpl.unit_label(s.unit, self.lang), hours=hours)

            gone = {k for _, k in tpl.eliminate} | {b for b, _ in tpl.merge}
            second = {b: a for a, b, _ in tpl.parallel}
            first = {a: b for a, b, _ in tpl.parallel}
            ko, ko_into = tpl.knockout if tpl.knockout else (None, None)
            items: list[Any] = []
            for s in tpl.steps:
                if s.key in gone or s.key in second or s.key == "return" or s.key == ko:
                    continue
                if s.key in first:
                    items.append(Parallel((step(s.key), step(first[s.key]))))
                    continue
                items.append(step(s.key))
                if s.key == ko_into and ko is not None:
                    items.append(step(ko))
            items.append(step("return"))
            procs.append(Procedure(
                service=name,
                steps=tuple(items),
                statutory_days=float(svc["statutory_days"]) if svc.get("statutory_days") else None,
                exceptions=(
                    ProcedureException(tpl.label("request_supplement", self.lang), "supplement"),
                    ProcedureException(tpl.label("resubmit", self.lang), "anywhere"),
                    ProcedureException(tpl.label("notify_rejection", self.lang), "end"),
                ),
                source="procsimp generate (the approved to-be procedure of the synthetic service)",
            ))
        return Reference(procedures=tuple(procs), source="generated")

    def write(
        self,
        out: str | Path,
        formats: Iterable[str] = ("csv",),
        *,
        stem: str = "dossiers",
        truth_name: str = "ground_truth.json",
        procedure: bool = False,
    ) -> list[Path]:
        """Write ``<stem>.<ext>`` (+ ``<stem>_to_be.<ext>``) and the ground truth into ``out``;
        with ``procedure``, also ``<stem>_procedure.yaml``, the approved to-be procedure
        (:meth:`procedure`) in the reference format that ``procsimp conform`` reads."""
        from procsimp.synth.files import write_generated

        return write_generated(self, out, formats, stem=stem, truth_name=truth_name, procedure=procedure)

    def __repr__(self) -> str:
        g = self.truth["generator"]
        return (
            f"SynthResult(services={len(self.truth['services'])}, cases={self.log.n_cases}, "
            f"events={self.log.n_events}, seed={g['seed']}, lang={g['lang']!r}, "
            f"structure={g['structure']!r}, to_be={self.to_be is not None})"
        )

    def _repr_html_(self) -> str:
        k = self.kpis()
        cols = ["service", "log", "cases", "steps_per_case", "lead_time_workdays_mean", "on_time_rate"]
        table = k[cols].to_html(index=False, float_format=lambda x: f"{x:.2f}") if len(k) else ""
        w = self.waste()
        return (
            f"<div><strong>{html.escape(repr(self))}</strong>{table}"
            f"<details><summary>{len(w)} injected waste items</summary>"
            f"{w.to_html(index=False)}</details></div>"
        )


# ---------------------------------------------------------------------------- parameters
def _catalog() -> Any:
    from procsimp.catalog import load_catalog

    return load_catalog()


def _resolve_services(services: Iterable[str] | str | None, catalog: Any) -> list[str]:
    if services is None:
        return list(SERVICE_IDS)
    if isinstance(services, str):
        services = [s for s in services.split(",") if s.strip()]
    out: list[str] = []
    for raw in services:
        key = str(raw).strip()
        sid = key if key in SERVICE_IDS else None
        if sid is None and catalog is not None:
            svc = catalog.get(key)
            sid = svc.id if svc is not None and svc.id in SERVICE_IDS else None
        if sid is None:
            raise ParameterError(
                f"service {key!r} has no synthetic template; available: {', '.join(SERVICE_IDS)}"
            )
        if sid not in out:
            out.append(sid)
    if not out:
        raise ParameterError(f"services is empty; give one or more of: {', '.join(SERVICE_IDS)}")
    return out


def _allocate(cases: int | Mapping[str, int], ids: Sequence[str]) -> dict[str, int]:
    if isinstance(cases, Mapping):
        unknown = [k for k in cases if k not in ids]
        if unknown:
            raise ParameterError(
                f"cases names service {unknown[0]!r}, which is not among the services generated "
                f"({', '.join(ids)})"
            )
        counts = {sid: int(cases.get(sid, 0)) for sid in ids}
        if any(v < 0 for v in counts.values()) or sum(counts.values()) < 1:
            raise ParameterError("cases per service must be >= 0, with at least one dossier in total")
        return counts
    if isinstance(cases, bool) or not isinstance(cases, (int, np.integer)) or cases < 1:
        raise ParameterError(f"cases must be a whole number >= 1 (dossiers in total); received {cases!r}")
    if cases < len(ids):  # some services would get no dossier, yet their waste be in the truth
        raise ParameterError(
            f"cases ({int(cases)}) is fewer than the {len(ids)} services generated: each service "
            f"needs at least one dossier; give cases >= {len(ids)}, or fewer services"
        )
    weights = np.array([next(t.weight for t in TEMPLATES if t.id == sid) for sid in ids])
    share = weights / weights.sum() * int(cases)
    base = np.floor(share).astype(int)
    rest = int(cases) - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:rest]] += 1
    return {sid: int(c) for sid, c in zip(ids, base, strict=True)}


# ---------------------------------------------------------------------------- generate
def generate(
    services: Iterable[str] | str | int | None = None,
    cases: int | Mapping[str, int] | None = None,
    seed: int = 0,
    lang: str = "vi",
    structure: str = "standard",
    to_be: bool = False,
    start: str = "2025-01-01",
    months: int = 6,
    *,
    calendar: WorkCalendar | None = None,
) -> SynthResult:
    """Generate a synthetic dossier log with its ground truth (and, with ``to_be``, its counterfactual).

    Parameters
    ----------
    services
        template ids (see :data:`SERVICE_IDS`) or catalog names; ``None`` for all. With
        ``structure="random"``: the number of services to draw (default 1).
    cases
        dossiers in total (default 2000), split over the services by their usual volume (at
        least one per service, so at least as many as there are services); or a mapping
        ``{service id: dossiers}``, where a service may get none. With ``structure="random"``:
        dossiers in total split by each draw's volume, or ``None`` for each draw's own volume
        (150-600 dossiers).
    seed
        the same seed gives the same log, event for event.
    lang
        ``"vi"`` (Vietnamese labels, with diacritics) or ``"en"``.
    structure
        ``"standard"``; ``"alt"``, a second structure with other wording, units, timings and
        waste intensities; ``"codes"``, the alt structure with opaque step codes (``KS_030``);
        ``"holdout"``, a third structure (own wording, units, timings and waste intensities) kept
        apart to measure the detectors on a structure they were not built on; ``"holdout2"``, a
        fourth one (another wording and unit set, other draws, a legal-desk consultation before
        the section head's review), written after the detectors were revised on ``holdout``;
        ``"holdout3"`` (digitising at the front office) and ``"holdout4"`` (no assignment
        step), each written after the previous revision; ``holdout4`` was measured once with
        the final detectors and never used to tune them. ``"random"``: the randomised procedure
        family, whole services drawn from a grammar of Vietnamese procedures (units, officers,
        office hours, timings, waste and names drawn afresh); the i-th service comes from seed
        ``seed + i`` alone, and its ground truth names the pattern of each waste item (see
        :mod:`procsimp.synth._random`).
    to_be
        also build the counterfactual log: the same dossiers, decisions and processing times
        with the waste removed (rework loops stay). It is an independent truth, not a replay of
        the as-is times: the steps whose predecessor the edits change wait fresh draws, and
        units that lose work have slightly shorter queues (``truth["generator"]["counterfactual"]``
        lists these assumptions; each service's ``counterfactual`` names the steps and factors).
    start, months
        dossiers arrive from ``start`` (``YYYY-MM-DD``) over ``months`` months.
    calendar
        working calendar (default: :func:`procsimp.core.calendar.default_calendar`).
    """
    if lang not in LANGS:
        raise ParameterError(f"lang must be 'vi' or 'en'; received {lang!r}")
    if structure not in STRUCTURES:
        raise ParameterError(f"structure must be one of {', '.join(STRUCTURES)}; received {structure!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0; received {seed!r}")
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= 120:
        raise ParameterError(f"months must be a whole number from 1 to 120; received {months!r}")
    try:
        t0 = pd.Timestamp(start)
    except (ValueError, TypeError):
        t0 = None
    if t0 is None or t0 is pd.NaT or t0.tzinfo is not None or t0 != t0.normalize():
        raise ParameterError(f"start must be a date written YYYY-MM-DD; received {start!r}")
    if not 1900 <= t0.year <= 2190:  # the times must stay readable (years 1900-2200) after `months`
        raise ParameterError(
            f"start must be a date from 1900-01-01 to 2190-12-31, so that the log's times stay within the years "
            f"procsimp reads (1900-2200); received {start!r}"
        )
    t1 = t0 + pd.DateOffset(months=int(months))
    if structure == "random":
        return _generate_random(services, cases, int(seed), lang, to_be, t0, t1, int(months), calendar)
    if cases is None:
        cases = 2000
    if isinstance(services, (int, np.integer)):
        raise ParameterError(
            f"services={services!r}: a number of services is for structure='random'; for "
            f"{structure!r} give template ids ({', '.join(SERVICE_IDS)}) or None for all"
        )
    cal = calendar or default_calendar()
    catalog = _catalog()
    ids = _resolve_services(services, catalog)
    counts = _allocate(cases, ids)
    officers = Officers()
    runs: list[tuple[Template, ServiceRun, dict[str, Any]]] = []
    for i, sid in enumerate(ids, 1):
        progress.step("generate", sid, index=i, total=len(ids))
        tpl = template(sid, structure)
        meta = _service_meta(tpl, lang, catalog)
        run = run_service(
            tpl, counts[sid], seed=int(seed), start=t0, end=t1, calendar=cal,
            statutory_days=meta["statutory_days"], officers=officers, to_be=to_be,
        )
        runs.append((tpl, run, meta))
    from procsimp.synth._assemble import assemble

    log, tb, kpis = assemble(runs, officers, lang=lang, calendar=cal, to_be=to_be)
    truth = {
        "generator": {
            "format": _TRUTH_FORMAT,
            "seed": int(seed),
            "lang": lang,
            "structure": structure,
            "cases": int(sum(counts.values())),
            "start": t0.strftime("%Y-%m-%d"),
            "months": int(months),
            "to_be": bool(to_be),
            "services": ids,
            "calendar": cal.describe(),
            "time_model": (
                "each event = waiting (queue) + processing, in working minutes of the calendar; "
                "lognormal, step- and service-specific"
            ),
            **_kpi_terms(lang),
            "matching": (
                "flags match waste by (service, action, activity, into); merge: activity disappears "
                "into `into`; parallelize: the pair in its most frequent observed order (order-free "
                "when `order` is 'varies'); move_earlier: `into` is the step the check should follow; "
                "fix_rework: activity is the supplement request or the repeated step, `trigger` the "
                "step that sends the dossier back. `keep` steps must never be eliminated or merged away."
            ),
        },
        "services": {},
    }
    if to_be:
        truth["generator"]["counterfactual"] = dict(COUNTERFACTUAL)
    for (tpl, run, meta), k in zip(runs, kpis, strict=True):
        truth["services"][meta["name"]] = _service_truth(tpl, run, meta, lang, k)
    return SynthResult(log=log, truth=truth, to_be=tb)


def _kpi_terms(lang: str) -> dict[str, Any]:
    """What the truth's KPIs, channels and outcomes mean (the same for every structure)."""
    return {
        "lead_time": "from case:received to the completion of the case's last event",
        "on_time": "the last event completes no later than case:due (received + statutory working days)",
        "handoffs": "changes of officer between consecutive events of a dossier",
        "channels": dict(zip(CHANNELS, CHANNEL_LABELS[lang], strict=True)),
        "outcomes": dict(zip(("approved", "rejected"), OUTCOME_LABELS[lang], strict=True)),
    }


def _generate_random(services: Any, cases: Any, seed: int, lang: str, to_be: bool, t0: pd.Timestamp,
                     t1: pd.Timestamp, months: int, calendar: WorkCalendar | None) -> SynthResult:
    from procsimp.synth._assemble import assemble
    from procsimp.synth._random import PATTERNS, plan_random, run_random, truth_of

    if to_be:
        raise ParameterError(
            "to_be is not available with structure='random' (its counterfactual is not built); "
            "leave out --to-be, or use a template structure"
        )
    if calendar is not None:
        raise ParameterError(
            "calendar cannot be given with structure='random': each drawn service keeps its own "
            "office hours (written in the ground truth)"
        )
    draws, counts = plan_random(seed, 1 if services is None else services, cases, lang)
    officers = Officers()
    runs = [(d, run_random(d, n, start=t0, end=t1, officers=officers), {"name": d.name})
            for d, n in zip(draws, counts, strict=True)]
    base = default_calendar()
    log, _, kpis = assemble(runs, officers, lang=lang, calendar=base, to_be=False,  # type: ignore[arg-type]
                            calendars=[d.calendar for d in draws])
    truth: dict[str, Any] = {
        "generator": {
            "format": _TRUTH_FORMAT,
            "seed": seed,
            "lang": lang,
            "structure": "random",
            "cases": int(sum(counts)),
            "start": t0.strftime("%Y-%m-%d"),
            "months": months,
            "to_be": False,
            "services": [d.name for d in draws],
            "seeds": [d.seed for d in draws],
            "calendar": {**base.describe(), "hours": "per service: see each service's office_hours"},
            "time_model": (
                "each event = waiting (queue) + processing, in working minutes of the service's own "
                "office hours; lognormal, step-specific; a timer step fires a near-constant number of "
                "working days after the step it follows"
            ),
            **_kpi_terms(lang),
            "withdrawn": "a dossier withdrawn on the applicant's request ends without a result; its outcome is rejected",
            "patterns": dict(PATTERNS),
            "matching": (
                "flags match waste by (service, action, activity, into); automate: a transfer the desk "
                "or the rules require stays but runs without an officer or a wait (an eliminate flag on "
                "it is a wrong action); merge: activity disappears into `into`; parallelize: the pair "
                "in its most frequent observed order (order-free when `order` is 'varies'). `keep` "
                "steps (start, end, legal, decision, external, by_design) must never be eliminated, "
                "merged, automated, reordered or read as rework; `protect` lists the steps a user "
                "passes with --protect; `alternatives` are endings that never share a dossier."
            ),
        },
        "services": {},
    }
    for (d, run, _meta), k in zip(runs, kpis, strict=True):
        truth["services"][d.name] = truth_of(d, run, k)
    return SynthResult(log=log, truth=truth, to_be=None)


# ---------------------------------------------------------------------------- truth
def _service_meta(tpl: Template, lang: str, catalog: Any) -> dict[str, Any]:
    svc = catalog.get(tpl.id) if catalog is not None else None
    days = getattr(svc, "statutory_days", None) if svc is not None else None
    name = (svc.name_vi if lang == "vi" else svc.name_en) if svc is not None else (
        tpl.name_vi if lang == "vi" else tpl.name_en
    )
    protected: set[str] = set()
    for key in (*tpl.keys, "notify_rejection"):
        std = template(tpl.id, "standard")
        labels = [std.label(key, "vi"), std.label(key, "en")]
        if catalog is not None:
            if any(catalog.is_protected(tpl.id, lab) for lab in labels):
                protected.add(key)
        elif key in ("receive", "sign", "return"):
            protected.add(key)
    return {
        "name": name,
        "statutory_days": float(days) if days is not None else float(tpl.statutory_days),
        "statutory_days_source": "catalog" if days is not None else "generator",
        "protected": protected,
    }


def _service_truth(tpl: Template, run: ServiceRun, meta: dict[str, Any], lang: str,
                   kpis: dict[str, dict[str, float]]) -> dict[str, Any]:
    lab = {k: tpl.label(k, lang) for k in (*tpl.keys, "request_supplement", "resubmit", "notify_rejection")}
    ev = run.as_is
    key_of = np.asarray(run.keys, dtype=object)
    n = max(run.n, 1)

    def cases_with(key: str, rep_at_least: int = 1) -> float:
        mask = (key_of[ev["key"].astype(int)] == key) & (ev["rep"] >= rep_at_least)
        return float(len(np.unique(ev["case"][mask])) / n)

    waste: list[dict[str, Any]] = []
    for kind, key in tpl.eliminate:
        s = tpl.step(key)
        waste.append({
            "kind": kind, "action": ACTIONS[kind], "activity": lab[key], "into": None,
            "injected": {"processing_minutes_median": s.proc, "waiting_minutes_median": s.wait},
        })
    for key, into in tpl.merge:
        waste.append({
            "kind": "mergeable", "action": "merge", "activity": lab[key], "into": lab[into],
            "injected": {"same_officer": True, "processing_minutes_median": tpl.step(key).proc},
        })
    for a, b, share in tpl.parallel:
        first, second = (b, a) if share > 0.5 else (a, b)
        waste.append({
            "kind": "parallelizable", "action": "parallelize", "activity": lab[first], "into": lab[second],
            "order": "varies" if 0.0 < share < 1.0 else "fixed",
            "injected": {"other_order_share": round(min(share, 1 - share), 4)},
        })
    if tpl.knockout:
        ko, into = tpl.knockout
        rej = float(run.as_is["rejected"].mean()) if run.n else 0.0
        waste.append({
            "kind": "late_knockout", "action": "move_earlier", "activity": lab[ko], "into": lab[into],
            "injected": {"reject_share": tpl.step(ko).reject, "rejected_share_all_steps": round(rej, 4)},
        })
    for activity, trigger, share in tpl.rework():
        waste.append({
            "kind": "rework_loop", "action": "fix_rework", "activity": lab[activity], "into": None,
            "trigger": lab[trigger],
            "injected": {"share": share, "observed_share": round(cases_with(activity, 1), 4)},
        })

    removed = {k for _, k in tpl.eliminate} | {k for k, _ in tpl.merge}
    reasons: dict[str, list[str]] = {}

    def add(key: str, reason: str) -> None:
        if key in removed:
            from procsimp.errors import ProcsimpError

            raise ProcsimpError(f"template {tpl.id}: step {key!r} is both waste and kept ({reason})")
        reasons.setdefault(key, []).append(reason)

    add(tpl.keys[0], "start")
    add("return", "end")
    add("notify_rejection", "end")
    for key in tpl.keys:
        if key in meta["protected"]:
            add(key, "legal")
    knockout = tpl.knockout[0] if tpl.knockout else None
    for s in tpl.steps:
        if (s.reject or s.supplement or s.back) and s.key != knockout:
            add(s.key, "decision")
    order = [*tpl.keys, "notify_rejection"]
    keep = [
        {"activity": lab[k], "reason": reasons[k][0], "reasons": reasons[k]}
        for k in order if k in reasons
    ]
    waste_keys = removed | {k for a, b, _ in tpl.parallel for k in (a, b)}
    waste_keys |= {knockout} if knockout else set()
    waste_keys |= {a for a, _, _ in tpl.rework()}
    emitted = list(dict.fromkeys([*tpl.keys[:-1], "request_supplement", "resubmit", "notify_rejection", tpl.keys[-1]]))
    emitted = [k for k in emitted if k in run.keys or k in tpl.keys]
    steps = [
        {
            "activity": lab[k], "key": k,
            "role": "keep" if k in reasons else "waste" if k in waste_keys else "neutral",
            "removed_in_to_be": k in removed,
        }
        for k in emitted
    ]
    out = {
        "service_id": tpl.id,
        "statutory_days": meta["statutory_days"],
        "statutory_days_source": meta["statutory_days_source"],
        "structure": tpl.structure,
        "cases": int(run.n),
        "events": int(len(run.as_is["case"])),
        "steps": steps,
        "waste": waste,
        "keep": keep,
        "kpis": kpis,
    }
    if run.to_be is not None:
        out["counterfactual"] = {
            "redrawn_waiting": [lab[k] for k in run.redrawn],
            "queue_factors": {
                tpl.unit_label(u, lang): f for u, f in (run.queue_factors or {}).items()
            },
        }
    return out
