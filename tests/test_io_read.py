"""read_log / write_log: encodings, delimiters, Excel, XES, Parquet, round trips, the cache,
lifecycle pairing and the data-quality warnings."""

from __future__ import annotations

import codecs
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from procsimp.core.log import ACTIVITY, CASE, RESOURCE, ROLES, SERVICE, START, TIMESTAMP, EventLog
from procsimp.errors import LogReadError, LogValidationError, ParameterError
from procsimp.read import frame_to_log, read_log, write_log
from tests.conftest import load_script

DATA = Path(__file__).resolve().parent / "data"
GOOD = DATA / "good"
TZ = "Asia/Ho_Chi_Minh"


def _make_data():
    return load_script(DATA / "make_data.py")


# ---------------------------------------------------------------------------- encodings
def test_same_dossiers_in_every_encoding_read_to_the_same_log(tmp_path: Path) -> None:
    gen = _make_data()
    text = gen.vi_diacritic_text()
    files = {
        "utf8": text.encode("utf-8"),
        "utf8_bom": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf16": text.encode("utf-16"),  # BOM + native order
        "utf16_be": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "windows1258": gen.to_windows_1258(text),
    }
    # the Windows-1258 bytes really decode to decomposed letters: normalisation matters
    assert files["windows1258"].decode("cp1258") != text
    logs = {}
    for name, content in files.items():
        path = tmp_path / f"dossiers_{name}.csv"
        path.write_bytes(content)
        logs[name] = read_log(path, cache=False)
    reference = logs["utf8"]
    assert (reference.n_cases, reference.n_events) == (3, 11)
    assert "Thẩm định hồ sơ" in reference.activities
    for name, log in logs.items():
        pd.testing.assert_frame_equal(log.df, reference.df, obj=name)
        assert dict(log.mapping.columns) == dict(reference.mapping.columns)
        assert list(log.df.columns[:2]) == [CASE, ACTIVITY]
    assert logs["windows1258"].warnings == ("the file is not UTF-8; it was read as Windows-1258 (Vietnamese)",)
    assert reference.warnings == ()
    # headers written with diacritics map like the plain ones
    plain = read_log(GOOD / "dossiers_vi.csv", cache=False)
    pd.testing.assert_frame_equal(plain.df, reference.df)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = (GOOD / "dossiers_en.csv").read_text(encoding="utf-8").replace(",", delimiter)
    path = tmp_path / "log.txt"
    path.write_text(text, encoding="utf-8")
    log = read_log(path, cache=False)
    pd.testing.assert_frame_equal(log.df, read_log(GOOD / "dossiers_en.csv", cache=False).df)


def test_quoted_values_with_delimiters_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        'case_id,activity,end_time,note\n'
        'C1,"Review, then sign",2025-01-02 08:00,"two\nlines"\n'
        'C1,Return result,2025-01-03 08:00,plain\n',
        encoding="utf-8",
    )
    log = read_log(path, cache=False)
    assert log.activities == ["Review, then sign", "Return result"]
    assert log.df["note"].tolist() == ["two\nlines", "plain"]


def test_gzip_csv_and_numbers(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(b"case_id,activity,end_time,fee,code\n1001,A,2025-01-02,12.5,007\n"
                                   b"1001,B,2025-01-03,3,010\n"))
    log = read_log(path, cache=False)
    assert log.df[CASE].tolist() == ["1001", "1001"]
    assert log.df["fee"].tolist() == [12.5, 3.0]
    assert log.df["code"].astype(str).tolist() == ["007", "010"]  # leading zeros keep the text


# ---------------------------------------------------------------------------- Excel
def _workbook(path: Path, rows: list[list[object]], extra_sheet: bool = False) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hồ sơ"
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet("Ghi chú").append(["note"])
    wb.save(path)


def test_excel_matches_csv(tmp_path: Path) -> None:
    csv_log = read_log(GOOD / "dossiers_vi.csv", cache=False)
    frame = pd.read_csv(GOOD / "dossiers_vi.csv", dtype=str)
    rows: list[list[object]] = [list(frame.columns)]
    for rec in frame.itertuples(index=False):
        values: list[object] = []
        for col, v in zip(frame.columns, rec, strict=True):
            if col in ("bat_dau", "ket_thuc", "ngay_nhan", "han_xu_ly"):
                values.append(dt.datetime.strptime(v, "%d/%m/%Y %H:%M:%S"))  # real date cells
            else:
                values.append(v)
        rows.append(values)
    path = tmp_path / "dossiers.xlsx"
    _workbook(path, rows, extra_sheet=True)
    log = read_log(path, cache=False)
    pd.testing.assert_frame_equal(log.df, csv_log.df)
    assert log.warnings == (
        "the workbook has 2 sheets with data; read the first, 'Hồ sơ' (not 'Ghi chú'); choose another with --sheet",
    )


def test_excel_numbers_serials_and_openpyxl_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "serials.xlsx"
    _workbook(path, [["Mã hồ sơ", "Bước", "Kết thúc"], [1001, "Tiếp nhận", 45747.5], [1001, "Trả kết quả", 45748.25]])
    log = read_log(path, cache=False)
    assert log.df[CASE].tolist() == ["1001", "1001"]
    assert log.df[TIMESTAMP].tolist() == [pd.Timestamp("2025-03-31 12:00", tz=TZ), pd.Timestamp("2025-04-01 06:00", tz=TZ)]
    assert log.mapping.formats["timestamp"] == "Excel serial dates"
    import procsimp.read.excel as excel

    def broken(_path: Path) -> None:
        raise RuntimeError("calamine unavailable")

    monkeypatch.setattr(excel, "_rows_calamine", broken)
    pd.testing.assert_frame_equal(read_log(path, cache=False).df, log.df)


def test_excel_bad_dates_name_the_sheet_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    _workbook(path, [["case_id", "activity", "end_time"], ["c", "a", "2025-01-02"], ["c", "b", "bogus"]])
    with pytest.raises(LogValidationError) as caught:
        read_log(path, cache=False)
    assert str(caught.value).startswith(
        f"{path}: column 'end_time' (timestamp) has 1 value(s) that are not valid times, on row 3: "
        "'bogus'; accepted formats: ISO 8601"
    )
    assert str(caught.value).endswith("correct those cells or map another column with --timestamp")


# ---------------------------------------------------------------------------- round trips
def _rich_log() -> EventLog:
    frame = pd.DataFrame({
        "ma_ho_so": ["HS-2", "HS-1", "HS-1", "HS-2", "HS-1"],
        "buoc": ["Tiếp nhận", "Tiếp nhận", "Thẩm định", "Trả kết quả", "Trả kết quả"],
        "bat_dau": ["02/01/2025 08:00:00", "02/01/2025 08:00:00", "13/01/2025 09:00:00", "14/01/2025 10:00:00",
                    "15/01/2025 10:00:00"],
        "ket_thuc": ["02/01/2025 08:30:00", "02/01/2025 08:10:00.250", "13/01/2025 11:00:00",
                     "14/01/2025 10:05:00", "15/01/2025 10:30:00"],
        "thu_tuc": ["Đăng ký khai sinh", "Cấp phép & <xây dựng>", "Cấp phép & <xây dựng>", "Đăng ký khai sinh",
                    "Cấp phép & <xây dựng>"],
        "can_bo": ["An", "Bình", None, "An", "Bình"],
        "so_trang": [3, 5, 5, 3, 5],
        "phi": [1.5, 2.25, 2.25, 1.5, 2.25],
        "khan": [True, False, False, True, False],
    })
    return frame_to_log(frame)


@pytest.mark.parametrize("name", ["log.csv", "log.parquet", "log.xes", "log.xes.gz"])
def test_write_then_read_gives_the_same_log(tmp_path: Path, name: str) -> None:
    log = _rich_log()
    path = write_log(log, tmp_path / name)
    back = read_log(path, cache=False)
    pd.testing.assert_frame_equal(back.df, log.df)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left
    if name.endswith(".parquet"):
        assert back.mapping == log.mapping  # the mapping travels in the metadata


def test_xes_round_trip_keeps_nanoseconds(tmp_path: Path) -> None:
    log = _rich_log()
    df = log.df.copy()
    df[TIMESTAMP] = df[TIMESTAMP] + pd.to_timedelta(np.arange(len(df)) * 123_456_789 + 7, unit="ns")
    log = log.replace(df=df)
    back = read_log(write_log(log, tmp_path / "ns.xes"), cache=False)
    pd.testing.assert_series_equal(back.df[TIMESTAMP], log.df[TIMESTAMP])


def test_csv_writer_neutralises_formulas_in_text_only(tmp_path: Path) -> None:
    frame = pd.DataFrame({"case_id": ["=HYPERLINK(1)", "c2"], "activity": ["+cmd", "@SUM(A1)"],
                          "end_time": ["2025-01-02", "2025-01-03"], "amount": [-5, 3], "note": ["-2+3", "ok"]})
    path = write_log(frame_to_log(frame), tmp_path / "out.csv")
    text = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and "'+cmd" in text and "'@SUM(A1)" in text and "'-2+3" in text
    assert ",-5," in text or text.rstrip().split("\n")[1].split(",")[3] == "-5"
    assert "'-5" not in text


def test_write_log_errors(tmp_path: Path) -> None:
    log = _rich_log()
    with pytest.raises(ParameterError, match="cannot tell the format from the file name 'out.json'"):
        write_log(log, tmp_path / "out.json")
    with pytest.raises(ParameterError, match="format='xlsx' is not supported"):
        write_log(log, tmp_path / "out.csv", format="xlsx")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- XES parsers
def test_xes_parsers_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rustxes (one or two processes) and the lxml parser give the same log."""
    import procsimp.read.xes as xes
    from procsimp.read._xes_scan import _Fallback

    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame({
        "case_id": [f"c{i // 8:04d}" for i in range(n)],
        "activity": rng.choice(["Tiếp nhận", "Thẩm định", "Ký & trả"], size=n),
        "end_time": pd.Timestamp("2025-01-01", tz=TZ) + pd.to_timedelta(np.arange(n) * 3600 + rng.integers(0, 60, n), unit="s"),
        "officer": rng.choice(["An", "Bình", None], size=n),
        "pages": rng.integers(1, 9, size=n),
    })
    path = write_log(frame_to_log(frame), tmp_path / "big.xes")
    monkeypatch.setattr(xes, "SPLIT_BYTES", 1 << 40)
    monkeypatch.setattr(xes, "BACKGROUND_SCAN_BYTES", 1 << 40)
    one = read_log(path, cache=False)
    assert one.n_events == n
    monkeypatch.setattr(xes, "_free_core", lambda: True)  # as on an idle machine
    monkeypatch.setattr(xes, "BACKGROUND_SCAN_BYTES", 1 << 12)  # the scan in a worker process
    calls = []
    scan_file = xes._scan_file
    monkeypatch.setattr(xes, "_scan_file", lambda p: calls.append(p) or scan_file(p))
    pd.testing.assert_frame_equal(read_log(path, cache=False).df, one.df)
    assert calls == []  # the worker scanned
    monkeypatch.setattr(xes, "SPLIT_BYTES", 1 << 12)  # two halves, one in a worker process
    halves, info = xes.read_xes_frame(path, "big.xes", TZ)
    assert info.parser == "rustxes (two processes)" and len(halves) == n
    pd.testing.assert_frame_equal(read_log(path, cache=False).df, one.df)

    def refuse(_path: Path) -> None:
        raise _Fallback("test")

    monkeypatch.setattr(xes, "SPLIT_BYTES", 1 << 40)
    monkeypatch.setattr(xes, "_rust_parse", refuse)
    careful = read_log(path, cache=False)
    pd.testing.assert_frame_equal(careful.df, one.df)


def test_xes_naive_dates_take_the_timezone(tmp_path: Path) -> None:
    text = (GOOD / "small.xes").read_text(encoding="utf-8").replace("+07:00", "")
    path = tmp_path / "naive.xes"
    path.write_text(text, encoding="utf-8")
    log = read_log(path, cache=False, timezone="Europe/Amsterdam")
    assert log.df[TIMESTAMP].iloc[0] == pd.Timestamp("2025-01-02 08:00", tz="Europe/Amsterdam")
    mixed = tmp_path / "mixed.xes"
    mixed.write_text((GOOD / "small.xes").read_text(encoding="utf-8").replace("2025-01-03T09:00:00+07:00",
                                                                              "2025-01-03T09:00:00"), encoding="utf-8")
    with pytest.raises(LogValidationError) as caught:
        read_log(mixed, cache=False)
    assert str(caught.value) == (
        f"{mixed}: mixes times with a timezone offset ('time:timestamp' = '2025-01-02T08:00:00+07:00') "
        "and times without one ('time:timestamp' = '2025-01-03T09:00:00'); give every date an offset, "
        "or none (naive times are read in the timezone setting, --timezone)"
    )


def test_lifecycle_start_complete_pairs(tmp_path: Path) -> None:
    rows = [  # case, activity, lifecycle, time
        ("c1", "A", "schedule", "2025-01-02T08:00:00+07:00"),
        ("c1", "A", "start", "2025-01-02T08:10:00+07:00"),
        ("c1", "A", "complete", "2025-01-02T08:30:00+07:00"),
        ("c1", "A", "start", "2025-01-02T09:00:00+07:00"),
        ("c1", "B", "complete", "2025-01-02T09:10:00+07:00"),
        ("c1", "A", "complete", "2025-01-02T09:20:00+07:00"),
        ("c1", "C", "start", "2025-01-02T10:00:00+07:00"),
    ]
    body = "".join(
        f'<event><string key="concept:name" value="{a}"/><string key="lifecycle:transition" value="{lc}"/>'
        f'<date key="time:timestamp" value="{t}"/></event>' for _c, a, lc, t in rows
    )
    path = tmp_path / "lc.xes"
    path.write_text('<?xml version="1.0"?><log xmlns="http://www.xes-standard.org/"><trace>'
                    f'<string key="concept:name" value="c1"/>{body}</trace></log>', encoding="utf-8")
    log = read_log(path, cache=False)
    df = log.df
    assert df[ACTIVITY].tolist() == ["A", "B", "A"]
    assert df[START].tolist() == [pd.Timestamp("2025-01-02 08:10", tz=TZ), pd.NaT, pd.Timestamp("2025-01-02 09:00", tz=TZ)]
    assert (
        "column 'lifecycle:transition' has lifecycle transitions: paired 2 'start' events with their 'complete' "
        "event (kept as start_timestamp); dropped 1 'start' events with no completion; dropped 1 'schedule' "
        "events; one event per completed activity instance is kept (3 events)"
    ) in log.warnings


# ---------------------------------------------------------------------------- warnings and rules
def test_quality_warnings() -> None:
    frame = pd.DataFrame({
        "case_id": ["a", "a", "a", "a", "b", "c", "c", "d"],
        "activity": ["R", "C", "C", "X", "R", "R", "S", "R"],
        "end_time": ["2025-01-03", "2025-01-02", "2025-01-02", "2025-01-04", "2025-01-02 10:00", "2025-01-05",
                     "2025-01-05", None],
        "officer": ["u1", "u2", "u2", None, "u1", "u1", "u3", "u1"],
        "channel": ["online", "online", "counter", None, "counter", "online", None, "online"],
    })
    log = frame_to_log(frame, source="w.csv")
    assert log.warnings == (
        "dropped 1 event(s) with no completion time (column 'end_time', on position 7); they may be steps "
        "still in progress",
        "events of 1 dossier(s) were not in time order in the source; they are sorted by time",
        "column 'channel' (channel) has different values within 1 dossier(s) (e.g. case 'a'); each dossier "
        "takes the value of its first event",
        "1 event(s) (14.3%) are exact duplicates of another event (same case, step, time and attributes, on "
        "position 2); they are kept: remove them at the source if they are double entries",
        "1 of 3 dossier(s) (33.3%) have a single event; they have no flow between steps",
        "85.7% of events are at exactly midnight and 50.0% of consecutive events of a dossier (2 of 4) share "
        "their time: the times look day-resolution, so the order of steps on the same day is uncertain (they "
        "keep the order of the source) and durations within a day are not measured",
        "14.3% of events have no officer (column 'officer'); hand-offs are counted only between events that "
        "have one",
    )
    df = log.df
    assert df[CASE].tolist() == ["a", "a", "a", "a", "b", "c", "c"]
    assert df[ACTIVITY].tolist()[:4] == ["C", "C", "R", "X"]  # sorted by time, ties in file order
    assert df["case:channel"].tolist() == ["online"] * 4 + ["counter", "online", "online"]  # first event's value
    assert df[RESOURCE].isna().sum() == 1
    log.check()
    no_officer = frame_to_log(frame.drop(columns=["officer", "channel"]).dropna())
    assert no_officer.warnings[-1] == (
        "no officer (resource) column was found, so hand-offs between officers cannot be measured; map one "
        "with --resource COLUMN if the log has it"
    )


def _ties_frame(n_cases: int, tied_cases: int, *, midnight_cases: int = 0) -> pd.DataFrame:
    """Cases of 5 events at distinct times; ``tied_cases`` have their last two events at one time,
    ``midnight_cases`` have every event at midnight on 5 days."""
    rows = []
    for c in range(n_cases):
        for k in range(5):
            if c < midnight_cases:
                t = pd.Timestamp("2025-01-01") + pd.Timedelta(days=k)
            else:
                t = pd.Timestamp("2025-01-01 08:00") + pd.Timedelta(minutes=c % 600 + 10 * min(k, 3 if c < tied_cases else 4))
            rows.append((f"c{c}", f"s{k}", t.isoformat(sep=" ")))
    return pd.DataFrame(rows, columns=["case_id", "activity", "end_time"])


def _about_times(log: EventLog) -> list[str]:
    return [w for w in log.warnings if "share their time" in w]


def test_day_resolution_and_tie_warnings_need_a_substantial_share() -> None:
    # one tied pair among 400 (0.25% of the pairs): no warning
    assert _about_times(frame_to_log(_ties_frame(100, 1))) == []
    # 4% of pairs tied, no midnight: still none
    assert _about_times(frame_to_log(_ties_frame(100, 16))) == []
    # 5% of pairs tied, times of day: ties, but not day-resolution
    assert _about_times(frame_to_log(_ties_frame(100, 20))) == [
        "5.0% of consecutive events of a dossier (20 of 400) share their time; the order of those steps cannot be "
        "told from the times, so they keep the order of the source"
    ]
    # a fifth of the events at midnight: day-resolution, with both shares
    assert _about_times(frame_to_log(_ties_frame(100, 0, midnight_cases=20))) == [
        "20.0% of events are at exactly midnight and 0.0% of consecutive events of a dossier (0 of 400) share "
        "their time: the times look day-resolution, so the order of steps on the same day is uncertain (they "
        "keep the order of the source) and durations within a day are not measured"
    ]
    assert _about_times(frame_to_log(_ties_frame(100, 0, midnight_cases=19))) == []


@pytest.mark.parametrize("name", ["dossiers_vi.csv", "dossiers_en.csv", "dossiers_vi_to_be.csv"])
def test_bundled_logs_have_no_tie_or_day_resolution_warning(name: str) -> None:
    log = read_log(Path(__file__).resolve().parent.parent / "event_logs" / name, cache=False)
    assert [w for w in log.warnings if "share their time" in w or "day-resolution" in w] == []


def test_date_only_due_dates_keep_the_on_time_classification(tmp_path: Path) -> None:
    """A due date written without its time is due at the end of that day: cutting the times off
    ``han_xu_ly`` changes only dossiers finished on their due day after the time it gave."""
    from procsimp.core.log import DUE
    from procsimp.engine import case_table

    source = Path(__file__).resolve().parent.parent / "event_logs" / "dossiers_vi.csv"
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    assert frame["han_xu_ly"].str.len().eq(19).all()  # dd/mm/yyyy HH:MM:SS
    frame["han_xu_ly"] = frame["han_xu_ly"].str.slice(0, 10)
    cut_path = tmp_path / "dossiers_due_dates.csv"
    frame.to_csv(cut_path, index=False)
    full, cut = read_log(source, cache=False), read_log(cut_path, cache=False)
    assert cut.mapping.formats["due"] == "dd/mm/yyyy, end of day"
    assert cut.mapping.describe()[-2] == "due       <- han_xu_ly (detected, dd/mm/yyyy, end of day)"
    assert full.df[DUE].dt.normalize().equals(cut.df[DUE].dt.normalize())
    assert (cut.df[DUE].dt.strftime("%H:%M:%S.%f") == "23:59:59.999999").all()
    a, b = case_table(full), case_table(cut)
    assert a["case"].tolist() == b["case"].tolist()
    finished_on_due_day_after_due_time = (
        (a["last"].dt.normalize() == a["due"].dt.normalize()) & (a["last"] > a["due"])
    ).to_numpy()
    assert finished_on_due_day_after_due_time.any()  # the cases that may differ exist ...
    same = ~finished_on_due_day_after_due_time
    assert a["on_time"].to_numpy()[same].tolist() == b["on_time"].to_numpy()[same].tolist()
    assert b["on_time"].to_numpy()[~same].all()  # ... and are on time by the date alone
    # the profile's on-time rate no longer falls when the due times are cut off
    import procsimp

    full_rate = procsimp.profile(full).table["on_time_rate"].to_numpy(dtype=float)
    cut_rate = procsimp.profile(cut).table["on_time_rate"].to_numpy(dtype=float)
    assert (cut_rate >= full_rate).all()


def test_unknown_timezone_is_refused_before_reading(tmp_path: Path) -> None:
    from procsimp.errors import LogValidationError

    message = "--timezone 'Nowhere/X' is not a known timezone; use an IANA name such as Asia/Ho_Chi_Minh or UTC"
    for path in (GOOD / "dossiers_vi.csv", GOOD / "small.xes", tmp_path / "missing.parquet"):
        with pytest.raises(LogValidationError) as exc:
            read_log(path, cache=False, timezone="Nowhere/X")
        assert str(exc.value) == message


def test_input_frame_is_not_modified() -> None:
    frame = pd.DataFrame({"case_id": ["b", "a"], "activity": ["x", "y"], "end_time": ["2025-01-02", "2025-01-01"]})
    before = frame.copy()
    frame_to_log(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_every_log_keeps_the_invariants() -> None:
    for path in sorted(GOOD.iterdir()):
        if path.suffix in (".csv", ".tsv", ".xes", ".gz") and path.name != "custom_headers.tsv":
            log = read_log(path, cache=False)
            log.check()
            assert isinstance(log.df.index, pd.RangeIndex)
            for col in (CASE, ACTIVITY):
                assert isinstance(log.df[col].dtype, pd.CategoricalDtype)
            if SERVICE in log.df:
                assert str(log.df[SERVICE].cat.categories.dtype) == "str"


def test_memory_is_compact() -> None:
    """Text is dictionary-encoded: far smaller than the same frame with plain strings."""
    rng = np.random.default_rng(0)
    n = 50_000
    frame = pd.DataFrame({
        "case_id": [f"HS-{i // 10:07d}" for i in range(n)],
        "activity": rng.choice(["Tiếp nhận hồ sơ", "Thẩm định hồ sơ", "Ký duyệt kết quả", "Trả kết quả"], size=n),
        "end_time": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(n) * 60, unit="s"),
        "officer": rng.choice([f"Cán bộ {i}" for i in range(50)], size=n),
    })
    log = frame_to_log(frame)
    plain = frame.astype({"case_id": object, "activity": object, "officer": object})
    assert log.df.memory_usage(deep=True).sum() < 0.5 * plain.memory_usage(deep=True).sum()


# ---------------------------------------------------------------------------- cache
def test_cache_reuses_and_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import procsimp.read.read as reader

    src = tmp_path / "log.csv"
    src.write_bytes((GOOD / "dossiers_vi.csv").read_bytes())
    cache = tmp_path / "cache"
    first = read_log(src, cache=cache)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".parquet"
    calls = []
    original = reader._read
    monkeypatch.setattr(reader, "_read", lambda *a, **k: calls.append(1) or original(*a, **k))
    again = read_log(src, cache=cache)
    assert calls == []  # served from the cache
    pd.testing.assert_frame_equal(again.df, first.df)
    assert (again.mapping, again.warnings, again.source) == (first.mapping, first.warnings, first.source)
    # a different mapping or timezone is another entry; a changed file is read again
    read_log(src, cache=cache, timezone="UTC")
    assert calls == [1]
    stat = src.stat()
    src.write_bytes((GOOD / "dossiers_vi.csv").read_bytes().replace(b"HS-003", b"HS-004"))
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same modification time
    assert src.stat().st_size == stat.st_size and src.stat().st_mtime_ns == stat.st_mtime_ns
    changed = read_log(src, cache=cache)
    assert calls == [1, 1]  # keyed by content: the edit is seen
    assert "HS-004" in changed.df[CASE].cat.categories
    # off by default: nothing in the working directory, even for a large file
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCSIMP_CACHE_DIR", raising=False)
    big = tmp_path / "big.csv"
    big.write_bytes((Path(__file__).resolve().parent.parent / "event_logs" / "dossiers_en.csv").read_bytes())
    before = sorted(p.name for p in tmp_path.iterdir())
    read_log(big)
    read_log(src, cache=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    other = tmp_path / "elsewhere"
    monkeypatch.setenv("PROCSIMP_CACHE_DIR", str(other))  # the environment may turn it on
    read_log(src)
    assert len(list(other.iterdir())) == 1
    read_log(big, cache=False)
    assert len(list(other.iterdir())) == 1


def test_cache_keeps_mapped_columns_only_and_for_its_owner(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    src = tmp_path / "log.csv"
    text = (GOOD / "dossiers_vi.csv").read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",so_cccd,ghi_chu"] + [f"{line},0790{i:08d},gọi 0912 345 {i:03d}" for i, line in enumerate(text[1:])]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert "so_cccd" in read_log(src, cache=False).df.columns  # without a cache, extras are kept
    cache = tmp_path / "cache"
    log = read_log(src, cache=cache)
    assert set(log.df.columns) <= set(ROLES.values())  # the same log from the file or the cache
    (entry,) = cache.iterdir()
    assert set(pq.read_schema(entry).names) <= set(ROLES.values())
    assert b"0790" not in entry.read_bytes() and b"0912" not in entry.read_bytes()
    assert entry.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    pd.testing.assert_frame_equal(read_log(src, cache=cache).df, log.df)


@pytest.mark.parametrize("bad", [5, 1.5, b"cache", "", "  ", ["cache"], object()])
def test_bad_cache_values_are_parameter_errors(bad: object) -> None:
    with pytest.raises(ParameterError, match="cache must be a folder path, True, False or None"):
        read_log(GOOD / "dossiers_vi.csv", cache=bad)  # type: ignore[arg-type]


def test_cache_may_not_be_a_file(tmp_path: Path) -> None:
    file = tmp_path / "x"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(ParameterError, match="is a file; give a folder for the cache"):
        read_log(GOOD / "dossiers_vi.csv", cache=file)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(LogReadError, match="no such file; check the path"):
        read_log(tmp_path / "none.csv")
    with pytest.raises(LogReadError, match="is a folder, not a log file"):
        read_log(tmp_path)


def test_content_decides_over_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((GOOD / "small.xes").read_bytes())
    log = read_log(path, cache=False)
    assert log.n_events == 2
    assert log.warnings[0] == "the file is named like delimited text (CSV) but holds XES; read as such"


# ---------------------------------------------------------------------------- fast paths
def test_case_time_order_equals_a_full_sort() -> None:
    """Logs already sorted, grouped by case or in any order come out in the order of a stable
    sort by case then time (ties keep the source order), with a warning naming the dossiers
    whose events were not in time order in the source."""
    rng = np.random.default_rng(11)
    for trial in range(200):
        n = int(rng.integers(1, 40))
        case = np.sort(rng.integers(0, 6, n)) if trial % 3 == 0 else rng.integers(0, 6, n)
        if trial % 5 == 0:  # grouped by case, in an order other than the ids'
            case = rng.permutation(6)[np.sort(rng.integers(0, 6, n))]
        ts = rng.integers(0, 4, n) if trial % 2 else np.arange(n)
        frame = pd.DataFrame({
            "case_id": [f"c{c}" for c in case],
            "activity": "A",
            "end_time": pd.Timestamp("2025-03-03 08:00", tz=TZ) + pd.to_timedelta(ts, unit="min"),
            "row": np.arange(n),
        })
        log = frame_to_log(frame)
        want_final = np.lexsort((np.arange(n), ts, case))
        want_file = np.lexsort((np.arange(n), case))
        assert np.array_equal(log.df["row"].to_numpy(), want_final), trial
        moved = want_final != want_file
        notes = [w for w in log.warnings if "were not in time order" in w]
        if moved.any():
            dossiers = len(np.unique(case[want_file[moved]]))
            assert notes == [
                f"events of {dossiers} dossier(s) were not in time order in the source; they are sorted by time"
            ], trial
        else:
            assert notes == [], trial


def test_normalised_categoricals_are_kept_as_they_are() -> None:
    from procsimp.read.frame import nfc_categorical

    cases = [
        pd.Categorical(["b", "a", "b", None], categories=["a", "b"]),  # already normal: kept
        pd.Categorical(["b", "a"], categories=["b", "a"]),  # not sorted
        pd.Categorical(["a ", "a"], categories=["a", "a "]),  # not stripped
        pd.Categorical(["", "a"], categories=["", "a"]),  # '' is missing
        pd.Categorical(["e\u0301", "\u00e9"]),  # not NFC: one value
        pd.Categorical(["a", "b"], categories=["a", "b"], ordered=True),
        pd.Categorical(["B", "a"], categories=["B", "a"]),  # byte order
    ]
    for cat in cases:
        got = nfc_categorical(pd.Series(cat))
        want = nfc_categorical(pd.Series(cat).astype(object))  # the path for plain text
        pd.testing.assert_series_equal(got, want)
        assert not got.cat.ordered and got.cat.categories.dtype == "str"


def test_plausible_years_checked_exactly_near_the_ends() -> None:
    from procsimp.read.times import NS_MAX_YEAR, NS_MIN_YEAR, parse_times

    edges = [
        f"{NS_MIN_YEAR - 1}-12-31T23:59:59.999999999", f"{NS_MIN_YEAR}-01-01T00:00:00",
        f"{NS_MIN_YEAR}-01-02T00:00:00", f"{NS_MAX_YEAR}-12-31T00:00:00",
        f"{NS_MAX_YEAR}-12-31T23:59:59.999999999", f"{NS_MAX_YEAR + 1}-01-01T00:00:00", None,
    ]
    parsed = parse_times(pd.Series(edges, dtype=object), timezone="UTC")
    assert list(parsed.bad) == [0, 5]  # outside the plausible years; a missing value is not bad
    assert parsed.values.isna().tolist() == [True, False, False, False, False, True, True]
    inside = parse_times(pd.Series([f"{NS_MIN_YEAR}-01-06T00:00:00", f"{NS_MAX_YEAR}-12-26T00:00:00"]), timezone="UTC")
    assert len(inside.bad) == 0 and inside.values.notna().all()
    assert len(parse_times(pd.Series([], dtype=object), timezone="UTC").values) == 0


def test_xes_halves_are_copied_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two halves are the same through the kernel copy and through Python: a log read in
    two processes either way equals the log read in one."""
    import procsimp.read.xes as xes

    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({
        "case_id": [f"c{i // 6:04d}" for i in range(n)],
        "activity": rng.choice(["Tiếp nhận", "Thẩm định", "Ký & trả"], size=n),
        "end_time": pd.Timestamp("2025-01-01", tz=TZ) + pd.to_timedelta(np.arange(n) * 60, unit="s"),
    })
    path = write_log(frame_to_log(frame), tmp_path / "halves.xes")
    monkeypatch.setattr(xes, "SPLIT_BYTES", 1 << 40)
    whole, info = xes.read_xes_frame(path, "halves.xes", TZ)
    assert info.parser == "rustxes" and info.worker_share is None
    monkeypatch.setattr(xes, "_free_core", lambda: True)  # as on an idle machine
    monkeypatch.setattr(xes, "SPLIT_BYTES", 1 << 12)
    fast, info = xes.read_xes_frame(path, "halves.xes", TZ)
    assert info.parser == "rustxes (two processes)"
    # a small file: the worker's start-up outweighs what it saves, so it takes the smallest share
    assert info.worker_share == 0.2
    monkeypatch.delattr(os, "copy_file_range", raising=False)
    size = path.stat().st_size
    shares = []
    for seconds in (2, 20):  # as if parsing the file took that long: the worker takes nearly half
        monkeypatch.setattr(xes, "PARSE_BYTES_PER_S", size / seconds)
        slow, info = xes.read_xes_frame(path, "halves.xes", TZ)
        assert info.parser == "rustxes (two processes)"
        pd.testing.assert_frame_equal(slow, whole)
        shares.append(info.worker_share)
    pd.testing.assert_frame_equal(fast, whole)
    assert 0.2 < shares[0] < shares[1] <= 0.5


def test_a_frame_handed_over_is_let_go_of_and_gives_the_same_log() -> None:
    """A reader hands its frame over (read.frame.Handover): frame_to_log keeps no reference to it
    once the normalised frame exists, and the log is the one the frame itself gives."""
    import gc
    import weakref

    from procsimp.read.frame import Handover

    def frame() -> pd.DataFrame:
        return pd.DataFrame({
            "case": ["b", "a", "a", "b"],
            "activity": ["Nhận", "Nhận", "Duyệt", "Duyệt"],
            "start": pd.to_datetime(["2025-01-02 08:00", "2025-01-01 08:00", "2025-01-01 09:00", "2025-01-02 10:00"]),
            "timestamp": pd.to_datetime(["2025-01-02 09:00", "2025-01-01 08:30", "2025-01-01 10:00",
                                         "2025-01-02 11:00"]),
            "note": ["x", "y", "x", "y"],
        })

    import procsimp.read.frame as frame_module

    expected = frame_to_log(frame(), case="case", activity="activity", timestamp="timestamp", start="start")
    raw = frame()
    alive = weakref.ref(raw)
    given = Handover(raw)
    del raw
    # the quality checks run on the normalised frame: by then no frame with the source's headers
    # (the handed-over one, or its copy with normalised headers) is still held
    seen: list[bool] = []
    checks = frame_module._quality_warnings
    headers = {"case", "activity", "start", "timestamp"}

    def checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        gc.collect()
        held = [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and headers <= set(o.columns)]
        seen.append(alive() is None and not held)
        return checks(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(frame_module, "_quality_warnings", checked)
        log = frame_to_log(given, case="case", activity="activity", timestamp="timestamp", start="start")
    assert seen == [True]
    assert given.frame is None
    pd.testing.assert_frame_equal(log.df, expected.df)
    assert log.warnings == expected.warnings
    with pytest.raises(ValueError, match="handed over once already"):
        given.take()


def test_an_event_that_ends_before_it_starts_names_the_raw_times_after_the_handover() -> None:
    """The error quotes the source's own values, kept after the frame is let go of."""
    from procsimp.read.frame import Handover

    raw = pd.DataFrame({"case": ["a", "a"], "activity": ["Nhận", "Duyệt"],
                        "start": ["2025-01-01 09:00", "2025-01-01 10:00"],
                        "timestamp": ["2025-01-01 08:00", "2025-01-01 11:00"]})
    with pytest.raises(LogValidationError, match=r"1 event\(s\) end before they start .*2025-01-01 09:00 > 2025-01-01 08:00"):
        frame_to_log(Handover(raw), case="case", activity="activity", timestamp="timestamp", start="start")
