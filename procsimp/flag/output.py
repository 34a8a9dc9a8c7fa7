"""Flags as JSON, CSV (spreadsheet formulas neutralised) and a terminal table.

The files are written by :func:`procsimp.output.tables.write_flags`."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from procsimp.core._cells import neutralise_cell
from procsimp.flag.flag import FIELDS, Flag

__all__ = [
    "flags_to_json",
    "flags_to_csv",
    "flags_table",
    "flags_frame",
    "CSV_COLUMNS",
    "neutralise",
]

#: columns of the CSV form (evidence as a JSON object in one cell)
CSV_COLUMNS: tuple[str, ...] = (
    "service",
    "activity",
    "into",
    "kind",
    "action",
    "confidence",
    "saving_workdays_per_case",
    "saving_handoffs_removed",
    "explanation_en",
    "explanation_vi",
    "evidence",
    "saving",
)

neutralise = neutralise_cell  # one rule for every CSV procsimp writes


def flags_to_json(flags: Iterable[Flag], *, indent: int | None = 2) -> str:
    """A JSON list of flags, each with exactly the fields of :data:`procsimp.flag.flag.FIELDS`."""
    return json.dumps([f.to_dict() for f in flags], ensure_ascii=False, indent=indent) + "\n"


def _csv_row(f: Flag) -> dict[str, Any]:
    return {
        "service": f.service,
        "activity": f.activity,
        "into": f.into or "",
        "kind": f.kind,
        "action": f.action,
        "confidence": f"{f.confidence:.3f}",
        "saving_workdays_per_case": _num(f.saving.get("workdays_per_case")),
        "saving_handoffs_removed": _num(f.saving.get("handoffs_removed")),
        "explanation_en": f.explanation.get("en", ""),
        "explanation_vi": f.explanation.get("vi", ""),
        "evidence": json.dumps(dict(f.evidence), ensure_ascii=False, sort_keys=False),
        "saving": json.dumps(dict(f.saving), ensure_ascii=False),
    }


def _num(x: Any) -> str:
    return "" if x is None else f"{float(x):.3f}"


def flags_to_csv(flags: Iterable[Flag], *, example_cases: Sequence[Sequence[str]] | None = None) -> str:
    """CSV text, one flag per row (:data:`CSV_COLUMNS`), with formulas neutralised.

    ``example_cases`` (one list of dossier ids per flag) adds a last column, ``example_cases``,
    holding each list as JSON."""
    flags = list(flags)
    columns = [*CSV_COLUMNS] + (["example_cases"] if example_cases is not None else [])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    examples = list(example_cases) if example_cases is not None else [None] * len(flags)
    if len(examples) != len(flags):
        raise ValueError(f"example_cases has {len(examples)} entries for {len(flags)} flags")
    for f, ex in zip(flags, examples, strict=True):
        row = _csv_row(f)
        if ex is not None:
            row["example_cases"] = json.dumps(list(ex), ensure_ascii=False)
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return buf.getvalue()


def flags_frame(flags: Iterable[Flag]) -> Any:
    """A pandas DataFrame of flags (one row each, the columns of :data:`FIELDS`)."""
    import pandas as pd

    return pd.DataFrame([f.to_dict() for f in flags], columns=list(FIELDS))


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else (2 if unicodedata.east_asian_width(ch) in "WF" else 1) for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _cut(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def flags_table(flags: Sequence[Flag], *, width: int = 110, lang: str = "en") -> str:
    """A plain-text table for the terminal: one block per service, a line per flag and its reason."""
    if not flags:
        return "No steps flagged.\n"
    lines: list[str] = []
    step_w = max(24, min(60, width - 52))
    by_service: dict[str, list[Flag]] = {}
    for f in flags:
        by_service.setdefault(f.service, []).append(f)
    for service, group in by_service.items():
        lines.append(f"{service}  ({len(group)} flag{'s' if len(group) != 1 else ''})")
        header = f"  {'#':>2}  {_pad('action', 12)}  {_pad('step', step_w)}  {'conf':>4}  {'days/case':>9}  {'hand-offs':>9}"
        lines.append(header)
        lines.append("  " + "-" * (_width(header) - 2))
        for i, f in enumerate(group, start=1):
            step = f.activity + (f" → {f.into}" if f.into else "")
            days = f.saving.get("workdays_per_case")
            hand = f.saving.get("handoffs_removed")
            lines.append(
                f"  {i:>2}  {_pad(f.action, 12)}  {_pad(_cut(step, step_w), step_w)}  {f.confidence:>4.2f}  "
                f"{'' if days is None else f'{days:9.2f}':>9}  {'' if hand is None else f'{hand:9.2f}':>9}"
            )
            reason = f.explanation.get(lang) or f.explanation.get("en", "")
            lines.append(f"      {f.kind}: {reason}")
        lines.append("")
    return "\n".join(lines)
