"""Write synthetic logs as CSV (one-stop-shop headers), Parquet and XES, byte for byte reproducibly.

CSV headers follow the language of the labels:

* ``vi``: ``ma_ho_so, thu_tuc, buoc, bat_dau, ket_thuc, can_bo, phong_ban, kenh, ngay_nhan,
  han_xu_ly, ket_qua`` with local times written ``dd/mm/yyyy HH:MM:SS``;
* ``en``: ``case_id, service, activity, start_time, end_time, officer, unit, channel, received,
  due, outcome`` with ISO 8601 times and their UTC offset.

Parquet and XES are written by :func:`procsimp.read.write_log` with the standard pm4py column
names. Nothing in the files depends on the time they were written, so the same seed always
gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procsimp.core._atomic import write_bytes, write_text
from procsimp.core.log import ROLES, TIME_ROLES, EventLog
from procsimp.errors import ParameterError

__all__ = ["CSV_HEADERS", "write_log_file", "write_csv", "write_truth", "csv_bytes", "truth_text"]

#: the standard columns, in file order
_ROLES = tuple(
    ROLES[role]
    for role in (
        "case", "service", "activity", "start", "timestamp", "resource", "unit", "channel",
        "received", "due", "outcome",
    )
)
#: lang -> CSV header per standard column, in file order
CSV_HEADERS: dict[str, dict[str, str]] = {
    "vi": dict(zip(_ROLES, ("ma_ho_so", "thu_tuc", "buoc", "bat_dau", "ket_thuc", "can_bo", "phong_ban",
                            "kenh", "ngay_nhan", "han_xu_ly", "ket_qua"), strict=True)),
    "en": dict(zip(_ROLES, ("case_id", "service", "activity", "start_time", "end_time", "officer", "unit",
                            "channel", "received", "due", "outcome"), strict=True)),
}
_TIME_COLUMNS = frozenset(ROLES[role] for role in TIME_ROLES)


# ---------------------------------------------------------------------------- text helpers
def _csv_quote_list(values: list[str]) -> list[str]:
    """Quote values the way RFC 4180 needs: only those with , " or a line break."""
    return [
        '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\r\n') else v for v in values
    ]


def _text_column(series: pd.Series, transform: Any = None) -> pa.Array:
    """A text column as an arrow string array, transforming only the categories (fast)."""
    cat = series if isinstance(series.dtype, pd.CategoricalDtype) else series.astype("category")
    cats = [str(c) for c in cat.cat.categories]
    if transform is not None:
        cats = transform(cats)
    codes = cat.cat.codes.to_numpy()
    dictionary = pa.array(cats + [""], type=pa.string())
    idx = np.where(codes < 0, len(cats), codes).astype(np.int32)
    return dictionary.take(pa.array(idx))


def _local_naive(series: pd.Series, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local wall-clock seconds since 1970, UTC offset minutes, NaT mask) of a tz-aware column."""
    utc = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
    local = series.dt.tz_convert(timezone).dt.tz_localize(None).to_numpy("datetime64[s]")
    nat = np.isnat(local)
    secs = np.where(nat, 0, local.astype(np.int64))
    offset = np.where(nat, 0, secs - np.where(nat, 0, utc.astype(np.int64))) // 60
    return secs, offset, nat


def _digits(out: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    for k in range(width - 1, -1, -1):
        out[:, col + k] = 48 + values % 10
        values = values // 10


def _time_text(series: pd.Series, timezone: str, style: str) -> pa.Array:
    """Format a tz-aware column without a per-value Python call.

    ``vi``: ``dd/mm/yyyy HH:MM:SS`` local; ``iso``: ``yyyy-mm-ddTHH:MM:SS+07:00``; ``xes``: the
    same with milliseconds (``.000``). NaT gives an empty string.
    """
    secs, offset, nat = _local_naive(series, timezone)
    n = len(secs)
    days, sod = np.divmod(secs, 86_400)
    # civil date from days since 1970-01-01 (H. Hinnant's algorithm)
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    hour, rest = np.divmod(sod, 3600)
    minute, second = np.divmod(rest, 60)
    fields: tuple[tuple[int, np.ndarray, int], ...]
    if style == "vi":
        layout = "dd/mm/yyyy HH:MM:SS"
        fields = ((0, day, 2), (3, month, 2), (6, year, 4), (11, hour, 2), (14, minute, 2), (17, second, 2))
    else:
        layout = "yyyy-mm-ddTHH:MM:SS" + (".000" if style == "xes" else "") + "+hh:mm"
        tail = 23 if style == "xes" else 19
        fields = ((0, year, 4), (5, month, 2), (8, day, 2), (11, hour, 2), (14, minute, 2), (17, second, 2),
                  (tail + 1, np.abs(offset) // 60, 2), (tail + 4, np.abs(offset) % 60, 2))
    width = len(layout)
    out = np.empty((n, width), dtype=np.uint8)
    out[:] = np.frombuffer(layout.encode(), dtype=np.uint8)
    for col, values, w in fields:
        _digits(out, col, values.astype(np.int64), w)
    if style != "vi":
        out[:, tail] = np.where(offset < 0, ord("-"), ord("+"))
    lengths = np.where(nat, 0, width)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    data = out[~nat].tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def _join_lines(columns: list[pa.Array]) -> bytes:
    """Join columns with commas and rows with newlines, in arrow (no Python loop)."""
    columns = [c.cast(pa.large_string()) for c in columns]
    sep = pa.scalar(",", pa.large_string())
    rows = pc.binary_join_element_wise(*columns, sep)
    rows = pc.binary_join_element_wise(rows, pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string()))
    if isinstance(rows, pa.ChunkedArray):
        rows = rows.combine_chunks()
    buffers = rows.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)
    first, last = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return bytes(memoryview(buffers[2])[first:last]) if len(rows) else b""


# ---------------------------------------------------------------------------- CSV
def csv_bytes(log: EventLog, lang: str) -> bytes:
    """The CSV file content of a log, with the headers of ``lang``."""
    if lang not in CSV_HEADERS:
        raise ParameterError(f"lang must be 'vi' or 'en'; received {lang!r}")
    headers = CSV_HEADERS[lang]
    df = log.df
    columns = []
    names = []
    for col, header in headers.items():
        if col not in df.columns:
            continue
        if col in _TIME_COLUMNS:
            arr = _time_text(df[col], log.timezone, "vi" if lang == "vi" else "iso")
        else:
            arr = _text_column(df[col], _csv_quote_list)
        columns.append(arr)
        names.append(header)
    head = (",".join(names) + "\n").encode("utf-8")
    if not columns or len(df) == 0:
        return head
    return head + _join_lines(columns)


def write_csv(log: EventLog, path: str | Path, lang: str) -> Path:
    return write_bytes(path, csv_bytes(log, lang))


# ---------------------------------------------------------------------------- dispatch
def write_log_file(log: EventLog, path: str | Path, fmt: str, lang: str) -> Path:
    """Write ``log`` to ``path`` as ``fmt``: CSV with the one-stop-shop headers of ``lang``;
    Parquet and XES through :func:`procsimp.read.write_log` (standard column names)."""
    if fmt == "csv":
        return write_csv(log, path, lang)
    if fmt in ("parquet", "xes"):
        from procsimp.read import write_log

        return Path(write_log(log, path, format=fmt))
    raise ParameterError(f"format {fmt!r} is not supported; choose csv, parquet or xes")


def truth_text(truth: dict[str, Any]) -> str:
    return json.dumps(truth, ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False) + "\n"


def write_truth(truth: dict[str, Any], path: str | Path) -> Path:
    return write_text(path, truth_text(truth))
