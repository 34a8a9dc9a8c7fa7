"""profile(): KPIs per service, checked against hand-computed values; the profile command."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from procsimp.cli import main
from procsimp.errors import ParameterError
from procsimp.profile import TOTAL, Profile, profile
from procsimp.read import frame_to_log
from tests.conftest import real_log_path
from tests.sample_logs import SMALL_COLUMNS as COLUMNS
from tests.sample_logs import small_frame as frame
from tests.sample_logs import small_log

TZ = "Asia/Ho_Chi_Minh"


def test_profile_hand_computed() -> None:
    p = profile(small_log())
    assert isinstance(p, Profile)
    assert list(p.table["service"]) == ["S1", "S2", TOTAL]
    s1, s2, total = p.row("S1"), p.row("S2"), p.total

    assert (s1["cases"], s1["events"], s1["activities"], s1["variants"]) == (2, 4, 2, 2)
    # a: received Sun 10:00 -> done Tue 10:00 = 2 days; c: Thu 08:00 -> 09:00 = 1 hour
    lead = [2.0, 1 / 24]
    assert s1["lead_days_mean"] == pytest.approx(sum(lead) / 2)
    assert s1["lead_days_median"] == pytest.approx(sum(lead) / 2)
    assert s1["lead_days_p90"] == pytest.approx(1 / 24 + 0.9 * (2 - 1 / 24))
    # working days: a = Mon 07:30..17:00 + Tue 07:30..10:00 = 600 min; c = 60 min; 450 min a day
    assert s1["lead_workdays_mean"] == pytest.approx((600 + 60) / 2 / 450)
    assert s1["on_time_rate"] == pytest.approx(1.0)  # a is early; c has no due date
    assert s1["due_cases"] == 1
    assert s1["channel_online"] == pytest.approx(1.0) and s1["channel_counter"] == 0.0
    assert s1["steps_per_case"] == pytest.approx(2.0)
    assert s1["handoffs_per_case"] == pytest.approx(1.0)  # a: u1->u2, D1->D2; c: none
    assert s1["rework_rate"] == pytest.approx(0.5)
    assert s1["units_per_case"] == pytest.approx(1.5)

    assert (s2["cases"], s2["events"], s2["variants"]) == (1, 2, 1)
    assert s2["lead_days_mean"] == pytest.approx(2.0) and s2["lead_workdays_mean"] == pytest.approx(2.0)
    assert s2["on_time_rate"] == 0.0 and s2["channel_counter"] == 1.0

    assert (total["cases"], total["events"], total["activities"], total["variants"]) == (3, 6, 3, 3)
    assert total["on_time_rate"] == pytest.approx(0.5) and total["due_cases"] == 2
    assert total["channel_online"] == pytest.approx(2 / 3)
    assert total["handoffs_per_case"] == pytest.approx(2 / 3)
    assert total["rework_rate"] == pytest.approx(1 / 3)
    assert total["units_per_case"] == pytest.approx(4 / 3)
    assert total["lead_days_median"] == pytest.approx(2.0)
    assert bool(s1["in_catalog"]) is False and pd.isna(total["in_catalog"])
    assert math.isnan(s1["statutory_days"])
    assert len(p.cases) == 3


def test_profile_without_optional_columns_reports_unknown_not_zero() -> None:
    df = frame()[["case", "act", "end"]]
    p = profile(frame_to_log(df, case="case", activity="act", timestamp="end"))
    row = p.services.iloc[0]
    assert row["service"] == "all" and row["cases"] == 3
    assert pd.isna(row["on_time_rate"]) and row["due_cases"] == 0
    assert math.isnan(row["handoffs_per_case"]) and math.isnan(row["units_per_case"])
    assert pd.isna(row["in_catalog"])  # a log without services is not looked up in the catalog
    assert not any(c.startswith("channel_") for c in p.table.columns)


def test_profile_files_are_written_and_formulas_neutralised(tmp_path: Path) -> None:
    df = frame()
    df["svc"] = df["svc"].replace({"S1": "=HYPERLINK(\"http://x\")"})
    p = profile(frame_to_log(df, **COLUMNS))
    csv_path = p.to_csv(tmp_path / "out" / "profile.csv")
    json_path = p.to_json(tmp_path / "out" / "profile.json")
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["service"] for r in rows] == ["'=HYPERLINK(\"http://x\")", "S2", TOTAL]
    assert rows[1]["cases"] == "1"
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["columns"] == list(p.table.columns)
    by = {r["service"]: r for r in data["services"]}
    assert by["=HYPERLINK(\"http://x\")"]["cases"] == 2  # JSON keeps the true value
    assert by[TOTAL]["in_catalog"] is None and by[TOTAL]["statutory_days"] is None
    assert by["S2"]["on_time_rate"] == 0.0
    assert data["calendar"]["minutes_per_day"] == 450.0
    assert sorted(x.name for x in (tmp_path / "out").iterdir()) == ["profile.csv", "profile.json"]


def test_profile_text_and_html() -> None:
    p = profile(small_log())
    text = p.to_text(width=100)
    lines = text.splitlines()
    assert lines[0].split() == ["S1", "S2", TOTAL.split()[0], *TOTAL.split()[1:]]
    assert lines[2].split() == ["cases", "2", "1", "3"]
    assert any(line.split()[:2] == ["on", "time"] and line.split()[2:] == ["100.0%", "0.0%", "50.0%"] for line in lines)
    html = p._repr_html_()
    assert "<table>" in html and "S2" in html and "hand-offs per case" in html
    with pytest.raises(ParameterError, match=r"^service 'S9' is not in the profile; services: 'S1', 'S2'"):
        p.row("S9")


def test_profile_does_not_mutate_the_log() -> None:
    log = small_log()
    before = log.df.copy()
    profile(log)
    pd.testing.assert_frame_equal(log.df, before)


# ---------------------------------------------------------------------------- CLI
def _csv_log(tmp_path: Path) -> Path:
    path = tmp_path / "dossiers.csv"
    df = frame()
    for col in ("end", "start", "recv", "due"):
        df[col] = df[col].dt.strftime("%Y-%m-%d %H:%M:%S")
    df.rename(columns={"case": "case_id", "act": "activity", "svc": "service"}).to_csv(path, index=False)
    return path


def _cli_args(path: Path) -> list[str]:
    return [
        str(path), "--timestamp", "end", "--start", "start", "--resource", "res", "--unit", "unit",
        "--channel", "ch", "--received", "recv", "--due", "due",
    ]


def test_profile_command_table_and_files(tmp_path: Path) -> None:
    path = _csv_log(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["profile", *_cli_args(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Profile of {path}"
    assert ["cases", "2", "1", "3"] in [line.split() for line in lines]
    assert (out / "profile.csv").exists() and (out / "profile.json").exists()
    data = json.loads((out / "profile.json").read_text(encoding="utf-8"))
    assert [r["service"] for r in data["services"]] == ["S1", "S2", TOTAL]


def test_profile_command_json_is_clean_on_stdout(tmp_path: Path) -> None:
    path = _csv_log(tmp_path)
    result = CliRunner().invoke(main, ["profile", *_cli_args(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {r["service"]: r["cases"] for r in data["services"]} == {"S1": 2, "S2": 1, TOTAL: 3}


def test_profile_command_csv(tmp_path: Path) -> None:
    path = _csv_log(tmp_path)
    result = CliRunner().invoke(main, ["profile", *_cli_args(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["service"], r["events"]) for r in rows] == [("S1", "4"), ("S2", "2"), (TOTAL, "6")]


def test_profile_command_bad_catalog_is_one_error_line(tmp_path: Path) -> None:
    path = _csv_log(tmp_path)
    bad = tmp_path / "catalog.yaml"
    bad.write_text("services: [1, 2", encoding="utf-8")
    result = CliRunner().invoke(main, ["profile", *_cli_args(path), "--catalog", str(bad)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and str(bad) in errors[0]
    assert "Traceback" not in result.output


@pytest.mark.real_logs
@pytest.mark.parametrize(
    ("name", "cases", "events"),
    [
        ("BPIC15_1.xes.gz", "1,199", "52,217"),
        ("Receipt_phase_of_an_environmental_permit_application_process_WABO_CoSeLoG_project.xes.gz", "1,434", "8,577"),
    ],
)
def test_profile_command_on_real_logs(name: str, cases: str, events: str) -> None:
    path = real_log_path(name)
    result = CliRunner().invoke(main, ["profile", str(path)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["cases", cases, cases] in rows  # the service and the total
    assert ["events", events, events] in rows


def test_profile_uses_the_built_in_catalog_for_deadlines() -> None:
    """Without case:due, the deadline is receipt + the statutory working days of the catalog."""
    from procsimp.catalog import load_catalog
    from procsimp.core.calendar import default_calendar

    entry = load_catalog().get("Đăng ký tạm trú")
    assert entry is not None and entry.statutory_days is not None
    df = frame().drop(columns=["due"])
    df["svc"] = df["svc"].replace({"S1": "Đăng ký tạm trú"})
    p = profile(frame_to_log(df, **{k: v for k, v in COLUMNS.items() if k != "due"}))
    row = p.row("Đăng ký tạm trú")
    assert bool(row["in_catalog"]) is True and row["catalog_id"] == entry.id
    assert row["statutory_days"] == entry.statutory_days
    assert row["due_cases"] == 2
    cases = p.cases.set_index("case")
    expected = default_calendar().add_workdays(pd.DatetimeIndex([pd.Timestamp("2025-03-02 10:00", tz=TZ)]), entry.statutory_days)[0]
    assert cases.loc["a", "due"] == expected and cases.loc["a", "due_source"] == "catalog"
    assert row["on_time_rate"] == 1.0  # both dossiers finish within days, well before the deadline
    other = p.row("S2")
    assert bool(other["in_catalog"]) is False and other["due_cases"] == 0 and pd.isna(other["on_time_rate"])


def test_profile_accepts_a_user_catalog_file(tmp_path: Path) -> None:
    from procsimp.catalog import load_catalog

    user = tmp_path / "mine.yaml"
    user.write_text(
        "services:\n"
        "  - id: s2_local\n"
        "    name_vi: S2\n"
        "    name_en: Local service two\n"
        "    level: commune\n"
        "    agency: UBND xã\n"
        "    statutory_days: 1\n",
        encoding="utf-8",
    )
    try:
        load_catalog(extra=user)
    except Exception as exc:  # noqa: BLE001 - the test documents the file format it relies on
        pytest.fail(f"the catalog does not accept this user file: {exc}")
    df = frame().drop(columns=["due"])
    p = profile(frame_to_log(df, **{k: v for k, v in COLUMNS.items() if k != "due"}), catalog=user)
    row = p.row("S2")
    assert row["catalog_id"] == "s2_local" and row["statutory_days"] == 1.0
    # b: first step Mon 08:00 + 1 working day = Tue 08:00; finished Wed 08:00 -> late
    assert row["on_time_rate"] == 0.0


TAX, JUDICIAL, ABSENCE, BIRTH = (
    "Đăng ký thuế lần đầu cho cá nhân",  # 3 working days in the catalog
    "Cấp Phiếu lý lịch tư pháp",  # 10
    "Khai báo tạm vắng",  # 1
    "Đăng ký khai sinh",  # 1
)
#: case -> (service, received, statutory deadline counted by hand on the 2024-2025 calendar of
#: Vietnamese public holidays and office hours 07:30-11:30, 13:30-17:00, Monday to Friday)
HAND_DUE = {
    # Fri before Tết; Mon 27 Jan - Sat 1 Feb off: Mon 3, Tue 4, Wed 5 Feb
    "tet": (TAX, "2025-01-24 09:00", "2025-02-05 09:00"),
    # Sat 26 Apr is a working day (swapped for Fri 2 May): Sat 26, Mon 28, Tue 29
    "swap": (TAX, "2025-04-25 14:00", "2025-04-29 14:00"),
    # Wed 30 Apr, Thu 1 May, Fri 2 May off: Mon 5, Tue 6, Wed 7 May
    "may": (TAX, "2025-04-29 10:00", "2025-05-07 10:00"),
    # Mon 1, Tue 2 Sep off: Fri 29 Aug, Wed 3 ... Fri 5, Mon 8 ... Fri 12, Mon 15 Sep
    "national": (JUDICIAL, "2025-08-28 08:00", "2025-09-15 08:00"),
    # in the lunch break: the clock starts at 11:30; Fri afternoon (3.5 h), Mon 7 Apr (Hùng
    # Kings) off, then 4 h on Tue 8 Apr: the end of its morning
    "lunch": (ABSENCE, "2025-04-04 12:00", "2025-04-08 11:30"),
    # in the evening: the clock starts at 17:00; Wed 1 Jan off, the whole of Thu 2 Jan
    "evening": (BIRTH, "2024-12-31 18:00", "2025-01-02 17:00"),
}


def test_due_dates_from_the_catalog_match_hand_counted_deadlines() -> None:
    """A log without a due-date column gets receipt + the catalog's statutory working days."""
    from procsimp.engine.due import case_due_dates

    tz = "Asia/Ho_Chi_Minh"
    done = {  # completion: a minute early, a minute late, on the dot, ...
        "tet": "2025-02-05 08:59", "swap": "2025-04-29 14:01", "may": "2025-05-07 10:00",
        "national": "2025-09-15 08:30", "lunch": "2025-04-08 11:00", "evening": "2025-01-03 07:45",
    }
    rows = []
    for case, (service, received, _) in HAND_DUE.items():
        rows.append({"case": case, "act": "Tiếp nhận hồ sơ", "end": received, "svc": service})
        rows.append({"case": case, "act": "Trả kết quả", "end": done[case], "svc": service})
    df = pd.DataFrame(rows)
    df["end"] = pd.to_datetime(df["end"]).dt.tz_localize(tz)
    log = frame_to_log(df, case="case", activity="act", timestamp="end", service="svc")
    due = case_due_dates(log).set_index("case")
    for case, (service, received, deadline) in HAND_DUE.items():
        assert due.loc[case, "service"] == service
        assert due.loc[case, "received"] == pd.Timestamp(received, tz=tz), case
        assert due.loc[case, "due"] == pd.Timestamp(deadline, tz=tz), case
        assert due.loc[case, "due_source"] == "catalog"
    rates = profile(log).table.set_index("service")["on_time_rate"]
    assert rates[TAX] == pytest.approx(2 / 3)  # 'swap' a minute late
    assert (rates[JUDICIAL], rates[ABSENCE], rates[BIRTH]) == (0.0, 1.0, 0.0)


def test_catalog_deadlines_stop_the_clock_only_for_looped_dossiers() -> None:
    """The bundled log without its due-date column: dossiers without a supplement loop get the
    logged deadline back from the catalog; a supplement loop moves the catalog's deadline later."""
    from procsimp.read import read_log
    from tests.conftest import EVENT_LOGS

    with_due = read_log(EVENT_LOGS / "dossiers_vi.csv")
    without = with_due.replace(df=with_due.df.drop(columns=["case:due"]))
    a, b = profile(with_due), profile(without)
    assert b.table["on_time_rate"].notna().all()
    # dossiers without a supplement loop: the same deadline, the same class
    da, db = a.dossiers, b.dossiers
    plain = (db["paused_workdays"] == 0).to_numpy()
    assert plain.sum() > 0.5 * len(db) and (da["paused_workdays"] == 0).all()  # a logged due date is used as given
    assert (da["due"][plain] - db["due"][plain]).abs().max() < pd.Timedelta(seconds=1)
    assert (da["timeliness"][plain].astype(object) == db["timeliness"][plain].astype(object)).all()
    # with a loop, the citizen's time stops the catalog's clock: the deadline moves later by it
    looped = ~plain
    assert looped.any() and (db["due"][looped] > da["due"][looped]).all()
    assert (b.table["on_time_rate"].to_numpy() >= a.table["on_time_rate"].to_numpy() - 1e-12).all()
