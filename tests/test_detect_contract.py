"""The common contract of every registered detector (like scikit-learn's common estimator tests).

Every class in ``procsimp.flag.DETECTORS`` must: take keyword-only parameters, store them and
reject bad values with a clear ``ParameterError``; leave its input (the log and the aggregates)
untouched; give the same flags every time; return nothing on a one-case log; stay quiet on logs
without waste (no flag at all, except for the rework loops and waiting hot spots such logs keep:
``fix_rework`` and ``reduce_wait``); and return well-formed flags of its own kind and one of its
actions.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from procsimp.core.calendar import default_calendar
from procsimp.core.log import CASE, EventLog
from procsimp.errors import ParameterError
from procsimp.flag import DETECTORS, CatalogWarning, Detector, Interval, aggregate, flag_steps
from procsimp.flag.flag import ACTIONS, Flag
from procsimp.read import frame_to_log
from procsimp.synth import SERVICE_IDS, generate

DETECTOR_ITEMS = sorted(DETECTORS.items())


# ---------------------------------------------------------------------------- logs
@pytest.fixture(scope="module")
def synth():
    return generate(cases=1200, seed=7, lang="vi", to_be=True)


@pytest.fixture(scope="module")
def log(synth) -> EventLog:
    return synth.log


def _waste_free_log(n: int = 240, seed: int = 3) -> EventLog:
    """A hand-built dossier log without waste: every intermediate step decides or does real work.

    receive (start) -> check (sends 20% back for a supplement) -> verify (substantial work by a
    specialist unit) -> appraise (the main work, rejects 10%) -> sign (the leader, rejects 3%) ->
    return (end); rejected dossiers get a rejection notice.
    """
    rng = np.random.default_rng(seed)
    cal = default_calendar()
    t0 = float(cal.work_minutes(pd.Timestamp("2025-03-03 08:00", tz="Asia/Ho_Chi_Minh")))
    rows = []
    for c in range(n):
        t = t0 + float(rng.integers(0, 450 * 60))

        def step(act: str, officer: str, unit: str, wait: float, proc: float, case: str = f"HS{c:04d}") -> None:
            nonlocal t
            start = t + wait * rng.uniform(0.6, 1.4)
            end = start + proc * rng.uniform(0.7, 1.3)
            rows.append((case, act, start, end, officer, unit))
            t = end

        step("Tiếp nhận", f"mc{c % 3}", "Một cửa", 5, 10)
        step("Kiểm tra", f"mc{(c + 1) % 3}", "Một cửa", 10, 15)
        if rng.random() < 0.2:
            step("Yêu cầu bổ sung", f"mc{(c + 2) % 3}", "Một cửa", 5, 10)
            step("Nộp bổ sung", "công dân", "Công dân", 600, 10)
            step("Kiểm tra", f"mc{c % 3}", "Một cửa", 10, 15)
        step("Xác minh", f"vm{c % 2}", "Xác minh", 200, 120)
        step("Thẩm định", f"td{c % 4}", "Chuyên môn", 240, 240)
        if rng.random() < 0.1:
            step("Thông báo từ chối", f"mc{c % 3}", "Một cửa", 60, 10)
            continue
        step("Ký duyệt", f"ld{c % 2}", "Lãnh đạo", 200, 10)
        if rng.random() < 0.03:
            step("Thông báo từ chối", f"mc{c % 3}", "Một cửa", 60, 10)
            continue
        step("Trả kết quả", f"mc{(c + 2) % 3}", "Một cửa", 120, 5)
    df = pd.DataFrame(rows, columns=["case", "activity", "start", "end", "officer", "unit"])
    df["start"] = cal.from_work_minutes(df["start"].to_numpy())
    df["end"] = cal.from_work_minutes(df["end"].to_numpy())
    return frame_to_log(
        df, case="case", activity="activity", timestamp="end", start="start", resource="officer", unit="unit"
    )


@pytest.fixture(scope="module")
def waste_free() -> EventLog:
    return _waste_free_log()


@pytest.fixture(scope="module")
def one_case(log: EventLog) -> EventLog:
    first = log.df[CASE].iloc[0]
    return log.replace(df=log.df[log.df[CASE] == first].reset_index(drop=True))


@pytest.fixture(scope="module")
def aggregates(log: EventLog):
    return aggregate(log)


def _bad_value(iv: Interval) -> float:
    if iv.high is not None:
        return iv.high + (1 if iv.integer else 0.5)
    assert iv.low is not None
    return iv.low - (1 if iv.integer else 0.5)


# ---------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_registry_entry(name: str, cls: type[Detector]) -> None:
    assert issubclass(cls, Detector)
    assert cls.name == name
    assert cls.action in ACTIONS
    assert cls.__doc__ and cls.__module__.startswith("procsimp.flag.")


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_parameters_are_keyword_only_and_stored(name: str, cls: type[Detector]) -> None:
    det = cls()
    params = det.get_params()
    assert set(params) == set(cls._constraints), name
    assert cls(**params).get_params() == params  # stored as given
    assert repr(det).startswith(cls.__name__ + "(")
    assert "<table>" in det._repr_html_()
    if params:
        with pytest.raises(TypeError):
            cls(*params.values())  # positional arguments are refused


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_rejects_bad_parameters(name: str, cls: type[Detector]) -> None:
    for param, iv in cls._constraints.items():
        bad = _bad_value(iv)
        with pytest.raises(ParameterError) as err:
            cls(**{param: bad})
        msg = str(err.value)
        assert f"{cls.__name__}({param}={bad!r})" in msg, msg
        assert iv.describe() in msg, msg  # says what is allowed
        with pytest.raises(ParameterError, match=param):
            cls(**{param: "high"})
        with pytest.raises(ParameterError, match=param):
            cls(**{param: float("nan")})
    with pytest.raises(ParameterError, match="no parameter 'not_a_parameter'"):
        cls(not_a_parameter=1)


# ---------------------------------------------------------------------------- behaviour
TABLES = ("services", "activities", "pairs", "order", "knockouts", "knockout_steps", "loops")


def _snapshot(ag) -> dict[str, bytes]:
    return {t: pickle.dumps(getattr(ag, t)) for t in TABLES}


def test_aggregate_does_not_mutate_the_log(log: EventLog) -> None:
    before = log.df.copy(deep=True)
    aggregate(log, protect=["Ký duyệt kết quả"])
    pd.testing.assert_frame_equal(log.df, before)


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_does_not_mutate_its_input(name: str, cls: type[Detector], log: EventLog, aggregates) -> None:
    before_log = pickle.dumps(log.df)
    before = _snapshot(aggregates)
    cls().detect(aggregates)
    assert pickle.dumps(log.df) == before_log
    after = _snapshot(aggregates)
    assert [t for t in TABLES if after[t] != before[t]] == []


@pytest.fixture(scope="module")
def aggregates_again(log: EventLog):
    return aggregate(log)


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_is_deterministic(name: str, cls: type[Detector], aggregates, aggregates_again) -> None:
    first = [f.to_dict() for f in cls().detect(aggregates)]
    again = [f.to_dict() for f in cls().detect(aggregates)]
    fresh = [f.to_dict() for f in cls().detect(aggregates_again)]
    assert first == again == fresh


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_returns_nothing_on_a_one_case_log(name: str, cls: type[Detector], one_case: EventLog) -> None:
    assert one_case.n_cases == 1
    assert cls().detect(aggregate(one_case)) == []


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_returns_nothing_on_an_empty_log(name: str, cls: type[Detector], log: EventLog) -> None:
    empty = log.replace(df=log.df.iloc[:0].reset_index(drop=True))
    assert cls().detect(aggregate(empty)) == []


#: the generator's to-be logs (the waste removed, rework loops kept) checked for silence:
#: (seed, language, structure), about 300 dossiers per service as in the truth tests
CLEAN_RUNS = [(0, "vi", "standard"), (1, "en", "standard"), (2, "vi", "alt"), (3, "en", "alt"),
              (4, "en", "codes"), (5, "vi", "codes")]
#: what a log without waste may still get: its rework loops (they stay by design) and waiting
#: hot spots (reducing a wait is not a workflow edit)
ALLOWED_ON_CLEAN = {"fix_rework", "reduce_wait"}


@pytest.fixture(scope="module")
def clean_aggregates(waste_free: EventLog, synth):
    """Aggregates of logs without waste: the hand-built one and the generator's to-be logs."""
    out = {"hand-built": aggregate(waste_free), "to-be (seed 7)": aggregate(synth.to_be)}
    for seed, lang, structure in CLEAN_RUNS:
        res = generate(cases=300 * len(SERVICE_IDS), seed=seed, lang=lang, structure=structure, to_be=True)
        out[f"to-be ({structure}, seed {seed}, {lang})"] = aggregate(res.to_be)
    return out


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_quiet_on_logs_without_waste(name: str, cls: type[Detector], clean_aggregates) -> None:
    for which, ag in clean_aggregates.items():
        found = [(f.service, f.action, f.activity, f.into) for f in cls().detect(ag) if f.action not in ALLOWED_ON_CLEAN]
        assert found == [], f"{name} on the {which} log: {found}"


@pytest.mark.parametrize(("name", "cls"), DETECTOR_ITEMS)
def test_flags_have_its_kind_action_and_plain_values(name: str, cls: type[Detector], aggregates) -> None:
    flags = cls().detect(aggregates)
    for f in flags:
        assert isinstance(f, Flag)
        assert f.kind == cls.name and f.action in cls.flag_actions()
        assert 0.0 <= f.confidence <= 1.0
        json.dumps(f.to_dict(), allow_nan=False)  # evidence and saving are plain JSON values
        assert set(f.explanation) == {"en", "vi"} and all(f.explanation.values())


def test_every_detector_fires_on_a_log_with_waste(aggregates) -> None:
    # the contract tests above must not pass vacuously
    kinds = {f.kind for cls in DETECTORS.values() for f in cls().detect(aggregates)}
    assert kinds >= {"relay_handoff", "rubber_stamp", "duplicate_check", "rework_loop", "mergeable",
                     "parallelizable", "late_knockout"}, kinds


def test_waste_free_log_is_flagged_only_for_its_rework(waste_free: EventLog, synth) -> None:
    with pytest.warns(CatalogWarning, match="no service column"):
        flags = flag_steps(waste_free)
    assert {f.action for f in flags} <= ALLOWED_ON_CLEAN
    assert any(f.action == "fix_rework" and f.activity == "Yêu cầu bổ sung" for f in flags)
    to_be = flag_steps(synth.to_be)
    assert {f.action for f in to_be} <= ALLOWED_ON_CLEAN, [f.key for f in to_be if f.action not in ALLOWED_ON_CLEAN]
    assert any(f.action == "fix_rework" for f in to_be)  # the rework loops stay in the to-be


def test_unknown_detector_name_is_refused(log: EventLog) -> None:
    with pytest.raises(ParameterError, match="unknown detector 'relay'; available detectors: relay_handoff"):
        flag_steps(log, detectors=["relay"])


def test_detectors_can_be_chosen_and_configured(log: EventLog) -> None:
    only = flag_steps(log, detectors=["mergeable"])
    assert only and {f.kind for f in only} == {"mergeable"}
    strict = flag_steps(log, detectors={"mergeable": {"min_same_officer": 1.0, "min_cases": 10_000}})
    assert strict == []
    by_instance = flag_steps(log, detectors=[DETECTORS["mergeable"]()])
    assert [f.key for f in by_instance] == [f.key for f in only]
