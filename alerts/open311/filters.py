"""The query of GET requests.<format>: ids, service codes, a date range, statuses."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.http import QueryDict
from django.utils import timezone

from alerts.open311.catalogue import service_codes
from alerts.open311.errors import bad_request

SPAN_MAX = timedelta(days=90)  # the spec's default window and the widest one may ask for
IDS_MAX = 1000  # as many as one answer holds
STATUSES = ("open", "closed")
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A client that does not percent-encode "+08:00" sends it as " 08:00" (a "+" in a query
# string is a space); put the plus back rather than refuse a common mistake.
SPACED_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")
# The offsets clocks on Earth use (UTC-12:00 to UTC+14:00). Python reads any offset under a
# day, PostgreSQL none past 15:59: "-23:59" is a typo, not a place.
OFFSET_MIN, OFFSET_MAX = timedelta(hours=-12), timedelta(hours=14)


@dataclass(frozen=True)
class RequestFilter:
    ids: list[str]  # when given, the other filters do not apply (the spec says so)
    service_codes: list[str]
    start: datetime
    end: datetime
    statuses: list[str]


def _split(params: QueryDict, name: str) -> list[str]:
    """A parameter given comma delimited, or several times, or both."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _moment(params: QueryDict, name: str, *, end_of_day: bool) -> datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    text = SPACED_OFFSET.sub(r"+\1", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(
            f"{name}: {text!r} is not a W3C date-time such as 2026-11-22T08:00:00+08:00"
        ) from None
    if DATE_ONLY.fullmatch(text) and end_of_day:  # a whole day, as a person means it
        moment = datetime.combine(moment.date(), time.max)
    offset = moment.utcoffset()
    if offset is not None and (
        not OFFSET_MIN <= offset <= OFFSET_MAX or offset % timedelta(minutes=1)
    ):
        raise bad_request(
            f"{name}: {text!r} has an offset no clock uses; give one from -12:00 to +14:00 "
            "in hours and minutes"
        )
    try:
        # In UTC from here on: the database is handed one offset it always reads.
        moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        return moment.astimezone(UTC)
    except OverflowError:
        raise bad_request(f"{name}: {text!r} is out of range") from None


def _window(params: QueryDict, now: datetime) -> tuple[datetime, datetime]:
    start = _moment(params, "start_date", end_of_day=False)
    end = _moment(params, "end_date", end_of_day=True)
    try:
        if start is None:
            end = end or now
            start = end - SPAN_MAX
        elif end is None:
            end = start + SPAN_MAX
    except OverflowError:
        raise bad_request("start_date or end_date is out of range") from None
    if end < start:
        raise bad_request("end_date is before start_date")
    if end - start > SPAN_MAX:
        raise bad_request("start_date and end_date may not span more than 90 days")
    return start, end


def request_filter_parse(params: QueryDict, *, now: datetime) -> RequestFilter:
    """The filters asked for, or a 400 saying which one is wrong and why."""
    ids = _split(params, "service_request_id")
    if len(ids) > IDS_MAX:
        raise bad_request(f"service_request_id: at most {IDS_MAX} ids at once")
    if ids:  # "This overrides all other arguments."
        return RequestFilter(ids=ids, service_codes=[], start=now, end=now, statuses=[])
    codes = _split(params, "service_code")
    if codes and (unknown := sorted(set(codes) - service_codes())):
        raise bad_request(f"unknown service_code {', '.join(unknown)}: see services.json")
    statuses = [s.lower() for s in _split(params, "status")]
    if wrong := sorted(set(statuses) - set(STATUSES)):
        raise bad_request(f"status {', '.join(wrong)}: use open or closed")
    start, end = _window(params, now)
    return RequestFilter(
        ids=ids, service_codes=codes, start=start, end=end, statuses=statuses or list(STATUSES)
    )
