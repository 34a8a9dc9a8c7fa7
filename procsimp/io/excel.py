"""Excel workbooks (.xlsx, .xlsm, .xls, .xlsb, .ods): python-calamine, openpyxl as a fallback.

The first sheet with data is read (the others are named in a warning); its first row is the
header. Date cells arrive as dates, number cells as numbers (a case id typed as a number,
``1001.0``, becomes the text ``1001``; a time typed as a number is an Excel serial date).
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from procsimp.errors import LogReadError

__all__ = ["read_excel_frame"]


_Sheets = list[tuple[str, list[list[Any]], int]]  # (name, rows, 0-based sheet row of the first row)


def _rows_calamine(path: Path) -> _Sheets:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=True)
        start = sheet.start[0] if sheet.start else 0
        sheets.append((name, rows, int(start)))
    return sheets


def _rows_openpyxl(path: Path) -> _Sheets:
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            while rows and all(v is None or v == "" for v in rows[-1]):
                rows.pop()
            start = 0
            while rows and all(v is None or v == "" for v in rows[0]):
                rows.pop(0)
                start += 1
            sheets.append((ws.title, rows, start))
    finally:
        wb.close()
    return sheets


def _column(values: list[Any]) -> pd.Series:
    s = pd.Series(values, dtype=object)
    s = s.where(~s.isin([""]), None)
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    if inferred == "empty":
        return pd.Series([None] * len(s), dtype=object)
    if inferred in ("datetime", "datetime64", "date"):
        return pd.to_datetime(s, errors="coerce")
    if inferred in ("integer", "floating", "mixed-integer-float"):
        num = pd.to_numeric(s, errors="coerce")
        if bool(np.all(np.mod(num.dropna(), 1) == 0)) and num.notna().all():
            return num.astype(np.int64)
        return num.astype(np.float64)
    if inferred == "boolean":
        return s.astype(bool) if s.notna().all() else s

    def text(v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (_dt.datetime, _dt.date)):
            return v.isoformat(sep=" ") if isinstance(v, _dt.datetime) else v.isoformat()
        return str(v)

    return s.map(text).astype("str").where(s.notna(), None)


def read_excel_frame(path: Path, source: str) -> tuple[pd.DataFrame, list[str], int]:
    """(frame, warnings, file row number of the first data row)."""
    errors = []
    sheets = None
    for reader in (_rows_calamine, _rows_openpyxl):
        try:
            sheets = reader(path)
            break
        except ImportError as exc:
            errors.append(str(exc))
        except Exception as exc:  # both libraries raise their own types for damaged files
            errors.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if sheets is None:
        raise LogReadError(
            f"{source}: not a readable Excel workbook ({errors[0] if errors else 'unknown error'}); the file is "
            "damaged or not a workbook: open it in Excel and save it again as .xlsx, or export the log as CSV"
        )
    filled = [sheet for sheet in sheets if any(any(v not in (None, "") for v in r) for r in sheet[1])]
    if not filled:
        raise LogReadError(f"{source}: the workbook is empty (no sheet has data); export the log again")
    warnings = []
    name, rows, start = filled[0]
    if len(filled) > 1:
        others = ", ".join(repr(sheet[0]) for sheet in filled[1:4])
        warnings.append(f"the workbook has {len(filled)} sheets with data; read the first, {name!r} (not {others})")
    header = rows[0]
    width = max(len(r) for r in rows)
    names: list[str] = []
    for i in range(width):
        raw = header[i] if i < len(header) else None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        label = unicodedata.normalize("NFC", str(raw).strip()) if raw not in (None, "") else f"column {i + 1}"
        base, k = label, 2
        while label in names:
            label = f"{base} ({k})"
            k += 1
        names.append(label)
    body = [list(r) + [None] * (width - len(r)) for r in rows[1:]]
    if not body:
        raise LogReadError(
            f"{source}: sheet {name!r} has a header ({', '.join(repr(n) for n in names[:12])}) but no events; "
            "export the log again with its rows"
        )
    cols = list(zip(*body, strict=True))
    frame = pd.DataFrame({names[i]: _column(list(cols[i])) for i in range(width)})
    # drop columns that have neither a header nor a value
    empty = [n for i, n in enumerate(names) if n == f"column {i + 1}" and frame[n].isna().all()]
    if empty:
        frame = frame.drop(columns=empty)
    return frame, warnings, start + 2
