# Long module: the report assembles every stage per service; its file writing is to move to one output layer.
"""The report: every stage of the flow, per service, into one folder.

``report(log, out="outputs/report")`` profiles the log, and for each service mines its process
maps, flags unneeded steps and proposes a to-be workflow. It writes:

* ``index.html``: a self-contained page (inline CSS, SVG and script; nothing loaded from the
  network) in English and Vietnamese, with a language switch; services ranked by expected gain;
* ``report.md``: the same findings as Markdown;
* ``profile.csv`` / ``profile.json``, as ``procsimp profile --out`` writes them;
* ``flags.csv`` / ``flags.json``, ``kpis.csv`` / ``kpis.json`` and ``edits.yaml``, and one folder
  per service with the as-is / to-be diagram, the as-is and to-be BPMN, the to-be procedure
  (formats xlsx, docx, yaml), the service's flags and ``proposal.json``: the files
  ``procsimp propose --out`` writes, by the same writer (:mod:`procsimp.output.proposal`);
* in each service's folder, its frequency and performance maps, as ``procsimp mine --out``
  writes them (:func:`procsimp.output.maps.write_map_files`).

``docs/outputs.md`` lists every file and its columns.

The folder appears whole or not at all (:mod:`procsimp.output.folder`), and lists no individual
dossier id unless asked for.
"""

from __future__ import annotations

import html as _html
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from procsimp.core import progress
from procsimp.core._atomic import write_text
from procsimp.core._slug import service_slugs, slugify
from procsimp.core.log import EventLog
from procsimp.errors import ParameterError, ProcsimpError
from procsimp.output.maps import write_map_files
from procsimp.output.proposal import PROPOSAL_FORMATS, write_proposals
from procsimp.output.tables import write_profile
from procsimp.report.i18n import LANGS, STRINGS

__all__ = ["report", "Report", "slugify", "service_slugs", "KPI_KEYS", "REPORT_FORMATS", "ImageSkippedWarning"]

#: the formats ``report`` writes: the maps' and the proposal's (see :mod:`procsimp.output`)
REPORT_FORMATS: tuple[str, ...] = PROPOSAL_FORMATS


class ImageSkippedWarning(UserWarning):
    """A PNG too large to draw was left out of the report (the SVG and PDF are written)."""

#: the before/after figures shown for every service, in order
KPI_KEYS: tuple[str, ...] = (
    "cases",
    "lead_time_days_mean",
    "lead_time_days_median",
    "lead_time_days_p90",
    "lead_time_workdays_mean",
    "steps_per_case",
    "handoffs_per_case",
    "units_per_case",
    "on_time_rate",
)
_LOWER_IS_BETTER = {k for k in KPI_KEYS if k not in ("cases", "on_time_rate")}


@dataclass(frozen=True)
class Report:
    """What :func:`report` wrote: the folder, the HTML page and every file, per service."""

    out: Path
    html: Path
    files: tuple[Path, ...]
    ranking: pd.DataFrame = field(repr=False)

    def _repr_html_(self) -> str:
        rows = self.ranking.to_html(index=False)
        return f"<div><strong>procsimp report</strong> → <code>{_html.escape(str(self.html))}</code>{rows}</div>"


def _fmt(value: Any, key: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key == "on_time_rate" or key.endswith("_rate") or key.endswith("_share"):
        return f"{100 * float(value):.1f}%"
    if key == "cases" or isinstance(value, int):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _fmt_both(value: Any, key: str = "") -> dict[str, str]:
    """:func:`_fmt` in both languages, with Babel's separators ("2.500", "1,3" in Vietnamese)."""
    from procsimp.report.wording import number, percent

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _both("–")
    if key == "on_time_rate" or key.endswith("_rate") or key.endswith("_share"):
        return {lg: percent(value, lg) for lg in LANGS}
    if key == "cases" or isinstance(value, int):
        return {lg: number(value, lg, digits=0) for lg in LANGS}
    if isinstance(value, float):
        return {lg: number(value, lg) for lg in LANGS}
    return _both(str(value))


def _delta_both(key: str, before: Any, after: Any) -> tuple[dict[str, str], str]:
    """The change from ``before`` to ``after`` in both languages, and its css class."""
    from procsimp.report.wording import number

    try:
        b, a = float(before), float(after)
    except (TypeError, ValueError):
        return _both("–"), ""
    if math.isnan(a) or math.isnan(b):
        return _both("–"), ""
    diff = a - b
    if abs(diff) < 1e-12:
        return _both("0"), ""
    better = diff < 0 if key in _LOWER_IS_BETTER else diff > 0
    sign = "+" if diff > 0 else "−"
    out = {}
    for lg in LANGS:
        if key == "on_time_rate":
            out[lg] = f"{sign}{number(abs(100 * diff), lg, digits=1)} " + ("điểm %" if lg == "vi" else "pt")
        elif b:
            pct = number(abs(100 * diff / b), lg, digits=0)
            out[lg] = f"{sign}{number(abs(diff), lg)} ({sign}{pct}%)"
        else:
            out[lg] = f"{sign}{number(abs(diff), lg)}"
    return out, "better" if better else "worse"


def _kind_names(kind: str) -> tuple[str, str]:
    key = f"k_{kind}"
    if key in STRINGS:
        return STRINGS[key]["en"], STRINGS[key]["vi"]
    text = kind.replace("_", " ")
    return text, text


def _fmt_days(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


def _inline_svg(svg: str) -> str:
    """An SVG document made fit to inline in HTML (no XML prolog or DOCTYPE)."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return svg.strip()


def _both(en: str, vi: str | None = None) -> dict[str, str]:
    return {"en": en, "vi": vi if vi is not None else en}


def _as_pair(item: Any) -> dict[str, str]:
    """A proposal item in both languages: an edit, a refusal, a flag, a pair or a text."""
    if isinstance(item, dict):
        return _both(str(item.get("en", "")), str(item.get("vi", item.get("en", ""))))
    if isinstance(item, tuple) and len(item) == 2:
        return _both(str(item[0]), str(item[1]))
    reason = getattr(item, "reason", None)
    if reason is not None and hasattr(item, "edit"):  # a refused edit
        return _both(
            f"{item.edit.describe('en')} Refused: {reason}",
            f"{item.edit.describe('vi')} Từ chối: {getattr(item, 'reason_vi', reason)}",
        )
    describe = getattr(item, "describe", None)
    if callable(describe):
        return _both(describe("en"), describe("vi"))
    explanation = getattr(item, "explanation", None)
    if isinstance(explanation, Mapping):  # a flag kept as a recommendation
        target = f" → {item.into}" if getattr(item, "into", None) else ""
        en_action, vi_action = STRINGS[f"a_{item.action}"]["en"], STRINGS[f"a_{item.action}"]["vi"]
        return _both(
            f"{en_action.capitalize()}: {item.activity}{target}. {explanation.get('en', '')}",
            f"{vi_action.capitalize()}: {item.activity}{target}. {explanation.get('vi', explanation.get('en', ''))}",
        )
    return _both(str(item))


def report(
    log: EventLog,
    out: str | Path = "outputs/report",
    *,
    services: Sequence[str] | None = None,
    lang: str | None = None,
    catalog: Any = None,
    protect: Sequence[str] = (),
    external: Sequence[str] = (),
    simulate: bool = False,
    formats: Sequence[str] = ("svg", "png", "pdf", "bpmn"),
    seed: int = 0,
    calendar: Any = None,
    since: Any = None,
    min_saving: float = 0.05,
    include_case_ids: bool = False,
    force: bool = False,
) -> Report:
    """Run the whole flow on ``log`` and write the report into ``out``.

    ``lang`` is the language the page opens in (both are always included; None: the ``lang`` of
    :func:`procsimp.settings` when set there, else Vietnamese). ``services`` limits
    the report to some services; by default every service of the log is reported. ``protect``
    and ``external`` are as in :func:`procsimp.flag_steps`. ``calendar``
    (a :class:`procsimp.WorkCalendar`) sets office hours, working days and holidays for every
    working-time figure; by default Vietnamese public holidays, Monday to Friday, and the office
    hours inferred from the log's event times (:func:`procsimp.engine.office_hours.log_calendar`),
    which the index page states. ``since`` (a date or ``"YYYY-MM-DD"``) is the day a reform took
    effect: the months from it on are marked in each service's trend charts.
    Flags that save less than ``min_saving`` working days per dossier are listed in an appendix
    at the end of the page, not beside the real ones.

    The report lists no individual dossier id unless ``include_case_ids`` is true: then each
    flag names up to 10 of the dossiers that pass through its step, for checking by hand.

    The folder is whole or untouched: the report is built in a temporary sibling folder that
    replaces ``out`` only when every file is written (see :mod:`procsimp.output.folder`). A non-empty
    ``out`` that procsimp did not write, or that another command wrote, is refused unless
    ``force``; so is a folder another run is writing.
    """
    if lang is None:
        from procsimp.core.config import settings

        lang = settings().lang or "vi"
    if lang not in LANGS:
        raise ParameterError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if not (isinstance(min_saving, (int, float)) and not isinstance(min_saving, bool)
            and math.isfinite(min_saving) and min_saving >= 0):
        raise ParameterError(
            f"min_saving must be a number of working days >= 0, got {min_saving!r}; e.g. 0.05"
        )
    bad = [f for f in formats if f not in REPORT_FORMATS]
    if bad:
        raise ParameterError(
            f"format {bad[0]!r} is not supported; choose from {', '.join(sorted(REPORT_FORMATS))}"
        )
    from procsimp.output.folder import check_log_outside, check_out_argument, output_folder

    if not isinstance(log, EventLog):
        raise ParameterError(f"report needs an EventLog (from procsimp.read_log), got {type(log).__name__}")
    check_out_argument(out)
    if log.source and Path(log.source).is_file():
        check_log_outside(log.source, out)
    with output_folder(out, force=force, command="report") as folder:
        result = _report_into(
            log, folder.work, services=services, lang=lang, catalog=catalog, protect=protect,
            external=external, simulate=simulate, formats=formats, seed=seed, calendar=calendar,
            include_case_ids=include_case_ids, since=since, min_saving=min_saving,
        )
    return replace(
        result, out=folder.target, html=folder.final(result.html), files=tuple(folder.final(p) for p in result.files)
    )


def _report_into(
    log: EventLog,
    out: Path,
    *,
    services: Sequence[str] | None,
    lang: str,
    catalog: Any,
    protect: Sequence[str],
    external: Sequence[str],
    simulate: bool,
    formats: Sequence[str],
    seed: int,
    calendar: Any,
    include_case_ids: bool,
    since: Any,
    min_saving: float,
) -> Report:
    from procsimp.catalog import resolve_catalog
    from procsimp.profile import profile

    cat = resolve_catalog(catalog)
    from procsimp.engine import DEFAULT_SERVICE
    from procsimp.engine.office_hours import OfficeHoursWarning, log_calendar
    from procsimp.report.trend import parse_since, trend_section

    reform = parse_since(since)
    calendar, hours = log_calendar(log, calendar)  # given, or inferred from the log's event times
    if hours.warning:
        warnings.warn(f"{log.source}: {hours.warning}", OfficeHoursWarning, stacklevel=2)
    from procsimp.engine.filters import run_metadata

    meta = run_metadata(log, calendar)
    prof = profile(log, catalog=cat, calendar=calendar)
    by_month = profile(log, by=["month"], catalog=cat, calendar=calendar).table
    names: list[str | None] = list(services) if services else [*log.services] or [None]
    written: list[Path] = []

    written += write_profile(prof, out)
    computed = []
    for i, name in enumerate(names, 1):
        label = name if name is not None else "(all)"
        progress.step("report", label, index=i, total=len(names))
        try:
            computed.append(_compute_service(
                log, name, cat=cat, protect=protect, external=external, simulate=simulate, seed=seed,
                calendar=calendar, include_case_ids=include_case_ids))
        except ProcsimpError as exc:  # one service failing fails the report: no index of a part
            raise type(exc)(
                f"service {label!r} could not be reported, so the report is not complete (no index.html): {exc}"
            ) from None
    # the proposal's files are those `procsimp propose --out` writes, by the same writer
    skipped: list[str] = []
    run = write_proposals(
        [c.plan for c in computed], out, formats=formats, lang=lang, meta=meta, skipped=skipped,
        maps={str(c.plan.service): (c.pmap, c.to_be_map) for c in computed},
        example_cases=None if not include_case_ids else {str(c.plan.service): c.examples or [] for c in computed},
    )
    entries: list[dict[str, Any]] = []
    for c, name, record in zip(computed, names, run.records, strict=True):
        label = name if name is not None else "(all)"
        folder = run.folders[str(c.plan.service)]
        files: list[Path] = []
        for view in ("frequency", "performance"):  # the maps `procsimp mine --out` writes, by the same writer
            files += write_map_files(c.pmap, folder, view=view, formats=formats, lang=lang, skipped=skipped).values()
        files += run.service_files[str(c.plan.service)]
        written += files
        entry = _service_entry(label, folder.name, c.pmap, c.flags, c.plan, record, cat, c.drawings, files, out,
                               min_saving, c.examples)
        entry["trend"] = trend_section(by_month, label if name is not None else DEFAULT_SERVICE, since=reform)
        entries.append(entry)
    written += run.files
    for reason in skipped:
        warnings.warn(reason, ImageSkippedWarning, stacklevel=2)
    entries.sort(key=lambda e: (-e["gain_value"], e["name"]))
    ranking = pd.DataFrame(
        [
            {
                "service": e["name"],
                "cases": e["cases_value"],
                "saving_workdays_per_case": e["saving_value"],
                "expected_gain_workdays": e["gain_value"],
            }
            for e in entries
        ]
    )
    page = _render_html(log, entries, lang=lang, hours=hours, min_saving=min_saving, calendar=calendar)
    html_path = write_text(out / "index.html", page)
    md_path = write_text(out / "report.md", _markdown(log, entries, calendar=calendar))
    written += [html_path, md_path]
    return Report(out=out, html=html_path, files=tuple(written), ranking=ranking)


@dataclass(frozen=True)
class _Service:
    """One service's results: its map, flags, proposal and drawings (both languages)."""

    pmap: Any
    to_be_map: Any
    flags: list[Any]
    plan: Any
    drawings: dict[str, tuple[Any, ...]]
    examples: list[list[str]] | None


def _compute_service(log: EventLog, name: str | None, *, cat: Any, protect: Sequence[str],
                     external: Sequence[str], simulate: bool, seed: int, calendar: Any,
                     include_case_ids: bool = False) -> _Service:
    """Mine, flag and propose one service, and draw its maps for the page."""
    from procsimp.flag import flag_steps
    from procsimp.mine import mine
    from procsimp.mine.render.graphviz import map_dot
    from procsimp.propose import propose
    from procsimp.propose.diagram import panels

    pmap = mine(log, service=name, calendar=calendar)
    options = {"protect": tuple(protect), "external": tuple(external), "catalog": cat, "calendar": calendar}
    flags = flag_steps(log, service=name, **options)
    plan = propose(log, flags, service=name, **options)
    if simulate:
        plan = plan.simulate(seed=seed)
    to_be_map = mine(plan.to_be, calendar=calendar)
    drawings = {
        lg: (
            map_dot(pmap, view="frequency", lang=lg),
            map_dot(pmap, view="performance", lang=lg),
            None,  # the side-by-side drawing is written to a file only (procsimp.output.proposal)
            # as-is and to-be in one layout; one panel when nothing changes
            panels(plan, lang=lg, maps=(pmap, to_be_map)),
        )
        for lg in LANGS
    }
    examples = _example_cases(log, name, flags) if include_case_ids else None
    return _Service(pmap=pmap, to_be_map=to_be_map, flags=list(flags), plan=plan, drawings=drawings, examples=examples)


def _example_cases(log: EventLog, service: str | None, flags: Sequence[Any], limit: int = 10) -> list[list[str]]:
    """For each flag, up to ``limit`` dossier ids (in log order) that pass through its step."""
    from procsimp.core.log import ACTIVITY, CASE
    from procsimp.engine.events import event_frame

    df = event_frame(log, roles=("case", "activity"), service=service if log.services else None)
    out = []
    for f in flags:
        steps = [f.activity] + ([f.into] if getattr(f, "into", None) else [])
        ids = df.loc[df[ACTIVITY].isin(steps), CASE].astype(str)
        out.append(list(dict.fromkeys(ids))[:limit])
    return out


def _service_entry(
    label: str,
    slug: str,
    pmap: Any,
    flags: list[Any],
    plan: Any,
    record: dict[str, Any],
    catalog: Any,
    drawings: dict[str, tuple[Any, ...]],
    files: list[Path],
    out: Path,
    min_saving: float = 0.05,
    examples: list[list[str]] | None = None,
) -> dict[str, Any]:
    from procsimp.report.wording import (
        change_phrase,
        evidence_sentences,
        legal_items,
        statutory_note,
    )

    before, after = record["before"], record["after"]
    simulated = record.get("simulated")
    kpis = []
    for key in KPI_KEYS:
        delta, css = _delta_both(key, before.get(key), after.get(key))
        sim = _both("")
        if simulated and key in simulated:
            s = simulated[key]
            if isinstance(s, dict):
                m, lo, hi = (_fmt_both(s.get(x), key) for x in ("mean", "low", "high"))
                sim = {lg: f"{m[lg]} [{lo[lg]}; {hi[lg]}]" for lg in LANGS}
            else:
                sim = _fmt_both(s, key)
        kpis.append(
            {"key": key, "before": _fmt_both(before.get(key), key), "after": _fmt_both(after.get(key), key), "delta": delta, "css": css, "simulated": sim}
        )
    b = before.get("lead_time_workdays_mean")
    a = after.get("lead_time_workdays_mean")
    saving = float(b) - float(a) if b is not None and a is not None else 0.0
    saving = 0.0 if math.isnan(saving) else max(saving, 0.0)
    cases = int(before.get("cases") or 0)
    service = catalog.get(label) if catalog is not None else None
    model = [
        _model_line(m, *names)
        for m, names in (
            (getattr(plan, "as_is_model", None), ("as-is model", "mô hình hiện trạng")),
            (getattr(plan, "model", None), ("to-be model", "mô hình đề xuất")),
        )
        if m is not None and getattr(m, "fitness", None) is not None
    ]
    def flag_item(i: int, f: Any) -> dict[str, Any]:
        value = f.saving.get("workdays_per_case")
        return {
            "activity": f.activity,
            "into": f.into,
            "action": f.action,
            "kind": f.kind,
            "change": {lg: change_phrase(f.action, f.activity, f.into, lg) for lg in LANGS},
            "kind_text": _both(*_kind_names(f.kind)),
            "confidence": _fmt_both(float(f.confidence)),
            "saving_value": float(value) if isinstance(value, (int, float)) else 0.0,
            "saving": _fmt_both(value, "saving"),
            "explanation": _both(f.explanation.get("en", ""), f.explanation.get("vi")),
            "evidence": {lg: evidence_sentences(f.evidence, lg) for lg in LANGS},
            "evidence_raw": [(k, _fmt(v, k) if isinstance(v, (int, float)) else v) for k, v in f.evidence.items()],
            "examples": ", ".join(examples[i]) if examples is not None else "",
        }

    items = [flag_item(i, f) for i, f in enumerate(flags)]
    major = [x for x in items if x["saving_value"] >= min_saving]
    minor = [x for x in items if x["saving_value"] < min_saving]
    def material(flag: Any) -> bool:  # the summary leaves out what the appendix holds
        value = (getattr(flag, "saving", None) or {}).get("workdays_per_case")
        return not isinstance(value, (int, float)) or value >= min_saving

    changes = [
        dict(zip(("action", "activity", "into"), e.key, strict=True))
        for e in getattr(plan, "edits", ()) if material(getattr(e, "flag", None))
    ] + [
        {"action": f.action, "activity": f.activity, "into": f.into}
        for f in getattr(plan, "recommendations", ()) if f.action != "fix_rework" and material(f)
    ]
    return {
        "name": label,
        "anchor": f"s-{slug}",
        "cases": _fmt_both(cases, "cases"),
        "cases_value": cases,
        "record": record,
        "changes": changes,
        "legal": {lg: legal_items(getattr(plan, "refused", ()), lg) for lg in LANGS},
        "lead_before": _fmt_both(b, "lead_time_workdays_mean"),
        "on_time_before": _fmt_both(before.get("on_time_rate"), "on_time_rate"),
        "saving_value": round(saving, 3),
        "gain_value": round(saving * cases, 1),
        "saving_per_case": _fmt_both(saving),
        "gain": {lg: number_0(saving * cases, lg) for lg in LANGS},
        "catalog": (f"{service.name_vi} / {service.name_en}" if service is not None else None),
        "statutory_days": _fmt_days(getattr(service, "statutory_days", None)),
        "statutory": {lg: statutory_note(service, lg) for lg in LANGS},
        "verified": bool(getattr(service, "verified", False)),
        "kpis": kpis,
        "simulated": bool(simulated),
        # every diagram in both languages; the page shows the one of the chosen language
        "frequency_svg": _svgs(drawings, 0, slug),
        "performance_svg": _svgs(drawings, 1, slug),
        "panels": [_svgs(drawings, 3, slug, panel=i) for i in range(len(drawings[LANGS[0]][3]))],
        "model": model,
        "flags": major,
        "minor_flags": minor,
        "edits": [_as_pair(e) for e in getattr(plan, "edits", ())],
        "refused": [_as_pair(e) for e in getattr(plan, "refused", ())],
        "recommendations": [_as_pair(e) for e in getattr(plan, "recommendations", ())],
        "assumptions": [_as_pair(a) for a in _assumptions(plan)],
        "files": [p.relative_to(out).as_posix() for p in files],
    }


def number_0(value: float, lang: str) -> str:
    from procsimp.report.wording import number

    return number(value, lang, digits=0)


def _model_line(m: Any, en: str, vi: str) -> dict[str, str]:
    """A model's figures in both languages: alignment fitness, cases that fit, precision and
    the activities it leaves out, with their share of the dossiers."""
    fit = "–" if m.fitting_share is None else f"{100 * m.fitting_share:.1f}%"
    prec = "–" if m.precision is None else f"{m.precision:.2f}"
    left = ", ".join(f"{x['activity']} ({100 * x['case_share']:.1f}%)" for x in m.left_out[:10])
    if len(m.left_out) > 10:
        left += f", … (+{len(m.left_out) - 10})"
    low = m.kind == "simplified" and m.fitness < 0.9
    return _both(
        f"{en}: {m.tasks} tasks, {m.gateways} gateways, fitness {m.fitness:.2f} (alignments; "
        f"dossiers that fit: {fit}), precision {prec}, {'sound' if m.sound else 'NOT sound'}"
        + (f"; left out: {left}" if left else "; no activity left out")
        + ("; below 0.9: the full model (mine --full) keeps all behaviour" if low else ""),
        f"{vi}: {m.tasks} bước, {m.gateways} cổng rẽ nhánh, độ phù hợp {m.fitness:.2f} (alignment; "
        f"hồ sơ khớp: {fit}), độ chính xác {prec}, {'đúng đắn (sound)' if m.sound else 'KHÔNG đúng đắn'}"
        + (f"; không hiển thị: {left}" if left else "; không bỏ bước nào")
        + ("; dưới 0,9: mô hình đầy đủ (mine --full) giữ mọi hành vi" if low else ""),
    )


def _svgs(drawings: dict[str, tuple[Any, ...]], index: int, slug: str, *, panel: int | None = None) -> str:
    from procsimp.mine.render.graphviz import pipe

    parts = []
    for lg in LANGS:
        dot = drawings[lg][index] if panel is None else drawings[lg][index][panel]
        svg = _inline_svg(pipe(dot, "svg").decode("utf-8"))
        # ids must stay unique in the page: every drawing reuses Graphviz's node and edge ids
        prefix = f"{slug}-{index}-{'' if panel is None else panel}-{lg}-"
        svg = re.sub(r'\bid="', f'id="{prefix}', svg)
        svg = re.sub(r'(xlink:href|href)="#', rf'\1="#{prefix}', svg)
        svg = svg.replace("url(#", f"url(#{prefix}")
        parts.append(f'<div lang="{lg}">{svg}</div>')
    return "".join(parts)


def _assumptions(plan: Any) -> list[Any]:
    vi = getattr(plan, "assumptions_vi", None)
    en = list(getattr(plan, "assumptions", ()))
    if vi and len(vi) == len(en):
        return [_both(e, v) for e, v in zip(en, vi, strict=True)]
    return en


def _render_html(log: EventLog, entries: list[dict[str, Any]], *, lang: str, calendar: Any, hours: Any = None,
                 min_saving: float = 0.05) -> str:
    import jinja2

    from procsimp.core.version import __version__

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("procsimp", "report/templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    from procsimp.report.wording import number, summary_items

    template = env.get_template("report.html.j2")
    from procsimp.report.trend import TREND_STRINGS

    summary = {lg: summary_items([{**e, "legal": e["legal"][lg]} for e in entries], lg) for lg in LANGS}
    return template.render(
        summary=summary,
        min_saving={lg: number(min_saving, lg) for lg in LANGS},
        T=STRINGS,
        TS=TREND_STRINGS,
        lang=lang,
        version=__version__,
        source=Path(log.source).name,
        n_cases=_fmt_both(log.n_cases, "cases"),
        n_events=_fmt_both(log.n_events, "cases"),
        warnings=list(log.warnings) + ([hours.warning] if hours is not None and hours.warning else []),
        office_hours=None if hours is None else {"en": hours.describe("en"), "vi": hours.describe("vi")},
        calendar=calendar.label(),
        filters=[{"en": en, "vi": vi} for en, vi in zip(_filter_lines(log), _filter_lines(log, "vi"), strict=True)],
        services=entries,
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>])")


def _md(text: Any) -> str:
    """Text from the log as inert Markdown: no HTML (``<script>``, ``<img onerror>``), no markup,
    no table breaks, one line."""
    from procsimp.mine.render._text import xml_safe

    flat = " ".join(xml_safe(str(text)).split())
    return _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)),
                           flat.replace("&", "&amp;"))


def _filter_lines(log: EventLog, lang: str = "en") -> list[str]:
    from procsimp.engine.filters import describe_filters

    return describe_filters(log.filters, lang=lang)


def _markdown(log: EventLog, entries: list[dict[str, Any]], *, calendar: Any) -> str:
    lines = [f"# {STRINGS['title']['en']} / {STRINGS['title']['vi']}", "", f"Log: {_md(Path(log.source).name)}", ""]
    lines += [f"Calendar: {_md(calendar.label())}", ""]
    lines += [f"Filter: {_md(line)}" for line in _filter_lines(log)] + ([""] if log.filters else [])
    lines += ["| # | Service | Dossiers | Saved per dossier (working days) | Expected gain (working days) |", "|---|---|---:|---:|---:|"]
    for i, e in enumerate(entries, 1):
        lines.append(f"| {i} | {_md(e['name'])} | {e['cases']['en']} | {e['saving_per_case']['en']} | {e['gain']['en']} |")
    for e in entries:
        lines += ["", f"## {_md(e['name'])}", "", "| KPI | As-is | To-be | Change |", "|---|---:|---:|---:|"]
        for k in e["kpis"]:
            lines.append(f"| {STRINGS[k['key']]['en']} | {k['before']['en']} | {k['after']['en']} | {k['delta']['en']} |")
        lines += ["", "### Flags", ""]
        for f in e["flags"] or []:
            lines.append(f"- **{_md(f['change']['en'])}** ({_md(f['kind'])}, confidence {f['confidence']['en']}): "
                         f"{_md(f['explanation']['en'])}")
        if not e["flags"]:
            lines.append("- none")
        lines += ["", "### Assumptions", ""] + [f"- {_md(a['en'])}" for a in e["assumptions"]]
    minor = [(e["name"], f) for e in entries for f in e["minor_flags"]]
    if minor:
        lines += ["", "## Appendix: minor flags", ""]
        for name, f in minor:
            lines.append(f"- {_md(name)}: {_md(f['change']['en'])} ({f['saving']['en']} working days per dossier)")
    return "\n".join(lines) + "\n"

