"""Working days, for every clock counted in them (a complaint's reply, a call-back): the
country's calendar from the `holidays` package (weekends, public holidays, and the make-up
working days, 调休, on which a Saturday or Sunday is worked), corrected by the company's own
calendar days (CalendarDay, edited in the admin)."""

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

from dispatch.models import CalendarDay

log = logging.getLogger(__name__)
SEARCH_DAYS = 400  # n working days never lie further out than this (a year's holidays and more)


@lru_cache(maxsize=16)
def _country(code: str, year: int) -> holidays.HolidayBase:
    """One year of a country's calendar (read once: the package computes it)."""
    return holidays.country_holidays(code, years=year)


def _national_working(day: date) -> bool:
    """The deployment's country (WORKING_CALENDAR_COUNTRY, default CN) works on `day`."""
    return bool(_country(settings.WORKING_CALENDAR_COUNTRY, day.year).is_working_day(day))


def _local(first: date, last: date) -> dict[date, bool]:
    """The company's own days between `first` and `last`, in one query."""
    return dict(CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "working"))


def working_day_is(day: date) -> bool:
    """True when `day` is worked: the company's own calendar first, then the country's."""
    local = _local(day, day)
    return local[day] if day in local else _national_working(day)


def working_days_add(start: datetime, days: int) -> datetime:
    """The same local time of day, `days` working days after `start`'s day (a Friday's 16:00
    plus one working day is Monday's 16:00, or a make-up Saturday's)."""
    moment = timezone.localtime(start)
    if days <= 0:
        return moment
    local = _local(moment.date(), moment.date() + timedelta(days=SEARCH_DAYS))
    for ahead in range(1, SEARCH_DAYS + 1):
        day = moment.date() + timedelta(days=ahead)
        if local[day] if day in local else _national_working(day):
            days -= 1
            if days == 0:
                return moment + timedelta(days=ahead)
    # A calendar marked off for more than a year is a data mistake: the clock still starts (a
    # call is never refused over it), on Monday-to-Friday days, and the mistake is logged.
    log.error("calendar days leave no working day within %s days of %s", SEARCH_DAYS, moment)
    ahead = 0
    while days:
        ahead += 1
        days -= (moment + timedelta(days=ahead)).weekday() < 5
    return moment + timedelta(days=ahead)
