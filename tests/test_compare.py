"""compare(): two periods of one log and two logs; the files; one delta map's labels against
counts made by hand; the statistical note; a bad --periods value."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from procsimp.errors import ParameterError
from procsimp.profile import TOTAL
from procsimp.profile.comparison import Comparison, compare, parse_periods
from procsimp.read import frame_to_log, read_log
from procsimp.synth import generate
from procsimp.synth._write import csv_bytes
from tests.conftest import invoke

SERVICE = "Register a birth"
PERIODS = "2025-01..2025-03,2025-Q2"


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = generate(services=["birth_registration", "passport_issuance"], cases=300, seed=5, lang="en").log
    path = tmp_path_factory.mktemp("cmp") / "dossiers.csv"
    path.write_bytes(csv_bytes(log, "en"))
    return path


@pytest.fixture(scope="module")
def other_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = generate(services=["birth_registration"], cases=150, seed=9, lang="en").log
    path = tmp_path_factory.mktemp("cmp_b") / "agency_b.csv"
    path.write_bytes(csv_bytes(log, "en"))
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_parse_periods_accepts_dates_months_and_quarters() -> None:
    a, b = parse_periods("2025-01-15..2025-02,2025-Q2")
    assert (a.start.isoformat()[:10], a.end.isoformat()[:10]) == ("2025-01-15", "2025-03-01")
    assert (b.start.isoformat()[:10], b.end.isoformat()[:10]) == ("2025-04-01", "2025-07-01")
    assert str(a.start.tz) == "Asia/Ho_Chi_Minh"
    for bad, why in (
        ("2025-13..2025-14", "is not a period"),
        ("2025-01..2025-03", "give exactly two periods"),
        ("2025-03..2025-01,2025-04", "ends before it starts"),
        ("2025-01..2025-03,2025-03..2025-04", "overlap"),
        ("March..June,July", "is not a period"),
    ):
        with pytest.raises(ParameterError, match=why):
            parse_periods(bad)


def test_two_periods_of_one_log(log_file: Path, tmp_path: Path) -> None:
    log = read_log(log_file)
    result = compare(log, periods=PERIODS)
    assert isinstance(result, Comparison)
    assert result.labels == ("2025-01..2025-03", "2025-Q2")
    # every dossier was received in one of the two periods: the sides add up to the log
    assert sum(s["dossiers"] for s in result.sides) == log.n_cases and result.outside == 0
    # receipts counted by hand from the raw rows
    months = {r["case_id"]: r["received"][:7] for r in _rows(log_file)}
    first = sum(1 for m in months.values() if m <= "2025-03")
    assert [s["dossiers"] for s in result.sides] == [first, len(months) - first]
    t = result.table
    assert list(t.columns[:3]) == ["service", "period", "dossiers"]
    assert len(t) == 2 * (len(log.services) + 1)
    svc = t[t["service"] == SERVICE].reset_index(drop=True)
    assert svc.loc[1, "dossiers_change"] == svc.loc[1, "dossiers"] - svc.loc[0, "dossiers"]
    assert svc.loc[1, "on_time_rate_change"] == pytest.approx(svc.loc[1, "on_time_rate"] - svc.loc[0, "on_time_rate"])
    assert pd.isna(svc.loc[0, "dossiers_change"])
    html = result._repr_html_()
    assert "procsimp comparison" in html and SERVICE in html

    files = result.write(tmp_path / "out", formats=("svg", "png", "pdf"))
    names = {p.relative_to(tmp_path / "out").as_posix() for p in files}
    assert {"compare.json", "compare.csv", "register-a-birth/delta_map.svg", "register-a-birth/delta_map.png",
            "register-a-birth/delta_map.pdf"} <= names
    data = json.loads((tmp_path / "out" / "compare.json").read_text(encoding="utf-8"))
    per_service = [r for r in data["rows"] if r["service"] != TOTAL]
    assert sum(r["dossiers"] for r in per_service) == log.n_cases
    assert sum(r["dossiers"] for r in data["rows"] if r["service"] == TOTAL) == log.n_cases
    with open(tmp_path / "out" / "compare.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(data["rows"]) and "lead_workdays_mean_change" in rows[0]
    assert (tmp_path / "out" / "register-a-birth" / "delta_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "out" / "register-a-birth" / "delta_map.pdf").read_bytes()[:5] == b"%PDF-"


def test_delta_map_labels_match_counts_made_by_hand(log_file: Path) -> None:
    rows = [r for r in _rows(log_file) if r["service"] == SERVICE]
    side = lambda r: "a" if r["received"][:7] <= "2025-03" else "b"  # noqa: E731
    pairs: dict[str, Counter] = {"a": Counter(), "b": Counter()}
    steps: dict[str, Counter] = {"a": Counter(), "b": Counter()}
    previous: dict[str, str] = {}
    for r in rows:  # the rows of a dossier are consecutive and in time order
        s = side(r)
        steps[s][r["activity"]] += 1
        if r["case_id"] in previous:
            pairs[s][(previous[r["case_id"]], r["activity"])] += 1
        previous[r["case_id"]] = r["activity"]
    result = compare(read_log(log_file), periods=PERIODS)
    delta = result.deltas[SERVICE]
    edge = ("Check completeness", "Request supplement")
    a, b = pairs["a"][edge], pairs["b"][edge]
    assert a > 0 and b > 0 and a != b
    hit = delta[(delta["kind"] == "path") & (delta["source"] == edge[0]) & (delta["target"] == edge[1])].iloc[0]
    assert (hit["count_a"], hit["count_b"], hit["status"]) == (a, b, "both")
    source = result.map_dot(SERVICE).source
    assert f"{a} → {b} ({'+' if b >= a else '−'}{abs(b - a)})" in source
    # every step and path of either side is drawn once, with both counts
    for kind, counter in (("path", pairs), ("step", steps)):
        part = delta[delta["kind"] == kind]
        keys = set(counter["a"]) | set(counter["b"])
        assert len(part) == len(keys)
        for r in part.itertuples():
            key = (r.source, r.target) if kind == "path" else r.source
            assert (r.count_a, r.count_b) == (counter["a"][key], counter["b"][key])
    # one drawing (one layout) for both sides, each step once
    assert source.count("digraph") == 1
    vi = result.map_dot(SERVICE, lang="vi").source
    assert "chờ" in vi and "giờ" in vi


def test_new_and_gone_steps_are_marked(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "case": ["a", "a", "a", "b", "b", "b"],
            "act": ["Receive", "Transfer", "Sign", "Receive", "Auto-check", "Sign"],
            "end": pd.to_datetime(
                ["2025-01-06 08:00", "2025-01-06 10:00", "2025-01-07 09:00",
                 "2025-04-07 08:00", "2025-04-07 08:05", "2025-04-07 11:00"]
            ),
        }
    )

    result = compare(frame_to_log(df, case="case", activity="act", timestamp="end"), periods="2025-Q1,2025-Q2")
    delta = result.deltas["all"].set_index(["kind", "source"])
    assert delta.loc[("step", "Transfer"), "status"] == "gone"
    assert delta.loc[("step", "Auto-check"), "status"] == "new"
    assert delta.loc[("step", "Sign"), "status"] == "both"
    source = result.map_dot("all").source
    assert "new: 1" in source and "gone: 1 → 0" in source and "dashed" in source


def test_statistical_note_marks_only_clear_changes(log_file: Path) -> None:

    rows = []
    for i in range(30):  # period A: 2 days; period B: 1 day for every dossier
        rows += [(f"a{i}", "Receive", "2025-01-06 08:00"), (f"a{i}", "Return", "2025-01-08 08:00")]
        rows += [(f"b{i}", "Receive", "2025-04-07 08:00"), (f"b{i}", "Return", "2025-04-08 08:00")]
    df = pd.DataFrame(rows, columns=["case", "act", "end"])
    df["end"] = pd.to_datetime(df["end"])
    clear = compare(frame_to_log(df, case="case", activity="act", timestamp="end"), periods="2025-Q1,2025-Q2")
    test = clear.tests.set_index("service").loc["all"]
    assert test["lead_days_mean_change"] == pytest.approx(-1.0)
    assert test["p_value"] < 0.05 and bool(test["significant"]) is True
    same = compare(read_log(log_file), read_log(log_file))
    assert not same.tests["significant"].any() and (same.tests["p_value"] > 0.99).all()
    assert "Mann–Whitney" in same.to_dict()["note"] and "p < 0,05" in same.to_dict()["note_vi"]


def test_compare_two_logs_on_the_command_line(log_file: Path, other_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "two"
    code, stdout, err = invoke("compare", log_file, other_file, "--out", out, "--json")
    assert code == 0, err
    data = json.loads(stdout)
    assert [s["label"] for s in data["sides"]] == ["dossiers.csv", "agency_b.csv"]
    n_a = len({r["case_id"] for r in _rows(log_file)})
    n_b = len({r["case_id"] for r in _rows(other_file)})
    assert [s["dossiers"] for s in data["sides"]] == [n_a, n_b]
    by_side = Counter()
    for r in data["rows"]:
        if r["service"] != TOTAL:
            by_side[r["period"]] += r["dossiers"]
    assert by_side == {"dossiers.csv": n_a, "agency_b.csv": n_b}
    passport = [r for r in data["rows"] if r["service"] == "Issue an ordinary passport in Viet Nam"]
    assert [r["dossiers"] for r in passport][1] == 0  # the second agency does not handle it
    assert (out / "compare.json").is_file() and (out / "compare.csv").is_file()
    assert (out / "register-a-birth" / "delta_map.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_compare_periods_on_the_command_line_and_bad_values(log_file: Path, tmp_path: Path) -> None:
    code, stdout, err = invoke("compare", log_file, "--periods", PERIODS, "--out", tmp_path / "p", "--format", "svg")
    assert code == 0, err
    assert stdout.splitlines()[0] == "2025-01..2025-03 → 2025-Q2"
    assert (tmp_path / "p" / "register-a-birth" / "delta_map.svg").is_file()
    assert not (tmp_path / "p" / "register-a-birth" / "delta_map.png").exists()
    assert "Mann-Whitney p =" in stdout
    code, _, err = invoke("compare", log_file, "--periods", "2025-01..2025-13,2025-Q2", "--out", tmp_path / "bad")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "Error: periods: '2025-01..2025-13' is not a period; write A..B where A and B are dates (2025-03-01), "
        "months (2025-03) or quarters (2025-Q1), or a single month or quarter; two periods separated by a "
        "comma, e.g. 2025-01..2025-03,2025-04..2025-06"
    )
    assert not (tmp_path / "bad").exists()  # nothing written
    code, _, err = invoke("compare", log_file, "--out", tmp_path / "none")
    assert code == 1 and "compare needs --periods A..B,C..D" in err
