"""``profile(log)``: the key figures of each service (procedure) in a dossier log.

One row per service, plus a total row over all dossiers:

* ``cases``, ``events``, ``activities``, ``variants``;
* lead time (first start, or receipt when the log has it, to the last completion): mean, median
  and p90, in calendar days and in working days of the work calendar;
* ``on_time_rate`` against the due date (the log's ``case:due`` or, without one, receipt plus
  the statutory days of the service in the catalog); NA when no dossier has a due date;
* ``channel_<name>``: the share of dossiers per submission channel;
* ``steps_per_case``, ``handoffs_per_case`` (changes of officer or unit between consecutive
  steps), ``rework_rate`` (share of dossiers repeating a step), ``units_per_case``;
* ``in_catalog``, ``catalog_id``, ``statutory_days``: the service's entry in the catalog;
* the reform indicators of :mod:`procsimp.profile.indicators`: ``dossiers``, ``online_share``,
  ``online_full_share``, ``online_partial_share``, ``postal_share``, ``early_rate``,
  ``late_rate`` (with ``on_time_rate``, over the closed dossiers with a due date, with clock
  stops on catalog due dates), ``closed`` and ``open_overdue``.

``profile(log, by=["unit", "month"])`` breaks the indicators down instead: one row per service
and by-key values (``month`` ``YYYY-MM`` and ``quarter`` ``YYYY-Qn`` of receipt, ``unit`` that
did most of the dossier's steps, ``channel`` class), then the same rows over all services.

Everything is computed from the engine's tables (:mod:`procsimp.engine`). The counts and the
means of integers (dossiers, events, steps, hand-offs and units per case, rework rate, channel
shares) are the grouped sums of the engine's plan ``case_sums``. The lead-time figures and the
indicators are computed here from lean per-dossier columns: the due dates, clock stops and channel
classes of :mod:`procsimp.profile.indicators` are computed in Python on the working-day calendar,
and a mean of doubles summed in SQL differs from pandas' in its last bits.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core import progress
from procsimp.core._cells import neutralise_csv
from procsimp.errors import ParameterError
from procsimp.profile.indicators import lead_stats

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = ["Profile", "profile", "TOTAL", "format_profile", "neutralise_csv"]

#: the ``service`` label of the total row
TOTAL = "(all services)"

#: headline columns, in order (channel columns come after ``due_cases``)
_BASE_COLUMNS = (
    "service",
    "cases",
    "events",
    "activities",
    "variants",
    "lead_days_mean",
    "lead_days_median",
    "lead_days_p90",
    "lead_workdays_mean",
    "lead_workdays_median",
    "lead_workdays_p90",
    "on_time_rate",
    "due_cases",
)
#: the reform indicators that come after the channel columns
_INDICATOR_COLUMNS = (
    "dossiers",
    "online_share",
    "online_full_share",
    "online_partial_share",
    "postal_share",
    "early_rate",
    "late_rate",
    "closed",
    "open_overdue",
)
_TAIL_COLUMNS = (
    "steps_per_case",
    "handoffs_per_case",
    "rework_rate",
    "units_per_case",
    "in_catalog",
    "catalog_id",
    "statutory_days",
)

#: labels for the terminal and HTML tables
LABELS: dict[str, str] = {
    "cases": "cases",
    "events": "events",
    "activities": "activities",
    "variants": "variants",
    "lead_days_mean": "lead time, days (mean)",
    "lead_days_median": "lead time, days (median)",
    "lead_days_p90": "lead time, days (p90)",
    "lead_workdays_mean": "lead time, working days (mean)",
    "lead_workdays_median": "lead time, working days (median)",
    "lead_workdays_p90": "lead time, working days (p90)",
    "on_time_rate": "on time",
    "dossiers": "dossiers",
    "online_share": "online (full or partial)",
    "online_full_share": "full-process online",
    "online_partial_share": "partly online",
    "postal_share": "received or returned by post",
    "early_rate": "early",
    "late_rate": "late",
    "closed": "closed dossiers",
    "open_overdue": "open and overdue at the log's end",
    "month": "month",
    "quarter": "quarter",
    "unit": "unit",
    "channel": "channel",
    "due_cases": "cases with a due date",
    "steps_per_case": "steps per case",
    "handoffs_per_case": "hand-offs per case",
    "rework_rate": "rework rate",
    "units_per_case": "units per case",
    "in_catalog": "in catalog",
    "catalog_id": "catalog id",
    "statutory_days": "statutory days",
}
_PERCENT = ("on_time_rate", "rework_rate", "early_rate", "late_rate", "online_share",
            "online_full_share", "online_partial_share", "postal_share")


# ---------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class Profile:
    """KPIs per service (``table``: one row per service, then the total row).

    :attr:`cases` and :attr:`dossiers` are the per-dossier tables the figures come from. For a log
    in memory they are held; for a log left on its Parquet files (out of core) they are computed
    from the engine on first access (and then held), as ten million dossiers take gigabytes.
    """

    table: pd.DataFrame
    source: str = "<memory>"
    calendar: dict[str, Any] = field(repr=False, default_factory=dict)
    #: the keys of a breakdown (``("unit", "month")``); empty for one row per service
    by: tuple[str, ...] = ()
    #: the filters applied to the log (:attr:`procsimp.core.log.EventLog.filters`)
    filters: list[dict[str, Any]] = field(repr=False, default_factory=list)
    #: makes ``(cases, dossiers)`` on first access (None: none, empty frames)
    per_dossier: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = field(
        repr=False, compare=False, default=None
    )
    _held: dict[str, pd.DataFrame] = field(repr=False, compare=False, default_factory=dict)

    def _tables(self) -> dict[str, pd.DataFrame]:
        if not self._held:
            cases, dossiers = self.per_dossier() if self.per_dossier is not None else (pd.DataFrame(), pd.DataFrame())
            self._held.update(cases=cases, dossiers=dossiers)
        return self._held

    @property
    def cases(self) -> pd.DataFrame:
        """The engine's case table (:func:`procsimp.engine.case_table`, one row per dossier)."""
        return self._tables()["cases"]

    @property
    def dossiers(self) -> pd.DataFrame:
        """One row per dossier with what the indicators count
        (:func:`procsimp.profile.indicators.dossier_table`)."""
        return self._tables()["dossiers"]

    @property
    def services(self) -> pd.DataFrame:
        """The rows of the services, without the total row."""
        return self.table[self.table["service"] != TOTAL].reset_index(drop=True)

    @property
    def total(self) -> pd.Series:
        """The total row over all dossiers."""
        return self.table[self.table["service"] == TOTAL].iloc[0]

    def row(self, service: str) -> pd.Series:
        """The row of one service (or of :data:`TOTAL`)."""
        hit = self.table[self.table["service"] == service]
        if hit.empty:
            shown = ", ".join(repr(s) for s in self.table["service"][:20])
            raise ParameterError(f"service {service!r} is not in the profile; services: {shown}")
        return hit.iloc[0]

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain JSON-ready dicts (NaN and NA become None)."""
        return [
            {str(k): _plain(v) for k, v in row.items()}
            for row in self.table.to_dict(orient="records")
        ]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "calendar": self.calendar,
            "filters": self.filters,
            "columns": list(self.table.columns),
            "services": self.records(),
        }
        if self.by:
            out["by"] = list(self.by)
        return out

    def to_json(self, path: str | os.PathLike[str]) -> Path:
        """Write the profile as JSON (UTF-8, atomically); returns the path."""
        from procsimp.core._atomic import write_text

        return write_text(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n")

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the table as CSV (UTF-8, atomically, spreadsheet formulas neutralised)."""
        from procsimp.core._atomic import write_text

        return write_text(path, neutralise_csv(self.table).to_csv(index=False, lineterminator="\n"))

    def to_text(self, *, width: int = 100) -> str:
        """A readable terminal table: one line per figure, one column per service (with a
        breakdown: one line per row, one column per figure)."""
        if self.by:
            shown = self.table.copy()
            for col in shown.columns:
                if col not in ("service", *self.by):
                    shown[col] = [_fmt(col, v) for v in shown[col]]
            return shown.to_string(index=False, na_rep="–")
        return format_profile(self.table, width=width)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        if self.by:
            return (
                f"<div><strong>procsimp profile</strong> <em>{html.escape(self.source)}</em> "
                f"by {html.escape(', '.join(self.by))}"
                + self.table.to_html(index=False, na_rep="–")
                + "</div>"
            )
        shown = _display_frame(self.table)
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
        body = "".join(
            "<tr><th style='text-align:left'>"
            + html.escape(str(label))
            + "</th>"
            + "".join(f"<td style='text-align:right'>{html.escape(str(v))}</td>" for v in row)
            + "</tr>"
            for label, row in zip(shown.index, shown.to_numpy(), strict=True)
        )
        return (
            f"<div><strong>procsimp profile</strong> <em>{html.escape(self.source)}</em>"
            f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )


# ---------------------------------------------------------------------------- helpers
def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value




def _fmt(column: str, value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in _PERCENT or column.startswith("channel_"):
        return f"{100 * float(value):.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if column == "statutory_days" and value.is_integer():
            return f"{int(value)}"
        return f"{value:,.2f}"
    return str(value)


def _display_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Figures as rows, services as columns, values as display strings."""
    columns = [c for c in table.columns if c != "service"]
    data = {
        str(service): [_fmt(c, row[c]) for c in columns]
        for service, (_, row) in zip(table["service"], table.iterrows(), strict=True)
    }
    labels = [LABELS.get(c, c.replace("channel_", "channel: ") if c.startswith("channel_") else c) for c in columns]
    return pd.DataFrame(data, index=labels)


def format_profile(table: pd.DataFrame, *, width: int = 100) -> str:
    """Text table of a profile, services side by side in blocks that fit ``width``."""
    shown = _display_frame(table)
    label_w = max((len(s) for s in shown.index), default=0)
    longest = max([len(str(n)) for n in shown.columns] + [len(v) for v in shown.to_numpy().ravel()], default=0)
    col_w = min(26, max(10, longest))
    per_block = max(1, (width - label_w - 2) // (col_w + 2))
    blocks = []
    names = list(shown.columns)
    for i in range(0, len(names), per_block):
        part = names[i : i + per_block]
        heads = [n if len(n) <= col_w else n[: col_w - 1] + "…" for n in part]
        lines = [" " * label_w + "  " + "  ".join(f"{h:>{col_w}}" for h in heads)]
        lines.append(" " * label_w + "  " + "  ".join("-" * col_w for _ in part))
        for label, row in shown[part].iterrows():
            lines.append(f"{label:<{label_w}}  " + "  ".join(f"{v:>{col_w}}" for v in row))
        lines.extend(f"  {h} = {n}" for h, n in zip(heads, part, strict=True) if h != n)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _row(cases: pd.DataFrame, sums: pd.DataFrame, channels: list[str], *, activities: int,
         variants: int) -> dict[str, Any]:
    """The headline figures of some dossiers: ``cases``, their lean rows (:func:`_lean`), and
    ``sums``, their counts per service and channel (:func:`procsimp.engine.case_sums`)."""
    n = len(cases)
    known = cases["on_time"].dropna()
    total = sums[["events", "handoffs", "units", "rework"]].sum()
    row: dict[str, Any] = {
        "cases": n,
        "events": int(total["events"]),
        "activities": activities,
        "variants": variants,
        **lead_stats(cases),
        "on_time_rate": float(known.astype(bool).mean()) if len(known) else pd.NA,
        "due_cases": len(known),
    }
    if channels:
        value = sums["channel"]
        for ch in channels:
            hits = sums["cases"][value.isna() if ch == "unknown" else value == ch].sum()
            row[f"channel_{ch}"] = int(hits) / n if n else np.nan
    # a mean of integers is their exact sum over their number, as pandas gives it
    for column, name in (("events", "steps_per_case"), ("handoffs", "handoffs_per_case"),
                         ("rework", "rework_rate"), ("units", "units_per_case")):
        row[name] = float(total[column]) / n if n else np.nan
    return row


# ---------------------------------------------------------------------------- the verb
def profile(
    log: EventLog,
    *,
    by: str | Sequence[str] | None = None,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    channel_map: str | os.PathLike[str] | Mapping[str, str] | None = None,
) -> Profile:
    """KPIs per service of ``log`` (see the module docstring); the log is not modified.

    ``by`` breaks the reform indicators down by ``month``, ``quarter``, ``unit`` and/or
    ``channel`` (a list, or a comma-separated string): a dossier belongs to the month of its
    receipt (of its first step when the log has no receipt time) and to the unit that did most
    of its steps. ``calendar`` is the work calendar for working days (default: Vietnamese public
    holidays, 07:30-11:30 and 13:30-17:00, Monday to Friday; or the ``calendar`` of
    :func:`procsimp.settings`). ``catalog`` as :func:`procsimp.catalog.resolve_catalog` reads it:
    None for the catalog of the settings (by default the bundled one), False for none, a path to
    a file that extends the bundled catalog, or a Catalog. ``channel_map`` maps channel values to classes (a
    YAML file or a dict; see :mod:`procsimp.profile.indicators`); an unknown channel value gives a
    :class:`procsimp.profile.indicators.ChannelWarning`.
    """
    from procsimp import engine
    from procsimp.catalog import resolve_catalog  # a part of procsimp: no fallback without it
    from procsimp.core.log import SERVICE
    from procsimp.engine.inputs import resolve_calendar
    from procsimp.profile.indicators import by_keys, load_channel_map

    keys = by_keys(by)
    cat = resolve_catalog(catalog)
    cal = resolve_calendar(calendar)
    mapping = load_channel_map(channel_map)
    progress.step("profile")
    agg = engine.aggregates(log, calendar=cal, catalog=cat, tables=("activities", "variants"))
    acts, var = agg.activities, agg.variants
    assert acts is not None and var is not None
    cases, sums, held = _per_dossier(log, calendar=cal, catalog=cat, channel_map=mapping)

    def per_dossier() -> tuple[pd.DataFrame, pd.DataFrame]:
        return held or _whole_tables(log, calendar=cal, catalog=cat, channel_map=mapping)

    if keys:
        return Profile(
            table=_breakdown(cases, keys, has_channel=log.has("channel")),
            source=log.source,
            calendar=cal.describe(),
            by=keys,
            per_dossier=per_dossier,
        )

    channels: list[str] = []
    raw = sums["channel"]
    if raw.notna().any():
        channels = sorted({str(c) for c in raw.dropna().unique()})
        if raw.isna().any():
            channels.append("unknown")

    services = sorted({str(s) for s in cases["service"].unique()})
    has_service = log.has(SERVICE)
    skip = set() if has_service else {engine.DEFAULT_SERVICE}
    found = {name: cat.get(name) for name in services if name not in skip}

    rows = []
    for name in services:
        sub = cases[cases["service"] == name]
        row = {
            "service": name,
            **_row(
                sub,
                sums[sums["service"] == name],
                channels,
                activities=int((acts["service"] == name).sum()),
                variants=int((var["service"] == name).sum()),
            ),
        }
        row.update(_indicators(sub, log))
        entry = found.get(name)
        row["in_catalog"] = pd.NA if name in skip else entry is not None
        row["catalog_id"] = getattr(entry, "id", None)
        days = getattr(entry, "statutory_days", None)
        row["statutory_days"] = float(days) if days is not None else np.nan
        rows.append(row)
    total = {
        "service": TOTAL,
        **_row(
            cases,
            sums,
            channels,
            activities=int(acts["activity"].nunique()),
            variants=len(set(var["variant"])),
        ),
        **_indicators(cases, log),
        "in_catalog": pd.NA,
        "catalog_id": None,
        "statutory_days": np.nan,
    }
    rows.append(total)
    from procsimp.core.log import RESOURCE, UNIT

    for row in rows:  # no figure for what the log does not record
        if not log.has(UNIT):
            row["units_per_case"] = np.nan
        if not log.has(UNIT) and not log.has(RESOURCE):
            row["handoffs_per_case"] = np.nan
    channel_cols = [f"channel_{c}" for c in channels]
    table = pd.DataFrame(rows, columns=[*_BASE_COLUMNS, *channel_cols, *_INDICATOR_COLUMNS, *_TAIL_COLUMNS])
    for col in ("cases", "events", "activities", "variants", "due_cases", "dossiers", "closed", "open_overdue"):
        table[col] = table[col].astype(np.int64)
    table["on_time_rate"] = pd.array(
        [None if v is pd.NA or v is None else float(v) for v in table["on_time_rate"]], dtype="Float64"
    )
    table["in_catalog"] = pd.array(
        [None if v is pd.NA else bool(v) for v in table["in_catalog"]], dtype="boolean"
    )
    table["catalog_id"] = table["catalog_id"].astype(object)
    return Profile(
        table=table,
        source=log.source,
        calendar={"label": cal.label(), **cal.describe()},
        filters=[dict(f) for f in log.filters],
        per_dossier=per_dossier,
    )


#: the columns of the per-dossier tables that the figures read (the counts and sums of integers
#: come from the engine's plan ``case_sums`` instead): the case table's and the dossier table's
_CASE_COLUMNS = ("service", "lead_days", "lead_workdays", "on_time")
_DOSSIER_COLUMNS = ("month", "quarter", "unit", "channel", "postal", "closed", "timeliness", "open_overdue")
#: those held as categories (a few distinct values each)
_CATEGORIES = ("service", "month", "quarter", "unit", "channel")


def _lean(cases: pd.DataFrame, dossiers: pd.DataFrame) -> pd.DataFrame:
    """The columns the figures read, one row per dossier, with the text as categories: some 60
    bytes a dossier, against kilobytes for the case and dossier tables (case ids, times, text)."""
    out = pd.DataFrame({**{c: cases[c].to_numpy() if c != "on_time" else cases[c].array for c in _CASE_COLUMNS},
                        **{c: dossiers[c].to_numpy() for c in _DOSSIER_COLUMNS}})
    for col in _CATEGORIES:
        out[col] = out[col].astype(object).astype("category")
    out["timeliness"] = pd.Categorical(dossiers["timeliness"], categories=["early", "on_time", "late"], ordered=True)
    return out


def _per_dossier(
    log: EventLog, *, calendar: WorkCalendar, catalog: Any, channel_map: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[pd.DataFrame, pd.DataFrame] | None]:
    """The lean per-dossier columns of the whole log (:func:`_lean`, in the log's case order),
    made a chunk of dossiers at a time (:func:`procsimp.engine.case_chunks.case_chunks`); the
    engine's counts per service and channel (:func:`procsimp.engine.case_sums`, the chunks' added
    up); and the whole case and dossier tables when the log is in memory (else None: they are not
    kept)."""
    from procsimp.core.log import CHANNEL, OUTCOME
    from procsimp.engine.case_chunks import case_chunks, chunked, last_completion
    from procsimp.profile.indicators import dossier_rows, unknown_channels, warn_unknown_channels

    end = last_completion(log, calendar=calendar)
    keep = not chunked(log)
    parts: list[tuple[np.ndarray, pd.DataFrame]] = []
    sums: list[pd.DataFrame] = []
    unknown: dict[str, int] = {}
    held = None
    for chunk in case_chunks(log, calendar=calendar, catalog=catalog):
        dossiers = dossier_rows(chunk.cases, chunk.marks, calendar=calendar, timezone=log.timezone,
                                channel_map=channel_map, has_outcome=log.has(OUTCOME),
                                log_end=pd.NaT if end is None else end)
        for value, n in unknown_channels(dossiers).items():
            unknown[value] = unknown.get(value, 0) + n
        parts.append((chunk.codes, _lean(chunk.cases, dossiers)))
        sums.append(chunk.sums)
        if keep:
            held = (chunk.cases, dossiers)
    if log.has(CHANNEL):
        warn_unknown_channels(unknown, log.source)
    total = pd.concat(sums, ignore_index=True)
    if len(sums) > 1:  # a service cut into ranges of its dossiers has rows in several chunks
        total = total.groupby(["service", "channel"], dropna=False, sort=False, as_index=False).sum()
    return _stacked(parts), total, held


def _stacked(parts: list[tuple[np.ndarray, pd.DataFrame]]) -> pd.DataFrame:
    """The chunks' lean rows together, in the order of their case codes (the log's case order,
    as one run over every dossier gives them)."""
    if len(parts) == 1:
        return parts[0][1]
    from pandas.api.types import union_categoricals

    order = np.argsort(np.concatenate([codes for codes, _ in parts]), kind="stable")
    columns: dict[str, Any] = {}
    for col in parts[0][1].columns:
        pieces = [frame[col] for _, frame in parts]
        if col in _CATEGORIES:
            columns[col] = pd.Categorical(union_categoricals([p.array for p in pieces]).take(order))
        else:
            columns[col] = pd.concat(pieces, ignore_index=True).array.take(order)
    return pd.DataFrame(columns)


def _whole_tables(
    log: EventLog, *, calendar: WorkCalendar, catalog: Any, channel_map: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The whole case and dossier tables of ``log`` (for :attr:`Profile.cases` out of core)."""
    import warnings

    from procsimp import engine
    from procsimp.profile.indicators import ChannelWarning, dossier_table

    cases = engine.case_table(log, calendar=calendar, catalog=catalog)
    with warnings.catch_warnings():  # the profile gave them
        warnings.simplefilter("ignore", ChannelWarning)
        return cases, dossier_table(log, calendar=calendar, catalog=catalog, channel_map=channel_map, cases=cases)


def _indicators(dossiers: pd.DataFrame, log: EventLog) -> dict[str, Any]:
    """The reform indicators of one service (or all) for the per-service table; the on-time
    rate is over the closed dossiers with a due date (NA when there is none)."""
    from procsimp.profile.indicators import indicator_row

    row = indicator_row(dossiers, has_channel=log.has("channel"))
    out = {k: row[k] for k in _INDICATOR_COLUMNS}
    rate = row["on_time_rate"]
    out["on_time_rate"] = pd.NA if rate is None or (isinstance(rate, float) and math.isnan(rate)) else rate
    return out


def _breakdown(dossiers: pd.DataFrame, keys: tuple[str, ...], *, has_channel: bool) -> pd.DataFrame:
    """One row per service and combination of ``keys`` (then the same over all services), with
    the indicators of :mod:`procsimp.profile.indicators`. Missing key values show as None."""
    from procsimp.profile.indicators import INDICATORS, indicator_row

    frame = dossiers.copy()
    frame["service"] = frame["service"].astype(object)
    for key in keys:
        frame[key] = frame[key].astype(object).where(frame[key].notna(), "(none)")
    rows: list[dict[str, Any]] = []
    for service, part in [*frame.groupby("service", sort=True), (TOTAL, frame)]:
        for values, group in part.groupby(list(keys), sort=True):
            values = values if isinstance(values, tuple) else (values,)
            row: dict[str, Any] = {"service": str(service)}
            row.update({k: (None if v == "(none)" else v) for k, v in zip(keys, values, strict=True)})
            row.update(indicator_row(group, has_channel=has_channel))
            rows.append(row)
    table = pd.DataFrame(rows, columns=["service", *keys, *INDICATORS])
    for col in ("dossiers", "closed", "open_overdue"):
        table[col] = table[col].astype(np.int64)
    return table
