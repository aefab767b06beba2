"""A case's steps on the timeline: the events of the call that opened it, kind `case.*`.

One append-only timeline for the whole hotline (dispatch.models.IncidentEvent): a case's
events carry its call (and, when a field job is involved, that incident), and `data["case"]`
names the case, so the listeners (messages, call-backs, escalation) hear of every step as
they hear of an incident's.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from desk.models import Case
from dispatch.models import Incident, IncidentEvent, User
from dispatch.services.timeline import event_record


def case_event_record(
    *,
    case: Case,
    kind: str,
    actor: User | None,
    at: datetime,
    data: dict[str, Any] | None = None,
    incident: Incident | None = None,
) -> IncidentEvent:
    return event_record(
        kind=kind,
        call=case.call,
        incident=incident,
        actor=actor,
        at=at,
        data={"case": case.reference, "case_id": case.pk, **(data or {})},
    )


def case_events(case: Case) -> QuerySet[IncidentEvent]:
    """The case's timeline: how its call came in, then each of its own steps (every case
    event carries the case's call, so the call's index finds them)."""
    return (
        IncidentEvent.objects.filter(call_id=case.call_id)
        .filter(Q(kind="call.received") | Q(data__case_id=case.pk))
        .select_related("actor")
        .order_by("at", "id")
    )
