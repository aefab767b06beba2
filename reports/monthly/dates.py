"""Months as the report counts them (local calendar months) and the day it is sent: the
first working day of the next month, by the working-days calendar (a 1st that falls on a
weekend or a holiday, 国庆 or 春节, moves to the next day worked)."""

from datetime import date, timedelta

from dispatch.working_days import working_day_is

SEARCH_DAYS = 31  # a month always has a working day: past this the calendar is wrong


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_last(month: date) -> date:
    return month_next(month) - timedelta(days=1)


def month_next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_previous(month: date) -> date:
    return month_first(month_first(month) - timedelta(days=1))


def first_working_day(month: date) -> date:
    """The month's first working day (its 1st if the calendar marks every day off)."""
    first = month_first(month)
    for ahead in range(SEARCH_DAYS):
        day = first + timedelta(days=ahead)
        if day.month != first.month:
            break
        if working_day_is(day):
            return day
    return first
