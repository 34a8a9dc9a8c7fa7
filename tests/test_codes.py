"""The dense codes of a log left on its Parquet files (``procsimp/read/codes.py``): ranked in
ranges of values, they are each value's place in the sorted list of the distinct normalised
values, as with one rank over all of them, on DuckDB and on Spark alike."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from procsimp import read_log
from procsimp.read import codes

MAPPED = {"case": "case", "activity": "activity", "timestamp": "time"}


def _ids() -> list[str]:
    """Dossier ids that sort in many ways: quotes, backslashes, Vietnamese letters (some written
    decomposed, which normalise to the composed spelling), spaces around, digits."""
    base = ["000.00.12.H56-240101-0001", "H56'001", "H56\\002", "hồ sơ 7", "Hồ sơ 7", "ho so 7", "Z-9", "a", "ä",
            "' quoted'", "\\", "ĐK-2024-001"]
    ids = [f"{b}/{i}" for b in base for i in range(9)]
    ids += [unicodedata.normalize("NFD", "hồ sơ 7/3"), "  a/1  "]  # the same dossiers as "hồ sơ 7/3", "a/1"
    return ids


@pytest.fixture
def coded_log(tmp_path: Path) -> Path:
    ids = _ids()
    frame = pd.DataFrame({
        "case": [c for c in ids for _ in range(2)],
        "activity": ["receive", "return"] * len(ids),
        "time": pd.Series(pd.date_range("2025-01-02 08:00", periods=2 * len(ids), freq="17min")).astype(
            "datetime64[us]"),
    })
    path = tmp_path / "ids.parquet"
    frame.sample(frac=1.0, random_state=4).to_parquet(path)  # the files in no order of the ids
    return path


def _encoding(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    log = read_log(path, storage="parquet", **MAPPED)
    enc = log.parquet.encoded()
    return list(enc.dictionaries["case"]), log.parquet.query(f"SELECT case_id, act, f, r FROM {enc.name} ORDER BY f, r")


def _ranged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ranges of 10 values; returns the list that will hold how many boundaries each column had."""
    found: list[int] = []
    real = codes._boundaries

    def recorded(con: Any, pairs: str, size: int) -> list[str]:
        out = real(con, pairs, size)
        found.append(len(out))
        return out

    monkeypatch.setattr(codes, "BUCKET", 10)
    monkeypatch.setattr(codes, "_boundaries", recorded)
    return found


def test_codes_in_ranges_are_the_sorted_places_of_the_values(coded_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one_range = _encoding(coded_log)
    found = _ranged(monkeypatch)
    names, events = _encoding(coded_log)
    assert max(found) >= 5  # the dossier ids were cut into several ranges
    assert (names, events) == one_range
    # each code is the place of its normalised id among the sorted distinct ids
    normalised = sorted({unicodedata.normalize("NFC", c).strip() for c in _ids()})
    assert names == normalised and len(names) == len(_ids()) - 2
    frame = pd.read_parquet(coded_log)
    for case_id, _, _, r in events:
        assert names[case_id] == unicodedata.normalize("NFC", frame["case"].iloc[r]).strip()


def test_spark_gives_duckdbs_codes(spark: Any, coded_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from procsimp import engine

    expected = _encoding(coded_log)
    found = _ranged(monkeypatch)
    with engine.use_backend(spark):
        got = _encoding(coded_log)
    assert max(found) >= 5
    assert got == expected
