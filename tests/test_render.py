"""Process-map rendering: DOT/SVG/PNG/PDF, fonts with Vietnamese diacritics, determinism."""

from __future__ import annotations

import html
import os
import pickle
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from lxml import etree

from procsimp.core.log import EventLog
from procsimp.errors import OptionalDependencyError, ParameterError, ProcsimpError
from procsimp.flag.base import fmt_hours, fmt_hours_vi
from procsimp.mine import END_NODE, START_NODE, ProcessMap, mine
from procsimp.mine.render import fonts
from procsimp.mine.render import graphviz as gv
from procsimp.read import frame_to_log

GOLDEN = Path(__file__).resolve().parent / "golden" / "maps"
UPDATE_GOLDEN = os.environ.get("PROCSIMP_UPDATE_GOLDEN") == "1"
SVG_NS = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)

STAGES = [
    "Tiếp nhận hồ sơ",
    "Kiểm tra tính đầy đủ",
    "Yêu cầu bổ sung hồ sơ",
    "Nộp bổ sung hồ sơ",
    "Chuyển hồ sơ đến phòng chuyên môn",
    "Thẩm định hồ sơ",
    "Ký duyệt kết quả",
    "Thông báo từ chối",
    "Trả kết quả",
]


# ---------------------------------------------------------------------------- builders
def dossier_log(n: int = 60, seed: int = 3, service: str = "Cấp giấy phép xây dựng", nfd: bool = False) -> EventLog:
    """A small one-stop-shop log: receipt, check, optional supplement loop, rejection or approval."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2025-03-03 08:00", tz="Asia/Ho_Chi_Minh")
    rows = []
    for i in range(n):
        t = base + pd.Timedelta(hours=int(rng.integers(0, 200)))
        seq = STAGES[:2]
        if i % 5 == 0:
            seq = seq + [STAGES[2], STAGES[3], STAGES[1]]
        seq = seq + ([STAGES[7]] if i % 7 == 0 else [STAGES[4], STAGES[5], STAGES[6], STAGES[8]])
        for act in seq:
            t = t + pd.Timedelta(minutes=int(rng.integers(30, 900)))
            start = t
            t = t + pd.Timedelta(minutes=int(rng.integers(5, 240)))
            name = unicodedata.normalize("NFD", act) if nfd else act
            rows.append({"case": f"HS{i:03d}", "act": name, "start": start, "end": t,
                         "res": f"cb{int(rng.integers(1, 4))}", "svc": service})
    return frame_to_log(pd.DataFrame(rows), case="case", activity="act", timestamp="end",
                               start="start", resource="res", service="svc")


def fixed_map(names: dict[str, str] | None = None, order: int = 1) -> ProcessMap:
    """A hand-made ProcessMap with fixed figures (independent of the engine): for golden files.

    ``names`` renames activities; ``order=-1`` inserts nodes and edges in reverse order.
    """
    names = names or {}
    acts = {
        "Tiếp nhận hồ sơ": (1200, 0.3, None),
        "Kiểm tra tính đầy đủ": (1300, 1.5, 2.0),
        "Yêu cầu bổ sung hồ sơ": (100, 0.5, 3.0),
        "Chuyển hồ sơ đến phòng chuyên môn": (1100, 0.01, 10.0),
        "Thẩm định hồ sơ": (1100, 9.0, 20.0),
        "Ký duyệt kết quả": (1050, 0.5, 40.0),
        "Thông báo từ chối": (150, 0.2, 5.0),
        "Trả kết quả": (1050, 0.1, 80.0),
    }
    flows = [
        (START_NODE, "Tiếp nhận hồ sơ", 1200, None),
        ("Tiếp nhận hồ sơ", "Kiểm tra tính đầy đủ", 1200, 2.0),
        ("Kiểm tra tính đầy đủ", "Yêu cầu bổ sung hồ sơ", 100, 3.0),
        ("Yêu cầu bổ sung hồ sơ", "Kiểm tra tính đầy đủ", 100, 30.0),
        ("Kiểm tra tính đầy đủ", "Chuyển hồ sơ đến phòng chuyên môn", 1100, 10.0),
        ("Kiểm tra tính đầy đủ", "Thông báo từ chối", 100, 5.0),
        ("Chuyển hồ sơ đến phòng chuyên môn", "Thẩm định hồ sơ", 1100, 20.0),
        ("Thẩm định hồ sơ", "Ký duyệt kết quả", 1050, 40.0),
        ("Thẩm định hồ sơ", "Thông báo từ chối", 50, 8.0),
        ("Ký duyệt kết quả", "Trả kết quả", 1050, 80.0),
        ("Thông báo từ chối", END_NODE, 150, None),
        ("Trả kết quả", END_NODE, 1050, None),
    ]

    def n(a: str) -> str:
        return names.get(a, a)

    g = nx.DiGraph()
    nodes = [(START_NODE, {"events": 1200, "cases": 1200})] + [
        (n(a), {"events": ev, "cases": min(ev, 1200), "proc_hours_mean": p, "proc_hours_median": p,
                "proc_hours_p90": 2 * p, "wait_hours_mean": w})
        for a, (ev, p, w) in acts.items()
    ] + [(END_NODE, {"events": 1200, "cases": 1200})]
    for node, data in nodes[::order]:
        g.add_node(node, **data)
    for s, t, c, w in flows[::order]:
        g.add_edge(n(s), n(t), count=c, cases=c, wait_hours_mean=w, wait_hours_median=w,
                   wait_hours_p90=None if w is None else 2 * w,
                   wait_days_mean=None if w is None else w / 7.5 * 1.4)
    empty = pd.DataFrame()
    return ProcessMap(service="Cấp giấy phép xây dựng", dfg=empty, activities=empty, variants=empty,
                      start_end=empty, n_cases=1200, n_events=7050,
                      filters={"activities_kept": 8, "activities_total": 9, "edges_kept": 12,
                               "edges_total": 15},
                      graph=g)


@pytest.fixture(scope="module")
def mined() -> ProcessMap:
    return mine(dossier_log())


def svg_texts(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iterfind(".//svg:text", SVG_NS)]


def svg_tooltips(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    return [a.get(XLINK_TITLE) for a in root.iterfind(".//svg:a", SVG_NS) if a.get(XLINK_TITLE)]


def activity_ids(dot) -> dict[str, str]:
    """{first label line: node id} of the activity boxes of a map_dot drawing."""
    found = {}
    for line in dot.body:
        m = re.match(r"\s*(a\d+) \[label=<(.*?)<br/>", line)
        if m:
            found[m.group(2)] = m.group(1)
    return found


def normalise_svg(svg: str) -> str:
    """Remove what may change between identical renders: comments and ids."""
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r'\s(id|xlink:href)="[^"]*"', "", svg)
    return svg.strip() + "\n"


def graphviz_version() -> str:
    out = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=True)
    return re.search(r"version\s+(\S+)", out.stderr + out.stdout).group(1)


# ---------------------------------------------------------------------------- fonts
def test_font_family_has_every_vietnamese_letter_and_diagram_symbol() -> None:
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed, so the font cannot be resolved")
    family = fonts.font_family()
    assert family in fonts.PREFERRED_FAMILIES
    path = fonts.font_file(family)
    assert path is not None and path.exists(), f"fc-match does not resolve {family!r} to itself"
    assert len(fonts.VIETNAMESE_LETTERS) == 2 * (12 * 6 + 1)
    assert fonts.missing_glyphs(fonts.VIETNAMESE_LETTERS + fonts.DIAGRAM_SYMBOLS, family) == []
    # the same fact from fontconfig itself: the family is among those covering ế (U+1EBF)
    listed = subprocess.run(["fc-list", ":charset=1ebf", "family"], capture_output=True,
                            text=True, check=True).stdout
    assert family in {f.strip() for line in listed.splitlines() for f in line.split(",")}


def test_missing_glyphs_detects_a_font_without_vietnamese() -> None:
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    # Noto Sans lacks the arrows and shapes; an unknown family lacks everything
    if fonts.font_file("Noto Sans") is not None:
        assert fonts.missing_glyphs("ế▶", "Noto Sans") == ["▶"]
    assert fonts.missing_glyphs("aế", "No Such Font Family 123") == ["a", "ế"]


def test_font_is_set_on_graph_nodes_and_edges() -> None:
    source = gv.map_dot(fixed_map()).source
    family = fonts.font_family()
    for kind in ("graph", "node", "edge"):
        line = next(x for x in source.splitlines() if x.strip().startswith(f"{kind} ["))
        assert f'fontname="{family}"' in line


# ---------------------------------------------------------------------------- SVG content
@needs_dot
def test_svg_shows_exact_nfc_activity_names_from_a_mined_log(mined: ProcessMap) -> None:
    svg = gv.map_dot(mined, lang="vi").pipe(format="svg")
    texts = svg_texts(svg)
    for name in STAGES:
        assert name in texts, f"{name!r} not drawn as one text element"
    assert "Tiếp nhận hồ sơ" in texts
    # a log written with decomposed letters is drawn with the same precomposed (NFC) names
    nfd_svg = gv.map_dot(mine(dossier_log(nfd=True))).pipe(format="svg").decode("utf-8")
    assert "Tiếp nhận hồ sơ" in nfd_svg
    assert unicodedata.normalize("NFD", "Tiếp nhận hồ sơ") not in nfd_svg


@needs_dot
def test_frequency_and_performance_views_label_counts_and_times(mined: ProcessMap) -> None:
    graph = mined.graph
    freq = svg_texts(gv.map_dot(mined, view="frequency").pipe(format="svg"))
    perf = svg_texts(gv.map_dot(mined, view="performance").pipe(format="svg"))
    events = int(graph.nodes["Kiểm tra tính đầy đủ"]["events"])
    assert f"{events:,}" in freq
    count = int(graph.edges["Tiếp nhận hồ sơ", "Kiểm tra tính đầy đủ"]["count"])
    assert f" {count:,} " in freq  # edge label
    unit = re.compile(r"^(< 1 min|\d+ min|[\d.,]+ [hd])$")
    assert sum(bool(unit.match(t.strip())) for t in perf) >= len(STAGES)
    assert "frequency map" in " ".join(freq) and "performance map" in " ".join(perf)


def test_arrow_width_grows_with_frequency_and_colour_follows_waiting() -> None:
    dot = gv.map_dot(fixed_map())
    edges = {}
    for line in dot.body:
        m = re.match(r'\s*(\w+) -> (\w+) \[.*?color="([^"]+)".*?penwidth=([\d.]+)', line)
        if m:
            edges[(m.group(1), m.group(2))] = (m.group(3), float(m.group(4)))
    ids = activity_ids(dot)
    big = edges[(ids["Tiếp nhận hồ sơ"], ids["Kiểm tra tính đầy đủ"])]  # 1200, 2 h
    small = edges[(ids["Thẩm định hồ sơ"], ids["Thông báo từ chối"])]  # 50, 8 h > 1 d of 7.5 h
    mid = edges[(ids["Kiểm tra tính đầy đủ"], ids["Thông báo từ chối"])]  # 100, 5 h
    slow = edges[(ids["Ký duyệt kết quả"], ids["Trả kết quả"])]  # 1050, 80 h = 10.7 d
    assert big[1] > slow[1] > small[1] >= 1.0
    assert big[1] <= 7.0
    # colours: bands bounded by the map's own quantiles of the waiting times
    scale = gv.time_scale(fixed_map())
    assert scale.colour(2.0) == big[0] and scale.colour(5.0) == mid[0]
    assert scale.colour(8.0) == small[0] and scale.colour(80.0) == slow[0]
    bins = dict((c, i) for i, c in enumerate(scale.colours))
    assert bins[slow[0]] >= bins[small[0]] >= bins[mid[0]] >= bins[big[0]]
    assert bins[slow[0]] > bins[big[0]] and len(scale.colours) >= 4
    assert small[1] < mid[1] < big[1]


def test_time_labels_and_bins_in_both_languages() -> None:
    assert [label for label, _ in gv.time_bins(7.5, "en")] == [
        "< 1 h", "1–4 h", "4 h–1 d", "1–3 d", "3–10 d", "≥ 10 d"]
    assert [label for label, _ in gv.time_bins(7.5, "vi")] == [
        "< 1 giờ", "1–4 giờ", "4 giờ–1 ngày", "1–3 ngày", "3–10 ngày", "≥ 10 ngày"]
    assert gv.duration_label(0.0, hours_per_day=7.5) == "0 min"
    assert gv.duration_label(0.005, hours_per_day=7.5) == "< 1 min"
    assert gv.duration_label(0.5, hours_per_day=7.5) == "30 min"
    assert gv.duration_label(4.25, hours_per_day=7.5) == "4.3 h"
    assert gv.duration_label(15.0, hours_per_day=7.5) == "2.0 d"
    assert gv.duration_label(15.0, hours_per_day=7.5, lang="vi") == "2,0 ngày"
    assert gv.duration_label(7.5 * 250, hours_per_day=7.5) == "250 d"
    assert gv.duration_label(None, hours_per_day=7.5) == "–"
    assert gv.count_label(1234567, lang="vi") == "1.234.567"
    assert gv.count_label(1234567, lang="en") == "1,234,567"


def test_figures_round_half_up_as_written() -> None:
    # a tie rounds up whatever its binary form: Python's round/format would give 4.2 but 4.8,
    # 30 min but 32 min, 2 but 4
    assert [gv.duration_label(h) for h in (4.25, 4.75, 4.35, 4.65)] == ["4.3 h", "4.8 h", "4.4 h", "4.7 h"]
    assert gv.duration_label(4.25, lang="vi") == "4,3 giờ"
    assert [gv.duration_label(m / 60) for m in (30.5, 31.5, 2.5)] == ["31 min", "32 min", "3 min"]
    assert gv.duration_label(7.5 * 2.25, hours_per_day=7.5) == "2.3 d"
    assert gv.duration_label(7.5 * 100.5, hours_per_day=7.5) == "101 d"
    assert [gv.count_label(x) for x in (2.5, 3.5, 1234.5)] == ["3", "4", "1,235"]
    assert gv.count_label(None, lang="vi") == "–"
    with pytest.raises(ParameterError, match="lang"):
        gv.duration_label(1.0, lang="fr")
    # the flags' wording rounds as the maps do
    assert [fmt_hours(h) for h in (4.25, 4.75, 30.5 / 60, 7.5 * 2.25)] == [
        "4.3 h", "4.8 h", "31 min", "2.3 working days"]
    assert fmt_hours_vi(4.25) == "4,3 giờ"


def test_vietnamese_legend_and_title() -> None:
    source = gv.map_dot(fixed_map(), lang="vi").source
    assert "1.200 hồ sơ · 7.050 sự kiện · 8 trên 9 bước hiển thị" in source
    assert "Chú giải" in source and "Thời gian chờ trung bình" in source
    assert "ngày làm việc (7,5 giờ)" in source
    english = gv.map_dot(fixed_map(), lang="en").source
    assert "1,200 cases · 7,050 events · 8 of 9 activities shown · 12 of 15 paths shown" in english
    assert "working days of 7.5 h" in english
    assert "cluster_legend" in english
    assert "cluster_legend" not in gv.map_dot(fixed_map(), legend=False).source


# ---------------------------------------------------------------------------- safety
NASTY = {
    "Tiếp nhận hồ sơ": 'Say "yes" to <b>bold</b> & co',
    "Kiểm tra tính đầy đủ": "C:\\path\\N\\l and \\",
    "Yêu cầu bổ sung hồ sơ": "a > b && c < d; {x} [y] |z|",
    "Thẩm định hồ sơ": "Thẩm định, trình lãnh đạo phòng xem xét và ký nháy trước khi chuyển văn thư "
    "đóng dấu phát hành kết quả giải quyết thủ tục hành chính cho tổ chức, cá nhân",
}
#: the first line of NASTY's long name as the box shows it (wrapped at 28 characters)
LONG_FIRST_LINE = {NASTY["Thẩm định hồ sơ"]: "Thẩm định, trình lãnh đạo"}


@needs_dot
def test_names_are_escaped_and_long_names_wrapped_with_full_tooltip() -> None:
    pmap = fixed_map(NASTY)
    svg = gv.map_dot(pmap).pipe(format="svg")  # dot would fail on a syntax error
    texts = svg_texts(svg)
    tips = svg_tooltips(svg)
    for name in list(NASTY.values())[:3]:
        assert name in texts, name
        # arrow tooltips name both ends exactly; a box tooltip draws a backslash as "⧵"
        assert any(t.splitlines()[0].startswith(f"{name} → ") for t in tips), name
        assert any(t.splitlines()[0] == name.replace("\\", "⧵") for t in tips), name
    assert not any(re.search(r"\ba\d+\b", t) for t in texts + tips)  # no \N expanded to an id
    long_name = NASTY["Thẩm định hồ sơ"]
    assert long_name not in texts
    wrapped = [t for t in texts if long_name.startswith(t.rstrip("…")) or t.endswith("…")]
    assert wrapped and any(t.endswith("…") for t in texts)
    assert all(len(t) <= 28 for t in texts if t and long_name.find(t.rstrip("…")) >= 0)
    assert any(t.splitlines()[0] == long_name for t in tips)


def test_ghosted_steps_are_grey_and_dashed_with_their_arrows() -> None:
    gone = "Chuyển hồ sơ đến phòng chuyên môn"
    dot = gv.map_dot(fixed_map(), ghost=[gone, ("Ký duyệt kết quả", "Trả kết quả")])
    body = "\n".join(dot.body)
    node_id = activity_ids(dot)[gone]
    node_line = next(x for x in dot.body if x.strip().startswith(f"{node_id} ["))
    assert "dashed" in node_line and gv._GHOST_FILL in node_line
    touching = [x for x in dot.body if "->" in x and re.search(rf"\b{node_id}\b", x)]
    assert len(touching) == 2 and all("dashed" in x and gv._GHOST_LINE in x for x in touching)
    dashed_edges = [x for x in dot.body if "->" in x and "style=dashed" in x]
    assert len(dashed_edges) == 3  # the two arrows of the step and the ghosted pair
    assert "removed by the proposal" in body
    plain = gv.map_dot(fixed_map())
    assert not [x for x in plain.body if "style=dashed" in x]
    # names the map does not show are ignored; NFD input matches NFC names
    assert gv.map_dot(fixed_map(), ghost=[unicodedata.normalize("NFD", gone), "Not here"]).source.count(
        gv._GHOST_FILL
    ) == 1


def test_bad_arguments_give_teaching_errors() -> None:
    pmap = fixed_map()
    with pytest.raises(ParameterError, match=r"^view='flow' is not allowed; use one of: 'frequency', 'performance'$"):
        gv.map_dot(pmap, view="flow")
    with pytest.raises(ParameterError, match=r"^lang='fr' is not allowed; use one of: 'en', 'vi'$"):
        gv.map_dot(pmap, lang="fr")
    with pytest.raises(ParameterError, match="neither an activity name nor a"):
        gv.map_dot(pmap, ghost=[42])
    with pytest.raises(ParameterError, match="map_dot needs a ProcessMap .* got DataFrame"):
        gv.map_dot(pd.DataFrame())
    with pytest.raises(ParameterError, match="format 'gif' is not supported; use a comma-separated"):
        gv.parse_formats("svg,gif")
    assert gv.parse_formats(" SVG, .png,svg ") == ["svg", "png"]
    assert gv.parse_formats("all") == list(gv.FORMATS)
    with pytest.raises(ParameterError, match="cannot tell the format of"):
        gv.write_map(pmap, "map")


# ---------------------------------------------------------------------------- determinism
@needs_dot
def test_same_input_gives_identical_dot_and_svg_bytes() -> None:
    a = gv.map_dot(fixed_map())
    b = gv.map_dot(fixed_map(order=-1))  # same content, reverse insertion order
    assert a.source == b.source
    assert a.pipe(format="svg") == b.pipe(format="svg")


#: mines a log and draws it and a pickled map; prints DOT and SVG bytes
_DRAW = """
import pickle, sys
from procsimp.read import read_log
from procsimp.mine import mine
from procsimp.mine.render import graphviz as gv
pmap = mine(read_log(sys.argv[1], cache=False))
with open(sys.argv[2], "rb") as f:
    fixed = pickle.load(f)
out = sys.stdout.buffer
for dot in (gv.map_dot(pmap, lang="vi"), gv.map_dot(pmap, view="performance"), gv.map_dot(fixed, lang="vi")):
    out.write(dot.source.encode("utf-8") + b"\\0" + dot.pipe(format="svg") + b"\\0")
"""


@needs_dot
def test_mining_and_drawing_give_the_same_bytes_under_any_hash_seed(tmp_path: Path) -> None:
    """Two processes with different string hashes (set and dict-of-set orders differ)."""
    from procsimp.read import write_log

    log_file = write_log(dossier_log(), tmp_path / "log.csv")
    map_file = tmp_path / "fixed.pkl"
    map_file.write_bytes(pickle.dumps(fixed_map()))
    root = Path(__file__).resolve().parent.parent
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run([sys.executable, "-c", _DRAW, str(log_file), str(map_file)],
                              env=env, cwd=tmp_path, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        runs.append(done.stdout)
    parts = runs[0].split(b"\0")
    assert len(parts) == 7 and b"digraph" in parts[0] and b"<svg" in parts[1]
    assert "Tiếp nhận hồ sơ".encode() in parts[0] and "Thẩm định hồ sơ".encode() in parts[4]
    assert runs[0] == runs[1]


@needs_dot
def test_golden_dot_and_svg() -> None:
    pmap = fixed_map()
    dot = gv.map_dot(pmap, view="performance", lang="vi", ghost=["Chuyển hồ sơ đến phòng chuyên môn"])
    svg = normalise_svg(dot.pipe(format="svg").decode("utf-8"))
    version = graphviz_version()
    family = fonts.font_family()
    header = f"<!-- golden: graphviz {version}, font {family} -->\n"
    dot_file, svg_file = GOLDEN / "fixed_performance_vi.dot", GOLDEN / "fixed_performance_vi.svg"
    if UPDATE_GOLDEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        dot_file.write_text(dot.source, encoding="utf-8")
        svg_file.write_text(header + svg, encoding="utf-8")
    assert dot_file.exists(), "golden file missing: run with PROCSIMP_UPDATE_GOLDEN=1"
    assert dot.source == dot_file.read_text(encoding="utf-8"), (
        "DOT differs from the golden file; if the change is intended, rerun with "
        "PROCSIMP_UPDATE_GOLDEN=1"
    )
    golden_header, golden_svg = svg_file.read_text(encoding="utf-8").split("\n", 1)
    if golden_header != header.strip():
        pytest.skip(f"the golden SVG was made with {golden_header[15:-4]}; this machine has "
                    f"graphviz {version}, font {family}: layouts differ between versions")
    assert svg == golden_svg, "SVG differs from the golden file; rerun with PROCSIMP_UPDATE_GOLDEN=1"


# ---------------------------------------------------------------------------- files
@needs_dot
def test_write_map_writes_valid_svg_png_pdf_and_dot(tmp_path: Path, mined: ProcessMap, artifacts_dir: Path) -> None:
    out = gv.render_formats(mined, tmp_path / "m", "map_frequency", "svg,png,pdf,dot", lang="vi")
    assert sorted(out) == ["dot", "pdf", "png", "svg"]
    png = out["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 1000 and height > 200
    pdf = out["pdf"].read_bytes()
    assert pdf[:5] == b"%PDF-" and b"%%EOF" in pdf[-64:] and len(pdf) > 5_000
    assert b"FontFile" in pdf or b"FontFile2" in pdf  # fonts are embedded
    svg = out["svg"].read_bytes()
    assert svg.lstrip().startswith(b"<?xml") and "Tiếp nhận hồ sơ" in svg_texts(svg)
    assert out["dot"].read_text(encoding="utf-8") == gv.map_dot(mined, lang="vi").source
    assert not list((tmp_path / "m").glob(".*.part"))  # atomic writes leave no temporary file
    # format from the suffix; a copy kept for a person to look at
    keep = gv.write_map(mined, artifacts_dir / "map_performance_vi.png", view="performance", lang="vi")
    assert keep.read_bytes()[:4] == b"\x89PNG"
    gv.write_map(mined, artifacts_dir / "map_frequency_vi.svg", lang="vi")


def test_missing_dot_program_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fonts.font_family()  # resolved (and cached) while fontconfig is still on PATH
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` anywhere on PATH
    pmap = fixed_map()
    with pytest.raises(OptionalDependencyError) as info:
        gv.write_map(pmap, tmp_path / "m.svg")
    message = str(info.value)
    assert "Graphviz's `dot` program" in message
    assert "sudo apt-get install graphviz" in message
    assert "--format dot" in message
    assert not (tmp_path / "m.svg").exists()
    # the DOT source needs no program
    assert gv.write_map(pmap, tmp_path / "m.dot").read_text(encoding="utf-8").startswith("digraph")


@needs_dot
def test_combined_maps_stack_in_order_with_a_caption_and_no_id_clash() -> None:
    asis = gv.map_dot(fixed_map(), id_prefix="asis_", title="As-is", legend=False)
    tobe = gv.map_dot(fixed_map(), id_prefix="tobe_", title="To-be", ghost=["Thẩm định hồ sơ"])
    both = gv.combine_maps([asis, tobe], caption=["Lead time −2.1 d", "On time +12 points"])
    svg = both.pipe(format="svg")
    root = etree.fromstring(svg)
    y = {"".join(t.itertext()): float(t.get("y")) for t in root.iterfind(".//svg:text", SVG_NS)}
    assert y["As-is"] < y["To-be"] < y["Lead time −2.1 d"]  # top to bottom (SVG y grows down)
    assert svg_texts(svg).count("Tiếp nhận hồ sơ") == 2
    titles = [t.text for t in root.iterfind(".//svg:g[@class='node']/svg:title", SVG_NS)]
    assert len(titles) == len(set(titles)) == 2 * (8 + 2) + 1  # two maps, one legend
    with pytest.raises(ParameterError, match="distinct id_prefix"):
        gv.combine_maps([asis, gv.map_dot(fixed_map(), id_prefix="asis_")])


def big_map(n: int = 22) -> ProcessMap:
    """Every activity followed by every other one: n * (n - 1) arrows plus start and end."""
    g = nx.DiGraph()
    g.add_node(START_NODE)
    g.add_node(END_NODE)
    names = [f"Bước {i:02d}" for i in range(n)]
    for i, a in enumerate(names):
        g.add_node(a, events=100 + i, cases=100, proc_hours_mean=1.0, wait_hours_mean=2.0)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if a != b:
                g.add_edge(a, b, count=1 + (i * j) % 17, cases=1, wait_hours_mean=float(j))
    g.add_edge(START_NODE, names[0], count=100, cases=100)
    g.add_edge(names[-1], END_NODE, count=100, cases=100)
    empty = pd.DataFrame()
    return ProcessMap(service="big", dfg=empty, activities=empty, variants=empty, start_end=empty,
                      n_cases=100, n_events=2000, filters={}, graph=g)


@needs_dot
def test_large_maps_move_arrow_figures_to_tooltips_and_lay_out_fast() -> None:
    pmap = big_map()
    assert pmap.graph.number_of_edges() > gv.LABELLED_ARROWS_MAX
    dot = gv.map_dot(pmap)
    arrows = [x for x in dot.body if "->" in x and "invis" not in x]
    assert len(arrows) == pmap.graph.number_of_edges()
    assert not any(re.search(r"(?<![\w])label=", x) for x in arrows)
    assert all("tooltip=" in x for x in arrows)
    assert 'mclimit=0.05' in dot.source and "splines" not in dot.source
    assert "the figures of each arrow are in its tooltip" in dot.source
    svg = dot.pipe(format="svg")
    assert "Bước 07" in svg_texts(svg)
    forced = gv.map_dot(pmap, arrow_labels=True)
    assert sum(bool(re.search(r"(?<![\w])label=", x)) for x in forced.body if "->" in x) == len(arrows)
    small = gv.map_dot(fixed_map())
    assert "mclimit" not in small.source


def test_node_ids_match_the_drawing_and_empty_title_draws_none() -> None:
    pmap = fixed_map(NASTY)
    ids = gv.node_ids(pmap, id_prefix="asis_")
    dot = gv.map_dot(pmap, id_prefix="asis_", title="")
    assert ids[START_NODE] == "asis_start" and ids[END_NODE] == "asis_end"
    assert len(ids) == pmap.graph.number_of_nodes()
    for name, node in ids.items():
        if name in (START_NODE, END_NODE):
            continue
        line = next(x for x in dot.body if x.strip().startswith(f"{node} ["))
        # the first line of the box: the whole name up to 36 characters, else wrapped at 28;
        # in an HTML-like label, entities for & < > and backslashes doubled (Graphviz halves them)
        first = LONG_FIRST_LINE.get(name, name)
        assert len(name) <= 36 or name in LONG_FIRST_LINE
        escaped = html.escape(first, quote=False).replace("\\", "\\\\")
        assert f"label=<{escaped}" in line, name
    assert not any(x.strip().startswith("graph [") and "label=" in x for x in dot.body)


@needs_dot
def test_svg_and_pdf_from_one_layout_are_the_bytes_of_separate_runs(tmp_path: Path) -> None:
    """``render_formats`` lays a map out once for its SVG and PDF (one Graphviz process writing
    both): the files are those of one process per format (the PDF but its creation date)."""
    pmap = fixed_map()
    dot = gv.map_dot(pmap, lang="vi")
    both = gv.pipe_formats(dot, ["svg", "pdf"])
    assert both["svg"] == gv.pipe(dot, "svg")
    undated = re.compile(rb"/CreationDate \(D:[0-9Z+'-]*\)")
    assert both["pdf"].startswith(b"%PDF")
    assert undated.sub(b"", both["pdf"]) == undated.sub(b"", gv.pipe(dot, "pdf"))
    written = gv.render_formats(pmap, tmp_path, "map", ["svg", "png", "pdf", "dot"], lang="vi")
    assert sorted(written) == ["dot", "pdf", "png", "svg"]
    assert (tmp_path / "map.svg").read_bytes() == both["svg"]
    assert undated.sub(b"", (tmp_path / "map.pdf").read_bytes()) == undated.sub(b"", both["pdf"])
    assert (tmp_path / "map.png").read_bytes() == gv.write_dot(dot, tmp_path / "alone.png").read_bytes()
    assert not list(tmp_path.glob("*.tmp*"))


@needs_dot
def test_one_layout_of_several_formats_gives_graphviz_errors_in_one_line() -> None:
    import graphviz

    broken = graphviz.Digraph()
    broken.body.append("  a -> [")  # not DOT
    with pytest.raises(ProcsimpError, match=r"^Graphviz could not render the SVG/PDF diagram: .*syntax error"):
        gv.pipe_formats(broken, ["svg", "pdf"])
