"""Reads of the dispatch app: screen pop, triage, duplicates, who may do what."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext

from dispatch.access import ACCESS, Capability
from dispatch.choices import Hazard, Utility
from dispatch.errors import DispatchError
from dispatch.heat_outages import heat_joins
from dispatch.models import (
    Call,
    CategoryRule,
    Customer,
    Incident,
    IncidentIsolation,
    TriageRule,
    User,
)
from dispatch.power_outages import power_joins
from gis.expressions import ids_within_metres
from gis.models import Landmark, OrgUnit, Premise
from gis.selectors import org_unit_list_within
from gis.supply import segments_same_part
from gis.trace import Isolation

SENSITIVE_SITE_RADIUS_M = 100  # a school or hospital this close makes a leak more urgent
RECENT_CALLS = 5

# Both from the one access table (dispatch/access.py), so services and views agree.
TAKES_CALLS = tuple(ACCESS[Capability.CALL_INTAKE])
DISPATCHES = tuple(ACCESS[Capability.DISPATCH])


def phone_normalise(raw: str) -> str:
    """Digits only, without the +86 / 0086 country prefix."""
    digits = re.sub(r"\D", "", raw)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


@dataclass(frozen=True)
class ScreenPop:
    phone: str
    customers: list[Customer]
    open_incidents: list[Incident]
    recent_calls: list[Call]


def customer_screen_pop(*, phone: str) -> ScreenPop:
    """Who is calling: accounts with this number, their premises, open incidents there and
    their recent calls. Four queries whatever the number of accounts."""
    number = phone_normalise(phone)
    customers = (
        list(
            Customer.objects.filter(phones__contains=[number]).prefetch_related(
                Prefetch("premises", queryset=Premise.objects.order_by("asset_id"))
            )[:10]
        )
        if number
        else []
    )
    premise_ids = [p.id for c in customers for p in c.premises.all()]
    incidents = (
        list(
            Incident.objects.filter(
                status__in=Incident.OPEN_STATUSES, calls__premise_id__in=premise_ids
            )
            .distinct()
            .order_by("priority", "created_at")
        )
        if premise_ids
        else []
    )
    calls = list(Call.objects.filter(caller_phone=number).order_by("-received_at")[:RECENT_CALLS])
    return ScreenPop(
        phone=number, customers=customers, open_incidents=incidents, recent_calls=calls
    )


def category_rule_get(category: str) -> CategoryRule:
    rule = CategoryRule.objects.filter(category=category).first()
    if rule is None:
        raise DispatchError(f"unknown category {category!r}", field="category")
    return rule


@dataclass(frozen=True)
class Triage:
    priority: int
    rule: CategoryRule
    hazards: list[str]  # as answered, plus near_sensitive_site when the map says so
    reasons: list[str] = field(default_factory=list)

    @property
    def advice(self) -> dict[str, str]:
        return {"en": self.rule.advice_en, "zh": self.rule.advice_zh}


def call_triage(*, category: str, hazards: list[str], point: Point | None) -> Triage:
    """The priority a call deserves: its category's base, raised by the hazards answered yes."""
    rule = category_rule_get(category)
    found = list(dict.fromkeys(hazards))
    near = _sensitive_site_near(point) if point is not None else None
    if near and Hazard.NEAR_SENSITIVE_SITE not in found:
        found.append(Hazard.NEAR_SENSITIVE_SITE)
    priority, reasons = (
        rule.base_priority,
        [f"{rule}: P{rule.base_priority}"],
    )
    for triage in TriageRule.objects.filter(hazard__in=found, category__in=["", category]):
        if triage.priority < priority:
            priority = triage.priority
            reasons.append(f"{triage.get_hazard_display()}: P{triage.priority}")
    if near:
        reasons.append(
            gettext("%(site)s (%(kind)s) within %(metres)s m")
            % {
                "site": near.name,
                "kind": near.get_kind_display(),
                "metres": SENSITIVE_SITE_RADIUS_M,
            }
        )
    return Triage(priority=priority, rule=rule, hazards=found, reasons=reasons)


def _sensitive_site_near(point: Point) -> Landmark | None:
    near = ids_within_metres("network_landmark", "geom", point, SENSITIVE_SITE_RADIUS_M)
    return (
        Landmark.objects.filter(sensitive=True, pk__in=near)
        .annotate(d=Distance("geom", point))
        .order_by("d")
        .first()
    )


@dataclass(frozen=True)
class Duplicate:
    incident: Incident
    distance_m: float
    minutes_ago: float
    reason: str


def incident_duplicates(
    *,
    category: str,
    point: Point | None,
    at: datetime,
    segment_id: int | None = None,
    premise_id: int | None = None,
) -> list[Duplicate]:
    """Open incidents this call may be one more report of, nearest first."""
    rule = category_rule_get(category)
    if point is None or not rule.merges_with or not rule.duplicate_window_min:
        return []
    since = at - timedelta(minutes=rule.duplicate_window_min)
    nearby = Incident.objects.filter(
        status__in=Incident.OPEN_STATUSES, category__in=rule.merges_with, created_at__gte=since
    )
    if rule.groups_by_supply and rule.utility == Utility.POWER:
        # Outage calls streets apart are one outage when one device explains them together:
        # the trouble-call analysis over the incident's calls and this one (power_outages).
        found = [
            i
            for i in nearby.annotate(d=Distance("point", point)).order_by("d")[:20]
            if power_joins(i, premise_id=premise_id, point=point) is not None
        ][:5]
        reason = gettext("one device on the power network explains these outage calls")
    elif rule.groups_by_supply and rule.utility == Utility.HEAT:
        # Cold homes streets apart are one incident when one substation, main or plant
        # explains them together (heat_outages).
        found = [
            i
            for i in nearby.annotate(d=Distance("point", point)).order_by("d")[:20]
            if heat_joins(i, premise_id=premise_id, point=point) is not None
        ][:5]
        reason = gettext("one substation or main of the heating network explains these calls")
    elif rule.groups_by_supply and segment_id is not None:
        # No gas in one street and low pressure in the next: one upstream cause, wherever
        # the calls are within the part of the network that feeds them (a pressure zone).
        found = [
            i
            for i in nearby.annotate(d=Distance("point", point)).order_by("d")[:50]
            if i.segment_id and segments_same_part(segment_id, i.segment_id)
        ][:5]
        reason = gettext("no gas / low pressure fed through the same part of the network")
    else:
        nearby = nearby.filter(
            pk__in=ids_within_metres("dispatch_incident", "point", point, rule.duplicate_radius_m)
        )
        reason = gettext("within %(metres)s m and %(minutes)s min") % {
            "metres": rule.duplicate_radius_m,
            "minutes": rule.duplicate_window_min,
        }
        found = list(nearby.annotate(d=Distance("point", point)).order_by("d")[:5])
    return [
        Duplicate(
            incident=i,
            distance_m=round(i.d.m, 1),
            minutes_ago=round((at - i.created_at).total_seconds() / 60, 1),
            reason=reason,
        )
        for i in found
    ]


def user_may_take_calls(user: User) -> bool:
    return user.has_role(*TAKES_CALLS)


def user_covers_station(user: User, station_id: int) -> bool:
    """The station is the user's unit or lies beneath it (a user with no unit covers none)."""
    return org_unit_list_within(user.org_unit).filter(pk=station_id).exists()


def user_may_dispatch(user: User, station: OrgUnit) -> bool:
    """Dispatchers, supervisors and administrators of the station's unit or one above it."""
    return user.has_role(*DISPATCHES) and user_covers_station(user, station.pk)


def incidents_open(*, within: OrgUnit | None) -> QuerySet[Incident]:
    stations = org_unit_list_within(within)
    return Incident.objects.filter(status__in=Incident.OPEN_STATUSES, station__in=stations)


def isolation_in_force(incident: Incident) -> tuple[IncidentIsolation, Isolation] | None:
    """The incident's newest isolation trace (the one in force) as kept, and as a trace the
    map functions draw; None before the first trace. The tablet and the incident's map both
    show this one, so their numbered valves agree whatever changed since."""
    row = incident.isolations.select_related("traced_by").order_by("-traced_at", "-id").first()
    if row is None:
        return None
    return row, Isolation(
        segment_id=row.segment_id,
        valves_to_close=row.valves_to_close,
        sources_to_shut=row.sources_to_shut,
        isolated_segment_ids=row.isolated_segments,
        seized_valves_passed=row.seized_valves,
        ring_valves_left_open=[],  # not kept, and not drawn
    )
