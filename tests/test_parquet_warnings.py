"""A log left on its Parquet files warns like the same log read into memory: small, deliberately
flawed Parquet logs read both ways give the same warning lines (same words, figures and
positions), and each flaw is named, so a warning dropped from both readers fails too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from procsimp import read_log
from procsimp.errors import LogValidationError
from tests.conftest import invoke

MAPPED = {"case": "case", "activity": "activity", "timestamp": "time"}


def _times(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), format="%Y-%m-%d %H:%M")).astype("datetime64[us]")


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


def _day_resolution_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    frame = pd.DataFrame({
        "case": ["a", "a", "a", "b", "c", "c", "c", None, "d", "d"],
        "activity": ["x", "y", "y", "x", "x", "z\u200b", "y", "x", "x", " "],
        "time": _times("2025-01-02 00:00", "2025-01-02 00:00", "2025-01-02 00:00", "2025-01-03 00:00",
                       "2025-01-05 10:00", "2025-01-04 00:00", "2025-01-05 00:00", "2025-01-01 00:00",
                       "2025-01-06 00:00", "2025-01-06 00:00"),
        "officer": ["o1", "o2", "o2", None, "o1", "o1", "o1", "o1", "o1", "o1"],
        "service": ["s1", "s1", "s1", "s2", "s2", "s2", None, "s1", "s1", "s1"],
        "due": _times(*["2025-02-01 00:00"] * 4, "2250-01-01 00:00", *["2025-02-01 00:00"] * 5),
        "note": ["n"] * 10,
    })
    frame.to_parquet(tmp_path / "flawed.parquet")
    return tmp_path / "flawed.parquet", {**MAPPED, "resource": "officer", "service": "service", "due": "due"}


def test_day_resolution_duplicates_and_dropped_events(tmp_path: Path) -> None:
    path, columns = _day_resolution_log(tmp_path)
    lines = _check(path, [
        "invisible characters", "'due' (due) has 1 value(s) that are not valid times", "with no case id",
        "with no step name", "events of 1 dossier(s) were not in time order", "exact duplicates",
        "2 of 4 dossier(s) (50.0%) have a single event", "of events are at exactly midnight", "have no officer",
    ], **columns)
    assert "'2250-01-01 23:59:59.999999+07:00', on position 4" in lines[1]
    assert "(column 'case', on position 7)" in lines[2]
    assert "1 event(s) (12.5%) are exact duplicates" in lines[5] and "on position 2)" in lines[5]
    assert "(2 of 4) share their time" in lines[7]


def _ties_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    n = 40
    cases = [f"h{i // 4:02d}" for i in range(n)]
    steps = ["receive", "check", "check", "return"] * (n // 4)
    minutes = [0, 30, 30, 90] * (n // 4)
    times = [pd.Timestamp("2025-03-03 08:15") + pd.Timedelta(days=i // 4, minutes=m) for i, m in enumerate(minutes)]
    frame = pd.DataFrame({
        "case": cases, "activity": steps, "time": pd.Series(times).astype("datetime64[us]"),
        "channel": ["online" if i % 7 else "counter" for i in range(n)],
        "service": [None if c in ("h03", "h07") else "permit" for c in cases],
    })
    frame.loc[[5, 17], "time"] = pd.NaT
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "ties.parquet")
    return tmp_path / "ties.parquet", {**MAPPED, "channel": "channel", "service": "service"}


def test_ties_many_duplicates_case_values_and_no_officer_column(tmp_path: Path) -> None:
    """Ties within dossiers (not midnight), duplicates beyond the five positions shown, a channel
    that changes within dossiers, dossiers without a service, events without a completion time."""
    path, columns = _ties_log(tmp_path)
    lines = _check(path, [
        "dropped 2 event(s) with no completion time", "column 'channel' (channel) has different values within",
        "2 dossier(s) have no value in column 'service'", "exact duplicates",
        "of consecutive events of a dossier", "no officer (resource) column was found",
    ], **columns)
    assert "on positions 5, 17)" in lines[0]
    assert "(e.g. case 'h00')" in lines[1]
    assert "and 3 more" in lines[3]


def _dataset_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
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


def test_dataset_folder_with_nested_column_and_timezone(tmp_path: Path) -> None:
    """A hive-partitioned folder of two files: positions run through the files one after the other;
    a nested column is left out with a note; times with a timezone; nothing else to say."""
    folder, columns = _dataset_folder(tmp_path)
    lines = _check(folder, ["hold nested values", "2 of 3 dossier(s) (66.7%) have a single event",
                            "50.0% of events have no officer"], **columns)
    assert "'tags' (list<" in lines[0]


def _clean_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    frame = pd.DataFrame({"case": ["a", "a", "b", "b"], "activity": ["x", "y", "x", "y"],
                          "time": _times("2025-01-02 08:00", "2025-01-02 09:00", "2025-01-03 08:00",
                                         "2025-01-03 10:00"), "officer": ["o1", "o2", "o1", "o2"]})
    frame.to_parquet(tmp_path / "clean.parquet")
    return tmp_path / "clean.parquet", {**MAPPED, "resource": "officer"}


def test_clean_log_has_no_warning(tmp_path: Path) -> None:
    path, columns = _clean_log(tmp_path)
    assert _check(path, [], **columns) == []


@pytest.mark.parametrize("make", [_day_resolution_log, _ties_log, _dataset_folder, _clean_log],
                         ids=["day_resolution", "ties", "dataset_folder", "clean"])
def test_spark_reading_the_files_warns_the_same(spark: Any, tmp_path: Path, make: Any) -> None:
    """When Spark reads the files itself, every check is computed there: the same lines (words,
    figures, positions) as the in-memory reader and as DuckDB."""
    from procsimp import engine

    path, columns = make(tmp_path)
    memory, files = _both(path, **columns)
    assert files == memory
    with engine.use_backend(spark):
        log = read_log(path, storage="parquet", **columns)
        assert [type(e.database).__name__ for e in log.parquet._shared.values()] == ["SparkDatabase"]
        on_spark = list(log.warnings)
        # every event knows its file (Spark names a local file file:/path in its rows, file:///path
        # in its listing)
        (unplaced,) = log.parquet.query(f"SELECT count(*) FROM {log.parquet.encoded().name} WHERE f IS NULL")[0]
    assert unplaced == 0
    assert on_spark == memory


def test_completion_time_out_of_the_plausible_years_is_the_same_error(tmp_path: Path) -> None:
    frame = pd.DataFrame({"case": ["a", "a"], "activity": ["x", "y"],
                          "time": _times("2025-01-02 08:00", "1890-01-02 09:00")})
    frame.to_parquet(tmp_path / "old.parquet")
    messages = []
    for storage in ("memory", "parquet"):
        with pytest.raises(LogValidationError) as err:
            read_log(tmp_path / "old.parquet", storage=storage, **MAPPED)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "column 'time' (timestamp) has 1 value(s) that are not valid times, on position 1" in messages[0]


def test_cli_prints_the_same_warnings(tmp_path: Path) -> None:
    frame = pd.DataFrame({"case": ["a", "a", "a", "b"], "activity": ["x", "y", "y", "x"],
                          "time": _times("2025-01-02 00:00", "2025-01-02 00:00", "2025-01-02 00:00",
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
