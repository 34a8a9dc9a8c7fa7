"""A Parquet file is read into pandas one column at a time: the frame is the one a read of the
whole table gives (dictionary-encoded text as categoricals, times, numbers, missing values, several
row groups), and a file whose pandas index is stored as a column is read whole, index and all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from procsimp.read.parquet import read_parquet_frame


def _frame(n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    times = pd.Timestamp("2025-01-02 08:00", tz="Asia/Ho_Chi_Minh") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s")
    frame = pd.DataFrame({
        "case:concept:name": [f"HS-{i // 7:05d}" for i in range(n)],
        "concept:name": rng.choice(["Tiếp nhận hồ sơ", "Thẩm định", "Trả kết quả"], n),
        "time:timestamp": times,
        "org:resource": pd.Series(rng.choice(["Nguyễn Văn An", "Trần Thị Bình", None], n), dtype=object),
        "cost": rng.normal(size=n),
        "pages": rng.integers(1, 40, n),
    })
    frame.loc[::11, "cost"] = np.nan
    return frame


def _whole(path: Path) -> pd.DataFrame:
    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return pq.read_table(path, read_dictionary=text or None).to_pandas()


@pytest.mark.parametrize("index", [False, None], ids=["no index", "range index in the metadata"])
def test_read_by_column_equals_the_whole_table(tmp_path: Path, index: bool | None) -> None:
    path = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pandas(_frame(), preserve_index=index), path, row_group_size=1200)
    assert pq.read_metadata(path).num_row_groups > 1
    frame, meta = read_parquet_frame(path, str(path))
    assert meta is None
    expected = _whole(path)
    pd.testing.assert_frame_equal(frame, expected)
    assert isinstance(frame["concept:name"].dtype, pd.CategoricalDtype)
    assert frame["org:resource"].isna().sum() == _frame()["org:resource"].isna().sum() > 0


def test_a_stored_index_column_is_read_with_the_table(tmp_path: Path) -> None:
    path = tmp_path / "indexed.parquet"
    source = _frame(300).set_index("pages")
    pq.write_table(pa.Table.from_pandas(source, preserve_index=True), path)
    frame, _ = read_parquet_frame(path, str(path))
    pd.testing.assert_frame_equal(frame, _whole(path))
    assert frame.index.name == "pages" and list(frame.index) == list(source.index)
