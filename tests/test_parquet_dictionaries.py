"""Text read straight to codes: the row groups' dictionaries of a sorted column (the case ids of a
case-sorted log) are laid end to end instead of unified by hashing every value. The column that
comes out is the one Arrow's unification gives; any other layout is left to Arrow."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procsimp import frame_to_log, read_log
from procsimp.read.parquet import merged_dictionaries, read_parquet_frame

NAME = "case:concept:name"
#: dossier ids with Vietnamese letters, NFC and NFD forms of the same id among them
IDS = sorted({
    *(f"HS-{i:03d}" for i in range(40)),
    "Đăng-001", "Đăng-002", "Hộ-tịch-01",
    unicodedata.normalize("NFD", "Hộ-tịch-01"), unicodedata.normalize("NFD", "Đăng-002"),
    "Thủ tục ", "thuế-ĐK-7",
})


def _column(values: list[str | None], row_group_size: int) -> pa.ChunkedArray:
    buf = io.BytesIO()
    pq.write_table(pa.table({NAME: pa.array(values, pa.string())}), buf, row_group_size=row_group_size)
    return pq.read_table(pa.BufferReader(buf.getvalue()), read_dictionary=[NAME]).column(0)


def _pandas(column: pa.ChunkedArray | pa.Array) -> pd.Series:
    return pa.table({NAME: column}).to_pandas()[NAME]


@settings(max_examples=150, deadline=None)
@given(
    picks=st.lists(st.integers(min_value=0, max_value=len(IDS) - 1), min_size=1, max_size=120),
    nulls=st.lists(st.integers(min_value=0, max_value=119), max_size=10),
    row_group_size=st.integers(min_value=1, max_value=50),
)
def test_a_sorted_column_gives_what_arrow_unification_gives(picks: list[int], nulls: list[int],
                                                             row_group_size: int) -> None:
    values: list[str | None] = [IDS[i] for i in sorted(picks)]  # sorted: runs of repeated ids
    for i in nulls:
        if i < len(values):
            values[i] = None
    column = _column(values, row_group_size)
    merged = merged_dictionaries(column)
    assert merged is not None
    got, expected = _pandas(merged), _pandas(column)
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert list(got.cat.categories) == sorted({v for v in values if v is not None})


def test_a_row_group_of_missing_values_between_two_others() -> None:
    # the dictionaries before and after the empty one share an id: it is kept once
    values = ["HS-1", "HS-2", None, None, "HS-2", "HS-3"]
    column = _column(values, row_group_size=2)
    merged = merged_dictionaries(column)
    assert merged is not None
    pd.testing.assert_series_equal(_pandas(merged), _pandas(column), check_exact=True)
    assert merged_dictionaries(_column(["HS-2", "HS-3", None, None, "HS-1", "HS-4"], row_group_size=2)) is None


@pytest.mark.parametrize("values", [
    ["HS-002", "HS-001", "HS-003"],  # not sorted within a row group
    ["HS-003", "HS-004", "HS-001", "HS-002"],  # each row group sorted, the second before the first
])
def test_other_layouts_are_left_to_arrow(values: list[str]) -> None:
    column = _column(values, row_group_size=2 if len(values) == 4 else 10)
    assert merged_dictionaries(column) is None


def test_an_unsorted_file_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "unsorted.parquet"
    frame = pd.DataFrame({NAME: ["HS-9", "Đăng-1", None, "HS-1", "HS-9"] * 40, "n": range(200)})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=30)
    got, _ = read_parquet_frame(path, str(path))
    whole = pq.read_table(path, read_dictionary=[NAME]).to_pandas()
    pd.testing.assert_frame_equal(got, whole)


def test_a_case_sorted_parquet_log_equals_the_same_events_in_memory(tmp_path: Path) -> None:
    hoti_nfc, hoti_nfd = "Hộ-tịch-01", unicodedata.normalize("NFD", "Hộ-tịch-01")
    rows = []
    for k, case in enumerate(IDS):
        steps = ["Tiếp nhận hồ sơ", "Thẩm định", "Trình ký", "Trả kết quả"][: 2 + k % 3]
        for j, step in enumerate(steps):
            rows.append({
                NAME: case,
                "concept:name": step if k % 5 else unicodedata.normalize("NFD", step),
                "time:timestamp": pd.Timestamp("2025-03-03 08:00", tz="Asia/Ho_Chi_Minh")
                + pd.Timedelta(days=k, hours=j + (1 if case == hoti_nfd else 0) * 5),
                "org:resource": None if j == 1 and k % 4 == 0 else f"Cán bộ {k % 3}",
                # the service follows the id as read (NFC): the two forms of an id are one dossier
                "case:service": "Đăng ký khai sinh" if len(unicodedata.normalize("NFC", case)) % 2 else "Đăng ký thường trú",
            })
    frame = pd.DataFrame(rows).sort_values(NAME, kind="stable").reset_index(drop=True)
    path = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=17)
    assert pq.read_metadata(path).num_row_groups > 3
    table = pq.read_table(path, columns=[NAME], read_dictionary=[NAME])
    assert merged_dictionaries(table.column(0)) is not None  # the new path is the one taken

    from_file = read_log(path)
    in_memory = frame_to_log(frame, timezone="Asia/Ho_Chi_Minh", source=str(path))
    pd.testing.assert_frame_equal(from_file.df, in_memory.df, check_exact=True)
    assert from_file.warnings == in_memory.warnings
    cases = from_file.df[NAME]
    assert isinstance(cases.dtype, pd.CategoricalDtype)
    assert hoti_nfd not in set(cases.cat.categories) and hoti_nfc in set(cases.cat.categories)  # one dossier, NFC
    assert (cases == hoti_nfc).sum() == len([r for r in rows if r[NAME] in (hoti_nfc, hoti_nfd)])
    assert from_file.df["org:resource"].isna().sum() == frame["org:resource"].isna().sum() > 0
