"""The tables procsimp writes: one schema per table, CSV (formulas neutralised) and JSON.

* :func:`write_table`: any frame as ``stem.csv`` and ``stem.json``;
* :func:`write_flags`: ``flags.json`` (the fields of :data:`procsimp.flag.flag.FIELDS`) and
  ``flags.csv`` (:data:`procsimp.flag.output.CSV_COLUMNS`), for ``flag --out``, ``propose``
  and ``report``; ``example_cases`` adds one column (``report --include-case-ids``);
* :func:`write_kpis`: ``kpis.json`` (one object per service) and ``kpis.csv`` (:data:`KPI_COLUMNS`:
  one row per service and key figure), for ``propose`` and ``report``;
* :func:`write_profile`: ``profile.csv`` and ``profile.json``, for ``profile --out`` and ``report``.

Every file is written atomically (:mod:`procsimp.core._atomic`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from procsimp.core._atomic import write_text
from procsimp.core._cells import csv_text, to_plain

__all__ = [
    "write_table",
    "write_json",
    "csv_text",
    "to_plain",
    "write_flags",
    "flags_meta",
    "write_kpis",
    "kpi_frame",
    "write_profile",
    "KPI_COLUMNS",
]

#: the columns of ``kpis.csv``; with a simulation, ``simulated_mean``, ``simulated_low`` and
#: ``simulated_high`` follow
KPI_COLUMNS: tuple[str, ...] = ("service", "kpi", "before", "after", "change", "change_pct")


def _json_text(value: Any) -> str:
    return json.dumps(to_plain(value), ensure_ascii=False, indent=2) + "\n"


def write_json(path: str | os.PathLike[str], value: Any) -> Path:
    """``value`` as indented UTF-8 JSON (numpy values made plain), atomically."""
    return write_text(path, _json_text(value))


def write_table(
    frame: pd.DataFrame, stem: Path, *, json_records: Sequence[dict[str, Any]] | None = None
) -> list[Path]:
    """Write ``stem.csv`` and ``stem.json``; ``json_records`` replaces the frame's rows in JSON."""
    flat = frame.copy()
    for col in flat.columns:
        if flat[col].map(lambda v: isinstance(v, (dict, list, tuple))).any():
            flat[col] = flat[col].map(
                lambda v: json.dumps(to_plain(v), ensure_ascii=False, sort_keys=True)
                if isinstance(v, (dict, list, tuple))
                else v
            )
    csv_path = write_text(stem.with_suffix(".csv"), csv_text(flat))
    records = json_records if json_records is not None else frame.to_dict(orient="records")
    json_path = write_json(stem.with_suffix(".json"), list(records))
    return [csv_path, json_path]


# ---------------------------------------------------------------------------- flags
def write_flags(
    flags: Sequence[Any],
    out_dir: str | os.PathLike[str],
    *,
    meta: Mapping[str, Any] | None = None,
    example_cases: Sequence[Sequence[str]] | None = None,
) -> list[Path]:
    """Write ``flags.json`` and ``flags.csv`` into ``out_dir`` (created if needed), atomically.

    ``example_cases`` (one list of dossier ids per flag) adds the field ``example_cases`` to
    both; ``meta`` (e.g. the log and the office hours used) is written as ``flags_meta.json``.
    """
    from procsimp.flag.output import flags_to_csv, flags_to_json

    out = Path(out_dir)
    if example_cases is None:
        json_text = flags_to_json(flags)
    else:
        records = [{**f.to_dict(), "example_cases": list(ex)} for f, ex in zip(flags, example_cases, strict=True)]
        json_text = json.dumps(to_plain(records), ensure_ascii=False, indent=2) + "\n"
    paths = [
        write_text(out / "flags.json", json_text),
        write_text(out / "flags.csv", flags_to_csv(flags, example_cases=example_cases)),
    ]
    if meta is not None:
        paths.append(write_json(out / "flags_meta.json", dict(meta)))
    return paths


def flags_meta(log: Any, calendar: Any = None) -> dict[str, Any]:
    """The ``flags_meta.json`` of ``procsimp flag --out``: the log flagged and the office hours
    used with ``calendar`` (:func:`procsimp.engine.office_hours.log_calendar`)."""
    from procsimp.engine.office_hours import log_calendar

    return {"source": str(log.source), "office_hours": log_calendar(log, calendar)[1].to_dict()}


# ---------------------------------------------------------------------------- kpis
def kpi_frame(proposals: Iterable[Any]) -> pd.DataFrame:
    """The rows of ``kpis.csv``: per service and key figure, before, after and the change."""
    frames = [p.kpi_frame() for p in proposals]
    if not frames:
        return pd.DataFrame(columns=list(KPI_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def write_kpis(
    proposals: Sequence[Any], records: Sequence[Mapping[str, Any]], out_dir: str | os.PathLike[str]
) -> list[Path]:
    """``kpis.json`` (``records``: one object per service) and ``kpis.csv`` (:data:`KPI_COLUMNS`)."""
    out = Path(out_dir)
    return [
        write_json(out / "kpis.json", [dict(r) for r in records]),
        write_text(out / "kpis.csv", csv_text(kpi_frame(proposals))),
    ]


# ---------------------------------------------------------------------------- profile
def write_profile(result: Any, out_dir: str | os.PathLike[str]) -> list[Path]:
    """``profile.csv`` (the table) and ``profile.json`` (source, calendar, filters, columns and
    the rows) of a :class:`procsimp.profile.Profile`."""
    out = Path(out_dir)
    return [result.to_csv(out / "profile.csv"), result.to_json(out / "profile.json")]
