"""SLA escalation: a breached clock tells the station's supervisors at once (level 1), and
goes one unit further up the organisation (company, level 2; group centre, level 3) each time
it is still breached ESCALATE_AFTER_S after its last escalation.

Level 1 is a listener on "sla.breached", so the supervisors' messages are queued in the
transaction that records the breach. The higher levels are the beat's (`escalations_advance`).
Each level is one Escalation row (unique per deadline and level) and each message has an
idempotency key of deadline, level and recipient: a beat that runs twice tells nobody twice.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation

from alerts.models import Channel, Escalation
from alerts.services.notifications import notification_queue
from dispatch.choices import Language
from dispatch.models import Incident, IncidentDeadline, IncidentEvent, Milestone, User
from dispatch.roles import Role
from dispatch.services.listeners import event_listen
from dispatch.services.sla import RUN_AFTER_CLOSE
from dispatch.services.timeline import event_record
from gis.models import OrgUnit

log = logging.getLogger(__name__)


def staff_language(user: User | None = None) -> str:
    """The language a member of staff is told in: their own (their profile's), else the
    site's."""
    code = (user.language if user is not None else "") or settings.LANGUAGE_CODE
    return Language.ZH if code.lower().startswith("zh") else Language.EN


def supervisors_of(unit: OrgUnit) -> list[User]:
    return list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True, org_unit=unit).order_by(
            "username"
        )
    )


def _supervisors_nearest(unit: OrgUnit) -> list[User]:
    """The unit's supervisors or, when it has none, those of the nearest unit above: a breach
    nobody hears of is worse than one heard a level early."""
    current: OrgUnit | None = unit
    while current is not None:
        found = supervisors_of(current)
        if found:
            return found
        current = current.parent
    return []


def _milestone_words(milestone: Milestone, language: str) -> str:
    """The clock's name as the message's reader reads it: its label in their language."""
    with translation.override("zh-hans" if language == Language.ZH else "en"):
        return str(milestone.label)


def _context(deadline: IncidentDeadline, level: int, language: str) -> dict[str, Any]:
    incident = deadline.incident
    milestone = Milestone(deadline.milestone)
    path = reverse("incident-map", args=[incident.reference])
    return {
        "reference": incident.reference,
        "priority": incident.priority,
        "station": incident.station.name,
        "milestone": _milestone_words(milestone, language),
        "due_at": f"{timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}",
        "incident_url": f"{settings.SITE_URL.rstrip('/')}{path}",
        "level": level,
    }


def _tell(deadline: IncidentDeadline, level: int, users: list[User], template: str) -> list[str]:
    """Queue an SMS and an e-mail to each user who has a number or an address; returns the
    usernames reached by at least one."""
    contexts: dict[str, dict[str, Any]] = {}
    told = []
    for user in users:
        language = staff_language(user)
        if language not in contexts:
            contexts[language] = _context(deadline, level, language)
        context = contexts[language]
        reachable = [(Channel.SMS, user.phone), (Channel.EMAIL, user.email)]
        for channel, address in reachable:
            if not address:
                continue
            notification_queue(
                channel=channel,
                recipient=address,
                template=template,
                language=language,
                context=context,
                idempotency_key=f"sla:{deadline.pk}:{level}:{channel}:{address}",
                incident=deadline.incident,
            )
        if any(address for _channel, address in reachable):
            told.append(user.get_username())
        else:
            log.warning("supervisor %s has neither phone nor e-mail", user.get_username())
    return told


def escalation_open(*, deadline: IncidentDeadline, at: datetime) -> Escalation | None:
    """Level 1 for a clock just breached: the station's supervisors are told. None if the
    clock was escalated already (a replayed breach)."""
    if Escalation.objects.filter(deadline=deadline).exists():
        return None
    station = deadline.incident.station
    told = _tell(deadline, 1, _supervisors_nearest(station), "sla.breached")
    if not told:
        log.error("nobody to tell of the breach of %s", deadline.incident.reference)
    return Escalation.objects.create(
        deadline=deadline, level=1, unit=station, at=at, recipients=told
    )


@event_listen("sla.breached")
def escalation_on_breach(event: IncidentEvent) -> None:
    if event.incident_id is None:
        return
    deadline = (
        IncidentDeadline.objects.select_related("incident__station")
        .filter(incident_id=event.incident_id, milestone=event.data.get("milestone"))
        .first()
    )
    if deadline is None:
        log.error("sla.breached event %s names no deadline", event.pk)
        return
    escalation_open(deadline=deadline, at=event.at)


def _still_breached() -> QuerySet[IncidentDeadline]:
    """Clocks breached, not met, and still owed: the incident open, or a clock that runs on
    after the crew is done. A cancelled incident owes nothing, nor does a clock stopped as not
    applicable when its incident ended (merged, referred, closed: incident_end)."""
    return (
        IncidentDeadline.objects.filter(
            breached_at__isnull=False, met_at__isnull=True, not_applicable_at__isnull=True
        )
        .filter(Q(incident__status__in=Incident.OPEN_STATUSES) | Q(milestone__in=RUN_AFTER_CLOSE))
        .exclude(incident__status=Incident.Status.CANCELLED)
    )


@transaction.atomic  # the row locks need one (beat's task runs in autocommit)
def escalations_advance(*, now: datetime) -> int:
    """Take every clock still breached ESCALATE_AFTER_S after its last escalation one unit up
    the organisation; returns how many went up."""
    cutoff = now - timedelta(seconds=settings.ESCALATE_AFTER_S)
    last = Escalation.objects.filter(deadline=OuterRef("pk")).order_by("-level")
    due = (
        _still_breached()
        .annotate(
            last_level=Subquery(last.values("level")[:1]),
            last_at=Subquery(last.values("at")[:1]),
            next_unit=Subquery(last.values("unit__parent")[:1]),
        )
        # The top of the organisation has no parent: a clock there stays at its last level.
        .filter(last_at__lte=cutoff, next_unit__isnull=False)
        .select_related("incident__station")
        # skip_locked: a second beat (or a slow first one) passes over what this one holds.
        .select_for_update(of=("self",), skip_locked=True)
        .order_by("due_at")
    )
    count = 0
    for deadline in due:
        level = deadline.last_level + 1
        unit = OrgUnit.objects.get(pk=deadline.next_unit)
        told = _tell(deadline, level, _supervisors_nearest(unit), "sla.escalated")
        Escalation.objects.create(
            deadline=deadline, level=level, unit=unit, at=now, recipients=told
        )
        event_record(
            kind="sla.escalated",
            incident=deadline.incident,
            at=now,
            data={
                "milestone": deadline.milestone,
                "level": level,
                "unit": unit.code,
                "recipients": told,
                "due_at": deadline.due_at.isoformat(),
            },
        )
        count += 1
    return count
