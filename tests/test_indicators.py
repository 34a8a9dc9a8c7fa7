"""Reform indicators: checked against counts made here from the raw CSV rows, by service, month
and unit; clock stops against a hand-computed deadline; channel classes and their warning."""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from procsimp.core.calendar import WorkCalendar
from procsimp.core.log import EventLog
from procsimp.errors import ParameterError
from procsimp.profile import TOTAL, profile
from procsimp.profile.indicators import ChannelWarning, channel_classes, load_channel_map
from procsimp.read import frame_to_log, read_log
from procsimp.synth import generate
from procsimp.synth._write import csv_bytes
from tests.conftest import invoke

TZ = "Asia/Ho_Chi_Minh"

#: the test's own reading of the channel values it writes
CLASSES = {
    "online": "online_full",
    "Trực tuyến toàn trình": "online_full",
    "partly online": "online_partial",
    "Trực tuyến một phần": "online_partial",
    "counter": "counter",
    "Trực tiếp": "counter",
    "postal": "post",
    "Bưu chính công ích": "post",
}


# ---------------------------------------------------------------------------- the raw log
@pytest.fixture(scope="module")
def raw_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated log (English headers) whose channels are rewritten to a known mix of
    English and Vietnamese values, with a postal return step on some dossiers and some
    dossiers left open (no outcome)."""
    log = generate(services=["birth_registration", "passport_issuance"], cases=360, seed=11, lang="en").log
    reader = csv.DictReader(io.StringIO(csv_bytes(log, "en").decode("utf-8")))
    rows = list(reader)
    order = list(dict.fromkeys(r["case_id"] for r in rows))
    mix = ["online", "Trực tuyến toàn trình", "partly online", "Trực tuyến một phần", "counter", "Trực tiếp",
           "postal", "Bưu chính công ích"]
    channel = {case: mix[i % len(mix)] for i, case in enumerate(order)}
    postal_step = {case for i, case in enumerate(order) if i % 7 == 3}
    open_cases = {case for i, case in enumerate(order) if i % 11 == 5}
    for r in rows:
        r["channel"] = channel[r["case_id"]]
        if r["case_id"] in postal_step and r["activity"] == "Return result":
            r["activity"] = "Return result by post"
        if r["case_id"] in open_cases:
            r["outcome"] = ""
    path = tmp_path_factory.mktemp("ind") / "dossiers.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _raw_dossiers(path: Path) -> dict[str, dict]:
    """Per dossier, the test's own figures from the CSV rows (no procsimp code but the calendar)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    t = lambda s: pd.Timestamp(s).tz_convert(TZ)  # noqa: E731
    log_end = max(t(r["end_time"]) for r in rows)
    per: dict[str, dict] = {}
    for r in rows:
        d = per.setdefault(r["case_id"], {"rows": [], "service": r["service"]})
        d["rows"].append(r)
    cal = WorkCalendar()
    for d in per.values():
        rs = d["rows"]
        units = Counter(r["unit"] for r in rs)
        top = max(units.values())
        d["unit"] = next(r["unit"] for r in rs if units[r["unit"]] == top)  # first of the most frequent
        d["month"] = rs[0]["received"][:7]
        d["class"] = CLASSES[rs[0]["channel"]]
        d["postal"] = d["class"] == "post" or any(r["activity"] == "Return result by post" for r in rs)
        d["closed"] = rs[0]["outcome"] != ""
        last = max(t(r["end_time"]) for r in rs)
        due = t(rs[0]["due"])
        first = min(t(r["start_time"]) for r in rs)
        d["lead_days"] = (last - min(first, t(rs[0]["received"]))).total_seconds() / 86400
        if d["closed"]:
            spare = float(cal.working_minutes_between(pd.DatetimeIndex([last]), pd.DatetimeIndex([due]))[0])
            d["class_t"] = "late" if last > due else ("early" if spare >= cal.minutes_per_day else "on_time")
        else:
            d["class_t"] = None
        d["open_overdue"] = (not d["closed"]) and due < log_end
    return per


def _expected(group: list[dict]) -> dict:
    n = len(group)
    c = Counter(d["class"] for d in group)
    rated = [d["class_t"] for d in group if d["class_t"] is not None]
    return {
        "dossiers": n,
        "online_share": (c["online_full"] + c["online_partial"]) / n,
        "online_full_share": c["online_full"] / n,
        "online_partial_share": c["online_partial"] / n,
        "postal_share": sum(d["postal"] for d in group) / n,
        "closed": sum(d["closed"] for d in group),
        "early_rate": rated.count("early") / len(rated),
        "on_time_rate": (rated.count("early") + rated.count("on_time")) / len(rated),
        "late_rate": rated.count("late") / len(rated),
        "open_overdue": sum(d["open_overdue"] for d in group),
        "lead_days_mean": sum(d["lead_days"] for d in group) / n,
    }


def _check(row: pd.Series | dict, expected: dict, what: str) -> None:
    for key, value in expected.items():
        assert row[key] == pytest.approx(value, abs=1e-9), f"{what}: {key}"


def test_indicators_per_service_equal_counts_from_the_raw_rows(raw_log: Path) -> None:
    per = _raw_dossiers(raw_log)
    p = profile(read_log(raw_log))
    assert sum(d["open_overdue"] for d in per.values()) > 0 and sum(d["postal"] for d in per.values()) > 0
    for service in {d["service"] for d in per.values()}:
        _check(p.row(service), _expected([d for d in per.values() if d["service"] == service]), service)
    _check(p.total, _expected(list(per.values())), TOTAL)
    total = p.total
    assert total["on_time_rate"] + total["late_rate"] == pytest.approx(1.0)
    assert total["dossiers"] == total["cases"] == len(per)


@pytest.mark.parametrize("by", [["month"], ["unit"], ["unit", "month"]])
def test_indicators_by_month_and_unit_equal_counts_from_the_raw_rows(raw_log: Path, by: list[str]) -> None:
    per = _raw_dossiers(raw_log)
    p = profile(read_log(raw_log), by=by)
    table = p.table
    assert list(table.columns[: 1 + len(by)]) == ["service", *by]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for d in per.values():
        key = tuple(d[k] for k in by)
        groups[(d["service"], *key)].append(d)
        groups[(TOTAL, *key)].append(d)
    assert len(table) == len(groups)
    months = {d["month"] for d in per.values()}
    assert len(months) == 6  # the generator spreads receipts over six months
    for row in table.to_dict(orient="records"):
        key = (row["service"], *(row[k] for k in by))
        expected = _expected(groups[key])
        rated = [d for d in groups[key] if d["class_t"] is not None]
        if not rated:
            for k in ("early_rate", "on_time_rate", "late_rate"):
                expected.pop(k)
                assert pd.isna(row[k])
        _check(row, expected, str(key))
    assert table[table["service"] != TOTAL]["dossiers"].sum() == len(per)


def test_profile_by_json_rows_on_the_command_line(raw_log: Path) -> None:
    code, out, err = invoke("profile", raw_log, "--by", "quarter,channel", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert list(rows[0])[:3] == ["service", "quarter", "channel"]
    assert {r["quarter"] for r in rows} == {"2025-Q1", "2025-Q2"}
    assert {r["channel"] for r in rows} == {"online_full", "online_partial", "counter", "post"}
    per = _raw_dossiers(raw_log)
    assert sum(r["dossiers"] for r in rows if r["service"] != TOTAL) == len(per)
    online = [r for r in rows if r["channel"] == "online_partial"]
    assert all(r["online_partial_share"] == 1.0 and r["online_full_share"] == 0.0 for r in online)
    code, _, err = invoke("profile", raw_log, "--by", "week")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "Error: cannot break the profile down by 'week'; use one or more of month, quarter, unit, "
        "channel, comma-separated, e.g. --by unit,month"
    )


# ---------------------------------------------------------------------------- clock stops
def _clock_log() -> EventLog:
    """Four dossiers of "Register a birth" (1 statutory working day in the catalog).

    A: no due date in the log; a supplement loop and a payment; closed. B: the same steps, but
    the log gives its due date. C: open, its supplement request unanswered. D: open, nothing
    since receipt.
    """
    rows = []

    def add(case, act, start, end, due=None, outcome="approved"):
        rows.append((case, act, start, end, due, outcome))

    for case, due in (("A", None), ("B", "2025-03-04 17:00")):
        add(case, "Receive dossier", "2025-03-03 08:00", "2025-03-03 08:30", due)
        add(case, "Request supplement", "2025-03-03 08:40", "2025-03-03 09:00", due)
        add(case, "Resubmit dossier", "2025-03-05 10:00", "2025-03-05 10:15", due)
        add(case, "Pay fee", "2025-03-05 14:00", "2025-03-05 14:10", due)
        add(case, "Return result", "2025-03-06 09:50", "2025-03-06 10:00", due)
    add("C", "Receive dossier", "2025-03-03 08:00", "2025-03-03 08:30", outcome=None)
    add("C", "Request supplement", "2025-03-03 08:40", "2025-03-03 09:00", outcome=None)
    add("D", "Receive dossier", "2025-03-03 08:00", "2025-03-03 08:30", outcome=None)
    df = pd.DataFrame(rows, columns=["case", "act", "start", "end", "due", "outcome"])
    df["service"] = "Register a birth"
    df["received"] = "2025-03-03 08:00"
    for col in ("start", "end", "due", "received"):
        df[col] = pd.to_datetime(df[col])
    return frame_to_log(
        df, case="case", activity="act", start="start", timestamp="end", due="due", outcome="outcome",
        service="service", received="received",
    )


def test_clock_stops_move_a_catalog_deadline_by_the_citizens_time() -> None:
    p = profile(_clock_log())
    d = p.dossiers.set_index("case")
    # A: supplement request done Mon 09:00, resubmission started Wed 10:00:
    #    Mon 09:00-11:30 + 13:30-17:00 (360) + Tue (450) + Wed 07:30-10:00 (150) = 960 min;
    #    payment: waited from Wed 10:15 to 14:00 = 75 + 30 = 105 min. 1,065 min in all.
    assert d.loc["A", "paused_workdays"] == pytest.approx(1065 / 450)
    # received Mon 08:00 + 1 working day (450 min) = Tue 08:00; + 1,065 min:
    # Tue 08:00-17:00 (420) + Wed (450) + Thu 07:30 + 195 min = Thu 10:45
    assert d.loc["A", "due"] == pd.Timestamp("2025-03-06 10:45", tz=TZ)
    assert d.loc["A", "due_source"] == "catalog"
    assert d.loc["A", "timeliness"] == "on_time"  # done Thu 10:00; late without the clock stops
    # B: the log's due date is used as given (no clock stop): late
    assert d.loc["B", "due"] == pd.Timestamp("2025-03-04 17:00", tz=TZ)
    assert d.loc["B", "paused_workdays"] == 0 and d.loc["B", "timeliness"] == "late"
    # C: open, waiting for the citizen since Mon 09:00: the clock still stands at the log's end
    log_end = pd.Timestamp("2025-03-06 10:00", tz=TZ)
    assert not d.loc["C", "closed"] and d.loc["C", "due"] > log_end and not d.loc["C", "open_overdue"]
    # D: open, due Tue 08:00, before the log's end
    assert d.loc["D", "due"] == pd.Timestamp("2025-03-04 08:00", tz=TZ) and d.loc["D", "open_overdue"]
    row = p.row("Register a birth")
    assert (row["dossiers"], row["closed"], row["open_overdue"]) == (4, 2, 1)
    assert (row["early_rate"], row["on_time_rate"], row["late_rate"]) == (0.0, 0.5, 0.5)


# ---------------------------------------------------------------------------- channels
def test_channel_classes_and_map(tmp_path: Path) -> None:
    classes, unknown = channel_classes(
        ["Trực tuyến toàn trình", "TRUC TUYEN MOT PHAN", "Bưu chính công ích", " partly  online ", "Cổng DVC", None]
    )
    assert classes["Trực tuyến toàn trình"] == "online_full"
    assert classes["TRUC TUYEN MOT PHAN"] == "online_partial"
    assert classes["Bưu chính công ích"] == "post"
    assert classes[" partly  online "] == "online_partial"
    assert classes["Cổng DVC"] is None and unknown == ["Cổng DVC"]
    path = tmp_path / "channels.yaml"
    path.write_text("Cổng DVC: online_full\nQuầy: Trực tiếp\n", encoding="utf-8")
    mapping = load_channel_map(path)
    assert channel_classes(["Cổng DVC", "quầy"], mapping) == ({"Cổng DVC": "online_full", "quầy": "counter"}, [])
    path.write_text("Cổng DVC: email\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"channels.yaml: entry 'Cổng DVC': 'email' is not a channel class; use one of online_full, online_partial, counter, post"):
        load_channel_map(path)


def test_unknown_channel_values_are_warned_and_never_guessed(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "case": ["a", "b", "c", "d"],
            "act": ["Receive dossier"] * 4,
            "end": pd.to_datetime(["2025-03-03 08:00"] * 4),
            "ch": ["Cổng DVC", "Cổng DVC", "online", "Trực tiếp"],
        }
    )
    log = frame_to_log(df, case="case", activity="act", timestamp="end", channel="ch")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = profile(log)
    messages = [str(w.message) for w in caught if issubclass(w.category, ChannelWarning)]
    assert len(messages) == 1 and "'Cổng DVC' (2 dossiers)" in messages[0] and "--channel-map" in messages[0]
    row = p.total
    assert row["online_share"] == 0.5 and row["online_full_share"] == 0.5  # over the 2 known ones
    mapped = profile(log, channel_map={"Cổng DVC": "online_partial"}).total
    assert mapped["online_share"] == 0.75 and mapped["online_partial_share"] == 0.5

    src = tmp_path / "log.csv"
    df.rename(columns={"case": "case_id", "act": "activity", "end": "end_time", "ch": "channel"}).to_csv(src, index=False)
    code, _, err = invoke("profile", src)
    assert code == 0
    warning = [line for line in err.splitlines() if line.startswith("Warning:") and "Cổng DVC" in line]
    assert len(warning) == 1 and "are not a known channel" in warning[0]
    cmap = tmp_path / "cmap.yaml"
    cmap.write_text("Cổng DVC: partly online\n", encoding="utf-8")
    code, out, err = invoke("profile", src, "--channel-map", cmap, "--format", "json")
    assert code == 0 and not [line for line in err.splitlines() if line.startswith("Warning:") and "Cổng DVC" in line]
    total = json.loads(out)["services"][-1]
    assert total["online_partial_share"] == 0.5
    code, _, err = invoke("profile", src, "--channel-map", tmp_path / "missing.yaml")
    assert code == 1 and err.strip().splitlines()[-1].startswith("Error: ") and "missing.yaml: channel map file not found" in err


def test_month_of_receipt_falls_back_to_the_first_step() -> None:
    df = pd.DataFrame(
        {
            "case": ["a", "a", "b"],
            "act": ["Receive dossier", "Return result", "Receive dossier"],
            "end": pd.to_datetime(["2025-01-31 16:00", "2025-02-03 09:00", "2025-03-01 09:00"]),
        }
    )
    p = profile(frame_to_log(df, case="case", activity="act", timestamp="end"), by="month")
    rows = p.table[p.table["service"] != TOTAL]
    assert list(rows["month"]) == ["2025-01", "2025-03"] and list(rows["dossiers"]) == [1, 1]
