"""``flag_steps`` arguments: names compared in Unicode NFC, protected steps that must exist, and
the warning for services the catalog does not know (also through ``propose``)."""

from __future__ import annotations

import sys
import unicodedata
import warnings

import pytest

from procsimp.core.log import SERVICE, EventLog
from procsimp.errors import ParameterError
from procsimp.flag import CatalogWarning, aggregate, flag_steps
from procsimp.flag.pipeline import check_protect, normalize_name
from procsimp.profile import profile
from procsimp.propose import propose
from procsimp.synth import generate

TAX = "Đăng ký thuế lần đầu cho cá nhân"
JUDICIAL = "Cấp Phiếu lý lịch tư pháp"
REVIEW = "Xem xét, trình ký"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def log() -> EventLog:
    return generate(services=["tax_registration", "judicial_record"], cases=400, seed=3, lang="vi").log


def removals(flags) -> set[tuple[str, str]]:
    return {(f.service, f.activity) for f in flags if f.action in ("eliminate", "merge")}


def test_normalize_name() -> None:
    assert nfd(REVIEW) != REVIEW and normalize_name(f"  {nfd(REVIEW)}\t") == REVIEW
    assert normalize_name(None) is None and normalize_name(3) == 3


def test_protect_in_decomposed_unicode_protects_the_step(log: EventLog) -> None:
    assert (TAX, REVIEW) in removals(flag_steps(log))
    by_nfd = flag_steps(log, protect=[nfd(REVIEW)])
    assert (TAX, REVIEW) not in removals(by_nfd) and (JUDICIAL, REVIEW) not in removals(by_nfd)
    assert [f.to_dict() for f in by_nfd] == [f.to_dict() for f in flag_steps(log, protect=REVIEW)]
    assert aggregate(log, protect=[REVIEW]).activity(TAX, REVIEW)["protected"]


def test_service_in_decomposed_unicode_selects_the_service(log: EventLog) -> None:
    tax = [f.to_dict() for f in flag_steps(log, service=TAX)]
    assert tax and all(f["service"] == TAX for f in tax)
    assert [f.to_dict() for f in flag_steps(log, service=f" {nfd(TAX)} ")] == tax
    assert [f.to_dict() for f in flag_steps(log, service=[nfd(TAX)])] == tax
    assert log.for_service(nfd(TAX)).n_cases == log.for_service(TAX).n_cases > 0


def test_protect_that_matches_no_step_is_refused(log: EventLog) -> None:
    with pytest.raises(ParameterError) as err:
        flag_steps(log, protect=["Xem xet trinh ky"])
    msg = str(err.value)
    assert msg.startswith(f"protect 'Xem xet trinh ky' matches no step of the log {log.source}; its 16 steps: ")
    assert msg.endswith(f"; did you mean '{REVIEW}'?")
    assert "'Tiếp nhận hồ sơ'" in msg  # the steps that exist are listed
    with pytest.raises(ParameterError, match=r"protect 'Nope' matches no step .*write the step name exactly"):
        flag_steps(log, service=TAX, protect=[REVIEW, "Nope"])
    # a step of another service is no typo: flag_steps may be called service by service
    assert flag_steps(log, service=TAX, protect=["Xác minh tại Tòa án"]) == flag_steps(log, service=TAX)
    # ... but a caller that chose the service can ask for it to be a step of that service
    with pytest.raises(ParameterError, match=f"protect 'Xác minh tại Tòa án' matches no step of service '{TAX}'"):
        check_protect(log, ["Xác minh tại Tòa án"], nfd(TAX))
    assert check_protect(log, nfd(REVIEW), TAX) == (REVIEW,)


def test_steps_listed_in_the_error_are_at_most_twenty() -> None:
    many = generate(cases=1400, seed=1, lang="en").log
    with pytest.raises(ParameterError) as err:
        flag_steps(many, protect=["Review and sign"])
    msg = str(err.value)
    assert msg.count("', '") == 19 and ", ...;" in msg
    assert msg.endswith("did you mean 'Review and submit for signature'?")


def test_propose_normalises_and_checks_protect_the_same_way(log: EventLog) -> None:
    plan = propose(log, service=nfd(TAX), protect=[nfd(REVIEW)], model=False)
    assert plan.service == TAX
    assert REVIEW not in plan.removed
    assert REVIEW in propose(log, service=TAX, model=False).removed
    with pytest.raises(ParameterError, match="protect 'Xem xet trinh ky' matches no step"):
        propose(log, [], service=TAX, protect=["Xem xet trinh ky"], model=False)


def _renamed(log: EventLog, old: str, new: str) -> EventLog:
    df = log.df.copy()
    df[SERVICE] = df[SERVICE].cat.rename_categories({old: new})
    return log.replace(df=df)


def test_services_missing_from_the_catalog_are_warned_about(log: EventLog) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CatalogWarning)
        known = flag_steps(log)  # both services are in the built-in catalog: no warning
    other = _renamed(log, TAX, "Cấp giấy phép nuôi ong")
    with pytest.warns(CatalogWarning) as caught:
        flags = flag_steps(other)
    messages = [str(w.message) for w in caught if issubclass(w.category, CatalogWarning)]
    assert messages == [
        "service 'Cấp giấy phép nuôi ong' has no match in the service catalog, so the steps the law "
        "requires for it are not protected (only the catalog-wide ones are); add it with --catalog "
        "FILE, or protect its required steps with --protect ACTIVITY"
    ]
    assert len(flags) == len(known)
    assert aggregate(other).warnings == tuple(messages)
    assert aggregate(other, catalog=False).warnings == ()  # no catalog asked for: nothing to warn
    without = log.replace(df=log.df.drop(columns=[SERVICE]))
    assert aggregate(without).warnings[0].startswith("the log has no service column, so no catalog entry applies")


def test_propose_warns_through_flag_steps(log: EventLog) -> None:
    other = _renamed(log, TAX, "Cấp giấy phép nuôi ong")
    with pytest.warns(CatalogWarning, match="'Cấp giấy phép nuôi ong' has no match in the service catalog"):
        propose(other, service="Cấp giấy phép nuôi ong", model=False)


def test_a_catalog_that_cannot_be_imported_is_an_error_not_an_unprotected_run(
    log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalog protects the steps the law requires and warns about services it lacks; a broken
    installation must stop the run rather than go on without either."""
    signing = "Ký duyệt kết quả"
    assert aggregate(log).activity(TAX, signing)["protected"]  # the law requires the signature
    assert not aggregate(log, catalog=False).activity(TAX, signing)["protected"]
    other = _renamed(log, TAX, "Cấp giấy phép nuôi ong")
    monkeypatch.setitem(sys.modules, "procsimp.catalog", None)  # as if the package were missing
    with pytest.raises(ImportError, match="procsimp.catalog"):
        aggregate(log)
    with pytest.raises(ImportError, match="procsimp.catalog"):
        flag_steps(other)
    with pytest.raises(ImportError, match="procsimp.catalog"):
        profile(other)
    monkeypatch.undo()
    with pytest.warns(CatalogWarning, match="'Cấp giấy phép nuôi ong' has no match in the service catalog"):
        flag_steps(other)
