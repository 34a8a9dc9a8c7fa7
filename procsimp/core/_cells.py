"""Table cells: spreadsheet safety for every CSV procsimp writes, and JSON-ready values; one rule
each, used everywhere."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: a spreadsheet treats a cell starting with one of these as a formula
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_cell(value: Any) -> Any:
    """One cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text cells that a spreadsheet would run as a formula start with ``'``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise_cell)
    renamed = {c: neutralise_cell(c) for c in out.columns}
    return out.rename(columns=renamed)


def to_plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars to Python, NaN/NA to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (UTF-8, ``\\n`` line ends, no index), spreadsheet formulas neutralised."""
    return str(neutralise_csv(frame).to_csv(index=False, lineterminator="\n"))
