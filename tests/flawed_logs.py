"""Small Parquet logs that try the reading of files, shared by the tests of the DuckDB reader
(``tests/test_parquet_warnings.py``, ``tests/test_codes.py``) and of Spark
(``tests/test_engine_spark.py``): logs with deliberate flaws (and a clean one), and dossier ids
that sort in many ways. Each writes its file under a given folder and returns it with the
column mapping to read it by."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

__all__ = ["FLAWED", "MAPPED", "case_encoding", "clean_log", "dataset_folder", "day_resolution_log", "dossier_ids",
           "ids_log", "old_time_log", "ranged_codes", "ties_log", "times"]

MAPPED = {"case": "case", "activity": "activity", "timestamp": "time"}


def times(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), format="%Y-%m-%d %H:%M")).astype("datetime64[us]")


def day_resolution_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    frame = pd.DataFrame({
        "case": ["a", "a", "a", "b", "c", "c", "c", None, "d", "d"],
        "activity": ["x", "y", "y", "x", "x", "z\u200b", "y", "x", "x", " "],
        "time": times("2025-01-02 00:00", "2025-01-02 00:00", "2025-01-02 00:00", "2025-01-03 00:00",
                       "2025-01-05 10:00", "2025-01-04 00:00", "2025-01-05 00:00", "2025-01-01 00:00",
                       "2025-01-06 00:00", "2025-01-06 00:00"),
        "officer": ["o1", "o2", "o2", None, "o1", "o1", "o1", "o1", "o1", "o1"],
        "service": ["s1", "s1", "s1", "s2", "s2", "s2", None, "s1", "s1", "s1"],
        "due": times(*["2025-02-01 00:00"] * 4, "2250-01-01 00:00", *["2025-02-01 00:00"] * 5),
        "note": ["n"] * 10,
    })
    frame.to_parquet(tmp_path / "flawed.parquet")
    return tmp_path / "flawed.parquet", {**MAPPED, "resource": "officer", "service": "service", "due": "due"}


def ties_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    n = 40
    cases = [f"h{i // 4:02d}" for i in range(n)]
    steps = ["receive", "check", "check", "return"] * (n // 4)
    minutes = [0, 30, 30, 90] * (n // 4)
    ends = [pd.Timestamp("2025-03-03 08:15") + pd.Timedelta(days=i // 4, minutes=m) for i, m in enumerate(minutes)]
    frame = pd.DataFrame({
        "case": cases, "activity": steps, "time": pd.Series(ends).astype("datetime64[us]"),
        "channel": ["online" if i % 7 else "counter" for i in range(n)],
        "service": [None if c in ("h03", "h07") else "permit" for c in cases],
    })
    frame.loc[[5, 17], "time"] = pd.NaT
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "ties.parquet")
    return tmp_path / "ties.parquet", {**MAPPED, "channel": "channel", "service": "service"}


def dataset_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "log"
    for year, cases in ((2024, ["p1", "p2"]), (2025, ["p3", "p3"])):
        part = folder / f"year={year}"
        part.mkdir(parents=True)
        table = pa.table({
            "case": cases, "activity": ["a", "b"], "officer": ["o1", None],
            "time": pa.array([pd.Timestamp(f"{year}-05-0{i + 1} 09:3{i}", tz="UTC") for i in range(2)],
                             pa.timestamp("us", tz="UTC")),
            "tags": pa.array([["x"], []], pa.list_(pa.string())),
        })
        pq.write_table(table, part / "part-0.parquet")
    return folder, {**MAPPED, "resource": "officer"}


def clean_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    frame = pd.DataFrame({"case": ["a", "a", "b", "b"], "activity": ["x", "y", "x", "y"],
                          "time": times("2025-01-02 08:00", "2025-01-02 09:00", "2025-01-03 08:00",
                                         "2025-01-03 10:00"), "officer": ["o1", "o2", "o1", "o2"]})
    frame.to_parquet(tmp_path / "clean.parquet")
    return tmp_path / "clean.parquet", {**MAPPED, "resource": "officer"}


def old_time_log(tmp_path: Path) -> Path:
    frame = pd.DataFrame({"case": ["a", "a"], "activity": ["x", "y"],
                          "time": times("2025-01-02 08:00", "1890-01-02 09:00")})
    frame.to_parquet(tmp_path / "old.parquet")
    return tmp_path / "old.parquet"


#: the logs that read without error, by name
FLAWED = {"day_resolution": day_resolution_log, "ties": ties_log, "dataset_folder": dataset_folder, "clean": clean_log}


def dossier_ids() -> list[str]:
    """Dossier ids that sort in many ways: quotes, backslashes, Vietnamese letters (one written
    decomposed, which normalises to the composed spelling), spaces around, digits."""
    base = ["000.00.12.H56-240101-0001", "H56'001", "H56\\002", "hồ sơ 7", "Hồ sơ 7", "ho so 7", "Z-9", "a", "ä",
            "' quoted'", "\\", "ĐK-2024-001"]
    ids = [f"{b}/{i}" for b in base for i in range(9)]
    ids += [unicodedata.normalize("NFD", "hồ sơ 7/3"), "  a/1  "]  # the same dossiers as "hồ sơ 7/3", "a/1"
    return ids


def ids_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Two events for each of :func:`dossier_ids`, the rows in no order of the ids."""
    ids = dossier_ids()
    frame = pd.DataFrame({
        "case": [c for c in ids for _ in range(2)],
        "activity": ["receive", "return"] * len(ids),
        "time": pd.Series(pd.date_range("2025-01-02 08:00", periods=2 * len(ids), freq="17min")).astype(
            "datetime64[us]"),
    })
    path = tmp_path / "ids.parquet"
    frame.sample(frac=1.0, random_state=4).to_parquet(path)
    return path, dict(MAPPED)


def case_encoding(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(the dossier ids' dictionary, (case code, step code, file, row) of every event) of the log
    at ``path`` read on its files, by the current engine's database."""
    from procsimp import read_log

    log = read_log(path, storage="parquet", **MAPPED)
    enc = log.parquet.encoded()
    return list(enc.dictionaries["case"]), log.parquet.query(f"SELECT case_id, act, f, r FROM {enc.name} ORDER BY f, r")


def ranged_codes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ranges of 10 values; returns the list that will hold how many boundaries each column had."""
    from procsimp.read import codes

    found: list[int] = []
    real = codes._boundaries

    def recorded(con: Any, pairs: str, size: int) -> list[str]:
        out = real(con, pairs, size)
        found.append(len(out))
        return out

    monkeypatch.setattr(codes, "BUCKET", 10)
    monkeypatch.setattr(codes, "_boundaries", recorded)
    return found
