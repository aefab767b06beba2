"""What the monthly report says, gathered before anything is drawn: the month's figures for
the unit and each of its stations (reports.figures, the dashboard's own definitions), the
calls received per day, the arrival times in bands, and the worst arrivals with the key
moments of each one's timeline (maps.timeline)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from dispatch.models import Incident, Milestone
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within
from maps.timeline import timeline_get
from reports.catalogue import BY_KEY
from reports.figures import (
    Figure,
    figure_items,
    figure_params,
    figure_where,
    figures_compute,
)
from reports.models import ReportSettings
from reports.monthly.dates import month_first, month_last
from reports.scope import Scope

WORST = 5  # worst arrivals of the whole unit
WORST_PER_STATION = 3
BAND_MINUTES = 10  # the arrival histogram's bars: 0-10 min, 10-20 min...
BANDS = 12  # and the last bar is "120 min and more"


@dataclass
class Moments:
    """One incident's key moments (its own columns, written beside the timeline events that
    prove them) and what its timeline says about the arrival."""

    incident: Incident
    first_call_at: datetime | None
    work_order_at: datetime | None
    accepted_at: datetime | None
    on_site_at: datetime | None
    on_site_verified: bool | None
    made_safe_at: datetime | None
    completed_at: datetime | None
    ended_at: datetime | None
    arrival_minutes: float | None
    arrival_verdict: str  # the on-site stage's verdict code: on time, late, breached...
    arrival_verdict_text: str
    crew: str
    events: int


@dataclass
class Section:
    """The figures of one unit (the report's own, or a station's) and its worst arrivals."""

    unit: OrgUnit
    figures: list[Figure]
    worst: list[Moments]
    missed: int  # arrivals that missed their clock, of which `worst` shows the first


@dataclass
class MonthContent:
    unit: OrgUnit
    month: date
    scope: Scope
    overview: Section
    by_station: Figure | None  # arrival within the clock, per station (the bar chart)
    calls_per_day: list[tuple[date, int]]
    arrival_bands: list[int]  # counts per BAND_MINUTES band, the last open-ended
    stations: list[Section] = field(default_factory=list)


def month_scope(unit: OrgUnit, month: date, *, now: datetime | None = None) -> Scope:
    """The scope of a unit's month, as the dashboard would ask for it (by station)."""
    start = month_first(month)
    return Scope(
        start=start,
        end=month_last(start),
        unit=unit,
        units=tuple(org_unit_list_within(unit).values_list("pk", flat=True)),
        by="station",
        now=now or timezone.now(),
    )


def _moments(incident: Incident, value: float | None, now: datetime) -> Moments:
    timeline = timeline_get(incident, now=now)
    arrival = next((s for s in timeline.stages if s.milestone == Milestone.ON_SITE), None)
    # The crew that got there first, else the first one sent.
    crews = sorted(timeline.crews, key=lambda c: (c.arrived_at is None, c.arrived_at or now))
    return Moments(
        incident=incident,
        first_call_at=incident.first_call_at,
        work_order_at=incident.work_order_at,
        accepted_at=incident.accepted_at,
        on_site_at=incident.on_site_at,
        on_site_verified=incident.on_site_verified,
        made_safe_at=incident.made_safe_at,
        completed_at=incident.completed_at,
        ended_at=incident.ended_at,
        arrival_minutes=value,
        arrival_verdict=arrival.verdict if arrival else "",
        arrival_verdict_text=arrival.verdict_text if arrival else "",
        crew=crews[0].crew if crews else "",
        events=len(timeline.events),
    )


def worst_arrivals(scope: Scope, limit: int) -> tuple[int, list[Moments]]:
    """The arrivals that missed their clock, the longest first (those never reached last),
    then, if fewer missed than `limit`, the longest of those on time: how many missed, and
    the key moments of the first `limit`."""
    missed, _items = figure_items(scope, "arrival_on_clock", which="missed")
    _count, items = figure_items(scope, "arrival_on_clock", which="all")
    chosen = items[:limit]
    incidents = Incident.objects.select_related("station").in_bulk([i.id for i in chosen])
    return missed, [_moments(incidents[i.id], i.value, scope.now) for i in chosen]


def _calls_per_day(scope: Scope) -> list[tuple[date, int]]:
    (figure,) = figures_compute(scope.but(by="day"), keys=["calls_received"])
    counts = {r.key: r.count for r in figure.rows}
    days = (scope.end - scope.start).days + 1
    return [
        (day, counts.get(day.isoformat(), 0))
        for day in (date.fromordinal(scope.start.toordinal() + n) for n in range(days))
    ]


def _arrival_bands(scope: Scope) -> list[int]:
    """Arrival times in bands, counted from the figure's own rows (reports.catalogue), so the
    histogram adds up to the "time to arrive" count."""
    spec = BY_KEY["arrival_minutes"]
    where = figure_where(spec, scope)
    bands = [0] * (BANDS + 1)
    if where is None:
        return bands
    params: dict[str, Any] = figure_params(scope, ReportSettings.current())
    params["band"], params["bands"] = BAND_MINUTES, BANDS
    # The catalogue's constant SQL, every value bound (as reports.figures composes it).
    band = f"LEAST(FLOOR(({spec.value}) / %(band)s), %(bands)s)::int"
    tables = spec.source.from_clause(f"{band} {spec.joins} {where}")
    rows = f"FROM {tables} {spec.joins} WHERE {where}"
    sql = f"SELECT {band} AS b, COUNT(*) {rows} GROUP BY b"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for band, count in cursor.fetchall():
            bands[max(0, band)] += count
    return bands


def _section(scope: Scope, limit: int) -> Section:
    missed, worst = worst_arrivals(scope, limit)
    return Section(unit=scope.unit, figures=figures_compute(scope), worst=worst, missed=missed)


def month_content(unit: OrgUnit, month: date, *, now: datetime | None = None) -> MonthContent:
    scope = month_scope(unit, month, now=now)
    overview = _section(scope, WORST)
    by_station = next((f for f in overview.figures if f.key == "arrival_on_clock"), None)
    stations = [
        _section(scope.but(unit=s, units=(s.pk,)), WORST_PER_STATION)
        for s in OrgUnit.objects.filter(pk__in=scope.units, tier=OrgUnit.Tier.STATION).order_by(
            "parent__code", "code"
        )
    ]
    return MonthContent(
        unit=unit,
        month=scope.start,
        scope=scope,
        overview=overview,
        by_station=by_station,
        calls_per_day=_calls_per_day(scope),
        arrival_bands=_arrival_bands(scope),
        stations=stations,
    )
