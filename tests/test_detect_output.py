"""Flags as JSON, CSV and a terminal table; the rules ``flag_steps`` enforces after the detectors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from procsimp.errors import ParameterError
from procsimp.flag import FIELDS, Flag, aggregate, flag_steps, run_detectors
from procsimp.flag.output import (
    CSV_COLUMNS,
    flags_frame,
    flags_table,
    flags_to_csv,
    flags_to_json,
    neutralise,
)
from procsimp.output.tables import write_flags
from procsimp.synth import generate


def flag(activity: str = "Chuyển hồ sơ", **kw) -> Flag:
    base = dict(
        service="Đăng ký khai sinh",
        activity=activity,
        kind="relay_handoff",
        action="eliminate",
        confidence=0.9,
        evidence={"cases": 10, "share": 0.5},
        saving={"workdays_per_case": 0.25, "handoffs_removed": 1.0},
        explanation={"en": "It only forwards.", "vi": "Chỉ chuyển tiếp."},
    )
    base.update(kw)
    return Flag(**base)


def test_json_has_exactly_the_flag_fields_and_keeps_unicode() -> None:
    data = json.loads(flags_to_json([flag(), flag("Ký", action="merge", into="Xem xét", kind="mergeable")]))
    assert [list(d) for d in data] == [list(FIELDS)] * 2
    assert data[1]["into"] == "Xem xét" and data[0]["into"] is None
    assert "Chuyển hồ sơ" in flags_to_json([flag()])  # not escaped


def test_csv_neutralises_spreadsheet_formulas() -> None:
    assert neutralise("=1+1") == "'=1+1" and neutralise("+84 90") == "'+84 90"
    assert neutralise("-x") == "'-x" and neutralise("@a") == "'@a" and neutralise("\tx") == "'\tx"
    assert neutralise("Bình thường") == "Bình thường" and neutralise(3) == 3
    text = flags_to_csv([flag("=cmd|' /C calc'!A0", service="+SUM(A1)")])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["activity"] == "'=cmd|' /C calc'!A0" and rows[0]["service"] == "'+SUM(A1)"
    assert rows[0]["saving_workdays_per_case"] == "0.250" and rows[0]["confidence"] == "0.900"
    assert json.loads(rows[0]["evidence"]) == {"cases": 10, "share": 0.5}


def test_table() -> None:
    assert flags_table([]) == "No steps flagged.\n"
    text = flags_table([flag(), flag("Ký", action="merge", into="Xem xét", kind="mergeable", confidence=0.7)])
    lines = text.splitlines()
    assert lines[0] == "Đăng ký khai sinh  (2 flags)"
    assert "Ký → Xem xét" in text and "relay_handoff: It only forwards." in text
    assert "mergeable: It only forwards." in text
    assert "Chỉ chuyển tiếp." in flags_table([flag()], lang="vi")
    long = flags_table([flag("X" * 200)], width=100)
    assert "…" in long and max(len(line) for line in long.splitlines()[:4]) <= 100


def test_frame_and_atomic_files(tmp_path: Path) -> None:
    frame = flags_frame([flag()])
    assert list(frame.columns) == list(FIELDS) and len(frame) == 1
    out = tmp_path / "new" / "dir"
    paths = write_flags([flag()], out)
    assert [p.name for p in paths] == ["flags.json", "flags.csv"]
    write_flags([], out)  # replaces the files
    assert json.loads((out / "flags.json").read_text(encoding="utf-8")) == []
    assert sorted(p.name for p in out.iterdir()) == ["flags.csv", "flags.json"]  # no temporary files left


# ---------------------------------------------------------------------------- rules after detection
@pytest.fixture(scope="module")
def synth():
    return generate(services=["tax_registration", "driving_licence_exchange"], cases=600, seed=4, lang="en")


def test_kept_steps_are_never_removed_even_if_a_detector_says_so(synth) -> None:
    ag = aggregate(synth.log)
    service = ag.service_names[0]
    start = ag.service(service)["start_activity"]
    from procsimp.flag.base import Detector

    class RecklessDetector(Detector):
        """Flags the start step."""

        name = "reckless"
        action = "eliminate"
        _constraints = {}

        def __init__(self) -> None:
            super().__init__()

        def detect(self, aggregates):
            return [flag(start, service=service), flag("Some step", service=service)]

    flags = run_detectors(ag, [RecklessDetector()])
    assert [f.activity for f in flags] == ["Some step"]


def test_duplicates_are_merged_and_conflicts_resolved(synth) -> None:
    ag = aggregate(synth.log)
    svc = ag.service_names[0]
    from procsimp.flag.base import Detector

    class Fixed(Detector):
        """Returns fixed flags."""

        name = "fixed"
        action = "eliminate"
        _constraints = {}

        def __init__(self) -> None:
            super().__init__()

        def detect(self, aggregates):
            return [
                flag("Step A", service=svc, kind="one", confidence=0.6),
                flag("Step A", service=svc, kind="two", confidence=0.8),
                flag("Step A", service=svc, kind="mergeable", action="merge", into="Step B", confidence=0.7),
                flag("Step C", service=svc, kind="mergeable", action="merge", into="Step A", confidence=0.9),
            ]

    flags = run_detectors(ag, [Fixed()])
    a = [f for f in flags if f.activity == "Step A"]
    assert len(a) == 1 and a[0].kind == "two" and a[0].action == "eliminate"
    assert a[0].evidence["also_flagged_by"] == ["one"] and a[0].confidence == pytest.approx(0.85)
    # Step C cannot be merged into Step A, which is eliminated
    assert not any(f.activity == "Step C" for f in flags)


def test_flag_steps_checks_its_arguments(synth) -> None:
    with pytest.raises(ParameterError, match=r"min_confidence=1.5 must be a number between 0 and 1"):
        flag_steps(synth.log, min_confidence=1.5)
    with pytest.raises(ParameterError, match="min_confidence='high'"):
        flag_steps(synth.log, min_confidence="high")
    with pytest.raises(ParameterError, match="service 'Nope' is not in the log"):
        flag_steps(synth.log, "Nope")
    both = flag_steps(synth.log)
    one = flag_steps(synth.log, synth.log.services[0])
    assert one == [f for f in both if f.service == synth.log.services[0]]
    assert flag_steps(synth.log, protect="Re-check dossier") == flag_steps(synth.log, protect=["Re-check dossier"])


def test_public_entry_point() -> None:
    import procsimp

    assert procsimp.flag_steps is flag_steps and procsimp.Flag is Flag
