# Long module: every reader ends in one validation pass over the same arrays; split, those arrays would travel between modules.
"""Turn a raw DataFrame into a validated, normalised :class:`EventLog`.

Every reader (CSV, Excel, XES, Parquet) ends here, so the rules are the same whatever the format:

1. map the columns (keyword arguments, mapping file, detected headers);
2. text to Unicode NFC, stripped, as categoricals with sorted categories;
3. times parsed per column (:mod:`procsimp.read.times`) to ``datetime64[ns, timezone]``;
4. XES lifecycle transitions paired (start + complete -> one event with ``start_timestamp``);
5. rules checked: errors for what cannot be analysed (bad times, an end before its start, a dossier
   in two services), warnings for what can (duplicates, events out of order, single-event cases,
   day-resolution ties, missing officers);
6. events sorted stably by case, then completion time; ties keep the order of the source.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procsimp.core._categories import without_unused
from procsimp.core._tz import check_timezone, local_ticks
from procsimp.core.log import (
    ACTIVITY,
    CASE,
    CASE_ROLES,
    DEFAULT_TIMEZONE,
    RESOURCE,
    ROLES,
    SERVICE,
    START,
    TEXT_ROLES,
    TIME_ROLES,
    TIMESTAMP,
    ColumnMapping,
    EventLog,
)
from procsimp.errors import LogReadError, LogValidationError, MappingError
from procsimp.read import notes as _notes
from procsimp.read import times as _times
from procsimp.read.mapping import normalise_header, option_for, resolve_columns
from procsimp.read.times import _text_array

__all__ = ["frame_to_log", "Handover", "nfc_categorical", "nfc_strings", "Rows"]

_NAT = np.iinfo(np.int64).min
_DAY_NS = 86_400 * 1_000_000_000
#: text columns with at most this share of distinct values become categoricals
_CATEGORICAL_MAX_SHARE = 0.5


# ---------------------------------------------------------------------------- text
def _as_arrow_strings(values: pd.Series) -> pa.Array:
    """A pyarrow string array for text-like values (numbers become their text, 1001.0 -> '1001')."""
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object).where(values.notna(), None).map(str, na_action="ignore")
    elif pd.api.types.is_numeric_dtype(values.dtype):
        num = pd.to_numeric(values, errors="coerce")
        if pd.api.types.is_float_dtype(num.dtype) and bool(np.all(np.mod(num.dropna(), 1) == 0)):
            num = num.astype("Int64")
        values = num.astype("str").where(num.notna(), None)
    elif pd.api.types.is_object_dtype(values.dtype):
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred not in ("string", "empty"):
            def text(v: Any) -> Any:
                if isinstance(v, float) and v.is_integer():
                    return str(int(v))
                return v if isinstance(v, str) else str(v)

            values = values.map(text, na_action="ignore")
    return _text_array(values)


_STR = pd.Index([], dtype="str").dtype


def _already_normal(values: pd.Series, dic: pa.Array, norm: pa.Array) -> bool:
    """Whether a categorical is already what :func:`nfc_categorical` makes of it: unordered,
    ``str`` categories that are NFC, stripped, non-empty and sorted (a log read back from
    procsimp's own Parquet, or ids that the source wrote in order)."""
    if values.cat.ordered or values.cat.categories.dtype != _STR or len(dic) == 0:
        return False
    if norm.null_count or not pc.all(pc.equal(norm, dic)).as_py() or pc.any(pc.equal(norm, "")).as_py():
        return False
    return len(norm) < 2 or bool(pc.all(pc.less(norm[:-1], norm[1:])).as_py())


#: characters that do not show but make two names differ: zero-width space, non-joiner and
#: joiner, word joiner, byte-order mark (zero-width no-break space), soft hyphen
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE_RE = f"[{INVISIBLE}]"


def _visible(norm: pa.Array, found: list[str] | None) -> pa.Array:
    """``norm`` without invisible characters; the first values that held some go to ``found``."""
    hit = pc.fill_null(pc.match_substring_regex(norm, _INVISIBLE_RE), False)
    if not pc.any(hit).as_py():
        return norm
    if found is not None:
        found.extend(norm.filter(hit).to_pylist())
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(norm, _INVISIBLE_RE, ""))


def nfc_categorical(values: pd.Series, *, invisible: list[str] | None = None) -> pd.Series:
    """Text as a categorical of NFC-normalised, stripped strings; sorted categories; '' is missing.

    Invisible characters (:data:`INVISIBLE`) are removed; the distinct values that held some are
    appended to ``invisible``. The work is done on the distinct values only, so it stays fast on
    large logs.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        dic = _as_arrow_strings(pd.Series(cats, dtype=cats.dtype if cats.dtype != object else object))
        norm = _visible(pc.utf8_trim_whitespace(pc.utf8_normalize(dic, "NFC")), invisible)
        if _already_normal(values, dic, norm):
            return pd.Series(values.array, index=values.index, name=values.name)
        idx = values.cat.codes.to_numpy().astype(np.int64)
    else:
        enc = _as_arrow_strings(values).dictionary_encode()
        dic = enc.dictionary
        idx = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy(zero_copy_only=False)
        norm = _visible(pc.utf8_trim_whitespace(pc.utf8_normalize(dic, "NFC")), invisible)
    uniq = pc.unique(norm.filter(pc.and_(pc.is_valid(norm), pc.not_equal(norm, ""))))
    uniq = uniq.take(pc.sort_indices(uniq))
    remap = pc.fill_null(pc.index_in(norm, value_set=uniq), -1).to_numpy(zero_copy_only=False).astype(np.int64)
    remap = np.append(remap, -1)  # index -1 (missing) maps to -1
    codes = remap[idx]
    categories = pd.Index(uniq.to_pandas(types_mapper=None).astype("str"), dtype="str")
    cat = pd.Categorical.from_codes(codes, categories=categories)
    return pd.Series(cat, index=values.index, name=values.name)


def nfc_strings(values: pd.Series) -> pd.Series:
    """Text as pandas strings, NFC-normalised and stripped ('' stays '')."""
    arr = pc.utf8_trim_whitespace(pc.utf8_normalize(_as_arrow_strings(values), "NFC"))
    return pd.Series(arr.to_pandas(), index=values.index, name=values.name).astype("str")


def ascii_repr(text: str, limit: int = 80) -> str:
    """``text`` quoted, with invisible and control characters written as escapes (``\\u200b``)."""
    out = "".join(
        ch if ch.isprintable() and ch not in INVISIBLE else ch.encode("unicode_escape").decode("ascii")
        for ch in text[:limit]
    )
    return repr(out + ("…" if len(text) > limit else "")).replace("\\\\", "\\")


def _is_text(values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
        return True
    if pd.api.types.is_object_dtype(dtype):
        return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty", "mixed", "mixed-integer")
    return False


def _extra_column(values: pd.Series, timezone: str) -> pd.Series:
    """An unmapped column, kept as an attribute: text as categorical (NFC), times tz-aware."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]")
    if pd.api.types.is_datetime64_dtype(dtype):
        return values.dt.tz_localize(timezone, ambiguous=np.zeros(len(values), dtype=bool),
                                     nonexistent="shift_forward").astype(f"datetime64[ns, {timezone}]")
    if _is_text(values):
        n = len(values)
        distinct = values.nunique(dropna=True) if not isinstance(dtype, pd.CategoricalDtype) else len(dtype.categories)
        if n == 0 or distinct <= max(1, _CATEGORICAL_MAX_SHARE * n):
            return nfc_categorical(values)
        return nfc_strings(values)
    return values


# ---------------------------------------------------------------------------- where
class Rows:
    """Say where events are in the source: file rows, DataFrame positions or XES cases."""

    def __init__(self, kind: str = "positions", base: int = 0, cases: pd.Series | None = None) -> None:
        self.kind = kind
        self.base = base
        self.cases = cases

    @classmethod
    def file(cls, first_row: int) -> Rows:
        """Row ``i`` of the frame is row ``first_row + i`` of the file (header is row 1)."""
        return cls("rows", first_row)

    @classmethod
    def xes(cls) -> Rows:
        return cls("xes")

    def __call__(self, positions: np.ndarray, limit: int = 5) -> str:
        positions = np.asarray(positions)
        if self.kind == "xes" and self.cases is not None:
            picked = self.cases.iloc[positions[: limit * 20]]
            shown = pd.unique(picked.dropna().astype(str))[:limit]
            if len(shown) == 0:
                return "in traces without a case id (concept:name)"
            return "in cases " + ", ".join(repr(c) for c in shown) + ("" if len(positions) <= limit else " ...")
        return self.listed(positions[:limit], len(positions))

    def listed(self, first: Sequence[int] | np.ndarray, total: int) -> str:
        """Where ``total`` events are, given the ``first`` (at most five) of their positions in the
        source, in order: ``"on positions 3, 7 and 12 more"`` (rows of a file: ``"on rows ..."``)."""
        more = total - len(first)
        tail = f" and {more} more" if more > 0 else ""
        label = "rows" if self.kind == "rows" else "positions"
        if total == 1:
            label = label[:-1]
        return f"on {label} " + ", ".join(str(int(p) + self.base) for p in first) + tail


def _samples(values: pd.Series, positions: np.ndarray, limit: int = 3) -> str:
    shown = [str(v) for v in values.iloc[positions[:limit]]]
    return ", ".join(repr(v) for v in shown)


# ---------------------------------------------------------------------------- lifecycle
def _lifecycle_column(frame: pd.DataFrame, used: set[str]) -> str | None:
    for col in frame.columns:
        if col not in used and normalise_header(col) in ("lifecycletransition", "lifecycle"):
            return str(col)
    return None


def _pair_lifecycle(case: np.ndarray, act: np.ndarray, ts: np.ndarray, lifecycle: pd.Series,
                    column: str) -> tuple[np.ndarray, np.ndarray | None, str | None]:
    """(rows to keep, start times for the kept rows or None, warning or None).

    START is paired with the next COMPLETE of the same activity in the same case; one event per
    completed activity instance is kept. Other transitions (SCHEDULE, ...) are dropped.
    """
    lc = lifecycle.astype("str").str.strip().str.lower().fillna("complete")
    lc = lc.where(lc != "", "complete").to_numpy(dtype=object)
    is_start = lc == "start"
    is_complete = lc == "complete"
    n = len(lc)
    others = ~(is_start | is_complete)
    if not is_start.any() or not is_complete.any():
        if not others.any() or not is_complete.any():
            return np.arange(n), None, None
        keep = np.flatnonzero(is_complete)
        dropped = pd.Series(lc[others]).value_counts()
        what = ", ".join(f"{cnt} {name!r}" for name, cnt in dropped.items())
        return keep, None, (
            f"column {column!r} has lifecycle transitions: kept the {len(keep)} 'complete' events, "
            f"dropped {what} events"
        )
    sel = np.flatnonzero(is_start | is_complete)
    rank = np.where(is_start[sel], 0, 1)
    order = sel[np.lexsort((sel, rank, ts[sel], act[sel], case[sel]))]
    c, a, s = case[order], act[order], is_start[order]
    same_prev = np.zeros(len(order), dtype=bool)
    same_prev[1:] = (c[1:] == c[:-1]) & (a[1:] == a[:-1])
    prev_start = np.zeros(len(order), dtype=bool)
    prev_start[1:] = s[:-1]
    paired_complete = ~s & same_prev & prev_start
    start_ts = np.full(n, _NAT, dtype=np.int64)
    start_ts[order[paired_complete]] = ts[order[np.flatnonzero(paired_complete) - 1]]
    n_paired = int(paired_complete.sum())
    n_unmatched = int(s.sum()) - n_paired
    keep = np.flatnonzero(is_complete)
    parts = [f"paired {n_paired} 'start' events with their 'complete' event (kept as start_timestamp)"]
    if n_unmatched:
        parts.append(f"dropped {n_unmatched} 'start' events with no completion")
    if others.any():
        dropped = pd.Series(lc[others]).value_counts()
        parts.append("dropped " + ", ".join(f"{cnt} {name!r}" for name, cnt in dropped.items()) + " events")
    return keep, start_ts[keep], (
        f"column {column!r} has lifecycle transitions: " + "; ".join(parts)
        + f"; one event per completed activity instance is kept ({len(keep)} events)"
    )


# ---------------------------------------------------------------------------- main
class Handover:
    """A reader's frame given to :func:`frame_to_log` for good (the reader keeps no reference to
    it): it is let go of as soon as the normalised frame exists, so that a large log's two
    frames are not held together."""

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame: pd.DataFrame | None = frame

    def take(self) -> pd.DataFrame:
        frame, self.frame = self.frame, None
        if frame is None:
            raise ValueError("the frame was handed over once already")
        return frame


def frame_to_log(
    frame: pd.DataFrame | Handover,
    mapping: Mapping[str, str] | ColumnMapping | str | os.PathLike[str] | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    source: str = "<memory>",
    warnings: tuple[str, ...] | list[str] = (),
    dayfirst: bool | None = None,
    rows: Rows | None = None,
    xes: bool = False,
    source_offsets: list[int] | None = None,
    activity_key: str | None = None,
    detect: bool = True,
    **columns: str | None,
) -> EventLog:
    """Validate and normalise ``frame`` into an EventLog; ``frame`` is not modified.

    ``mapping`` may be a dict of role -> column, a :class:`ColumnMapping` or the path of a YAML
    mapping file; keyword arguments (``case="Mã hồ sơ"`` ...) win over it; other roles are
    detected from known headers (unless ``detect`` is False). ``dayfirst`` decides dates like ``03/04/2025`` when no value
    of the file tells (default: day first). ``source_offsets`` (minutes) are the UTC offsets the
    source wrote its times with, used to tell day-resolution data (times at local midnight).

    ``activity_key`` names a column of step codes: a step name that stands for several codes
    becomes one step per code, ``name (code)``. Without it, a step-name column that merges
    distinct codes of the XES ``concept:name`` gets a warning listing the merges. A dossier with
    no service value (when the log has a service column) is filed under ``(no service)``, with a
    warning.

    Raises :class:`~procsimp.errors.LogValidationError` or :class:`~procsimp.errors.MappingError`
    with a message naming the source, the column, the rows and the fix.
    """
    check_timezone(timezone)
    if isinstance(frame, Handover):
        frame = frame.take()
    frame = frame.rename(columns=lambda c: unicodedata.normalize("NFC", str(c)))
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise LogReadError(f"{source}: two columns are called {dup!r}; give each column its own header")
    cmap = resolve_columns(list(frame.columns), mapping, columns, source=source, xes=xes, detect=detect)
    if len(frame) == 0:
        raise LogReadError(
            f"{source}: the log has columns ({', '.join(map(repr, list(frame.columns)[:12]))}) but no events; "
            "export the log again with its rows"
        )
    where = rows or Rows()
    warn: list[str] = list(warnings)
    frame = frame.reset_index(drop=True)
    if where.kind == "xes":
        where = Rows("xes", cases=frame[cmap.columns["case"]])
    used = set(cmap.columns.values())

    # -- text roles
    data: dict[str, pd.Series] = {}
    for role in TEXT_ROLES:
        if role in cmap:
            hidden: list[str] = []
            data[ROLES[role]] = nfc_categorical(frame[cmap.columns[role]], invisible=hidden)
            if hidden:
                warn.append(_notes.invisible(cmap.columns[role], role, len(hidden), ascii_repr(hidden[0])))

    if activity_key is not None or (xes and "concept:name" in frame.columns):
        keyed, note = _keyed_activities(frame, data[ACTIVITY], cmap, activity_key, source)
        data[ACTIVITY] = keyed
        if note:
            warn.append(note)

    # -- time roles (all columns agree on day/month order when one of them tells)
    parsers = {}
    for role in TIME_ROLES:
        if role in cmap:
            col = cmap.columns[role]
            parsers[role] = _times.prepare(frame[col], column=col, role=role, source=source, where=where)
    told = {p.order for p in parsers.values() if p.mode == "strings" and p.order is not None}
    if len(told) > 1:
        raise LogValidationError(
            f"{source}: the time columns disagree on the date order (one is day first, another month first); "
            "make them use one order"
        )
    order = dayfirst if dayfirst is not None else (told.pop() if told else None)
    formats: dict[str, str] = {}
    for role, parser in parsers.items():
        col = cmap.columns[role]
        tc = parser.finish(timezone, order)
        values = tc.values
        if len(tc.bad):
            n_present = int(frame[col].notna().sum())
            if role in ("timestamp", "start") or len(tc.bad) >= n_present:
                raise LogValidationError(_notes.bad_times_error(
                    source, col, role, len(tc.bad), tc.bad_values, where(tc.bad),
                    f"{_times.ACCEPTED_FORMATS} (years {_times.NS_MIN_YEAR}-{_times.NS_MAX_YEAR})", option_for(role)))
            warn.append(_notes.bad_times(col, role, len(tc.bad), tc.bad_values, where(tc.bad)))
        if tc.dayfirst is not None and not tc.dayfirst_from_data:
            how_decided = "as you asked" if dayfirst is not None else (
                "like the other time columns of the file" if order is not None else
                "the Vietnamese convention; if the file is month first, say so with --date-order month-first "
                "(dayfirst=False in Python)")
            warn.append(
                f"column {col!r} ({role}): every date has day and month at most 12, so the order cannot be "
                f"told from the data; read as {'day' if tc.dayfirst else 'month'} first "
                f"({'dd/mm/yyyy' if tc.dayfirst else 'mm/dd/yyyy'}), {how_decided}"
            )
        formats[role] = tc.format
        data[ROLES[role]] = values
        if role == "timestamp" and tc.offsets and not source_offsets:
            source_offsets = tc.offsets

    # -- extra attributes
    extras: dict[str, pd.Series] = {}
    for col in frame.columns:
        if col in used:
            continue
        name = str(col)
        if name in data:
            name = f"{name} (unmapped)"
        extras[name] = _extra_column(frame[col], timezone)

    standard = {ROLES[role]: data[ROLES[role]] for role in ROLES if ROLES[role] in data}
    df = pd.DataFrame({**standard, **extras})
    n_source = len(df)
    # what is still read of the source: the lifecycle column's name, and the raw times of an
    # event that ends before it starts (for the error); the rest is let go of here
    lc_col = _lifecycle_column(frame, used) if "start" not in cmap else None
    raw_times = {cmap.columns[r]: frame[cmap.columns[r]] for r in ("start", "timestamp")} if "start" in cmap else {}
    del frame, data, standard, extras, parsers

    # -- events that cannot be placed
    missing = {
        "case": df[CASE].isna().to_numpy(),
        "activity": df[ACTIVITY].isna().to_numpy(),
        "timestamp": df[TIMESTAMP].isna().to_numpy(),
    }
    drop = missing["case"] | missing["activity"] | missing["timestamp"]
    if drop.all():
        raise LogValidationError(
            f"{source}: no event has a case id, a step and a time (columns "
            f"{cmap.columns['case']!r}, {cmap.columns['activity']!r}, {cmap.columns['timestamp']!r} are empty); "
            "check the mapping printed above"
        )
    for role, mask in missing.items():
        if mask.any():
            pos = np.flatnonzero(mask)
            warn.append(_notes.dropped(len(pos), role, cmap.columns[role], where(pos)))
    keep = np.flatnonzero(~drop)

    # -- lifecycle transitions
    if lc_col is not None:
        sub = df.iloc[keep]
        kept, start_ts, note = _pair_lifecycle(
            sub[CASE].cat.codes.to_numpy(), sub[ACTIVITY].cat.codes.to_numpy(),
            sub[TIMESTAMP].array.asi8, sub[lc_col], lc_col,
        )
        keep = keep[kept]
        if note:
            warn.append(note)
        if start_ts is not None:
            col_values = np.full(n_source, _NAT, dtype=np.int64)
            col_values[keep] = start_ts
            df[START] = _from_ns(col_values, timezone, index=df.index)
            cols = [c for c in df.columns if c != START]
            cols.insert(cols.index(TIMESTAMP) + 1, START)
            df = df[cols]
    if len(keep) < n_source:
        df = df.iloc[keep]
    positions = keep  # source positions of the remaining rows

    # -- end before start
    if START in df.columns and "start" in cmap:
        s = df[START].array.asi8
        e = df[TIMESTAMP].array.asi8
        bad = np.flatnonzero((s != _NAT) & (e != _NAT) & (s > e))
        if len(bad):
            src_pos = positions[bad]
            s_col, e_col = cmap.columns["start"], cmap.columns["timestamp"]
            pairs = ", ".join(
                f"{raw_times[s_col].iloc[p]!s} > {raw_times[e_col].iloc[p]!s}" for p in src_pos[:2]
            )
            raise LogValidationError(
                f"{source}: {len(bad)} event(s) end before they start ({s_col!r} after {e_col!r}) "
                f"{where(src_pos)}: {pairs}; correct those times, or swap the columns with --start/--timestamp "
                "if they are mapped the wrong way round"
            )

    # -- order: by case, then time; ties keep source order
    case_codes = df[CASE].cat.codes.to_numpy().astype(np.int64)
    ts = df[TIMESTAMP].array.asi8
    order_final, order_file = _case_time_order(case_codes, ts)
    if order_final is not order_file:
        assert order_final is not None and order_file is not None  # the orders differ: both are given
        moved = order_final != order_file
        n_cases_moved = len(np.unique(case_codes[order_file[moved]]))
        warn.append(_notes.unsorted(n_cases_moved))
    if order_final is not None:
        df = df.iloc[order_final]
    df = df.reset_index(drop=True)
    if order_final is not None:
        positions = positions[order_final]
        case_codes = case_codes[order_final]
        ts = ts[order_final]

    # -- one service per dossier; other dossier attributes made constant per dossier
    for role in CASE_ROLES:
        if role in cmap:
            note = _one_value_per_case(df, role, cmap, case_codes, positions, where, source, timezone)
            if note:
                warn.append(note)

    note = _no_service_filled(df, cmap)
    if note:
        warn.append(note)
    df = _unused_categories_removed(df)

    # -- data-quality warnings
    warn.extend(_quality_warnings(df, cmap, case_codes, ts, positions, where, source_offsets))

    columns_out, how_out = dict(cmap.columns), dict(cmap.how)
    if lc_col is not None and START in df.columns:
        columns_out["start"], how_out["start"] = lc_col, "lifecycle start/complete pairs"
        columns_out = {role: columns_out[role] for role in ROLES if role in columns_out}
    if activity_key is not None:
        how_out["activity"] = f"{how_out.get('activity', 'argument')}, kept apart by {activity_key}"
    mapping_out = ColumnMapping(columns=columns_out, how=how_out, formats=formats)
    return EventLog(df=df, mapping=mapping_out, source=source, timezone=timezone, warnings=tuple(warn))


#: the service of the dossiers that have no value in the service column
NO_SERVICE = "(no service)"


def _no_service_filled(df: pd.DataFrame, cmap: ColumnMapping) -> str | None:
    """File dossiers without a service under :data:`NO_SERVICE` (``df`` is changed in place)."""
    if SERVICE not in df.columns:
        return None
    values = df[SERVICE]
    missing = values.isna().to_numpy()
    if not missing.any() or missing.all():
        return None
    n_cases = int(df.loc[missing, CASE].nunique())
    cats = sorted({*values.cat.categories.astype(str), NO_SERVICE})
    df[SERVICE] = values.cat.set_categories(cats).fillna(NO_SERVICE)
    return _notes.no_service(n_cases, cmap.columns["service"], NO_SERVICE)


def _keyed_activities(frame: pd.DataFrame, names: pd.Series, cmap: ColumnMapping, key: str | None,
                      source: str) -> tuple[pd.Series, str | None]:
    """Step names checked against a column of step codes: ``(names, warning or None)``.

    With ``key`` (``--activity-key``), a name that stands for several codes becomes
    ``name (code)`` for each; without it, the XES ``concept:name`` is the code column and a
    name that merges codes gets a warning listing the merges.
    """
    code_col = key if key is not None else "concept:name"
    if code_col not in frame.columns:
        raise MappingError(
            f"{source}: --activity-key {code_col!r} is not a column; columns: "
            f"{', '.join(map(repr, list(frame.columns)[:20]))}"
        )
    if code_col == cmap.columns.get("activity"):
        return names, None
    codes = nfc_categorical(frame[code_col])
    pairs = pd.DataFrame({"name": names.astype(object), "code": codes.astype(object)}).dropna().drop_duplicates()
    per_name = pairs.groupby("name")["code"].agg(lambda c: sorted(map(str, c)))
    merged = per_name[per_name.map(len) > 1]
    if merged.empty:
        return names, None
    act_col = cmap.columns["activity"]
    if key is None:
        examples = "; ".join(
            f"{name!r} <- {', '.join(c[:4])}{' ...' if len(c) > 4 else ''}" for name, c in list(merged.items())[:3]
        )
        return names, (
            f"column {act_col!r} (activity) gives one name to distinct codes of {code_col!r}: "
            f"{pairs['code'].nunique()} codes become {per_name.size} steps, as {len(merged)} name(s) merge "
            f"{int(merged.map(len).sum())} codes (e.g. {examples}); the merged codes are analysed as one step: "
            f"keep them apart with --activity-key {code_col}"
        )
    is_merged = names.astype(object).isin(set(merged.index)).to_numpy()
    shown = names.astype(object).where(~is_merged, names.astype(str) + " (" + codes.astype(str) + ")")
    note = (
        f"{len(merged)} name(s) in column {act_col!r} stand for several codes of {code_col!r}; "
        f"each such step is shown as 'name (code)', e.g. {shown[is_merged].iloc[0]!r}"
    )
    return nfc_categorical(pd.Series(shown, index=names.index, name=names.name)), note


def _case_time_order(case_codes: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(order by case then time, order by case keeping the source order); None means unchanged.

    Both orders are stable: ties keep the order of the rows, which is the source order. The two
    are the same object when the events of every case are already in time order. A log already
    sorted by case costs a few linear checks; one grouped by case, a stable sort that merges runs.
    """
    if len(case_codes) < 2:
        return None, None
    by_case = bool((case_codes[1:] >= case_codes[:-1]).all())
    order_file = None if by_case else np.argsort(case_codes, kind="stable")
    c = case_codes if order_file is None else case_codes[order_file]
    t = ts if order_file is None else ts[order_file]
    if not ((c[1:] == c[:-1]) & (t[1:] < t[:-1])).any():
        return order_file, order_file
    return np.lexsort((ts, case_codes)), (np.arange(len(case_codes)) if order_file is None else order_file)


def _from_ns(values: np.ndarray, timezone: str, index: pd.Index | None = None) -> pd.Series:
    """int64 nanoseconds since the epoch (UTC; int64 min = missing) as datetime64[ns, timezone]."""
    out = pd.Series(pd.to_datetime(values, unit="ns", utc=True), index=index).dt.tz_convert(timezone)
    return out.astype(f"datetime64[ns, {timezone}]")


def _one_value_per_case(df: pd.DataFrame, role: str, cmap: ColumnMapping, case_codes: np.ndarray,
                        positions: np.ndarray, where: Callable[[np.ndarray], str], source: str,
                        timezone: str) -> str | None:
    """Check a dossier attribute on case-sorted events; fill it from the dossier's first value.

    A dossier with two services is an error; other attributes with two values get a warning.
    Returns the warning, if any. ``df`` is changed in place (it is the reader's own frame).
    """
    col = ROLES[role]
    series = df[col]
    categorical = isinstance(series.dtype, pd.CategoricalDtype)
    vals = series.cat.codes.to_numpy().astype(np.int64) if categorical else series.array.asi8
    present = vals >= 0 if categorical else vals != _NAT
    if not present.any():
        return None
    everywhere = bool(present.all())
    if everywhere:
        c, v = case_codes, vals
    else:
        rows = np.flatnonzero(present)
        c, v = case_codes[rows], vals[rows]
    same_case = c[1:] == c[:-1]
    change = same_case & (v[1:] != v[:-1])
    conflicted = np.unique(c[1:][change])
    note = None
    if len(conflicted):
        cats = df[CASE].cat.categories
        first = conflicted[0]
        if role == "service":
            names = series[case_codes == first].dropna().unique()[:3]
            where_rows = np.sort(positions[np.isin(case_codes, conflicted[:3])])
            raise LogValidationError(
                f"{source}: {len(conflicted)} dossier(s) have more than one service (column "
                f"{cmap.columns['service']!r}), e.g. case {cats[first]!r}: {', '.join(repr(str(x)) for x in names)} "
                f"({where(where_rows)}); a dossier belongs to one procedure: fix those rows, or map another column "
                "with --service-column"
            )
        note = _notes.case_values_differ(cmap.columns[role], role, len(conflicted), cats[first])
    if len(conflicted) or not everywhere:
        if bool((c[1:] >= c[:-1]).all()):  # the case codes of case-sorted events: runs, no sort
            first_idx = np.flatnonzero(np.concatenate(([True], ~same_case)))
            first_cases = c[first_idx]
        else:
            first_cases, first_idx = np.unique(c, return_index=True)
        lookup = np.full(len(df[CASE].cat.categories), -1 if categorical else _NAT, dtype=np.int64)
        lookup[first_cases] = v[first_idx]
        new_vals = lookup[case_codes]
        if categorical:
            df[col] = pd.Categorical.from_codes(new_vals, dtype=series.dtype)
        else:
            df[col] = _from_ns(new_vals, timezone, index=df.index)
    return note


def _unused_categories_removed(df: pd.DataFrame) -> pd.DataFrame:
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            values = df[col]
            kept = without_unused(values)
            if kept is not values:
                df[col] = kept
    return df


def _midnight_share(df: pd.DataFrame, ts: np.ndarray, offsets: list[int] | None) -> float:
    """Share of events at exactly midnight, local to the source (its offsets, else the timezone)."""
    if offsets:
        hit = np.zeros(len(ts), dtype=bool)
        for minutes in offsets:
            hit |= (ts + minutes * 60 * 1_000_000_000) % _DAY_NS == 0
        return float(hit.mean())
    unit = df[TIMESTAMP].dt.unit
    per_day = 86_400 * {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    local = local_ticks(df[TIMESTAMP].array.asi8, unit, str(df[TIMESTAMP].dt.tz))
    return float(np.mean(np.remainder(local, per_day, out=local) == 0))  # in place: one array an event less


def _quality_warnings(df: pd.DataFrame, cmap: ColumnMapping, case_codes: np.ndarray, ts: np.ndarray,
                      positions: np.ndarray, where: Callable[[np.ndarray], str],
                      offsets: list[int] | None) -> list[str]:
    warn: list[str] = []
    n = len(df)
    # duplicates: every column equal; only events tied with a neighbour (same case and time) can be
    same = (case_codes[1:] == case_codes[:-1]) & (ts[1:] == ts[:-1])
    tied = np.zeros(n, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    dup = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(tied)
    if len(candidates):
        dup[candidates] = df.iloc[candidates].duplicated(keep="first").to_numpy()
    if dup.any():
        warn.append(_notes.duplicates(int(dup.sum()), n, where(np.sort(positions[dup]))))
    counts = np.bincount(case_codes, minlength=len(df[CASE].cat.categories))
    counts = counts[counts > 0]
    pairs = int((case_codes[1:] == case_codes[:-1]).sum())
    officers = cmap.columns["resource"] if RESOURCE in df.columns else None
    notes = [
        _notes.single_events(int((counts == 1).sum()), len(counts)),
        _notes.ties(_midnight_share(df, ts, offsets), int(same.sum()), pairs),
        _notes.missing_officers(float(df[RESOURCE].isna().mean()) if officers else 0.0, officers),
    ]
    warn.extend(note for note in notes if note)
    return warn


def warning_lines(log: EventLog) -> list[str]:
    """The warnings of a log, one line each."""
    return [" ".join(w.split()) for w in log.warnings]

