"""Dossier attributes made one value per dossier: the value of the dossier's first event that has
one, whatever the order of the rows in the source."""

from __future__ import annotations

import pandas as pd
import pytest

from procsimp import frame_to_log

ROWS = [
    # case, step, time, channel, outcome, received
    ("HS-2", "Thẩm định", "2025-03-04 09:00", "Trực tuyến", "Từ chối", None),
    ("HS-1", "Tiếp nhận hồ sơ", "2025-03-03 08:00", None, None, None),
    ("HS-1", "Thẩm định", "2025-03-03 10:00", "Trực tiếp", "Đạt", "2025-03-01 07:30"),
    ("HS-3", "Tiếp nhận hồ sơ", "2025-03-05 08:00", "Bưu chính", None, "2025-03-05 07:45"),
    ("HS-1", "Trả kết quả", "2025-03-03 15:00", "Trực tuyến", "Đạt", "2025-03-02 07:30"),
    ("HS-2", "Tiếp nhận hồ sơ", "2025-03-04 08:00", None, "Đạt", "2025-03-04 07:00"),
    ("HS-3", "Trả kết quả", "2025-03-05 16:00", "Bưu chính", None, None),
]


@pytest.fixture
def log():  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(ROWS, columns=["ma_ho_so", "buoc", "thoi_gian", "kenh", "ket_qua", "ngay_nhan"])
    return frame_to_log(frame, case="ma_ho_so", activity="buoc", timestamp="thoi_gian", channel="kenh",
                        outcome="ket_qua", received="ngay_nhan")


def test_each_dossier_takes_its_first_value(log) -> None:  # type: ignore[no-untyped-def]
    df = log.df
    per_case = df.groupby("case:concept:name", observed=True).agg(
        channel=("case:channel", lambda s: list(s.astype(object))),
        outcome=("case:outcome", lambda s: list(s.astype(object))),
        received=("case:received", lambda s: [str(x) for x in s]),
    )
    assert per_case.loc["HS-1", "channel"] == ["Trực tiếp"] * 3  # its first event had none
    assert per_case.loc["HS-1", "outcome"] == ["Đạt"] * 3
    assert per_case.loc["HS-1", "received"] == ["2025-03-01 07:30:00+07:00"] * 3
    # HS-2's rows are out of time order in the source: its first event is "Tiếp nhận hồ sơ" at 08:00
    assert per_case.loc["HS-2", "channel"] == ["Trực tuyến"] * 2
    assert per_case.loc["HS-2", "outcome"] == ["Đạt"] * 2
    assert per_case.loc["HS-2", "received"] == ["2025-03-04 07:00:00+07:00"] * 2
    assert pd.isna(per_case.loc["HS-3", "outcome"]).all()  # no value at all stays missing


def test_two_values_in_a_dossier_are_reported(log) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(log.warnings)
    assert "column 'kenh' (channel) has different values within 1 dossier(s) (e.g. case 'HS-1')" in text
    assert "column 'ket_qua' (outcome) has different values within 1 dossier(s) (e.g. case 'HS-2')" in text
    assert "column 'ngay_nhan' (received) has different values within 1 dossier(s) (e.g. case 'HS-1')" in text
