"""The report: every stage of the flow, per service, into one folder.

``report(log, out="outputs")`` profiles the log, and for each service mines its process maps,
flags unneeded steps and proposes a to-be workflow. It writes:

* ``index.html``: a self-contained page (inline CSS, SVG and script; nothing loaded from the
  network) in English and Vietnamese, with a language switch; services ranked by expected gain;
* ``report.md``: the same findings as Markdown;
* ``profile.csv`` / ``profile.json``, ``flags.csv`` / ``flags.json``, ``kpis.csv`` / ``kpis.json``;
* one folder per service with its maps (SVG, PNG, PDF), the to-be BPMN and the side-by-side
  as-is / to-be diagram.

Every file is written atomically.
"""

from __future__ import annotations

import html as _html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from procsimp._atomic import write_text
from procsimp.errors import ParameterError
from procsimp.log import EventLog
from procsimp.report.i18n import LANGS, STRINGS
from procsimp.report.tables import write_table

__all__ = ["report", "Report", "slugify", "KPI_KEYS"]

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


def slugify(name: str, taken: Iterable[str] = ()) -> str:
    """A safe, readable folder name for a service ("Đăng ký khai sinh" → "dang-ky-khai-sinh")."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "service"
    used = set(taken)
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


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


def _delta(key: str, before: Any, after: Any) -> tuple[str, str]:
    try:
        b, a = float(before), float(after)
    except (TypeError, ValueError):
        return "–", ""
    if math.isnan(a) or math.isnan(b):
        return "–", ""
    diff = a - b
    if abs(diff) < 1e-12:
        return "0", ""
    better = diff < 0 if key in _LOWER_IS_BETTER else diff > 0
    if key == "on_time_rate":
        text = f"{100 * diff:+.1f} pt"
    elif b:
        text = f"{diff:+,.2f} ({100 * diff / b:+.0f}%)"
    else:
        text = f"{diff:+,.2f}"
    return text, "better" if better else "worse"


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
    out: str | Path = "outputs",
    *,
    services: Sequence[str] | None = None,
    lang: str = "vi",
    catalog: Any = None,
    protect: Sequence[str] = (),
    simulate: bool = False,
    formats: Sequence[str] = ("svg", "png", "pdf", "bpmn"),
    seed: int = 0,
    calendar: Any = None,
) -> Report:
    """Run the whole flow on ``log`` and write the report into ``out``.

    ``lang`` is the language the page opens in (both are always included). ``services`` limits
    the report to some services; by default every service of the log is reported. ``calendar``
    (a :class:`procsimp.WorkCalendar`) sets office hours, working days and holidays for every
    working-time figure; by default Vietnamese office hours and public holidays.
    """
    from procsimp.catalog import load_catalog
    from procsimp.detect import flag_steps
    from procsimp.mining import mine
    from procsimp.redesign import propose
    from procsimp.redesign.diagram import panels, side_by_side
    from procsimp.render.graphviz import map_dot
    from procsimp.stats import profile

    if lang not in LANGS:
        raise ParameterError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    allowed_formats = {"svg", "png", "pdf", "bpmn", "dot"}
    bad = [f for f in formats if f not in allowed_formats]
    if bad:
        raise ParameterError(
            f"format {bad[0]!r} is not supported; choose from {', '.join(sorted(allowed_formats))}"
        )
    out = Path(out)
    cat = catalog if catalog is not None and not isinstance(catalog, (str, Path)) else load_catalog(catalog)
    prof = profile(log, catalog=cat, calendar=calendar)
    names: list[str | None] = list(services) if services else [*log.services] or [None]
    written: list[Path] = []

    written += write_table(prof.table, out / "profile")
    entries: list[dict[str, Any]] = []
    all_flags: list[dict[str, Any]] = []
    all_kpis: list[dict[str, Any]] = []
    taken: set[str] = set()
    for name in names:
        label = name if name is not None else "(all)"
        slug = slugify(label, taken)
        taken.add(slug)
        folder = out / slug
        pmap = mine(log, service=name, calendar=calendar)
        flags = flag_steps(log, service=name, protect=tuple(protect), catalog=cat, calendar=calendar)
        plan = propose(log, flags, service=name, protect=tuple(protect), catalog=cat, calendar=calendar)
        if simulate:
            plan = plan.simulate(seed=seed)
        files: list[Path] = []
        to_be_map = mine(plan.to_be, calendar=calendar)
        drawings = {
            lg: (
                map_dot(pmap, view="frequency", lang=lg),
                map_dot(pmap, view="performance", lang=lg),
                side_by_side(plan, lang=lg, maps=(pmap, to_be_map)),
                # as-is and to-be in one layout; one panel when nothing changes
                panels(plan, lang=lg, maps=(pmap, to_be_map)),
            )
            for lg in LANGS
        }
        freq, perf, both_dot, _ = drawings[lang]
        for stem, dot in (("map_frequency", freq), ("map_performance", perf), ("as_is_to_be", both_dot)):
            for fmt in formats:
                if fmt == "bpmn":
                    continue
                files.append(_write_dot(dot, folder / f"{stem}.{fmt}", fmt))
        if "bpmn" in formats:
            from procsimp.render.bpmn import write_bpmn

            as_is_model = plan.as_is_model if plan.as_is_model is not None else pmap.model()
            files.append(write_bpmn(as_is_model, folder / "as_is.bpmn", name=label))
            files.append(write_bpmn(plan.model, folder / "to_be.bpmn", name=f"{label} (to-be)"))
        record = plan.kpis_json()
        all_kpis.append(record)
        flag_dicts = [f.to_dict() for f in flags]
        all_flags.extend(flag_dicts)
        files += write_table(pd.DataFrame([f.to_dict() for f in flags]), folder / "flags", json_records=flag_dicts)
        written += files
        entries.append(
            _service_entry(label, slug, pmap, flags, plan, record, cat, drawings, files, out)
        )

    written += write_table(pd.DataFrame(all_flags), out / "flags", json_records=all_flags)
    written += write_table(_kpi_frame(all_kpis), out / "kpis", json_records=all_kpis)
    entries.sort(key=lambda e: (-e["gain_value"], e["name"]))
    ranking = pd.DataFrame(
        [
            {
                "service": e["name"],
                "cases": e["cases"],
                "saving_workdays_per_case": e["saving_value"],
                "expected_gain_workdays": e["gain_value"],
            }
            for e in entries
        ]
    )
    page = _render_html(log, entries, lang=lang)
    html_path = write_text(out / "index.html", page)
    md_path = write_text(out / "report.md", _markdown(log, entries))
    written += [html_path, md_path]
    return Report(out=out, html=html_path, files=tuple(written), ranking=ranking)


def _write_dot(dot: Any, path: Path, fmt: str) -> Path:
    from procsimp._atomic import write_bytes

    data = dot.source.encode("utf-8") if fmt == "dot" else dot.pipe(format=fmt)
    return write_bytes(path, data)


def _kpi_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for r in records:
        for phase in ("before", "after"):
            rows.append({"service": r["service"], "phase": phase, **r[phase]})
    return pd.DataFrame(rows)


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
) -> dict[str, Any]:
    before, after = record["before"], record["after"]
    simulated = record.get("simulated")
    kpis = []
    for key in KPI_KEYS:
        delta, css = _delta(key, before.get(key), after.get(key))
        sim = ""
        if simulated and key in simulated:
            s = simulated[key]
            sim = f"{_fmt(s.get('mean'), key)} [{_fmt(s.get('low'), key)}; {_fmt(s.get('high'), key)}]" if isinstance(s, dict) else _fmt(s, key)
        kpis.append(
            {"key": key, "before": _fmt(before.get(key), key), "after": _fmt(after.get(key), key), "delta": delta, "css": css, "simulated": sim}
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
    return {
        "name": label,
        "anchor": f"s-{slug}",
        "cases": f"{cases:,}",
        "lead_before": _fmt(b, "lead_time_workdays_mean"),
        "on_time_before": _fmt(before.get("on_time_rate"), "on_time_rate"),
        "saving_value": round(saving, 3),
        "gain_value": round(saving * cases, 1),
        "saving_per_case": f"{saving:,.2f}",
        "gain": f"{saving * cases:,.0f}",
        "catalog": (f"{service.name_vi} / {service.name_en}" if service is not None else None),
        "statutory_days": _fmt_days(getattr(service, "statutory_days", None)),
        "kpis": kpis,
        "simulated": bool(simulated),
        # every diagram in both languages; the page shows the one of the chosen language
        "frequency_svg": _svgs(drawings, 0, slug),
        "performance_svg": _svgs(drawings, 1, slug),
        "panels": [_svgs(drawings, 3, slug, panel=i) for i in range(len(drawings[LANGS[0]][3]))],
        "model": model,
        "flags": [
            {
                "activity": f.activity,
                "into": f.into,
                "action": f.action,
                "kind": f.kind,
                "kind_text": _both(*_kind_names(f.kind)),
                "confidence": f"{f.confidence:.2f}",
                "saving": _fmt(f.saving.get("workdays_per_case"), "saving"),
                "explanation": _both(f.explanation.get("en", ""), f.explanation.get("vi")),
                "evidence": [(k, _fmt(v, k) if isinstance(v, (int, float)) else v) for k, v in f.evidence.items()],
            }
            for f in flags
        ],
        "edits": [_as_pair(e) for e in getattr(plan, "edits", ())],
        "refused": [_as_pair(e) for e in getattr(plan, "refused", ())],
        "recommendations": [_as_pair(e) for e in getattr(plan, "recommendations", ())],
        "assumptions": [_as_pair(a) for a in _assumptions(plan)],
        "files": [p.relative_to(out).as_posix() for p in files],
    }


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
    from procsimp.render.graphviz import _pipe

    parts = []
    for lg in LANGS:
        dot = drawings[lg][index] if panel is None else drawings[lg][index][panel]
        svg = _inline_svg(_pipe(dot, "svg").decode("utf-8"))
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


def _render_html(log: EventLog, entries: list[dict[str, Any]], *, lang: str) -> str:
    import jinja2

    from procsimp import __version__

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("procsimp", "report/templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    template = env.get_template("report.html.j2")
    return template.render(
        T=STRINGS,
        lang=lang,
        version=__version__,
        source=Path(log.source).name,
        n_cases=f"{log.n_cases:,}",
        n_events=f"{log.n_events:,}",
        warnings=list(log.warnings),
        services=entries,
    )


def _markdown(log: EventLog, entries: list[dict[str, Any]]) -> str:
    lines = [f"# {STRINGS['title']['en']} / {STRINGS['title']['vi']}", "", f"Log: `{Path(log.source).name}`", ""]
    lines += ["| # | Service | Dossiers | Saved per dossier (working days) | Expected gain (working days) |", "|---|---|---:|---:|---:|"]
    for i, e in enumerate(entries, 1):
        lines.append(f"| {i} | {e['name']} | {e['cases']} | {e['saving_per_case']} | {e['gain']} |")
    for e in entries:
        lines += ["", f"## {e['name']}", "", "| KPI | As-is | To-be | Change |", "|---|---:|---:|---:|"]
        for k in e["kpis"]:
            lines.append(f"| {STRINGS[k['key']]['en']} | {k['before']} | {k['after']} | {k['delta']} |")
        lines += ["", "### Flags", ""]
        for f in e["flags"] or []:
            target = f" → {f['into']}" if f["into"] else ""
            lines.append(f"- **{f['action']}** {f['activity']}{target} ({f['kind']}, confidence {f['confidence']}): {f['explanation']['en']}")
        if not e["flags"]:
            lines.append("- none")
        lines += ["", "### Assumptions", ""] + [f"- {a['en']}" for a in e["assumptions"]]
    return "\n".join(lines) + "\n"

