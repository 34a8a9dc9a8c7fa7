"""Filters that narrow a log to the dossiers (or steps) an analyst wants to look at.

:func:`filter_log` (``procsimp.filter_log``) and every CLI command (``--from``, ``--to``, ``--where``,
``--starts-with``, ``--ends-with``, ``--variants``, ``--lead-time``, ``--min-case-share``) share
this module, so a filter means the same in Python and on the command line. Each filter returns a
new log; the log remembers the filters applied to it (:attr:`EventLog.filters`), with the dossiers
before and after each one, and every output writes them.

Filters apply in this order, each to what the previous one kept:

1. **time frame** (``time_from`` / ``time_to``): whole dossiers, by ``frame``:
   ``"intersecting"`` (default; the dossier's first event is before ``to`` and its last after
   ``from``), ``"contained"`` (first event at or after ``from`` and last at or before ``to``),
   ``"started"`` (first event within the frame) or ``"ended"`` (last event within it). A dossier's
   times are its events' completion times, as in pm4py's ``filter_time_range``; a date without a
   time of day in ``time_to`` includes that whole day;
2. **attributes** (``where``): ``ATTR=VALUE``, ``ATTR!=VALUE``, ``ATTR in V1|V2``,
   ``ATTR not in V1|V2``; whole dossiers: ``=`` / ``in`` keep a dossier with at least one event
   carrying a value, ``!=`` / ``not in`` keep a dossier with none (pm4py's
   ``filter_event_attribute_values`` at case level). ``ATTR`` is a role (``service``, ``unit``,
   ``resource``, ``channel``, ``outcome``, ``activity``), the source header of a mapped column
   (``kenh``) or any other column of the log;
3. **endpoints** (``starts_with`` / ``ends_with``): dossiers whose first (last) step is one of
   the given steps;
4. **performance** (``lead_time``): dossiers whose elapsed time from first to last event
   compares as asked: ``>30d``, ``>=2w``, ``<12h``, ``<=5d`` or a range ``5d..30d`` (inclusive);
   units ``h`` (hours), ``d`` (days), ``w`` (weeks);
5. **variants** (``variants``): ``top:K`` keeps the dossiers of the K most frequent variants of
   their service, ``share:X`` those whose variant is followed by at least X of their service's
   dossiers (X a share such as ``0.05`` or a percentage such as ``5%``); among variants with the
   same count, the order is the engine's (by count, then by the variant's step codes);
6. **steps** (``min_case_share``): only the steps found in at least that share of the dossiers
   are kept (their events; other events are dropped, and a dossier left with no event goes).

A filter that keeps no dossier raises :class:`~procsimp.errors.ParameterError` naming it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.core.log import ACTIVITY, CASE, ROLES, TIME_ROLES, TIMESTAMP
from procsimp.engine import filters_sql
from procsimp.engine.filters_sql import _ROLE_ALIASES, _nfc
from procsimp.errors import ParameterError
from procsimp.read.parquet_kept import Kept

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.log import EventLog

__all__ = [
    "FRAME_MODES",
    "FilterSpec",
    "WhereClause",
    "LeadTime",
    "parse_where",
    "parse_lead_time",
    "parse_variants",
    "parse_share",
    "parse_time_bound",
    "filter_log",
    "describe_filters",
    "run_metadata",
]

FRAME_MODES: tuple[str, ...] = ("intersecting", "contained", "started", "ended")

WHERE_FORMS = "ATTR=VALUE, ATTR!=VALUE, 'ATTR in V1|V2' or 'ATTR not in V1|V2' (e.g. unit=One-stop shop)"
LEAD_TIME_FORMS = ">30d, >=2w, <12h, <=5d or a range 5d..30d (units h, d, w)"
VARIANTS_FORMS = "top:K (e.g. top:10) or share:X (e.g. share:0.05 or share:5%)"
SHARE_FORMS = "a share from 0 to 1 (0.05) or a percentage (5%)"
TIME_FORMS = "a date or a date and time, e.g. 2025-01-31 or '2025-01-31 17:00' (ISO 8601)"

_UNITS = {"h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


# ---------------------------------------------------------------------------- parsed filters
@dataclass(frozen=True)
class WhereClause:
    """One ``--where``: ``attribute`` ``op`` (``=``, ``!=``, ``in``, ``not in``) ``values``."""

    attribute: str
    op: str
    values: tuple[str, ...]

    @property
    def keep(self) -> bool:
        """Whether dossiers with a matching event are kept (``=``, ``in``) or dropped."""
        return self.op in ("=", "in")

    def __str__(self) -> str:
        if self.op in ("in", "not in"):
            return f"{self.attribute} {self.op} {'|'.join(self.values)}"
        return f"{self.attribute}{self.op}{self.values[0]}"


@dataclass(frozen=True)
class LeadTime:
    """Bounds on a dossier's elapsed time in seconds; ``None`` is open; ``strict`` per bound."""

    low: float | None
    high: float | None
    low_strict: bool = False
    high_strict: bool = False
    text: str = ""

    def mask(self, seconds: np.ndarray) -> np.ndarray:
        ok = np.ones(len(seconds), dtype=bool)
        if self.low is not None:
            ok &= seconds > self.low if self.low_strict else seconds >= self.low
        if self.high is not None:
            ok &= seconds < self.high if self.high_strict else seconds <= self.high
        return ok

    def __str__(self) -> str:
        return self.text


def parse_where(text: str | WhereClause) -> WhereClause:
    """``"unit=One-stop shop"`` / ``"channel!=online"`` / ``"service in A|B"`` -> a clause."""
    if isinstance(text, WhereClause):
        return text
    raw = _nfc(text)
    m = re.fullmatch(r"(?P<attr>[^=!]+?)\s+(?P<op>not\s+in|in)\s+(?P<vals>.+)", raw, flags=re.IGNORECASE)
    if m:
        values = tuple(v.strip() for v in m["vals"].split("|"))
        op = "not in" if m["op"].lower().startswith("not") else "in"
    else:
        m = re.fullmatch(r"(?P<attr>[^=!]+?)\s*(?P<op>!=|=)\s*(?P<vals>.*)", raw)
        if not m:
            raise ParameterError(f"--where {text!r} is not a condition; write {WHERE_FORMS}")
        values, op = (m["vals"].strip(),), m["op"]
    attr = m["attr"].strip()
    if not attr or any(v == "" for v in values):
        raise ParameterError(
            f"--where {text!r} has an empty attribute or value; write {WHERE_FORMS}"
        )
    return WhereClause(attr, op, values)


def parse_lead_time(text: str | LeadTime) -> LeadTime:
    """``">30d"`` / ``">=2w"`` / ``"<12h"`` / ``"5d..30d"`` -> :class:`LeadTime` (seconds)."""
    if isinstance(text, LeadTime):
        return text
    raw = str(text).strip().replace(" ", "").lower()

    def amount(part: str) -> float:
        m = re.fullmatch(r"(\d+(?:\.\d+)?|\.\d+)([hdw])", part)
        if not m:
            raise ParameterError(f"--lead-time {text!r}: {part!r} is not a duration; write {LEAD_TIME_FORMS}")
        return float(m[1]) * _UNITS[m[2]]

    if ".." in raw:
        lo, _, hi = raw.partition("..")
        low, high = amount(lo), amount(hi)
        if high < low:
            raise ParameterError(f"--lead-time {text!r} runs backwards; write the shorter time first, e.g. 5d..30d")
        return LeadTime(low, high, text=f"{lo}..{hi}")
    m = re.fullmatch(r"(>=|<=|>|<|=)?(.*)", raw)
    assert m is not None
    op, rest = m[1], m[2]
    if op is None or not rest:
        raise ParameterError(f"--lead-time {text!r} needs a comparison; write {LEAD_TIME_FORMS}")
    value = amount(rest)
    label = f"{op}{rest}"
    if op == "=":
        return LeadTime(value, value, text=label)
    if op.startswith(">"):
        return LeadTime(value, None, low_strict=op == ">", text=label)
    return LeadTime(None, value, high_strict=op == "<", text=label)


def parse_share(text: str | float, *, option: str = "--min-case-share") -> float:
    """``0.05`` or ``"5%"`` -> 0.05; a number above 1 without ``%`` is refused (ambiguous)."""
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise ParameterError(f"{option} {text!r} is not a share; write {SHARE_FORMS}") from None
    if percent:
        value /= 100.0
    if not math.isfinite(value) or not 0 < value <= 1:
        hint = f"; for {value:g}% write {value:g}%" if not percent and 1 < value <= 100 else ""
        raise ParameterError(f"{option} {text!r} is not above 0 and at most 1 (100%); write {SHARE_FORMS}{hint}")
    return value


def parse_variants(text: str) -> tuple[str, float]:
    """``"top:10"`` -> ``("top", 10)``; ``"share:5%"`` -> ``("share", 0.05)``."""
    kind, sep, value = str(text).strip().partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in ("top", "share"):
        raise ParameterError(f"--variants {text!r} is not a variant filter; write {VARIANTS_FORMS}")
    if kind == "top":
        if not value.strip().isdigit() or int(value) < 1:
            raise ParameterError(f"--variants {text!r}: K must be a whole number of at least 1; write {VARIANTS_FORMS}")
        return "top", int(value)
    return "share", parse_share(value, option=f"--variants {text!r}:")


def parse_time_bound(value: Any, timezone: str, *, end: bool, option: str) -> pd.Timestamp:
    """A ``--from`` / ``--to`` value as an aware Timestamp; a bare date as ``--to`` means the
    end of that day (the last microsecond); naive values are times of the log's timezone."""
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "year"):
        ts = pd.Timestamp(value)
        bare_date = not hasattr(value, "hour")
    else:
        text = str(value).strip()
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            raise ParameterError(f"{option} {value!r} is not a time; write {TIME_FORMS}") from None
        bare_date = re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text) is not None
    if ts is pd.NaT:
        raise ParameterError(f"{option} {value!r} is not a time; write {TIME_FORMS}")
    if ts.tzinfo is None:
        ts = ts.tz_localize(timezone)
    if end and bare_date:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts


# ---------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class FilterSpec:
    """Every filter of one call, parsed and checked; :meth:`apply` runs them on a log."""

    time_from: Any = None
    time_to: Any = None
    frame: str = "intersecting"
    where: tuple[WhereClause, ...] = ()
    starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    lead_time: LeadTime | None = None
    variants: tuple[str, float] | None = None
    min_case_share: float | None = None
    _texts: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls,
        *,
        time_from: Any = None,
        time_to: Any = None,
        frame: str = "intersecting",
        where: Iterable[str | WhereClause] | Mapping[str, Any] | str | None = None,
        starts_with: Iterable[str] | str | None = None,
        ends_with: Iterable[str] | str | None = None,
        lead_time: str | LeadTime | None = None,
        variants: str | None = None,
        min_case_share: float | str | None = None,
    ) -> FilterSpec:
        if frame not in FRAME_MODES:
            raise ParameterError(f"frame {frame!r} is not a frame mode; use one of: {', '.join(FRAME_MODES)}")
        if isinstance(where, Mapping):
            clauses = tuple(WhereClause(str(k), "=", (_nfc(str(v)),)) for k, v in where.items())
        elif isinstance(where, str):
            clauses = (parse_where(where),)
        else:
            clauses = tuple(parse_where(w) for w in (where or ()))
        return cls(
            time_from=time_from,
            time_to=time_to,
            frame=frame,
            where=clauses,
            starts_with=_steps(starts_with),
            ends_with=_steps(ends_with),
            lead_time=None if lead_time is None else parse_lead_time(lead_time),
            variants=None if variants is None else parse_variants(variants),
            min_case_share=None if min_case_share is None else parse_share(min_case_share),
        )

    @property
    def active(self) -> bool:
        return bool(
            self.time_from is not None or self.time_to is not None or self.where or self.starts_with
            or self.ends_with or self.lead_time is not None or self.variants is not None
            or self.min_case_share is not None
        )

    def apply(self, log: EventLog) -> EventLog:
        """The log narrowed by every filter, in the module's order; records each on the log."""
        if not self.active:
            return log
        records = list(log.filters)
        current = log
        if self.time_from is not None or self.time_to is not None:
            current = _step(current, records, "time frame", self._frame_text(current), _frame_mask(current, self))
        for clause in self.where:
            current = _step(current, records, "where", str(clause), _where_mask(current, clause))
        for what, steps, first in (("starts with", self.starts_with, True), ("ends with", self.ends_with, False)):
            if steps:
                current = _step(current, records, what, " | ".join(steps), _endpoint_mask(current, steps, first=first))
        if self.lead_time is not None:
            current = _step(current, records, "lead time", str(self.lead_time), _lead_time_mask(current, self.lead_time))
        if self.variants is not None:
            kind, value = self.variants
            text = f"top:{int(value)}" if kind == "top" else f"share:{value:g}"
            current = _step(current, records, "variants", text, _variant_mask(current, kind, value))
        if self.min_case_share is not None:
            current = _step(
                current, records, "steps in at least", f"{self.min_case_share * 100:.4g}% of dossiers",
                _step_mask(current, self.min_case_share),
            )
        return current.replace(filters=tuple(records))

    def _frame_text(self, log: EventLog) -> str:
        lo = "" if self.time_from is None else _bound(self.time_from, log, end=False, option="--from").isoformat()
        hi = "" if self.time_to is None else _bound(self.time_to, log, end=True, option="--to").isoformat()
        return f"{lo or '…'} to {hi or '…'} (dossiers {self.frame})"


def _steps(value: Iterable[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(_nfc(s) for s in items if _nfc(s)))


def _bound(value: Any, log: EventLog, *, end: bool, option: str) -> pd.Timestamp:
    return parse_time_bound(value, log.timezone, end=end, option=option)


# ---------------------------------------------------------------------------- masks
def _case_codes(log: EventLog) -> tuple[np.ndarray, int]:
    case = log.df[CASE]
    if not isinstance(case.dtype, pd.CategoricalDtype):
        case = case.astype("category")
    return case.cat.codes.to_numpy().astype(np.int64), len(case.cat.categories)


def _per_case(log: EventLog) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(case code of each event, index of each case's first event, of its last event, n codes).

    Events of a case are contiguous and time-ordered (an EventLog invariant), so a case's first
    and last events are the first and last rows of its block."""
    codes, n = _case_codes(log)
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate([[0], change]) if len(codes) else np.zeros(0, dtype=np.int64)
    ends = np.concatenate([change - 1, [len(codes) - 1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    return codes, starts, ends, n


def _expand(codes: np.ndarray, starts: np.ndarray, keep_case: np.ndarray, n: int) -> np.ndarray:
    """A per-case decision (one per block, in block order) as a per-event mask."""
    keep_code = np.zeros(n, dtype=bool)
    keep_code[codes[starts]] = keep_case
    return keep_code[codes]


def _frame_mask(log: EventLog, spec: FilterSpec) -> np.ndarray | Kept:
    lo = None if spec.time_from is None else _bound(spec.time_from, log, end=False, option="--from")
    hi = None if spec.time_to is None else _bound(spec.time_to, log, end=True, option="--to")
    if lo is not None and hi is not None and hi < lo:
        raise ParameterError(f"--to {spec.time_to!r} is before --from {spec.time_from!r}; give --from first in time")
    if log.out_of_core:
        return filters_sql.frame_kept(log, spec.frame, lo, hi)
    codes, starts, ends, n = _per_case(log)
    ts = log.df[TIMESTAMP]
    first = ts.iloc[starts].reset_index(drop=True)
    last = ts.iloc[ends].reset_index(drop=True)
    keep = np.ones(len(starts), dtype=bool)
    if spec.frame == "contained":
        if lo is not None:
            keep &= (first >= lo).to_numpy()
        if hi is not None:
            keep &= (last <= hi).to_numpy()
    elif spec.frame == "intersecting":  # pm4py: min < to and max > from
        if hi is not None:
            keep &= (first < hi).to_numpy()
        if lo is not None:
            keep &= (last > lo).to_numpy()
    else:
        point = first if spec.frame == "started" else last
        if lo is not None:
            keep &= (point >= lo).to_numpy()
        if hi is not None:
            keep &= (point <= hi).to_numpy()
    return _expand(codes, starts, keep, n)


def _column_for(log: EventLog, attribute: str) -> str:
    name = _ROLE_ALIASES.get(attribute.strip().lower(), attribute.strip())
    column = ROLES.get(name.lower(), name)
    if column in log.df.columns:
        return column
    if f"case:{name}" in log.df.columns:
        return f"case:{name}"
    by_source = {_nfc(src): ROLES[role] for role, src in log.mapping.columns.items()}
    if _nfc(attribute) in by_source and by_source[_nfc(attribute)] in log.df.columns:
        return by_source[_nfc(attribute)]  # the source file's header of a mapped column
    roles = [r for r, c in ROLES.items() if c in log.df.columns and r not in TIME_ROLES]
    others = [c for c in log.df.columns if c not in ROLES.values()]
    raise ParameterError(
        f"--where: the log {log.source} has no attribute {attribute!r}; use a role "
        f"({', '.join(roles)}) or a column ({', '.join(others[:15]) or 'none other'})"
    )


def _where_mask(log: EventLog, clause: WhereClause) -> np.ndarray | Kept:
    if log.out_of_core:
        kept = filters_sql.where_kept(log, clause)
        if kept is not None:
            return kept  # (else a time or a column that is not text: compared in memory, as read)
    column = _column_for(log, clause.attribute)
    values = log.df[column]
    wanted = {_nfc(v) for v in clause.values}
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = np.array([_nfc(str(c)) for c in values.cat.categories], dtype=object)
        hit_cat = np.isin(cats, list(wanted))
        codes = values.cat.codes.to_numpy()
        hit = np.where(codes >= 0, hit_cat[np.maximum(codes, 0)], False)
        present = set(cats)
    else:
        text = values.astype(object).where(values.notna(), None).map(lambda v: None if v is None else _nfc(str(v)))
        hit = text.isin(wanted).to_numpy()
        present = set(text.dropna().unique())
    missing = sorted(wanted - present)
    if missing:
        shown = ", ".join(repr(v) for v in sorted(present)[:12]) or "(none: the column is empty)"
        raise ParameterError(
            f"--where {clause}: {missing[0]!r} is not a value of {clause.attribute!r} in {log.source}; "
            f"values there: {shown}"
        )
    codes, starts, _, n = _per_case(log)
    any_hit = np.zeros(n, dtype=bool)
    any_hit[codes[hit]] = True
    keep_case = any_hit[codes[starts]]
    if not clause.keep:
        keep_case = ~keep_case
    return _expand(codes, starts, keep_case, n)


def _check_steps(log: EventLog, steps: tuple[str, ...], option: str) -> None:
    known = set(log.activities)
    unknown = [s for s in steps if s not in known]
    if unknown:
        shown = ", ".join(repr(a) for a in sorted(known)[:15])
        raise ParameterError(f"{option} {unknown[0]!r} is not a step of {log.source}; steps there: {shown}")


def _endpoint_mask(log: EventLog, steps: tuple[str, ...], *, first: bool) -> np.ndarray | Kept:
    _check_steps(log, steps, "--starts-with" if first else "--ends-with")
    if log.out_of_core:
        return filters_sql.endpoint_kept(log, steps, first=first)
    codes, starts, ends, n = _per_case(log)
    acts = log.df[ACTIVITY].astype(str).to_numpy()
    at = acts[starts if first else ends]
    return _expand(codes, starts, np.isin(at, list(steps)), n)


def _lead_time_mask(log: EventLog, bounds: LeadTime) -> np.ndarray | Kept:
    if log.out_of_core:
        return filters_sql.lead_time_kept(log, bounds)
    codes, starts, ends, n = _per_case(log)
    ns = log.df[TIMESTAMP].dt.as_unit("ns").array.asi8
    seconds = (ns[ends] - ns[starts]) / 1e9
    return _expand(codes, starts, bounds.mask(seconds), n)


def _variant_mask(log: EventLog, kind: str, value: float) -> np.ndarray | Kept:
    from procsimp import engine
    kept = engine.filter_variants(
        log, top=int(value) if kind == "top" else None, min_share=value if kind == "share" else None
    )
    if log.out_of_core:  # the same files, keeping the dossiers of those variants
        return kept.parquet.kept[-1] if kept is not log else Kept()
    return log.df[CASE].isin(set(kept.df[CASE].astype(str))).to_numpy()


def _step_mask(log: EventLog, share: float) -> np.ndarray | Kept:
    if log.out_of_core:
        return filters_sql.step_kept(log, share)
    frame = pd.DataFrame({"case": log.df[CASE], "act": log.df[ACTIVITY]})
    cases_per_step = frame.drop_duplicates().groupby("act", observed=True)["case"].size()
    n_cases = log.n_cases
    kept = cases_per_step.index[cases_per_step.to_numpy() >= share * n_cases - 1e-9]
    return log.df[ACTIVITY].isin(kept).to_numpy()


def _step(
    log: EventLog, records: list[dict[str, Any]], what: str, text: str, mask: np.ndarray | Kept
) -> EventLog:
    """``log`` narrowed by a mask over its events, or (left on its files) by what a filter keeps."""
    before_cases, before_events = log.n_cases, log.n_events
    if isinstance(mask, Kept):
        out = log.replace(parquet=log.parquet.keeping(mask))
    elif mask.all():
        out = log
    else:
        df = log.df.loc[mask].reset_index(drop=True)
        for col in df.columns:
            if isinstance(df[col].dtype, pd.CategoricalDtype):
                df[col] = df[col].cat.remove_unused_categories()
        out = log.replace(df=df)
    after_cases = out.n_cases
    if after_cases == 0:
        raise ParameterError(
            f"the filter '{what} {text}' keeps none of the {before_cases:,} dossiers of {log.source}; "
            "loosen it or check its value"
        )
    records.append(
        {
            "filter": what,
            "value": text,
            "cases_before": before_cases,
            "cases_after": after_cases,
            "events_before": before_events,
            "events_after": out.n_events,
        }
    )
    return out


def filter_log(
    log: EventLog,
    *,
    time_from: Any = None,
    time_to: Any = None,
    frame: str = "intersecting",
    where: Iterable[str] | Mapping[str, Any] | str | None = None,
    starts_with: Iterable[str] | str | None = None,
    ends_with: Iterable[str] | str | None = None,
    lead_time: str | None = None,
    variants: str | None = None,
    min_case_share: float | str | None = None,
) -> EventLog:
    """A new log narrowed to some dossiers (or steps); ``log`` is not changed. The filters, their
    forms and their order are in this module's docstring; the new log lists what was applied in
    :attr:`EventLog.filters`.

    >>> filter_log(log, time_from="2025-01-01", time_to="2025-03-31", where="channel=online")  # doctest: +SKIP
    """
    return FilterSpec.build(
        time_from=time_from, time_to=time_to, frame=frame, where=where,
        starts_with=starts_with, ends_with=ends_with, lead_time=lead_time,
        variants=variants, min_case_share=min_case_share,
    ).apply(log)


#: the filters' names in Vietnamese, for the report
_FILTER_NAMES_VI = {
    "time frame": "khung thời gian", "where": "điều kiện", "starts with": "bắt đầu bằng bước",
    "ends with": "kết thúc bằng bước", "lead time": "thời gian giải quyết", "variants": "biến thể",
    "steps in at least": "các bước có trong ít nhất",
}


_FRAME_MODES_VI = {"intersecting": "giao với khung", "contained": "nằm trọn trong khung",
                   "started": "bắt đầu trong khung", "ended": "kết thúc trong khung"}


def describe_filters(records: Iterable[Mapping[str, Any]], *, lang: str = "en") -> list[str]:
    """One line per applied filter: ``where unit=X: 1,234 of 5,000 dossiers kept`` (``lang="vi"``:
    ``điều kiện unit=X: giữ 1,234/5,000 hồ sơ``)."""
    lines = []
    for r in records:
        if lang == "vi":
            name = _FILTER_NAMES_VI.get(r["filter"], r["filter"])
            value = str(r["value"]).replace(" to ", " đến ")
            if r["filter"].startswith("steps"):  # "2.5% of dossiers": Vietnamese decimal comma
                value = value.replace(" of dossiers", " số hồ sơ").replace(".", ",")
            for mode, vi in _FRAME_MODES_VI.items():
                value = value.replace(f"(dossiers {mode})", f"(hồ sơ {vi})")

            def count(n: int) -> str:
                return f"{n:,}".replace(",", ".")  # Vietnamese thousands separator

            line = f"{name} {value}: giữ {count(r['cases_after'])}/{count(r['cases_before'])} hồ sơ"
            if r["filter"].startswith("steps"):
                line += f" ({count(r['events_after'])}/{count(r['events_before'])} sự kiện)"
        else:
            line = f"{r['filter']} {r['value']}: {r['cases_after']:,} of {r['cases_before']:,} dossiers kept"
            if r["filter"].startswith("steps"):
                line += f" ({r['events_after']:,} of {r['events_before']:,} events)"
        lines.append(line)
    return lines


def run_metadata(log: EventLog, calendar: Any) -> dict[str, Any]:
    """``{"filters": [...], "calendar": {...}}``: what every JSON output records of its run (the
    filters applied to ``log`` and the work calendar, with a one-line label)."""
    return {
        "filters": [dict(f) for f in log.filters],
        "calendar": {"label": calendar.label(), **calendar.describe()},
    }
