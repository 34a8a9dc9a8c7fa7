"""One settings context: ``procsimp.settings()`` / ``procsimp.config_context(**overrides)``, and
the one meaning of ``catalog`` (:func:`procsimp.catalog.resolve_catalog`)."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import pandas as pd
import pytest

import procsimp
from procsimp.catalog import Catalog, CatalogWarning, load_catalog, resolve_catalog
from procsimp.core.calendar import WorkCalendar, default_calendar, round_the_clock
from procsimp.core.config import Settings, config_context, settings
from procsimp.engine.backend import get_backend
from procsimp.errors import ParameterError
from procsimp.flag import flag_steps
from procsimp.profile import profile
from procsimp.read import frame_to_log, read_log
from procsimp.synth import generate

EXTRA_CATALOG = """\
services:
  - id: beekeeping_permit
    name_vi: Cấp giấy phép nuôi ong
    name_en: Beekeeping permit
    statutory_days: 4
    protected_steps: [Thẩm định hồ sơ]
"""


@pytest.fixture(scope="module")
def log():
    return generate(services=["tax_registration"], cases=200, seed=5, lang="vi").log


def test_the_package_exports_the_settings() -> None:
    assert procsimp.settings is settings and procsimp.config_context is config_context
    assert procsimp.Settings is Settings
    assert settings() == Settings()  # nothing set: the defaults


def test_a_context_overrides_nests_and_restores() -> None:
    cal = round_the_clock()
    with config_context(calendar=cal, protect=["A"], lang="vi") as inside:
        assert settings() is inside
        assert settings().calendar is cal and settings().protect == ("A",) and settings().lang == "vi"
        assert default_calendar() is cal  # what functions use when calendar=None
        with config_context(lang="en", engine="duckdb"):
            assert settings().lang == "en" and settings().engine == "duckdb"
            assert settings().calendar is cal  # not overridden: inherited from the outer block
        assert settings().lang == "vi" and settings().engine is None
    assert settings() == Settings()
    assert default_calendar() is not cal and default_calendar().label() == WorkCalendar().label()


def test_a_context_restores_when_its_block_raises() -> None:
    with pytest.raises(KeyError):
        with config_context(timezone="UTC"):
            raise KeyError("boom")
    assert settings().timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"langauge": "vi"}, "unknown setting(s) 'langauge'; the settings are: calendar, catalog, engine"),
        ({"lang": "fr"}, "lang must be one of en, vi, got 'fr'"),
        ({"engine": "polars"}, "engine must be one of duckdb, spark or None"),
        ({"protect": "Ký duyệt"}, "protect must be a list of step names, got str 'Ký duyệt'"),
        ({"external": ["", "B"]}, "external must hold step names (non-empty text), got ''"),
        ({"calendar": "office"}, "calendar must be a procsimp WorkCalendar or None, got str"),
        ({"catalog": 3}, "catalog must be None (the bundled catalog), False (no catalog), a path"),
        ({"catalog": True}, "catalog=True means nothing"),
        ({"timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus' is not a known timezone; use an IANA name"),
    ],
)
def test_bad_settings_are_refused_before_the_block_runs(overrides: dict, message: str) -> None:
    ran = []
    with pytest.raises(ParameterError) as err:
        with config_context(**overrides):
            ran.append(True)
    assert message in str(err.value)
    assert ran == [] and settings() == Settings()


def test_each_thread_sees_its_own_settings() -> None:
    seen: dict[str, tuple[str | None, str]] = {}
    ready = threading.Barrier(2)

    def worker(name: str, lang: str | None, timezone: str) -> None:
        if lang is None:  # a new thread starts from the defaults, not from its parent's block
            ready.wait()
            seen[name] = (settings().lang, settings().timezone)
            ready.wait()
            return
        with config_context(lang=lang, timezone=timezone):
            ready.wait()  # both threads are inside their blocks at once
            seen[name] = (settings().lang, settings().timezone)
            ready.wait()

    with config_context(lang="vi", timezone="Asia/Bangkok"):
        threads = [
            threading.Thread(target=worker, args=("en", "en", "UTC")),
            threading.Thread(target=worker, args=("fresh", None, "")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert (settings().lang, settings().timezone) == ("vi", "Asia/Bangkok")
    assert seen == {"en": ("en", "UTC"), "fresh": (None, "Asia/Ho_Chi_Minh")}


def test_catalog_none_false_path_and_object(tmp_path: Path) -> None:
    bundled = load_catalog()
    assert resolve_catalog(None) is bundled and resolve_catalog() is bundled
    assert resolve_catalog(bundled) is bundled
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_CATALOG, encoding="utf-8")
    extended = resolve_catalog(extra)  # a path: the bundled catalog extended by the file
    assert extended.get("Cấp giấy phép nuôi ong").statutory_days == 4
    assert extended.get("Đăng ký khai sinh") is not None and bundled.get("Cấp giấy phép nuôi ong") is None
    assert resolve_catalog(str(extra)).get("Beekeeping permit") is not None
    with pytest.warns(CatalogWarning, match="no service catalog is used .catalog=False., so the steps the law requires are not protected"):
        none = resolve_catalog(False)
    assert isinstance(none, Catalog) and len(none) == 0 and none.get("Đăng ký khai sinh") is None
    with pytest.raises(ParameterError, match="catalog must be None .* got int 7"):
        resolve_catalog(7)


def test_catalog_none_follows_the_settings(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_CATALOG, encoding="utf-8")
    with config_context(catalog=extra):
        assert resolve_catalog(None).get("Cấp giấy phép nuôi ong") is not None
        with pytest.warns(CatalogWarning):
            assert resolve_catalog(False).get("Cấp giấy phép nuôi ong") is None  # an argument wins
    with config_context(catalog=False), pytest.warns(CatalogWarning):
        assert len(resolve_catalog(None)) == 0
    assert resolve_catalog(None) is load_catalog()


def test_the_library_uses_the_settings_when_an_argument_is_none(log) -> None:
    cal = round_the_clock()
    given = profile(log, calendar=cal).table
    with config_context(calendar=cal):
        from_settings = profile(log).table
    default = profile(log).table
    pd.testing.assert_frame_equal(from_settings, given)
    assert not default["lead_workdays_mean"].equals(given["lead_workdays_mean"])  # the calendar mattered


def test_profile_without_a_catalog_has_no_statutory_days(log) -> None:
    with_catalog = profile(log).table
    assert with_catalog["statutory_days"].notna().any()
    with pytest.warns(CatalogWarning, match="not protected"):
        without = profile(log, catalog=False).table
    assert without["statutory_days"].isna().all() and not without["in_catalog"].fillna(False).any()


def test_protect_setting_protects_steps_in_flag_steps(log) -> None:
    flags = flag_steps(log)
    removed = sorted({f.activity for f in flags if f.action in ("eliminate", "merge")})
    assert removed, "the generated log has steps to remove"
    step = removed[0]
    with config_context(protect=[step, "A step this log does not have"]):
        guarded = flag_steps(log)
    assert step not in {f.activity for f in guarded if f.action in ("eliminate", "merge")}
    assert {f.activity for f in flag_steps(log, protect=[step]) if f.action in ("eliminate", "merge")} == {
        f.activity for f in guarded if f.action in ("eliminate", "merge")
    }


def test_engine_and_timezone_settings() -> None:
    assert get_backend().name == "duckdb"
    with config_context(engine="spark"):
        assert get_backend().name == "spark"  # made, not started: no Java needed to choose it
    assert get_backend().name == "duckdb"
    frame = pd.DataFrame({"case": ["1", "1"], "act": ["A", "B"], "t": ["2025-03-03 08:00", "2025-03-03 09:00"]})
    with config_context(timezone="UTC"):
        assert frame_to_log(frame, case="case", activity="act", timestamp="t", timezone="UTC").timezone == "UTC"


def test_read_log_takes_the_timezone_setting(tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    path.write_text("case,activity,time\n1,A,2025-03-03 08:00\n1,B,2025-03-03 09:00\n", encoding="utf-8")
    default = read_log(path)
    with config_context(timezone="UTC"):
        utc = read_log(path)
    assert default.timezone == "Asia/Ho_Chi_Minh" and utc.timezone == "UTC"
    hours = (default.df["time:timestamp"].iloc[0] - utc.df["time:timestamp"].iloc[0]) / pd.Timedelta(hours=1)
    assert hours == -7  # 08:00 in Hanoi is seven hours before 08:00 UTC


def test_the_cli_calendar_is_the_setting_while_the_command_runs(log) -> None:
    import click

    from procsimp.cli.commands._options import Scope
    from procsimp.engine.filters import FilterSpec

    scope = Scope(filters=FilterSpec.build(), kind="24x7", holidays="none")

    @click.command()
    def cmd() -> None:
        _, calendar, _ = scope.resolve(log)
        assert settings().calendar is calendar
        assert default_calendar() is calendar

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmd.main([], standalone_mode=False)
    assert settings().calendar is None  # restored when the command's context closed
