"""The report's trend section: per service, the monthly reform indicators as small inline-SVG
charts (nothing loaded from the network), with the months of a reform marked.

The figures come from ``profile(log, by="month")``: a dossier counts in the month of its
receipt. A month without dossiers between the first and the last month shows as a gap.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from typing import Any

import pandas as pd

from procsimp.errors import ParameterError

__all__ = ["TREND_KEYS", "TREND_STRINGS", "parse_since", "trend_section", "chart_svg"]

#: the charts of the section, in order
TREND_KEYS: tuple[str, ...] = ("dossiers", "on_time_rate", "lead_workdays_mean", "online_share", "postal_share")

#: the section's wording, English and Vietnamese
TREND_STRINGS: dict[str, dict[str, str]] = {
    "trend": {"en": "Trend by month", "vi": "Diễn biến theo tháng"},
    "trend_note": {
        "en": "Dossiers by month of receipt. On-time rate over closed dossiers with a due date; lead time in working days (mean).",
        "vi": "Hồ sơ theo tháng tiếp nhận. Tỷ lệ đúng hạn tính trên hồ sơ đã giải quyết có thời hạn; thời gian giải quyết tính bằng ngày làm việc (trung bình).",
    },
    "reform_since": {
        "en": "shaded: the months since the reform took effect on",
        "vi": "vùng tô màu: các tháng kể từ khi cải cách có hiệu lực, ngày",
    },
    "dossiers": {"en": "Dossiers received", "vi": "Hồ sơ tiếp nhận"},
    "on_time_rate": {"en": "On-time rate", "vi": "Tỷ lệ đúng hạn"},
    "lead_workdays_mean": {"en": "Lead time (working days)", "vi": "Thời gian giải quyết (ngày làm việc)"},
    "online_share": {"en": "Online share", "vi": "Tỷ lệ trực tuyến"},
    "postal_share": {"en": "Postal share", "vi": "Tỷ lệ qua bưu chính"},
    "no_months": {"en": "No dated dossiers.", "vi": "Không có hồ sơ có ngày tiếp nhận."},
}

_W, _H, _PAD_X, _PAD_TOP, _PAD_BOTTOM = 240, 74, 8, 8, 18
_LINE = "#0b6e4f"
_REFORM = "#fde0c5"


def parse_since(value: Any) -> _dt.date | None:
    """``"2025-03-15"`` (or a date) -> a date; None stays None. A bad value names the forms."""
    if value is None or isinstance(value, _dt.date):
        return value.date() if isinstance(value, _dt.datetime) else value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParameterError(
            f"since: {value!r} is not a date; write the day the reform took effect as YYYY-MM-DD, e.g. 2025-03-01"
        ) from None


def _months(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _fmt(key: str, value: float) -> str:
    if key.endswith(("_rate", "_share")):
        return f"{100 * value:.1f}%"
    if key == "dossiers":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def chart_svg(months: list[str], values: list[float], *, key: str, since: _dt.date | None = None) -> str:
    """One small line chart (an ``<svg>`` element) of ``values`` by month; NaN leaves a gap.

    Months from the month of ``since`` on are shaded (class ``reform``).
    """
    n = len(months)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if key.endswith(("_rate", "_share")):  # shares on their whole scale
        lo, hi = 0.0, 1.0
    if key == "dossiers":
        lo = 0.0
    if hi - lo < 1e-12:
        hi = lo + 1.0
    inner_w, inner_h = _W - 2 * _PAD_X, _H - _PAD_TOP - _PAD_BOTTOM
    step = inner_w / max(n - 1, 1)

    def x(i: int) -> float:
        return _PAD_X + (i * step if n > 1 else inner_w / 2)

    def y(v: float) -> float:
        return _PAD_TOP + inner_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" data-key="{html.escape(key)}" '
        f'width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" role="img">'
    ]
    if since is not None:
        cut = since.strftime("%Y-%m")
        marked = [i for i, m in enumerate(months) if m >= cut]
        if marked:
            left = x(marked[0]) - (step / 2 if n > 1 else inner_w / 2)
            left = max(left, 0.0)
            parts.append(
                f'<rect class="reform" x="{left:.1f}" y="0" width="{_W - left:.1f}" height="{_H - _PAD_BOTTOM + 2}" '
                f'fill="{_REFORM}"><title>{html.escape(since.isoformat())}</title></rect>'
            )
    parts.append(
        f'<line x1="{_PAD_X}" y1="{_H - _PAD_BOTTOM}" x2="{_W - _PAD_X}" y2="{_H - _PAD_BOTTOM}" stroke="#d9dee8"/>'
    )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(v):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline fill="none" stroke="{_LINE}" stroke-width="1.6" points="{" ".join(seg)}"/>')
    for i, v in enumerate(values):
        if v is not None and math.isfinite(v):
            parts.append(
                f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.2" fill="{_LINE}">'
                f"<title>{html.escape(months[i])}: {html.escape(_fmt(key, v))}</title></circle>"
            )
    if months:
        parts.append(f'<text x="{_PAD_X}" y="{_H - 4}" font-size="9" fill="#5b6475">{html.escape(months[0])}</text>')
        if n > 1:
            parts.append(
                f'<text x="{_W - _PAD_X}" y="{_H - 4}" font-size="9" fill="#5b6475" text-anchor="end">{html.escape(months[-1])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def trend_section(by_month: pd.DataFrame, service: str, *, since: _dt.date | None = None) -> dict[str, Any]:
    """The charts of one service from a ``profile(log, by="month")`` table.

    Returns ``{"months": [...], "since": "YYYY-MM-DD" or None, "charts": [{"key", "svg",
    "last", "range"}]}``; no charts when the service has no dated dossier.
    """
    rows = by_month[(by_month["service"] == service) & by_month["month"].notna()]
    if rows.empty:
        return {"months": [], "since": since.isoformat() if since else None, "charts": []}
    months = _months(str(rows["month"].min()), str(rows["month"].max()))
    indexed = rows.set_index("month")
    charts = []
    for key in TREND_KEYS:
        series = indexed[key].reindex(months)
        if key == "dossiers":
            series = series.fillna(0)
        values = [float(v) if pd.notna(v) else math.nan for v in series]
        finite = [v for v in values if math.isfinite(v)]
        charts.append(
            {
                "key": key,
                "svg": chart_svg(months, values, key=key, since=since),
                "last": _fmt(key, finite[-1]) if finite else "–",
                "range": f"{_fmt(key, min(finite))} – {_fmt(key, max(finite))}" if finite else "–",
            }
        )
    return {"months": months, "since": since.isoformat() if since else None, "charts": charts}
