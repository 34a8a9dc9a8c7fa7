"""Tables as CSV (formulas neutralised) and JSON, written atomically."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from procsimp._atomic import write_text
from procsimp._cells import to_plain

__all__ = ["write_table", "to_plain"]


def write_table(
    frame: pd.DataFrame, stem: Path, *, json_records: Sequence[dict[str, Any]] | None = None
) -> list[Path]:
    """Write ``stem.csv`` and ``stem.json``; ``json_records`` replaces the frame's rows in JSON."""
    from procsimp.stats import neutralise_csv

    flat = frame.copy()
    for col in flat.columns:
        if flat[col].map(lambda v: isinstance(v, (dict, list, tuple))).any():
            flat[col] = flat[col].map(
                lambda v: json.dumps(to_plain(v), ensure_ascii=False, sort_keys=True)
                if isinstance(v, (dict, list, tuple))
                else v
            )
    csv_path = write_text(
        stem.with_suffix(".csv"), neutralise_csv(flat).to_csv(index=False, lineterminator="\n")
    )
    records = json_records if json_records is not None else frame.to_dict(orient="records")
    json_path = write_text(
        stem.with_suffix(".json"),
        json.dumps(to_plain(list(records)), ensure_ascii=False, indent=2) + "\n",
    )
    return [csv_path, json_path]
