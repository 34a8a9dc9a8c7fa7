"""The dense codes of a log left on its Parquet files (``procsimp/read/codes.py``): ranked in
ranges of values, they are each value's place in the sorted list of the distinct normalised
values, as with one rank over all of them (Spark's codes: ``tests/test_engine_spark.py``)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from tests.flawed_logs import case_encoding, dossier_ids, ids_log, ranged_codes


@pytest.fixture
def coded_log(tmp_path: Path) -> Path:
    return ids_log(tmp_path)[0]


def test_codes_in_ranges_are_the_sorted_places_of_the_values(coded_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one_range = case_encoding(coded_log)
    found = ranged_codes(monkeypatch)
    names, events = case_encoding(coded_log)
    assert max(found) >= 5  # the dossier ids were cut into several ranges
    assert (names, events) == one_range
    # each code is the place of its normalised id among the sorted distinct ids
    normalised = sorted({unicodedata.normalize("NFC", c).strip() for c in dossier_ids()})
    assert names == normalised and len(names) == len(dossier_ids()) - 2
    frame = pd.read_parquet(coded_log)
    for case_id, _, _, r in events:
        assert names[case_id] == unicodedata.normalize("NFC", frame["case"].iloc[r]).strip()
