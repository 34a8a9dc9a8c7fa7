"""A log left on its Parquet files warns like the same log read into memory: small, deliberately
flawed Parquet logs read both ways give the same warning lines (same words, figures and
positions), and each flaw is named, so a warning dropped from both readers fails too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from procsimp import read_log
from procsimp.errors import LogValidationError
from tests.conftest import invoke
from tests.flawed_logs import (
    MAPPED,
    clean_log,
    dataset_folder,
    day_resolution_log,
    old_time_log,
    ties_log,
    times,
)


def _both(path: Path, **columns: str) -> tuple[list[str], list[str]]:
    """(warnings in memory, warnings out of core) of the same files."""
    memory = read_log(path, storage="memory", **columns)
    files = read_log(path, storage="parquet", **columns)
    assert memory.storage == "memory" and files.storage == "parquet"
    return list(memory.warnings), list(files.warnings)


def _check(path: Path, expected: list[str], **columns: str) -> list[str]:
    """The two lists are equal and hold, in order, one warning per expected phrase, nothing else."""
    memory, files = _both(path, **columns)
    assert files == memory
    assert len(files) == len(expected), files
    for line, phrase in zip(files, expected, strict=True):
        assert phrase in line, (phrase, line)
    return files


def test_day_resolution_duplicates_and_dropped_events(tmp_path: Path) -> None:
    path, columns = day_resolution_log(tmp_path)
    lines = _check(path, [
        "invisible characters", "'due' (due) has 1 value(s) that are not valid times", "with no case id",
        "with no step name", "events of 1 dossier(s) were not in time order", "exact duplicates",
        "2 of 4 dossier(s) (50.0%) have a single event", "of events are at exactly midnight", "have no officer",
    ], **columns)
    assert "'2250-01-01 23:59:59.999999+07:00', on position 4" in lines[1]
    assert "(column 'case', on position 7)" in lines[2]
    assert "1 event(s) (12.5%) are exact duplicates" in lines[5] and "on position 2)" in lines[5]
    assert "(2 of 4) share their time" in lines[7]


def test_ties_many_duplicates_case_values_and_no_officer_column(tmp_path: Path) -> None:
    """Ties within dossiers (not midnight), duplicates beyond the five positions shown, a channel
    that changes within dossiers, dossiers without a service, events without a completion time."""
    path, columns = ties_log(tmp_path)
    lines = _check(path, [
        "dropped 2 event(s) with no completion time", "column 'channel' (channel) has different values within",
        "2 dossier(s) have no value in column 'service'", "exact duplicates",
        "of consecutive events of a dossier", "no officer (resource) column was found",
    ], **columns)
    assert "on positions 5, 17)" in lines[0]
    assert "(e.g. case 'h00')" in lines[1]
    assert "and 3 more" in lines[3]


def test_dataset_folder_with_nested_column_and_timezone(tmp_path: Path) -> None:
    """A hive-partitioned folder of two files: positions run through the files one after the other;
    a nested column is left out with a note; times with a timezone; nothing else to say."""
    folder, columns = dataset_folder(tmp_path)
    lines = _check(folder, ["hold nested values", "2 of 3 dossier(s) (66.7%) have a single event",
                            "50.0% of events have no officer"], **columns)
    assert "'tags' (list<" in lines[0]


def test_clean_log_has_no_warning(tmp_path: Path) -> None:
    path, columns = clean_log(tmp_path)
    assert _check(path, [], **columns) == []


@pytest.mark.parametrize("first_day", ["2025-03-20", "2025-01-06"], ids=["summer-time-change", "one-offset"])
def test_midnight_in_a_timezone_with_summer_time(tmp_path: Path, first_day: str) -> None:
    """Day-resolution times in Europe/Berlin: across the change to summer time (each time's own
    offset decides what is midnight) and within winter (one offset over the log: one addition),
    out of core as in memory, every event at midnight."""
    n = 24
    frame = pd.DataFrame({
        "case": [f"c{i // 3}" for i in range(n)],
        "activity": ["receive", "check", "return"] * (n // 3),
        "time": pd.Series(pd.date_range(first_day, periods=n, freq="D")).astype("datetime64[us]"),
    })
    path = tmp_path / "days.parquet"
    frame.to_parquet(path)
    memory = read_log(path, storage="memory", timezone="Europe/Berlin", **MAPPED)
    files = read_log(path, storage="parquet", timezone="Europe/Berlin", **MAPPED)
    assert files.storage == "parquet"
    assert list(files.warnings) == list(memory.warnings)
    assert any(line.startswith("100.0% of events are at exactly midnight") for line in files.warnings), files.warnings


def test_a_dossiers_attributes_come_from_its_first_event_that_has_one(tmp_path: Path) -> None:
    """A dossier's channel and due date are those of its first event in time that has one, out
    of core as in memory: for a dossier whose events disagree (the first value is not the
    smallest, and the rows are not in time order) and for dossiers whose events agree."""
    t = pd.Timestamp("2025-03-03 08:00")
    frame = pd.DataFrame({
        "case": ["a", "a", "a", "b", "b", "c"],
        "activity": ["return", "receive", "check", "receive", "return", "receive"],
        "time": [t + pd.Timedelta(hours=h) for h in (3, 1, 2, 1, 2, 1)],
        "channel": ["counter", None, "online", "postal", "postal", None],
        "due": [t + pd.Timedelta(days=d) for d in (4, 9, 7, 4, 4, 6)],
    })
    frame["time"] = frame["time"].astype("datetime64[us]")
    frame["due"] = frame["due"].astype("datetime64[us]")
    path = tmp_path / "attributes.parquet"
    frame.to_parquet(path)
    columns = {**MAPPED, "channel": "channel", "due": "due"}
    memory = read_log(path, storage="memory", **columns)
    files = read_log(path, storage="parquet", **columns)
    assert files.storage == "parquet"
    pd.testing.assert_frame_equal(files.parquet.coded_frame(), memory.df)
    by_case = memory.df.groupby("case:concept:name", observed=True)
    assert by_case["case:channel"].first().dropna().astype(str).to_dict() == {"a": "online", "b": "postal"}
    assert str(by_case["case:due"].first()["a"].tz_localize(None)) == "2025-03-12 08:00:00"
    assert list(files.warnings) == list(memory.warnings)


def _error(path: Path, storage: str) -> str:
    with pytest.raises(LogValidationError) as err:
        read_log(path, storage=storage, **MAPPED)
    return str(err.value)


def test_completion_time_out_of_the_plausible_years_is_the_same_error(tmp_path: Path) -> None:
    path = old_time_log(tmp_path)
    messages = [_error(path, storage) for storage in ("memory", "parquet")]
    assert messages[0] == messages[1]
    assert "column 'time' (timestamp) has 1 value(s) that are not valid times, on position 1" in messages[0]


def test_cli_prints_the_same_warnings(tmp_path: Path) -> None:
    frame = pd.DataFrame({"case": ["a", "a", "a", "b"], "activity": ["x", "y", "y", "x"],
                          "time": times("2025-01-02 00:00", "2025-01-02 00:00", "2025-01-02 00:00",
                                        "2025-01-01 00:00")})
    frame.to_parquet(tmp_path / "log.parquet")
    outputs = []
    for storage in ("memory", "parquet"):
        code, out, err = invoke("validate", tmp_path / "log.parquet", "--case", "case", "--activity", "activity",
                                "--timestamp", "time", "--storage", storage)
        assert code == 0, err
        outputs.append([line for line in (out + err).splitlines() if line.startswith("Warning: ")])
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 4  # duplicates, single event, midnight, no officer column


def _arrow_log(path: Path, column: str, values: list[str], unit: str = "us") -> Path:
    """A two-dossier log whose ``column`` (naive times in ``unit``) holds ``values``: years that
    nanoseconds cannot hold (after 2262, before 1677), as Parquet files may store them."""
    import datetime as dt

    times = {"time": [f"2025-01-0{2 + i // 2} {8 + i:02d}:00" for i in range(4)], "due": ["2025-02-01 00:00"] * 4}
    times[column] = values
    table = pa.table({
        "case": ["a", "a", "b", "b"], "activity": ["x", "y", "x", "y"],
        **{name: pa.array([dt.datetime.strptime(v, "%Y-%m-%d %H:%M") for v in vs], type=pa.timestamp(unit))
           for name, vs in times.items()},
    })
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize(("column", "values", "unit", "expected"), [
    ("time", ["2025-01-02 08:00", "2300-01-01 09:00", "2025-01-03 10:00", "2025-01-03 11:00"], "us",
     "Error: {path}: column 'time' (timestamp) has 1 value(s) that are not valid times, on position 1: "
     "'2300-01-01 09:00:00+07:00'; accepted formats: "),
    ("time", ["2025-01-02 08:00", "2025-01-02 09:00", "1600-01-01 09:00", "2025-01-03 11:00"], "ms",
     "Error: {path}: column 'time' (timestamp) has 1 value(s) that are not valid times, on position 2: "
     "'1600-01-01 09:00:00+07:06:30'; accepted formats: "),
    ("due", ["2025-02-01 00:00", "2025-02-01 00:00", "2300-02-01 00:00", "2300-02-01 00:00"], "s",
     "Warning: column 'due' (due) has 2 value(s) that are not valid times ('2300-02-01 23:59:59.999999+07:00', "
     "'2300-02-01 23:59:59.999999+07:00', on positions 2, 3); they are left empty"),
])
def test_a_time_nanoseconds_cannot_hold_is_handled_like_out_of_core(tmp_path: Path, column: str, values: list[str],
                                                                    unit: str, expected: str) -> None:
    """A time after 2262 (or before 1677) in a Parquet file read into memory: the same single
    ``Error:`` line (a completion time) or warning (a due date) as the log left on its files,
    naming the file, the column and the position, never a traceback."""
    path = _arrow_log(tmp_path / "far.parquet", column, values, unit)
    expected = expected.format(path=path)
    results = []
    for storage in ("memory", "parquet"):
        code, out, err = invoke("validate", path, "--case", "case", "--activity", "activity", "--timestamp", "time",
                                "--due", "due", "--storage", storage)
        assert "Traceback" not in err
        lines = [line for line in (out + err).splitlines() if line.startswith(("Error:", "Warning: column"))]
        assert len(lines) == 1 and lines[0].startswith(expected), (storage, out, err)
        assert code == (1 if expected.startswith("Error:") else 0)
        results.append(lines)
    assert results[0] == results[1]
