"""Bad input that used to crash, print a traceback or give a silently wrong result.

Bad *files* are in the corpus (``tests/data/bad/``, checked by ``tests/test_validate_cli.py``);
these tests build inputs that are too large for the corpus, or check what is read from a file that
is accepted.
"""

from __future__ import annotations

import gzip
import io
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from procsimp import read_log
from procsimp.errors import LogReadError, MappingError
from tests.conftest import invoke

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"

_XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
    "{traces}</log>\n"
)


def _trace(case: str, *events: str) -> str:
    return f'<trace><string key="concept:name" value="{case}"/>\n' + "".join(events) + "</trace>\n"


def _event(activity: str, time: str, extra: str = "") -> str:
    return (f'<event><string key="concept:name" value="{activity}"/>{extra}'
            f'<date key="time:timestamp" value="{time}"/></event>\n')


# ---------------------------------------------------------------------------- XES
def test_deep_nesting_in_a_gzip_file_is_refused_before_parsing(tmp_path: Path) -> None:
    """5,000 nested lists ended in a segmentation fault of the XES parser (exit 139, no message)."""
    path = tmp_path / "deep.xes.gz"
    path.write_bytes(gzip.compress((BAD / "deep_nesting.xes").read_bytes()))
    with pytest.raises(LogReadError, match=r"elements are nested more than 100 levels deep \(at byte 1612\)"):
        read_log(path, cache=False)


def test_a_number_attribute_with_a_word_keeps_every_value_as_written(tmp_path: Path) -> None:
    """One <int key="org:resource" value="abc"/> used to quote every other officer ('"An"') and
    turn the bad one into 0."""
    path = tmp_path / "int.xes"
    path.write_text(_XES.format(traces=(
        _trace("c1", _event("A", "2025-01-02T10:00:00+07:00", '<string key="org:resource" value="An"/>'),
               _event("B", "2025-01-02T11:00:00+07:00", '<string key="org:resource" value="Bình"/>'))
        + _trace("c2", _event("A", "2025-01-02T10:00:00+07:00", '<int key="org:resource" value="abc"/>'),
                 _event("B", "2025-01-02T12:00:00+07:00", '<int key="org:resource" value="7"/>'))
    )), encoding="utf-8")
    log = read_log(path, cache=False)
    assert log.df["org:resource"].astype(str).tolist() == ["An", "Bình", "abc", "7"]


def test_an_int_attribute_that_is_not_a_number_is_read_as_text_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "int.xes"
    path.write_text(_XES.format(traces=(
        _trace("c1", _event("A", "2025-01-02T10:00:00+07:00", '<int key="org:resource" value="12"/>'),
               _event("B", "2025-01-02T11:00:00+07:00", '<int key="org:resource" value="abc"/>'))
    )), encoding="utf-8")
    log = read_log(path, cache=False)
    assert log.df["org:resource"].astype(str).tolist() == ["12", "abc"]
    assert "attribute 'org:resource' is typed <int> but 1 value(s) are not numbers (e.g. 'abc'); it is read as text" \
        in log.warnings


# ---------------------------------------------------------------------------- CSV
def test_cr_only_line_endings_are_read(tmp_path: Path) -> None:
    """Old Mac line endings (CR alone) ended in a csv traceback."""
    path = tmp_path / "cr.csv"
    path.write_bytes(b"case_id,activity,end_time\rC1,Receive,2025-01-02 08:00\rC1,Return,2025-01-02 09:00\r")
    log = read_log(path, cache=False)
    assert log.df["concept:name"].astype(str).tolist() == ["Receive", "Return"]


def test_a_bad_byte_deep_in_a_utf8_file_is_named_at_its_true_offset(tmp_path: Path) -> None:
    """Beyond the sample that decides the encoding, one Windows-1258 byte used to make the whole
    file decode as Windows-1258 (every Vietnamese letter garbled, exit 0)."""
    rows = ["case_id,activity,end_time"] + [f"C{i},Tiếp nhận,2025-01-02 08:00" for i in range(5000)]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    path = tmp_path / "deep.csv"
    path.write_bytes(data[:100_000] + b"\xe9" + data[100_000:])
    row = data.count(b"\n", 0, 100_000) + 1
    with pytest.raises(LogReadError) as err:
        read_log(path, cache=False)
    assert str(err.value) == (
        f"{path}: the file is UTF-8 but byte 0xe9 at offset 100000 (row {row}) is not; correct that cell, "
        "or save the file again as UTF-8 CSV"
    )


def test_zero_width_spaces_do_not_make_a_second_activity(tmp_path: Path) -> None:
    path = tmp_path / "zw.csv"
    path.write_text(
        "case_id,activity,end_time\nC1,Tiếp nhận,2025-01-02 08:00\nC1,Trả kết quả,2025-01-02 09:00\n"
        "C2,Tiếp\u200b nhận,2025-01-02 08:00\nC2,Trả kết quả\ufeff,2025-01-02 09:00\n", encoding="utf-8")
    log = read_log(path, cache=False)
    assert sorted(log.df["concept:name"].astype(str).unique()) == ["Tiếp nhận", "Trả kết quả"]
    assert (
        "column 'activity' (activity): 2 distinct value(s) hold invisible characters (zero-width space and the "
        "like), e.g. 'Tiếp\\u200b nhận'; they are removed, so those values count as the same names written "
        "without them"
    ) in log.warnings


# ---------------------------------------------------------------------------- Excel
def _agency_workbook(path: Path) -> Path:
    """A sheet as agencies export it: a title row, a blank row, a header whose 'Thời gian' group is
    merged over two sub-columns (the other labels merged down), and a hidden first sheet."""
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl writes the test workbook")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nhật ký"
    ws.append(["NHẬT KÝ XỬ LÝ HỒ SƠ THÁNG 1/2025"])
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Mã hồ sơ", "Bước", "Thời gian", None])
    ws.append([None, None, "Bắt đầu", "Kết thúc"])
    for cells in ("A3:A4", "B3:B4", "C3:D3"):
        ws.merge_cells(cells)
    ws.append(["HS-1", "Tiếp nhận hồ sơ", "02/01/2025 08:00", "02/01/2025 08:30"])
    ws.append(["HS-1", "Trả kết quả", "03/01/2025 08:00", "13/01/2025 09:00"])
    hidden = wb.create_sheet("Tham số")
    hidden.append(["khóa", "giá trị"])
    hidden.append(["phiên bản", "2"])
    hidden.sheet_state = "hidden"
    wb.move_sheet("Tham số", offset=-1)
    wb.save(path)
    return path


def test_excel_title_rows_merged_header_and_hidden_sheet(tmp_path: Path) -> None:
    """A title row above the header made the columns unreadable ('column 2', ...), and a hidden
    first sheet was read without a word."""
    log = read_log(_agency_workbook(tmp_path / "agency.xlsx"), cache=False)
    assert log.mapping.columns == {"case": "Mã hồ sơ", "activity": "Bước", "timestamp": "Kết thúc", "start": "Bắt đầu"}
    assert log.df["concept:name"].astype(str).tolist() == ["Tiếp nhận hồ sơ", "Trả kết quả"]
    assert "the hidden sheet(s) 'Tham số' were not read; choose one with --sheet" in log.warnings
    assert ("read sheet 'Nhật ký': column names on rows 3-4, events from row 5 (the rows above were skipped)"
            in log.warnings)


def test_excel_sheet_and_header_row_chosen_by_hand(tmp_path: Path) -> None:
    path = _agency_workbook(tmp_path / "agency.xlsx")
    code, out, err = invoke("validate", path, "--sheet", "Nhật ký", "--header-row", "3", "--no-cache")
    assert code == 0, err
    assert "Warning: read sheet 'Nhật ký': column names on rows 3-4, events from row 5" in out + err
    code, out, err = invoke("validate", path, "--sheet", "Nhật ký", "--header-row", "2", "--no-cache")
    assert (code, err.strip()) == (1, f"Error: {path}: row 2 of sheet 'Nhật ký' is empty; give the row that holds "
                                      "the column names with --header-row")
    code, out, err = invoke("validate", path, "--sheet", "Sheet9", "--no-cache")
    assert (code, err.strip()) == (1, f"Error: {path}: no sheet is called 'Sheet9'; the sheets are 'Tham số', "
                                      "'Nhật ký': give one of them with --sheet")
    with pytest.raises(MappingError, match=r"columns present: 'khóa', 'giá trị'"):  # the hidden sheet, chosen
        read_log(path, sheet="Tham số", cache=False)


def test_sheet_options_are_refused_for_other_formats() -> None:
    from procsimp.errors import ParameterError

    with pytest.raises(ParameterError, match=r"--header-row applies to Excel workbooks; .* is read as delimited"):
        read_log(DATA / "good" / "dossiers_vi.csv", header_row=2, cache=False)


# ---------------------------------------------------------------------------- Parquet
_BASE = {"case_id": ["C1", "C1", "C2"], "activity": ["Receive", "Return", "Receive"],
         "end_time": ["2025-01-02 08:00", "2025-01-02 09:00", "2025-01-02 08:00"]}


def _parquet(path: Path, metadata: bytes | None = None, **columns: object) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({**_BASE, **columns})
    if metadata is not None:
        table = table.replace_schema_metadata({b"procsimp": metadata})
    pq.write_table(table, path)
    return path


def test_parquet_unused_nested_column_is_left_out_with_a_note(tmp_path: Path) -> None:
    import pyarrow as pa

    path = _parquet(tmp_path / "n.parquet", extra=pa.array([{"x": 1}, {"x": 2}, None]),
                    tags=pa.array([[1, 2], [3], []]))
    log = read_log(path, cache=False)
    assert log.n_events == 3 and "extra" not in log.df.columns
    assert ("column(s) 'extra' (struct<x: int64>), 'tags' (list<element: int64>) hold nested values (lists or "
            "records) and were left out") in log.warnings


@pytest.mark.parametrize(("column", "kind"), [("activity", "list<element: string>"), ("case_id", "struct<id: string>")])
def test_parquet_nested_role_column_is_one_error(tmp_path: Path, column: str, kind: str) -> None:
    import pyarrow as pa

    values = {"activity": pa.array([["A"], ["B"], ["A"]]),
              "case_id": pa.array([{"id": "C1"}, {"id": "C1"}, {"id": "C2"}])}[column]
    path = _parquet(tmp_path / "n.parquet", **{column: values})
    code, out, err = invoke("validate", path, "--no-cache")
    assert (code, err.strip()) == (1, (
        f"Error: {path}: column {column!r} holds nested values ({kind}), not one plain value per event; a case id, "
        "step, officer or time must be text, a number or a timestamp: flatten the column before writing the "
        "Parquet file"))


@pytest.mark.parametrize("metadata", [
    b"not json", b'{"mapping": 5}', b"[1]", b'{"mapping": {"columns": [1], "how": 3}}',
    b'{"mapping": {"columns": {"case": "nonexistent", "activity": "activity", "timestamp": "end_time"}}}',
])
def test_parquet_bad_or_stale_procsimp_metadata_is_ignored(tmp_path: Path, metadata: bytes) -> None:
    """Damaged metadata ended in a traceback; stale metadata printed 'case <- nonexistent'."""
    path = _parquet(tmp_path / "m.parquet", metadata)
    code, out, err = invoke("validate", path, "--no-cache")
    assert code == 0, err
    assert "case      <- case_id (detected)" in out + err
    assert "nonexistent" not in out + err


# ---------------------------------------------------------------------------- CLI and API
def test_service_column_option_on_validate_and_profile(tmp_path: Path) -> None:
    """--service-column on validate/profile ended in "unexpected keyword argument 'service_alias'"."""
    log = DATA / "good" / "dossiers_vi.csv"
    code, out, err = invoke("validate", log, "--service-column", "thu_tuc", "--no-cache")
    assert code == 0, err
    assert "service   <- thu_tuc" in out + err
    code, out, err = invoke("profile", log, "--service-column", "thu_tuc", "--out", tmp_path)
    assert code == 0, err
    assert "Cấp phiếu lý lịch tư pháp" in out


def test_generate_start_out_of_range_is_one_error(tmp_path: Path) -> None:
    code, out, err = invoke("generate", "--start", "9999-12-01", "--out", tmp_path / "g")
    assert (code, err.strip()) == (1, (
        "Error: start must be a date from 1900-01-01 to 2190-12-31, so that the log's times stay within the "
        "years procsimp reads (1900-2200); received '9999-12-01'"))
    assert not (tmp_path / "g").exists()


def test_spark_engine_without_java_is_one_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.setenv("PROCSIMP_ENGINE", "spark")
    from procsimp.engine import backend

    monkeypatch.setattr(backend, "_current", None)
    code, out, err = invoke("mine", DATA / "good" / "dossiers_vi.csv", "--out", tmp_path / "m")
    assert (code, err.strip().splitlines()[-1]) == (1, (
        "Error: the Spark engine needs a Java runtime and none was found (no 'java' on PATH, JAVA_HOME not set); "
        "install a JDK 17 or later (e.g. apt-get install default-jre-headless) and set JAVA_HOME to it, or use "
        "the default DuckDB engine (--engine duckdb, or unset PROCSIMP_ENGINE)"))
    monkeypatch.setattr(backend, "_current", None)


def _interrupted_by_duckdb() -> BaseException:
    """The exception DuckDB raises when ``connection.interrupt()`` stops a running query."""
    import duckdb

    con = duckdb.connect()
    done = threading.Event()

    def stop() -> None:  # interrupt() stops only a running query: repeat until one is stopped
        while not done.is_set():
            con.interrupt()
            done.wait(0.01)

    worker = threading.Thread(target=stop)
    worker.start()
    try:
        con.execute("SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3").fetchall()
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return exc
    finally:
        done.set()
        worker.join()
    raise AssertionError("the query was not interrupted")


def test_ctrl_c_in_a_duckdb_query_says_aborted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """DuckDB turns SIGINT into its own InterruptException, which ended in a traceback. The signal
    is stood in for by DuckDB's own interrupt of a running query."""
    from procsimp.engine import backend as engine_backend

    def interrupted_run(self, plan, tables):  # type: ignore[no-untyped-def]
        raise _interrupted_by_duckdb()

    monkeypatch.setattr(engine_backend.DuckDBBackend, "run", interrupted_run)
    code, out, err = invoke("mine", DATA / "good" / "dossiers_vi.csv", "--out", tmp_path / "m")
    assert (code, err.strip().splitlines()[-1]) == (1, "Aborted!")


def test_a_ctrl_c_that_duckdb_reports_is_an_interrupt_not_a_failed_read() -> None:
    """DuckDB reports a Ctrl-C that stops a query as its own error: ``InterruptException`` (from
    ``interrupt()``, made here for real) or, on the signal itself, ``RuntimeError('Query
    interrupted')`` (written here: a real SIGINT into a running query can leave DuckDB 2.0.1
    waiting forever in its task cancellation, which a test must not risk). Every DuckDB error
    of a read goes through ``duckdb_error``; an interrupt comes out as ``KeyboardInterrupt``,
    where it read "reading the log failed (Query interrupted); check the files ..." before."""
    from procsimp.core.interrupt import is_interrupt
    from procsimp.read.parquet_source import duckdb_error

    for exc in (_interrupted_by_duckdb(), RuntimeError("Query interrupted")):
        assert is_interrupt(exc)
        with pytest.raises(KeyboardInterrupt):
            raise duckdb_error("log.parquet", "reading the log", exc, "check the files")
    assert not is_interrupt(RuntimeError("Out of Memory Error: could not allocate"))
    error = duckdb_error("log.parquet", "reading the log", RuntimeError("IO Error: No space left"), "free space")
    assert str(error) == "log.parquet: reading the log failed (IO Error: No space left); free space"


# ---------------------------------------------------------------------------- decompression
_BOMB_TEXT = b"case_id,activity,end_time\nC1,Receive,2025-01-02 08:00\nC1,Return,2025-01-02 09:00\n"


@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb.xes.gz"])
def test_a_gzip_bomb_is_refused_with_the_limit_and_the_override(tmp_path: Path, name: str) -> None:
    """A 1 MB .csv.gz took 2.2 GB of memory; a 3 MB .xes.gz wrote a 3 GB temporary file."""
    head = _BOMB_TEXT if name.endswith(".csv.gz") else _XES.format(
        traces=_trace("c1", _event("A", "2025-01-02T10:00:00+07:00"))).encode()[:-7]
    padding = b" " * (80 << 20)  # 80 MB of blanks compress to about 80 KB
    path = tmp_path / name
    path.write_bytes(gzip.compress(head + padding + (b"" if name.endswith(".csv.gz") else b"</log>\n"),
                                   compresslevel=9))
    with pytest.raises(LogReadError) as err:
        read_log(path, cache=False)
    assert str(err.value) == (
        f"{path}: decompresses to more than 64 MB (200 times its compressed size, and at least 64 MB); it looks "
        "like a gzip bomb: if it is a genuine log, set PROCSIMP_MAX_UNPACKED to a larger size (e.g. "
        "PROCSIMP_MAX_UNPACKED=20G) and run again"
    )


def test_the_decompression_limit_can_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.csv.gz"
    path.write_bytes(gzip.compress(_BOMB_TEXT))
    monkeypatch.setenv("PROCSIMP_MAX_UNPACKED", "40")
    with pytest.raises(LogReadError, match=r"decompresses to more than 40 bytes \(the limit PROCSIMP_MAX_UNPACKED=40\)"):
        read_log(path, cache=False)
    monkeypatch.setenv("PROCSIMP_MAX_UNPACKED", "1M")
    assert read_log(path, cache=False).n_events == 2


def test_sigterm_removes_the_decompressed_temporary_copy(tmp_path: Path) -> None:
    """The decompressed copy of an .xes.gz was left in the temp folder after SIGTERM. The child
    stops right after writing it and waits on its stdin; SIGTERM then arrives at a known point."""
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress((DATA / "good" / "small.xes").read_bytes()))
    child = (
        "import sys\n"
        "import procsimp.read.xes as x\n"
        "from procsimp import read_log\n"
        "real = x._check_shape\n"
        "def hold(plain, source, encoding):\n"
        "    print(plain, flush=True)\n"
        "    sys.stdin.read()\n"
        "    return real(plain, source, encoding)\n"
        "x._check_shape = hold\n"
        "read_log(sys.argv[1], cache=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", child, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    copy = Path(proc.stdout.readline().decode().strip())
    assert copy.is_file() and copy != path
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
    assert not copy.exists()


# ---------------------------------------------------------------------------- names that break drawings
def _named_log(path: Path, step: str, service: str = "Khai sinh") -> Path:
    rows = ["ma_ho_so,thu_tuc,buoc,ket_thuc,can_bo"]
    for c in range(12):
        for k, (activity, officer) in enumerate(
                (("Tiếp nhận", "An"), (step, "An"), ("Thẩm định", "Bình"), ("Trả kết quả", "An"))):
            rows.append(f"HS{c},{service},{activity},2025-01-{c + 2:02d} {8 + k:02d}:00,{officer}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("label", "step"), [
    ("noncharacter and controls", "Chuyển\ufffe hồ\x01 sơ\x1b[31m"),
    ("a name of 20,000 characters", "Chuyển hồ sơ " + "x" * 20_000),
])
def test_mine_draws_every_file_whatever_the_names(tmp_path: Path, label: str, step: str) -> None:
    """U+FFFE and control characters broke Graphviz and the PNML writer after other files were
    written; a name over 16,384 characters made Graphviz fail, and the broken pipe was taken for
    'the reader left' (exit 0, outputs missing)."""
    log = _named_log(tmp_path / "log.csv", step)
    out = tmp_path / "out"
    code, stdout, stderr = invoke("mine", log, "--out", out)
    assert code == 0, stderr
    names = {p.name for p in out.rglob("*") if p.is_file()}
    assert {"map_frequency.svg", "map_frequency.png", "model.bpmn", "model.pnml"} <= names, names
    from lxml import etree

    for name in ("map_frequency.svg", "model.bpmn", "model.pnml"):
        found = next(out.rglob(name))
        etree.fromstring(found.read_bytes())  # well-formed XML
    assert "\x1b" not in stdout + stderr


def test_a_graphviz_pipe_that_breaks_is_an_error_not_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dot dying while it reads the diagram raises BrokenPipeError here; the command used to exit 0
    as if the terminal had gone. (dot's death is stood in for: no real name makes it die now.)"""
    import subprocess

    import graphviz

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(graphviz.Digraph, "pipe", broken)  # one format a process (the PNG)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: broken(None))  # SVG and PDF: one run of dot
    code, stdout, stderr = invoke("mine", _named_log(tmp_path / "log.csv", "Chuyển"), "--out", tmp_path / "o")
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        "Error: Graphviz stopped before it read the whole SVG/PDF diagram (broken pipe); nothing was drawn: check "
        "that Graphviz works (dot -V), or write the DOT source with --format dot")
    code, stdout, stderr = invoke("mine", _named_log(tmp_path / "log.csv", "Chuyển"), "--out", tmp_path / "p",
                                  "--format", "png")
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        "Error: Graphviz stopped before it read the whole PNG diagram (broken pipe); nothing was drawn: check "
        "that Graphviz works (dot -V), or write the DOT source with --format dot")


def test_names_never_reach_the_terminal_as_escape_sequences(tmp_path: Path) -> None:
    """A window-title change (ESC ] 0 ; ... BEL) in a service name was printed raw by profile, flag
    and mine; it is shown as the text \\x1b."""
    log = _named_log(tmp_path / "log.csv", "Chuyển\x1b[31m hồ sơ", service="Khai sinh\x1b]0;pwned\x07")
    for command in ("profile", "flag", "mine", "validate"):
        extra = ("--no-cache",) if command == "validate" else ("--out", tmp_path / command)
        code, stdout, stderr = invoke(command, log, *extra)
        assert code == 0, stderr
        assert "\x1b" not in stdout + stderr and "\x07" not in stdout + stderr, command
    assert "Khai sinh\\x1b]0;pwned\\x07" in stdout + stderr


def test_report_md_carries_no_html_from_the_log(tmp_path: Path) -> None:
    log = _named_log(tmp_path / "log.csv", "Thẩm định <img src=x onerror=alert(1)>",
                     service="Khai sinh <script>alert(1)</script>")
    code, stdout, stderr = invoke("report", log, "--out", tmp_path / "r")
    assert code == 0, stderr
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md
    assert "Khai sinh &lt;script&gt;alert(1)&lt;/script&gt;" in md


def test_a_service_that_fails_fails_the_report_with_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """report stopped after 5 of 8 services with no index; the failure of one service is now one
    Error line that names it. (The failure is stood in for: a Graphviz error on that service.)"""
    from procsimp.errors import ProcsimpError
    from procsimp.mine.render import graphviz as gv

    real = gv.map_dot

    def failing(pmap, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(pmap.service) == "Cấp phiếu lý lịch tư pháp":
            raise ProcsimpError("Graphviz could not render the SVG diagram: Error: syntax error in line 1")
        return real(pmap, *args, **kwargs)

    monkeypatch.setattr(gv, "map_dot", failing)
    code, out, err = invoke("report", DATA / "good" / "dossiers_vi.csv", "--out", tmp_path / "r")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "Error: service 'Cấp phiếu lý lịch tư pháp' could not be reported, so the report is not complete (no "
        "index.html): Graphviz could not render the SVG diagram: Error: syntax error in line 1")
    assert not (tmp_path / "r" / "index.html").exists()


@pytest.mark.parametrize(("call", "kind", "message"), [
    (lambda: read_log(None), "ParameterError", "read_log(path=...) needs the path of a log file (a str or "
     "pathlib.Path), got NoneType None; to use a DataFrame, call procsimp.frame_to_log(df, case=..., activity=..., "
     "timestamp=...)"),
    (lambda: read_log(42), "ParameterError", "read_log(path=...) needs the path of a log file (a str or "
     "pathlib.Path), got int 42; to use a DataFrame, call procsimp.frame_to_log(df, case=..., activity=..., "
     "timestamp=...)"),
    (lambda: read_log(b".."), "ParameterError", None),
    (lambda: read_log([DATA / "good" / "dossiers_vi.csv"]), "ParameterError", None),
    (lambda: read_log(io.BytesIO(b"case,activity")), "ParameterError", None),
    (lambda: read_log(""), "LogReadError",
     "read_log(path=''): no file given; give the path of a CSV, Excel, XES or Parquet file"),
    (lambda: read_log(DATA / "good" / "dossiers_vi.csv", cache=5), "ParameterError",
     "cache must be a folder path, True, False or None, got 5; e.g. cache='~/.cache/procsimp' (the cache is "
     "off by default)"),
    (lambda: read_log("/dev/stdin"), "LogReadError",
     "/dev/stdin: is not a regular file (a pipe, socket or device); save the log to a file and give its path"),
])
def test_python_api_argument_errors_are_procsimp_errors(call: Any, kind: str, message: str | None) -> None:
    """read_log(None | 42 | b'..' | [..] | file object | ''), cache=5: TypeErrors and ': is a folder'."""
    from procsimp.errors import ProcsimpError

    with pytest.raises(ProcsimpError) as err:
        call()
    assert type(err.value).__name__ == kind
    if message is not None:
        assert str(err.value) == message


def test_mine_service_and_report_out_of_the_wrong_kind(tmp_path: Path) -> None:
    from procsimp.errors import ParameterError
    from procsimp.mine import mine
    from procsimp.report import report

    log = read_log(DATA / "good" / "dossiers_vi.csv", cache=False)
    with pytest.raises(ParameterError, match=r"^service must be the name of a service \(or a list of names\), got int 5"):
        mine(log, service=5)
    existing = tmp_path / "taken.txt"
    existing.write_text("x", encoding="utf-8")
    from procsimp.errors import OutputFolderError

    with pytest.raises(OutputFolderError, match=r"taken\.txt: is a file, not a folder; give out a folder path \(it is created if missing\)$"):
        report(log, out=existing)
    assert existing.read_text(encoding="utf-8") == "x"


def test_discovery_shortens_a_dossier_of_thousands_of_events(tmp_path: Path) -> None:
    """Discovery on one dossier of 20,000-100,000 events built every prefix of it (token replay
    hashes each) and exhausted 24 GB; traces are now shortened for discovery, and the model says so."""
    import random

    from procsimp.mine import mine
    from procsimp.mine.discovery import MAX_TRACE_EVENTS

    rng = random.Random(0)
    rows = ["case_id,activity,end_time"]
    start = pd.Timestamp("2025-01-02 08:00")
    steps = ["Tiếp nhận", "Thẩm định", "Bổ sung", "Trình ký", "Ký duyệt", "Trả kết quả"]
    for i in range(2_000):
        rows.append(f"HS-1,{rng.choice(steps)},{start + pd.Timedelta(minutes=i):%Y-%m-%d %H:%M}")
    for case in (2, 3):
        for i, step in enumerate(("Tiếp nhận", "Thẩm định", "Trả kết quả")):
            rows.append(f"HS-{case},{step},{start + pd.Timedelta(days=case, minutes=i):%Y-%m-%d %H:%M}")
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = mine(read_log(path, cache=False)).model()
    assert model.fitness is not None
    assert (f"1 dossier(s) with more than {MAX_TRACE_EVENTS:,} events were shortened for discovery and fitness "
            "(repeats of a step in a row folded into one, then the first 499 events and the last kept): the miner "
            "and token replay grow with the square of a trace's length") in model.notes


def test_a_long_trace_is_aligned_by_dijkstra_with_pm4py_a_star_fitness() -> None:
    """The shortened dossier above was aligned by pm4py's A*, which keeps a linear-programming
    solution as long as the trace with every queued state: 5.8 GB and three CPU-minutes for one
    trace of 500 events. Traces over LONG_ALIGN_EVENTS go to pm4py's Dijkstra search: the same
    optimal cost, so the same fitness as A* gives."""
    import random

    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    from procsimp.mine.discovery import (
        LONG_ALIGN_EVENTS,
        _fake_log,
        alignment_fitness,
        discover_model,
    )

    rng = random.Random(1)
    long = ("Tiếp nhận", *(rng.choice(("Thẩm định", "Ký duyệt")) for _ in range(LONG_ALIGN_EVENTS + 20)), "Lưu trữ", "Trả kết quả")
    counter = {long: 1, ("Tiếp nhận", "Thẩm định", "Ký duyệt", "Trả kết quả"): 3}
    model = discover_model({("Tiếp nhận", "Thẩm định", "Ký duyệt", "Trả kết quả"): 3})
    got = alignment_fitness(counter, model.net, model.initial_marking, model.final_marking)
    a_star = alignments.apply(_fake_log([long]), model.net, model.initial_marking, model.final_marking,
                              variant=alignments.Variants.VERSION_STATE_EQUATION_A_STAR,
                              parameters={"show_progress_bar": False})[0]
    short = alignments.apply(_fake_log([("Tiếp nhận", "Thẩm định", "Ký duyệt", "Trả kết quả")]), model.net,
                             model.initial_marking, model.final_marking,
                             parameters={"show_progress_bar": False})[0]
    assert a_star["fitness"] < 1.0  # the long dossier deviates from the model
    assert got["fitness"] == pytest.approx((a_star["fitness"] + 3 * short["fitness"]) / 4, abs=1e-12)


def test_events_of_a_trace_without_case_id_are_named_as_such(tmp_path: Path) -> None:
    """The warning said 'in cases nan'."""
    path = tmp_path / "nocase.xes"
    path.write_text(_XES.format(traces=(
        _trace("c1", _event("A", "2025-01-02T10:00:00+07:00"), _event("B", "2025-01-02T11:00:00+07:00"))
        + "<trace>" + _event("A", "2025-01-02T10:00:00+07:00") + "</trace>\n"
    )), encoding="utf-8")
    log = read_log(path, cache=False)
    assert ("dropped 1 event(s) with no case id (column 'case:concept:name', in traces without a case id "
            "(concept:name))") in log.warnings


def test_a_full_disk_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC carries no file name: 'Error: No space left on device' named nothing. (The full disk
    is stood in for by a write that fails the way a full disk does.)"""
    import errno

    from procsimp.core import _atomic

    real_open = _atomic.open if hasattr(_atomic, "open") else open

    class Full:
        def __init__(self, handle: Any) -> None:
            self._handle = handle

        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self._handle.close()

    monkeypatch.setattr(_atomic, "open", lambda *a, **k: Full(real_open(*a, **k)), raising=False)
    out = tmp_path / "o"
    code, stdout, stderr = invoke("flag", DATA / "good" / "dossiers_vi.csv", "--out", out)
    assert code == 1
    # the output folder is built aside: the error names it, and it is left as it was
    assert stderr.strip().splitlines()[-1] == (
        f"Error: {out}: could not write the outputs (no space left on the disk); the folder was left as it was"
    )
    assert not out.exists()  # it did not exist before the run, and nothing half-written is left
    assert [p.name for p in tmp_path.iterdir()] == []


def test_cli_messages_use_the_cli_wording(tmp_path: Path) -> None:
    """The office-hours error said 'hours[0]=(...)' and the date-order warning 'dayfirst=False':
    Python that a command-line user cannot type."""
    log = DATA / "good" / "dossiers_vi.csv"
    code, out, err = invoke("profile", log, "--office-hours", "12:00-08:00", "--out", tmp_path)
    assert code == 2
    assert err.strip() == (
        "Error: Invalid value for --office-hours: '12:00-08:00' is not a set of office hours: write HH:MM-HH:MM "
        "periods (00:00-24:00), each ending after it starts, in order and not overlapping, e.g. "
        "07:30-11:30,13:30-17:00 (see 'procsimp profile --help')")
    ambiguous = tmp_path / "ambiguous.csv"
    ambiguous.write_text("case_id,activity,end_time\nC1,A,03/04/2025 10:00\nC1,B,05/06/2025 10:00\n", encoding="utf-8")
    code, out, err = invoke("validate", ambiguous, "--no-cache")
    assert "say so with --date-order month-first (dayfirst=False in Python)" in out + err
    assert "2025-04-03" in out + err  # read day first: 3 April
    code, out, err = invoke("validate", ambiguous, "--no-cache", "--date-order", "month-first")
    assert code == 0, err
    assert "2025-03-04" in out + err and "--date-order" not in out + err  # 4 March
