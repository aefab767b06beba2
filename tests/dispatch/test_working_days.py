"""Working-day clocks across China's public holidays and make-up working days (调休), from the
`holidays` package, and the company's own days from the admin. The 2026 Spring Festival, as the
State Council published it: 15-23 February off; Saturday 14 and Saturday 28 February worked."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from dispatch.models import CalendarDay
from dispatch.working_days import working_day_is, working_days_add

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: str, time: str = "16:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def test_a_make_up_saturday_is_worked_and_the_festival_is_not() -> None:
    assert working_day_is(date(2026, 2, 14))  # Saturday, worked for the festival
    assert working_day_is(date(2026, 2, 28))  # Saturday, worked too
    for day in range(15, 24):  # Sunday 15 to Monday 23 February: the holiday
        assert not working_day_is(date(2026, 2, day)), day
    assert not working_day_is(date(2026, 3, 1))  # an ordinary Sunday
    assert working_day_is(date(2026, 2, 24))  # Tuesday, back at work


def test_a_clock_started_before_the_festival_lands_on_the_make_up_saturday() -> None:
    # Friday 13 February 16:00 plus one working day: Saturday 14th, worked.
    assert working_days_add(_at("2026-02-13"), 1) == _at("2026-02-14")
    # Plus two: the festival is skipped whole, to Tuesday 24th.
    assert working_days_add(_at("2026-02-13"), 2) == _at("2026-02-24")


def test_a_complaints_five_day_reply_runs_across_the_festival() -> None:
    # Received on Thursday 12 February: 13, 14 (Saturday), 24, 25, 26 February.
    assert working_days_add(_at("2026-02-12", "09:30"), 5) == _at("2026-02-26", "09:30")


def test_a_three_day_call_back_counts_the_second_make_up_saturday() -> None:
    # From Wednesday 25 February: 26, 27 and Saturday 28 February, not Monday 2 March.
    assert working_days_add(_at("2026-02-25"), 3) == _at("2026-02-28")


def test_the_companys_own_days_come_first() -> None:
    CalendarDay.objects.create(day=date(2026, 2, 24), working=False, note="office closed")
    CalendarDay.objects.create(day=date(2026, 3, 1), working=True, note="heating-season duty")
    assert not working_day_is(date(2026, 2, 24))
    assert working_days_add(_at("2026-02-14"), 1) == _at("2026-02-25")
    assert working_days_add(_at("2026-02-27"), 2) == _at("2026-03-01")  # 28th, then the 1st


def test_zero_days_is_the_same_moment_and_weekends_count_as_ever() -> None:
    assert working_days_add(_at("2026-11-20"), 0) == _at("2026-11-20")
    assert working_days_add(_at("2026-11-20"), 1) == _at("2026-11-23")  # Friday to Monday


@override_settings(WORKING_CALENDAR_COUNTRY="GB")
def test_another_country_follows_its_own_holidays() -> None:
    # Christmas Day (Friday) and Boxing Day (Saturday, observed on Monday 28th) 2026.
    assert working_days_add(_at("2026-12-24"), 1) == _at("2026-12-29")


def test_a_calendar_marked_off_for_over_a_year_still_starts_the_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    start = date(2026, 3, 2)
    CalendarDay.objects.bulk_create(
        CalendarDay(day=start + timedelta(days=n), working=False) for n in range(1, 402)
    )
    assert working_days_add(_at("2026-03-02"), 1) == _at("2026-03-03")  # Monday to Friday
    assert "no working day within" in caplog.text
