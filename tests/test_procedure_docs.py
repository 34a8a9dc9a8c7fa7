"""propose --format xlsx,docx,yaml: the to-be internal procedure as documents and as a reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from procsimp.catalog.procedure import load_reference
from procsimp.output.procedure_docs import procedure_rows
from procsimp.synth import generate
from tests.conftest import invoke

GOLDEN = Path(__file__).parent / "golden" / "to_be_procedure_vi.txt"
SERVICE = "Đăng ký khai sinh"


@pytest.fixture(scope="module")
def proposed(tmp_path_factory):
    out = tmp_path_factory.mktemp("propose")
    res = generate(services=["birth_registration"], cases=300, seed=4, lang="vi", to_be=True)
    paths = res.write(out, formats=["csv"])
    log = next(p for p in paths if p.name == "dossiers.csv")
    code, stdout, err = invoke(
        "propose", log, "--format", "xlsx,docx,yaml", "--lang", "vi", "--out", out / "proposal"
    )
    assert code == 0, err
    return res, out, out / "proposal" / "dang-ky-khai-sinh"


def _table_text(folder: Path) -> str:
    import docx

    doc = docx.Document(str(folder / "to_be_procedure.docx"))
    lines = [" | ".join(c.text for c in row.cells) for row in doc.tables[0].rows]
    # the evidence sentences come from the detectors: the golden file keeps what they say is done
    lines += [p.text.split(". Căn cứ: ")[0] for p in doc.paragraphs]
    return "\n".join(lines) + "\n"


def test_three_files_one_row_per_to_be_step(proposed):
    res, _, folder = proposed
    names = {p.name for p in folder.iterdir()}
    assert {"to_be_procedure.xlsx", "to_be_procedure.docx", "to_be_procedure.yaml"} <= names
    ref = load_reference(folder / "to_be_procedure.yaml")
    (proc,) = ref.procedures
    steps = proc.step_names
    # the to-be keeps every step of the generator's approved procedure, and only those
    assert set(steps) == set(res.procedure().get(SERVICE).step_names)

    import docx
    import openpyxl

    doc = docx.Document(str(folder / "to_be_procedure.docx"))
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Bước", "Nội dung công việc", "Đơn vị thực hiện", "Thời gian (giờ làm việc)"]
    assert [r.cells[1].text for r in table.rows[1:]] == list(steps)

    ws = openpyxl.load_workbook(folder / "to_be_procedure.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    start = rows.index(tuple(header)) + 1
    body = []
    for r in rows[start:]:
        if r[0] is None:
            break
        body.append(r)
    assert [r[1] for r in body] == list(steps)
    assert all(isinstance(r[3], (int, float)) and r[3] > 0 and float(2 * r[3]).is_integer() for r in body)
    assert [r[3] for r in body] == [proc.step(n).hours for n in steps]


def test_allotted_hours_are_the_median_rounded_up_to_the_half_hour(proposed):
    import math

    import numpy as np

    from procsimp.core.calendar import default_calendar
    from procsimp.mine.conformance import step_hours
    from procsimp.propose import propose
    from procsimp.read import read_log

    res, out, folder = proposed
    (proc,) = load_reference(folder / "to_be_procedure.yaml").procedures
    log = read_log(out / "dossiers.csv")
    to_be = propose(log, service=SERVICE).to_be
    times = step_hours(to_be, default_calendar()).groupby(["activity", "case"])["hours"].sum()
    for step in proc.flat_steps:
        median = float(np.median(times.loc[step.name]))
        assert step.hours == max(0.5, math.ceil(median * 2) / 2)


def test_conform_reads_the_yaml_back(proposed):
    res, out, folder = proposed
    code, stdout, err = invoke(
        "conform", out / "dossiers_to_be.csv", "--reference", folder / "to_be_procedure.yaml", "--format", "json"
    )
    assert code == 0, err
    import json

    (svc,) = json.loads(stdout)["services"]
    assert svc["fitness"] >= 0.95
    assert not [d for d in svc["deviations"] if d["kind"] in ("extra", "skipped")]
    # the yaml written by propose is the format conform reads, unchanged by a round trip
    ref = load_reference(folder / "to_be_procedure.yaml")
    assert ref.to_yaml() == (folder / "to_be_procedure.yaml").read_text(encoding="utf-8")


def test_vietnamese_table_golden(proposed):
    _, _, folder = proposed
    text = _table_text(folder)
    if os.environ.get("PROCSIMP_UPDATE_GOLDEN") == "1":  # review the diff after updating
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), "golden file missing: run with PROCSIMP_UPDATE_GOLDEN=1"
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert "Tổng thời gian giải quyết: " in text and "giờ làm việc" in text
    assert "bỏ bước" in text and "gộp vào bước “Nhập dữ liệu hộ tịch”" in text
    import docx

    changes = [p.text for p in docx.Document(str(folder / "to_be_procedure.docx")).paragraphs if p.text.startswith("“")]
    assert len(changes) == 2 and all(". Căn cứ: " in c and not c.rstrip().endswith("{") for c in changes)


def test_english_rows_use_english_numbers(proposed):
    _, _, folder = proposed
    (proc,) = load_reference(folder / "to_be_procedure.yaml").procedures
    vi = procedure_rows(proc, "vi")
    en = procedure_rows(proc, "en")
    assert [r[1] for r in vi] == [r[1] for r in en]
    halves = [(a[3], b[3]) for a, b in zip(vi, en, strict=True) if "." in b[3]]
    assert halves and all(v == e.replace(".", ",") for v, e in halves)


def test_english_documents_and_parallel_rows(tmp_path):
    import docx
    import openpyxl

    from procsimp.catalog.procedure import Parallel, Procedure, ProcedureStep
    from procsimp.output.procedure_docs import write_procedure_docx, write_procedure_xlsx
    from procsimp.propose.procedure_table import Change

    proc = Procedure(
        service="Issue a judicial record",
        steps=(
            ProcedureStep("Receive dossier", "One-stop shop", 0.5),
            Parallel((ProcedureStep("Verify with the police", "Police", 16), ProcedureStep("Verify with the court", "Court", 12))),
            ProcedureStep("Return result", "One-stop shop", 1.5),
        ),
        statutory_days=2,
    )
    changes = [Change(step="Review", action="automate", text="automated (done by the system)", evidence="It never rejects.")]
    write_procedure_docx(proc, tmp_path / "p.docx", lang="en", changes=changes)
    write_procedure_xlsx(proc, tmp_path / "p.xlsx", lang="en", changes=changes)
    d = docx.Document(str(tmp_path / "p.docx"))
    rows = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert rows[0] == ["Step", "Task", "Unit responsible", "Time (working hours)"]
    assert [r[0] for r in rows[1:]] == ["1", "2a", "2b", "3"]
    assert rows[4][3] == "1.5"
    text = "\n".join(p.text for p in d.paragraphs)
    # the longest parallel branch counts: 0.5 + 16 + 1.5 = 18 hours, over 2 days of 7.5 hours
    assert "Total handling time: 18 working hours" in text
    assert "Statutory time: 2 working days = 15 working hours (over the statutory time)" in text
    assert "“Review”: automated (done by the system). Evidence: It never rejects." in text
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    values = [r for r in ws.iter_rows(values_only=True) if r[0] in ("1", "2a", "2b", "3")]
    assert [v[3] for v in values] == [0.5, 16, 12, 1.5]


def test_report_rejects_a_negative_min_saving(proposed, tmp_path):
    _, out, _ = proposed
    code, stdout, err = invoke("report", out / "dossiers.csv", "--min-saving", "-1", "--out", tmp_path / "r")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "Error: min_saving must be a number of working days >= 0, got -1.0; e.g. 0.05"
    )
    assert not (tmp_path / "r" / "index.html").exists()
