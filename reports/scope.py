"""What a report is asked for: a date range, a unit, a breakdown and filters, read from a
request and checked against who asks. Every refusal says what to change (bad input is a 400
with the field, a unit the user may not see a 403), and nothing is computed before it passes."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.categories import category_codes
from dispatch.choices import Channel, Priority
from dispatch.errors import DispatchError, ForbiddenError
from dispatch.models import User
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within

# The breakdowns a figure can be asked by; not every figure has every one (a call has no crew).
BYS = (
    "station",
    "company",
    "crew",
    "taker",
    "category",
    "priority",
    "channel",
    "day",
    "month",
    "year",
)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a date far outside would overflow the range's instants
LONGEST_RANGE_DAYS = 3 * 366  # three years: longer asks are a data export, not a dashboard


@dataclass(frozen=True)
class Scope:
    start: date  # first day, local, inclusive
    end: date  # last day, local, inclusive
    unit: OrgUnit  # the unit asked for: the group, a company or a station
    units: tuple[int, ...]  # it and every unit beneath it
    by: str = "station"
    category: str = ""
    priority: int | None = None
    channel: str = ""
    # "Now" for the clocks still running at the range's end (a test fixes it).
    now: datetime = field(default_factory=timezone.now)

    @property
    def t0(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=_zone())

    @property
    def t1(self) -> datetime:
        """The instant after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=_zone())

    def but(self, **changes: object) -> "Scope":
        return replace(self, **changes)  # type: ignore[arg-type]

    def query(self) -> dict[str, str]:
        """The scope as the query string that asks for it again (links, exports, drill-down)."""
        q = {"from": self.start.isoformat(), "to": self.end.isoformat(), "unit": str(self.unit.pk)}
        q["by"] = self.by
        if self.category:
            q["category"] = self.category
        if self.priority is not None:
            q["priority"] = str(self.priority)
        if self.channel:
            q["channel"] = self.channel
        return q


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day(params: Mapping[str, str], name: str, default: date) -> date:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DispatchError(
            _("%(value)r is not a date: write it as 2026-11-30") % {"value": raw[:40]},
            field=name,
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DispatchError(
            _("give a date between %(first)s and %(last)s")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field=name,
        )
    return day


def user_units_root(user: User) -> OrgUnit:
    if user.org_unit is None:
        raise ForbiddenError(_("you belong to no unit, so there is no report for you to see"))
    return user.org_unit


def scope_from(params: Mapping[str, str], user: User, *, now: datetime | None = None) -> Scope:
    """The scope a request asks for, checked: a clear DispatchError (400) or ForbiddenError
    (403) for anything wrong, never a silent default over a wrong value. Without dates: the
    last 30 days; without a unit: the user's own."""
    now = now or timezone.now()
    today = timezone.localtime(now, _zone()).date()
    end = _day(params, "to", today)
    start = _day(params, "from", end - timedelta(days=29))
    if start > end:
        raise DispatchError(
            _("the range starts (%(start)s) after it ends (%(end)s): swap the two dates")
            % {"start": start.isoformat(), "end": end.isoformat()},
            field="from",
        )
    if (end - start).days >= LONGEST_RANGE_DAYS:
        raise DispatchError(
            _("at most three years at a time: shorten the range, or export year by year"),
            field="from",
        )
    own = user_units_root(user)
    unit = own
    if raw_unit := (params.get("unit") or "").strip():
        if not raw_unit.isascii() or not raw_unit.isdigit() or len(raw_unit) > 12:
            raise DispatchError(_("unit is the number of a unit"), field="unit")
        found = OrgUnit.objects.filter(pk=int(raw_unit)).first()
        if found is None:
            raise DispatchError(_("there is no unit %(id)s") % {"id": raw_unit}, field="unit")
        unit = found
    units = tuple(org_unit_list_within(unit).values_list("pk", flat=True))
    if not set(units) <= set(org_unit_list_within(own).values_list("pk", flat=True)):
        raise ForbiddenError(
            _("%(unit)s is outside %(own)s: you see the reports of %(own)s and what it runs")
            % {"unit": unit.name, "own": own.name}
        )
    by = (params.get("by") or "station").strip()
    if by not in BYS:
        raise DispatchError(_("by is one of %(choices)s") % {"choices": ", ".join(BYS)}, field="by")
    category = (params.get("category") or "").strip()
    if category and category not in category_codes():
        raise DispatchError(
            _("%(code)r is not a case type") % {"code": category[:40]}, field="category"
        )
    priority: int | None = None
    if raw := (params.get("priority") or "").strip():
        if raw not in {str(p) for p in Priority.values}:
            raise DispatchError(_("priority is 1, 2, 3 or 4"), field="priority")
        priority = int(raw)
    channel = (params.get("channel") or "").strip()
    if channel and channel not in Channel.values:
        raise DispatchError(
            _("channel is one of %(choices)s") % {"choices": ", ".join(Channel.values)},
            field="channel",
        )
    return Scope(
        start=start,
        end=end,
        unit=unit,
        units=units,
        by=by,
        category=category,
        priority=priority,
        channel=channel,
        now=now,
    )
