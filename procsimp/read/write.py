"""``write_log``: an EventLog to CSV, Parquet or XES, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from procsimp.core._atomic import atomic_path
from procsimp.core._cells import FORMULA_START, neutralise_cell
from procsimp.core.log import CASE, EventLog
from procsimp.errors import ParameterError

__all__ = ["write_log", "csv_times", "neutralise_formulas", "neutralise_cell", "FORMULA_START", "WRITE_FORMATS"]

WRITE_FORMATS = ("csv", "parquet", "xes")
#: a spreadsheet treats a cell starting with one of these as a formula
def neutralise_formulas(values: pa.Array) -> pa.Array:
    """Text cells starting with = + - @ (or tab / CR / LF) get a leading apostrophe."""
    starts = pc.match_substring_regex(values, r"^[=+\-@\t\r\n]")
    return pc.if_else(pc.fill_null(starts, False), pc.binary_join_element_wise("'", values, ""), values)


def csv_times(values: pa.Array) -> pa.Array:
    """Times (nanoseconds, with a timezone) as the CSV holds them: ISO 8601 with the offset
    (``2025-03-04T08:30:00+07:00``), fractions of a second only when there are some."""
    arr = pc.strftime(values, format="%Y-%m-%dT%H:%M:%S%z")
    arr = pc.replace_substring(arr, ".000000000", "")
    return pc.replace_substring_regex(arr, r"([+-]\d\d)(\d\d)$", r"\1:\2")


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower().lstrip(".")
        if fmt not in WRITE_FORMATS:
            raise ParameterError(f"format={format!r} is not supported; use one of: {', '.join(WRITE_FORMATS)}")
        return fmt
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    raise ParameterError(
        f"cannot tell the format from the file name {path.name!r}; end it with .csv, .parquet, .xes or .xes.gz, "
        "or pass format='csv' | 'parquet' | 'xes'"
    )


def _csv_table(df: pd.DataFrame) -> pa.Table:
    columns = {}
    for col in df.columns:
        s = df[col]
        dtype = s.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cats = pa.array(dtype.categories.astype(str).to_numpy(dtype=object), type=pa.string())
            cats = neutralise_formulas(cats)
            codes = s.cat.codes.to_numpy()
            arr = cats.take(pa.array(np.where(codes >= 0, codes, 0)))
            arr = pc.if_else(pa.array(codes >= 0), arr, pa.scalar(None, pa.string()))
        elif isinstance(dtype, pd.DatetimeTZDtype):
            arr = csv_times(pa.array(s.astype(f"datetime64[ns, {dtype.tz}]"), from_pandas=True))
        elif pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
            arr = pa.array(s.astype(object).where(s.notna(), None).map(str, na_action="ignore"),
                           type=pa.string(), from_pandas=True)
            arr = neutralise_formulas(arr)
        else:
            arr = pa.array(s, from_pandas=True)
        columns[str(col)] = arr
    return pa.table(columns)


def write_log(log: EventLog, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``log`` to ``path`` as CSV, Parquet or XES (from the extension, or ``format``).

    * CSV: UTF-8, comma-separated, pm4py column names, ISO 8601 times with their offset; text cells
      that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.
    * Parquet: dictionary-encoded text, the mapping, timezone and warnings in the file metadata;
      reads back to the same EventLog.
    * XES (``.xes`` or ``.xes.gz``): ``case:`` columns as trace attributes, times to the
      nanosecond with their offset; reads back to the same EventLog.

    The file appears complete or not at all. Returns the path written.
    """
    if not isinstance(log, EventLog):
        raise ParameterError(f"write_log needs an EventLog, got {type(log).__name__}; read one with procsimp.read_log")
    p = Path(path)
    fmt = _format_of(p, format)
    if fmt == "parquet":
        from procsimp.read.parquet import write_parquet

        return write_parquet(log, p)
    if fmt == "xes":
        from procsimp.read.xes import write_xes

        write_xes(log.df, p, CASE)
        return p
    table = _csv_table(log.df)
    with atomic_path(p) as tmp:
        if p.name.lower().endswith(".gz"):
            with pa.CompressedOutputStream(str(tmp), "gzip") as out:
                pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(quoting_style="needed"))
        else:
            pacsv.write_csv(table, str(tmp), write_options=pacsv.WriteOptions(quoting_style="needed"))
    return p
