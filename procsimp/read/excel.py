"""Excel workbooks (.xlsx, .xlsm, .xls, .xlsb, .ods): python-calamine, openpyxl as a fallback.

The first visible sheet with data is read (the others are named in a warning), or the one named
by ``sheet``. The header is the row given by ``header_row``, else the first of the top rows whose
cells are known headers (or the columns the user named), so that a title above the table is
skipped; a header split over two rows by merged cells is joined. Date cells arrive as dates,
number cells as numbers (a case id typed as a number, ``1001.0``, becomes the text ``1001``; a
time typed as a number is an Excel serial date).

Before any library loads a sheet, the cell references of an .xlsx are read from the file itself:
a library holds a sheet as a dense grid, so one stray cell at XFD1048576 would ask for hundreds of
gigabytes.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from procsimp.errors import LogReadError, ParameterError

__all__ = ["read_excel_frame"]


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any]]
    start: int  #: 0-based sheet row of ``rows[0]``
    hidden: bool = False
    #: merged ranges ((first row, first column), (last row, last column)), 0-based sheet positions
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


#: the most cells a sheet's used range may span (a dense grid of about 2 GB in the readers)
MAX_CELLS = 60_000_000
_CELL_REF = re.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?([0-9]{1,7})?(?::([A-Z]{1,3})([0-9]{1,7}))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def check_dimensions(path: Path, source: str) -> None:
    """Refuse an .xlsx/.xlsm whose sheets span far more cells than they hold.

    The cell references are read from each sheet's XML, streamed out of the zip file, so nothing
    the size of the grid is ever allocated. Other formats (and damaged files) are left to the
    readers.
    """
    import zipfile

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            rows = cols = cells = 0
            tail = b""
            try:
                with zf.open(info) as f:
                    while True:
                        chunk = f.read(1 << 22)
                        if not chunk:
                            break
                        data = tail + chunk
                        cut = data.rfind(b"<")
                        body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                        refs = _CELL_REF.findall(body)
                        if refs:
                            cells += len(refs)
                            letters = {r[0] for r in refs}
                            widest = max(letters, key=lambda b: (len(b), b))
                            cols = max(cols, _column_number(widest))
                            rows = max(rows, max(int(r[1]) for r in refs))
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
                return  # damaged: the readers say how
            area = rows * cols
            if area > MAX_CELLS and area > 20 * cells:
                raise LogReadError(
                    f"{source}: a sheet ({info.filename.rsplit('/', 1)[-1]}) spans A1:{_column_letters(cols)}{rows} "
                    f"({area:,} cells) but holds {cells:,} values; Excel readers allocate the whole range: delete "
                    "the stray cells outside the table (Ctrl+End shows the last one), or export the log as CSV"
                )


def _rows_calamine(path: Path) -> list[_Sheet]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    hidden = {m.name for m in getattr(wb, "sheets_metadata", []) if not str(m.visible).endswith("Visible")}
    sheets = []
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=True)
        start = sheet.start[0] if sheet.start else 0
        merged = [((int(a[0]), int(a[1])), (int(b[0]), int(b[1])))
                  for a, b in (getattr(sheet, "merged_cell_ranges", None) or [])]
        sheets.append(_Sheet(name, rows, int(start), name in hidden, merged))
    return sheets


def _rows_openpyxl(path: Path) -> list[_Sheet]:
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
            sheets.append(_Sheet(ws.title, rows, start, ws.sheet_state != "visible"))
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


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return unicodedata.normalize("NFC", str(v).strip()) if not _blank(v) else ""


def _header_score(row: list[Any], known: Collection[str]) -> int:
    from procsimp.read.mapping import normalise_header

    return sum(1 for v in row if isinstance(v, str) and normalise_header(v) in known)


#: how many top rows may hold a title before the header
_HEADER_SEARCH = 30


def _find_header(rows: list[list[Any]], known: Collection[str]) -> int:
    """The index of the first of the top rows with two or more known headers, else 0."""
    for i, row in enumerate(rows[:_HEADER_SEARCH]):
        if _header_score(row, known) >= 2:
            return i
    return 0


def _sub_header(rows: list[list[Any]], at: int, sheet: _Sheet) -> bool:
    """Whether ``rows[at + 1]`` continues the header ``rows[at]``: merged cells of the header span
    two rows (a group label over its columns, or labels merged down into the second row)."""
    if at + 2 >= len(rows) or not sheet.merged:
        return False
    header_row = sheet.start + at
    spans_two = any(a[0] <= header_row < b[0] and b[0] >= header_row + 1 for a, b in sheet.merged)
    groups = any(a[0] == b[0] == header_row and b[1] > a[1] for a, b in sheet.merged)
    below = rows[at + 1]
    texts = all(isinstance(v, str) for v in below if not _blank(v))
    return (spans_two or groups) and texts and any(not _blank(v) for v in below)


def _header_names(rows: list[list[Any]], at: int, two: bool, width: int) -> list[str]:
    top = rows[at]
    sub = rows[at + 1] if two else []
    names: list[str] = []
    group = ""
    for i in range(width):
        head = _label(top[i]) if i < len(top) else ""
        low = _label(sub[i]) if i < len(sub) else ""
        if head:
            group = head
        label = low or head or (group if two and low else "") or f"column {i + 1}"
        base, k = label, 2
        while label in names:
            label = f"{group} {base}" if two and group and k == 2 and f"{group} {base}" not in names else f"{base} ({k})"
            k += 1
        names.append(label)
    return names


def read_excel_frame(
    path: Path,
    source: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    known: Collection[str] = (),
) -> tuple[pd.DataFrame, list[str], int]:
    """(frame, warnings, file row number of the first data row).

    ``sheet``: the sheet to read (default: the first visible one with data). ``header_row``: the
    sheet row (1 = the first) that holds the column names (default: found from ``known``, the
    normalised names of known and requested headers). The sheet and header row used are named in
    a warning whenever they are not simply the first ones.
    """
    from procsimp.read.mapping import SYNONYMS

    check_dimensions(path, source)
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
    warnings = []
    if sheet is not None:
        chosen = [s for s in sheets if s.name == sheet]
        if not chosen:
            raise LogReadError(
                f"{source}: no sheet is called {sheet!r}; the sheets are {', '.join(repr(s.name) for s in sheets)}: "
                "give one of them with --sheet"
            )
        if not any(any(not _blank(v) for v in r) for r in chosen[0].rows):
            raise LogReadError(f"{source}: sheet {sheet!r} is empty; give the sheet that holds the log with --sheet")
        current = chosen[0]
    else:
        filled = [s for s in sheets if any(any(not _blank(v) for v in r) for r in s.rows)]
        if not filled:
            raise LogReadError(f"{source}: the workbook is empty (no sheet has data); export the log again")
        visible = [s for s in filled if not s.hidden]
        current = (visible or filled)[0]
        hidden = [s.name for s in filled if s.hidden]
        if hidden and visible:
            warnings.append(
                f"the hidden sheet(s) {', '.join(repr(n) for n in hidden[:4])} were not read; choose one with --sheet"
            )
        elif hidden:
            warnings.append(f"the workbook has only hidden sheets with data; read the hidden sheet {current.name!r}")
        others = [s for s in visible if s is not current]
        if others:
            listed = ", ".join(repr(s.name) for s in others[:3])
            warnings.append(
                f"the workbook has {len(visible)} sheets with data; read the first, {current.name!r} (not {listed}); "
                "choose another with --sheet"
            )
    rows = current.rows
    if header_row is not None:
        if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
            raise ParameterError(f"header_row must be a sheet row number (1 or more), got {header_row!r}")
        at = header_row - 1 - current.start
        if at < 0 or at >= len(rows) or all(_blank(v) for v in rows[at]):
            raise LogReadError(
                f"{source}: row {header_row} of sheet {current.name!r} is empty; give the row that holds the column "
                "names with --header-row"
            )
    else:
        known_names = set(known)
        for synonyms in SYNONYMS.values():
            known_names |= synonyms
        at = _find_header(rows, known_names)
        while at < len(rows) and all(_blank(v) for v in rows[at]):
            at += 1
    two = _sub_header(rows, at, current)
    width = max(len(r) for r in rows)
    names = _header_names(rows, at, two, width)
    first = at + (2 if two else 1)
    body = [list(r) + [None] * (width - len(r)) for r in rows[first:]]
    while body and all(_blank(v) for v in body[-1]):
        body.pop()
    header_number = current.start + at + 1
    if at > 0 or two or header_row is not None or sheet is not None:
        rows_text = f"rows {header_number}-{header_number + 1}" if two else f"row {header_number}"
        warnings.append(
            f"read sheet {current.name!r}: column names on {rows_text}, events from row "
            f"{current.start + first + 1}" + (" (the rows above were skipped)" if at > 0 and header_row is None else "")
        )
    if not body:
        raise LogReadError(
            f"{source}: sheet {current.name!r} has a header ({', '.join(repr(n) for n in names[:12])}) but no events; "
            "export the log again with its rows"
        )
    cols = list(zip(*body, strict=True))
    frame = pd.DataFrame({names[i]: _column(list(cols[i])) for i in range(width)})
    # drop columns that have neither a header nor a value
    empty = [n for i, n in enumerate(names) if n == f"column {i + 1}" and frame[n].isna().all()]
    if empty:
        frame = frame.drop(columns=empty)
    return frame, warnings, current.start + first + 1
