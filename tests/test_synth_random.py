"""The randomised procedure family (``generate(structure="random")``) and the matcher of the
generalisation benchmark (``benchmarks/bench_detect_generalise.py``).

No accuracy threshold is asserted on the family here: the detectors are measured by the
benchmark, on the training seeds while tuning and on the test seeds once.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from procsimp import read_log
from procsimp.core.calendar import WorkCalendar
from procsimp.core.log import ACTIVITY, CASE, RESOURCE, SERVICE, START, TIMESTAMP, UNIT
from procsimp.errors import ParameterError
from procsimp.synth import generate
from procsimp.synth._random import OFFICE_HOURS, PATTERNS
from procsimp.synth._write import csv_bytes, truth_text
from tests.conftest import ROOT, invoke, load_script

#: seeds the data checks run on; together they hold every waste pattern and non-waste pattern
SEEDS = range(0, 40)
REMOVAL = ("eliminate", "merge", "automate")


@pytest.fixture(scope="module")
def family() -> list[tuple[int, object]]:
    return [(s, generate(structure="random", seed=s, lang="vi" if s % 2 == 0 else "en")) for s in SEEDS]


@pytest.fixture(scope="module")
def bench():
    return load_script(ROOT / "benchmarks" / "bench_detect_generalise.py")


def _service(res) -> tuple[str, dict, pd.DataFrame]:
    (name, truth), = res.truth["services"].items()
    df = res.log.df
    df = df[df[SERVICE] == name].copy()
    for col in (CASE, ACTIVITY, RESOURCE, UNIT):
        df[col] = df[col].astype(str)
    return name, truth, df.reset_index(drop=True)


def _previous(df: pd.DataFrame) -> pd.DataFrame:
    """Each event with the officer, unit and step of the case's previous event."""
    out = df.copy()
    same = out[CASE].eq(out[CASE].shift())
    for col in (RESOURCE, UNIT, ACTIVITY):
        out["prev_" + col] = out[col].shift().where(same)
    return out


# ---------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes_and_service_independent_of_batch() -> None:
    a = generate(structure="random", seed=11, services=3, lang="en")
    b = generate(structure="random", seed=11, services=3, lang="en")
    assert csv_bytes(a.log, "en") == csv_bytes(b.log, "en")
    assert truth_text(a.truth) == truth_text(b.truth)
    c = generate(structure="random", seed=12, services=3, lang="en")
    assert csv_bytes(c.log, "en") != csv_bytes(a.log, "en")
    # the i-th service comes from seed + i alone: seed 12 drawn alone is the second of a's
    alone = generate(structure="random", seed=12, lang="en")
    (name, t_alone), = alone.truth["services"].items()
    t_batch = a.truth["services"][name]
    for key in ("steps", "waste", "keep", "office_hours", "cases", "events", "protect", "alternatives"):
        assert t_alone[key] == t_batch[key], key
    cols = [CASE, ACTIVITY, START, TIMESTAMP]
    left = alone.log.df[cols].astype(str).reset_index(drop=True)
    right = a.log.df[a.log.df[SERVICE] == name][cols].astype(str).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_cli_random_byte_identical(tmp_path: Path) -> None:
    args = ["generate", "--structure", "random", "--services", "2", "--seed", "21", "--format", "csv,parquet"]
    for out in ("one", "two"):
        code, _, err = invoke(*args, "--out", tmp_path / out)
        assert code == 0, err
        assert "2 services" in err
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == ["dossiers.csv", "dossiers.parquet", "ground_truth.json"]
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    truth = json.loads((tmp_path / "one" / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["generator"]["structure"] == "random"
    assert truth["generator"]["seeds"] == [21, 22]


def test_cli_random_bad_input(tmp_path: Path) -> None:
    code, _, err = invoke("generate", "--structure", "random", "--services", "passport", "--out", tmp_path)
    assert code == 2
    assert "'passport' is not a number; with --structure random, --services is how many services to draw" in err
    code, _, err = invoke("generate", "--structure", "random", "--to-be", "--out", tmp_path)
    assert code == 1
    assert err.strip().splitlines() == [
        "Error: to_be is not available with structure='random' (its counterfactual is not built); "
        "leave out --to-be, or use a template structure"
    ]
    assert not any(tmp_path.iterdir())  # nothing written


def test_parameters_rejected() -> None:
    with pytest.raises(ParameterError, match="services is the number of services to draw"):
        generate(structure="random", services=0)
    with pytest.raises(ParameterError, match="services is the number of services to draw"):
        generate(structure="random", services=["passport"])
    with pytest.raises(ParameterError, match="cases must be a whole number >= the 3 services drawn"):
        generate(structure="random", services=3, cases=2)
    with pytest.raises(ParameterError, match="calendar cannot be given with structure='random'"):
        generate(structure="random", calendar=WorkCalendar())


def test_cases_split_by_volume() -> None:
    res = generate(structure="random", seed=30, services=4, cases=1000)
    counts = [s["cases"] for s in res.truth["services"].values()]
    assert sum(counts) == 1000 == res.log.n_cases
    own = generate(structure="random", seed=30, services=4)
    own_counts = [s["cases"] for s in own.truth["services"].values()]
    assert all(150 <= c <= 600 for c in own_counts)
    assert np.argmax(counts) == np.argmax(own_counts)  # the split follows each draw's volume


# ---------------------------------------------------------------------------- every draw validates
def test_every_draw_reads_back_and_its_truth_is_in_the_log(family, tmp_path: Path) -> None:
    for seed, res in family[:12]:
        lang = res.lang
        path = res.write(tmp_path / str(seed), ("csv",))[0]
        back = read_log(path)
        assert back.n_events == res.log.n_events and back.n_cases == res.log.n_cases
        (name, truth), = res.truth["services"].items()
        acts = set(back.df.loc[back.df[SERVICE].astype(str) == name, ACTIVITY].astype(str))
        named = {s["activity"] for s in truth["steps"]}
        assert named == acts, (seed, named ^ acts)
        for w in truth["waste"]:
            assert w["activity"] in acts and (w["into"] is None or w["into"] in acts), (seed, w)
            assert w["pattern"] in PATTERNS and set(w["patterns"]) <= set(PATTERNS)
        keep = {k["activity"] for k in truth["keep"]}
        removal = {w["activity"] for w in truth["waste"] if w["action"] in REMOVAL}
        assert keep and removal.isdisjoint(keep), (seed, removal & keep)
        assert set(truth["protect"]) <= acts
        assert tuple(tuple(p) for p in truth["office_hours"]) in OFFICE_HOURS
        assert back.df[SERVICE].nunique() == 1 and lang in ("vi", "en")


def test_names_differ_across_draws(family) -> None:
    names = {}
    for seed, res in family:
        (_, truth), = res.truth["services"].items()
        names[seed] = frozenset(s["activity"] for s in truth["steps"])
    for a, b in zip(SEEDS, list(SEEDS)[2:], strict=False):  # the same language two seeds apart
        assert names[a] != names[b]
        share = len(names[a] & names[b]) / min(len(names[a]), len(names[b]))
        assert share < 0.7, (a, b, sorted(names[a] & names[b]))
    services = [next(iter(res.truth["services"])) for _, res in family]
    assert len(set(services)) == len(services)
    opaque = sum(next(iter(res.truth["services"].values()))["opaque_names"] for _, res in family)
    assert 0 < opaque < len(family)  # some draws use opaque codes, most use words


def test_the_draws_vary(family) -> None:
    truths = [next(iter(res.truth["services"].values())) for _, res in family]
    hours = Counter(tuple(map(tuple, t["office_hours"])) for t in truths)
    assert len(hours) >= 3
    assert (("07:00", "11:30"), ("13:00", "16:30")) in hours
    assert len({len(t["steps"]) for t in truths}) >= 5
    sizes = {n for t in truths for n in t["pools"].values()}
    assert {1, 8} <= sizes
    continuity = [t["continuity"] for t in truths]
    assert min(continuity) < 0.2 and max(continuity) > 0.8
    patterns = {p for t in truths for w in t["waste"] for p in w["patterns"]}
    assert patterns == set(PATTERNS), set(PATTERNS) - patterns
    reasons = {r for t in truths for k in t["keep"] for r in k["reasons"]}
    assert reasons == {"start", "end", "legal", "decision", "external", "by_design"}


def test_office_hours_are_the_draws(family) -> None:
    for seed, res in family[:10]:
        name, truth, df = _service(res)
        (a0, a1), (b0, b1) = truth["office_hours"]
        for col in (START, TIMESTAMP):
            t = df[col].dt.tz_convert("Asia/Ho_Chi_Minh")
            clock = t.dt.strftime("%H:%M:%S")
            inside = clock.between(a0, a1 + ":00") | clock.between(b0, b1 + ":00")
            assert inside.mean() > 0.99, (seed, col, clock[~inside].head().tolist())


# ---------------------------------------------------------------------------- truth holds in the data
def _items(family, pattern: str):
    found = []
    for seed, res in family:
        name, truth, df = _service(res)
        for w in truth["waste"]:
            if pattern in w["patterns"]:
                found.append((seed, truth, _previous(df), w))
    assert found, f"no draw among seeds {SEEDS} has the pattern {pattern}"
    return found


def test_same_officer_patterns(family) -> None:
    for pattern in ("desk_transfer_same_officer", "recheck_same_officer", "same_officer_followup"):
        for seed, _, ev, w in _items(family, pattern):
            at = ev[ev[ACTIVITY] == w["activity"]]
            same = (at[RESOURCE] == at["prev_" + RESOURCE]).mean()
            assert same >= 0.85, (pattern, seed, same)
            if pattern == "same_officer_followup":  # always right after the step it merges into
                assert (at["prev_" + ACTIVITY] == w["into"]).mean() > 0.9
    for pattern in ("desk_transfer_handover", "recheck_same_unit"):
        for seed, _, ev, w in _items(family, pattern):
            at = ev[ev[ACTIVITY] == w["activity"]]
            assert (at[UNIT] == at["prev_" + UNIT]).mean() > 0.9, (pattern, seed)
            assert (at[RESOURCE] == at["prev_" + RESOURCE]).mean() < 0.05, (pattern, seed)


def test_layered_approvals_never_reject_and_stay_in_the_unit(family) -> None:
    for pattern in ("layered_approval_same_unit", "submission_for_signature", "approval_layer_other_unit"):
        for seed, truth, ev, w in _items(family, pattern):
            at = ev[ev[ACTIVITY] == w["activity"]]
            nxt = ev[ACTIVITY].shift(-1)[at.index]
            same_case = ev[CASE].shift(-1)[at.index] == at[CASE]
            follow = nxt[same_case]
            # what follows a rubber stamp is never a rejection notice nor a repeated earlier step
            earlier = set(ev.loc[: at.index.min(), ACTIVITY]) - {w["activity"]}
            ends = {k["activity"] for k in truth["keep"] if k["reason"] == "end"}
            assert not (set(follow) & earlier - ends), (pattern, seed)
            assert at.groupby(CASE).size().max() == 1
            if pattern == "layered_approval_same_unit":  # inside the unit that appraises
                appraisal = next(st["activity"] for st in truth["steps"] if st["key"] == "appraise")
                assert set(at[UNIT]) == set(ev.loc[ev[ACTIVITY] == appraisal, UNIT]), (seed, w)
                assert w["injected"]["processing_minutes_median"] <= 10 < w["injected"]["waiting_minutes_median"]


def test_consultation_orders(family) -> None:
    def orders(ev: pd.DataFrame, a: str, b: str) -> Counter:
        c: Counter = Counter()
        for _, g in ev[ev[ACTIVITY].isin([a, b])].groupby(CASE, sort=False):
            acts = g[ACTIVITY].tolist()
            if len(set(acts)) == 2:
                c[acts[0]] += 1
        return c

    for seed, _, ev, w in _items(family, "sequential_consultations"):
        c = orders(ev, w["activity"], w["into"])
        assert set(c) == {w["activity"]} and w["order"] == "fixed", (seed, c)
    for pattern in ("consultations_varying_order", "swap_after_transfer"):
        for seed, _, ev, w in _items(family, pattern):
            c = orders(ev, w["activity"], w["into"])
            assert len(c) == 2 and min(c.values()) >= 0.1 * sum(c.values()), (pattern, seed, c)
            assert w["order"] == "varies"
    for seed, _, ev, w in _items(family, "transfer_before_swapped_steps"):
        after = ev[ev["prev_" + ACTIVITY] == w["activity"]][ACTIVITY]
        assert after.nunique() == 2, (seed, after.value_counts())  # routing varies only by the swap


def test_alternative_endings_never_co_occur(family) -> None:
    seen = 0
    for seed, res in family:
        name, truth, df = _service(res)
        per_case = df.groupby(CASE)[ACTIVITY].agg(set)
        for a, b in truth["alternatives"]:
            seen += 1
            both = per_case.map(lambda s, a=a, b=b: a in s and b in s)
            assert not both.any(), (seed, a, b)
            assert per_case.map(lambda s, a=a: a in s).any() and per_case.map(lambda s, b=b: b in s).any()
    assert seen >= 3


def test_external_steps_behave_as_labelled(family) -> None:
    timers = appeals = 0
    for seed, res in family:
        name, truth, df = _service(res)
        ev = _previous(df)
        n_cases = df[CASE].nunique()
        cal = WorkCalendar(hours=[tuple(p) for p in truth["office_hours"]])
        for e in truth["external"]:
            at = ev[ev[ACTIVITY] == e["activity"]]
            if e["driver"] == "timer":
                timers += 1
                assert (at["prev_" + ACTIVITY] == e["after"]).all()
                prev_end = df.loc[at.index - 1, TIMESTAMP].to_numpy()
                gap = cal.working_minutes_between(prev_end, at[TIMESTAMP].to_numpy())
                expected = e["delay_workdays"] * cal.minutes_per_day
                assert np.abs(gap / expected - 1).max() < 0.02, (seed, gap[:5], expected)
                assert 0.05 < at[CASE].nunique() / n_cases < 0.45
            elif e["driver"] == "third party":
                appeals += 1
                share = at[CASE].nunique() / n_cases
                assert 0 < share < 0.12, (seed, share)
                sign = {k["activity"] for k in truth["keep"] if k["reason"] == "legal"}
                before = df[df[CASE].isin(at[CASE])].groupby(CASE)[ACTIVITY].agg(list)
                assert all(any(s in acts[: acts.index(e["activity"])] for s in sign) for acts in before)  # late
    assert timers and appeals


def test_repetition_by_design_has_no_send_back(family) -> None:
    checked = 0
    for seed, res in family:
        name, truth, df = _service(res)
        supplement = {w["activity"] for w in truth["waste"] if w["action"] == "fix_rework"}
        for d in truth["by_design"]:
            checked += 1
            counts = df[df[ACTIVITY] == d["activity"]].groupby(CASE).size()
            assert counts.max() >= 2 and counts.min() >= d["repeats"][0], (seed, d)
            cases = df[df[CASE].isin(counts[counts >= 2].index)]
            for _, g in cases.groupby(CASE, sort=False):
                acts = g[ACTIVITY].tolist()
                first = acts.index(d["activity"])
                between = acts[first:]
                assert not (set(between) & (supplement - {d["activity"]})), (seed, between)
    assert checked >= 2


# ---------------------------------------------------------------------------- the benchmark's matcher
def _truth() -> dict:
    return {
        "waste": [
            {"kind": "relay_handoff", "action": "automate", "activity": "T", "into": None,
             "pattern": "desk_transfer_same_officer", "patterns": ["desk_transfer_same_officer"]},
            {"kind": "rubber_stamp", "action": "eliminate", "activity": "R", "into": None,
             "pattern": "layered_approval_same_unit", "patterns": ["layered_approval_same_unit"]},
            {"kind": "mergeable", "action": "merge", "activity": "D", "into": "A",
             "pattern": "same_officer_followup", "patterns": ["same_officer_followup"]},
            {"kind": "parallelizable", "action": "parallelize", "activity": "C1", "into": "C2", "order": "fixed",
             "pattern": "sequential_consultations", "patterns": ["sequential_consultations"]},
            {"kind": "rework_loop", "action": "fix_rework", "activity": "S", "into": None, "trigger": "K",
             "pattern": "supplement_loop", "patterns": ["supplement_loop"]},
        ],
        "steps": [{"activity": a, "key": k} for a, k in
                  [("T", "transfer"), ("X", "assign"), ("OUT1", "return_desk"), ("PAY", "instalment"),
                   ("C2", "consult_2")]],
        "keep": [{"activity": a, "reason": r, "reasons": [r]} for a, r in
                 [("IN", "start"), ("A", "decision"), ("SIGN", "legal"), ("OUT1", "end"), ("OUT2", "end"),
                  ("PAY", "by_design"), ("FINE", "external")]],
    }


def _flag(activity: str, action: str, confidence: float, into: str | None = None, kind: str = "k") -> dict:
    return {"service": "svc", "activity": activity, "into": into, "kind": kind, "action": action,
            "confidence": confidence}


def test_matcher_on_hand_made_flags(bench) -> None:
    flags = [
        _flag("T", "eliminate", 0.95),  # right step, wrong action: automate was due
        _flag("R", "eliminate", 0.85),  # right
        _flag("A", "merge", 0.75, into="D"),  # right: the same merge named the other way round
        _flag("C2", "parallelize", 0.65, into="C1"),  # right, either order
        _flag("OUT1", "parallelize", 0.55, into="OUT2"),  # alternative endings: on kept steps
        _flag("PAY", "fix_rework", 0.9),  # instalments read as rework: on a kept step
        _flag("SIGN", "reduce_wait", 0.9),  # about the wait before a step that stays: allowed
        _flag("X", "eliminate", 0.3),  # a neutral step: wrong, not on a kept step
        {**_flag("R", "eliminate", 1.0), "service": "other"},  # another service: ignored
    ]
    s = bench.score_service("svc", _truth(), flags)
    assert [(w["activity"], hit) for w, hit in zip(s.truth_removal, s.found_removal, strict=True)] == [
        ("T", False), ("R", True), ("D", True)]
    assert s.removal_flags == [("eliminate", False, "wrong action"), ("eliminate", True, "right"),
                               ("merge", True, "right"), ("eliminate", False, "other step")]
    assert (s.pairs, s.pairs_found) == (1, 1)
    assert sorted(s.on_kept) == [("k", "fix_rework", "PAY"), ("k", "parallelize", "OUT1")]
    assert sorted(s.on_kept_reasons) == ["by_design", "end"]
    assert s.wrong_steps == ["k/eliminate on transfer", "k/parallelize on return_desk", "k/fix_rework on instalment",
                             "k/eliminate on assign"]
    assert bench.score_service("svc", _truth(), [_flag("C2", "eliminate", 0.9)]).wrong_steps == ["k/eliminate on consult"]
    assert dict(s.patterns) == {"desk_transfer_same_officer": False, "layered_approval_same_unit": True,
                                "same_officer_followup": True, "sequential_consultations": True,
                                "supplement_loop": False}
    summary = bench.Summary()
    summary.add(s)
    summary.add(bench.score_service("svc", _truth(), [_flag("T", "automate", 0.92), _flag("C1", "parallelize", 0.8, into="C2"),
                                                      _flag("S", "fix_rework", 0.7)]))
    res = summary.table()
    r = res["removal"]
    assert (r["automate"]["flags"], r["automate"]["right"], r["automate"]["truth"], r["automate"]["found"]) == (1, 1, 2, 1)
    assert (r["eliminate"]["flags"], r["eliminate"]["right"]) == (3, 1)
    assert (r["all"]["flags"], r["all"]["right"], r["all"]["truth"], r["all"]["found"]) == (5, 3, 6, 3)
    assert r["all"]["precision"] == pytest.approx(0.6) and r["all"]["recall"] == pytest.approx(0.5)
    assert res["services_with_flag_on_kept_step"]["services"] == 1
    assert res["parallel"]["every_pair_found"] == 2 and res["parallel"]["share"] == 1.0
    assert res["patterns"]["desk_transfer_same_officer"]["found"] == 1
    assert res["patterns"]["desk_transfer_same_officer"]["truth"] == 2
    bands = {b["band"]: (b["flags"], b["right"]) for b in res["reliability"]}
    # judged: eliminate/merge/automate/parallelize/fix_rework flags; reduce_wait is not judged
    assert bands == {"0.0-0.5": (1, 0), "0.5-0.6": (1, 0), "0.6-0.7": (1, 1), "0.7-0.8": (2, 2),
                     "0.8-0.9": (2, 2), "0.9-1.0": (3, 1)}
    text = bench.render(res, "hand-made")
    assert "automate" in text and "recall per waste pattern" in text and "0.9-1.0" in text


def test_wilson_and_seed_ranges(bench) -> None:
    assert bench.wilson(0, 0) == (0.0, 1.0)
    lo, hi = bench.wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = bench.wilson(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)
    assert bench.parse_seeds("0-3,7,2-4") == [0, 1, 2, 3, 7, 4]
    with pytest.raises(SystemExit, match="is not a seed or a range"):
        bench.parse_seeds("a-b")
    with pytest.raises(SystemExit, match="increasing range"):
        bench.parse_seeds("9-3")
    assert list(bench.TRAINING) == list(range(100)) and list(bench.TEST) == list(range(100, 400))
    assert list(bench.TEST2) == list(range(400, 700)) and list(bench.TEST3) == list(range(700, 1000))


def test_benchmark_runs_end_to_end(bench, tmp_path: Path, capsys) -> None:
    out = tmp_path / "res.json"
    assert bench.main(["--seeds", "0-1", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "randomised family, seeds 0-1: 2 services" in text
    res = json.loads(out.read_text(encoding="utf-8"))
    assert res["services"] == 2
    assert set(res["removal"]) == {"eliminate", "merge", "automate", "all"}
    truth_items = sum(
        1 for s in (0, 1)
        for t in generate(structure="random", seed=s, lang="vi" if s % 2 == 0 else "en").truth["services"].values()
        for w in t["waste"] if w["action"] in REMOVAL
    )
    assert res["removal"]["all"]["truth"] == truth_items


def test_a_number_of_services_is_only_for_the_random_family() -> None:
    with pytest.raises(ParameterError, match="a number of services is for structure='random'"):
        generate(services=3)
