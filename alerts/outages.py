"""Outage notices: customers whose gas an isolation cuts off are told, and told again when it
is back; planned works are published ahead to the customers in their area.

Notices are queued in the transaction of the change (the outbox sends them). One notice per
recipient (a phone or an e-mail address: a family's shared number hears once) and change:
the idempotency key names the interruption, the trace that changed it, and the recipient, so
a replayed event tells nobody twice, while a newer trace tells only those it newly cuts off
(and those it no longer cuts off that their gas is back).
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import Channel, PlannedWork, SupplyInterruption
from alerts.services.notifications import notification_queue
from dispatch.choices import Language
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Customer, Incident, IncidentEvent, IncidentIsolation, User
from dispatch.roles import Role
from dispatch.services.listeners import event_listen
from dispatch.services.timeline import event_record
from gis.models import OrgUnit, Premise
from gis.selectors import org_unit_station_for_point

REASON_REPAIR = gettext_lazy("emergency repairs")  # an incident's interruption, in its notices
ADDRESSES_IN_ONE_NOTICE = 3  # a landlord with forty flats gets a short message, not a list
REASON_MAX = 300


def _in_each_language(text: Promise) -> dict[str, str]:
    """A translated text in each language a customer is told in."""
    found = {}
    for language in Language.values:
        with translation.override("zh-hans" if language == Language.ZH else "en"):
            found[language] = str(text)
    return found


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# ---- who to tell ------------------------------------------------------------------------


@dataclass
class Reach:
    """One recipient and the addresses they are told about, in their language."""

    channel: str
    recipient: str
    language: str
    addresses: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        shown = "; ".join(self.addresses[:ADDRESSES_IN_ONE_NOTICE])
        return shown + (" …" if len(self.addresses) > ADDRESSES_IN_ONE_NOTICE else "")


def customers_reached(premise_ids: Iterable[int] | QuerySet[Premise, int]) -> list[Reach]:
    """Every phone and e-mail address of the customers supplied at these premises."""
    links = list(
        Customer.premises.through.objects.filter(premise_id__in=premise_ids)
        .order_by("customer_id", "premise_id")
        .values_list("customer_id", "premise_id")
    )
    customers = Customer.objects.only("phones", "email", "language").in_bulk({c for c, _p in links})
    premises = Premise.objects.only("full_text", "full_text_en").in_bulk({p for _c, p in links})
    found: dict[tuple[str, str], Reach] = {}
    for customer_id, premise_id in links:
        customer, premise = customers[customer_id], premises[premise_id]
        english = customer.language == Language.EN and premise.full_text_en
        text = premise.full_text_en if english else premise.full_text
        ways = [(Channel.SMS, phone) for phone in customer.phones if phone]
        if customer.email:
            ways.append((Channel.EMAIL, customer.email))
        for channel, recipient in ways:
            reach = found.setdefault(
                (channel, recipient), Reach(channel, recipient, customer.language)
            )
            if text not in reach.addresses:
                reach.addresses.append(text)
    return list(found.values())


def _tell(
    reaches: list[Reach],
    *,
    template: str,
    key: str,
    context: dict[str, dict[str, Any]],
    incident: Incident | None = None,
) -> int:
    """Queue the template to each recipient (context per language); returns how many were
    queued (those told under this key before are not)."""
    queued = 0
    for reach in reaches:
        language = reach.language if reach.language in context else Language.ZH
        notification = notification_queue(
            channel=reach.channel,
            recipient=reach.recipient,
            template=template,
            language=language,
            context={**context[language], "address": reach.address},
            idempotency_key=f"{key}:{reach.channel}:{reach.recipient}",
            incident=incident,
        )
        queued += notification is not None
    return queued


# ---- interruptions from an isolation trace ------------------------------------------------


def _interruption_context(interruption: SupplyInterruption) -> dict[str, dict[str, Any]]:
    incident = interruption.incident
    if incident is not None:
        reference = incident.reference
        reason = _in_each_language(REASON_REPAIR)
    else:
        work = interruption.planned_work
        reference = work.reference if work else ""
        reason = _planned_reason(work) if work else _in_each_language(REASON_REPAIR)
    return {lang: {"reference": reference, "reason": reason[lang]} for lang in Language.values}


def supply_interruption_trace(
    *, isolation: IncidentIsolation, actor: User | None, at: datetime
) -> SupplyInterruption | None:
    """The isolation's premises are cut off. The incident's interruption in force takes the
    newer trace's premises: only the newly cut off are told, and those no longer cut off are
    told their gas is back. Call inside the trace's transaction (the incident is locked)."""
    incident = isolation.incident
    cut_off = list(
        # What incident_isolation_trace counted (gis.selectors.premise_ids_cut_off), read
        # back from the trace as it was stored.
        Premise.objects.filter(service_segment_id__in=isolation.isolated_segments)
        .order_by("id")
        .values_list("id", flat=True)
    )
    current = (
        SupplyInterruption.objects.select_for_update()
        .filter(incident=incident, planned_work__isnull=True, restored_at__isnull=True)
        .order_by("-started_at", "-id")
        .first()
    )
    if current is not None and current.isolation_id == isolation.pk:
        return current  # the same trace again
    before = set(current.premise_ids) if current else set()
    added = [p for p in cut_off if p not in before]
    back_on = sorted(before - set(cut_off))
    replaced = current.isolation_id if current else None
    if current is None:
        if not cut_off:
            return None
        current = SupplyInterruption.objects.create(
            incident=incident, isolation=isolation, premise_ids=cut_off, started_at=at
        )
    else:
        current.isolation, current.premise_ids = isolation, cut_off
        current.restored_at = None if cut_off else at  # nothing left cut off: it is over
        current.save(update_fields=["isolation", "premise_ids", "restored_at"])
    context = _interruption_context(current)
    key = f"outage:{current.pk}:{isolation.pk}"
    told_off = _tell(
        customers_reached(added),
        template="supply.interrupted",
        key=f"{key}:off",
        context=context,
        incident=incident,
    )
    told_on = _tell(
        customers_reached(back_on),
        template="supply.restored",
        key=f"{key}:on",
        context=context,
        incident=incident,
    )
    event_record(
        kind="supply.restored" if current.restored_at else "supply.interrupted",
        incident=incident,
        actor=actor,
        at=at,
        data={
            "interruption": current.pk,
            "isolation": isolation.pk,
            "replaces": replaced,
            "premises": len(cut_off),
            "newly_cut_off": len(added),
            "no_longer_cut_off": len(back_on),
            "notices": told_off + told_on,
        },
    )
    return current


@event_listen("incident.isolation_traced")
def outage_on_trace(event: IncidentEvent) -> None:
    isolation = IncidentIsolation.objects.select_related("incident").get(pk=event.data["isolation"])
    supply_interruption_trace(isolation=isolation, actor=event.actor, at=event.at)


@transaction.atomic
def supply_restore(
    *, interruption_id: int, actor: User | None, at: datetime | None = None
) -> SupplyInterruption:
    """Gas is back: every recipient still cut off hears so, once; the interruption ends."""
    at = at or timezone.now()
    interruption = (
        SupplyInterruption.objects.select_for_update(of=("self",))
        .select_related("incident", "planned_work")
        .filter(pk=interruption_id)
        .first()
    )
    if interruption is None:
        raise NotFoundError(_("no supply interruption %s") % interruption_id)
    if interruption.restored_at is not None:
        raise ConflictError(
            _("supply interruption %(id)s was restored at %(at)s")
            % {"id": interruption_id, "at": _when(interruption.restored_at)}
        )
    if at < interruption.started_at:
        raise DispatchError(_("gas cannot be back before it was cut off"), field="at")
    interruption.restored_at = at
    interruption.save(update_fields=["restored_at"])
    told = _tell(
        customers_reached(interruption.premise_ids),
        template="supply.restored",
        key=f"outage:{interruption.pk}:on",
        context=_interruption_context(interruption),
        incident=interruption.incident,
    )
    event_record(
        kind="supply.restored",
        incident=interruption.incident,
        actor=actor,
        at=at,
        data={
            "interruption": interruption.pk,
            "premises": len(interruption.premise_ids),
            "notices": told,
        },
    )
    return interruption


@event_listen("work_order.completed")
def outage_on_completed(event: IncidentEvent) -> None:
    """The repair is done: the incident's gas is back."""
    if event.incident_id is None:
        return
    open_ids = SupplyInterruption.objects.filter(
        incident_id=event.incident_id, restored_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(open_ids):
        supply_restore(interruption_id=pk, actor=event.actor, at=event.at)


# ---- planned works ----------------------------------------------------------------------


def _planned_reason(work: PlannedWork) -> dict[str, str]:
    return {Language.ZH: work.reason_zh or work.reason, Language.EN: work.reason}


def _area(area: GEOSGeometry | None) -> MultiPolygon:
    if area is None or area.empty:
        raise DispatchError(_("draw the area the works cut off"), field="area")
    if area.srid is None:
        area = area.clone()
        area.srid = 4326
    elif area.srid != 4326:
        area = area.transform(4326, clone=True)
    if isinstance(area, Polygon):
        area = MultiPolygon(area, srid=4326)
    if not isinstance(area, MultiPolygon):
        raise DispatchError(
            _("the area must be a polygon, not a %s") % area.geom_type, field="area"
        )
    if not area.valid:
        raise DispatchError(
            _("the area is not a valid polygon: %s") % area.valid_reason, field="area"
        )
    west, south, east, north = area.extent
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise DispatchError(_("the area is not in longitude/latitude"), field="area")
    return area


def _window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DispatchError(_("give the start and end with their time zone"), field="starts_at")
    if ends_at <= starts_at:
        raise DispatchError(_("the works must end after they start"), field="ends_at")
    if starts_at <= now:
        raise DispatchError(_("planned works start in the future"), field="starts_at")


def _reason(reason: str, reason_zh: str) -> tuple[str, str]:
    reason, reason_zh = (reason or "").strip(), (reason_zh or "").strip()
    if not reason:
        raise DispatchError(_("say why the gas will be off (reason)"), field="reason")
    if len(reason) > REASON_MAX or len(reason_zh) > REASON_MAX:
        raise DispatchError(_("a reason is at most %d characters") % REASON_MAX, field="reason")
    return reason, reason_zh


def planned_work_validate(
    *,
    area: GEOSGeometry | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    reason_zh: str = "",
    now: datetime | None = None,
) -> tuple[MultiPolygon, OrgUnit, str, str]:
    """Check what a planner entered; returns the area as stored, its station and the reasons.
    Raises DispatchError with the field at fault."""
    area = _area(area)
    _window(starts_at, ends_at, now or timezone.now())
    reason, reason_zh = _reason(reason, reason_zh)
    station = org_unit_station_for_point(area.point_on_surface)
    if station is None:
        raise DispatchError(_("the area lies outside every station's territory"), field="area")
    return area, station, reason, reason_zh


@transaction.atomic
def planned_work_create(
    *,
    area: GEOSGeometry | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    reason_zh: str = "",
    actor: User | None,
    now: datetime | None = None,
) -> PlannedWork:
    """Plan works that will cut supply in an area; nobody is told until it is published."""
    now = now or timezone.now()
    area, station, reason, reason_zh = planned_work_validate(
        area=area, starts_at=starts_at, ends_at=ends_at, reason=reason, reason_zh=reason_zh, now=now
    )
    work = PlannedWork.objects.create(
        reference=uuid.uuid4().hex,  # replaced below by one a customer can read out
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        reason_zh=reason_zh,
        station=station,
        created_by=actor,
    )
    work.reference = f"PW-{timezone.localtime(starts_at):%Y%m%d}-{work.pk}"
    work.save(update_fields=["reference"])
    _planned_event("planned_work.created", work, actor, now, {"station": station.code})
    return work


def _planned_locked(planned_work_id: int) -> PlannedWork:
    work = PlannedWork.objects.select_for_update().filter(pk=planned_work_id).first()
    if work is None:
        raise NotFoundError(_("no planned works %s") % planned_work_id)
    if work.cancelled_at is not None:
        raise ConflictError(
            _("%(reference)s was cancelled at %(at)s")
            % {"reference": work.reference, "at": _when(work.cancelled_at)}
        )
    return work


def _planned_event(
    kind: str, work: PlannedWork, actor: User | None, at: datetime, data: dict[str, Any]
) -> None:
    # Planned works belong to no incident; the timeline still keeps who did what, when.
    event_record(
        kind=kind,
        actor=actor,
        at=at,
        data={"planned_work": work.pk, "reference": work.reference, **data},
    )


@transaction.atomic
def planned_work_update(
    *,
    planned_work_id: int,
    area: GEOSGeometry | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    reason_zh: str = "",
    actor: User | None,
    now: datetime | None = None,
) -> PlannedWork:
    """Change planned works not yet published (once customers are told, cancel and plan anew,
    so nobody holds two different windows)."""
    now = now or timezone.now()
    work = _planned_locked(planned_work_id)
    if work.published_at is not None:
        raise ConflictError(f"{work.reference} was published: cancel it and plan the works again")
    work.area, work.station, work.reason, work.reason_zh = planned_work_validate(
        area=area, starts_at=starts_at, ends_at=ends_at, reason=reason, reason_zh=reason_zh, now=now
    )
    work.starts_at, work.ends_at = starts_at, ends_at
    work.save(update_fields=["area", "station", "reason", "reason_zh", "starts_at", "ends_at"])
    _planned_event("planned_work.changed", work, actor, now, {})
    return work


@transaction.atomic
def planned_work_publish(
    *, planned_work_id: int, actor: User | None, force: bool = False, now: datetime | None = None
) -> PlannedWork:
    """Publish planned works and tell the customers of every premise in the area. Less than
    PLANNED_WORK_NOTICE_DAYS ahead (the hotline standard) is refused unless an administrator
    forces it (an urgent repair that cannot wait)."""
    now = now or timezone.now()
    work = _planned_locked(planned_work_id)
    if work.published_at is not None:
        raise ConflictError(
            _("%(reference)s was published at %(at)s")
            % {"reference": work.reference, "at": _when(work.published_at)}
        )
    if work.ends_at <= now:
        raise ConflictError(
            _("%(reference)s ended at %(at)s")
            % {"reference": work.reference, "at": _when(work.ends_at)}
        )
    days = settings.PLANNED_WORK_NOTICE_DAYS
    short = work.starts_at - now < timedelta(days=days)
    if short and not force:
        raise ConflictError(
            _(
                "%(reference)s starts %(at)s, less than %(days)d days from now: customers must "
                "be told at least %(days)d days ahead. Move the works later, or an "
                "administrator may publish it anyway."
            )
            % {"reference": work.reference, "at": _when(work.starts_at), "days": days},
            field="starts_at",
        )
    if short and not (actor is not None and actor.has_role(Role.ADMINISTRATOR)):
        raise ForbiddenError(
            _("only an administrator may publish works less than %d days ahead") % days
        )
    work.published_at = now
    work.save(update_fields=["published_at"])
    reason = _planned_reason(work)
    context = {
        lang: {
            "reference": work.reference,
            "reason": reason[lang],
            "starts_at": _when(work.starts_at),
            "ends_at": _when(work.ends_at),
        }
        for lang in Language.values
    }
    inside = Premise.objects.filter(geom__intersects=work.area).values_list("id", flat=True)
    told = _tell(
        customers_reached(inside),
        template="planned.notice",
        key=f"planned:{work.pk}",
        context=context,
    )
    _planned_event(
        "planned_work.published", work, actor, now, {"notices": told, "short_notice": short}
    )
    return work


@transaction.atomic
def planned_work_cancel(
    *, planned_work_id: int, actor: User | None, now: datetime | None = None
) -> PlannedWork:
    """Call off planned works; the lookup page stops showing them."""
    now = now or timezone.now()
    work = _planned_locked(planned_work_id)
    if work.ends_at <= now:
        raise ConflictError(
            _("%(reference)s ended at %(at)s")
            % {"reference": work.reference, "at": _when(work.ends_at)}
        )
    work.cancelled_at = now
    work.save(update_fields=["cancelled_at"])
    _planned_event(
        "planned_work.cancelled", work, actor, now, {"was_published": work.published_at is not None}
    )
    return work


# ---- the public lookup ------------------------------------------------------------------


@dataclass(frozen=True)
class OutageFound:
    kind: Literal["interruption", "planned"]
    reference: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None


def outages_at_premise(*, premise: Premise, now: datetime, language: str) -> list[OutageFound]:
    """Interruptions in force and published planned works not yet over at a premise."""
    found = []
    interruptions = (
        SupplyInterruption.objects.filter(
            restored_at__isnull=True, premise_ids__contains=[premise.pk]
        )
        .select_related("incident", "planned_work")
        .order_by("started_at")
    )
    for interruption in interruptions:
        context = _interruption_context(interruption)[language]
        found.append(
            OutageFound(
                "interruption",
                context["reference"],
                context["reason"],
                interruption.started_at,
                None,
            )
        )
    works = PlannedWork.objects.filter(
        published_at__isnull=False,
        cancelled_at__isnull=True,
        ends_at__gt=now,
        area__intersects=premise.geom,
    ).order_by("starts_at")
    for work in works:
        reason = _planned_reason(work)[language]
        found.append(OutageFound("planned", work.reference, reason, work.starts_at, work.ends_at))
    return found
