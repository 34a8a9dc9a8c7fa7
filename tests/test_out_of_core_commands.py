"""filter_log, compare, conform and validate on a log left on its Parquet files: the same results
as the log read into memory, and the log stays on its files (no event is read into pandas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import procsimp
from procsimp import engine
from procsimp.errors import ParameterError
from tests.conftest import EVENT_LOGS, invoke, refuse_reading_events

SERVICE = "Register a birth"


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled English log written by ``procsimp convert``; the same with one more text
    column that fills no role (``note``: an attribute the engine does not encode)."""
    folder = tmp_path_factory.mktemp("ooc_commands")
    code, _, err = invoke("convert", EVENT_LOGS / "dossiers_en.csv", "--out", folder / "en.parquet")
    assert code == 0, err
    table = pq.read_table(folder / "en.parquet").replace_schema_metadata(None)
    cases = table["case:concept:name"].cast(pa.string()).to_pylist()
    # (missing on some events; one value padded on some)
    notes = [None if i % 7 == 0 else ("urgent" if c[-1] in "0248" else "normal") + (" " if i % 5 == 0 else "")
             for i, c in enumerate(cases)]
    pq.write_table(table.append_column("note", pa.array(notes, pa.string())), folder / "note.parquet")
    return {"en": folder / "en.parquet", "note": folder / "note.parquet"}


FILTERS: list[dict[str, Any]] = [
    {"time_from": "2025-02-01", "time_to": "2025-03-31"},
    {"time_from": "2025-02-01 08:30:00.0000005", "frame": "contained"},
    {"time_to": "2025-03-15", "frame": "started"},
    {"time_from": "2025-03-01", "frame": "ended"},
    {"where": "channel=online"},
    {"where": ["channel!=online", "unit in One-stop shop|Civil-status officers"]},
    {"where": "service not in Register a birth|Register permanent residence"},
    {"lead_time": ">10d"},
    {"lead_time": "2d..12d"},
    {"starts_with": "Receive dossier"},
    {"ends_with": ["Notify rejection"]},
    {"variants": "top:2"},
    {"variants": "share:5%", "where": f"service={SERVICE}"},
    {"min_case_share": "50%"},
    {"where": "activity=Request supplement", "min_case_share": 0.9, "time_from": "2025-01-15"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=[",".join(f) for f in FILTERS])
def test_filter_log_keeps_the_log_on_its_files(logs: dict[str, Path], filters: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Each filter gives the in-memory figures, and the filtered log still stands on the files:
    its facts and the engine's tables come from them, and its events (read at last) are the
    in-memory log's events."""
    memory = procsimp.filter_log(procsimp.read_log(logs["en"], storage="memory"), **filters)
    with monkeypatch.context() as patched:
        refuse_reading_events(patched)
        log = procsimp.read_log(logs["en"], storage="parquet")
        got = procsimp.filter_log(log, **filters)
        assert got.out_of_core and not got.materialised and not log.materialised
        assert got.filters == memory.filters
        assert (got.n_cases, got.n_events, got.n_activities) == (memory.n_cases, memory.n_events, memory.n_activities)
        assert got.services == memory.services and got.activities == memory.activities
        assert got.time_span == memory.time_span
        assert got.distinct("unit") == memory.distinct("unit")
        pd.testing.assert_frame_equal(engine.variants(got), engine.variants(memory))
        pd.testing.assert_frame_equal(engine.dfg(got), engine.dfg(memory))
        service = memory.services[0]
        pd.testing.assert_frame_equal(engine.activity_table(got.for_service(service)),
                                      engine.activity_table(memory.for_service(service)))
    pd.testing.assert_frame_equal(got.df, memory.df)  # the events, decoded from the files


def test_filters_on_a_column_that_fills_no_role(logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """``--where`` on a column of the files the engine does not encode is a query on the files
    too; its events, read at last, are the in-memory ones with every column."""
    path = logs["note"]
    for where in ("note=urgent", "note!=urgent", "note in urgent|normal"):
        memory = procsimp.filter_log(procsimp.read_log(path, storage="memory"), where=where, lead_time="<20d")
        with monkeypatch.context() as patched:
            refuse_reading_events(patched)
            got = procsimp.filter_log(procsimp.read_log(path, storage="parquet"), where=where, lead_time="<20d")
            assert got.out_of_core and got.filters == memory.filters
            kept = memory.filters[0]["cases_after"] / memory.filters[0]["cases_before"]
            assert kept == 1.0 if " in " in where else 0 < kept < 1
        assert "note" in got.df.columns
        pd.testing.assert_frame_equal(got.df, memory.df)


def test_filter_errors_are_the_in_memory_ones(logs: dict[str, Path]) -> None:
    memory = procsimp.read_log(logs["note"], storage="memory")
    ooc = procsimp.read_log(logs["note"], storage="parquet")
    for filters in ({"where": "channel=fax"}, {"where": "note=secret"}, {"where": "colour=red"},
                    {"starts_with": "Sign"}, {"lead_time": ">400d"}, {"time_from": "2030-01-01"},
                    {"where": "service=Register a birth", "ends_with": "Issue an ordinary passport"}):
        with pytest.raises(ParameterError) as expected:
            procsimp.filter_log(memory, **filters)
        with pytest.raises(ParameterError) as got:
            procsimp.filter_log(ooc, **filters)
        assert str(got.value) == str(expected.value), filters
    assert not ooc.materialised


def test_compare_keeps_the_log_on_its_files(logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """compare by periods subsets the dossiers of each period on the files; the CLI's files are the
    in-memory run's."""
    periods = ["2025-01..2025-03", "2025-04..2025-06"]
    expected = procsimp.compare(procsimp.read_log(logs["en"], storage="memory"), periods=periods)
    options = ("--periods", ",".join(periods), "--where", "channel!=postal", "--format", "svg,dot")
    code, out_memory, err = invoke("compare", logs["en"], "--storage", "memory", *options, "--out", tmp_path / "m")
    assert code == 0, err
    refuse_reading_events(monkeypatch)
    log = procsimp.read_log(logs["en"], storage="parquet")
    got = procsimp.compare(log, periods=periods)
    assert not log.materialised
    assert got.sides == expected.sides and got.outside == expected.outside
    pd.testing.assert_frame_equal(got.table, expected.table)
    pd.testing.assert_frame_equal(got.tests, expected.tests)
    assert list(got.deltas) == list(expected.deltas) and len(got.deltas) >= 2
    for service, delta in expected.deltas.items():
        pd.testing.assert_frame_equal(got.deltas[service], delta)
    code, out_files, err = invoke("compare", logs["en"], "--storage", "parquet", *options, "--out", tmp_path / "p")
    assert code == 0, err
    assert "read by DuckDB out of core (as asked)" in err
    assert out_files.replace(str(tmp_path / "p"), "OUT") == out_memory.replace(str(tmp_path / "m"), "OUT")
    assert _same_folder(tmp_path / "p", tmp_path / "m") >= 4


def _same_folder(left: Path, right: Path) -> int:
    """Two output folders hold the same files with the same content; how many files."""
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    for rel in files:
        a, b = (left / rel).read_bytes(), (right / rel).read_bytes()
        assert a.replace(str(left).encode(), b"OUT") == b.replace(str(right).encode(), b"OUT"), rel
    return len(files)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated Vietnamese log written as Parquet, and its approved procedure (a reference)."""
    from procsimp.synth import generate

    folder = tmp_path_factory.mktemp("ooc_conform")
    synth = generate(cases=240, seed=11, lang="vi", to_be=True)
    path = next(p for p in synth.write(folder, formats=["parquet"]) if p.name == "dossiers.parquet")
    return path, synth.procedure().write(folder / "reference.yaml")


@pytest.fixture
def same_alignments(monkeypatch: pytest.MonkeyPatch) -> None:
    """pm4py's alignments of a path, computed once per path and procedure in this test: where a
    path has several optimal alignments, which one pm4py returns may change between calls in one
    process, and that is not what these tests compare (the logs' paths, counts and times are)."""
    from procsimp.mine import conformance

    align = conformance._align
    memo: dict[tuple[Any, ...], Any] = {}

    def once(paths: dict[tuple[str, ...], int], proc: Any) -> dict[tuple[str, ...], Any]:
        key = (proc.service, tuple(sorted(paths)))
        if key not in memo:
            memo[key] = align(paths, proc)
        return memo[key]

    monkeypatch.setattr(conformance, "_align", once)


def test_conform_reads_no_event_into_pandas(generated: tuple[Path, Path], same_alignments: None,
                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path, reference = generated
    options = ("--reference", reference, "--format", "json")
    code, out_memory, err = invoke("conform", path, "--storage", "memory", *options, "--out", tmp_path / "m")
    assert code == 0, err
    expected = procsimp.conform(procsimp.read_log(path, storage="memory"), reference)
    refuse_reading_events(monkeypatch)
    log = procsimp.read_log(path, storage="parquet")
    got = procsimp.conform(log, reference)
    assert not log.materialised and len(got.services) == len(expected.services) >= 2
    assert got.warnings == expected.warnings
    for a, b in zip(got.services, expected.services, strict=True):
        assert a.deviations == b.deviations and any(d["kind"] == "overrun" for d in b.deviations)
        pd.testing.assert_frame_equal(a.steps, b.steps)
        assert (a.fitness, a.conforming_share, a.dossiers) == (b.fitness, b.conforming_share, b.dossiers)
    code, out_files, err = invoke("conform", path, "--storage", "parquet", *options, "--out", tmp_path / "p")
    assert code == 0, err
    assert json.loads(out_files) == json.loads(out_memory)
    assert _same_folder(tmp_path / "p", tmp_path / "m") >= 3


def test_validate_with_filters_reads_no_event_into_pandas(logs: dict[str, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    options = ("--where", "note=urgent", "--from", "2025-02-01", "--format", "json")
    code, out_memory, err = invoke("validate", logs["note"], "--storage", "memory", *options)
    assert code == 0, err
    refuse_reading_events(monkeypatch)
    code, out_files, err = invoke("validate", logs["note"], "--storage", "parquet", *options)
    assert code == 0, err
    memory, files = json.loads(out_memory), json.loads(out_files)
    assert files.pop("storage") == "parquet" and memory.pop("storage") == "memory"
    assert files == memory and len(files["filters"]) == 2

