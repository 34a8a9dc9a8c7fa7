"""``shared_aggregate`` keys its cache on the calendar's value: two equal calendars built apart,
or None and the settings' calendar it stands for, share one computation; a different calendar
does not."""

from __future__ import annotations

import pytest

from procsimp.core.calendar import WorkCalendar
from procsimp.core.config import config_context
from procsimp.core.log import EventLog
from procsimp.flag.aggregates import shared_aggregate
from procsimp.read import read_log
from tests.conftest import EVENT_LOGS


@pytest.fixture(scope="module")
def log() -> EventLog:
    return read_log(EVENT_LOGS / "dossiers_en.csv")


def test_equal_calendars_built_twice_share_one_aggregate(log: EventLog) -> None:
    first = shared_aggregate(log, calendar=WorkCalendar(hours=(("08:00", "12:00"), ("13:00", "17:00"))))
    again = shared_aggregate(log, calendar=WorkCalendar(hours=(("08:00", "12:00"), ("13:00", "17:00"))))
    assert again is first


def test_none_means_the_settings_calendar_and_shares_its_entry(log: EventLog) -> None:
    calendar = WorkCalendar(hours=(("07:00", "11:00"), ("13:00", "16:00")))
    with config_context(calendar=calendar):
        implicit = shared_aggregate(log)
    explicit = shared_aggregate(log, calendar=WorkCalendar(hours=(("07:00", "11:00"), ("13:00", "16:00"))))
    assert explicit is implicit


def test_a_different_calendar_is_computed_anew(log: EventLog) -> None:
    office = shared_aggregate(log, calendar=WorkCalendar())
    weekend = shared_aggregate(log, calendar=WorkCalendar(weekdays=range(7)))
    assert weekend is not office
