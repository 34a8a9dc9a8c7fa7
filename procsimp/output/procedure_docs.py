"""The internal procedure as office documents: XLSX (openpyxl) and DOCX (python-docx).

Both hold the same table, in Vietnamese or English: Bước / Nội dung công việc / Đơn vị thực
hiện / Thời gian (giờ làm việc), one row per step (steps of a parallel block share a step
number: 3a, 3b). Under the table: the total working time against the statutory time, then the
steps removed or automated, each with one line of evidence. Files are written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from procsimp.catalog.procedure import Parallel, Procedure
from procsimp.core._atomic import atomic_path
from procsimp.errors import OptionalDependencyError, ParameterError

__all__ = ["procedure_rows", "write_procedure_xlsx", "write_procedure_docx", "TEXT"]

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "QUY TRÌNH NỘI BỘ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "service": "Thủ tục",
        "step": "Bước",
        "content": "Nội dung công việc",
        "unit": "Đơn vị thực hiện",
        "hours": "Thời gian (giờ làm việc)",
        "parallel": "thực hiện song song",
        "total": "Tổng thời gian giải quyết",
        "statutory": "Thời hạn theo quy định",
        "hours_unit": "giờ làm việc",
        "days_unit": "ngày làm việc",
        "unknown": "chưa xác định",
        "within": "trong thời hạn quy định",
        "over": "vượt thời hạn quy định",
        "changes": "Các bước được bỏ hoặc tự động hóa so với quy trình hiện hành",
        "no_changes": "Không có bước nào được bỏ hoặc tự động hóa.",
        "evidence": "Căn cứ",
        "source": "Nguồn thời hạn",
    },
    "en": {
        "title": "INTERNAL PROCEDURE FOR HANDLING THE ADMINISTRATIVE PROCEDURE",
        "service": "Procedure",
        "step": "Step",
        "content": "Task",
        "unit": "Unit responsible",
        "hours": "Time (working hours)",
        "parallel": "done in parallel",
        "total": "Total handling time",
        "statutory": "Statutory time",
        "hours_unit": "working hours",
        "days_unit": "working days",
        "unknown": "not known",
        "within": "within the statutory time",
        "over": "over the statutory time",
        "changes": "Steps removed or automated compared with the current procedure",
        "no_changes": "No step is removed or automated.",
        "evidence": "Evidence",
        "source": "Source of the statutory time",
    },
}


def _lang(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ParameterError(f"lang must be 'vi' or 'en', got {lang!r}")
    return TEXT[lang]


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return ""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.#", locale="vi_VN" if lang == "vi" else "en_US")


def _rows(proc: Procedure, lang: str) -> list[tuple[str, str, str, float | None]]:
    t = _lang(lang)
    rows: list[tuple[str, str, str, float | None]] = []
    for n, item in enumerate(proc.steps, start=1):
        if isinstance(item, Parallel):
            for j, s in enumerate(item.steps):
                rows.append((f"{n}{chr(ord('a') + j)}", f"{s.name} ({t['parallel']})", s.unit or "", s.hours))
        else:
            rows.append((str(n), item.name, item.unit or "", item.hours))
    return rows


def procedure_rows(proc: Procedure, lang: str = "vi") -> list[tuple[str, str, str, str]]:
    """The table's rows: (step number, task, unit, hours), numbers in the language's format."""
    return [(label, task, unit, _num(hours, lang)) for label, task, unit, hours in _rows(proc, lang)]


def _footer(proc: Procedure, lang: str, hours_per_day: float) -> list[str]:
    t = _lang(lang)
    total = proc.total_hours
    lines = [f"{t['total']}: " + (f"{_num(total, lang)} {t['hours_unit']}" if total is not None else t["unknown"])]
    if proc.statutory_days is not None:
        allowed = proc.statutory_days * hours_per_day
        verdict = ""
        if total is not None:
            verdict = f" ({t['within']})" if total <= allowed + 1e-9 else f" ({t['over']})"
        lines.append(
            f"{t['statutory']}: {_num(proc.statutory_days, lang)} {t['days_unit']} = "
            f"{_num(allowed, lang)} {t['hours_unit']}{verdict}"
        )
        if proc.source:
            lines.append(f"{t['source']}: {proc.source}")
    else:
        lines.append(f"{t['statutory']}: {t['unknown']}")
    return lines


def _change_lines(changes: Sequence[Any], lang: str) -> list[str]:
    t = _lang(lang)
    out = []
    for c in changes:
        line = f"“{c.step}”: {c.text}"
        if c.evidence:
            line += f". {t['evidence']}: {c.evidence}"
        out.append(line)
    return out


def write_procedure_xlsx(
    proc: Procedure, path: str | os.PathLike[str], *, lang: str = "vi",
    changes: Sequence[Any] = (), hours_per_day: float = 7.5,
) -> Path:
    """Write the procedure table as an Excel workbook (one sheet), atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    t = _lang(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = "Quy trình" if lang == "vi" else "Procedure"
    ws.append([t["title"]])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"{t['service']}: {proc.service}"])
    ws.append([])
    header_row = ws.max_row + 1
    ws.append([t["step"], t["content"], t["unit"], t["hours"]])
    thin = Side(style="thin")
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in _rows(proc, lang):
        ws.append(list(row))  # hours stay numbers, for the spreadsheet to add up
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row, max_col=4):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[3].number_format = "#,##0.0"
    ws.append([])
    for line in _footer(proc, lang, hours_per_day):
        ws.append([line])
    ws.append([])
    ws.append([t["changes"]])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    lines = _change_lines(changes, lang) or [t["no_changes"]]
    for line in lines:
        ws.append([f"- {line}"])
    for col, width in zip("ABCD", (8, 55, 32, 16), strict=True):
        ws.column_dimensions[col].width = width
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_procedure_docx(
    proc: Procedure, path: str | os.PathLike[str], *, lang: str = "vi",
    changes: Sequence[Any] = (), hours_per_day: float = 7.5,
) -> Path:
    """Write the procedure table as a Word document, atomically."""
    try:
        import docx
        from docx.shared import Pt
    except ImportError:  # pragma: no cover - a runtime dependency
        raise OptionalDependencyError(
            "writing a DOCX procedure needs python-docx: pip install 'python-docx>=1.1'"
        ) from None
    t = _lang(lang)
    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # the font of Vietnamese administrative documents
    style.font.size = Pt(13)
    doc.add_heading(t["title"], level=1)
    doc.add_paragraph(f"{t['service']}: {proc.service}")
    rows = procedure_rows(proc, lang)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, (t["step"], t["content"], t["unit"], t["hours"]), strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    for line in _footer(proc, lang, hours_per_day):
        doc.add_paragraph(line)
    doc.add_heading(t["changes"], level=2)
    lines = _change_lines(changes, lang)
    if lines:
        for line in lines:
            doc.add_paragraph(line, style="List Bullet")
    else:
        doc.add_paragraph(t["no_changes"])
    doc.core_properties.title = f"{t['title']}: {proc.service}"
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)
