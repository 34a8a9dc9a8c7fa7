"""``procsimp flag LOG``: formats, options, files and exact error lines."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from procsimp.cli import main
from procsimp.flag import FIELDS, flag_steps
from procsimp.flag.output import CSV_COLUMNS
from procsimp.read import read_log
from procsimp.synth import generate

TRANSFER = "Chuyển hồ sơ đến phòng chuyên môn"
REVIEW = "Xem xét, trình ký"
TAX = "Đăng ký thuế lần đầu cho cá nhân"
JUDICIAL = "Cấp Phiếu lý lịch tư pháp"


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("flag_cli")
    res = generate(services=["tax_registration", "judicial_record"], cases=500, seed=2, lang="vi")
    res.write(folder, formats=("csv",))
    return folder / "dossiers.csv"


def run(*args: str) -> object:
    result = CliRunner().invoke(main, ["flag", *map(str, args)])
    return result


def as_json(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_lists_flags_with_exactly_the_flag_fields(log_file: Path) -> None:
    result = run(log_file, "--format", "json")
    flags = as_json(result)
    assert flags and all(list(f) == list(FIELDS) for f in flags)
    assert "Columns used for" in result.stderr and "Columns used for" not in result.stdout
    expected = [f.to_dict() for f in flag_steps(read_log(log_file, cache=False))]
    assert flags == expected
    keys = {(f["service"], f["action"], f["activity"], f["into"]) for f in flags}
    assert (JUDICIAL, "automate", TRANSFER, None) in keys  # the intake desk's hand-over
    assert (TAX, "eliminate", REVIEW, None) in keys
    assert (TAX, "merge", "Đối chiếu dữ liệu đăng ký", "Nhập thông tin hồ sơ") in keys


def test_csv_has_one_row_per_flag(log_file: Path) -> None:
    flags = as_json(run(log_file, "--format", "json"))
    result = run(log_file, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [(r["service"], r["action"], r["activity"], r["into"] or None) for r in rows] == [
        (f["service"], f["action"], f["activity"], f["into"]) for f in flags
    ]
    assert json.loads(rows[0]["evidence"]) == flags[0]["evidence"]


def test_table_is_readable(log_file: Path) -> None:
    result = run(log_file)
    assert result.exit_code == 0
    out = result.stdout
    assert f"{JUDICIAL}  (" in out and f"{TAX}  (" in out
    assert "action" in out and "days/case" in out
    assert f"automate      {TRANSFER}" in out
    assert "relay_handoff: “Chuyển hồ sơ đến phòng chuyên môn” only forwards the dossier" in out
    assert max(len(line) for line in out.splitlines() if not line.startswith("      ")) <= 120


def test_out_writes_json_and_csv(log_file: Path, tmp_path: Path) -> None:
    result = run(log_file, "--format", "json", "--out", tmp_path / "flags")
    flags = as_json(result)
    written = json.loads((tmp_path / "flags" / "flags.json").read_text(encoding="utf-8"))
    assert written == flags
    rows = list(csv.DictReader((tmp_path / "flags" / "flags.csv").open(encoding="utf-8", newline="")))
    assert len(rows) == len(flags)
    # besides the two tables and their metadata, only the hidden Parquet cache of the log
    assert sorted(p.name for p in (tmp_path / "flags").iterdir() if not p.name.startswith(".")) == [
        "flags.csv", "flags.json", "flags_meta.json"
    ]
    meta = json.loads((tmp_path / "flags" / "flags_meta.json").read_text(encoding="utf-8"))
    assert meta["office_hours"]["hours"] == [["07:30", "11:30"], ["13:30", "17:00"]]
    assert meta["office_hours"]["source"] == "inferred"
    assert "Wrote" in result.stderr
    assert "Office hours: 07:30-11:30, 13:30-17:00 (inferred from the log's event times)" in result.stderr


def test_protect_keeps_a_step(log_file: Path) -> None:
    plain = as_json(run(log_file, "--format", "json"))
    protected = as_json(run(log_file, "--format", "json", "--protect", REVIEW))
    assert any(f["activity"] == REVIEW and f["action"] == "eliminate" for f in plain)
    assert not any(f["activity"] == REVIEW and f["action"] in ("eliminate", "merge") for f in protected)
    others = [f for f in plain if f["activity"] != REVIEW]
    assert [f for f in protected if f["activity"] != REVIEW] == others


def test_a_required_relay_is_automated_not_eliminated(tmp_path: Path) -> None:
    # the land service's relay to the tax office is not at the intake desk: eliminated, unless
    # --protect says the law requires it; then the system does it (the same saving: the replay
    # of that edit alone), and the step stays
    res = generate(services=["land_change_registration"], cases=400, seed=2, lang="vi")
    res.write(tmp_path, formats=("csv",))
    step = "Chuyển thông tin đến cơ quan thuế"
    plain = as_json(run(tmp_path / "dossiers.csv", "--format", "json"))
    assert [f["action"] for f in plain if f["activity"] == step] == ["eliminate"]
    kept = as_json(run(tmp_path / "dossiers.csv", "--format", "json", "--protect", step))
    auto = [f for f in kept if f["activity"] == step]
    assert [(f["action"], f["kind"]) for f in auto] == [("automate", "relay_handoff")]
    before = next(f for f in plain if f["activity"] == step)
    assert auto[0]["saving"]["workdays_per_case"] == pytest.approx(before["saving"]["workdays_per_case"], abs=1e-3)
    assert "automate it" in auto[0]["explanation"]["en"] and "tự động hóa" in auto[0]["explanation"]["vi"]


def test_protect_and_service_typed_in_decomposed_unicode_still_match(log_file: Path) -> None:
    # a name typed in NFD (as some keyboards and Windows-1258 exports do) is the same step
    review_nfd = unicodedata.normalize("NFD", REVIEW)
    assert review_nfd != REVIEW
    plain = as_json(run(log_file, "--format", "json"))
    assert (TAX, "eliminate", REVIEW) in {(f["service"], f["action"], f["activity"]) for f in plain}
    nfd = as_json(run(log_file, "--format", "json", "--protect", review_nfd))
    nfc = as_json(run(log_file, "--format", "json", "--protect", REVIEW))
    assert nfd == nfc
    assert not any(f["activity"] == REVIEW and f["action"] in ("eliminate", "merge") for f in nfd)
    tax_nfd = as_json(run(log_file, "--format", "json", "--service", f" {unicodedata.normalize('NFD', TAX)} "))
    assert tax_nfd == [f for f in plain if f["service"] == TAX]


def test_protect_that_matches_no_step_is_an_error(log_file: Path) -> None:
    steps = sorted(set(read_log(log_file, cache=False).df["concept:name"].astype(str)))
    r = run(log_file, "--protect", "Xem xet trinh ky")
    assert r.exit_code == 1
    shown = ", ".join(repr(s) for s in steps)
    assert r.stderr.strip().splitlines()[-1] == (
        f"Error: protect 'Xem xet trinh ky' matches no step of the log {log_file}; its {len(steps)} steps: "
        f"{shown}; did you mean '{REVIEW}'?"
    )
    # with --service, the step must be one of that service
    r = run(log_file, "--service", TAX, "--protect", "Xác minh tại Tòa án")
    assert r.exit_code == 1
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"Error: protect 'Xác minh tại Tòa án' matches no step of service '{TAX}'; its 10 steps: ")
    assert line.endswith("; write the step name exactly as it is in the log")


def test_service_missing_from_the_catalog_is_warned_about(log_file: Path, tmp_path: Path) -> None:
    bees = "Cấp giấy phép nuôi ong"
    other = tmp_path / "bees.csv"
    other.write_text(log_file.read_text(encoding="utf-8").replace(TAX, bees), encoding="utf-8")
    r = run(other, "--format", "json")
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        f"Warning: service '{bees}' has no match in the service catalog, so the steps the law requires "
        "for it are not protected (only the catalog-wide ones are); add it with --catalog FILE, or "
        "protect its required steps with --protect ACTIVITY"
    ]
    json.loads(r.stdout)  # stdout stays pure JSON
    assert not [line for line in run(log_file).stderr.splitlines() if line.startswith("Warning:")]
    catalog = tmp_path / "bees.yaml"
    catalog.write_text(
        f"services:\n  - id: bees\n    name_vi: {bees}\n    name_en: Beekeeping licence\n    statutory_days: 5\n",
        encoding="utf-8",
    )
    r = run(other, "--catalog", catalog)
    assert r.exit_code == 0, r.output
    assert not [line for line in r.stderr.splitlines() if line.startswith("Warning:")]
    # propose says the same before it proposes anything
    r = CliRunner().invoke(main, ["propose", str(other), "--service", bees, "--format", "bpmn", "--out", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    assert [line for line in r.stderr.splitlines() if line.startswith("Warning:")] == warnings


def test_catalog_file_protects_steps_of_one_service(log_file: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "my_catalog.yaml"
    catalog.write_text(
        "services:\n  - id: tax_registration\n    protected_steps: [receive, review, sign, return]\n",
        encoding="utf-8",
    )
    flags = as_json(run(log_file, "--format", "json", "--catalog", catalog))
    removed = {(f["service"], f["activity"]) for f in flags if f["action"] in ("eliminate", "merge")}
    assert (TAX, REVIEW) not in removed  # protected for this service by the user's catalog
    assert (JUDICIAL, REVIEW) in removed  # still a rubber stamp in the other service


def test_service_and_min_confidence_filter(log_file: Path) -> None:
    every = as_json(run(log_file, "--format", "json"))
    tax = as_json(run(log_file, "--format", "json", "--service", TAX))
    assert tax == [f for f in every if f["service"] == TAX]
    levels = sorted({f["confidence"] for f in every})
    assert len(levels) >= 2, levels  # the flags do not all carry one confidence
    cut = levels[-1]  # the most confident flags only
    confident = as_json(run(log_file, "--format", "json", "--min-confidence", str(cut)))
    assert confident == [f for f in every if f["confidence"] >= cut]
    assert 0 < len(confident) < len(every)


def test_csv_neutralises_formulas(log_file: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil.csv"
    evil.write_text(log_file.read_text(encoding="utf-8").replace(TRANSFER, "=HYPERLINK(1)"), encoding="utf-8")
    result = run(evil, "--format", "csv", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    cells = [r["activity"] for r in rows]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert "'=HYPERLINK(1)" in (tmp_path / "o" / "flags.csv").read_text(encoding="utf-8")
    # JSON is not a spreadsheet: the name stays as it is
    assert any(f["activity"] == "=HYPERLINK(1)" for f in json.loads((tmp_path / "o" / "flags.json").read_text(encoding="utf-8")))


def test_error_lines(log_file: Path, tmp_path: Path) -> None:
    r = run(log_file, "--service", "Nope")
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines()[-1] == (
        f"Error: service 'Nope' is not in the log {log_file}; services in the log: '{JUDICIAL}', '{TAX}'"
    )
    r = run(log_file, "--min-confidence", "2")
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "Error: min_confidence=2.0 must be a number between 0 and 1 (0 keeps every flag, 0.8 only confident ones)"
    )
    missing = tmp_path / "nothere.csv"
    r = run(missing)
    assert r.exit_code == 1 and r.stderr.strip() == f"Error: {missing}: no such file; check the path"


def test_json_stdout_is_pure_from_the_console_entry_point(log_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "procsimp", "flag", str(log_file), "--format", "json"],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    flags = json.loads(proc.stdout)  # nothing but JSON on stdout (no banner, no mapping)
    assert flags and "Columns used for" in proc.stderr


def test_flag_is_listed_in_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "flag" in result.stdout
    result = CliRunner().invoke(main, ["flag", "--help"])
    for option in ("--service", "--protect", "--catalog", "--min-confidence", "--format", "--out"):
        assert option in result.stdout
