"""What /escalations/ shows: every escalation of the user's stations, with the clock it took up
the organisation, who was told and whether each message reached them (waiting, sent, failed).

Three queries whatever the length of the list: the escalations with their clocks and incidents,
the messages they queued, and the people they named.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alerts.models import Channel, Escalation, Notification
from dispatch.models import Incident, IncidentDeadline, User
from dispatch.roles import Role
from dispatch.services.sla import RUN_AFTER_CLOSE
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within

# Who opens the list: those who are told of breaches, and administrators.
ESCALATION_SCREEN = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
LIST_MAX = 200
RECENT_DAYS = 7

# A message's state in the words of the screen (the outbox's own labels are not translated).
DELIVERY_WORDS = {
    Notification.Status.PENDING: _("waiting to be sent"),
    Notification.Status.SENT: _("sent"),
    Notification.Status.FAILED: _("failed"),
    Notification.Status.CANCELLED: _("cancelled"),
}
CHANNEL_WORDS = {
    Channel.SMS: _("SMS"),
    Channel.EMAIL: _("e-mail"),
    Channel.MQTT: _("tablet"),
    Channel.WEBHOOK: _("linked hotline"),
}


def escalations_may_see(user: Any) -> bool:
    return isinstance(user, User) and user.has_role(*ESCALATION_SCREEN)


@dataclass(frozen=True)
class Delivery:
    channel: str
    recipient: str
    status: str
    status_words: str
    sent_at: datetime | None
    error: str


@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    deadline: IncidentDeadline
    incident: Incident
    told: list[str]  # the people named, as "Full Name (username)"
    deliveries: list[Delivery]
    still_breached: bool
    next_at: datetime | None  # when it goes one unit further up, if it is still breached then


def _still_breached() -> Q:
    # The clocks escalations_advance still takes up: breached, not met, not stopped, still owed
    # (the incident open, or a clock that runs on after closing), never for a cancelled one.
    owed = Q(deadline__incident__status__in=Incident.OPEN_STATUSES) | Q(
        deadline__milestone__in=RUN_AFTER_CLOSE
    )
    return (
        Q(deadline__met_at__isnull=True, deadline__not_applicable_at__isnull=True)
        & owed
        & ~Q(deadline__incident__status=Incident.Status.CANCELLED)
    )


def escalation_list_for(
    user: User, *, breached_only: bool, now: datetime
) -> tuple[list[EscalationRow], bool]:
    """The newest escalations of the user's stations (of the last RECENT_DAYS, or every one
    still breached), and whether there were more than LIST_MAX."""
    rows: QuerySet[Escalation] = (
        Escalation.objects.filter(
            deadline__incident__station__in=org_unit_list_within(user.org_unit)
        )
        .annotate(
            still_breached=ExpressionWrapper(_still_breached(), output_field=BooleanField()),
            superseded=Exists(
                Escalation.objects.filter(
                    deadline=OuterRef("deadline"), level__gt=OuterRef("level")
                )
            ),
        )
        .select_related("deadline__incident__station", "unit")
        .order_by("-at", "-level")
    )
    if breached_only:
        rows = rows.filter(_still_breached())
    else:
        rows = rows.filter(at__gte=now - timedelta(days=RECENT_DAYS))
    found = list(rows[: LIST_MAX + 1])
    shown = found[:LIST_MAX]
    deliveries = _deliveries(shown)
    names = _names(shown)
    return [_row(e, deliveries, names) for e in shown], len(found) > LIST_MAX


def _row(
    escalation: Any, deliveries: dict[tuple[int, int], list[Delivery]], names: dict[str, str]
) -> EscalationRow:
    unit: OrgUnit = escalation.unit
    goes_up = escalation.still_breached and not escalation.superseded and unit.parent_id
    return EscalationRow(
        escalation=escalation,
        deadline=escalation.deadline,
        incident=escalation.deadline.incident,
        told=[names.get(username, username) for username in escalation.recipients],
        deliveries=deliveries.get((escalation.deadline_id, escalation.level), []),
        still_breached=escalation.still_breached,
        next_at=escalation.at + timedelta(seconds=settings.ESCALATE_AFTER_S) if goes_up else None,
    )


def _deliveries(escalations: list[Escalation]) -> dict[tuple[int, int], list[Delivery]]:
    """The messages of each escalation, by (deadline, level): alerts.escalation keys them
    `sla:<deadline>:<level>:<channel>:<address>`."""
    incidents = {e.deadline.incident_id for e in escalations}
    messages = Notification.objects.filter(
        incident_id__in=incidents, idempotency_key__startswith="sla:"
    ).order_by("idempotency_key")
    found: dict[tuple[int, int], list[Delivery]] = {}
    for message in messages:
        _sla, deadline, level, _rest = message.idempotency_key.split(":", 3)
        found.setdefault((int(deadline), int(level)), []).append(
            Delivery(
                channel=str(CHANNEL_WORDS.get(Channel(message.channel), message.channel)),
                recipient=message.recipient,
                status=message.status,
                status_words=str(DELIVERY_WORDS[Notification.Status(message.status)]),
                sent_at=message.sent_at,
                error=message.last_error,
            )
        )
    return found


def _names(escalations: list[Escalation]) -> dict[str, str]:
    usernames = {name for e in escalations for name in e.recipients}
    people = User.objects.filter(username__in=usernames)
    return {
        p.username: f"{p.get_full_name()} ({p.username})" if p.get_full_name() else p.username
        for p in people
    }
