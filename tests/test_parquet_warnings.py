"""A log left on its Parquet files warns like the same log read into memory: small, deliberately
flawed Parquet logs read both ways give the same warning lines (same words, figures and
positions), and each flaw is named, so a warning dropped from both readers fails too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
