"""Citizens' data stays private: pseudonyms, personal-data columns, rare variants.

* :func:`anonymize` gives a log whose dossier ids and officers are keyed pseudonyms (HMAC-SHA256
  with a secret key that is never written out: the same key gives the same pseudonyms, so logs
  anonymised apart can still be joined), and whose columns that look like personal data are
  dropped or hashed.
* :func:`personal_columns` finds those columns: 12-digit citizen ID numbers (CCCD), Vietnamese
  phone numbers, e-mail addresses in the values, or a header that names a person (``ho_ten``,
  ``Họ và tên``, ``name``, ``citizen`` ...).
* :func:`fold_rare_variants` folds the variants followed by fewer than ``k`` dossiers into one
  "other" row, so that an exported table never singles out a citizen by a rare path.
"""

from __future__ import annotations

import html as _html
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from procsimp.core.log import ROLES, ColumnMapping, EventLog
from procsimp.errors import PrivacyError
from procsimp.read.personal import (
    PSEUDONYMS,
    column_actions,
    hashed_domain,
    pseudonym,
    reasons,
    value_kinds,
)

__all__ = [
    "KEY_ENV",
    "MIN_KEY_BYTES",
    "Anonymized",
    "anonymize",
    "personal_columns",
    "fold_rare_variants",
    "load_key",
]

#: the environment variable that may hold the pseudonymisation key
KEY_ENV = "PROCSIMP_ANON_KEY"
MIN_KEY_BYTES = 16
_KEY_HINT = (
    "make one with: python -c \"import secrets; print(secrets.token_hex(32))\" > anon.key, keep it "
    "secret, and pass --key-file anon.key (or set " + KEY_ENV + ")"
)

# ---------------------------------------------------------------------------- detection
# (the rules are in procsimp.read.personal, shared with the writer of a log left on its files)
def personal_columns(log: EventLog) -> dict[str, str]:
    """``{column: why}`` for the unmapped columns of ``log`` that look like personal data.

    A column is personal when any of its values holds a 12-digit citizen ID number (CCCD), a
    Vietnamese phone number (``0912 345 678``, ``+84 912 345 678``, ``024 3825 1234``) or an e-mail
    address, or when its header names a person or their details (``ho_ten``, ``Họ và tên``,
    ``name``, ``citizen``, ``so_dien_thoai``, ``email``, ``dia_chi``, ``ngay_sinh`` ...).
    The mapped columns (dossier, step, times, officer, unit ...) are not listed: dossier ids and
    officers get pseudonyms instead.
    """
    if not isinstance(log, EventLog):
        raise PrivacyError(f"personal_columns needs an EventLog (from procsimp.read_log), got {type(log).__name__}")
    if log.out_of_core:  # the distinct values of each column, from the files (no event in pandas)
        from procsimp.read.privacy_files import stream_plan

        return dict(stream_plan(log).found)
    standard = set(ROLES.values())
    found: dict[str, str] = {}
    for column in log.df.columns:
        if column in standard:
            continue
        why = reasons(column, value_kinds(log.df[column]))
        if why:
            found[str(column)] = why
    return found


# ---------------------------------------------------------------------------- keys and pseudonyms
def load_key(key: bytes | str | None = None, *, key_file: str | os.PathLike[str] | None = None) -> bytes:
    """The secret key: ``key``, else the content of ``key_file``, else ``$PROCSIMP_ANON_KEY``.

    At least :data:`MIN_KEY_BYTES` bytes (a trailing newline of a key file is dropped).
    """
    source: str
    if key is not None and key_file is not None:
        raise PrivacyError("give the key or a key file, not both")
    if key_file is not None:
        try:
            data = open(key_file, "rb").read()  # noqa: SIM115 - read at once
        except OSError as exc:
            raise PrivacyError(f"{key_file}: cannot read the key file ({exc.strerror or exc}); {_KEY_HINT}") from None
        raw, source = data.rstrip(b"\r\n"), f"the key file {key_file}"
    elif key is not None:
        if isinstance(key, str):
            raw = key.encode("utf-8")
        elif isinstance(key, (bytes, bytearray)):
            raw = bytes(key)
        else:
            raise PrivacyError(f"key must be bytes or a str, got {type(key).__name__}; {_KEY_HINT}")
        source = "the key"
    else:
        env = os.environ.get(KEY_ENV, "")
        if not env:
            raise PrivacyError(f"anonymize needs a secret key and none was given; {_KEY_HINT}")
        raw, source = env.encode("utf-8"), f"${KEY_ENV}"
    if len(raw) < MIN_KEY_BYTES:
        raise PrivacyError(
            f"{source} has {len(raw)} byte(s); a key needs at least {MIN_KEY_BYTES} random bytes; {_KEY_HINT}"
        )
    return raw


def _pseudonymise(values: pd.Series, key: bytes, domain: str, prefix: str, length: int) -> pd.Series:
    """Every distinct value once (categories), missing values stay missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        new = [pseudonym(key, domain, str(c), prefix, length) for c in cats]
        if len(set(new)) != len(new):  # pragma: no cover - 2^-64 per pair
            raise PrivacyError(f"two {domain} values got the same pseudonym; use another key")
        out = values.cat.rename_categories(new)
        return out.cat.reorder_categories(sorted(new))
    return values.map(lambda v: pseudonym(key, domain, str(v), prefix, length), na_action="ignore")


# ---------------------------------------------------------------------------- anonymize
@dataclass(frozen=True)
class Anonymized:
    """What :func:`anonymize` did: the new log, and per column the action taken and why."""

    #: the anonymised log (None when it was written to ``out`` straight from the files of a log
    #: left on them, without holding it in memory: read ``path`` back to use it)
    log: EventLog | None
    #: ``{column: (action, why)}``, action one of pseudonymised, dropped, hashed, kept
    columns: Mapping[str, tuple[str, str]]
    #: the file written (``anonymize(..., out=...)``), else None
    path: Path | None = None
    #: the mapping of the log (where each role came from), as in ``log.mapping``
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    #: dossiers and events of the anonymised log
    n_cases: int = 0
    n_events: int = 0

    def describe(self) -> list[str]:
        """One line per column that was not kept as it was, then the kept unmapped columns."""
        roles = {col: role for role, col in ROLES.items()}
        source = self.mapping.columns

        def name(column: str) -> str:
            role = roles.get(column)
            return f"{source.get(role, column)} ({role})" if role else column

        lines = [f"{name(c)}: {action} ({why})" for c, (action, why) in self.columns.items() if action != "kept"]
        kept = [column for column, (action, _) in self.columns.items() if action == "kept"]
        if kept:
            lines.append(
                "kept unchanged (nothing personal found in them; check, or drop them with --drop): "
                + ", ".join(kept)
            )
        return lines

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{_html.escape(c)}</td><td>{_html.escape(a)}</td><td>{_html.escape(w)}</td></tr>"
            for c, (a, w) in self.columns.items()
        )
        where = f" in {_html.escape(str(self.path))}" if self.path is not None else ""
        return (
            f"<div><strong>procsimp anonymised log</strong>{where}: {self.n_cases:,} dossiers, "
            f"{self.n_events:,} events<table><tr><th>column</th><th>action</th><th>why</th></tr>{rows}</table></div>"
        )


def anonymize(
    log: EventLog,
    *,
    key: bytes | str | None = None,
    key_file: str | os.PathLike[str] | None = None,
    personal: str = "drop",
    drop: Iterable[str] = (),
    out: str | os.PathLike[str] | None = None,
) -> Anonymized:
    """A copy of ``log`` that can be shared: keyed pseudonyms, no personal-data columns.

    * dossier ids become ``HS-`` and officers ``CB-`` followed by 16 and 12 hex digits of
      HMAC-SHA256 under the secret key (``key``, ``key_file`` or ``$PROCSIMP_ANON_KEY``; at least
      16 bytes; never written anywhere): the same key gives the same pseudonyms;
    * the unmapped columns that :func:`personal_columns` finds are dropped (``personal="drop"``)
      or replaced by keyed hashes (``personal="hash"``); the columns named in ``drop`` are dropped;
    * the log's warnings are left out (they may quote dossier ids).

    With ``out`` (a ``.parquet``, ``.csv``, ``.csv.gz``, ``.xes`` or ``.xes.gz`` path) the copy is
    also written there, atomically (:func:`procsimp.read.write_log`). A log left on its Parquet
    files (``log.out_of_core``) is then written to Parquet or CSV straight from its files by DuckDB,
    a batch of events at a time, without holding its events in memory: the file and the figures
    are those of the log read into memory, and the result's ``log`` is None.

    Returns an :class:`Anonymized`; ``log`` is not changed.
    """
    if not isinstance(log, EventLog):
        raise PrivacyError(f"anonymize needs an EventLog (from procsimp.read_log), got {type(log).__name__}")
    if personal not in ("drop", "hash"):
        raise PrivacyError(f"personal must be 'drop' or 'hash', got {personal!r}")
    if isinstance(drop, str):
        drop = (drop,)
    secret = load_key(key, key_file=key_file)
    if out is not None and log.out_of_core:
        from procsimp.read.privacy_files import streamable, write_anonymized

        if streamable(log, Path(out)):
            actions, written, cases, events = write_anonymized(log, Path(out), key=secret, personal=personal,
                                                               drop=drop)
            return Anonymized(log=None, columns=actions, path=written, mapping=log.mapping, n_cases=cases,
                              n_events=events)
    df = log.df
    columns = column_actions(df.columns, personal_columns(log), personal=personal, drop=drop)
    new: dict[str, pd.Series] = {}
    for column in df.columns:
        values = df[column]
        action = columns.get(column, ("", ""))[0]
        if action == "pseudonymised":
            new[column] = _pseudonymise(values, secret, *PSEUDONYMS[column])
        elif action == "hashed":
            new[column] = _pseudonymise(values.astype("string").astype("category"), secret, *hashed_domain(column))
        elif action != "dropped":
            new[column] = values
    frame = pd.DataFrame(new, index=df.index)
    anonymised = log.replace(df=frame, warnings=())
    path: Path | None = None
    if out is not None:
        from procsimp.read.write import write_log

        path = write_log(anonymised, out)
    return Anonymized(log=anonymised, columns=columns, path=path, mapping=log.mapping,
                      n_cases=anonymised.n_cases, n_events=anonymised.n_events)


# ---------------------------------------------------------------------------- rare variants
def fold_rare_variants(variants: pd.DataFrame, *, min_cases: int = 5) -> pd.DataFrame:
    """The variant table with the variants followed by fewer than ``min_cases`` dossiers folded
    into one row per service, ``other (N variants of fewer than K dossiers)``.

    Its ``cases``, ``share`` and ``events`` are the sums; ``lead_days_mean`` is weighted by
    dossiers; ``rank`` follows the kept variants. ``min_cases=1`` keeps every variant.
    """
    if isinstance(min_cases, bool) or not isinstance(min_cases, int) or min_cases < 1:
        raise PrivacyError(f"min_cases must be a whole number of at least 1, got {min_cases!r}")
    if variants.empty or "cases" not in variants.columns:
        return variants.copy()
    rare = variants["cases"] < min_cases
    if not bool(rare.any()):
        return variants.copy()
    group_cols = ["service"] if "service" in variants.columns else []
    kept = variants[~rare]
    rows = []
    groups = variants[rare].groupby(group_cols, sort=False, observed=True) if group_cols else [((), variants[rare])]
    for key, part in groups:
        row: dict[str, Any] = {}
        if group_cols:
            row["service"] = key[0] if isinstance(key, tuple) else key
        row["variant"] = f"other ({len(part)} variants of fewer than {min_cases} dossiers)"
        for col in ("cases", "share", "events"):
            if col in part.columns:
                row[col] = part[col].sum()
        if "lead_days_mean" in part.columns and part["cases"].sum():
            row["lead_days_mean"] = float((part["lead_days_mean"] * part["cases"]).sum() / part["cases"].sum())
        if "rank" in part.columns:
            same = kept[kept["service"] == row["service"]] if group_cols else kept
            row["rank"] = int(same["rank"].max()) + 1 if len(same) else 1
        rows.append(row)
    out = pd.concat([kept, pd.DataFrame(rows)], ignore_index=True)
    order = group_cols + (["rank"] if "rank" in out.columns else [])
    return out.sort_values(order, kind="stable").reset_index(drop=True) if order else out
