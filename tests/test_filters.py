"""Filters (``EventLog.filter`` and the shared CLI options) against pm4py's filtering functions.

Each filter must keep the same dossiers as the pm4py function for the same question, on the
bundled log and on public real logs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from procsimp.engine.filters import filter_log
from procsimp.errors import ParameterError
from procsimp.read import read_log
from tests.conftest import EVENT_LOGS, invoke, real_log_path

CASE = "case:concept:name"


@pytest.fixture(scope="module")
def pm4py():
    import pm4py as _pm4py

    return _pm4py


@pytest.fixture(scope="module")
def bundled():
    return read_log(EVENT_LOGS / "dossiers_en.csv")


@pytest.fixture(scope="module")
def sepsis():
    return read_log(real_log_path("Sepsis_Cases-Event_Log.xes.gz"))


@pytest.fixture(scope="module")
def traffic():
    return read_log(real_log_path("roadtraffic100traces.xes"))


def cases(frame: pd.DataFrame) -> set[str]:
    return set(frame[CASE].astype(str).unique())


def logs(request: pytest.FixtureRequest, names: str) -> list:
    return [request.getfixturevalue(n) for n in names.split(",")]


LOGS = ["bundled", "sepsis", "traffic"]


# ---------------------------------------------------------------------------- time frame
@pytest.mark.parametrize("name", LOGS)
@pytest.mark.parametrize("frame, mode", [("contained", "traces_contained"), ("intersecting", "traces_intersecting")])
def test_time_frame_keeps_the_cases_pm4py_keeps(request, pm4py, name, frame, mode) -> None:
    log = request.getfixturevalue(name)
    first, last = log.time_span
    lo = first + (last - first) * 0.3
    hi = first + (last - first) * 0.6
    ours = filter_log(log, time_from=lo, time_to=hi, frame=frame)
    theirs = pm4py.filter_time_range(log.to_pm4py(), lo, hi, mode=mode)
    assert cases(ours.df) == cases(theirs)
    assert 0 < ours.n_cases < log.n_cases
    record = ours.filters[-1]
    assert record["filter"] == "time frame" and record["cases_after"] == ours.n_cases
    assert record["cases_before"] == log.n_cases


@pytest.mark.parametrize("name", LOGS)
def test_started_and_ended_frames_use_the_first_and_last_event(request, name) -> None:
    log = request.getfixturevalue(name)
    first, last = log.time_span
    lo, hi = first + (last - first) * 0.2, first + (last - first) * 0.5
    span = log.df.groupby(CASE, observed=True)["time:timestamp"].agg(["min", "max"])
    started = set(span.index[(span["min"] >= lo) & (span["min"] <= hi)].astype(str))
    ended = set(span.index[(span["max"] >= lo) & (span["max"] <= hi)].astype(str))
    assert cases(filter_log(log, time_from=lo, time_to=hi, frame="started").df) == started
    assert cases(filter_log(log, time_from=lo, time_to=hi, frame="ended").df) == ended
    assert started != ended


def test_a_bare_date_as_to_includes_that_whole_day(bundled) -> None:
    day = filter_log(bundled, time_from="2025-03-03", time_to="2025-03-03", frame="started")
    starts = day.df.groupby(CASE, observed=True)["time:timestamp"].min()
    assert starts.dt.strftime("%Y-%m-%d").eq("2025-03-03").all() and day.n_cases > 0
    assert day.filters[0]["value"].startswith("2025-03-03T00:00:00+07:00 to 2025-03-03T23:59:59.999999+07:00")


# ---------------------------------------------------------------------------- attributes
@pytest.mark.parametrize(
    "name, attribute, column, values",
    [
        ("bundled", "channel", "case:channel", ["online"]),
        ("bundled", "unit", "org:group", ["Leadership"]),
        ("bundled", "service", "case:service", ["Register a birth", "Exchange a driving licence"]),
        ("sepsis", "activity", "concept:name", ["Admission IC"]),
        ("sepsis", "org:group", "org:group", ["E", "B"]),
        ("traffic", "concept:name", "concept:name", ["Send Appeal to Prefecture"]),
    ],
)
@pytest.mark.parametrize("keep", [True, False])
def test_where_keeps_the_cases_pm4py_keeps(request, pm4py, name, attribute, column, values, keep) -> None:
    log = request.getfixturevalue(name)
    if len(values) == 1:
        cond = f"{attribute}{'=' if keep else '!='}{values[0]}"
    else:
        cond = f"{attribute} {'in' if keep else 'not in'} {'|'.join(values)}"
    ours = filter_log(log, where=cond)
    theirs = pm4py.filter_event_attribute_values(log.to_pm4py(), column, values, level="case", retain=keep)
    assert cases(ours.df) == cases(theirs)
    assert 0 < ours.n_cases < log.n_cases


def test_where_conditions_combine_and_each_is_recorded(bundled) -> None:
    both = filter_log(bundled, where=["channel=online", "unit=Leadership"])
    assert [r["value"] for r in both.filters] == ["channel=online", "unit=Leadership"]
    assert both.filters[1]["cases_before"] == both.filters[0]["cases_after"]
    assert bundled.filters == ()  # the input log is not changed


# ---------------------------------------------------------------------------- endpoints
@pytest.mark.parametrize("name", LOGS)
def test_start_and_end_steps_keep_the_cases_pm4py_keeps(request, pm4py, name) -> None:
    log = request.getfixturevalue(name)
    df = log.to_pm4py()
    starts = pd.Series(pm4py.get_start_activities(df)).sort_values(ascending=False)
    ends = pd.Series(pm4py.get_end_activities(df)).sort_values(ascending=False)
    start_steps = list(starts.index[:2]) if len(starts) > 1 else list(starts.index[:1])
    end_steps = list(ends.index[1:3]) if len(ends) > 2 else list(ends.index[:1])
    ours = filter_log(log, starts_with=start_steps)
    assert cases(ours.df) == cases(pm4py.filter_start_activities(df, start_steps))
    ours = filter_log(log, ends_with=end_steps)
    assert cases(ours.df) == cases(pm4py.filter_end_activities(df, end_steps))


# ---------------------------------------------------------------------------- variants
def _untied_k(pm4py, df: pd.DataFrame, wanted: int) -> int:
    """A K near ``wanted`` where the K-th and (K+1)-th variants differ in count (the order of
    variants with the same count is arbitrary, in pm4py as here)."""
    counts = sorted(pm4py.get_variants(df).values(), reverse=True)
    for k in range(wanted, len(counts)):
        if counts[k - 1] > counts[k]:
            return k
    return len(counts)


@pytest.mark.parametrize("name", ["sepsis", "traffic"])
def test_top_variants_keep_the_cases_pm4py_keeps(request, pm4py, name) -> None:
    log = request.getfixturevalue(name)  # one service: the ranking is the whole log's
    df = log.to_pm4py()
    k = _untied_k(pm4py, df, 3)
    ours = filter_log(log, variants=f"top:{k}")
    assert cases(ours.df) == cases(pm4py.filter_variants_top_k(df, k))


@pytest.mark.parametrize("name", ["sepsis", "traffic"])
def test_variant_share_keeps_the_cases_pm4py_keeps(request, pm4py, name) -> None:
    log = request.getfixturevalue(name)
    df = log.to_pm4py()
    ours = filter_log(log, variants="share:2%")
    assert cases(ours.df) == cases(pm4py.filter_variants_by_coverage_percentage(df, 0.02))
    assert 0 < ours.n_cases < log.n_cases


def test_top_variants_rank_within_each_service(pm4py, bundled) -> None:
    ours = filter_log(bundled, variants="top:2")
    untied = 0
    for service in bundled.services:
        part = bundled.for_service(service).to_pm4py()
        kept = set(ours.df.loc[ours.df["case:service"] == service, CASE].astype(str))
        counts = sorted(pm4py.get_variants(part).values(), reverse=True)
        assert len(kept) == sum(counts[:2])  # the two most frequent variants of this service
        if len(counts) < 3 or counts[1] > counts[2]:  # no tie at the cut: the same dossiers
            assert kept == cases(pm4py.filter_variants_top_k(part, 2))
            untied += 1
    assert untied >= 4


# ---------------------------------------------------------------------------- performance
@pytest.mark.parametrize("name", LOGS)
def test_lead_time_keeps_the_cases_pm4py_keeps(request, pm4py, name) -> None:
    log = request.getfixturevalue(name)
    df = log.to_pm4py()
    ours = filter_log(log, lead_time=">=2d")
    assert cases(ours.df) == cases(pm4py.filter_case_performance(df, 2 * 86400, 1e12))
    ours = filter_log(log, lead_time="<=2w")
    assert cases(ours.df) == cases(pm4py.filter_case_performance(df, 0, 14 * 86400))
    ours = filter_log(log, lead_time="12h..30d")
    assert cases(ours.df) == cases(pm4py.filter_case_performance(df, 12 * 3600, 30 * 86400))


def test_strict_lead_time_leaves_out_the_bound(traffic) -> None:
    # road-traffic fines are day-resolution: many dossiers last exactly a whole number of days
    span = traffic.df.groupby(CASE, observed=True)["time:timestamp"].agg(lambda t: t.max() - t.min())
    bound = span.value_counts().index[0]
    days = bound / pd.Timedelta(days=1)
    strict = filter_log(traffic, lead_time=f">{days:g}d")
    loose = filter_log(traffic, lead_time=f">={days:g}d")
    assert strict.n_cases == int((span > bound).sum())
    assert loose.n_cases - strict.n_cases == int((span == bound).sum()) > 0


# ---------------------------------------------------------------------------- steps
@pytest.mark.parametrize("name", LOGS)
@pytest.mark.parametrize("share", [0.05, 0.3])
def test_min_case_share_keeps_the_events_pm4py_keeps(request, pm4py, name, share) -> None:
    log = request.getfixturevalue(name)
    ours = filter_log(log, min_case_share=share)
    theirs = pm4py.filter_log_relative_occurrence_event_attribute(log.to_pm4py(), share, level="cases")
    assert len(ours.df) == len(theirs)
    assert set(ours.activities) == set(theirs["concept:name"].unique())
    assert ours.n_events < log.n_events or (share < 0.1 and ours.n_events == log.n_events)


def test_min_case_share_accepts_a_percentage(bundled) -> None:
    assert filter_log(bundled, min_case_share="30%").n_events == filter_log(bundled, min_case_share=0.3).n_events


# ---------------------------------------------------------------------------- bad values
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lead_time": "30d"}, "--lead-time '30d' needs a comparison; write >30d, >=2w, <12h, <=5d or a range 5d..30d (units h, d, w)"),
        ({"lead_time": ">30 days"}, "--lead-time '>30 days': '30days' is not a duration; write >30d, >=2w"),
        ({"lead_time": "30d..5d"}, "--lead-time '30d..5d' runs backwards"),
        ({"variants": "top:0"}, "--variants 'top:0': K must be a whole number of at least 1; write top:K (e.g. top:10) or share:X"),
        ({"variants": "best:3"}, "--variants 'best:3' is not a variant filter; write top:K (e.g. top:10) or share:X"),
        ({"min_case_share": "5"}, "--min-case-share '5' is not above 0 and at most 1 (100%); write a share from 0 to 1 (0.05) or a percentage (5%); for 5% write 5%"),
        ({"where": "channel"}, "--where 'channel' is not a condition; write ATTR=VALUE, ATTR!=VALUE, 'ATTR in V1|V2'"),
        ({"where": "channel=fax"}, "--where channel=fax: 'fax' is not a value of 'channel' in event_logs/dossiers_en.csv; values there: 'counter', 'online', 'postal'"),
        ({"where": "colour=red"}, "--where: the log event_logs/dossiers_en.csv has no attribute 'colour'; use a role (case, activity, resource, unit, service, channel, outcome)"),
        ({"starts_with": "Brew coffee"}, "--starts-with 'Brew coffee' is not a step of event_logs/dossiers_en.csv; steps there:"),
        ({"time_from": "31/02/2025"}, "--from '31/02/2025' is not a time; write a date or a date and time"),
        ({"time_from": "2025-03-01", "time_to": "2025-02-01"}, "--to '2025-02-01' is before --from '2025-03-01'"),
        ({"frame": "overlapping", "time_from": "2025-03-01"}, "frame 'overlapping' is not a frame mode; use one of: intersecting, contained, started, ended"),
        ({"lead_time": ">5w", "where": "channel=online", "variants": "top:1", "time_to": "2025-01-02"},
         "keeps none of the"),
    ],
)
def test_bad_filter_values_name_the_value_and_the_accepted_forms(bundled, kwargs, message) -> None:
    with pytest.raises(ParameterError) as err:
        filter_log(bundled, **{k: v for k, v in kwargs.items()})
    text = str(err.value).replace(str(EVENT_LOGS / "dossiers_en.csv"), "event_logs/dossiers_en.csv")
    assert message in text


# ---------------------------------------------------------------------------- CLI
def test_cli_filters_are_printed_and_written_into_the_outputs(tmp_path: Path) -> None:
    code, out, err = invoke(
        "profile", EVENT_LOGS / "dossiers_en.csv", "--where", "channel=online", "--lead-time", ">5d",
        "--from", "2025-02-01", "--out", tmp_path, "--format", "json",
    )
    assert code == 0, err
    assert "Filter: time frame 2025-02-01T00:00:00+07:00 to … (dossiers intersecting): 916 of 1,000 dossiers kept" in err
    assert "Filter: where channel=online: 463 of 916 dossiers kept" in err
    assert "Filter: lead time >5d: 264 of 463 dossiers kept" in err
    assert "Calendar: Asia/Ho_Chi_Minh, Mon-Fri 07:30-11:30 13:30-17:00, holidays VN" in err
    written = json.loads((tmp_path / "profile.json").read_text(encoding="utf-8"))
    assert [f["value"] for f in written["filters"]] == [
        "2025-02-01T00:00:00+07:00 to … (dossiers intersecting)", "channel=online", ">5d",
    ]
    assert written["calendar"]["country"] == "VN"
    from procsimp.profile import TOTAL

    total = [s for s in written["services"] if s["service"] == TOTAL]
    assert json.loads(out)["filters"] == written["filters"]
    assert total[0]["cases"] == 264


def test_cli_bad_filter_is_one_error_line() -> None:
    code, out, err = invoke("flag", EVENT_LOGS / "dossiers_en.csv", "--variants", "top:x")
    assert code == 1
    assert err.strip().splitlines() == [
        "Error: --variants 'top:x': K must be a whole number of at least 1; write top:K (e.g. top:10) "
        "or share:X (e.g. share:0.05 or share:5%)"
    ]


def test_every_analysis_command_has_the_same_filter_and_calendar_options() -> None:
    from procsimp.cli import main

    wanted = {"--from", "--to", "--frame", "--where", "--starts-with", "--ends-with", "--lead-time",
              "--variants", "--min-case-share", "--calendar", "--holidays", "--workdays", "--office-hours"}
    for name in ("validate", "profile", "mine", "flag", "propose", "report"):
        command = main.get_command(None, name)
        assert command is not None
        options = {o for p in command.params for o in p.opts}
        assert wanted <= options, (name, wanted - options)


def test_where_takes_the_source_header_of_a_mapped_column() -> None:
    from tests.conftest import DATA

    log = read_log(DATA / "good" / "dossiers_vi.csv")
    by_header = filter_log(log, where="kenh=Trực tuyến")
    assert by_header.n_cases == filter_log(log, where="channel=Trực tuyến").n_cases
    assert 0 < by_header.n_cases < log.n_cases


def test_the_report_header_and_its_json_carry_the_filters_and_the_calendar(tmp_path: Path) -> None:
    from procsimp.core.calendar import calendar_for
    from procsimp.report import report
    from tests.conftest import DATA

    log = read_log(DATA / "good" / "dossiers_vi.csv")
    narrowed = filter_log(log, where="channel!=Bưu chính")
    calendar, _ = calendar_for(narrowed, holidays="none")
    written = report(narrowed, tmp_path, lang="vi", formats=("svg",), calendar=calendar)
    page = written.html.read_text(encoding="utf-8")
    assert '<span lang="en">where channel!=Bưu chính: 2 of 3 dossiers kept</span>' in page
    assert '<span lang="vi">điều kiện channel!=Bưu chính: giữ 2/3 hồ sơ</span>' in page
    assert "Asia/Ho_Chi_Minh, Mon-Fri 07:30-11:30 13:30-17:00, no public holidays" in page
    kpis = json.loads((tmp_path / "kpis.json").read_text(encoding="utf-8"))
    assert all(k["filters"] == [dict(f) for f in narrowed.filters] for k in kpis)
    assert all(k["calendar"]["country"] is None for k in kpis)
    assert "Filter: where channel!=Bưu chính: 2 of 3 dossiers kept" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_mine_json_records_the_filters_and_the_calendar(tmp_path: Path) -> None:
    from tests.conftest import DATA

    code, _, err = invoke(
        "mine", DATA / "good" / "dossiers_vi.csv", "--ends-with", "Trả kết quả", "--format", "dot",
        "--out", tmp_path, "--timezone", "Asia/Bangkok", "--holidays", "TH",
    )
    assert code == 0, err
    assert "Filter: ends with Trả kết quả: 2 of 3 dossiers kept" in err
    records = json.loads((tmp_path / "mine.json").read_text(encoding="utf-8"))
    assert sum(r["cases"] for r in records) == 2
    for r in records:
        assert r["filters"][0]["filter"] == "ends with" and r["filters"][0]["cases_after"] == 2
        assert r["calendar"]["timezone"] == "Asia/Bangkok" and r["calendar"]["country"] == "TH"
