"""Calibrated confidence of the flags (procsimp.flag.calibration, benchmarks/fit_calibration.py)."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

from procsimp.flag import flag_steps
from procsimp.flag.calibration import (
    POOLED,
    Band,
    Calibration,
    CalibrationError,
    fit_calibration,
    load_calibration,
    shrink,
)
from procsimp.flag.flag import Flag
from procsimp.flag.pipeline import CatalogWarning
from tests.conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
FIT = ROOT / "benchmarks" / "fit_calibration.py"


@pytest.fixture(scope="module")
def fit_script():
    return load_script(FIT)


def _flag(*, kind: str = "relay_handoff", action: str = "eliminate", raw: float = 0.85, cases: int = 300) -> Flag:
    into = "Ký duyệt" if action in ("merge", "parallelize") else None
    return Flag(service="S", activity="Chuyển hồ sơ", kind=kind, action=action, confidence=raw, into=into,
                evidence={"cases": cases, "name_hint": False})


# ---------------------------------------------------------------------------- the shipped table
def test_shipped_table_loads_from_training_seeds_with_its_date() -> None:
    cal = load_calibration()
    assert cal.groups and POOLED in cal.groups
    lo, _, hi = cal.seeds.partition("-")
    assert int(lo) >= 0 and int(hi or lo) < 100  # fitted on the training family only
    assert dt.date.fromisoformat(cal.fitted) <= dt.datetime.now(dt.timezone.utc).date()
    assert "seeds" in cal.source and cal.z > 0
    assert "Calibration" in cal._repr_html_() and cal.seeds in repr(cal)


def test_shipped_table_maps_monotonically() -> None:
    cal = load_calibration()
    grid = [i / 200 for i in range(201)]
    for name, bands in cal.groups.items():
        kind, _, action = name.rpartition("/") if "/" in name else ("x", "", "eliminate")
        assert [b.raw_from for b in bands] == sorted({b.raw_from for b in bands}), name
        probs = [cal.probability(kind if kind != POOLED else "no_such_detector", action, r)[0] for r in grid]
        assert all(a <= b for a, b in zip(probs, probs[1:], strict=False)), name
        assert all(0.0 < p < 1.0 for p in probs), name
        assert all(b.flags > 0 and 0 <= b.right <= b.flags for b in bands), name


def test_a_flag_without_truth_keeps_its_raw_score_and_an_unknown_detector_uses_the_pooled_table() -> None:
    cal = load_calibration()
    assert cal.probability("waiting_hotspot", "reduce_wait", 0.73) == (0.73, None)
    _, table = cal.probability("a_new_detector", "eliminate", 0.8)
    assert table in (f"{POOLED}/eliminate", POOLED)


# ---------------------------------------------------------------------------- shrinkage
def test_small_samples_shrink_confidence() -> None:
    assert shrink(0.95, 15) < shrink(0.95, 100) < shrink(0.95, 500) < 0.95
    assert shrink(0.95, None) == 0.95
    cal = load_calibration()
    for name in cal.groups:
        if name.startswith(POOLED):
            continue
        kind, action = name.split("/")
        few, many = (cal.apply([_flag(kind=kind, action=action, raw=0.9, cases=n)])[0] for n in (15, 500))
        assert few.confidence < many.confidence, name
        assert few.evidence["raw_confidence"] == many.evidence["raw_confidence"] == 0.9
        assert few.evidence["calibration"] == name


def test_shrinkage_uses_the_dossiers_that_have_both_steps_of_a_pair() -> None:
    cal = Calibration(groups={POOLED: (Band(0.0, 50, 45, 0.9),)})
    pair = Flag(service="S", activity="A", into="B", kind="parallelizable", action="parallelize", confidence=0.8,
                evidence={"cases": 500, "cases_both": 12})
    assert cal.apply([pair])[0].confidence == round(shrink(0.9, 12), 3)


def test_calibration_is_deterministic_and_idempotent() -> None:
    flags = [_flag(raw=r, cases=n) for r, n in ((0.7, 40), (0.9, 300), (0.99, 20))]
    once = load_calibration().apply(flags)
    assert once == load_calibration().apply(flags)
    assert load_calibration().apply(once) == once  # starts again from raw_confidence
    assert [f.evidence["cases"] for f in once] == [40, 300, 20] and flags[0].evidence == {"cases": 40, "name_hint": False}


# ---------------------------------------------------------------------------- the pipeline
def test_flag_steps_calibrates_and_keeps_the_raw_score() -> None:
    from procsimp.synth import generate

    res = generate(structure="random", seed=2, services=1, lang="vi")
    (name, truth), = res.truth["services"].items()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CatalogWarning)
        calibrated = flag_steps(res.log, service=name, protect=truth["protect"])
        raw = flag_steps(res.log, service=name, protect=truth["protect"], calibration=False)
    assert calibrated and {f.key for f in calibrated} == {f.key for f in raw}
    by_key = {f.key: f for f in raw}
    cal = load_calibration()
    for f in calibrated:
        assert f.evidence["raw_confidence"] == round(by_key[f.key].confidence, 3)
        assert "raw_confidence" not in by_key[f.key].evidence
        assert f.confidence == cal.apply([by_key[f.key]])[0].confidence
    some = max(f.confidence for f in calibrated)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CatalogWarning)
        confident = flag_steps(res.log, service=name, protect=truth["protect"], min_confidence=some)
    assert confident and all(f.confidence >= some for f in confident)  # the threshold reads the calibrated value


# ---------------------------------------------------------------------------- files
def test_table_round_trips_and_bad_files_say_what_is_wrong(tmp_path: Path) -> None:
    cal = load_calibration()
    path = cal.save(tmp_path / "cal.yaml")
    again = load_calibration(path)
    assert again.groups == cal.groups and again.seeds == cal.seeds and again.z == cal.z
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  x/eliminate:\n  - {raw_from: 0.0, flags: 10, right: 9, probability: 0.9}\n"
                   "  - {raw_from: 0.5, flags: 10, right: 1, probability: 0.2}\n", encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"bad\.yaml: group 'x/eliminate', band 2: .*must not fall"):
        load_calibration(bad)
    bad.write_text("seeds: 0-99\n", encoding="utf-8")
    with pytest.raises(CalibrationError, match="needs a 'groups:' mapping"):
        load_calibration(bad)
    with pytest.raises(CalibrationError, match="cannot read"):
        load_calibration(tmp_path / "missing.yaml")


# ---------------------------------------------------------------------------- fitting
def test_fitting_refuses_test_seeds(fit_script, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cal.yaml"
    for seeds in ("95-105", "100", "0-399"):
        with pytest.raises(SystemExit, match=r"^Error: --seeds includes .* held-out test family"):
            fit_script.main(["--seeds", seeds, "--out", str(out)])
    assert not out.exists()


def test_fit_makes_bands_monotone_with_enough_flags() -> None:
    recs = [{"kind": "k", "action": "eliminate", "raw": 0.5 + i / 200, "right": i % 3 != 0 or i > 60} for i in range(100)]
    recs += [{"kind": "w", "action": "reduce_wait", "raw": 0.9, "right": False}]  # no truth: not fitted
    cal = fit_calibration(recs, seeds="0-9", fitted="2026-01-01", min_flags=10, min_group=20)
    bands = cal.groups["k/eliminate"]
    assert all(b.flags >= 10 for b in bands) and sum(b.flags for b in bands) == 100
    assert [b.probability for b in bands] == sorted(b.probability for b in bands)
    assert bands[-1].probability > bands[0].probability
    assert not any("reduce_wait" in name for name in cal.groups)


def test_fitted_table_is_calibrated_on_its_own_training_flags(fit_script) -> None:
    before, services = fit_script.collect(list(range(30)), progress=False)
    recs = fit_script.records(services)
    assert len(recs) >= 80
    assert all(not f.evidence.get("raw_confidence") for _, _, flags in services for f in flags)  # raw scores
    cal = fit_calibration(recs, seeds="0-29", fitted="2026-01-01")
    after = fit_script.rescored(services, cal).table()["reliability"]
    assert sum(b["flags"] for b in after) == sum(b["flags"] for b in before.table()["reliability"])
    checked = 0
    for b in after:
        if b["flags"] >= 20:  # enough flags for the share to mean something
            lo, hi = (float(x) for x in b["band"].split("-"))
            assert lo - 0.10 <= b["share_right"] <= hi + 0.10, b
            checked += 1
    # at least one band with enough flags: when nearly every flag is right, a calibrated table
    # rightly puts them all in the top band
    assert checked >= 1
    assert fit_script.worst_gap(after, min_flags=20) <= 10.0
