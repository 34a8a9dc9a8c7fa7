"""``procsimp mine``: maps, models and tables per service, over small, bundled and real logs."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from procsimp.cli.commands.mine import service_slugs, slugify
from tests.conftest import EVENT_LOGS, REAL_LOGS, invoke, real_log_path

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)

ALL = ["svg", "png", "pdf", "dot", "bpmn", "pnml"]
TABLES = ["dfg.csv", "activities.csv", "variants.csv"]
COLUMNS = ["--case", "case_id", "--activity", "activity", "--timestamp", "end_time",
           "--start", "start_time", "--resource", "officer", "--service-column", "service"]
FLOW = ["Tiếp nhận hồ sơ", "Kiểm tra tính đầy đủ", "Thẩm định hồ sơ", "Ký duyệt kết quả", "Trả kết quả"]
SUPPLEMENT = ["Yêu cầu bổ sung hồ sơ", "Nộp bổ sung hồ sơ"]
FORMULA = "=HYPERLINK(\"http://x\")"


def write_log(path: Path) -> Path:
    """Three services: two whose names make the same file name, one with a formula-like step."""
    rows = []
    t0 = pd.Timestamp("2025-03-03 08:00")
    services = {"Cấp phép xây dựng": 40, "Cap phep xay dung": 12, "Đăng ký kết hôn": 15}
    k = 0
    for s, (service, n) in enumerate(services.items()):
        for i in range(n):
            steps = list(FLOW)
            if i % 4 == 0:
                steps[2:2] = SUPPLEMENT + ["Kiểm tra tính đầy đủ"]
            if service == "Đăng ký kết hôn" and i % 3 == 0:
                steps.insert(1, FORMULA)
            t = t0 + pd.Timedelta(hours=5 * i + s)
            for j, act in enumerate(steps):
                start = t + pd.Timedelta(minutes=40 + 17 * ((i + j) % 7))
                t = start + pd.Timedelta(minutes=10 + 9 * ((i * j) % 5))
                rows.append({"case_id": f"{s}-{i:03d}", "service": service, "activity": act,
                             "start_time": start.isoformat(sep=" "), "end_time": t.isoformat(sep=" "),
                             "officer": f"cb{(i + j) % 3}"})
                k += 1
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8")
    return path


def run(*args: object) -> tuple[int, str, str]:
    return invoke("mine", *args)


@pytest.fixture(scope="module")
def small_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_log(tmp_path_factory.mktemp("log") / "dossiers.csv")


@pytest.fixture(scope="module")
def full_run(small_log: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    out = tmp_path_factory.mktemp("mine")
    code, stdout, stderr = run(small_log, *COLUMNS, "--lang", "vi", "--out", out)
    assert code == 0, stderr
    return out, stdout, stderr


def svg_texts(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def svg_tooltips(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [a.get("{http://www.w3.org/1999/xlink}title") or ""
            for a in root.iter("{http://www.w3.org/2000/svg}a")]


def check_bpmn_with_bpmn_moddle(files: list[Path]) -> None:
    """Import every BPMN file with bpmn-moddle (the parser of bpmn.io): no warnings, full DI."""
    script = Path(__file__).resolve().parent / "js" / "check_bpmn.mjs"
    if shutil.which("node") is None or not (script.parent / "node_modules" / "bpmn-moddle").exists():
        pytest.skip("node or the npm package bpmn-moddle (tests/js, `make js-deps`) is missing")
    done = subprocess.run(["node", str(script), *map(str, files)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    reports = json.loads(done.stdout)["files"]
    assert len(reports) == len(files)
    for path, report in zip(files, reports, strict=True):
        assert report["error"] is None, (path, report["error"])
        assert report["warnings"] == [], (path, report["warnings"])
        assert report["nodes_without_shape"] == [] and report["flows_without_edge"] == [], path
        assert report["tasks"] >= 1, path


def check_outputs(folder: Path, formats: list[str], view: str = "frequency") -> None:
    """Every requested file exists, is non-trivial and has the right kind of content."""
    for fmt in formats:
        name = f"model.{fmt}" if fmt in ("bpmn", "pnml") else f"map_{view}.{fmt}"
        path = folder / name
        assert path.exists(), f"{path} missing"
        data = path.read_bytes()
        assert len(data) > 300, f"{path} is nearly empty"
        if fmt == "png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        elif fmt == "pdf":
            assert data[:5] == b"%PDF-"
        elif fmt == "dot":
            assert data.startswith(b"digraph")
        elif fmt == "svg":
            assert etree.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
        elif fmt == "bpmn":
            root = etree.fromstring(data)
            ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
                  "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
            assert root.find("bpmn:process", ns) is not None
            shapes = root.findall(".//bpmndi:BPMNShape", ns)
            tasks = root.findall(".//bpmn:task", ns)
            assert tasks and len(shapes) >= len(tasks)
        elif fmt == "pnml":
            root = etree.fromstring(data)
            assert root.tag.endswith("pnml") and root.findall(".//{*}transition")
    for table in TABLES:
        frame = pd.read_csv(folder / table)
        assert len(frame) > 0, f"{folder / table} is empty"


# ---------------------------------------------------------------------------- small log
def test_every_service_gets_every_format_and_table(full_run: tuple[Path, str, str]) -> None:
    out, stdout, stderr = full_run
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["cap-phep-xay-dung", "cap-phep-xay-dung-2", "dang-ky-ket-hon"]
    for folder in folders:
        check_outputs(out / folder, ALL)
    check_bpmn_with_bpmn_moddle([out / folder / "model.bpmn" for folder in folders])
    summary = json.loads((out / "mine.json").read_text(encoding="utf-8"))
    assert [r["service"] for r in summary] == ["Cap phep xay dung", "Cấp phép xây dựng", "Đăng ký kết hôn"]
    assert [r["folder"] for r in summary] == ["cap-phep-xay-dung", "cap-phep-xay-dung-2", "dang-ky-ket-hon"]
    first = summary[1]
    assert first["cases"] == 40
    assert first["activities_kept"] == first["activities_total"] == 7
    assert first["model"]["tasks"] >= 7 and 0 <= first["model"]["fitness"] <= 1
    assert sorted(Path(f).name for f in first["files"]) == sorted(
        [f"map_frequency.{f}" for f in ALL[:4]] + ["model.bpmn", "model.pnml"] + TABLES
    )
    # the printed summary
    assert "Cấp phép xây dựng -> " in stdout
    assert "  40 cases, " in stdout
    assert "  activities kept 7/7, edges kept " in stdout
    assert stdout.count("  model: ") == 3 and " gateways, fitness " in stdout
    assert f"Wrote {out / 'mine.json'}" in stdout
    assert "Columns used for" in stderr  # the mapping goes to stderr, not stdout


def test_svg_shows_vietnamese_names_exactly(full_run: tuple[Path, str, str]) -> None:
    out, _, _ = full_run
    texts = svg_texts(out / "cap-phep-xay-dung-2" / "map_frequency.svg")
    for name in FLOW + SUPPLEMENT:
        assert name in texts
        assert unicodedata.is_normalized("NFC", name)
    assert "Chú giải" in texts  # --lang vi legend


def test_tables_are_readable_and_formulas_neutralised(full_run: tuple[Path, str, str]) -> None:
    out, _, _ = full_run
    folder = out / "dang-ky-ket-hon"
    with open(folder / "activities.csv", encoding="utf-8", newline="") as handle:
        names = [row["activity"] for row in csv.DictReader(handle)]
    assert "'" + FORMULA in names and FORMULA not in names
    variants = pd.read_csv(folder / "variants.csv")
    other = variants["variant"].str.startswith("other (")  # variants of fewer than 5 dossiers, folded
    assert other.sum() <= 1 and (~other).any()
    assert variants.loc[~other, "variant"].str.startswith("Tiếp nhận hồ sơ → ").all()
    assert (variants.loc[~other, "cases"] >= 5).all()
    dfg = pd.read_csv(folder / "dfg.csv")
    assert {"source", "target", "count"} <= set(dfg.columns)


def test_one_service_filters_view_and_formats(small_log: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run(small_log, *COLUMNS, "--service", "Cấp phép xây dựng",
                               "--activities", "60", "--paths", "50", "--view", "performance",
                               "--format", "svg,dot", "--out", tmp_path)
    assert code == 0, stderr
    folders = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    assert folders == ["cap-phep-xay-dung"]
    files = sorted(p.name for p in (tmp_path / "cap-phep-xay-dung").iterdir())
    assert files == sorted(["map_performance.svg", "map_performance.dot", *TABLES])
    record = json.loads((tmp_path / "mine.json").read_text(encoding="utf-8"))[0]
    assert record["activities_kept"] < record["activities_total"] == 7
    assert record["edges_kept"] < record["edges_total"]
    assert f"activities kept {record['activities_kept']}/7" in stdout
    assert "performance map" in (tmp_path / "cap-phep-xay-dung" / "map_performance.dot").read_text(
        encoding="utf-8"
    )


def test_full_keeps_everything(small_log: Path, tmp_path: Path) -> None:
    code, _, stderr = run(small_log, *COLUMNS, "--service", "Đăng ký kết hôn", "--full",
                          "--format", "dot", "--out", tmp_path)
    assert code == 0, stderr
    record = json.loads((tmp_path / "mine.json").read_text(encoding="utf-8"))[0]
    assert record["activities_kept"] == record["activities_total"] == 8
    assert record["edges_kept"] == record["edges_total"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--activities", "120"], "Error: --activities must be a percentage above 0 and at most 100, "
         "got 120; e.g. --activities 80 keeps the activities covering 80% of events"),
        (["--paths", "0"], "Error: --paths must be a percentage above 0 and at most 100, got 0; "
         "e.g. --paths 50 keeps the paths covering 50% of transitions"),
        (["--min-case-share", "-1"], "Error: --min-case-share '-1' is not above 0 and at most 1 (100%); "
         "write a share from 0 to 1 (0.05) or a percentage (5%)"),
        (["--activities", "nan"], "Error: --activities must be a percentage above 0 and at most 100, "
         "got nan; e.g. --activities 80 keeps the activities covering 80% of events"),
        (["--format", "svg,gif"], "Error: format 'gif' is not supported; use a comma-separated list "
         "of: svg, png, pdf, dot, bpmn, pnml (or 'all')"),
        (["--full", "--activities", "80"], "Error: --full keeps every activity and path, so it cannot "
         "be combined with --activities; drop one of them"),
        (["--variants", "top:0"], "Error: --variants 'top:0': K must be a whole number of at least 1; "
         "write top:K (e.g. top:10) or share:X (e.g. share:0.05 or share:5%)"),
        (["--noise", "2"], "Error: --noise must be between 0 and 1, got 2; e.g. --noise 0.2"),
        (["--service", "Nope"], "Error: service 'Nope' is not in the log {log}; services in the log: "
         "'Cap phep xay dung', 'Cấp phép xây dựng', 'Đăng ký kết hôn'"),
    ],
)
def test_bad_options_give_one_error_line(small_log: Path, tmp_path: Path, args: list[str], message: str) -> None:
    code, stdout, stderr = run(small_log, *COLUMNS, *args, "--out", tmp_path)
    assert code == 1
    assert stderr.strip().splitlines()[-1] == message.format(log=small_log)
    assert "Traceback" not in stderr
    assert not (tmp_path / "mine.json").exists()


def test_fraction_given_as_percentage_is_warned(small_log: Path, tmp_path: Path) -> None:
    code, _, stderr = run(small_log, *COLUMNS, "--service", "Cấp phép xây dựng", "--activities", "0.8",
                          "--format", "dot", "--out", tmp_path)
    assert code == 0
    assert "Warning: --activities 0.8 means 0.8% (percentages); for 80% write --activities 80" in stderr


def test_missing_dot_program_is_one_error_line(small_log: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from procsimp.mine.render.fonts import font_family

    font_family()  # resolved while fontconfig is on PATH (it is cached)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, _, stderr = run(small_log, *COLUMNS, "--service", "Cấp phép xây dựng", "--format", "svg",
                          "--out", tmp_path / "out")
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        "Error: writing a SVG diagram needs Graphviz's `dot` program, which was not found on PATH; "
        "install Graphviz: sudo apt-get install graphviz fonts-dejavu-core fonts-noto-core (macOS: "
        "brew install graphviz; Windows: winget install graphviz), or run `make install`. The DOT "
        "source can still be written with --format dot"
    )


def test_slugs_are_safe_distinct_and_stable() -> None:
    assert slugify("Cấp giấy phép xây dựng") == "cap-giay-phep-xay-dung"
    assert slugify("ĐĂNG KÝ KẾT HÔN") == "dang-ky-ket-hon"
    assert slugify(unicodedata.normalize("NFD", "Đăng ký kết hôn")) == "dang-ky-ket-hon"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("nul") == "nul-service"
    assert slugify("登记") == slugify("登记") and slugify("登记").startswith("service-")
    assert slugify("登记") != slugify("结婚")
    long = slugify("Thủ tục " * 30)
    assert len(long) <= 60 and not long.endswith("-")
    slugs = service_slugs(["Cấp phép", "Cap phep", "CAP PHÉP", "Cấp phép"])
    assert slugs == {"Cấp phép": "cap-phep", "Cap phep": "cap-phep-2", "CAP PHÉP": "cap-phep-3"}


# ---------------------------------------------------------------------------- bundled logs
BUNDLED = sorted(
    p for p in EVENT_LOGS.glob("*")
    if p.is_file() and p.suffix in (".csv", ".parquet", ".xes", ".gz", ".xlsx") and "to_be" not in p.name
) if EVENT_LOGS.exists() else []


@pytest.mark.parametrize("path", BUNDLED or [None], ids=lambda p: p.name if p else "none")
def test_bundled_logs_every_service_every_format(path: Path | None, tmp_path: Path) -> None:
    if path is None:
        pytest.skip(f"no bundled log found in {EVENT_LOGS} (generated by `procsimp generate`)")
    code, stdout, stderr = run(path, "--lang", "vi", "--out", tmp_path)
    assert code == 0, stderr
    summary = json.loads((tmp_path / "mine.json").read_text(encoding="utf-8"))
    assert summary
    for record in summary:
        folder = tmp_path / record["folder"]
        check_outputs(folder, ALL)
        names = pd.read_csv(folder / "activities.csv")["activity"].astype(str).tolist()
        texts = svg_texts(folder / "map_frequency.svg")
        shown = [n for n in names if len(n) <= 36]
        assert shown and all(n in texts for n in shown)
        if "_vi" in path.name:  # Vietnamese labels, drawn with their diacritics
            assert any(not n.isascii() for n in shown)
    check_bpmn_with_bpmn_moddle([tmp_path / r["folder"] / "model.bpmn" for r in summary])


# ---------------------------------------------------------------------------- real logs
#: real logs mined with every format (maps and models)
REAL_ALL_FORMATS = [
    "running-example.xes",
    "roadtraffic100traces.xes",
    "Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz",
    "Sepsis_Cases-Event_Log.xes.gz",
]
#: the larger ones: the map formats only, to keep the run short (model discovery with fitness
#: and precision takes 3-10 s on each; the model's own tests cover their BPMN and PNML)
REAL_MAP_FORMATS = [
    "BPIC15_1.xes.gz", "BPIC15_2.xes.gz", "BPIC15_3.xes.gz",
    "CoSeLoG_WABO_1.xes.gz", "CoSeLoG_WABO_2.xes.gz", "CoSeLoG_WABO_3.xes.gz",
    "BPIC12.xes.gz", "15_bpic2020_permit_log_1t_per_variant.xes.gz",
]
REAL = REAL_ALL_FORMATS + REAL_MAP_FORMATS


@pytest.fixture(scope="module", params=REAL, ids=lambda n: n.split(".")[0][:40])
def real_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    path = real_log_path(request.param)
    out = tmp_path_factory.mktemp("real")
    formats = ALL if request.param in REAL_ALL_FORMATS else ["svg", "pdf", "dot"]
    code, stdout, stderr = run(path, "--format", ",".join(formats), "--out", out)
    assert code == 0, stderr
    return request.param, out, stdout, formats


@pytest.mark.real_logs
def test_real_log_writes_formats_and_shows_activity_names(real_run) -> None:
    name, out, stdout, formats = real_run
    summary = json.loads((out / "mine.json").read_text(encoding="utf-8"))
    assert len(summary) >= 1
    for record in summary:
        folder = out / record["folder"]
        check_outputs(folder, formats)
        kept = pd.read_csv(folder / "activities.csv", keep_default_na=False)["activity"].astype(str).tolist()
        assert len(kept) == record["activities_kept"] <= 40
        texts = svg_texts(folder / "map_frequency.svg")
        tips = {t.split("\n")[0] for t in svg_tooltips(folder / "map_frequency.svg")}
        for act in kept:
            # a short name is one text line; a long one is wrapped, its full name in the tooltip
            drawn = act in texts if len(act) <= 36 else (
                act.replace("\\", "⧵") in tips and any(t and act.startswith(t) for t in texts)
            )
            assert drawn, f"{act!r} not shown in the map of {name}"
        if "bpmn" in formats:
            assert record["model"]["sound"] is True
            assert record["model"]["tasks"] >= 1
    if "bpmn" in formats:
        check_bpmn_with_bpmn_moddle([out / r["folder"] / "model.bpmn" for r in summary])
    if name == "BPIC15_1.xes.gz":
        (record,) = summary
        assert record["activities_total"] > 300
        assert record["activities_kept"] <= 40  # the default map stays legible
        assert record["edges_kept"] <= 130


def test_real_logs_folder_is_known() -> None:
    if not REAL_LOGS.exists():
        pytest.skip(f"{REAL_LOGS} is absent: the real-log tests above skip")
    present = {p.name for p in REAL_LOGS.iterdir()}
    assert set(REAL) <= present, f"not tested: {sorted(set(REAL) - present)}"
