"""Synthetic dossier logs: determinism, ground truth checked against the log's behaviour,
the counterfactual to-be log, file formats and the ``procsimp generate`` command."""

from __future__ import annotations

import hashlib
import io
import json
import shlex
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from procsimp.core.calendar import classify_on_time, default_calendar
from procsimp.core.log import (
    ACTIVITY,
    CASE,
    CHANNEL,
    DUE,
    OUTCOME,
    RECEIVED,
    RESOURCE,
    SERVICE,
    START,
    TIMESTAMP,
    UNIT,
)
from procsimp.errors import ParameterError
from procsimp.read import frame_to_log
from procsimp.synth import SERVICE_IDS, WASTE_KINDS, generate
from procsimp.synth._write import CSV_HEADERS, csv_bytes
from procsimp.synth.templates import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
CAL = default_calendar()


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def std_vi():
    return generate(cases=1800, seed=11, lang="vi", to_be=True)


@pytest.fixture(scope="module")
def alt_en():
    return generate(cases=1800, seed=12, lang="en", structure="alt", to_be=True)


@pytest.fixture(scope="module")
def codes_vi():
    return generate(cases=1200, seed=13, lang="vi", structure="codes", to_be=True)


@pytest.fixture(params=["std_vi", "alt_en", "codes_vi"])
def result(request):
    return request.getfixturevalue(request.param)


def traces(df: pd.DataFrame) -> pd.DataFrame:
    """Events with their predecessor and successor in the dossier (the log is case/time sorted)."""
    out = pd.DataFrame({
        "case": df[CASE].astype(str).to_numpy(),
        "act": df[ACTIVITY].astype(str).to_numpy(),
        "res": df[RESOURCE].astype(str).to_numpy(),
        "unit": df[UNIT].astype(str).to_numpy(),
        "start": df[START].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(),
        "end": df[TIMESTAMP].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(),
        "service": df[SERVICE].astype(str).to_numpy(),
    })
    case = out["case"].to_numpy()
    same_next = np.r_[case[1:] == case[:-1], False]
    same_prev = np.r_[False, same_next[:-1]]

    def shifted(col: str, by: int) -> np.ndarray:
        values = out[col].to_numpy(dtype=object)
        pad = np.array([None], dtype=object)
        moved = np.concatenate([values[1:], pad]) if by == 1 else np.concatenate([pad, values[:-1]])
        return np.where(same_next if by == 1 else same_prev, moved, None)

    out["next"] = shifted("act", 1)
    out["next_res"] = shifted("res", 1)
    out["prev"] = shifted("act", -1)
    out["prev_res"] = shifted("res", -1)
    prev_end = np.r_[out["end"].to_numpy()[:1], out["end"].to_numpy()[:-1]]
    out["wait_wm"] = np.where(same_prev, CAL.working_minutes_between(pd.DatetimeIndex(prev_end).tz_localize("UTC"), pd.DatetimeIndex(out["start"]).tz_localize("UTC")), np.nan)
    out["proc_wm"] = CAL.working_minutes_between(pd.DatetimeIndex(out["start"]).tz_localize("UTC"), pd.DatetimeIndex(out["end"]).tz_localize("UTC"))
    out["pos"] = out.groupby("case").cumcount()
    return out


def for_service(t: pd.DataFrame, name: str) -> pd.DataFrame:
    return t[t["service"] == name]


def stage_labels(res) -> dict[str, str]:
    """Canonical stage key -> label in this log (from the truth's step list)."""
    out = {}
    for svc in res.truth["services"].values():
        for step in svc["steps"]:
            out.setdefault(step["key"], step["activity"])
    return out


def rejection_like(res, svc: dict) -> set[str]:
    """Labels that mean 'rejected' or 'rework' for a service: rejection notice, supplement request,
    and any repeated activity."""
    keys = {s["key"]: s["activity"] for s in svc["steps"]}
    return {keys["notify_rejection"], *(v for k, v in keys.items() if k == "request_supplement")}


# ---------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate(services=["birth_registration", "land_change_registration"], cases=300, seed=5, to_be=True)
    b = generate(services=["birth_registration", "land_change_registration"], cases=300, seed=5, to_be=True)
    pa_ = a.write(tmp_path / "a", ("csv", "parquet", "xes"))
    pb_ = b.write(tmp_path / "b", ("csv", "parquet", "xes"))
    assert [p.name for p in pa_] == [p.name for p in pb_]
    assert sorted(p.name for p in pa_) == sorted([
        "dossiers.csv", "dossiers_to_be.csv", "dossiers.parquet", "dossiers_to_be.parquet",
        "dossiers.xes", "dossiers_to_be.xes", "ground_truth.json",
    ])
    for x, y in zip(pa_, pb_, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name
    c = generate(services=["birth_registration", "land_change_registration"], cases=300, seed=6)
    assert csv_bytes(c.log, "vi") != csv_bytes(a.log, "vi")


def test_service_data_does_not_depend_on_other_services() -> None:
    alone = generate(services=["passport"], cases={"passport": 150}, seed=3)
    both = generate(services=["passport", "tax_registration"], cases={"passport": 150, "tax_registration": 80}, seed=3)
    name = next(iter(alone.truth["services"]))
    sub = both.log.for_service(name).df
    cols = [CASE, ACTIVITY, START, TIMESTAMP, SERVICE, CHANNEL, RECEIVED, DUE, OUTCOME]
    left = alone.log.df[cols].astype(str).reset_index(drop=True)
    right = sub[cols].astype(str).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_cli_same_seed_byte_identical(tmp_path: Path) -> None:
    from procsimp.cli import main

    runner = CliRunner()
    args = ["generate", "--services", "tax_registration,passport", "--cases", "200", "--seed", "9",
            "--lang", "en", "--to-be", "--format", "csv,parquet,xes"]
    r1 = runner.invoke(main, [*args, "--out", str(tmp_path / "one")])
    r2 = runner.invoke(main, [*args, "--out", str(tmp_path / "two")])
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0, r2.output
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == ["dossiers.csv", "dossiers.parquet", "dossiers.xes", "dossiers_to_be.csv",
                     "dossiers_to_be.parquet", "dossiers_to_be.xes", "ground_truth.json"]
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    header = (tmp_path / "one" / "dossiers.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "case_id,service,activity,start_time,end_time,officer,unit,channel,received,due,outcome"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--services", "nope"], "Error: service 'nope' has no synthetic template; available: "
         + ", ".join(SERVICE_IDS)),
        (["--format", "csv,pdf"], "Error: format 'pdf' is not supported; choose one or more of csv, "
         "parquet, xes (comma-separated, e.g. csv,parquet)"),
        (["--cases", "0"], "Error: cases must be a whole number >= 1 (dossiers in total); received 0"),
        (["--cases", "5"], "Error: cases (5) is fewer than the 8 services generated: each service needs "
         "at least one dossier; give cases >= 8, or fewer services"),
        (["--cases", "2", "--services", "passport,tax_registration,judicial_record"],
         "Error: cases (2) is fewer than the 3 services generated: each service needs at least one "
         "dossier; give cases >= 3, or fewer services"),
        (["--start", "2025-13-01"], "Error: start must be a date written YYYY-MM-DD; received '2025-13-01'"),
        (["--months", "0"], "Error: months must be a whole number from 1 to 120; received 0"),
    ],
)
def test_cli_errors_are_one_line(tmp_path: Path, args: list[str], line: str) -> None:
    from procsimp.cli import main

    r = CliRunner().invoke(main, ["generate", *args, "--out", str(tmp_path)])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == line


def test_cli_summary_counts_the_services_with_dossiers(tmp_path: Path) -> None:
    """With as many dossiers as services, every service gets one, and the summary says so."""
    from procsimp.cli import main

    r = CliRunner().invoke(main, ["generate", "--cases", "8", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    assert [s["cases"] for s in truth["services"].values()] == [1] * 8
    n_waste = sum(len(s["waste"]) for s in truth["services"].values())
    assert r.stderr.strip().splitlines()[-1].endswith(f", 8 services, {n_waste} injected waste items")
    r = CliRunner().invoke(main, ["generate", "--cases", "5", "--services", "passport,tax_registration",
                                  "--out", str(tmp_path / "two")])
    assert r.exit_code == 0, r.output
    assert ", 2 services, " in r.stderr


def test_python_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="lang must be 'vi' or 'en'"):
        generate(lang="fr")
    with pytest.raises(ParameterError, match="structure must be one of standard, alt, codes"):
        generate(structure="weird")
    with pytest.raises(ParameterError, match="seed must be a whole number"):
        generate(seed=-1)
    with pytest.raises(ParameterError, match="not among the services generated"):
        generate(services=["passport"], cases={"tax_registration": 10})
    with pytest.raises(ParameterError, match=r"cases \(7\) is fewer than the 8 services generated"):
        generate(cases=7)
    # a mapping may leave a service without dossiers on purpose
    res = generate(services=["passport", "tax_registration"], cases={"passport": 3, "tax_registration": 0})
    assert [s["cases"] for s in res.truth["services"].values()] == [3, 0]


def test_case_allocation_and_catalog_names() -> None:
    res = generate(cases=997, seed=1)
    assert res.log.n_cases == 997
    assert sum(s["cases"] for s in res.truth["services"].values()) == 997
    res2 = generate(services=["Đăng ký khai sinh", "passport"], cases={"birth_registration": 40, "passport": 7})
    assert [s["cases"] for s in res2.truth["services"].values()] == [40, 7]


# ---------------------------------------------------------------------------- truth layout
def test_truth_layout_and_coverage() -> None:
    res = generate(cases=400, seed=2)
    truth = json.loads(json.dumps(res.truth))  # JSON-serialisable
    assert set(truth) == {"generator", "services"}
    kinds: Counter[str] = Counter()
    for name, svc in truth["services"].items():
        assert {"service_id", "statutory_days", "waste", "keep", "kpis", "steps"} <= set(svc)
        for w in svc["waste"]:
            assert w["kind"] in WASTE_KINDS
            assert set(w) >= {"kind", "action", "activity", "into"}
            kinds[w["kind"]] += 1
        for k in svc["keep"]:
            assert k["reason"] in ("start", "end", "decision", "legal")
        removed = {w["activity"] for w in svc["waste"] if w["action"] in ("eliminate", "merge")}
        assert not removed & {k["activity"] for k in svc["keep"]}, name
        assert set(svc["kpis"]) == {"as_is"}
        assert "counterfactual" not in svc  # only with to_be
    assert "counterfactual" not in truth["generator"]
    # every kind several times across the templates; some services lack some kinds
    assert all(kinds[k] >= 3 for k in WASTE_KINDS if k != "rework_loop"), kinds
    assert kinds["rework_loop"] >= 6
    per_service = [{w["kind"] for w in s["waste"]} for s in truth["services"].values()]
    assert all(len(k) < len(WASTE_KINDS) for k in per_service)
    assert len(TEMPLATES) >= 8
    # different step structures
    assert len({tuple(s["key"] for s in svc["steps"]) for svc in truth["services"].values()}) == len(TEMPLATES)


def test_services_match_the_catalog() -> None:
    from procsimp.catalog import load_catalog

    cat = load_catalog()
    res = generate(cases=200, seed=4, lang="en")
    for name, svc in res.truth["services"].items():
        entry = cat.get(name)
        assert entry is not None and entry.id == svc["service_id"]
        assert svc["statutory_days"] == entry.statutory_days
        # every step the law requires for the service, when the template has it, is kept as legal
        for step in svc["steps"]:
            if cat.is_protected(name, step["activity"]):
                reasons = next(k["reasons"] for k in svc["keep"] if k["activity"] == step["activity"])
                assert "legal" in reasons


# ---------------------------------------------------------------------------- behaviour = truth
def waste_items(res, kind: str):
    for name, svc in res.truth["services"].items():
        for w in svc["waste"]:
            if w["kind"] == kind:
                yield name, svc, w


def test_relay_handoffs_behave_as_relays(result) -> None:
    t = traces(result.log.df)
    found = 0
    for name, _svc, w in waste_items(result, "relay_handoff"):
        ev = for_service(t, name)
        r = ev[ev["act"] == w["activity"]]
        assert len(r) > 20
        found += 1
        assert r["proc_wm"].median() <= 3.0 and r["proc_wm"].max() <= 15
        assert r["next"].nunique() == 1  # always the same successor
        assert (r["next_res"] != r["res"]).all() and (r["prev_res"] != r["res"]).all()
        assert r["wait_wm"].median() >= 60  # hours of waiting before it
    assert found >= 2


def test_non_waste_hand_offs_carry_real_work(result) -> None:
    """A step that is not waste never looks like a relay: its processing takes real time."""
    t = traces(result.log.df)
    for name, svc in result.truth["services"].items():
        ev = for_service(t, name)
        for step in svc["steps"]:
            if step["role"] == "waste":
                continue
            proc = ev.loc[ev["act"] == step["activity"], "proc_wm"]
            assert proc.median() >= 4.0, (name, step["activity"])


def test_rubber_stamps_never_change_what_follows(result) -> None:
    t = traces(result.log.df)
    n = 0
    for name, svc, w in waste_items(result, "rubber_stamp"):
        ev = for_service(t, name)
        r = ev[ev["act"] == w["activity"]]
        n += 1
        assert len(r) > 20
        assert r["next"].nunique() == 1
        assert not r["next"].isin(rejection_like(result, svc)).any()
        # never repeated within a dossier: no rework through it
        assert not r.duplicated("case").any()
        assert r["proc_wm"].median() < 20
    assert n >= 2


def test_duplicate_checks_find_nothing(result) -> None:
    t = traces(result.log.df)
    n = 0
    for name, svc, w in waste_items(result, "duplicate_check"):
        ev = for_service(t, name)
        r = ev[ev["act"] == w["activity"]]
        n += 1
        assert r["next"].nunique() == 1
        assert not r["next"].isin(rejection_like(result, svc)).any()
        # something was checked before in every dossier: the completeness check
        check = next(s["activity"] for s in svc["steps"] if s["key"] == "check_completeness")
        first_check = ev[ev["act"] == check].groupby("case")["pos"].min()
        assert (r.set_index("case")["pos"] > first_check.reindex(r["case"]).to_numpy()).all()
    assert n >= 2


def test_merge_pairs_share_the_officer(result) -> None:
    t = traces(result.log.df)
    n = 0
    for name, _svc, w in waste_items(result, "mergeable"):
        ev = for_service(t, name)
        r = ev[ev["act"] == w["activity"]]
        n += 1
        assert (r["prev"] == w["into"]).all()
        assert (r["prev_res"] == r["res"]).all()
        into = ev[ev["act"] == w["into"]]
        assert into["proc_wm"].median() > r["proc_wm"].median()  # the shorter step disappears
    assert n >= 2


def test_only_merge_pairs_always_share_the_officer(result) -> None:
    t = traces(result.log.df)
    t = t[t["next"].notna()]
    share = t.assign(same=t["res"] == t["next_res"]).groupby(["service", "act", "next"])["same"].agg(["mean", "size"])
    always = share[(share["mean"] > 0.5) & (share["size"] >= 10)]
    merges = {(name, w["into"], w["activity"]) for name, _s, w in waste_items(result, "mergeable")}
    assert set(always.index) == merges


def test_parallel_pairs(result) -> None:
    t = traces(result.log.df)
    n = 0
    for name, _svc, w in waste_items(result, "parallelizable"):
        ev = for_service(t, name)
        a, b = w["activity"], w["into"]
        fwd = ((ev["act"] == a) & (ev["next"] == b)).sum()
        back = ((ev["act"] == b) & (ev["next"] == a)).sum()
        cases = ev.loc[ev["act"] == a, "case"].nunique()
        assert fwd + back == cases  # always directly one after the other
        assert fwd >= back  # the truth names them in their most frequent order
        if w["order"] == "fixed":
            assert back == 0
        else:
            assert back >= 0.1 * cases
        ua = set(ev.loc[ev["act"] == a, "unit"])
        ub = set(ev.loc[ev["act"] == b, "unit"])
        assert not ua & ub  # different units
        n += 1
    assert n >= 2


def test_late_knockouts(result) -> None:
    t = traces(result.log.df)
    n = 0
    for name, svc, w in waste_items(result, "late_knockout"):
        ev = for_service(t, name)
        k = ev[ev["act"] == w["activity"]]
        notify = next(s["activity"] for s in svc["steps"] if s["key"] == "notify_rejection")
        rate = (k["next"] == notify).mean()
        assert 0.04 <= rate <= 0.22
        # late: several costly steps come between the step it should follow and the check
        into_pos = ev[ev["act"] == w["into"]].groupby("case")["pos"].max()
        gap = k.set_index("case")["pos"] - into_pos.reindex(k["case"]).to_numpy()
        assert gap.min() >= 3
        before = ev[ev["case"].isin(k["case"]) & (ev["pos"] < ev["case"].map(k.set_index("case")["pos"]))]
        assert before.groupby("case")["proc_wm"].sum().median() >= 150
        n += 1
    assert n >= 2


def test_rework_loops_match_the_truth(result) -> None:
    t = traces(result.log.df)
    n = 0
    for name, svc, w in waste_items(result, "rework_loop"):
        ev = for_service(t, name)
        share = ev.loc[ev["act"] == w["activity"], "case"].nunique() / ev["case"].nunique()
        if w["activity"] == next(s["activity"] for s in svc["steps"] if s["key"] == "request_supplement"):
            observed = share
        else:  # a repeated step: dossiers where it occurs twice or more
            counts = ev[ev["act"] == w["activity"]].groupby("case").size()
            observed = (counts >= 2).sum() / ev["case"].nunique()
            assert (ev[(ev["act"] == w["trigger"])]["next"] == w["activity"]).any()
        assert observed == pytest.approx(w["injected"]["observed_share"], abs=1e-3)
        assert 0.05 <= observed <= 0.45
        n += 1
    assert n >= 5


def test_decisions_route_and_kept_steps_are_not_waste(result) -> None:
    t = traces(result.log.df)
    for name, svc in result.truth["services"].items():
        ev = for_service(t, name)
        for k in svc["keep"]:
            if k["reason"] == "decision":
                succ = ev.loc[ev["act"] == k["activity"], "next"].dropna()
                assert succ.nunique() >= 2, (name, k["activity"])  # real decisions route


def test_times_fall_in_office_hours(result) -> None:
    df = result.log.df
    for col in (START, TIMESTAMP):
        local = df[col].dt.tz_convert("Asia/Ho_Chi_Minh")
        minute = local.dt.hour * 60 + local.dt.minute + local.dt.second / 60
        inside = ((minute >= 450) & (minute <= 690)) | ((minute >= 810) & (minute <= 1020))
        assert inside.all()
        assert CAL.is_workday(local.dt.tz_localize(None).dt.normalize()).all()
    assert (df[START] <= df[TIMESTAMP]).all()
    first = df.groupby(CASE, observed=True)[START].min()
    received = df.groupby(CASE, observed=True)[RECEIVED].first()
    assert (first >= received).all()


def test_due_dates_follow_the_calendar(std_vi) -> None:
    cases = std_vi.log.df.groupby(CASE, observed=True).agg(
        received=(RECEIVED, "first"), due=(DUE, "first"), service=(SERVICE, "first"))
    days = cases["service"].astype(str).map({n: s["statutory_days"] for n, s in std_vi.truth["services"].items()})
    expected = CAL.add_workdays(cases["received"], days.to_numpy())
    diff = np.abs((pd.DatetimeIndex(cases["due"]) - expected).total_seconds())
    assert diff.max() <= 1.0


def test_truth_kpis_recomputed_from_the_log(std_vi) -> None:
    for which, log in (("as_is", std_vi.log), ("to_be", std_vi.to_be)):
        df = log.df
        g = df.groupby(CASE, observed=True)
        cases = pd.DataFrame({
            "service": g[SERVICE].first().astype(str), "received": g[RECEIVED].first(),
            "due": g[DUE].first(), "last": g[TIMESTAMP].max(), "events": g.size(),
        })
        cases["timeliness"] = classify_on_time(cases["last"], cases["due"]).to_numpy()
        cases["lead_w"] = CAL.working_days_between(cases["received"], cases["last"])
        for name, svc in std_vi.truth["services"].items():
            c = cases[cases["service"] == name]
            k = svc["kpis"][which]
            assert k["cases"] == len(c)
            assert k["on_time_rate"] == pytest.approx((c["timeliness"] != "late").mean(), abs=1e-4)
            assert k["lead_time_workdays_mean"] == pytest.approx(c["lead_w"].mean(), abs=1e-4)
            assert k["steps_per_case"] == pytest.approx(c["events"].mean(), abs=1e-4)
            lead_d = (c["last"] - c["received"]).dt.total_seconds() / 86400
            assert k["lead_time_days_mean"] == pytest.approx(lead_d.mean(), abs=1e-4)


def test_logs_are_what_a_reader_makes(result) -> None:
    """The generator builds the EventLog directly; it must equal the normalised frame."""

    for log in (result.log, result.to_be):
        log.check()
        pd.testing.assert_frame_equal(frame_to_log(log.df).df, log.df)


# ---------------------------------------------------------------------------- counterfactual
def test_counterfactual(result) -> None:
    as_is, to_be = result.log.df, result.to_be.df
    assert set(as_is[CASE].astype(str)) == set(to_be[CASE].astype(str))
    n_a = as_is.groupby(CASE, observed=True).size()
    n_t = to_be.groupby(CASE, observed=True).size().reindex(n_a.index)
    assert (n_t <= n_a).all() and n_t.sum() < n_a.sum()
    last_a = as_is.groupby(CASE, observed=True)[TIMESTAMP].max()
    last_t = to_be.groupby(CASE, observed=True)[TIMESTAMP].max().reindex(last_a.index)
    # an independent truth: fresh waits make some dossiers slower, most are faster
    assert (last_t < last_a).mean() > 0.7
    assert 0.0 < (last_t > last_a).mean() < 0.3
    out_a = as_is.groupby(CASE, observed=True)[OUTCOME].first().astype(str)
    out_t = to_be.groupby(CASE, observed=True)[OUTCOME].first().astype(str).reindex(out_a.index)
    assert (out_a == out_t).all()
    for name, svc in result.truth["services"].items():
        a = as_is[as_is[SERVICE].astype(str) == name]
        b = to_be[to_be[SERVICE].astype(str) == name]
        acts_b = set(b[ACTIVITY].astype(str))
        for w in svc["waste"]:
            if w["action"] in ("eliminate", "merge"):
                assert w["activity"] not in acts_b
            if w["action"] == "merge":
                assert w["into"] in acts_b
            if w["action"] == "fix_rework":
                assert w["activity"] in acts_b  # rework stays
        for step in svc["steps"]:
            if step["role"] == "keep" and step["activity"] in set(a[ACTIVITY].astype(str)):
                assert step["activity"] in acts_b
        assert svc["kpis"]["to_be"]["lead_time_workdays_mean"] < svc["kpis"]["as_is"]["lead_time_workdays_mean"]
        assert svc["kpis"]["to_be"]["on_time_rate"] >= svc["kpis"]["as_is"]["on_time_rate"]


def test_counterfactual_assumptions(result) -> None:
    """The to-be keeps the as-is draws of the steps the edits leave alone (up to the documented
    queue factor of their unit) and draws the waits of the listed steps afresh."""
    assumptions = result.truth["generator"]["counterfactual"]
    assert set(assumptions) == {"same", "edits", "redrawn_waiting", "queues", "individual_dossiers"}
    before, after = traces(result.log.df), traces(result.to_be.df)
    for frame in (before, after):
        frame["nth"] = frame.groupby(["case", "act"]).cumcount()
    redrawn_somewhere = 0
    for name, svc in result.truth["services"].items():
        cf = svc["counterfactual"]
        assert set(cf) == {"redrawn_waiting", "queue_factors"}
        assert cf["redrawn_waiting"] and all(0.98 <= f < 1 for f in cf["queue_factors"].values())
        keys = {st["activity"]: st["key"] for st in svc["steps"]}
        paired = pd.merge(for_service(before, name), for_service(after, name),
                          on=["case", "act", "nth"], suffixes=("_a", "_t"))
        pairs = {a for w in svc["waste"] if w["action"] == "parallelize" for a in (w["activity"], w["into"])}
        paired = paired[~paired["act"].isin(pairs) & paired["wait_wm_a"].notna() & paired["wait_wm_t"].notna()]
        factor = paired["unit_t"].map(cf["queue_factors"]).fillna(1.0).to_numpy()
        factor = np.where(paired["act"].map(keys) == "resubmit", 1.0, factor)  # the citizen's time
        same = np.abs(paired["wait_wm_t"].to_numpy() - factor * paired["wait_wm_a"].to_numpy()) < 0.05
        fresh = paired["act"].isin(cf["redrawn_waiting"]).to_numpy()
        assert same[~fresh].all(), paired[~fresh & ~same][["case", "act", "wait_wm_a", "wait_wm_t"]].head()
        for act in set(paired.loc[fresh, "act"]):
            one = paired[paired["act"] == act]
            if (one["nth"] == 0).sum() < 30:
                continue
            one = one[one["nth"] == 0]
            redrawn_somewhere += 1
            assert (np.abs(one["wait_wm_t"] - one["wait_wm_a"]) < 0.05).mean() < 0.05, (name, act)
            # the same distribution: medians agree within sampling noise
            ratio = one["wait_wm_t"].median() / one["wait_wm_a"].median()
            assert 0.7 < ratio < 1.4, (name, act, ratio)
    assert redrawn_somewhere >= 8


def test_counterfactual_edits(std_vi) -> None:
    t = traces(std_vi.to_be.df)
    for name, svc in std_vi.truth["services"].items():
        ev = for_service(t, name)
        for w in svc["waste"]:
            if w["action"] == "move_earlier":
                k = ev[ev["act"] == w["activity"]]
                assert (k["prev"] == w["into"]).all()  # right after the completeness check
            if w["action"] == "parallelize":
                # both start from the same step: the second no longer waits for the first
                before = for_service(traces(std_vi.log.df), name)
                a_, b_ = w["activity"], w["into"]
                seq = before[(before["act"] == b_) & (before["prev"] == a_)].set_index("case")
                pred = before.loc[(before["act"] == a_) & (before["next"] == b_), "prev"].mode()[0]
                pred_end = ev[ev["act"] == pred].groupby("case")["end"].max().reindex(seq.index)
                b_start = ev[ev["act"] == b_].set_index("case")["start"].reindex(seq.index)
                wait = CAL.working_minutes_between(pd.DatetimeIndex(pred_end).tz_localize("UTC"),
                                                   pd.DatetimeIndex(b_start).tz_localize("UTC"))
                ok = ~np.isnan(wait)  # dossiers a moved knock-out now rejects never reach the pair
                assert ok.mean() > 0.7
                # it waits a fresh draw from the same distribution, counted from the predecessor
                assert (wait[ok] >= 0.5 - 0.05).all()
                assert (np.abs(wait[ok] - seq["wait_wm"].to_numpy()[ok]) < 0.05).mean() < 0.05
                assert 0.7 < np.median(wait[ok]) / np.median(seq["wait_wm"].to_numpy()[ok]) < 1.4
                a = ev[ev["act"] == a_].set_index("case")
                b = ev[ev["act"] == b_].set_index("case").reindex(a.index)
                assert ((b["start"] < a["end"]) & (a["start"] < b["end"])).any()  # overlapping work
        # merged: the absorbing step takes the processing of both
        for w in svc["waste"]:
            if w["action"] == "merge":
                before = traces(std_vi.log.df)
                before = for_service(before, name)
                p_into = before.loc[before["act"] == w["into"], "proc_wm"].sum()
                p_gone = before.loc[before["act"] == w["activity"], "proc_wm"].sum()
                p_after = ev.loc[ev["act"] == w["into"], "proc_wm"].sum()
                assert p_after == pytest.approx(p_into + p_gone, rel=0.01)


def test_truth_activities_exist_in_the_log(result) -> None:
    acts = set(result.log.df[ACTIVITY].astype(str))
    for svc in result.truth["services"].values():
        for w in svc["waste"]:
            assert w["activity"] in acts
            assert w["into"] is None or w["into"] in acts
        for k in svc["keep"]:
            if k["activity"] != next(s["activity"] for s in svc["steps"] if s["key"] == "notify_rejection"):
                assert k["activity"] in acts


def test_structures_differ(std_vi, codes_vi) -> None:
    alt_vi = generate(cases=300, seed=12, lang="vi", structure="alt")
    std_acts = set(std_vi.log.df[ACTIVITY].astype(str))
    alt_acts = set(alt_vi.log.df[ACTIVITY].astype(str))
    assert not std_acts & alt_acts  # other wording everywhere
    assert not set(std_vi.log.df[UNIT].astype(str)) & set(alt_vi.log.df[UNIT].astype(str))
    codes = set(codes_vi.log.df[ACTIVITY].astype(str))
    assert all(c.replace("_", "").isalnum() and c.isascii() for c in codes)  # opaque codes
    # other intensities: the supplement share changes in most services
    std = {n: w["injected"]["share"] for n, _s, w in waste_items(std_vi, "rework_loop")}
    alt = {n: w["injected"]["share"] for n, _s, w in waste_items(alt_vi, "rework_loop")}
    assert sum(std[n] != alt.get(n) for n in std) >= 4


def test_labels_in_both_languages(std_vi, alt_en) -> None:
    vi = set(std_vi.log.df[ACTIVITY].astype(str))
    assert {"Tiếp nhận hồ sơ", "Kiểm tra tính đầy đủ", "Yêu cầu bổ sung hồ sơ", "Nộp bổ sung hồ sơ",
            "Chuyển hồ sơ đến phòng chuyên môn", "Phân công xử lý", "Thẩm định hồ sơ",
            "Xem xét, trình ký", "Ký duyệt kết quả", "Thông báo từ chối", "Trả kết quả"} <= vi
    en = generate(cases=300, seed=1, lang="en")
    assert {"Receive dossier", "Notify rejection", "Return result"} <= set(en.log.df[ACTIVITY].astype(str))
    assert set(std_vi.log.df[CHANNEL].astype(str)) == {"Trực tuyến", "Trực tiếp", "Bưu chính"}
    assert set(alt_en.log.df[CHANNEL].astype(str)) == {"online", "counter", "postal"}


# ---------------------------------------------------------------------------- files
def test_csv_layout_vi(std_vi) -> None:
    text = csv_bytes(std_vi.log, "vi").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(CSV_HEADERS["vi"].values())
    assert lines[0] == "ma_ho_so,thu_tuc,buoc,bat_dau,ket_thuc,can_bo,phong_ban,kenh,ngay_nhan,han_xu_ly,ket_qua"
    df = pd.read_csv(io.StringIO(text), dtype=str)
    assert len(df) == std_vi.log.n_events
    assert df["bat_dau"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d").all()
    parsed = pd.to_datetime(df["ket_thuc"], format="%d/%m/%Y %H:%M:%S").dt.tz_localize("Asia/Ho_Chi_Minh")
    assert (parsed.to_numpy() == std_vi.log.df[TIMESTAMP].to_numpy()).all()
    assert (df["buoc"].to_numpy() == std_vi.log.df[ACTIVITY].astype(str).to_numpy()).all()


def test_parquet_and_xes_round_trip(tmp_path: Path) -> None:
    from procsimp.core._pm4py import pm4py

    res = generate(services=["judicial_record"], cases=120, seed=2, lang="en")
    paths = res.write(tmp_path, ("parquet", "xes"))
    pq = pd.read_parquet(paths[0])
    assert len(pq) == res.log.n_events
    assert (pq[TIMESTAMP].to_numpy() == res.log.df[TIMESTAMP].to_numpy()).all()
    xes = pm4py().read_xes(str(paths[1]), variant="rustxes")
    assert len(xes) == res.log.n_events
    assert {CASE, ACTIVITY, TIMESTAMP, START, RESOURCE, UNIT, SERVICE, CHANNEL, RECEIVED, DUE, OUTCOME} <= set(xes.columns)
    xes = xes.sort_values([CASE, TIMESTAMP], kind="stable").reset_index(drop=True)
    assert (pd.to_datetime(xes[TIMESTAMP], utc=True).to_numpy() == res.log.df[TIMESTAMP].dt.tz_convert("UTC").to_numpy()).all()
    assert list(xes[ACTIVITY].astype(str)) == list(res.log.df[ACTIVITY].astype(str))


def test_files_read_back_with_read_log(tmp_path: Path) -> None:
    from procsimp.read import read_log

    for lang in ("vi", "en"):
        res = generate(services=["birth_registration", "passport"], cases=150, seed=1, lang=lang)
        for path in res.write(tmp_path / lang, ("csv", "parquet", "xes"))[:-1]:
            log = read_log(path)
            assert log.n_events == res.log.n_events, path.name
            assert log.n_cases == res.log.n_cases
            for role in ("start", "resource", "unit", "service", "channel", "received", "due", "outcome"):
                assert log.has(role), (path.name, role)
            assert (log.df[TIMESTAMP].dt.tz_convert("UTC").to_numpy() == res.log.df[TIMESTAMP].dt.tz_convert("UTC").to_numpy()).all()
            assert list(log.df[ACTIVITY].astype(str)) == list(res.log.df[ACTIVITY].astype(str))


def test_repr_and_tables(std_vi) -> None:
    assert "SynthResult(services=8" in repr(std_vi)
    assert "<table" in std_vi._repr_html_()
    assert set(std_vi.kpis()["log"]) == {"as_is", "to_be"}
    assert len(std_vi.waste()) == sum(len(s["waste"]) for s in std_vi.truth["services"].values())


# ---------------------------------------------------------------------------- bundled logs
def _readme_commands() -> list[list[str]]:
    readme = (ROOT / "event_logs" / "README.md").read_text(encoding="utf-8")
    return [shlex.split(line.strip()[len("procsimp "):]) for line in readme.splitlines()
            if line.strip().startswith("procsimp generate ")]


def test_bundled_logs_regenerate_byte_identical(tmp_path: Path) -> None:
    from procsimp.cli import main

    commands = _readme_commands()
    assert len(commands) >= 2
    produced = []
    for args in commands:
        i = args.index("--out")
        args[i + 1] = str(tmp_path)
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, r.output
        produced += [Path(line) for line in r.stdout.splitlines() if line.strip()]
    names = {p.name for p in produced}
    assert {"dossiers_vi.csv", "ground_truth_vi.json", "dossiers_en.csv", "ground_truth_en.json"} <= names
    for p in produced:
        bundled = ROOT / "event_logs" / p.name
        assert bundled.exists(), p.name
        assert hashlib.sha256(p.read_bytes()).hexdigest() == hashlib.sha256(bundled.read_bytes()).hexdigest(), (
            f"{p.name} differs from the bundled file: regenerate it with the command in event_logs/README.md"
        )


def test_bundled_vi_log_content() -> None:
    path = ROOT / "event_logs" / "dossiers_vi.csv"
    assert path.stat().st_size < 10_500_000
    truth = json.loads((ROOT / "event_logs" / "ground_truth_vi.json").read_text(encoding="utf-8"))
    assert len(truth["services"]) >= 6
    assert truth["generator"]["lang"] == "vi"
    head = path.read_text(encoding="utf-8").splitlines()[:2]
    assert head[0].startswith("ma_ho_so,thu_tuc,buoc,")
    assert 2000 <= sum(s["cases"] for s in truth["services"].values()) <= 6000


@pytest.mark.parametrize("command", ["validate", "profile"])
def test_validate_and_profile_read_the_bundled_logs(command: str) -> None:
    from procsimp.cli import main

    for name in ("dossiers_vi.csv", "dossiers_en.csv"):
        r = CliRunner().invoke(main, [command, str(ROOT / "event_logs" / name)])
        assert r.exit_code == 0, r.output
        assert "Error" not in r.output
