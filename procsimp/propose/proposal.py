# Long module: the Proposal result with its views (procedure table, diagrams, KPIs) and propose() that builds it.
"""``propose(log, flags)``: a to-be workflow for one service, with its measured effect.

A :class:`Proposal` is the as-is log plus the typed edits accepted from the flags. Applying the
edits replays every dossier under the to-be workflow (:mod:`procsimp.engine.replay`); the to-be
log gives the to-be directly-follows graph, a BPMN model (discovered from the to-be variants and
checked sound by pm4py) and the before / after key figures (:mod:`procsimp.propose.impact`).
Every assumption behind the estimate is written out, in English and Vietnamese.

Steps that must stay are never removed: the start and end steps of the service, steps with real
decisions, steps protected by the catalog or by ``protect=``. An edit that would remove one is
*refused* and listed as such, with the reason.
"""

from __future__ import annotations

import html
import inspect
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.catalog import resolve_catalog
from procsimp.core import progress
from procsimp.core.log import TIMESTAMP
from procsimp.engine.edits import (
    RECOMMENDATION_ACTIONS,
    Edit,
    Eliminate,
    Merge,
    MoveEarlier,
    Parallelize,
    Refusal,
    edit_from_dict,
    edit_from_flag,
)
from procsimp.engine.replay import EditEffect, Timeline, apply_edits, order_edits
from procsimp.errors import ParameterError
from procsimp.flag.pipeline import check_protect, normalize_name, with_setting_steps
from procsimp.propose.impact import KPI_LABELS, kpi_deltas, kpis

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog
    from procsimp.flag.flag import Flag
    from procsimp.mine.discovery import Model
    from procsimp.propose.simulate import SimulationResult

__all__ = ["Proposal", "propose", "propose_all", "select_flags"]


# ============================================================================ the result
@dataclass(frozen=True, eq=False)
class Proposal:
    """A to-be workflow for one service and its estimated effect.

    * ``edits``: the edits applied, in the order they were applied;
    * ``refused``: edits that were not applied, each with its reason (:class:`Refusal`);
    * ``recommendations``: accepted ``reduce_wait`` / ``fix_rework`` flags (they change how a step
      is done, not the workflow, so the replay does not count them);
    * ``flags``: every flag considered for this service (accepted or not);
    * ``as_is`` / ``to_be``: the service's log and its replay under the edits;
    * ``kpis_before`` / ``kpis_after``: key figures (:data:`procsimp.propose.impact.KPI_NAMES`);
    * ``simulated``: what-if simulation of the to-be (and as-is) under load, or None;
    * ``model``: the to-be BPMN model (:class:`procsimp.mine.discovery.Model`): the as-is model
      (``as_is_model``) with the edits applied; None when ``model=False`` was asked;
    * ``assumptions`` / ``assumptions_vi``: every assumption behind the estimate;
    * ``office_hours``: the office hours used for working time and where they come from
      (:class:`procsimp.engine.office_hours.OfficeHours`).
    """

    service: str
    edits: tuple[Edit, ...]
    refused: tuple[Refusal, ...]
    recommendations: tuple[Any, ...]
    flags: tuple[Any, ...]
    as_is: EventLog
    to_be: EventLog
    kpis_before: dict[str, Any]
    kpis_after: dict[str, Any]
    simulated: SimulationResult | None
    model: Model | None
    assumptions: list[str]
    assumptions_vi: list[str] = field(default_factory=list)
    effects: tuple[EditEffect, ...] = ()
    dfg: pd.DataFrame | None = None
    accepted_flags: tuple[Any, ...] = ()
    timeline: Timeline | None = field(default=None, repr=False)
    calendar: Any = field(default=None, repr=False)
    catalog: Any = field(default=None, repr=False)
    office_hours: Any = field(default=None, repr=False)
    as_is_model: Model | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ derived
    @property
    def removed(self) -> tuple[str, ...]:
        """Steps that disappear from the workflow (eliminated or merged away)."""
        out: list[str] = []
        for e in self.edits:
            out.extend(a for a in e.removed if a not in out)
        return tuple(out)

    @property
    def deltas(self) -> dict[str, dict[str, Any]]:
        """Per key figure: before, after, change and change in percent."""
        return kpi_deltas(self.kpis_before, self.kpis_after)

    def replace(self, **changes: Any) -> Proposal:
        return replace(self, **changes)

    # ------------------------------------------------------------------ simulation
    def simulate(
        self, *, replications: int = 10, seed: int = 0, **options: Any
    ) -> Proposal:
        """A copy with :attr:`simulated` filled: a discrete-event simulation of the as-is and
        the to-be under the observed load (see :func:`procsimp.propose.simulate.simulate`)."""
        from procsimp.propose.simulate import simulate

        result = simulate(self, replications=replications, seed=seed, **options)
        assumptions = list(self.assumptions) + [a for a in result.assumptions if a not in self.assumptions]
        assumptions_vi = list(self.assumptions_vi) + [
            a for a in result.assumptions_vi if a not in self.assumptions_vi
        ]
        return self.replace(simulated=result, assumptions=assumptions, assumptions_vi=assumptions_vi)

    # ------------------------------------------------------------------ output
    def kpis_json(self) -> dict[str, Any]:
        """The object ``procsimp propose`` writes per service into ``kpis.json``."""
        from procsimp.core._cells import to_plain

        out: dict[str, Any] = {
            "service": self.service,
            "before": dict(self.kpis_before),
            "after": dict(self.kpis_after),
            "change": {k: v["change"] for k, v in self.deltas.items()},
            "assumptions": list(self.assumptions),
            "assumptions_vi": list(self.assumptions_vi),
            "office_hours": None if self.office_hours is None else self.office_hours.to_dict(),
            "edits": [
                {**e.to_dict(), **_effect_dict(self.effects, e)} for e in self.edits
            ],
            "refused": [r.to_dict() for r in self.refused],
            "recommendations": [_flag_brief(f) for f in self.recommendations],
            "model": None if self.model is None else {
                "sound": bool(self.model.sound),
                "fitness": self.model.fitness,
                "precision": self.model.precision,
                "tasks": self.model.tasks,
                "gateways": self.model.gateways,
            },
        }
        if self.simulated is not None:
            out["simulated"] = self.simulated.to_dict()
        return to_plain(out)

    def kpi_frame(self) -> pd.DataFrame:
        """Before / after / change per key figure (one row per figure)."""
        rows = []
        sim = self.simulated.to_be if self.simulated is not None else None
        for name, d in self.deltas.items():
            row = {"service": self.service, "kpi": name, **d}
            if sim is not None:
                iv = sim.get(name) or {}
                row.update(
                    simulated_mean=iv.get("mean"), simulated_low=iv.get("low"), simulated_high=iv.get("high")
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def diagram(self, *, lang: str = "en", view: str = "performance") -> graphviz.Digraph:
        """As-is and to-be maps side by side in one Graphviz drawing (see
        :func:`procsimp.propose.diagram.side_by_side`)."""
        from procsimp.propose.diagram import side_by_side

        return side_by_side(self, lang=lang, view=view)

    def write_diagram(
        self, path: str | os.PathLike[str], *, lang: str = "en", view: str = "performance",
        format: str | None = None,
    ) -> Path:
        """Write the side-by-side diagram (svg, png, pdf or dot by the suffix)."""
        from procsimp.mine.render.graphviz import write_dot

        return write_dot(self.diagram(lang=lang, view=view), path, format=format)

    def write_bpmn(self, path: str | os.PathLike[str]) -> Path:
        """Write the to-be BPMN 2.0 model (with diagram layout)."""
        if self.model is None:
            raise ParameterError(
                "this proposal has no to-be model (it was made with model=False); "
                "call propose(...) with model=True to write BPMN"
            )
        from procsimp.mine.render.bpmn import write_bpmn

        return Path(write_bpmn(self.model, path, name=f"{self.service} (to-be)"))

    # ------------------------------------------------------------------ display
    def summary(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "edits": [e.describe("en") for e in self.edits],
            "refused": [f"{r.edit.describe('en')} ({r.reason})" for r in self.refused],
            "recommendations": [_flag_brief(f)["explanation"] for f in self.recommendations],
            "before": self.kpis_before,
            "after": self.kpis_after,
        }

    def __repr__(self) -> str:
        b = self.kpis_before.get("lead_time_days_mean")
        a = self.kpis_after.get("lead_time_days_mean")
        lead = f", lead_time_days_mean {_f(b)} -> {_f(a)}" if b is not None else ""
        return (
            f"Proposal(service={self.service!r}, edits={len(self.edits)}, refused={len(self.refused)}, "
            f"recommendations={len(self.recommendations)}{lead})"
        )

    def _repr_html_(self) -> str:
        e = html.escape
        lab = KPI_LABELS["en"]
        rows = "".join(
            f"<tr><th style='text-align:left'>{e(lab[k])}</th><td>{e(_fmt_kpi(k, d['before']))}</td>"
            f"<td>{e(_fmt_kpi(k, d['after']))}</td><td>{e(_fmt_change(k, d))}</td></tr>"
            for k, d in self.deltas.items()
        )
        edits = "".join(f"<li>{e(x.describe('en'))}</li>" for x in self.edits) or "<li>(none)</li>"
        refused = "".join(
            f"<li>{e(r.edit.describe('en'))}: {e(r.reason)}</li>" for r in self.refused
        )
        recs = "".join(f"<li>{e(_flag_brief(f)['explanation'])}</li>" for f in self.recommendations)
        assumptions = "".join(f"<li>{e(a)}</li>" for a in self.assumptions)
        model = ""
        if self.model is not None:
            model = (
                f"<p>To-be model: {self.model.tasks} tasks, {self.model.gateways} gateways, "
                f"sound: {'yes' if self.model.sound else 'NO'}, fitness "
                f"{_f(self.model.fitness)}</p>"
            )
        return (
            f"<div><strong>procsimp Proposal: {e(self.service)}</strong>"
            f"<p>Edits:</p><ul>{edits}</ul>"
            + (f"<p>Refused:</p><ul>{refused}</ul>" if refused else "")
            + (f"<p>Recommendations:</p><ul>{recs}</ul>" if recs else "")
            + "<table><tr><th></th><th>as-is</th><th>to-be</th><th>change</th></tr>"
            + rows
            + "</table>"
            + model
            + f"<details><summary>{len(self.assumptions)} assumptions</summary><ul>{assumptions}</ul></details>"
            + "</div>"
        )


def _f(value: Any) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{float(value):.2f}"


def _fmt_kpi(name: str, value: Any) -> str:
    if value is None:
        return "–"
    if name == "on_time_rate":
        return f"{100 * float(value):.1f}%"
    if name in ("cases", "due_cases"):
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


def _fmt_change(name: str, d: Mapping[str, Any]) -> str:
    ch = d.get("change")
    if ch is None:
        return "–"
    if name == "on_time_rate":
        return f"{100 * ch:+.1f} pt"
    pct = d.get("change_pct")
    return f"{ch:+,.2f}" + (f" ({pct:+.0f}%)" if pct is not None else "")


def _effect_dict(effects: Sequence[EditEffect], edit: Edit) -> dict[str, Any]:
    for eff in effects:
        if eff.edit == edit:
            return {"cases": eff.cases, "events_removed": eff.events_removed, "note": eff.note}
    return {}


def _flag_brief(flag: Any) -> dict[str, Any]:
    expl = getattr(flag, "explanation", {}) or {}
    return {
        "action": getattr(flag, "action", None),
        "activity": getattr(flag, "activity", None),
        "into": getattr(flag, "into", None),
        "kind": getattr(flag, "kind", None),
        "confidence": getattr(flag, "confidence", None),
        "explanation": expl.get("en", "") if isinstance(expl, Mapping) else str(expl),
        "explanation_vi": expl.get("vi", "") if isinstance(expl, Mapping) else "",
    }


# ============================================================================ selecting flags
def _nfc(x: Any) -> Any:
    return normalize_name(x)


def _flag_triple(flag: Any) -> tuple[str, str, str | None]:
    return (flag.action, _nfc(flag.activity), _nfc(flag.into) if flag.into else None)


def _triple_matches(triple: tuple[str, str, str | None], flag: Any) -> bool:
    ft = _flag_triple(flag)
    if triple == ft:
        return True
    action, a, b = triple
    return action == "parallelize" == ft[0] and (b, a) == (ft[1], ft[2])


def _item_matcher(item: Any, flags: Sequence[Any], where: str) -> tuple[list[int], Edit | None]:
    """Indices of the flags ``item`` designates, and the edit it stands for (None if none)."""
    if isinstance(item, bool):
        raise ParameterError(f"{where}: {item!r} is not a flag index, key, Flag or edit")
    if isinstance(item, (int, np.integer)):
        i = int(item)
        if not 0 <= i < len(flags):
            raise ParameterError(
                f"{where}: flag index {i} is out of range; there are {len(flags)} flags (0..{len(flags) - 1})"
            )
        return [i], None
    if isinstance(item, Edit):
        triple = item.key
        service = None
        edit: Edit | None = item
    elif isinstance(item, Mapping):
        action = str(item.get("action", "")).strip().lower()
        if action in RECOMMENDATION_ACTIONS:
            edit = None
            triple = (action, _nfc(item.get("activity")), _nfc(item.get("into")) or None)
        else:
            edit = edit_from_dict(item, where=where)
            triple = edit.key
        service = _nfc(item.get("service"))
    elif isinstance(item, tuple) and len(item) in (3, 4) and all(x is None or isinstance(x, str) for x in item):
        if len(item) == 4:
            service, action, activity, into = item
        else:
            service = None
            action, activity, into = item
        triple = (str(action), _nfc(activity), _nfc(into))
        edit = None
    elif hasattr(item, "action") and hasattr(item, "activity") and hasattr(item, "service"):
        triple = _flag_triple(item)
        service = _nfc(item.service)
        edit = None
    else:
        raise ParameterError(
            f"{where}: {item!r} is not a flag index, a flag key (service, action, activity, into), "
            "a Flag, an edit (Eliminate(...), Merge(...), ...) or a dict with action/activity/into"
        )
    hits = [
        i for i, f in enumerate(flags)
        if _triple_matches(triple, f) and (service is None or _nfc(f.service) == service)
    ]
    return hits, edit


def select_flags(
    flags: Sequence[Any],
    accept: Iterable[Any] | None = None,
    reject: Iterable[Any] | None = None,
) -> tuple[list[Any], list[Edit]]:
    """The flags accepted (in flag order) and the extra edits asked for that match no flag.

    ``accept`` None accepts every flag; otherwise only the flags it designates (by index in
    ``flags``, key ``(service, action, activity, into)`` or ``(action, activity, into)``, the
    Flag itself, an edit, or a dict). ``reject`` removes flags the same way. An accepted edit or
    dict that matches no flag is returned as an extra edit.
    """
    flags = list(flags)
    chosen = set(range(len(flags))) if accept is None else set()
    extra: list[Edit] = []
    if accept is not None:
        if isinstance(accept, (str, bytes)) or not isinstance(accept, Iterable):
            raise ParameterError(
                f"accept must be a list of flag indices, keys, Flags or edits; got {accept!r}"
            )
        for n, item in enumerate(accept):
            hits, edit = _item_matcher(item, flags, f"accept[{n}]")
            if hits:
                chosen.update(hits)
            elif edit is not None:
                if edit not in extra:
                    extra.append(edit)
            else:
                raise ParameterError(
                    f"accept[{n}]: no flag matches {item!r}; flags are: "
                    + "; ".join(f"{i}: {f.action} {f.activity!r}" + (f" -> {f.into!r}" if f.into else "")
                                for i, f in enumerate(flags[:20]))
                )
    if reject is not None:
        if isinstance(reject, (str, bytes)) or not isinstance(reject, Iterable):
            raise ParameterError(
                f"reject must be a list of flag indices, keys, Flags or edits; got {reject!r}"
            )
        for n, item in enumerate(reject):
            hits, edit = _item_matcher(item, flags, f"reject[{n}]")
            chosen.difference_update(hits)
            if edit is not None:
                extra = [e for e in extra if e != edit]
    return [flags[i] for i in sorted(chosen)], extra


# ============================================================================ refusing edits
_ROLE_TEXT = {
    "start": ("it is the first step of the service", "đây là bước đầu tiên của thủ tục"),
    "end": ("it is a last step of the service", "đây là bước cuối cùng của thủ tục"),
    "decision": ("it makes a real decision (routing, rejection or rework depends on it)",
                 "đây là bước có quyết định thực sự (việc chuyển tiếp, từ chối hoặc bổ sung phụ thuộc vào nó)"),
    "protected": ("it is protected (required by law or by --protect)",
                  "đây là bước được bảo vệ (theo quy định pháp luật hoặc --protect)"),
    "external": ("an outside party or a timer drives it (an appeal, a penalty after a fixed delay, "
                 "or --external): it is not the agency's step to reorder or remove",
                 "bước này do bên ngoài hoặc do thời hạn quy định (khiếu nại, phạt sau một thời hạn cố định, "
                 "hoặc --external), cơ quan không thể đổi thứ tự hay bỏ bước"),
}


@dataclass(frozen=True)
class _Roles:
    """Which steps must stay, and why; the knock-out facts used by MoveEarlier."""

    kept: dict[str, str]  # activity -> role ("start", "end", "decision", "protected")
    protected: frozenset[str]
    terminal: frozenset[str]
    knockout_ends: frozenset[str]
    external: frozenset[str] = frozenset()


def _aggregates(
    log: EventLog, calendar: Any, catalog: Any, protect: Sequence[str], external: Sequence[str] = ()
) -> Any:
    """The log's aggregates, shared with :func:`procsimp.flag_steps` (computed once per log)."""
    from procsimp.flag.aggregates import shared_aggregate

    return shared_aggregate(log, calendar=calendar, catalog=catalog, protect=protect, external=external)


def _roles(
    log: EventLog, service: str, calendar: Any, catalog: Any, protect: Sequence[str], external: Sequence[str] = ()
) -> _Roles:
    ag = _aggregates(log, calendar, catalog, protect, external)
    acts = ag.activities
    if len(acts) and "service" in acts:
        mine = acts["service"] == service
        if mine.any() or acts["service"].nunique() > 1:
            acts = acts[mine]
    kept: dict[str, str] = {}
    protected: set[str] = set()
    outside: set[str] = set()
    for row in acts.itertuples(index=False):
        name = str(row.activity)
        if str(getattr(row, "external", "") or ""):
            outside.add(name)
        if bool(getattr(row, "protected", False)):
            protected.add(name)
        if bool(getattr(row, "kept", False)):
            role = str(getattr(row, "role", "") or "")
            if role not in _ROLE_TEXT:
                role = next(
                    (r for r in ("start", "end", "decision", "protected") if bool(getattr(row, r, False))),
                    "protected",
                )
            kept[name] = role
    protect_set = {_nfc(p) for p in protect}
    for p in protect_set:
        kept.setdefault(p, "protected")
        protected.add(p)
    services = ag.services
    knockout_ends: set[str] = set()
    terminal: set[str] = set()
    if len(services):
        srow = services[services["service"] == service]
        if srow.empty and len(services) == 1:
            srow = services
        if not srow.empty:
            r = srow.iloc[0]
            knockout_ends = {str(a) for a in (r.get("knockout_ends") or ())}
            terminal = knockout_ends | {str(a) for a in (r.get("end_activities") or ())}
    return _Roles(
        kept=kept, protected=frozenset(protected), terminal=frozenset(terminal),
        knockout_ends=frozenset(knockout_ends), external=frozenset(outside),
    )


def _day_span(weekdays: Sequence[int], names: Sequence[str]) -> str:
    """Working weekdays in words: "Monday to Friday", or a list when they are not consecutive."""
    days = sorted(weekdays)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        joiner = " đến " if names[0].startswith("thứ") else " to "
        return f"{names[days[0]]}{joiner}{names[days[-1]]}"
    return ", ".join(names[d] for d in days)


def _refuse(edit: Edit, en: str, vi: str) -> Refusal:
    return Refusal(edit=edit, reason=en, reason_vi=vi)


def _validate(
    edits: Sequence[Edit], activities: set[str], roles: _Roles
) -> tuple[list[Edit], list[Refusal]]:
    """Split edits into those that can be applied and those refused (with the reason)."""
    ok: list[Edit] = []
    refused: list[Refusal] = []
    removed: dict[str, Edit] = {}
    touched: dict[str, Edit] = {}
    seen: set[tuple[str, str, str | None]] = set()
    for e in order_edits(list(edits)):
        key = e.key
        if isinstance(e, Parallelize):
            key = ("parallelize", *sorted((e.a, e.b)))  # type: ignore[assignment]
        if key in seen:
            continue  # the same edit twice: apply once
        seen.add(key)
        missing = [a for a in e.activities if a not in activities]
        if missing:
            refused.append(_refuse(
                e,
                f"the step {missing[0]!r} does not occur in this service's log",
                f"bước “{missing[0]}” không có trong nhật ký của thủ tục này",
            ))
            continue
        gone = [a for a in e.activities if a in removed]
        if gone:
            other = removed[gone[0]]
            refused.append(_refuse(
                e,
                f"it conflicts with an earlier edit ({other.describe('en').rstrip('.')}): "
                f"{gone[0]!r} is already removed",
                f"xung đột với một thay đổi trước ({other.describe('vi').rstrip('.')}): "
                f"bước “{gone[0]}” đã bị loại bỏ",
            ))
            continue
        outside = [a for a in e.activities if a in roles.external]
        if outside:
            en, vi = _ROLE_TEXT["external"]
            refused.append(_refuse(
                e, f"{outside[0]!r} must stay where it is: {en}", f"bước “{outside[0]}” phải giữ nguyên: {vi}"
            ))
            continue
        if isinstance(e, (Eliminate, Merge)):
            role = roles.kept.get(e.activity)
            if role is not None:
                en, vi = _ROLE_TEXT.get(role, _ROLE_TEXT["protected"])
                refused.append(_refuse(
                    e, f"{e.activity!r} must stay: {en}", f"bước “{e.activity}” phải giữ lại: {vi}"
                ))
                continue
            if e.activity in touched:
                other = touched[e.activity]
                refused.append(_refuse(
                    e,
                    f"it conflicts with an earlier edit ({other.describe('en').rstrip('.')}), "
                    f"which keeps {e.activity!r}",
                    f"xung đột với một thay đổi trước ({other.describe('vi').rstrip('.')}), "
                    f"đề xuất giữ bước “{e.activity}”",
                ))
                continue
            removed[e.activity] = e
            if isinstance(e, Merge):
                touched[e.into] = e
        else:
            for a in e.activities:
                touched.setdefault(a, e)
        ok.append(e)
    return ok, refused


# ============================================================================ assumptions
def _assumptions(
    log: EventLog,
    calendar: WorkCalendar,
    edits: Sequence[Edit],
    effects: Sequence[EditEffect],
    cases: pd.DataFrame,
    model: Any,
    noise: float,
    hours_source: str = "given",
) -> tuple[list[str], list[str]]:
    en: list[str] = []
    vi: list[str] = []

    def add(a: str, b: str) -> None:
        en.append(a)
        vi.append(b)

    hours = ", ".join(f"{s}–{e}" for s, e in calendar.hours)
    where_en, where_vi = {
        "inferred": (" inferred from the log's event times", " suy ra từ thời điểm các sự kiện trong nhật ký"),
        "default": (" (the default: the log's times do not show them)", " (mặc định: thời điểm trong nhật ký không cho thấy giờ làm việc)"),
    }.get(hours_source, ("", ""))
    days_en = _day_span(calendar.weekdays, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
    days_vi = _day_span(calendar.weekdays, ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"))
    add(
        f"Times are replayed in working time of the work calendar (office hours {hours}{where_en}, {days_en}, "
        f"public holidays of {calendar.country or 'no country'}); nights, weekends and holidays "
        "never count as time saved.",
        f"Thời gian được tính lại theo giờ làm việc ({hours}{where_vi}, {days_vi}, nghỉ lễ của "
        f"{calendar.country or 'không quốc gia nào'}); đêm, cuối tuần và ngày lễ không bao giờ được "
        "tính là thời gian tiết kiệm.",
    )
    add(
        "Each dossier keeps its own observed waiting and processing time for every step that "
        "remains; only the order and number of steps change. Staffing and workload are assumed "
        "unchanged (the what-if simulation checks this under load).",
        "Mỗi hồ sơ giữ nguyên thời gian chờ và thời gian xử lý thực tế của các bước còn lại; chỉ "
        "thứ tự và số bước thay đổi. Giả định nhân sự và khối lượng công việc không đổi (mô phỏng "
        "giả định kiểm tra điều này khi có tải).",
    )
    has_start = log.has("start")
    if not has_start:
        add(
            "The log has no start times: all the time between two completions counts as waiting "
            "before the later step, and processing time counts as zero.",
            "Nhật ký không có thời điểm bắt đầu: toàn bộ thời gian giữa hai lần hoàn thành được coi "
            "là thời gian chờ trước bước sau, thời gian xử lý coi như bằng không.",
        )
    actions = {e.action for e in edits}
    if "eliminate" in actions:
        add(
            "An eliminated step disappears with its processing time and the waiting before it "
            "(from the end of the previous step); the next step follows the previous one after "
            "its own observed wait, so every later step moves earlier by the time the removed "
            "step took.",
            "Bước bị bỏ mất đi cùng thời gian xử lý và thời gian chờ trước nó (tính từ khi bước "
            "trước kết thúc); bước sau nối tiếp bước trước với thời gian chờ thực tế của chính nó, "
            "nên mọi bước sau đó sớm hơn đúng bằng thời gian bước bị bỏ đã chiếm.",
        )
    if "automate" in actions:
        add(
            "An automated step stays in the workflow but the system does it (electronic routing): "
            "no officer, no waiting before it and no processing time, so every later step moves "
            "earlier by the time the step took.",
            "Bước được tự động hóa vẫn nằm trong quy trình nhưng do hệ thống thực hiện (chuyển hồ "
            "sơ điện tử): không cần cán bộ, không phải chờ và không mất thời gian xử lý, nên mọi "
            "bước sau đó sớm hơn đúng bằng thời gian bước này đã chiếm.",
        )
    if "merge" in actions:
        add(
            "Merged steps are done by the officer and unit of the absorbing step, one after the "
            "other without a hand-off: the processing times add up and the wait between them "
            "vanishes. Where the two are not adjacent in a dossier, the merged step's processing "
            "moves to the nearest absorbing step and its wait vanishes; a dossier without the "
            "absorbing step is unchanged.",
            "Các bước được gộp do cán bộ và đơn vị của bước tiếp nhận thực hiện liên tục, không "
            "chuyển giao: thời gian xử lý cộng dồn và thời gian chờ giữa chúng mất đi. Nếu hai bước "
            "không liền nhau trong một hồ sơ, thời gian xử lý của bước bị gộp chuyển sang bước tiếp "
            "nhận gần nhất và thời gian chờ của nó mất đi; hồ sơ không có bước tiếp nhận giữ nguyên.",
        )
    if "parallelize" in actions:
        add(
            "Steps made parallel both start after their common predecessor, each after its own "
            "observed wait; the next step waits for the longer branch (the maximum, not the sum). "
            "Only dossiers where the two steps are adjacent change.",
            "Các bước song song cùng bắt đầu sau bước chung trước đó, mỗi bước sau thời gian chờ "
            "thực tế của nó; bước sau chờ nhánh dài hơn (lấy giá trị lớn nhất, không cộng dồn). "
            "Chỉ các hồ sơ có hai bước liền nhau thay đổi.",
        )
    if "move_earlier" in actions:
        add(
            "A knock-out check moved earlier runs right after the named step, with its own "
            "observed wait and processing. Dossiers it rejects (those that end in a knock-out "
            "right after the check) skip every step that used to come between (those steps only "
            "serve dossiers that are granted); other dossiers do the same steps in a new order, "
            "in the same total time.",
            "Bước kiểm tra điều kiện (bước có thể dẫn đến từ chối hồ sơ) được đưa lên sớm, chạy ngay sau bước đã chỉ định, với thời gian "
            "chờ và xử lý thực tế của nó. Hồ sơ bị từ chối (kết thúc bằng bước từ chối ngay sau "
            "bước kiểm tra) bỏ qua mọi bước trước đây nằm giữa (các bước đó chỉ phục vụ hồ sơ được "
            "giải quyết); các hồ sơ khác làm cùng các bước theo thứ tự mới, tổng thời gian không đổi.",
        )
    add(
        "Rework loops, supplement requests and recommendations to reduce waiting are not counted: "
        "fixing their cause is not a change of the workflow.",
        "Vòng lặp làm lại, yêu cầu bổ sung và các khuyến nghị giảm thời gian chờ không được tính: "
        "khắc phục nguyên nhân của chúng không phải là thay đổi quy trình.",
    )
    n = len(cases)
    src = cases["due_source"].astype(str).value_counts() if n else pd.Series(dtype=int)
    n_log, n_cat, n_none = int(src.get("log", 0)), int(src.get("catalog", 0)), int(src.get("none", 0))
    if n_log or n_cat:
        parts_en, parts_vi = [], []
        if n_log:
            parts_en.append(f"{n_log} of {n} dossiers use the deadline in the log (case:due)")
            parts_vi.append(f"{n_log}/{n} hồ sơ dùng thời hạn trong nhật ký (case:due)")
        if n_cat:
            parts_en.append(
                f"{n_cat} use receipt plus the catalog's statutory working days"
            )
            parts_vi.append(f"{n_cat} hồ sơ dùng ngày nhận cộng số ngày làm việc theo danh mục")
        if n_none:
            parts_en.append(f"{n_none} have no deadline and are left out of the on-time rate")
            parts_vi.append(f"{n_none} hồ sơ không có thời hạn, không tính vào tỷ lệ trước hạn và đúng hạn")
        add(
            "On-time rate: a dossier is on time when its last step completes by its deadline; "
            + "; ".join(parts_en) + ". Deadlines do not change in the to-be.",
            "Tỷ lệ trước hạn và đúng hạn: hồ sơ được tính là trước hạn hoặc đúng hạn khi bước cuối hoàn thành "
            "không muộn hơn thời hạn, là trễ hạn khi hoàn thành sau thời hạn; "
            + "; ".join(parts_vi) + ". Thời hạn không đổi trong phương án đề xuất.",
        )
    else:
        add(
            "No dossier has a deadline (no case:due in the log and the service is not in the "
            "catalog with statutory days), so the on-time rate is not estimated.",
            "Không hồ sơ nào có thời hạn (nhật ký không có case:due và thủ tục không có trong danh "
            "mục với số ngày luật định), nên không ước tính tỷ lệ trước hạn và đúng hạn.",
        )
    add(
        "Lead time runs from receipt (case:received, or the first step when the log has none "
        "or it is later) to the last completion.",
        "Thời gian giải quyết tính từ khi nhận hồ sơ (case:received, hoặc bước đầu tiên nếu "
        "nhật ký không có hoặc muộn hơn) đến khi bước cuối hoàn thành.",
    )
    overlap = _tie_share(log)
    if overlap >= 0.2:
        add(
            f"{overlap:.0%} of the steps share their timestamp with the previous step of the "
            "dossier (day-resolution times): the order of those steps, and so the replay, is "
            "uncertain.",
            f"{overlap:.0%} số bước có cùng thời điểm với bước trước của hồ sơ (thời gian chỉ ghi "
            "theo ngày): thứ tự các bước này, và do đó kết quả tính lại, không chắc chắn.",
        )
    if model is not None:
        add(
            f"The to-be model is the as-is model (inductive miner, noise {model.noise:g}) with the "
            "edits applied: removed steps are ghosted, automated steps are service tasks, steps "
            "made parallel share one parallel block; pm4py's alignment fitness of the to-be log "
            f"on it is {_f(model.fitness)}.",
            f"Mô hình đề xuất là mô hình hiện trạng (inductive miner, ngưỡng nhiễu {model.noise:g}) "
            "đã áp dụng các thay đổi: bước bị loại bỏ hiển thị mờ, bước tự động hóa là tác vụ dịch "
            "vụ, các bước song song nằm trong một khối song song; độ phù hợp theo alignment của "
            f"nhật ký đề xuất trên mô hình là {_f(model.fitness)}.",
        )
    del effects, noise
    return en, vi


def _to_be_model(
    as_is: EventLog, to_be: EventLog, edits: Sequence[Edit], recommendations: Sequence[Any], *, noise: float
) -> tuple[Model, Model]:
    """The as-is model (showing every edited step) and the to-be model: the as-is model with the
    edits applied (:func:`procsimp.mine.discovery.edit_model`), measured on the to-be log: same activities and layout, removed steps ghosted, automated steps marked,
    steps made parallel in one parallel block, moved checks moved."""
    from procsimp.engine import variants
    from procsimp.mine.discovery import discover_model, edit_model

    automate = [r for r in recommendations if getattr(r, "action", None) == "automate"]
    automate += [e for e in edits if getattr(e, "action", None) == "automate"]
    touched: list[str] = []
    for e in edits:
        touched.extend(str(x) for x in (getattr(e, "activity", None), getattr(e, "into", None),
                                        getattr(e, "a", None), getattr(e, "b", None),
                                        getattr(e, "after", None)) if x)
    touched.extend(str(r.activity) for r in automate if getattr(r, "activity", None))
    before = discover_model(variants(as_is), noise=noise, log=as_is, keep=touched)
    shown = set(before.activities)
    removed: dict[str, str] = {}
    absorbs: dict[str, str] = {}
    automated: dict[str, str] = {}
    parallel: list[tuple[str, str, str]] = []
    moved: list[tuple[str, str, str]] = []
    skipped: list[str] = []

    def why(x: Any) -> str:
        describe = getattr(x, "describe", None)
        return f"Proposal: {describe('en')}" if callable(describe) else f"Proposal: {x.action} {x.activity}"

    for e in edits:
        names = [str(x) for x in (getattr(e, "activity", None), getattr(e, "into", None),
                                  getattr(e, "a", None), getattr(e, "b", None),
                                  getattr(e, "after", None)) if x]
        if not all(n in shown for n in names):
            skipped.append(why(e))
            continue
        if isinstance(e, Eliminate):
            removed[e.activity] = why(e)
        elif isinstance(e, Merge):
            removed[e.activity] = why(e)
            absorbs[e.into] = why(e)
        elif isinstance(e, Parallelize):
            parallel.append((e.a, e.b, why(e)))
        elif isinstance(e, MoveEarlier):
            moved.append((e.activity, e.after, why(e)))
    for r in automate:
        a = str(getattr(r, "activity", ""))
        if a in shown and a not in removed:
            automated[a] = why(r) if hasattr(r, "describe") else f"Proposal: automate {a}"
        elif a not in removed:
            skipped.append(f"automate {a}")
    result = edit_model(
        before, log=to_be, removed=removed, automated=automated, parallel=parallel, moved=moved,
        absorbs=absorbs,
    )
    if skipped:
        result = replace(
            result,
            notes=(*result.notes, "not drawn (the step is not in the as-is model): " + "; ".join(skipped)),
        )
    return before, result


def _tie_share(log: EventLog) -> float:
    """The share of steps that complete at the same time as the step before them in the dossier."""
    from procsimp.core.log import CASE
    from procsimp.engine.events import event_frame

    df = event_frame(log, roles=("case", "timestamp"))
    if len(df) < 2:
        return 0.0
    same_case = (df[CASE].to_numpy()[1:] == df[CASE].to_numpy()[:-1])
    ts = df[TIMESTAMP].array.asi8
    ties = same_case & (ts[1:] == ts[:-1])
    return float(ties.sum() / max(same_case.sum(), 1))


# ============================================================================ entry points
def _service_of(log: EventLog, service: str | None) -> tuple[EventLog, str]:
    from procsimp.engine import DEFAULT_SERVICE

    if service is not None:
        return log.for_service(service), normalize_name(service)
    services = log.services
    if len(services) > 1:
        shown = ", ".join(repr(s) for s in services[:10])
        raise ParameterError(
            f"the log {log.source} has {len(services)} services ({shown}{', …' if len(services) > 10 else ''}); "
            "a proposal is for one service: pass service=... (or use propose_all(log) for every service)"
        )
    if services:
        return log, services[0]
    return log, DEFAULT_SERVICE


def _flag_steps(
    log: EventLog, service: str, protect: Sequence[str], catalog: Any, calendar: Any, external: Sequence[str] = ()
) -> list[Any]:
    from procsimp.flag import flag_steps

    params = inspect.signature(flag_steps).parameters
    kwargs: dict[str, Any] = {}
    if "service" in params and log.services:
        kwargs["service"] = service
    if "protect" in params:
        kwargs["protect"] = tuple(protect)
    if "external" in params and external:
        kwargs["external"] = tuple(external)
    if "catalog" in params and catalog is not None:
        kwargs["catalog"] = catalog
    if "calendar" in params and calendar is not None:
        kwargs["calendar"] = calendar
    return list(flag_steps(log, **kwargs))


def propose(
    log: EventLog,
    flags: Iterable[Flag] | None = None,
    *,
    service: str | None = None,
    protect: Iterable[str] = (),
    external: Iterable[str] = (),
    catalog: Any = None,
    accept: Iterable[Any] | None = None,
    reject: Iterable[Any] | None = None,
    edits: Iterable[Edit] = (),
    calendar: WorkCalendar | None = None,
    model: bool = True,
    noise: float = 0.2,
) -> Proposal:
    """Propose a to-be workflow for one service and measure its effect.

    Args:
        log: the event log (all services, or one).
        flags: the flags to apply; default :func:`procsimp.flag_steps` on the service.
        service: the service (procedure); required when the log has several.
        protect: steps that must never be removed or merged (in addition to the catalog's);
            each must be a step of the log (a ParameterError names one that is not).
        external: steps driven by an outside party or a timer, never reordered or removed
            (besides those recognised from behaviour; see :func:`procsimp.flag_steps`).
        catalog: protected steps and statutory days, as :func:`procsimp.catalog.resolve_catalog`
            reads it: None for the catalog of the settings (by default the bundled one), False
            for none, a path to a file that extends the bundled catalog, or a Catalog.
        accept: the flags to accept (default all): indices into ``flags``, flag keys
            ``(service, action, activity, into)`` or ``(action, activity, into)``, Flags, edits
            or dicts; an accepted edit that matches no flag is applied as well.
        reject: flags to leave out, designated the same way.
        edits: extra edits to apply (Eliminate, Automate, Merge, Parallelize, MoveEarlier).
        calendar: the work calendar (default the Vietnamese office calendar).
        model: whether to discover the to-be BPMN model (skip it for speed).
        noise: noise threshold of the inductive miner for the to-be model.

    Returns:
        a :class:`Proposal`. Edits that would remove a start, end, decision or protected step,
        that name a step not in the log, that conflict with an earlier edit, or that never
        apply to any dossier are listed in ``refused`` with the reason.
    """
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog as _EventLog

    if not isinstance(log, _EventLog):
        raise ParameterError(
            f"propose needs an EventLog, got {type(log).__name__}; read one with "
            "procsimp.read_log(path)"
        )
    if calendar is not None and not isinstance(calendar, WorkCalendar):
        raise ParameterError(f"calendar must be a procsimp WorkCalendar, got {type(calendar).__name__}")
    from procsimp.engine.office_hours import log_calendar

    cal, hours = log_calendar(log, calendar)  # given, or the office hours the log's times show
    protect_t = with_setting_steps(log, check_protect(log, protect))  # a typo is an error, never an unprotected step
    external_t = with_setting_steps(log, check_protect(log, external, option="external"), "external")
    cat = resolve_catalog(catalog)
    svc_log, name = _service_of(log, service)
    progress.step("propose", name)
    if svc_log.n_events == 0:
        raise ParameterError(f"service {name!r} has no events in {log.source}")

    if flags is None:
        steps = set(svc_log.activities)
        all_flags = _flag_steps(
            svc_log, name, [p for p in protect_t if p in steps], cat, cal, [x for x in external_t if x in steps]
        )
    else:
        if isinstance(flags, (str, bytes)) or not isinstance(flags, Iterable):
            raise ParameterError(f"flags must be a list of Flag objects or None, got {flags!r}")
        all_flags = list(flags)
        for i, f in enumerate(all_flags):
            if not (hasattr(f, "action") and hasattr(f, "activity") and hasattr(f, "service")):
                raise ParameterError(f"flags[{i}] is not a Flag: {f!r}")
    # flags of other services are ignored (a log-wide flag list may be passed); a log without a
    # service column takes the flags named after its default service, or else all of them
    svc_flags = [f for f in all_flags if _nfc(f.service) == _nfc(name)]
    if not svc_log.services and not svc_flags:
        svc_flags = list(all_flags)
    accepted, extra = select_flags(svc_flags, accept, reject)
    wanted: list[Edit] = []
    recommendations: list[Any] = []
    for f in accepted:
        if f.action in RECOMMENDATION_ACTIONS:
            recommendations.append(f)
            continue
        e = edit_from_flag(f)
        if e is not None:
            wanted.append(e)
    for e in list(extra) + list(edits):
        if not isinstance(e, Edit):
            raise ParameterError(f"edits must be Eliminate, Automate, Merge, Parallelize or MoveEarlier objects; got {e!r}")
        wanted.append(e)

    # roles and the as-is case table are computed on the whole log once and shared by services
    roles = _roles(log, name, cal, cat, protect_t, external_t)
    activities = set(svc_log.activities)
    ok, refused = _validate(wanted, activities, roles)

    result = apply_edits(  # modelled from the whole log's encoding, shared with the other stages
        log, ok, calendar=cal, knockout_ends=sorted(roles.knockout_ends), terminal=roles.terminal,
        service=name if log.services else None,
    )
    applied: list[Edit] = []
    effects: list[EditEffect] = []
    for eff in result.effects:
        if eff.cases == 0:
            why = eff.note or "it applies to no dossier"
            refused.append(_refuse(eff.edit, f"it changes no dossier: {why}", f"không thay đổi hồ sơ nào: {why}"))
        else:
            applied.append(eff.edit)
            effects.append(eff)
    to_be = result.log

    from procsimp.engine import case_table, dfg

    cases_all = case_table(log, calendar=cal, catalog=cat)
    cases_before = (
        cases_all[cases_all["service"].astype(object) == name].reset_index(drop=True)
        if log.services else cases_all
    )
    cases_after = case_table(to_be, calendar=cal, catalog=cat)
    before = kpis(svc_log, cases=cases_before)
    after = kpis(to_be, cases=cases_after)
    to_be_dfg = dfg(to_be, calendar=cal)
    the_model = as_is_model = None
    if model:
        as_is_model, the_model = _to_be_model(svc_log, to_be, applied, recommendations, noise=noise)
    assumptions, assumptions_vi = _assumptions(
        svc_log, cal, applied, effects, cases_before, the_model, noise, hours.source
    )
    return Proposal(
        service=name,
        edits=tuple(applied),
        refused=tuple(refused),
        recommendations=tuple(recommendations),
        flags=tuple(svc_flags),
        as_is=svc_log,
        to_be=to_be,
        kpis_before=before,
        kpis_after=after,
        simulated=None,
        model=the_model,
        assumptions=assumptions,
        assumptions_vi=assumptions_vi,
        effects=tuple(effects),
        dfg=to_be_dfg,
        accepted_flags=tuple(f for f in accepted if f.action not in RECOMMENDATION_ACTIONS),
        timeline=result.timeline,
        as_is_model=as_is_model,
        calendar=cal,
        catalog=cat,
        office_hours=hours,
    )


def propose_all(
    log: EventLog,
    flags: Iterable[Flag] | None = None,
    *,
    services: Iterable[str] | None = None,
    edit_file: Any = None,
    simulate: bool = False,
    replications: int = 10,
    seed: int = 0,
    **options: Any,
) -> list[Proposal]:
    """One :func:`propose` per service of the log (or per service in ``services``).

    ``edit_file`` (a :class:`procsimp.engine.edits.EditFile`, e.g. from
    :func:`procsimp.propose.load_edit_file`) gives each service its accepted and rejected
    flags; a service it names that the log lacks is an error. ``simulate`` adds the what-if
    simulation (:meth:`Proposal.simulate` with ``replications`` and ``seed``). ``procsimp propose
    LOG --out OUT`` is :func:`procsimp.flag_steps`, ``propose_all`` and then
    :func:`procsimp.output.proposal.write_proposals`."""
    names: list[str | None] = list(services) if services is not None else [*log.services] or [None]
    flag_list = None if flags is None else list(flags)
    if edit_file is not None:
        edit_file.check_services(log.services)
    proposals = []
    for name in names:
        if edit_file is not None:
            options["accept"], options["reject"] = edit_file.choices(name)
        p = propose(log, flag_list, service=name, **options)
        proposals.append(p.simulate(replications=replications, seed=seed) if simulate else p)
    return proposals
