"""Unused categories dropped by a count (procsimp.core._categories) give what pandas gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from procsimp.core._categories import without_unused

NAMES = ["Tiếp nhận hồ sơ", "Thẩm định", "Trình ký", "Ký duyệt", "Trả kết quả", "Đ", "a", "z"]


@settings(max_examples=200, deadline=None)
@given(
    codes=st.lists(st.integers(min_value=-1, max_value=len(NAMES) - 1), max_size=60),
    ordered=st.booleans(),
    offset=st.integers(min_value=0, max_value=5),
)
def test_same_series_as_pandas(codes: list[int], ordered: bool, offset: int) -> None:
    dtype = pd.CategoricalDtype(pd.Index(sorted(NAMES), dtype="str"), ordered=ordered)
    values = pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), name="concept:name",
                       index=pd.RangeIndex(offset, offset + len(codes)))
    expected = values.cat.remove_unused_categories()
    got = without_unused(values)
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert got.cat.codes.dtype == expected.cat.codes.dtype
    assert list(values.cat.codes) == codes  # the input is left as it was


def test_every_category_used_returns_the_series_itself() -> None:
    values = pd.Series(pd.Categorical(["Thẩm định", "Trình ký", "Thẩm định"]))
    assert without_unused(values) is values


def test_many_categories_keep_their_order_and_codes() -> None:
    # more than 127 categories: the codes are 16-bit, and a case column of a sub-log uses few
    rng = np.random.default_rng(7)
    cats = pd.Index([f"HS-{i:05d}" for i in range(40_000)], dtype="str")
    codes = np.sort(rng.choice(len(cats), size=5_000, replace=True))
    codes[::50] = -1
    values = pd.Series(pd.Categorical.from_codes(codes, categories=cats))
    got = without_unused(values)
    pd.testing.assert_series_equal(got, values.cat.remove_unused_categories(), check_exact=True)
    assert got.cat.categories.is_monotonic_increasing
    assert got.isna().sum() == (codes < 0).sum()
