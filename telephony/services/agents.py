"""Agents and queues as the supervisor's board shows them: each agent's state (ready, not
ready and why, ringing, on a call, wrapping up) and each queue's callers waiting with the
longest wait. Presence is what the agent (or the phone system's queue pause) said; the rest
follows from the call legs, so it cannot disagree with them."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from config.counters import counter_increment
from dispatch.models import User
from telephony.models import AgentPresence, CallLeg, Extension, PhoneSystem

log = logging.getLogger(__name__)
REASON_MAX = 100


class PresenceError(ValueError):
    """A presence change that cannot be made, in the words the agent reads."""


@transaction.atomic
def presence_set(
    *, user: User, ready: bool, reason: str = "", at: datetime | None = None
) -> AgentPresence:
    """The one place an agent's presence changes: ready, or not ready with a reason."""
    reason = reason.strip()
    if not ready and not reason:
        raise PresenceError(_("say why you are not ready (a break, training, after-call work...)"))
    if len(reason) > REASON_MAX:
        raise PresenceError(_("the reason is at most %(n)s characters") % {"n": REASON_MAX})
    at = at or timezone.now()
    presence, _made = AgentPresence.objects.select_for_update().get_or_create(
        user=user, defaults={"ready": ready, "reason": "" if ready else reason, "since": at}
    )
    if (presence.ready, presence.reason) != (ready, "" if ready else reason):
        presence.ready, presence.reason, presence.since = ready, "" if ready else reason, at
        presence.save()
        log.info("agent %s is %s", user, "ready" if ready else f"not ready ({reason})")
        counter_increment("telephony.presence." + ("ready" if ready else "not_ready"))
    return presence


def presence_from_phone(*, system: PhoneSystem, extension: str, paused: bool, reason: str) -> None:
    """The phone system paused or unpaused an extension in its queues."""
    found = Extension.objects.filter(system=system, number=extension).first()
    if found is None:
        counter_increment("telephony.presence.unknown_extension")
        return
    presence_set(user=found.user, ready=not paused, reason=reason or _("paused on the phone"))


@dataclass(frozen=True)
class AgentRow:
    user_id: int
    name: str
    extension: str
    state: str  # ready, not_ready, ringing, on_call, wrap_up, signed_off
    reason: str
    since: datetime | None
    caller: str


@dataclass(frozen=True)
class QueueRow:
    queue: str
    waiting: int
    longest_wait_s: float


def _state(
    presence: AgentPresence | None, legs: list[CallLeg], wrap_up_s: int, now: datetime
) -> tuple[str, str, datetime | None, str]:
    live = [leg for leg in legs if leg.ended_at is None]
    talking = [leg for leg in live if leg.answered_at is not None]
    if talking:
        leg = talking[0]
        return "on_call", "", leg.answered_at, leg.caller_number
    if live:
        leg = live[0]
        return "ringing", "", leg.rang_at, leg.caller_number
    ended = max((leg.ended_at for leg in legs if leg.ended_at), default=None)
    after_presence = presence is None or ended is None or ended > presence.since
    if ended is not None and after_presence and now - ended < timedelta(seconds=wrap_up_s):
        return "wrap_up", "", ended, ""
    if presence is None:
        return "signed_off", "", None, ""
    return ("ready" if presence.ready else "not_ready"), presence.reason, presence.since, ""


def board(now: datetime | None = None) -> tuple[list[AgentRow], list[QueueRow]]:
    """Every agent with an extension, and every queue with callers waiting."""
    now = now or timezone.now()
    extensions = list(Extension.objects.select_related("user", "system").order_by("number"))
    users = {e.user_id for e in extensions}
    presences = {p.user_id: p for p in AgentPresence.objects.filter(user_id__in=users)}
    recent = now - timedelta(hours=12)  # a leg older than a shift says nothing of now
    legs: dict[int, list[CallLeg]] = {}
    for leg in CallLeg.objects.filter(
        role=CallLeg.Role.AGENT, agent_id__in=users, rang_at__gte=recent
    ).order_by("-rang_at"):
        assert leg.agent_id is not None
        legs.setdefault(leg.agent_id, []).append(leg)
    agents: list[AgentRow] = []
    seen: set[int] = set()
    for extension in extensions:
        if extension.user_id in seen:
            continue
        seen.add(extension.user_id)
        state, reason, since, caller = _state(
            presences.get(extension.user_id),
            legs.get(extension.user_id, []),
            extension.system.wrap_up_s,
            now,
        )
        user = extension.user
        name = user.get_full_name() or user.username
        agents.append(AgentRow(user.pk, name, extension.number, state, reason, since, caller))
    waiting = (
        CallLeg.objects.filter(
            role=CallLeg.Role.CALLER,
            queued_at__gte=recent,
            answered_at__isnull=True,
            ended_at__isnull=True,
        )
        .values("queue")
        .annotate(n=Count("id"), first=Min("queued_at"))
        .order_by("queue")
    )
    queues = [
        QueueRow(row["queue"], row["n"], max(0.0, (now - row["first"]).total_seconds()))
        for row in waiting
    ]
    return agents, queues
