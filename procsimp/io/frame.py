"""Turn a raw DataFrame into a validated, normalised :class:`EventLog`.

Every reader (CSV, Excel, XES, Parquet) ends here, so the rules are the same whatever the format:
map the columns, parse the times, normalise text to Unicode NFC, encode text as categoricals,
sort stably by case then time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from procsimp.errors import MissingColumnError, ParameterError
from procsimp.log import (
    CASE,
    DEFAULT_TIMEZONE,
    REQUIRED_ROLES,
    ROLES,
    TEXT_ROLES,
    TIME_ROLES,
    TIMESTAMP,
    ColumnMapping,
    EventLog,
)

__all__ = ["frame_to_log", "nfc_categorical", "resolve_mapping"]


def resolve_mapping(
    columns: list[str],
    mapping: Mapping[str, str] | ColumnMapping | None = None,
    **given: str,
) -> ColumnMapping:
    """Combine keyword arguments, a mapping and standard pm4py names into a ColumnMapping."""
    chosen: dict[str, str] = {}
    how: dict[str, str] = {}
    if isinstance(mapping, ColumnMapping):
        chosen.update(mapping.columns)
        how.update(mapping.how)
    elif mapping:
        chosen.update(mapping)
        how.update({role: "file" for role in mapping})
    for role, column in given.items():
        if role not in ROLES:
            raise ParameterError(
                f"unknown column role {role!r}; allowed roles are: {', '.join(ROLES)}"
            )
        if column:
            chosen[role] = column
            how[role] = "argument"
    for role, standard in ROLES.items():
        if role not in chosen and standard in columns:
            chosen[role] = standard
            how[role] = "standard"
    return ColumnMapping(columns=chosen, how=how)


def nfc_categorical(values: pd.Series) -> pd.Series:
    """Text as a categorical of NFC-normalised, stripped strings (missing stays missing).

    Normalising the categories, not every row, keeps this fast on large logs.
    """
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    cats = cat.cat.categories
    normal = pd.Index([unicodedata.normalize("NFC", str(c)).strip() for c in cats])
    if not normal.equals(pd.Index([str(c) for c in cats])) or cats.dtype != object:
        codes = cat.cat.codes.to_numpy()
        uniq, inverse = np.unique(normal.to_numpy(dtype=object), return_inverse=True)
        new_codes = np.where(codes >= 0, inverse[np.maximum(codes, 0)], -1)
        cat = pd.Series(
            pd.Categorical.from_codes(new_codes, categories=pd.Index(uniq, dtype=object)),
            index=values.index,
            name=values.name,
        )
    empty = [c for c in cat.cat.categories if c == ""]
    if empty:
        cat = cat.cat.remove_categories(empty)
    return cat


def _to_time(values: pd.Series, timezone: str) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone)
    parsed = pd.to_datetime(values, errors="raise", format="ISO8601") if values.dtype == object else pd.to_datetime(values)
    if parsed.dt.tz is None:
        return parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
    return parsed.dt.tz_convert(timezone)


def frame_to_log(
    frame: pd.DataFrame,
    mapping: Mapping[str, str] | ColumnMapping | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    source: str = "<memory>",
    warnings: tuple[str, ...] = (),
    **columns: str,
) -> EventLog:
    """Validate and normalise ``frame`` into an EventLog; ``frame`` is not modified."""
    cmap = resolve_mapping(list(frame.columns), mapping, **columns)
    for role in REQUIRED_ROLES:
        col = cmap.source(role)
        if col is None or col not in frame.columns:
            raise MissingColumnError(
                f"{source}: no column for the required role {role!r}"
                + (f" (column {col!r} not found)" if col else "")
                + f"; columns present: {', '.join(map(str, frame.columns))}. "
                f"Name it with --{role} COLUMN or a mapping file."
            )
    data: dict[str, Any] = {}
    for role, col in cmap.columns.items():
        if col not in frame.columns:
            raise MissingColumnError(
                f"{source}: column {col!r} given for {role!r} does not exist; "
                f"columns present: {', '.join(map(str, frame.columns))}"
            )
        series = frame[col]
        if role in TEXT_ROLES:
            series = nfc_categorical(series)
        elif role in TIME_ROLES:
            series = _to_time(series, timezone)
        data[ROLES[role]] = series.reset_index(drop=True)
    # keep unmapped columns as extra attributes
    used = set(cmap.columns.values())
    for col in frame.columns:
        if col not in used and col not in data:
            data[str(col)] = frame[col].reset_index(drop=True)
    df = pd.DataFrame(data)
    order = np.lexsort((np.arange(len(df)), df[TIMESTAMP].array.asi8, df[CASE].cat.codes.to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    return EventLog(df=df, mapping=cmap, source=source, timezone=timezone, warnings=tuple(warnings))
