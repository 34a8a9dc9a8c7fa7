"""``procsimp propose``: files, kpis.json structure and values, the edit-file round trip, errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from procsimp.propose import kpis, propose
from procsimp.read import read_log
from procsimp.synth import generate
from tests.conftest import invoke

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)

REQUIRED = {
    "cases", "lead_time_days_mean", "lead_time_days_median", "lead_time_days_p90",
    "lead_time_workdays_mean", "steps_per_case", "handoffs_per_case", "units_per_case",
    "on_time_rate",
}


def run(*args: object) -> tuple[int, str, str]:
    return invoke("propose", *args)


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    res = generate(services=["birth_registration", "judicial_record"], cases=500, seed=11, lang="vi")
    folder = tmp_path_factory.mktemp("dossiers")
    res.write(folder, formats=("csv",))
    return folder / "dossiers.csv"


@pytest.fixture(scope="module")
def first_run(dossiers: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("proposal")
    code, stdout, stderr = run(dossiers, "--simulate", "--replications", 2, "--seed", 4,
                               "--format", "svg,png,bpmn", "--lang", "vi", "--out", out)
    assert code == 0, stderr
    return out, stdout


def test_kpis_json_has_one_object_per_service_with_before_after_assumptions(
    first_run: tuple[Path, str], dossiers: Path
) -> None:
    out, stdout = first_run
    data = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    log = read_log(dossiers)
    assert isinstance(data, list)
    assert [d["service"] for d in data] == log.services
    for d in data:
        assert REQUIRED <= set(d["before"]) and REQUIRED <= set(d["after"])
        assert d["assumptions"] and all(isinstance(a, str) for a in d["assumptions"])
        assert len(d["assumptions_vi"]) == len(d["assumptions"])
        # the figures are those of the Python API on the same log and flags
        own = kpis(log.for_service(d["service"]))
        for k in REQUIRED:
            assert d["before"][k] == pytest.approx(own[k]), k
        assert d["before"]["cases"] == d["after"]["cases"]
        assert d["after"]["steps_per_case"] < d["before"]["steps_per_case"]
        assert d["after"]["lead_time_days_mean"] < d["before"]["lead_time_days_mean"]
        assert 0 <= d["after"]["on_time_rate"] <= 1
        sim = d["simulated"]
        assert set(sim["lead_time_days_mean"]) == {"mean", "low", "high"}
        for k in REQUIRED:
            iv = sim[k]
            assert iv["low"] <= iv["mean"] <= iv["high"], k
        assert sim["replications"] == 2 and "as_is" in sim
        assert d["model"]["sound"] is True and d["model"]["fitness"] >= 0.95
        assert d["edits"], "the synthetic services carry waste: some edit must apply"
    assert "lead time (mean):" in stdout and "to-be model:" in stdout


def test_files_per_service(first_run: tuple[Path, str]) -> None:
    out, _ = first_run
    data = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    for d in data:
        folder = out / d["folder"]
        assert sorted(p.name for p in folder.iterdir()) == [
            "as_is.bpmn", "as_is_to_be.png", "as_is_to_be.svg", "flags.csv", "flags.json", "proposal.json", "to_be.bpmn"
        ]
        assert sorted(d["files"]) == sorted(f"{d['folder']}/{p.name}" for p in folder.iterdir())
        svg = (folder / "as_is_to_be.svg").read_text(encoding="utf-8")
        assert "Hiện trạng" in svg and "Đề xuất" in svg  # --lang vi
        assert (folder / "as_is_to_be.png").read_bytes()[:4] == b"\x89PNG"
        flags = json.loads((folder / "flags.json").read_text(encoding="utf-8"))
        assert flags and {f["service"] for f in flags} == {d["service"]}
        bpmn = (folder / "to_be.bpmn").read_text(encoding="utf-8")
        assert "bpmndi:BPMNDiagram" in bpmn and "Tiếp nhận hồ sơ" in bpmn
        assert json.loads((folder / "proposal.json").read_text(encoding="utf-8"))["service"] == d["service"]
    assert len(json.loads((out / "flags.json").read_text(encoding="utf-8"))) == sum(
        len(json.loads((out / d["folder"] / "flags.json").read_text(encoding="utf-8"))) for d in data
    )
    rows = list(csv.DictReader((out / "kpis.csv").open(encoding="utf-8")))
    assert len(rows) == len(data) * 12
    assert {"service", "kpi", "before", "after", "change", "simulated_mean", "simulated_low"} <= set(rows[0])


def test_edit_file_round_trip(first_run: tuple[Path, str], dossiers: Path, tmp_path: Path) -> None:
    out, _ = first_run
    edits = yaml.safe_load((out / "edits.yaml").read_text(encoding="utf-8"))
    flags = edits["flags"]
    first = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    applied = {(d["service"], e["action"], e["activity"]) for d in first for e in d["edits"]}
    # turn off one applied eliminate flag
    target = next(f for f in flags if f["action"] == "eliminate" and (f["service"], "eliminate", f["activity"]) in applied)
    target["accept"] = False
    edited = tmp_path / "edits.yaml"
    edited.write_text(yaml.safe_dump(edits, allow_unicode=True), encoding="utf-8")
    out2 = tmp_path / "again"
    code, _, stderr = run(dossiers, "--accept", edited, "--format", "bpmn", "--out", out2)
    assert code == 0, stderr
    second = json.loads((out2 / "kpis.json").read_text(encoding="utf-8"))
    applied2 = {(d["service"], e["action"], e["activity"]) for d in second for e in d["edits"]}
    assert applied2 == applied - {(target["service"], "eliminate", target["activity"])}
    again = yaml.safe_load((out2 / "edits.yaml").read_text(encoding="utf-8"))["flags"]
    assert [f["accept"] for f in again if f["activity"] == target["activity"] and f["service"] == target["service"]] == [False]
    # the same edits from Python give the same figures
    log = read_log(dossiers)
    svc = target["service"]
    py = propose(log, service=svc, reject=[("eliminate", target["activity"], None)])
    cli = next(d for d in second if d["service"] == svc)
    assert cli["after"]["lead_time_days_mean"] == pytest.approx(py.kpis_after["lead_time_days_mean"])


def test_an_edit_file_can_add_edits(dossiers: Path, tmp_path: Path) -> None:
    log = read_log(dossiers)
    svc = log.services[0]
    f = tmp_path / "mine.yaml"
    f.write_text(
        yaml.safe_dump({"accept": [{"service": svc, "action": "eliminate", "activity": "Xem xét, trình ký"}]},
                       allow_unicode=True),
        encoding="utf-8",
    )
    code, _, stderr = run(dossiers, "--service", svc, "--accept", f, "--format", "svg", "--out", tmp_path / "o")
    assert code == 0, stderr
    (d,) = json.loads((tmp_path / "o" / "kpis.json").read_text(encoding="utf-8"))
    assert [(e["action"], e["activity"]) for e in d["edits"]] == [("eliminate", "Xem xét, trình ký")]
    assert "simulated" not in d


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accept", "{tmp}/missing.yaml"],
         "Error: edit file '{tmp}/missing.yaml' does not exist; give the path of a YAML edit file"),
        (["--service", "Nope"], "Error: service 'Nope' is not in the log {log}; services in the log: "
         "'Cấp Phiếu lý lịch tư pháp', 'Đăng ký khai sinh'"),
        (["--format", "svg,gif"], "Error: format 'gif' is not supported; use a comma-separated list "
         "of: svg, png, pdf, dot, bpmn, xlsx, docx, yaml (or 'all')"),
        (["--simulate", "--replications", "0"],
         "Error: --replications must be from 1 to 1000, got 0; e.g. --replications 10"),
        (["--noise", "1.5"], "Error: --noise must be from 0 to below 1, got 1.5; e.g. --noise 0.2"),
    ],
)
def test_bad_options_give_one_error_line(dossiers: Path, tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    code, _, stderr = run(dossiers, *args, "--out", tmp_path / "o")
    assert code == 1
    assert stderr.strip().splitlines()[-1] == message.format(tmp=tmp_path, log=dossiers)
    assert "Traceback" not in stderr
    assert not (tmp_path / "o" / "kpis.json").exists()


def test_an_edit_file_naming_an_unknown_service(dossiers: Path, tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_text("accept:\n  - {service: Passports, action: eliminate, activity: X}\n", encoding="utf-8")
    code, _, stderr = run(dossiers, "--accept", f, "--out", tmp_path / "o")
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        f"Error: edit file {f}: service 'Passports' is not in the log; services in the log: "
        "'Cấp Phiếu lý lịch tư pháp', 'Đăng ký khai sinh'"
    )
