"""``procsimp validate``: the summary of good logs, and one exact ``Error:`` line for every bad file.

Every file of the bad corpus (``tests/data/bad/``, written by ``tests/data/make_data.py``) has its
expected line here; a test fails if a bad file is added without one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from procsimp.cli import main
from tests.conftest import real_log_path

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"

FORMATS = (
    "ISO 8601 (2025-03-31 14:05[:09][+07:00]), dd/mm/yyyy HH:MM[:SS], dd/mm/yyyy, dd-mm-yyyy, "
    "Excel serial numbers, epoch seconds or milliseconds (years 1900-2200)"
)
DTD = (
    "the file declares a DTD (<!DOCTYPE ...>), which XES never needs; procsimp refuses DTDs so that no "
    "external entity is read and no entity expansion can blow up: remove the declaration"
)

#: bad file -> the message after "Error: <path>: "
EXPECTED: dict[str, str] = {
    "empty.csv": "the file is empty (0 bytes); export the log again",
    "blank.csv": "the file holds only blank space (5 bytes of spaces and line breaks), no log; export the log again",
    "header_only.csv": (
        "the file has a header ('ma_ho_so', 'thu_tuc', 'buoc', 'bat_dau', 'ket_thuc') but no events; "
        "export the log again with its rows"
    ),
    "missing_column.csv": (
        "no column for the required role 'timestamp'; columns present: 'ma_ho_so', 'buoc', 'can_bo'; "
        "name it with --timestamp COLUMN (or timestamp=... in Python, or 'timestamp: COLUMN' in a mapping file)"
    ),
    "bad_timestamps.csv": (
        "column 'ket_thuc' (timestamp) has 2 value(s) that are not valid times, on rows 3, 4: "
        f"'31/02/2025 10:00', 'hôm qua'; accepted formats: {FORMATS}; correct those cells or map another "
        "column with --timestamp"
    ),
    "end_before_start.csv": (
        "1 event(s) end before they start ('bat_dau' after 'ket_thuc') on row 3: 04/01/2025 09:00 > "
        "03/01/2025 09:00; correct those times, or swap the columns with --start/--timestamp if they are "
        "mapped the wrong way round"
    ),
    "two_services.csv": (
        "1 dossier(s) have more than one service (column 'thu_tuc'), e.g. case 'HS-1': 'Đăng ký khai sinh', "
        "'Cấp phiếu lý lịch tư pháp' (on rows 2, 3); a dossier belongs to one procedure: fix those rows, or "
        "map another column with --service-column"
    ),
    "mixed_timezones.csv": (
        "column 'end_time' (timestamp) mixes times with a timezone offset ('2025-01-02T08:00:00+07:00') and "
        "times without one ('2025-01-03 09:00:00'); give every value an offset, or none (naive times are read "
        "in the timezone setting, --timezone)"
    ),
    "mixed_offsets.csv": (
        "column 'end_time' (timestamp) mixes timezone offsets +02:00 ('2025-01-03T09:00:00+02:00', on row 3) "
        "and +07:00 ('2025-01-02T08:00:00+07:00', on row 2), which cannot all occur in the timezone "
        "Asia/Ho_Chi_Minh at those times; convert the column to one timezone before reading, or set --timezone "
        "to the timezone the times come from"
    ),
    # an hour apart, like daylight saving, but Asia/Ho_Chi_Minh has none
    "mixed_offsets_one_hour.csv": (
        "column 'end_time' (timestamp) mixes timezone offsets +07:00 ('2025-01-02T08:00:00+07:00', on rows 2, "
        "3) and +08:00 ('2025-01-03T09:00:00+08:00', on row 4), which cannot all occur in the timezone "
        "Asia/Ho_Chi_Minh at those times; convert the column to one timezone before reading, or set --timezone "
        "to the timezone the times come from"
    ),
    # '13/13/2025' (row 2) is valid in neither order: it is not named as either
    "day_month_conflict.csv": (
        "column 'end_time' (timestamp) mixes day-first and month-first dates: '25/01/2025' (day first, on row 3) "
        "and '01/26/2025' (month first, on row 4); make the column use one order"
    ),
    "invalid_dates.csv": (
        "column 'ket_thuc' (timestamp) has 2 value(s) that are not valid times, on rows 3, 4: "
        f"'13/13/2025 10:00', '32/13/2025 25:00'; accepted formats: {FORMATS}; correct those cells or map "
        "another column with --timestamp"
    ),
    "ambiguous_columns.csv": (
        "two columns could be the 'case' column: 'case_id' and 'ma_ho_so'; choose one with --case COLUMN "
        "(or case=... in Python, or 'case: COLUMN' in a mapping file)"
    ),
    "ragged.csv": (
        "1 row(s) have a different number of fields than the header (4 instead of 3; row 3); quote values "
        "that contain the delimiter (comma) or fix those rows"
    ),
    "single_column.csv": (
        "found a single column (header 'case activity time'); procsimp splits columns at a comma, semicolon, "
        "tab or '|': save the log as CSV with one of these delimiters"
    ),
    "binary.csv": (
        "the file holds binary data (a NUL byte at offset 0), not delimited text; give a CSV, Excel (.xlsx), "
        "XES or Parquet file"
    ),
    "undecodable.csv": (
        "the text cannot be decoded as UTF-8, UTF-16 or Windows-1258 (byte 0x81 at offset 31); save the file "
        "again as UTF-8 CSV"
    ),
    "corrupt.xlsx": (
        "not a readable Excel workbook (invalid Zip archive: Could not find EOCD); the file is damaged or not "
        "a workbook: open it in Excel and save it again as .xlsx, or export the log as CSV"
    ),
    "not_a_workbook.xlsx": (
        "not a readable Excel workbook (invalid Zip archive: Could not find EOCD); the file is damaged or not "
        "a workbook: open it in Excel and save it again as .xlsx, or export the log as CSV"
    ),
    "corrupt.parquet": None,  # Arrow's wording includes the path; checked by prefix below
    "truncated.xes.gz": (
        "not a valid gzip file (Compressed file ended before the end-of-stream marker was reached); the file "
        "is damaged or truncated: download or export it again"
    ),
    "bad_xml.xes": (
        "not well-formed XML (expected '>', line 6, column 1); the file is damaged or not XES: export it again"
    ),
    "not_xes.xes": "not an XES log (the root element is <html>, XES has <log>); give an XES export",
    "binary.xes": "not an XES file (it holds binary data, not XML); give an XES export (.xes or .xes.gz)",
    "no_events.xes": "the XES log has no events; export the log again with its traces",
    "undeclared_entity.xes": (
        "not well-formed XML (Entity 'nbsp' not defined, line 4, column 48); the file is damaged or not XES: "
        "export it again"
    ),
    "xxe.xes": DTD,
    "utf8_bad_byte.csv": (
        "the file is UTF-8 but byte 0xe1 at offset 150 (row 3) is not; correct that cell, or save the file again "
        "as UTF-8 CSV"
    ),
    "stray_cell.xlsx": (
        "a sheet (sheet1.xml) spans A1:XFD1048576 (17,179,869,184 cells) but holds 7 values; Excel readers "
        "allocate the whole range: delete the stray cells outside the table (Ctrl+End shows the last one), or "
        "export the log as CSV"
    ),
    "deep_nesting.xes": (
        "elements are nested more than 100 levels deep (at byte 1612); an XES log nests a few levels (log, trace, "
        "event, attribute): the file is damaged or not an event log"
    ),
    "two_documents.xes": (
        "the file holds more than one XES document (another root element at byte 318); give one log per file, or "
        "merge the traces into one <log>"
    ),
    "event_outside_trace.xes": (
        "1 <event> element(s) are outside any <trace> (the first at byte 272), so they belong to no dossier; put "
        "them inside their trace, or export the log again"
    ),
    "declared_latin1_is_utf8.xes": (
        "the file declares encoding 'iso-8859-1' but its bytes are UTF-8, so its letters would be misread; "
        'correct the declaration to encoding="UTF-8"'
    ),
    "declared_utf8_is_windows1258.xes": (
        "the file is declared UTF-8 but byte 0xea at offset 190 is not UTF-8; save the file again as UTF-8, or "
        'declare its real encoding (<?xml version="1.0" encoding="windows-1258"?>)'
    ),
    # the naive date comes first: a date with an offset ends in a digit too
    "naive_then_offset.xes": (
        "mixes times with a timezone offset ('time:timestamp' = '2025-01-02T11:00:00.000+07:00') and times without "
        "one ('time:timestamp' = '2025-01-02T10:00:00'); give every date an offset, or none (naive times are read "
        "in the timezone setting, --timezone)"
    ),
    "billion_laughs.xes": DTD,
}
#: files of the corpus that are not logs (used with --mapping, or referenced by xxe.xes)
NOT_LOGS = {"secret.txt", "mapping_unknown_role.yaml", "mapping_missing_column.yaml", "mapping_not_yaml.yaml",
            "mapping_duplicate_key.yaml"}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.output


def test_every_bad_file_has_an_expected_error() -> None:
    files = {p.name for p in BAD.iterdir() if p.is_file()}
    assert files - NOT_LOGS == set(EXPECTED), "add the expected error line for new corpus files"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_one_exact_error_line(name: str) -> None:
    path = BAD / name
    code, output = run(str(path), "--no-cache")
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    expected = EXPECTED[name]
    if expected is None:
        assert lines[0].startswith(f"Error: {path}: not a readable Parquet file (")
        assert lines[0].endswith("); the file is damaged or not Parquet: write it again")
    else:
        assert lines[0] == f"Error: {path}: {expected}"


def test_xxe_never_reads_the_referenced_file() -> None:
    secret = (BAD / "secret.txt").read_text(encoding="utf-8").strip()
    code, output = run(str(BAD / "xxe.xes"), "--no-cache")
    assert code == 1
    assert secret not in output


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("mapping_unknown_role.yaml",
         "Error: mapping file {m}: unknown role 'steps'; allowed roles are: case, activity, timestamp, start, "
         "resource, unit, service, channel, received, due, outcome"),
        ("mapping_missing_column.yaml",
         "Error: {log}: column 'Số hồ sơ gốc' given for 'case' in mapping file {m} does not exist; columns "
         "present: 'ma_ho_so', 'thu_tuc', 'buoc', 'bat_dau', 'ket_thuc', 'can_bo', 'phong_ban', 'kenh', "
         "'ngay_nhan', 'han_xu_ly', 'ket_qua'"),
        ("mapping_not_yaml.yaml",
         "Error: mapping file {m} is not valid YAML at line 2; write one 'role: column' pair a line, e.g. "
         "'case: Mã hồ sơ'"),
        # PyYAML kept the last value without a word
        ("mapping_duplicate_key.yaml",
         "Error: mapping file {m}: 'case' is given twice (lines 1 and 3); keep one of them"),
        ("no_such_mapping.yaml",
         "Error: mapping file {m} does not exist; give the path of a YAML file such as 'case: Mã hồ sơ'"),
    ],
)
def test_bad_mapping_files(mapping: str, message: str) -> None:
    log = GOOD / "dossiers_vi.csv"
    m = BAD / mapping
    code, output = run(str(log), "--mapping", str(m), "--no-cache")
    assert code == 1
    assert output.strip() == message.format(m=m, log=log)


def test_missing_file_and_unknown_column_option() -> None:
    code, output = run(str(DATA / "nope.csv"))
    assert (code, output.strip()) == (1, f"Error: {DATA / 'nope.csv'}: no such file; check the path")
    log = GOOD / "dossiers_vi.csv"
    code, output = run(str(log), "--case", "Số hồ sơ", "--no-cache")
    assert code == 1
    assert output.strip().startswith(
        f"Error: {log}: column 'Số hồ sơ' given for 'case' by --case does not exist; columns present: 'ma_ho_so',"
    )
    code, output = run(str(log), "--timezone", "Mars/Olympus")
    assert (code, output.strip()) == (
        1, "Error: --timezone 'Mars/Olympus' is not a known timezone; use an IANA name such as Asia/Ho_Chi_Minh or UTC"
    )


def test_validate_prints_the_summary_mapping_and_warnings() -> None:
    log = GOOD / "dossiers_vi.csv"
    code, output = run(str(log), "--no-cache")
    assert code == 0
    assert output.splitlines() == [
        f"File:       {log}",
        "Format:     delimited text (CSV)",
        "Cases:      3",
        "Events:     11",
        "Activities: 7",
        "Services:   2: Cấp phiếu lý lịch tư pháp, Đăng ký khai sinh",
        "Time span:  2025-01-02 07:45 to 2025-01-24 16:30 (22.4 days, Asia/Ho_Chi_Minh)",
        "Calendar:   Asia/Ho_Chi_Minh, Mon-Fri 07:30-11:30 13:30-17:00, holidays VN (VN holidays: the log "
        "is Vietnamese, as the step name 'Ký duyệt kết quả' is Vietnamese)",
        f"Columns used for {log}:",
        "  case      <- ma_ho_so (detected)",
        "  activity  <- buoc (detected)",
        "  timestamp <- ket_thuc (detected, dd/mm/yyyy HH:MM:SS)",
        "  start     <- bat_dau (detected, dd/mm/yyyy HH:MM:SS)",
        "  resource  <- can_bo (detected)",
        "  unit      <- phong_ban (detected)",
        "  service   <- thu_tuc (detected)",
        "  channel   <- kenh (detected)",
        "  received  <- ngay_nhan (detected, dd/mm/yyyy HH:MM:SS)",
        "  due       <- han_xu_ly (detected, dd/mm/yyyy HH:MM:SS)",
        "  outcome   <- ket_qua (detected)",
        "No warnings.",
    ]


def test_validate_with_options_mapping_file_and_warnings() -> None:
    log = GOOD / "custom_headers.tsv"
    code, output = run(str(log), "--mapping", str(GOOD / "custom_mapping.yaml"), "--no-cache")
    assert code == 0, output
    assert "  case      <- Số hiệu (file)" in output.splitlines()
    assert "  timestamp <- Thời điểm hoàn thành (file, ISO 8601)" in output.splitlines()
    # the options win over the file, role by role; --service names the column on validate
    code, output = run(str(GOOD / "dossiers_vi.csv"), "--activity", "ket_qua", "--service", "kenh", "--no-cache")
    assert code == 0, output
    assert "  activity  <- ket_qua (argument)" in output
    assert "  service   <- kenh (argument)" in output
    code, output = run(str(GOOD / "dossiers_vi_windows1258.csv"), "--no-cache")
    assert code == 0
    assert "Warning: the file is not UTF-8; it was read as Windows-1258 (Vietnamese)" in output.splitlines()


def test_validate_json(tmp_path: Path) -> None:
    code, output = run(str(GOOD / "dossiers_en.csv"), "--format", "json", "--no-cache")
    assert code == 0
    data = json.loads(output)
    assert (data["cases"], data["events"], data["activities"]) == (2, 5, 3)
    assert data["service_names"] == ["Birth registration"]
    assert data["mapping"]["columns"]["case"] == "case_id"
    assert data["mapping"]["formats"]["timestamp"] == "ISO 8601 with offset"


def test_validate_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCSIMP_CACHE_DIR", raising=False)
    runner = CliRunner()
    for name in ("dossiers_vi.csv", "small.xes"):
        assert runner.invoke(main, ["validate", str(GOOD / name)]).exit_code == 0
    for name in ("two_services.csv", "truncated.xes.gz"):
        assert runner.invoke(main, ["validate", str(BAD / name)]).exit_code == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.real_logs
@pytest.mark.parametrize(
    ("name", "cases", "events"),
    [("BPIC15_1.xes.gz", "1,199", "52,217"),
     ("Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz", "1,434", "8,577")],
)
def test_validate_real_logs(name: str, cases: str, events: str) -> None:
    path = real_log_path(name)
    code, output = run(str(path), "--no-cache")
    assert code == 0, output
    assert f"Cases:      {cases}" in output.splitlines()
    assert f"Events:     {events}" in output.splitlines()
    assert "  timestamp <- time:timestamp (xes, times with timezone)" in output.splitlines()


# ---------------------------------------------------------------------------- timezone, cache, due dates
UNKNOWN_TZ = "Error: --timezone 'Nowhere/X' is not a known timezone; use an IANA name such as Asia/Ho_Chi_Minh or UTC"


def test_unknown_timezone_is_one_line_for_every_format(tmp_path: Path) -> None:
    from procsimp.read import read_log, write_log

    parquet = write_log(read_log(GOOD / "dossiers_vi.csv", cache=False), tmp_path / "dossiers.parquet")
    for path in (GOOD / "dossiers_vi.csv", GOOD / "small.xes", GOOD / "small.xes.gz", parquet):
        code, output = run(str(path), "--timezone", "Nowhere/X")
        assert (code, output.strip()) == (1, UNKNOWN_TZ), path.name


@pytest.mark.real_logs
def test_unknown_timezone_on_a_real_xes_log() -> None:
    code, output = run(str(real_log_path("roadtraffic100traces.xes")), "--timezone", "Nowhere/X")
    assert (code, output.strip()) == (1, UNKNOWN_TZ)


def test_validate_writes_nothing_for_a_large_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large log is not copied to a cache (personal data) unless --cache DIR is given; then only
    into DIR, never into the working directory."""
    logs, work, cache = tmp_path / "logs", tmp_path / "work", tmp_path / "cache"
    logs.mkdir()
    work.mkdir()
    log = logs / "dossiers.csv"
    log.write_bytes((DATA.parent.parent / "event_logs" / "dossiers_en.csv").read_bytes())
    assert log.stat().st_size >= 1 << 20
    monkeypatch.chdir(work)
    monkeypatch.delenv("PROCSIMP_CACHE_DIR", raising=False)
    code, output = run(str(log))
    assert code == 0, output
    assert list(work.iterdir()) == [] and list(logs.iterdir()) == [log]
    code, output = run(str(log), "--cache", str(cache))
    assert code == 0, output
    assert [p.suffix for p in cache.iterdir()] == [".parquet"]
    assert list(work.iterdir()) == [] and list(logs.iterdir()) == [log]


def test_date_only_due_dates_are_the_end_of_the_day(tmp_path: Path) -> None:
    text = (GOOD / "dossiers_vi.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    due = header.index("han_xu_ly")
    rows = []
    for line in text[1:]:
        cells = line.split(",")
        cells[due] = cells[due][:10]
        rows.append(",".join(cells))
    path = tmp_path / "due_dates.csv"
    path.write_text("\n".join([text[0], *rows]) + "\n", encoding="utf-8")
    code, output = run(str(path))
    assert code == 0, output
    assert "  due       <- han_xu_ly (detected, dd/mm/yyyy, end of day)" in output.splitlines()
    assert "  received  <- ngay_nhan (detected, dd/mm/yyyy HH:MM:SS)" in output.splitlines()
