# Long module: one timestamp-format decision per column; the format detectors and parsers share the same vectorised helpers.
"""Vectorised timestamp parsing, decided per column from the data.

Accepted forms:

* ISO 8601: ``2025-03-31``, ``2025-03-31 14:05``, ``2025-03-31T14:05:09.123+07:00``, ``...Z``
  (also with ``/`` or ``.`` between year, month and day);
* day or month first: ``31/03/2025``, ``31/03/2025 14:05[:09]``, ``31-03-2025``, ``31.03.2025``,
  with an optional ``AM``/``PM`` (or Vietnamese ``SA``/``CH``) and an optional offset;
  time first: ``14:05 31/03/2025``;
* ``yyyymmdd`` numbers, Excel serial numbers (days since 1899-12-30), epoch seconds,
  milliseconds, microseconds or nanoseconds.

Day first or month first is decided per column from the data: a date that is a valid date in
only one order tells that order (``25/01/2025`` is day first, ``01/25/2025`` month first); a date
valid in neither order (``13/13/2025``, ``31/02/2025``) tells nothing and is reported as an invalid
time. When every value is ambiguous the caller's hint decides (another column of the same file, or
``dayfirst=``), else day first, the Vietnamese convention, and the caller is told so. Nothing is
parsed row by row in Python: each distinct value is matched with a few regular expressions (Arrow
compute) and converted with numpy arithmetic.

Naive times take the ``timezone`` setting; values with an offset (or epoch values) are instants.
A column mixing naive times with offsets is an error, and so is a column whose offsets differ
unless each value's offset is the one the ``timezone`` setting has at that instant (the two
offsets of a daylight-saving zone, when that zone is the setting). Offsets that all agree are
accepted whatever the setting.

A due date written without a time of day (``16/01/2025``, ``2025-01-16``, a yyyymmdd number, a
whole Excel serial) means the end of that day: it is read as 23:59:59.999999 local time of that
date, so that a dossier finished on its due day is on time. Dates without a time in the other
columns (completion, start, receipt) are read as 00:00 of the day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procsimp.errors import LogValidationError

__all__ = ["TimeColumn", "parse_times", "ACCEPTED_FORMATS", "NS_MIN_YEAR", "NS_MAX_YEAR"]

ACCEPTED_FORMATS = (
    "ISO 8601 (2025-03-31 14:05[:09][+07:00]), dd/mm/yyyy HH:MM[:SS], dd/mm/yyyy, dd-mm-yyyy, "
    "Excel serial numbers, epoch seconds or milliseconds"
)
#: plausible years; values outside are placeholders (31/12/9999) or typing errors
NS_MIN_YEAR = 1900
NS_MAX_YEAR = 2200

_TIME = r"(?P<H>\d{1,2}):(?P<Mi>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9})\d*)?)?"
_AMPM = r"(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?|SA|CH|sa|ch))?"
_TZ = r"(?:\s*(?P<tz>Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?"
_PATTERNS: dict[str, str] = {
    "iso": r"^(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})(?:(?:T|\s+)" + _TIME + r")?" + _AMPM + _TZ + r"$",
    "dmy": r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})(?:(?:T|\s+|,\s*)" + _TIME + r")?" + _AMPM + _TZ + r"$",
    "tdmy": r"^" + _TIME + _AMPM + r"\s+(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})$",
    "num": r"^(?P<num>[+-]?\d+(?:\.\d+)?)$",
}

_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS
_EXCEL_EPOCH_SERIAL = 25569  # Excel serial of 1970-01-01 (days since 1899-12-30)
_NAT = np.iinfo(np.int64).min
#: roles whose dates without a time of day mean the end of that day (a dossier due on 16/01/2025
#: may be finished until 23:59:59.999999 that day); other roles read them as 00:00
END_OF_DAY_ROLES = ("due",)
_END_OF_DAY_NS = _DAY_NS - 1_000  # 23:59:59.999999: the last microsecond of the day
#: a time of day in a text value (14:05 after the date, or first: '14:05 31/03/2025'); an offset
#: such as '+07:00' is not one
_CLOCK = r"(?:^|[T\s,])\d{1,2}:\d{2}"
#: roles of values whose offsets the reader of the source checked for the whole file (XES dates):
#: two offsets up to an hour apart (one daylight-saving zone) are accepted whatever the timezone
#: setting. In the mapped columns each value's offset must be the timezone's own at that instant.
SOURCE_CHECKED_ROLES = ("date",)
#: nanosecond instants a day inside the plausible years: any time between them, shifted by any
#: UTC offset, is inside those years (see :func:`_in_years`)
_SAFE_FIRST = (int(np.datetime64(f"{NS_MIN_YEAR}-01-01", "D").astype(np.int64)) + 1) * _DAY_NS
_SAFE_LAST = (int(np.datetime64(f"{NS_MAX_YEAR + 1}-01-01", "D").astype(np.int64)) - 1) * _DAY_NS - 1


def _in_years(ns: np.ndarray) -> np.ndarray:
    """Whether each time (int64 ns, local or UTC; NaT is not) falls in the plausible years.

    The usual column lies well inside them: two reductions tell, and the per-value year is only
    computed for a column that comes within a day of either end.
    """
    if len(ns) and ns.min() >= _SAFE_FIRST and ns.max() <= _SAFE_LAST:  # NaT is the int64 minimum
        return np.ones(len(ns), dtype=bool)
    years = ns.view("M8[ns]").astype("M8[Y]").astype(np.int64) + 1970
    return (ns != _NAT) & (years >= NS_MIN_YEAR) & (years <= NS_MAX_YEAR)


@dataclass
class TimeColumn:
    """The result of parsing one column."""

    values: pd.Series  #: datetime64[ns, timezone]
    format: str  #: human description of what was found, e.g. "dd/mm/yyyy HH:MM:SS"
    dayfirst: bool | None = None  #: the day/month order used, None when no d/m/y values
    dayfirst_from_data: bool = False  #: whether the data itself decided the order
    bad: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  #: positions not parsed
    bad_values: list[str] = field(default_factory=list)  #: a few distinct unparsed values
    offsets: list[int] = field(default_factory=list)  #: distinct UTC offsets (minutes) of values that had one


# ---------------------------------------------------------------------------- helpers
def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (vectorised)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = np.where(m > 2, m - 3, m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    table = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    mm = np.clip(m, 1, 12) - 1
    return table[mm] + ((mm == 1) & leap)


def _text_array(values: pd.Series) -> pa.Array:
    """The strings of ``values`` as an Arrow (large) string array, zero-copy when possible."""
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return arr


def _int_field(struct: pa.StructArray, name: str, default: int = 0) -> np.ndarray:
    col = struct.field(name)
    col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
    return pc.fill_null(pc.cast(col, pa.int64()), default).to_numpy(zero_copy_only=False)


def _has(struct: pa.StructArray, name: str) -> np.ndarray:
    return pc.not_equal(struct.field(name), "").to_numpy(zero_copy_only=False).astype(bool)


def _by_distinct(field: pa.Array, fn: Callable[[str], int]) -> np.ndarray:
    """Apply ``fn`` to the few distinct strings of ``field`` and spread the result (vectorised)."""
    uniq = pc.unique(field)
    table = np.array([fn(v or "") for v in uniq.to_pylist()], dtype=np.int64)
    idx = pc.index_in(field, value_set=uniq).to_numpy(zero_copy_only=False)
    return table[idx.astype(np.int64)]


def _offset_of(text: str) -> int:
    """Minutes east of UTC for '', 'Z', '+07', '+0700', '+07:00' ('' is 0)."""
    t = text.strip().upper()
    if t in ("", "Z", "UTC", "GMT"):
        return 0
    sign = -1 if t.startswith("-") else 1
    digits = t[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def _offset_minutes(struct: pa.StructArray) -> tuple[np.ndarray, np.ndarray]:
    """(has offset, offset in minutes) of the 'tz' field."""
    field = struct.field("tz")
    return _has(struct, "tz"), _by_distinct(field, _offset_of)


def _fraction_ns(struct: pa.StructArray) -> np.ndarray:
    """Nanoseconds from the fraction digits ('5' -> 500000000)."""
    field = struct.field("f")
    padded = pc.utf8_rpad(field, 9, "0")
    padded = pc.if_else(pc.equal(field, ""), pa.scalar(None, pa.string()), padded)
    return pc.fill_null(pc.cast(padded, pa.int64()), 0).to_numpy(zero_copy_only=False)


class _Classified:
    """Distinct values of a column, classified; fields are extracted only when needed."""

    def __init__(self, uniq: pa.Array) -> None:
        self.uniq = uniq
        n = len(uniq)
        kind = np.full(n, "", dtype=object)
        null = pc.is_null(uniq).to_numpy(zero_copy_only=False)
        empty = pc.fill_null(pc.equal(uniq, ""), True).to_numpy(zero_copy_only=False)
        kind[null | empty] = "null"
        self.positions: dict[str, np.ndarray] = {}
        self._values: dict[str, pa.Array] = {}
        self._structs: dict[str, pa.StructArray] = {}
        remaining = np.flatnonzero(kind == "")
        for name, pattern in _PATTERNS.items():
            if len(remaining) == 0:
                break
            sub = uniq.take(pa.array(remaining))
            matched = pc.fill_null(pc.match_substring_regex(sub, pattern), False).to_numpy(zero_copy_only=False)
            if not matched.any():
                continue
            pos = remaining[matched]
            kind[pos] = name
            self.positions[name] = pos
            self._values[name] = sub.filter(pa.array(matched))
            remaining = remaining[~matched]
        self.kind = kind

    def values(self, name: str) -> pa.Array:
        return self._values[name]

    def struct(self, name: str) -> pa.StructArray:
        if name not in self._structs:
            self._structs[name] = pc.extract_regex(self._values[name], _PATTERNS[name])
        return self._structs[name]

    def __contains__(self, name: str) -> bool:
        return name in self.positions


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(values, pattern), False).to_numpy(zero_copy_only=False)


#: the date fields of d/m/y values (the whole pattern matched already: these always match)
_DATE_FIELDS = {
    "dmy": r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})",
    "tdmy": r"(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})$",
}
#: an impossible time of day: hour 24 or more, minutes or seconds 60 or more, or a 12-hour clock
#: (AM/PM, SA/CH) with hour 0 or above 12
_BAD_CLOCK = (
    r"(?:^|[T\s,])(?:2[4-9]|[3-9]\d):\d|\d:[6-9]\d"
    r"|(?:^|[T\s,])(?:0?0|1[3-9]|2\d):\d\d(?::\d\d)?(?:[.,]\d+)?\s*(?:[AaPp]\.?[Mm]\.?|SA|CH|sa|ch)"
)


def _valid_orders(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valid as day/month/year, valid as month/day/year) for the fields a/b/y of dates."""
    day_first = (b >= 1) & (b <= 12) & (a >= 1) & (a <= _days_in_month(y, b))
    month_first = (a >= 1) & (a <= 12) & (b >= 1) & (b <= _days_in_month(y, a))
    return day_first, month_first


def _dmy_evidence(c: _Classified) -> tuple[np.ndarray, np.ndarray]:
    """(day first, month first): masks over the distinct values of a column of the d/m/y values
    that are valid in that order only. A value valid in both orders (03/04/2025) tells nothing,
    and neither does one valid in neither (13/13/2025, 31/02/2025, 25/01/2025 25:00)."""
    n = len(c.uniq)
    day, month = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for name in ("dmy", "tdmy"):
        if name not in c:
            continue
        vals = c.values(name)
        st = pc.extract_regex(vals, _DATE_FIELDS[name])
        ok_day, ok_month = _valid_orders(_int_field(st, "a"), _int_field(st, "b"), _int_field(st, "y"))
        one = np.flatnonzero(ok_day != ok_month)  # valid in exactly one order, if the time is valid
        if len(one):
            one = one[~_matches(vals.take(pa.array(one)), _BAD_CLOCK)]
        pos = c.positions[name][one]
        day[pos] = ok_day[one]
        month[pos] = ok_month[one]
    return day, month


_SUFFIX = re.compile(r"(Z|z|[+-]\d\d(?::?\d\d)?)$")


def _fast_iso(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, bool] | None:
    """(ns, aware, offset minutes, has time, has seconds) by Arrow's ISO 8601 cast, or None."""
    aware = _matches(values, r"(Z|z|[+-]\d\d(:?\d\d)?)$")
    ns = np.zeros(len(values), dtype=np.int64)
    offset = np.zeros(len(values), dtype=np.int64)
    try:
        if (~aware).any():
            naive = values.filter(pa.array(~aware))
            ns[~aware] = pc.cast(naive, pa.timestamp("ns")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        if aware.any():
            sub = values.filter(pa.array(aware))
            ns[aware] = pc.cast(sub, pa.timestamp("ns", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
            tails = pc.utf8_slice_codeunits(sub, -6)
            offset[aware] = _by_distinct(tails, lambda t: _offset_of(m.group(1)) if (m := _SUFFIX.search(t)) else 0)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    has_time = bool(_matches(values, r"^\d{4}-\d\d-\d\d[T ]").any())
    has_sec = bool(_matches(values, r"[T ]\d\d:\d\d:\d\d").any())
    return ns, aware, offset, has_time, has_sec


def _fast_dmy(values: pa.Array, dayfirst: bool) -> tuple[np.ndarray, bool, bool] | None:
    """(naive ns, has time, has seconds) for plain dd/mm/yyyy [HH:MM[:SS[.f]]] values, or None.

    The values are rewritten to ISO 8601 with Arrow's regex replace and cast by Arrow, which
    rejects impossible dates; any problem returns None (the caller takes the slower path).
    """
    if _matches(values, r"[AaPp]\.?[Mm]|SA|CH|sa|ch|Z$|[+-]\d\d(:?\d\d)?$").any():
        return None
    s = pc.replace_substring_regex(values, r"^(\d)([/.-])", r"0\1\2")
    s = pc.replace_substring_regex(s, r"^(\d\d[/.-])(\d)([/.-])", r"\10\2\3")
    order = r"\3-\2-\1" if dayfirst else r"\3-\1-\2"
    s = pc.replace_substring_regex(s, r"^(\d\d)[/.-](\d\d)[/.-](\d{4})", order)
    s = pc.replace_substring_regex(s, r"^(\d{4}-\d\d-\d\d)(?:T|\s+|,\s*)", r"\1 ")
    s = pc.replace_substring_regex(s, r"^(\d{4}-\d\d-\d\d )(\d):", r"\10\2:")
    s = pc.replace_substring_regex(s, r"(:\d\d),(\d)", r"\1.\2")
    s = pc.utf8_rtrim_whitespace(s)
    try:
        ns = pc.cast(s, pa.timestamp("ns")).cast(pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    has_time = bool(_matches(s, r"^\d{4}-\d\d-\d\d \d").any())
    has_sec = bool(_matches(s, r" \d\d:\d\d:\d\d").any())
    return ns, has_time, has_sec


# ---------------------------------------------------------------------------- the parser
class _ColumnParser:
    """Parse one column in two steps, so that several columns can agree on day/month order."""

    def __init__(self, values: pd.Series, *, column: str, role: str, source: str,
                 where: Callable[[np.ndarray], str]) -> None:
        self.values = values
        self.column = column
        self.role = role
        self.source = source
        self.where = where
        self.n = len(values)
        self.mode = "strings"
        self.classified: _Classified | None = None
        self.indices: np.ndarray | None = None
        self.order: bool | None = None
        self.fast: str | None = None
        #: a value without a time of day is the end of its day (due dates), not its start
        self.end_of_day = role in END_OF_DAY_ROLES
        dtype = values.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
            self.mode = "datetime"
            return
        if pd.api.types.is_bool_dtype(dtype):
            self.mode = "strings"
        elif pd.api.types.is_numeric_dtype(dtype):
            self.mode = "numeric"
            return
        if pd.api.types.is_object_dtype(dtype):
            inferred = pd.api.types.infer_dtype(values, skipna=True)
            if inferred in ("datetime", "datetime64", "date"):
                self.mode = "datetime"
                return
            if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
                self.mode = "numeric"
                return
            if inferred not in ("string", "empty"):
                values = values.map(lambda v: v if v is None or isinstance(v, str) else str(v), na_action="ignore")
        self.string_values = values
        if not isinstance(values.dtype, pd.CategoricalDtype):
            self.arrow = _text_array(values)
            self._plan_fast(self.arrow)
        if self.fast is None:
            self._prepare_strings(values)

    # -- fast path: one Arrow conversion of the whole column, planned from a sample
    def _plan_fast(self, arr: pa.Array) -> None:
        sample = arr.slice(0, 4000).drop_null()
        if len(sample) == 0 or len(arr) < 2000:
            return
        c = _Classified(sample)
        kinds = set(c.kind) - {"null"}
        if kinds == {"iso"}:
            aware = _matches(sample, r"(Z|z|[+-]\d\d(:?\d\d)?)$")
            if aware.all():
                self.fast = "iso_aware"
            elif not aware.any():
                self.fast = "iso_naive"
        elif kinds == {"dmy"}:
            lengths = pc.utf8_length(sample).to_numpy(zero_copy_only=False)
            first = sample[0].as_py()
            layout = {10: "", 16: " %H:%M", 19: " %H:%M:%S"}
            if len(set(lengths)) == 1 and int(lengths[0]) in layout and first[2] == first[5] and first[2] in "/.-":
                fixed = r"^\d\d" + re.escape(first[2]) + r"\d\d" + re.escape(first[2]) + r"\d{4}"
                fixed += {10: "", 16: r" \d\d:\d\d", 19: r" \d\d:\d\d:\d\d"}[int(lengths[0])] + "$"
                if _matches(sample, fixed).all():
                    try:  # a value further down with another layout: the slow path reads the column
                        a = pc.cast(pc.utf8_slice_codeunits(arr, 0, 2), pa.int64(), safe=False)
                        b = pc.cast(pc.utf8_slice_codeunits(arr, 3, 5), pa.int64(), safe=False)
                        a_np = pc.fill_null(a, 0).to_numpy(zero_copy_only=False)
                        b_np = pc.fill_null(b, 0).to_numpy(zero_copy_only=False)
                        # only a date valid in one order tells the order (see _dmy_evidence)
                        cand = np.flatnonzero((a_np > 12) | (b_np > 12))
                        y = pc.cast(pc.utf8_slice_codeunits(arr.take(pa.array(cand)), 6, 10), pa.int64(), safe=False)
                        y_np = pc.fill_null(y, 0).to_numpy(zero_copy_only=False)
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                        return
                    ok_day, ok_month = _valid_orders(a_np[cand], b_np[cand], y_np)
                    if not (ok_day | ok_month).all():
                        return  # dates valid in neither order: the slow path names their rows
                    day_first, month_first = bool(ok_day.any()), bool(ok_month.any())
                    if day_first and month_first:
                        return  # the slow path reports the conflict with samples and rows
                    self.order = True if day_first else (False if month_first else None)
                    self.fast = "dmy"
                    self.fast_layout = (first[2], layout[int(lengths[0])], a_np, b_np)

    def _finish_fast(self, timezone: str, dayfirst: bool | None) -> TimeColumn | None:
        arr = self.arrow
        n_null = arr.null_count
        try:
            if self.fast == "iso_aware":
                ns = pc.cast(arr, pa.timestamp("ns", tz="UTC")).cast(pa.int64())
                tails = pc.unique(pc.utf8_slice_codeunits(arr, -6)).drop_null().to_pylist()
                found = [_SUFFIX.search(t) for t in tails]
                if not all(found):
                    return None
                offsets = sorted({_offset_of(m.group(1)) for m in found if m})
                if len(offsets) > 1:
                    return None  # the careful path checks each value's offset against the timezone
                desc = "ISO 8601 with offset"
            elif self.fast == "iso_naive":
                ns = pc.cast(arr, pa.timestamp("ns")).cast(pa.int64())
                offsets = []
                desc = "ISO 8601"
            else:
                sep, clock, a_np, b_np = self.fast_layout
                order = self.order if self.order is not None else (dayfirst if dayfirst is not None else True)
                date = f"%d{sep}%m{sep}%Y" if order else f"%m{sep}%d{sep}%Y"
                ns = pc.strptime(arr, format=date + clock, unit="ns", error_is_null=True).cast(pa.int64())
                offsets = []
                label = "dd/mm/yyyy" if order else "mm/dd/yyyy"
                desc = label + {"": "", " %H:%M": " HH:MM", " %H:%M:%S": " HH:MM:SS"}[clock]
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        if ns.null_count != n_null:
            return None
        values = pc.fill_null(ns, _NAT).to_numpy(zero_copy_only=False)
        present = values != _NAT
        if self.fast == "dmy":
            # Arrow's strptime rolls 31/02 over into March: the month must be the one written
            month_written = b_np if order else a_np
            months = values.view("M8[ns]").astype("M8[M]").astype(np.int64) % 12 + 1
            if (present & (months != month_written)).any():
                return None
        if (present & ~_in_years(values)).any():
            return None
        aware = np.full(len(values), self.fast == "iso_aware")
        bad = np.zeros(len(values), dtype=bool)
        dayfirst_used = (order if self.fast == "dmy" else None)
        date_only = None
        if self.end_of_day:
            if self.fast == "dmy":
                date_only = np.full(len(values), clock == "")
            else:  # a date alone, even with an offset, has at most 16 characters: test only those
                short = pc.fill_null(pc.less_equal(pc.utf8_length(arr), 16), False).to_numpy(zero_copy_only=False)
                date_only = np.zeros(len(values), dtype=bool)
                if short.any():
                    date_only[short] = ~_matches(arr.filter(pa.array(short)), _CLOCK)
        return self._build(values, aware, None, timezone, desc, bad, dayfirst_used,
                           self.order is not None, bad_values=[], indices=None, given_offsets=offsets,
                           date_only=date_only)

    # -- strings
    def _prepare_strings(self, values: pd.Series) -> None:
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = pa.array(values.cat.categories.astype(str).to_numpy(dtype=object), type=pa.string())
            codes = values.cat.codes.to_numpy().astype(np.int64)
            uniq, indices = cats, codes
        else:
            arr = _text_array(values)
            enc = arr.dictionary_encode()
            uniq = enc.dictionary
            indices = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy(zero_copy_only=False)
        uniq = pc.utf8_trim_whitespace(uniq)
        self.indices = indices
        self.classified = _Classified(uniq)
        day, month = _dmy_evidence(self.classified)
        self.order = None if day.any() == month.any() else bool(day.any())
        if day.any() and month.any():
            raise LogValidationError(
                f"{self.source}: column {self.column!r} ({self.role}) mixes day-first and month-first "
                f"dates: {self._rows_of(day, 'day first')} and {self._rows_of(month, 'month first')}; "
                "make the column use one order"
            )

    def _rows_of(self, mask: np.ndarray, label: str) -> str:
        """``'25/01/2025' (day first, on rows 2, 7)``: the first of the distinct values in ``mask``
        met in the column, and the rows of all of them."""
        assert self.classified is not None and self.indices is not None
        rows = np.flatnonzero(np.isin(self.indices, np.flatnonzero(mask)))
        sample = self.classified.uniq[int(self.indices[rows[0]])].as_py()
        return f"{sample!r} ({label}, {self.where(rows)})"

    @property
    def has_dmy(self) -> bool:
        if getattr(self, "fast", None) == "dmy":
            return True
        return self.classified is not None and any(k in self.classified for k in ("dmy", "tdmy"))

    # -- numbers
    def _numbers(self, nums: np.ndarray) -> tuple[np.ndarray, np.ndarray, str, np.ndarray]:
        """(ns, aware mask, description, bad mask) for numbers (int64, or float64 with NaN = missing)."""
        ok = np.isfinite(nums) if nums.dtype.kind == "f" else np.ones(len(nums), dtype=bool)
        ns = np.full(len(nums), _NAT, dtype=np.int64)
        aware = np.zeros(len(nums), dtype=bool)
        bad = np.zeros(len(nums), dtype=bool)
        if not ok.any():
            return ns, aware, "", bad
        v = nums[ok]
        lo, hi = float(v.min()), float(v.max())
        integral = v.dtype.kind in "iu" or bool(np.all(v == np.floor(v)))
        kind = None
        for name, (a, b) in {
            "yyyymmdd": (19000101, 22001232),
            "Excel serial dates": (20_000, 110_000),
            "epoch seconds": (1e8, 1e10),
            "epoch milliseconds": (1e11, 1e13),
            "epoch microseconds": (1e14, 1e16),
            "epoch nanoseconds": (1e17, 1e19),
        }.items():
            if a <= lo and hi < b and (integral or name in ("Excel serial dates", "epoch seconds", "epoch milliseconds")):
                kind = name
                break
        if kind is None:
            raise LogValidationError(
                f"{self.source}: column {self.column!r} ({self.role}) holds numbers from {lo:g} to {hi:g} "
                f"that are not one kind of time (Excel serial dates 20000..110000, epoch seconds 1e8..1e10 or "
                f"milliseconds 1e11..1e13); accepted formats: {ACCEPTED_FORMATS}"
            )
        out = np.full(len(v), _NAT, dtype=np.int64)
        if kind == "yyyymmdd":
            iv = v.astype(np.int64)
            y, m, d = iv // 10000, iv // 100 % 100, iv % 100
            valid = (m >= 1) & (m <= 12) & (d >= 1) & (d <= _days_in_month(y, m))
            out[valid] = _days_from_civil(y[valid], m[valid], d[valid]) * _DAY_NS
            bad_sub = ~valid
        elif kind == "Excel serial dates":
            ms = np.round((v - _EXCEL_EPOCH_SERIAL) * 86_400_000.0).astype(np.int64)
            out = ms * 1_000_000
            bad_sub = np.zeros(len(v), dtype=bool)
        else:
            scale = {"epoch seconds": 1e9, "epoch milliseconds": 1e6, "epoch microseconds": 1e3, "epoch nanoseconds": 1}[kind]
            if v.dtype.kind in "iu":
                out = v.astype(np.int64) * int(scale)
            else:
                out = np.round(v * scale).astype(np.int64)
            aware[np.flatnonzero(ok)] = True
            bad_sub = np.zeros(len(v), dtype=bool)
        ns[ok] = out
        bad[np.flatnonzero(ok)[bad_sub]] = True
        ns[bad] = _NAT
        return ns, aware, kind, bad

    # -- finish
    def finish(self, timezone: str, dayfirst: bool | None) -> TimeColumn:
        if self.mode == "strings" and self.fast is not None:
            done = self._finish_fast(timezone, dayfirst)
            if done is not None:
                return done
            self.fast = None
            self._prepare_strings(self.string_values)
        if self.mode == "datetime":
            return self._finish_datetime(timezone)
        if self.mode == "numeric":
            nums = pd.to_numeric(self.values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            ns, aware, desc, bad = self._numbers(nums)
            return self._build(ns, aware, np.zeros(len(ns), dtype=np.int64), timezone, desc, bad, None, False,
                               bad_values=[str(x) for x in nums[bad][:5]], indices=None,
                               date_only=_whole_days(nums, desc) if self.end_of_day else None)
        assert self.classified is not None and self.indices is not None
        c = self.classified
        order = self.order if self.order is not None else (dayfirst if dayfirst is not None else True)
        from_data = self.order is not None
        n = len(c.uniq)
        ns = np.full(n, _NAT, dtype=np.int64)
        aware = np.zeros(n, dtype=bool)
        offset = np.zeros(n, dtype=np.int64)
        bad = c.kind == ""
        date_only = np.zeros(n, dtype=bool) if self.end_of_day else None
        descs: list[str] = []
        for name in ("iso", "dmy", "tdmy"):
            if name not in c:
                continue
            pos = c.positions[name]
            if date_only is not None and name != "tdmy":
                date_only[pos] = ~_matches(c.values(name), _CLOCK)
            fast = None
            if name == "iso":
                fast = _fast_iso(c.values(name))
            elif name == "dmy":
                quick = _fast_dmy(c.values(name), order)
                if quick is not None:
                    fast = (quick[0], np.zeros(len(pos), dtype=bool), np.zeros(len(pos), dtype=np.int64),
                            quick[1], quick[2])
            if fast is not None:
                vals, has_tz, minutes, any_time, any_sec = fast
                local = np.where(has_tz, vals + minutes * 60 * _NS, vals)
                valid = _in_years(local)
                vals = np.where(valid, vals, _NAT)
            else:
                vals, has_tz, minutes, valid, any_time, any_sec = self._slow(name, order)
            ns[pos] = vals
            aware[pos] = has_tz & valid
            offset[pos] = minutes
            bad[pos] = ~valid
            if name == "iso":
                descs.append("ISO 8601" + (" with offset" if has_tz.any() else ""))
            else:
                date = "dd/mm/yyyy" if order else "mm/dd/yyyy"
                clock = (" HH:MM:SS" if any_sec else " HH:MM") if any_time else ""
                if name == "tdmy":
                    descs.append(f"{clock.strip()} {date}")
                else:
                    descs.append(f"{date}{clock}" + (" with offset" if has_tz.any() else ""))
        if "num" in c:
            pos = c.positions["num"]
            text = c.values("num")
            if pc.any(pc.match_substring(text, ".")).as_py():
                numbers: np.ndarray = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
            else:
                numbers = pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)
            nns, naware, desc, nbad = self._numbers(numbers)
            ns[pos] = nns
            aware[pos] = naware
            bad[pos] = nbad
            if date_only is not None:
                date_only[pos] = _whole_days(numbers, desc)
            descs.append(desc)
        bad_values = [str(v) for v in c.uniq.take(pa.array(np.flatnonzero(bad)[:5])).to_pylist()]
        return self._build(ns, aware, offset, timezone, " + ".join(d for d in descs if d), bad,
                           order if self.has_dmy else None, from_data, bad_values=bad_values,
                           indices=self.indices, null=c.kind == "null", date_only=date_only)

    def _slow(self, name: str, order: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool, bool]:
        """Field by field (regex extraction and numpy calendar arithmetic), with per-value validity."""
        assert self.classified is not None
        st = self.classified.struct(name)
        n = len(st)
        y = _int_field(st, "y")
        if name == "iso":
            mo, d = _int_field(st, "mo"), _int_field(st, "d")
        else:
            a, b = _int_field(st, "a"), _int_field(st, "b")
            d, mo = (a, b) if order else (b, a)
        H, Mi, S = _int_field(st, "H"), _int_field(st, "Mi"), _int_field(st, "S")
        has_time, has_sec = _has(st, "H"), _has(st, "S")
        has_ap = _has(st, "ap")
        pm = _by_distinct(st.field("ap"), lambda v: int(v.upper().replace(".", "") in ("PM", "CH"))) == 1
        valid_ap = ~has_ap | ((H >= 1) & (H <= 12))
        H = np.where(has_ap, H % 12 + np.where(pm, 12, 0), H)
        frac_ns = _fraction_ns(st)
        valid = (
            (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= _days_in_month(y, mo))
            & (H < 24) & (Mi < 60) & (S < 60) & valid_ap
            & (y >= NS_MIN_YEAR) & (y <= NS_MAX_YEAR)
        )
        days = _days_from_civil(y, mo, d)
        local = ((days * 24 + H) * 60 + Mi) * 60 + S
        vals = np.where(valid, local * _NS + frac_ns, _NAT)
        if name != "tdmy":
            has_tz, minutes = _offset_minutes(st)
        else:
            has_tz, minutes = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
        vals = np.where(valid & has_tz, vals - minutes * 60 * _NS, vals)
        return vals, has_tz, minutes, valid, bool(has_time.any()), bool(has_sec.any())

    def _finish_datetime(self, timezone: str) -> TimeColumn:
        s = self.values
        if pd.api.types.is_object_dtype(s.dtype):
            s = pd.to_datetime(s, errors="coerce", utc=False)
            if pd.api.types.is_object_dtype(s.dtype):  # mixed aware/naive python datetimes
                raise LogValidationError(
                    f"{self.source}: column {self.column!r} ({self.role}) mixes times with and without a "
                    "timezone; give every value the same form"
                )
        # a time that nanoseconds cannot hold (after 2262, before 1677) is outside the plausible
        # years: found and left empty in the column's own resolution, before the conversion
        early, early_values = _outside_years(s, timezone, end_of_day=self.end_of_day)
        if early.any():
            s = s.where(~early)
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out = s.dt.tz_convert(timezone)
            desc = "times with timezone"
        else:
            desc = "date-time values"
            present = s.notna()
            if self.end_of_day and present.any() and bool((s[present] == s[present].dt.normalize()).all()):
                # dates without a time (Excel date cells, Python dates): due at the end of the day
                s = s.astype("datetime64[ns]") + pd.Timedelta(_END_OF_DAY_NS, unit="ns")
                desc = "dates, end of day"
            out = s.dt.tz_localize(timezone, ambiguous=np.zeros(len(s), dtype=bool), nonexistent="shift_forward")
        out = out.astype(f"datetime64[ns, {timezone}]")
        utc = out.array.asi8
        present = utc != _NAT
        if not present.any() or (utc[present].min() >= _SAFE_FIRST and utc.max() <= _SAFE_LAST):
            bad = np.zeros(len(out), dtype=bool)  # all inside the plausible years, whatever the offset
        else:
            years = out.dt.year
            bad = (years.notna() & ((years < NS_MIN_YEAR) | (years > NS_MAX_YEAR))).to_numpy()
        bad_values = [str(v) for v in out[bad].head(5)]
        if bad.any():
            out = out.where(~bad)
        if early.any():
            bad = bad | early
            bad_values = (early_values + bad_values)[:5]
        return TimeColumn(values=out.reset_index(drop=True), format=desc, bad=np.flatnonzero(bad), bad_values=bad_values)

    def _build(self, ns: np.ndarray, aware: np.ndarray, offset: np.ndarray | None, timezone: str, desc: str,
               bad: np.ndarray, dayfirst: bool | None, from_data: bool, *, bad_values: list[str],
               indices: np.ndarray | None, null: np.ndarray | None = None,
               given_offsets: list[int] | None = None, date_only: np.ndarray | None = None) -> TimeColumn:
        """The column from ``ns`` (UTC where ``aware``, else naive local; one element per row, or per
        distinct value with ``indices``): offsets checked, date-only due dates moved to the end of
        their day, naive times localised."""
        present = ns != _NAT
        if (present & aware).any() and (present & ~aware).any():
            a_pos = np.flatnonzero(present & aware)
            n_pos = np.flatnonzero(present & ~aware)
            ex_a, ex_n = self._example(a_pos[:1], indices), self._example(n_pos[:1], indices)
            raise LogValidationError(
                f"{self.source}: column {self.column!r} ({self.role}) mixes times with a timezone offset "
                f"({ex_a}) and times without one ({ex_n}); give every value an offset, or none "
                f"(naive times are read in the timezone setting, --timezone)"
            )
        distinct = (np.unique(offset[present & aware]) if offset is not None else np.asarray(sorted(given_offsets or [])))
        if (present & aware).any() and "epoch" not in desc and len(distinct) > 1:
            if self.role in SOURCE_CHECKED_ROLES:
                offs = distinct
                if len(offs) > 2 or (len(offs) == 2 and abs(int(offs[1]) - int(offs[0])) > 60):
                    shown = ", ".join(_fmt_offset(o) for o in offs[:4])
                    raise LogValidationError(
                        f"{self.source}: column {self.column!r} ({self.role}) mixes timezone offsets {shown}, "
                        f"which cannot come from one timezone; convert the column to one timezone before reading"
                    )
            else:
                assert offset is not None  # several offsets always take the careful path
                self._check_offsets(ns, present & aware, offset, distinct, timezone, indices)
        if date_only is not None:
            shift = date_only & present
            if shift.any():
                ns = np.where(shift, ns + _END_OF_DAY_NS, ns)
                desc += ", end of day" if shift[present].all() else ", dates without a time at end of day"
        ns = np.where(present, ns, _NAT)
        if (present & aware).any():
            utc = ns
        else:
            naive = pd.DatetimeIndex(ns.view("M8[ns]"))
            loc = naive.tz_localize(timezone, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="shift_forward")
            utc = loc.asi8.copy()
            utc[~present] = _NAT
        if indices is not None:
            full = np.where(indices >= 0, utc[np.maximum(indices, 0)], _NAT)
            bad_rows = np.flatnonzero(np.isin(indices, np.flatnonzero(bad))) if bad.any() else np.zeros(0, dtype=np.int64)
        else:
            full = utc
            bad_rows = np.flatnonzero(bad)
        values = _series_from_utc(full, timezone)
        offsets = sorted(int(o) for o in distinct) if "epoch" not in desc and (present & aware).any() else []
        return TimeColumn(values=values, format=desc, dayfirst=dayfirst, dayfirst_from_data=from_data,
                          bad=bad_rows, bad_values=bad_values, offsets=offsets)

    def _check_offsets(self, ns: np.ndarray, aware: np.ndarray, offset: np.ndarray, distinct: np.ndarray,
                       timezone: str, indices: np.ndarray | None) -> None:
        """Raise unless every value's offset is the one ``timezone`` has at that instant (values
        written with the two offsets of a daylight-saving zone, read in that zone)."""
        sel = np.flatnonzero(aware)
        utc = ns[sel]
        local = pd.DatetimeIndex(utc.view("M8[ns]")).tz_localize("UTC").tz_convert(timezone).tz_localize(None)
        zone_minutes = (local.asi8 - utc) // (60 * _NS)
        if (zone_minutes == offset[sel]).all():
            return
        parts = []
        for minutes in distinct[:4]:
            pos = sel[offset[sel] == minutes]
            rows = np.flatnonzero(np.isin(indices, pos)) if indices is not None else pos
            parts.append(f"{_fmt_offset(int(minutes))} ({self._example(pos[:1], indices)}, {self.where(rows)})")
        if len(distinct) > 4:
            parts.append(f"{len(distinct) - 4} more")
        shown = ", ".join(parts[:-1]) + " and " + parts[-1]
        raise LogValidationError(
            f"{self.source}: column {self.column!r} ({self.role}) mixes timezone offsets {shown}, which cannot "
            f"all occur in the timezone {timezone} at those times; convert the column to one timezone before "
            "reading, or set --timezone to the timezone the times come from"
        )

    def _example(self, pos: np.ndarray, indices: np.ndarray | None) -> str:
        if self.classified is not None:
            return repr(self.classified.uniq[int(pos[0])].as_py())
        return repr(str(self.values.iloc[int(pos[0])]))


def _whole_days(nums: np.ndarray, kind: str) -> np.ndarray:
    """Which numbers of a column of ``kind`` (see ``_numbers``) are dates without a time of day:
    yyyymmdd numbers, and whole Excel serials."""
    if kind == "yyyymmdd":
        return np.ones(len(nums), dtype=bool)
    if kind == "Excel serial dates":
        with np.errstate(invalid="ignore"):
            return np.asarray(np.mod(nums, 1) == 0)  # NaN (missing) is not
    return np.zeros(len(nums), dtype=bool)


def _series_from_utc(ns: np.ndarray, timezone: str) -> pd.Series:
    """int64 UTC nanoseconds (int64 min = NaT) as a datetime64[ns, timezone] Series."""
    idx = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("M8[ns]")).tz_localize("UTC").tz_convert(timezone)
    return pd.Series(idx, index=pd.RangeIndex(len(idx)))


def _fmt_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    m = abs(int(minutes))
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def _positions(positions: np.ndarray, limit: int = 5) -> str:
    """``on positions 0, 3``: where values are when the caller gave no rows."""
    label = "position" if len(positions) == 1 else "positions"
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"on {label} " + ", ".join(str(int(p)) for p in positions[:limit]) + more


def prepare(values: pd.Series, *, column: str, role: str, source: str,
            where: Callable[[np.ndarray], str]) -> _ColumnParser:
    """First step: classify the distinct values (raises on a day/month conflict)."""
    return _ColumnParser(values, column=column, role=role, source=source, where=where)


def parse_times(values: pd.Series, *, timezone: str, column: str = "time", role: str = "timestamp",
                source: str = "<memory>", dayfirst: bool | None = None,
                where: Callable[[np.ndarray], str] | None = None) -> TimeColumn:
    """Parse one column of times into ``datetime64[ns, timezone]``.

    Values that cannot be read are reported in ``TimeColumn.bad`` (positions) and become NaT;
    the caller decides whether that is an error. Mixed timezones and day/month conflicts raise
    :class:`LogValidationError`.
    """
    parser = prepare(values, column=column, role=role, source=source, where=where or _positions)
    return parser.finish(timezone, dayfirst)



def _outside_years(s: pd.Series, timezone: str, *, end_of_day: bool = False) -> tuple[np.ndarray, list[str]]:
    """The times of a datetime column stored in another resolution than nanoseconds (seconds,
    milliseconds or microseconds, as Parquet files hold them) whose local year is outside
    :data:`NS_MIN_YEAR`..:data:`NS_MAX_YEAR`: (mask, up to five of them as text, in ``timezone``;
    dates shown at the end of their day for an ``end_of_day`` column of dates only, as the reader
    of a log left on its files shows them). Nanoseconds cannot hold a time after 2262, so these
    must go before the conversion."""
    if not hasattr(s, "dt") or s.dt.unit == "ns":
        return np.zeros(len(s), dtype=bool), []
    aware = isinstance(s.dtype, pd.DatetimeTZDtype)
    local = s.dt.tz_convert(timezone) if aware else s
    years = local.dt.year
    bad = (years.notna() & ((years < NS_MIN_YEAR) | (years > NS_MAX_YEAR))).to_numpy()
    if not bad.any():
        return bad, []
    shown = local[bad].head(5)
    present = local.notna()
    if end_of_day and not aware and bool((local[present] == local[present].dt.normalize()).all()):
        shown = shown + pd.Timedelta(microseconds=_END_OF_DAY_NS // 1000)
    if not aware:
        shown = shown.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
    return bad, [str(v) for v in shown]
