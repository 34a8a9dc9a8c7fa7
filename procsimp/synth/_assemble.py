"""Turn the engine's arrays into EventLogs, case ids and KPIs."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from procsimp.core.calendar import WorkCalendar
from procsimp.core.log import (
    ACTIVITY,
    CASE,
    CHANNEL,
    DUE,
    OUTCOME,
    RECEIVED,
    RESOURCE,
    ROLES,
    SERVICE,
    START,
    TIMESTAMP,
    UNIT,
    ColumnMapping,
    EventLog,
)
from procsimp.synth._engine import CHANNEL_LABELS, OUTCOME_LABELS, Officers, ServiceRun
from procsimp.synth.templates import Template

__all__ = ["assemble", "case_ids"]

_NS = 1_000_000_000
_DAY = 86_400 * _NS


def case_ids(prefix: str, received_local_ns: np.ndarray) -> np.ndarray:
    """Dossier ids like Vietnamese one-stop-shop receipts: ``KS-250102-0003`` (prefix-yymmdd-seq).

    ``received_local_ns`` must be sorted; the sequence restarts every day.
    """
    n = len(received_local_ns)
    if n == 0:
        return np.zeros(0, dtype=object)
    day = received_local_ns // _DAY
    _, first, inverse = np.unique(day, return_index=True, return_inverse=True)
    seq = np.arange(n) - first[inverse] + 1
    width = max(4, len(str(int(seq.max()))))
    stamps = pd.DatetimeIndex(received_local_ns.view("datetime64[ns]")).strftime("%y%m%d")
    return np.array([f"{prefix}-{d}-{s:0{width}d}" for d, s in zip(stamps, seq, strict=True)], dtype=object)


def _round_s(ns: np.ndarray) -> np.ndarray:
    return np.floor_divide(ns + _NS // 2, _NS) * _NS


def _times(calendar: WorkCalendar, w: np.ndarray) -> np.ndarray:
    """Working minutes -> UTC ns (int64), rounded to the second."""
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    return _round_s(calendar.from_work_minutes(w).as_unit("ns").asi8)


def _sorted_events(run: ServiceRun, ev: dict[str, np.ndarray], calendar: WorkCalendar,
                   case_rank: np.ndarray) -> dict[str, np.ndarray]:
    start = _times(calendar, ev["start"])
    end = _times(calendar, ev["end"])
    order = np.lexsort((np.arange(len(end)), end, case_rank[ev["case"].astype(np.int64)]))
    return {
        "case": ev["case"][order].astype(np.int64),
        "key": ev["key"][order].astype(np.int64),
        "start": start[order],
        "end": end[order],
        "officer": ev["officer"][order].astype(np.int64),
        "rejected": ev["rejected"],
    }


def _kpis(ev: dict[str, np.ndarray], n: int, received: np.ndarray, due: np.ndarray,
          officer_unit: np.ndarray, calendar: WorkCalendar, tz: str) -> dict[str, float]:
    """KPIs of one service's dossiers (events sorted by case then completion)."""
    if n == 0 or len(ev["case"]) == 0:
        return {"cases": 0, "events": 0}
    case = ev["case"]
    change = np.flatnonzero(case[1:] != case[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(case)]]) - 1
    which = case[starts]
    last_end = np.empty(n, dtype=np.int64)
    last_end[which] = ev["end"][ends]
    steps = np.zeros(n)
    steps[which] = ends - starts + 1
    same_case = case[1:] == case[:-1]
    handoff = same_case & (ev["officer"][1:] != ev["officer"][:-1])
    handoffs = np.bincount(case[1:][handoff], minlength=n)
    unit = officer_unit[ev["officer"]]
    pairs = np.unique(case * 1000 + unit)
    units = np.bincount(pairs // 1000, minlength=n)
    rec = pd.DatetimeIndex(received.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    last = pd.DatetimeIndex(last_end.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    lead_w = calendar.working_days_between(rec, last)
    lead_d = (last_end - received) / _DAY
    on_time = last_end <= due

    def r(x: float) -> float:
        return round(float(x), 4)

    return {
        "cases": int(n),
        "events": int(len(case)),
        "steps_per_case": r(steps.mean()),
        "lead_time_workdays_mean": r(lead_w.mean()),
        "lead_time_workdays_median": r(np.median(lead_w)),
        "lead_time_workdays_p90": r(np.quantile(lead_w, 0.9)),
        "lead_time_days_mean": r(lead_d.mean()),
        "lead_time_days_median": r(np.median(lead_d)),
        "lead_time_days_p90": r(np.quantile(lead_d, 0.9)),
        "on_time_rate": r(on_time.mean()),
        "rejected_share": r(ev["rejected"].mean()),
        "handoffs_per_case": r(handoffs.mean()),
        "units_per_case": r(units.mean()),
    }


def assemble(
    runs: list[tuple[Template, ServiceRun, dict[str, Any]]],
    officers: Officers,
    *,
    lang: str,
    calendar: WorkCalendar,
    to_be: bool,
    calendars: Sequence[WorkCalendar] | None = None,
) -> tuple[EventLog, EventLog | None, list[dict[str, dict[str, float]]]]:
    """Build the as-is (and to-be) EventLogs and the per-service KPIs.

    ``calendars``: one calendar per run when the services keep different office hours (the
    random family); all in the timezone of ``calendar``.
    """

    tz = calendar.timezone
    # ---- case ids, global order
    ids_per_run = [case_ids(tpl.prefix, run.received_ns) for tpl, run, _ in runs]
    all_ids = np.concatenate(ids_per_run) if ids_per_run else np.zeros(0, dtype=object)
    order = np.argsort(all_ids.astype(str), kind="stable")
    rank = np.empty(len(all_ids), dtype=np.int64)
    rank[order] = np.arange(len(all_ids))
    offsets = np.cumsum([0] + [run.n for _, run, _ in runs])
    case_categories = pd.Index(all_ids[order].astype(str))

    # ---- text categories
    unit_keys = sorted(set(officers.unit_keys))
    unit_index = {u: i for i, u in enumerate(unit_keys)}
    officer_unit = np.array([unit_index[u] for u in officers.unit_keys], dtype=np.int64)
    any_tpl = runs[0][0] if runs else None
    owner = {u: tpl for tpl, _, _ in runs for u in getattr(tpl, "unit_keys", ())}
    unit_labels = [owner.get(u, any_tpl).unit_label(u, lang) if any_tpl else u for u in unit_keys]
    cals = list(calendars) if calendars is not None else [calendar] * len(runs)
    labels: list[str] = sorted({tpl.label(k, lang) for tpl, run, _ in runs for k in run.keys})
    label_index = {lab: i for i, lab in enumerate(labels)}
    services = [meta["name"] for _, _, meta in runs]

    received_utc = []
    due_utc = []
    for (_tpl, run, _), cal in zip(runs, cals, strict=True):
        rec = pd.DatetimeIndex(run.received_ns.view("datetime64[ns]")).tz_localize(tz)
        received_utc.append(rec.as_unit("ns").asi8)
        due_utc.append(_times(cal, run.w_due))

    def build(which: str) -> tuple[EventLog, list[dict[str, float]]]:
        frames: dict[str, list[np.ndarray]] = {k: [] for k in ("case", "act", "start", "end", "officer", "svc", "chan", "out", "rec", "due")}
        kpis = []
        for i, (tpl, run, _meta) in enumerate(runs):
            ev_raw = run.as_is if which == "as_is" else run.to_be
            assert ev_raw is not None
            r = rank[offsets[i]:offsets[i + 1]]
            ev = _sorted_events(run, ev_raw, cals[i], r)
            kpis.append(_kpis(ev, run.n, received_utc[i], due_utc[i], officer_unit, cals[i], tz))
            lut = np.array([label_index[tpl.label(k, lang)] for k in run.keys], dtype=np.int64)
            c = ev["case"]
            frames["case"].append(r[c])
            frames["act"].append(lut[ev["key"]] if len(lut) else ev["key"])
            frames["start"].append(ev["start"])
            frames["end"].append(ev["end"])
            frames["officer"].append(ev["officer"])
            frames["svc"].append(np.full(len(c), i, dtype=np.int64))
            frames["chan"].append(run.channel[c].astype(np.int64))
            frames["out"].append(ev["rejected"][c].astype(np.int64))
            frames["rec"].append(received_utc[i][c])
            frames["due"].append(due_utc[i][c])
        cat = {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in frames.items()}
        glob = np.lexsort((np.arange(len(cat["case"])), cat["end"], cat["case"]))
        cat = {k: v[glob] for k, v in cat.items()}

        def times(ns: np.ndarray) -> pd.Series:
            return pd.Series(pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz))

        def categorical(codes: np.ndarray, categories: list[str] | pd.Index) -> pd.Categorical:
            """NFC categories in sorted order, as the readers make them."""
            labels = np.array([unicodedata.normalize("NFC", str(c)) for c in categories], dtype=object)
            uniq, inverse = np.unique(labels, return_inverse=True)
            new_codes = np.where(codes >= 0, inverse[np.maximum(codes, 0)], -1) if len(labels) else codes
            cat = pd.Categorical.from_codes(new_codes, categories=pd.Index(uniq.astype(str)))
            return cat.remove_unused_categories()

        df = pd.DataFrame({
            CASE: categorical(cat["case"], case_categories),
            ACTIVITY: categorical(cat["act"], labels),
            TIMESTAMP: times(cat["end"]),
            START: times(cat["start"]),
            RESOURCE: categorical(cat["officer"], officers.names),
            UNIT: categorical(officer_unit[cat["officer"]], unit_labels),
            SERVICE: categorical(cat["svc"], services),
            CHANNEL: categorical(cat["chan"], list(CHANNEL_LABELS[lang])),
            RECEIVED: times(cat["rec"]),
            DUE: times(cat["due"]),
            OUTCOME: categorical(cat["out"], list(OUTCOME_LABELS[lang])),
        })
        source = "procsimp.synth" + ("" if which == "as_is" else " (to-be)")
        # the frame is already what a reader makes (sorted, NFC categoricals, tz-aware times)
        mapping = ColumnMapping(columns={role: col for role, col in ROLES.items() if col in df.columns},
                                how={role: "standard" for role, col in ROLES.items() if col in df.columns})
        return EventLog(df=df, mapping=mapping, source=source, timezone=tz), kpis

    log, kpi_as_is = build("as_is")
    tb, kpi_to_be = build("to_be") if to_be else (None, None)
    kpis = []
    for i in range(len(runs)):
        k = {"as_is": kpi_as_is[i]}
        if kpi_to_be is not None:
            k["to_be"] = kpi_to_be[i]
        kpis.append(k)
    return log, tb, kpis
