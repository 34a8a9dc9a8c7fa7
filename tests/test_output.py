"""The output layer: the edit file's writer and reader agree, and the shared table writers keep
one schema whichever command calls them."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from procsimp.engine.edits import (
    Eliminate,
    Merge,
    Refusal,
    edit_file_text,
    load_edit_file,
    write_edit_file,
)
from procsimp.flag import Flag
from procsimp.flag.output import CSV_COLUMNS
from procsimp.output.tables import write_flags
from tests.conftest import invoke

#: names that YAML would read as something else, or that need quoting, and Vietnamese names
TRICKY = [
    "Chuyển hồ sơ",
    "Trình ký lãnh đạo",
    "yes",
    "null",
    "1.5",
    "- gạch đầu dòng",
    "Bước: kiểm tra # 2",
    "'trích dẫn'",
    '"ngoặc kép"',
    "[danh sách]",
    "{khóa: giá trị}",
    "~",
    "@ký số",
    "*",
    "Tiếp nhận\thồ sơ",
]


def _flag(service: str, activity: str, *, action: str = "eliminate", into: str | None = None) -> Flag:
    return Flag(
        service=service, activity=activity, into=into, kind="relay_handoff" if into is None else "mergeable",
        action=action, confidence=0.875, evidence={"cases": 3}, saving={"workdays_per_case": 0.5},
        explanation={"en": "It only forwards.", "vi": "Chỉ chuyển tiếp."},
    )


def _proposals() -> list[SimpleNamespace]:
    """Two services' proposals (what the writer reads of a Proposal): some flags accepted, one
    rejected with a refusal, names of every awkward kind."""
    out = []
    for service in ("Đăng ký khai sinh", "true"):
        flags = [_flag(service, name) for name in TRICKY]
        flags.append(_flag(service, "Phân công: xử lý", action="merge", into="Thẩm định hồ sơ"))
        refused = flags[1]
        out.append(SimpleNamespace(
            service=service,
            flags=tuple(flags),
            accepted_flags=tuple(f for f in flags if f is not refused),
            recommendations=(),
            refused=(Refusal(Eliminate(refused.activity), "a catalog-protected step", "bước được bảo vệ"),),
        ))
    return out


def test_the_edit_file_reader_reads_back_what_the_writer_writes(tmp_path: Path) -> None:
    proposals = _proposals()
    path = write_edit_file(proposals, tmp_path / "edits.yaml")
    text = path.read_text(encoding="utf-8")
    assert text == edit_file_text(proposals)
    assert "Chuyển hồ sơ" in text  # Vietnamese stays readable, not \u-escaped
    raw = yaml.safe_load(text)["flags"]
    assert [e["activity"] for e in raw[: len(TRICKY)]] == TRICKY  # every name is a string again
    assert raw[1]["note"] == "refused: a catalog-protected step" and raw[1]["accept"] is False

    read = load_edit_file(path)
    expected_accept = [
        {"service": p.service, "action": f.action, "activity": f.activity.strip(), "into": f.into}
        for p in proposals for f in p.accepted_flags
    ]
    expected_reject = [
        {"service": p.service, "action": "eliminate", "activity": TRICKY[1], "into": None} for p in proposals
    ]
    assert list(read.accept or ()) == expected_accept
    assert list(read.reject) == expected_reject
    # per service, the reader gives back exactly that service's choices
    scoped = read.for_service("true")
    assert {e["service"] for e in scoped.accept or ()} == {"true"}
    assert Merge("Phân công: xử lý", "Thẩm định hồ sơ").key in {
        (e["action"], e["activity"], e["into"]) for e in scoped.accept or ()
    }


def test_flags_files_have_one_schema_with_or_without_example_dossiers(tmp_path: Path) -> None:
    flags = [_flag("Đăng ký khai sinh", "=HYPERLINK(1)"), _flag("Đăng ký khai sinh", "Ký duyệt")]
    write_flags(flags, tmp_path / "plain")
    write_flags(flags, tmp_path / "ids", example_cases=[["HS-1", "HS-2"], []])
    plain = list(csv.reader((tmp_path / "plain" / "flags.csv").open(encoding="utf-8", newline="")))
    ids = list(csv.reader((tmp_path / "ids" / "flags.csv").open(encoding="utf-8", newline="")))
    assert plain[0] == list(CSV_COLUMNS) and ids[0] == [*CSV_COLUMNS, "example_cases"]
    assert [row[:-1] for row in ids[1:]] == plain[1:]  # the same columns, one more at the end
    assert plain[1][1] == "'=HYPERLINK(1)"  # formulas neutralised
    assert [json.loads(row[-1]) for row in ids[1:]] == [["HS-1", "HS-2"], []]
    data = json.loads((tmp_path / "ids" / "flags.json").read_text(encoding="utf-8"))
    assert [d["example_cases"] for d in data] == [["HS-1", "HS-2"], []]
    assert [{k: v for k, v in d.items() if k != "example_cases"} for d in data] == json.loads(
        (tmp_path / "plain" / "flags.json").read_text(encoding="utf-8")
    )


def test_a_png_too_large_is_left_out_of_propose_and_report_alike(tmp_path: Path) -> None:
    """Both commands write the as-is/to-be drawing through one writer: a PNG beyond the size
    limit is left out of each with the same Warning line, and the SVG is written."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed (apt-get install graphviz)")
    start = pd.Timestamp("2025-03-03 08:00")
    rows = [
        {"case_id": f"c{c}", "activity": f"Step number {s:03d} of a long procedure",
         "timestamp": start + pd.Timedelta(minutes=37 * (s + 1) + c)}
        for c in range(3) for s in range(170)
    ]
    src = tmp_path / "chain.csv"
    pd.DataFrame(rows).to_csv(src, index=False)
    lines = {}
    for command in ("propose", "report"):
        code, _, err = invoke(command, src, "--format", "png,svg", "--lang", "vi", "--out", tmp_path / command)
        assert code == 0, err
        assert (tmp_path / command / "all" / "as_is_to_be.svg").is_file()
        assert not (tmp_path / command / "all" / "as_is_to_be.png").exists()
        lines[command] = [line for line in err.splitlines() if line.startswith("Warning: as_is_to_be.png not written")]
    assert len(lines["propose"]) == 1 and lines["propose"] == lines["report"]
