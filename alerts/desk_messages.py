"""Messages for desk cases, heard on the timeline (dispatch.services.listeners): the caller is
told their case was received (with its reply date) and the reply itself; the handling desk is
urged (督办) before the reply is due and the supervisors are told once it is overdue. Each is
written to the outbox in the transaction of the step, once per idempotency key."""

import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation

from alerts.escalation import staff_language, supervisors_of
from alerts.models import Channel
from alerts.progress import caller_recipients
from alerts.services.notifications import notification_queue
from desk.models import Case
from dispatch.categories import category_name
from dispatch.choices import Language
from dispatch.models import IncidentEvent, User
from dispatch.roles import DESK
from dispatch.services.listeners import event_listen

log = logging.getLogger(__name__)


def _case(event: IncidentEvent) -> Case | None:
    case_id = (event.data or {}).get("case_id")
    if not isinstance(case_id, int):
        return None
    return (
        Case.objects.select_related("call", "customer", "unit", "department", "handler")
        .filter(pk=case_id)
        .first()
    )


def _context(case: Case, language: str, **more: Any) -> dict[str, Any]:
    code = "zh-hans" if language == Language.ZH else "en"
    with translation.override(code):
        due = f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}" if case.due_at else "-"
        return {
            "reference": case.reference,
            "case_type": category_name(case.category, code),
            "due": due,
            "unit": case.unit.name,
            "url": f"{settings.SITE_URL.rstrip('/')}/desk/cases/{case.reference}/",
            **more,
        }


def _caller_recipients(case: Case) -> list[tuple[str, str]]:
    """The case's caller, as a field job's callers are told (unless they opted out)."""
    return caller_recipients(case.call) if case.call.notify else []


def _tell_caller(case: Case, template: str, step: str, **more: Any) -> int:
    queued = 0
    context = _context(case, case.language, **more)
    for channel, recipient in _caller_recipients(case):
        done = notification_queue(
            channel=channel,
            recipient=recipient,
            template=template,
            language=case.language,
            context=context,
            idempotency_key=f"case:{case.pk}:{step}:{channel}:{recipient}",
        )
        queued += done is not None
    return queued


def _tell_staff(case: Case, users: list[User], template: str, step: str) -> list[str]:
    told = []
    for user in users:
        language = staff_language(user)
        context = _context(case, language)
        for channel, address in ((Channel.SMS, user.phone), (Channel.EMAIL, user.email)):
            if address:
                notification_queue(
                    channel=channel,
                    recipient=address,
                    template=template,
                    language=language,
                    context=context,
                    idempotency_key=f"case:{case.pk}:{step}:{channel}:{address}",
                )
                told.append(user.get_username())
    if not told:
        log.warning("%s of %s reached nobody: no phone or e-mail", step, case.reference)
    return told


def _desk_people(case: Case) -> list[User]:
    """Who works the case: its handler, else its department, else the desk's own people."""
    if case.handler is not None:
        return [case.handler]
    if case.department is not None:
        return list(case.department.members.filter(is_active=True))
    return list(
        User.objects.filter(is_active=True, org_unit=case.unit, role__in=DESK).exclude(
            Q(phone="") & Q(email="")
        )
    )


def _supervisors_above(case: Case) -> list[User]:
    unit = case.unit
    while unit is not None:
        found = supervisors_of(unit)
        if found:
            return found
        unit = unit.parent  # type: ignore[assignment]
    return []


@event_listen("case.opened", "case.replied", "case.urged", "case.overdue")
def desk_messages_on_event(event: IncidentEvent) -> None:
    case = _case(event)
    if case is None:
        return
    if event.kind == "case.opened":
        _tell_caller(case, "case.received", "received")
    elif event.kind == "case.replied":
        _tell_caller(case, "case.replied", "replied", reply=case.reply_text)
    elif event.kind == "case.urged":
        _tell_staff(case, _desk_people(case), "case.urged", "urged")
    else:
        _tell_staff(case, _supervisors_above(case), "case.overdue", "overdue")
