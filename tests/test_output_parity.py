"""File parity: ``procsimp propose --out`` and ``procsimp report`` write a service's files through
one output layer, so on the same bundled log with the same options each service's folder holds
the same files, the tables the same columns and rows, and the files themselves the same bytes.
``mine --out``, ``profile --out`` and ``flag --out`` are held to the report's maps and tables the
same way."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from procsimp.flag.output import CSV_COLUMNS
from procsimp.output.folder import MARKER
from procsimp.output.tables import KPI_COLUMNS
from tests.conftest import EVENT_LOGS, invoke

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)

LOG = EVENT_LOGS / "dossiers_en.csv"
FORMATS = "svg,png,dot,bpmn,xlsx,docx,yaml"
COMMON = ("--format", FORMATS, "--lang", "en")
MAP_FORMATS = ("svg", "png", "dot")
#: files whose bytes carry a time of writing (zip members' dates): compared by content
BY_CONTENT = {".xlsx", ".docx"}


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MARKER}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("parity")
    out = {}
    for name, args in {
        "propose": ("propose", LOG, *COMMON),
        "report": ("report", LOG, *COMMON),
        "mine_frequency": ("mine", LOG, "--format", ",".join(MAP_FORMATS), "--lang", "en", "--view", "frequency"),
        "mine_performance": ("mine", LOG, "--format", ",".join(MAP_FORMATS), "--lang", "en", "--view", "performance"),
        "profile": ("profile", LOG, "--format", "json"),
        "flag": ("flag", LOG, "--format", "json"),
    }.items():
        code, _, err = invoke(*args, "--out", base / name)
        assert code == 0, f"{name}: {err}"
        out[name] = base / name
    return out


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def xlsx_cells(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [(ws.title, [tuple(row) for row in ws.iter_rows(values_only=True)]) for ws in book.worksheets]


def docx_text(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    import docx

    doc = docx.Document(str(path))
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in doc.tables]
    return [p.text for p in doc.paragraphs], tables


def test_each_service_folder_of_propose_is_in_the_report_with_the_same_files(runs: dict[str, Path]) -> None:
    proposed, reported = files(runs["propose"]), files(runs["report"])
    services = json.loads((runs["propose"] / "kpis.json").read_text(encoding="utf-8"))
    assert len(services) == 8  # every service of the bundled log
    folders = {s["folder"] for s in services}
    maps = {f"{d}/map_{v}.{fmt}" for d in folders for v in ("frequency", "performance") for fmt in MAP_FORMATS}
    # the report adds its page, its profile and the maps, and nothing else
    assert reported - proposed == {"index.html", "report.md", "profile.csv", "profile.json"} | maps
    assert proposed <= reported
    for d in folders:
        assert {f.split("/", 1)[1] for f in proposed if f.startswith(d + "/")} == {
            "as_is_to_be.svg", "as_is_to_be.png", "as_is_to_be.dot", "as_is.bpmn", "to_be.bpmn",
            "to_be_procedure.xlsx", "to_be_procedure.docx", "to_be_procedure.yaml",
            "flags.csv", "flags.json", "proposal.json",
        }
    assert {f for f in proposed if "/" not in f} == {"kpis.json", "kpis.csv", "flags.json", "flags.csv", "edits.yaml"}


def test_every_file_propose_writes_is_the_same_in_the_report(runs: dict[str, Path]) -> None:
    compared = 0
    for name in sorted(files(runs["propose"])):
        a, b = runs["propose"] / name, runs["report"] / name
        if a.suffix == ".csv":  # one schema: the same header and the same rows
            assert csv_rows(a)[0] == csv_rows(b)[0], name
            assert csv_rows(a) == csv_rows(b), name
        elif a.suffix == ".json":
            assert json.loads(a.read_text(encoding="utf-8")) == json.loads(b.read_text(encoding="utf-8")), name
        elif a.suffix == ".xlsx":
            assert xlsx_cells(a) == xlsx_cells(b), name
        elif a.suffix == ".docx":
            assert docx_text(a) == docx_text(b), name
        if a.suffix not in BY_CONTENT:
            assert a.read_bytes() == b.read_bytes(), name
        compared += 1
    assert compared == 8 * 11 + 5


def test_the_tables_have_their_one_schema(runs: dict[str, Path]) -> None:
    for folder in (runs["propose"], runs["report"]):
        kpis = csv_rows(folder / "kpis.csv")
        assert tuple(kpis[0]) == KPI_COLUMNS
        records = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
        assert len(kpis) - 1 == 12 * len(records)
        assert all(set(r["files"]) <= files(folder) and r["files"] for r in records)
        for flags_csv in folder.rglob("flags.csv"):
            assert tuple(csv_rows(flags_csv)[0]) == CSV_COLUMNS, flags_csv
    # the run's flags are the services' flags, in the order of the services
    top = json.loads((runs["report"] / "flags.json").read_text(encoding="utf-8"))
    per_service = [
        f for r in json.loads((runs["report"] / "kpis.json").read_text(encoding="utf-8"))
        for f in json.loads((runs["report"] / r["folder"] / "flags.json").read_text(encoding="utf-8"))
    ]
    assert top == per_service and top


def test_the_report_maps_are_those_mine_writes(runs: dict[str, Path]) -> None:
    compared = 0
    for view in ("frequency", "performance"):
        mined = runs[f"mine_{view}"]
        names = sorted(f for f in files(mined) if f"/map_{view}." in f)
        assert len(names) == 8 * len(MAP_FORMATS)
        for name in names:
            assert (mined / name).read_bytes() == (runs["report"] / name).read_bytes(), name
            compared += 1
    assert compared == 2 * 8 * len(MAP_FORMATS)


def test_profile_and_flag_out_match_the_report(runs: dict[str, Path]) -> None:
    for name in ("profile.csv", "profile.json"):
        assert (runs["profile"] / name).read_bytes() == (runs["report"] / name).read_bytes(), name
    assert csv_rows(runs["flag"] / "flags.csv")[0] == csv_rows(runs["report"] / "flags.csv")[0]

    def key(row: dict[str, object]) -> str:
        return json.dumps(row, sort_keys=True, ensure_ascii=False)

    flagged = json.loads((runs["flag"] / "flags.json").read_text(encoding="utf-8"))
    reported = json.loads((runs["report"] / "flags.json").read_text(encoding="utf-8"))
    assert sorted(map(key, flagged)) == sorted(map(key, reported))
