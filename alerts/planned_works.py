"""Planned works: an area whose gas, heat or power works will cut off, planned, published to
the customers there at least PLANNED_WORK_NOTICE_DAYS ahead (the hotline standard), and
looked up by callers (alerts.outages.outages_at_premise). Only the premises the utility
supplies are told: a power cable's works do not concern a building's heating."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import PlannedWork
from alerts.outages import _planned_reason, _tell, _when, customers_reached, outage_template
from dispatch.choices import Language
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services.timeline import event_record
from gis.models import OrgUnit, Premise, Utility
from gis.selectors import org_unit_station_for_point

REASON_MAX = 300


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
        raise DispatchError(_("say why the supply will be off (reason)"), field="reason")
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
    utility: str = Utility.GAS,
    now: datetime | None = None,
) -> tuple[MultiPolygon, OrgUnit, str, str]:
    """Check what a planner entered; returns the area as stored, the station of its utility
    there and the reasons. Raises DispatchError with the field at fault."""
    if utility not in Utility.values:
        raise DispatchError(_("no utility %s") % utility, field="utility")
    area = _area(area)
    _window(starts_at, ends_at, now or timezone.now())
    reason, reason_zh = _reason(reason, reason_zh)
    station = org_unit_station_for_point(area.point_on_surface, utility=utility)
    if station is None:
        raise DispatchError(
            _("the area lies outside every territory of a station serving %s")
            % Utility(utility).label,
            field="area",
        )
    return area, station, reason, reason_zh


@transaction.atomic
def planned_work_create(
    *,
    area: GEOSGeometry | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    reason_zh: str = "",
    utility: str = Utility.GAS,
    actor: User | None,
    now: datetime | None = None,
) -> PlannedWork:
    """Plan works that will cut supply in an area; nobody is told until it is published."""
    now = now or timezone.now()
    area, station, reason, reason_zh = planned_work_validate(
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        reason_zh=reason_zh,
        utility=utility,
        now=now,
    )
    work = PlannedWork.objects.create(
        reference=uuid.uuid4().hex,  # replaced below by one a customer can read out
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        reason_zh=reason_zh,
        utility=utility,
        station=station,
        created_by=actor,
    )
    work.reference = f"PW-{timezone.localtime(starts_at):%Y%m%d}-{work.pk}"
    work.save(update_fields=["reference"])
    _planned_event(
        "planned_work.created", work, actor, now, {"station": station.code, "utility": utility}
    )
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
    utility: str | None = None,
    actor: User | None,
    now: datetime | None = None,
) -> PlannedWork:
    """Change planned works not yet published (once customers are told, cancel and plan anew,
    so nobody holds two different windows)."""
    now = now or timezone.now()
    work = _planned_locked(planned_work_id)
    if work.published_at is not None:
        raise ConflictError(f"{work.reference} was published: cancel it and plan the works again")
    work.utility = utility or work.utility
    work.area, work.station, work.reason, work.reason_zh = planned_work_validate(
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        reason_zh=reason_zh,
        utility=work.utility,
        now=now,
    )
    work.starts_at, work.ends_at = starts_at, ends_at
    work.save(
        update_fields=["area", "station", "reason", "reason_zh", "starts_at", "ends_at", "utility"]
    )
    _planned_event("planned_work.changed", work, actor, now, {})
    return work


def premises_supplied_in(area: MultiPolygon, utility: str) -> QuerySet[Premise, int]:
    """The premises in the area that the utility supplies: a heat company's are those with a
    substation, a power company's those with a transformer; gas's, every premise (a gas
    network's service lines are seldom all drawn)."""
    inside = Premise.objects.filter(geom__intersects=area)
    if utility == Utility.HEAT:
        inside = inside.filter(heat_station__isnull=False)
    elif utility == Utility.POWER:
        inside = inside.filter(transformer__isnull=False)
    return inside.values_list("id", flat=True)


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
    told = _tell(
        customers_reached(premises_supplied_in(work.area, work.utility)),
        template=outage_template(work.utility, "planned.notice"),
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
