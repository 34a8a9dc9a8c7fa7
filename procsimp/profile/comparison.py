"""``compare(log, periods=...)`` / ``compare(log_a, log_b)``: what changed between two periods
of one log, or between two logs (two agencies, or two exports of one).

For each service, and over all services, it gives the reform indicators of each side
(:mod:`procsimp.profile.indicators`) and each indicator's signed change (second side minus first), a
statistical note on the change in mean lead time (a two-sided Mann–Whitney U test over the
dossiers' calendar-day lead times; the change is marked significant only when p < 0.05), and a
delta process map per service: one drawing (so one layout) of the steps and paths of both sides,
coloured and labelled by the change in frequency and in mean waiting time, with the steps and
paths that appear or disappear marked.

A period is ``A..B`` where ``A`` and ``B`` are dates (``2025-03-01``), months (``2025-03``) or
quarters (``2025-Q1``), from the start of ``A`` to the end of ``B``; a single month or quarter
stands for itself. A dossier belongs to the period of its receipt (of its first step when the
log has no receipt time).
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core import progress
from procsimp.errors import ParameterError
from procsimp.profile import TOTAL

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["Comparison", "Period", "compare", "parse_periods", "PERIOD_FORMS", "SIGNIFICANCE"]

#: the accepted forms of a period, for messages and help
PERIOD_FORMS = (
    "A..B where A and B are dates (2025-03-01), months (2025-03) or quarters (2025-Q1), or a "
    "single month or quarter; two periods separated by a comma, e.g. 2025-01..2025-03,2025-04..2025-06"
)
#: a change in mean lead time is significant below this p-value
SIGNIFICANCE = 0.05

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """A period of receipt: from ``start`` (inclusive) to ``end`` (exclusive), local dates."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp


def _bound(text: str, whole: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day of ``text`` and the day after its last day (naive dates)."""
    try:
        if m := _DATE.match(text):
            first = pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
            return first, first + pd.Timedelta(days=1)
        if m := _MONTH.match(text):
            first = pd.Timestamp(int(m[1]), int(m[2]), 1)
            return first, first + pd.DateOffset(months=1)
        if m := _QUARTER.match(text):
            first = pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1)
            return first, first + pd.DateOffset(months=3)
    except ValueError:
        pass
    raise ParameterError(f"periods: {whole!r} is not a period; write {PERIOD_FORMS}")


def parse_periods(value: str | Sequence[str], *, timezone: str = "Asia/Ho_Chi_Minh") -> list[Period]:
    """``"2025-01..2025-03,2025-04..2025-06"`` (or a list of two such strings) -> two periods.

    A bad value raises a :class:`procsimp.errors.ParameterError` naming it and the accepted forms.
    """
    parts = [p.strip() for p in (value.split(",") if isinstance(value, str) else value)]
    periods = []
    for part in parts:
        if not part:
            raise ParameterError(f"periods: an empty period in {value!r}; write {PERIOD_FORMS}")
        ends = part.split("..")
        if len(ends) > 2 or not all(e.strip() for e in ends):
            raise ParameterError(f"periods: {part!r} is not a period; write {PERIOD_FORMS}")
        if len(ends) == 1 and _DATE.match(ends[0].strip()) is None and "-" in ends[0]:
            first, after = _bound(ends[0].strip(), part)
        elif len(ends) == 1:
            raise ParameterError(f"periods: {part!r} is not a period; write {PERIOD_FORMS}")
        else:
            first, _ = _bound(ends[0].strip(), part)
            _, after = _bound(ends[1].strip(), part)
        if after <= first:
            raise ParameterError(f"periods: {part!r} ends before it starts; write the earlier bound first ({PERIOD_FORMS})")
        periods.append(Period(part, first.tz_localize(timezone), after.tz_localize(timezone)))
    if len(periods) != 2:
        raise ParameterError(f"periods: give exactly two periods, got {len(periods)} in {value!r}; write {PERIOD_FORMS}")
    if periods[0].end > periods[1].start and periods[1].end > periods[0].start:
        raise ParameterError(
            f"periods: {periods[0].label!r} and {periods[1].label!r} overlap, so a dossier would count "
            "on both sides; give two periods that do not overlap"
        )
    return periods


# ---------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class Comparison:
    """Two sides (periods or logs) side by side.

    * ``sides``: one dict per side: ``label``, ``source``, ``start``/``end`` (periods), ``dossiers``;
    * ``table``: one row per service and side (then the rows over all services): ``service``,
      ``period``, the indicators, and on the second side's row each ``<indicator>_change``;
    * ``tests``: per service, the mean lead times, their change, the Mann–Whitney p-value and
      ``significant`` (p < 0.05);
    * ``deltas``: per service, the steps and paths of both sides (``kind``, ``source``,
      ``target``, ``count_a``, ``count_b``, ``wait_hours_a``, ``wait_hours_b``, ``status``:
      ``both``, ``new`` or ``gone``), from which the delta maps are drawn.
    """

    sides: tuple[dict[str, Any], ...]
    table: pd.DataFrame
    tests: pd.DataFrame
    deltas: Mapping[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    outside: int = 0
    hours_per_day: float = 7.5

    @property
    def labels(self) -> tuple[str, str]:
        return str(self.sides[0]["label"]), str(self.sides[1]["label"])

    def records(self) -> list[dict[str, Any]]:
        from procsimp.profile import _plain

        return [{str(k): _plain(v) for k, v in row.items()} for row in self.table.to_dict(orient="records")]

    def to_dict(self) -> dict[str, Any]:
        from procsimp.profile import _plain

        return {
            "sides": [{k: _plain(v) for k, v in s.items()} for s in self.sides],
            "outside_periods": self.outside,
            "columns": list(self.table.columns),
            "rows": self.records(),
            "lead_time_tests": [
                {str(k): _plain(v) for k, v in row.items()} for row in self.tests.to_dict(orient="records")
            ],
            "note": _note("en"),
            "note_vi": _note("vi"),
        }

    def map_dot(self, service: str, *, lang: str = "en") -> Any:
        """The delta process map of one service as a Graphviz ``Digraph``."""
        from procsimp.mine.render.delta import delta_dot

        if service not in self.deltas:
            shown = ", ".join(repr(s) for s in list(self.deltas)[:20])
            raise ParameterError(f"service {service!r} is not in the comparison; services: {shown}")
        a, b = self.labels
        return delta_dot(self.deltas[service], title=service, labels=(a, b), lang=lang, hours_per_day=self.hours_per_day)

    def write(
        self, out: str | os.PathLike[str], *, formats: Sequence[str] = ("svg", "png", "pdf"), lang: str = "en"
    ) -> list[Path]:
        """Write ``compare.json``, ``compare.csv`` and ``<service>/delta_map.<fmt>`` into ``out``
        (atomically; :func:`procsimp.profile.comparison_files.write_comparison`); returns the paths."""
        from procsimp.profile.comparison_files import write_comparison

        return write_comparison(self, out, formats=formats, lang=lang)

    def _repr_html_(self) -> str:
        a, b = self.labels
        keys = ("dossiers", "online_share", "postal_share", "on_time_rate", "lead_workdays_mean")
        rows = []
        for service, part in self.table.groupby("service", sort=False):
            cells = []
            for key in keys:
                vals = list(part[key])
                change = part[f"{key}_change"].iloc[-1] if f"{key}_change" in part else np.nan
                cells.append(
                    f"<td>{html.escape(_short(key, vals[0]))} → {html.escape(_short(key, vals[-1]))} "
                    f"({html.escape(_short(key, change, signed=True))})</td>"
                )
            rows.append(f"<tr><th style='text-align:left'>{html.escape(str(service))}</th>{''.join(cells)}</tr>")
        head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
        return (
            f"<div><strong>procsimp comparison</strong> {html.escape(a)} → {html.escape(b)}"
            f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p><small>{html.escape(_note('en'))}</small></p></div>"
        )


def _short(key: str, value: Any, *, signed: bool = False) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(x):
        return "–"
    if key.endswith(("_share", "_rate")):
        return f"{100 * x:+.1f} pt" if signed else f"{100 * x:.1f}%"
    if key == "dossiers":
        return f"{x:+,.0f}" if signed else f"{x:,.0f}"
    return f"{x:+,.2f}" if signed else f"{x:,.2f}"


def _note(lang: str) -> str:
    if lang == "vi":
        return (
            "Thay đổi thời gian giải quyết trung bình chỉ được coi là có ý nghĩa thống kê khi kiểm định "
            "Mann–Whitney U hai phía trên thời gian giải quyết (ngày lịch) của từng hồ sơ cho p < 0,05."
        )
    return (
        "A change in mean lead time is marked significant only when a two-sided Mann–Whitney U test "
        "over the dossiers' lead times (calendar days) gives p < 0.05."
    )


# ---------------------------------------------------------------------------- helpers
def _cases_log(log: EventLog, cases: Any) -> EventLog:
    """The events of the given dossiers (a new log; categories trimmed). A log left on its files
    stays there: the same files, keeping those dossiers."""
    from procsimp.core.log import CASE

    if log.out_of_core:
        from procsimp.read.parquet_kept import Kept

        return log.replace(parquet=log.parquet.keeping(Kept(case_names=np.asarray(cases, dtype=object))))
    mask = log.df[CASE].isin(pd.Index(cases)).to_numpy()
    df = log.df.loc[mask].reset_index(drop=True)
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].cat.remove_unused_categories()
    return log.replace(df=df)


def _mann_whitney(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) == 0 or len(b) == 0:
        return np.nan
    from scipy.stats import mannwhitneyu

    if np.all(a == a[0]) and np.all(b == a[0]):
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _delta_table(sides: Sequence[tuple[pd.DataFrame, pd.DataFrame] | None], service: str) -> pd.DataFrame:
    """Steps and paths of one service on both sides with their counts and mean waiting (working
    hours); ``sides`` holds each side's engine activity table and DFG (None for an empty side)."""
    frames = []
    for side, tables in zip(("a", "b"), sides, strict=True):
        if tables is None:
            continue
        acts = tables[0][tables[0]["service"] == service]
        d = tables[1][tables[1]["service"] == service]
        steps = pd.DataFrame(
            {"kind": "step", "source": acts["activity"].astype(object), "target": None,
             "count": acts["events"], "cases": acts["cases"], "wait": acts["wait_hours_mean"], "side": side}
        )
        paths = pd.DataFrame(
            {"kind": "path", "source": d["source"].astype(object), "target": d["target"].astype(object),
             "count": d["count"], "cases": d["cases"], "wait": d["wait_hours_mean"], "side": side}
        )
        frames += [steps, paths]
    columns = ["kind", "source", "target", "count_a", "count_b", "cases_a", "cases_b",
               "wait_hours_a", "wait_hours_b", "status"]
    if not frames:
        return pd.DataFrame(columns=columns)
    long = pd.concat(frames, ignore_index=True)
    long["target"] = long["target"].fillna("")
    wide = long.pivot_table(
        index=["kind", "source", "target"], columns="side", values=["count", "cases", "wait"], aggfunc="first", dropna=False
    )
    out = pd.DataFrame(index=wide.index).reset_index()
    for name, col in (("count", "count"), ("cases", "cases"), ("wait", "wait_hours")):
        for side in ("a", "b"):
            values = wide[(name, side)].to_numpy() if (name, side) in wide.columns else np.full(len(wide), np.nan)
            out[f"{col}_{side}"] = values
    for col in ("count_a", "count_b", "cases_a", "cases_b"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out = out[(out["count_a"] > 0) | (out["count_b"] > 0)].reset_index(drop=True)
    out["status"] = np.where(out["count_a"] == 0, "new", np.where(out["count_b"] == 0, "gone", "both"))
    out["target"] = out["target"].replace("", None)
    return out[columns]


def _side_rows(dossiers: pd.DataFrame, label: str, *, has_channel: bool) -> list[dict[str, Any]]:
    from procsimp.profile.indicators import indicator_row

    rows = []
    for service, part in dossiers.groupby("service", sort=True):
        rows.append({"service": str(service), "period": label, **indicator_row(part, has_channel=has_channel)})
    rows.append({"service": TOTAL, "period": label, **indicator_row(dossiers, has_channel=has_channel)})
    return rows


# ---------------------------------------------------------------------------- the verb
def compare(
    log: EventLog,
    other: EventLog | None = None,
    *,
    periods: str | Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    channel_map: str | os.PathLike[str] | Mapping[str, str] | None = None,
) -> Comparison:
    """Compare two periods of ``log`` (``periods="2025-01..2025-03,2025-04..2025-06"``) or two
    logs (``compare(log_a, log_b)``); see the module docstring. Logs are not modified.

    ``labels`` names the two sides (default: the periods as written, or the logs' file names).
    ``calendar``, ``catalog`` and ``channel_map`` are as for :func:`procsimp.profile`.
    """
    from procsimp import engine
    from procsimp.catalog import resolve_catalog
    from procsimp.core.log import CHANNEL, EventLog
    from procsimp.engine.inputs import resolve_calendar
    from procsimp.profile.indicators import INDICATORS, dossier_table, load_channel_map

    if (other is None) == (periods is None):
        raise ParameterError(
            "compare needs either periods= (two periods of one log) or a second log, not "
            + ("both" if other is not None else "neither")
            + "; e.g. compare(log, periods='2025-01..2025-03,2025-04..2025-06') or compare(log_a, log_b)"
        )
    for name, value in (("log", log), ("other", other)):
        if value is not None and not isinstance(value, EventLog):
            raise ParameterError(f"{name} must be an EventLog (procsimp.read_log(path)), got {type(value).__name__}")
    cal = resolve_calendar(calendar)
    cat = resolve_catalog(catalog)
    progress.step("compare")
    mapping = load_channel_map(channel_map)
    has_channel = log.has(CHANNEL) or (other is not None and other.has(CHANNEL))

    outside = 0
    if other is not None:
        names = [Path(log.source).name, Path(other.source).name]
        if names[0] == names[1]:
            names = [f"A: {names[0]}", f"B: {names[1]}"]
        logs: list[EventLog] = [log, other]
        tables = [dossier_table(x, calendar=cal, catalog=cat, channel_map=mapping) for x in logs]
        sides: list[dict[str, Any]] = [
            {"label": n, "source": x.source, "start": None, "end": None, "dossiers": len(t)}
            for n, x, t in zip(names, logs, tables, strict=True)
        ]
        subs: list[EventLog] = logs
    else:
        assert periods is not None
        spans = parse_periods(periods, timezone=log.timezone)
        whole = dossier_table(log, calendar=cal, catalog=cat, channel_map=mapping)
        anchor = whole["received"].where(whole["received"].notna(), whole["first"])
        tables, sides, subs = [], [], []
        inside = np.zeros(len(whole), dtype=bool)
        for p in spans:
            hit = ((anchor >= p.start) & (anchor < p.end)).fillna(False).to_numpy()
            inside |= hit
            part = whole[hit].reset_index(drop=True)
            tables.append(part)
            sides.append(
                {"label": p.label, "source": log.source, "start": p.start.date().isoformat(),
                 "end": (p.end - pd.Timedelta(days=1)).date().isoformat(), "dossiers": len(part)}
            )
            subs.append(_cases_log(log, part["case"]))
        outside = int((~inside).sum())
    if labels is not None:
        if len(labels) != 2:
            raise ParameterError(f"labels must name the two sides, got {len(labels)}: {list(labels)!r}")
        for side, label in zip(sides, labels, strict=True):
            side["label"] = str(label)
    a_label, b_label = (str(s["label"]) for s in sides)

    rows = _side_rows(tables[0], a_label, has_channel=has_channel) + _side_rows(tables[1], b_label, has_channel=has_channel)
    table = pd.DataFrame(rows, columns=["service", "period", *INDICATORS])
    services = sorted(set(table["service"]) - {TOTAL}) + [TOTAL]
    # one row per service and side (a side without dossiers of a service gets 0 dossiers)
    full = []
    for service in services:
        for label in (a_label, b_label):
            hit = table[(table["service"] == service) & (table["period"] == label)]
            full.append(hit.iloc[0].to_dict() if len(hit) else {"service": service, "period": label, "dossiers": 0,
                                                                  "closed": 0, "open_overdue": 0})
    table = pd.DataFrame(full, columns=["service", "period", *INDICATORS])
    for col in ("dossiers", "closed", "open_overdue"):
        table[col] = table[col].fillna(0).astype(np.int64)
    for key in INDICATORS:
        change = np.full(len(table), np.nan)
        values = table[key].astype(float).to_numpy()
        change[1::2] = values[1::2] - values[0::2]
        table[f"{key}_change"] = change

    tests = []
    for service in services:
        parts = [t if service == TOTAL else t[t["service"] == service] for t in tables]
        a, b = (p["lead_days"].dropna().to_numpy(dtype=float) for p in parts)
        p_value = _mann_whitney(a, b)
        tests.append(
            {
                "service": service,
                "dossiers_a": len(a),
                "dossiers_b": len(b),
                "lead_days_mean_a": float(a.mean()) if len(a) else np.nan,
                "lead_days_mean_b": float(b.mean()) if len(b) else np.nan,
                "lead_days_mean_change": float(b.mean() - a.mean()) if len(a) and len(b) else np.nan,
                "method": "Mann-Whitney U, two-sided",
                "p_value": p_value,
                "significant": bool(p_value < SIGNIFICANCE) if not math.isnan(p_value) else False,
            }
        )
    tests_frame = pd.DataFrame(tests)
    sig = dict(zip(tests_frame["service"], tests_frame["p_value"], strict=True))
    table["lead_days_mean_p_value"] = [sig[s] if i % 2 else np.nan for i, s in enumerate(table["service"])]
    table["lead_days_mean_significant"] = [
        (bool(sig[s] < SIGNIFICANCE) if not math.isnan(sig[s]) else False) if i % 2 else None
        for i, s in enumerate(table["service"])
    ]

    # each side's steps and paths, for every service at once (one engine pass per side)
    side_tables = [
        (engine.activity_table(sub, calendar=cal), engine.dfg(sub, calendar=cal)) if sub.n_events else None
        for sub in subs
    ]
    deltas = {service: _delta_table(side_tables, service) for service in services[:-1]}
    return Comparison(
        sides=tuple(sides),
        table=table,
        tests=tests_frame,
        deltas=deltas,
        outside=outside,
        hours_per_day=cal.minutes_per_day / 60.0,
    )
