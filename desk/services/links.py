"""Cases and field jobs reach each other: a case starts a field job (a new connection's survey,
a complaint that needs a crew to look), and a field job raises a case (a crew's finding that a
customer is owed an answer). Both write the link on the timeline of each side."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.models import Case, CaseStatus
from desk.services.cases import TEXT_MAX, case_locked, case_route, clock_due, desk_rule_for
from desk.services.timeline import case_event_record
from dispatch.choices import Handling
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Call, Incident, Milestone, User
from dispatch.selectors import category_rule_get, user_covers_station
from dispatch.services.intake import (
    CallInput,
    call_open_incident,
    call_receive,
    incident_reference_next,
)


@transaction.atomic
def case_field_job(
    *, case_id: int, actor: User, category: str, at: datetime | None = None
) -> Incident:
    """Open a field job of `category` for the case, at the case's place, from a call that
    repeats the case's caller (so the crew's progress reaches them as for any job)."""
    at = at or timezone.now()
    case = case_locked(case_id, actor, "check")
    if case.field_incident_id is not None:
        raise ConflictError(
            _("%(reference)s has started field job %(job)s already")
            % {"reference": case.reference, "job": case.field_incident.reference}  # type: ignore[union-attr]
        )
    if category_rule_get(category).handling != Handling.FIELD_JOB:
        raise DispatchError(_("choose a case type that sends a crew"), field="category")
    origin = case.call
    call = call_receive(
        data=CallInput(
            category=category,
            channel=origin.channel,
            caller_phone=origin.caller_phone,
            caller_name=origin.caller_name,
            caller_email=origin.caller_email,
            language=origin.language,
            notify=origin.notify,
            description=_("from case %(reference)s: %(subject)s")
            % {"reference": case.reference, "subject": case.subject},
            address_text=origin.address_text,
            point=origin.point,
            premise_id=origin.premise_id,
            geocode_method=origin.geocode_method,
        ),
        taker=actor,
        received_at=at,
    )
    incident = call_open_incident(call_id=call.pk, actor=actor, at=at)
    case.field_incident = incident
    case.save(update_fields=["field_incident"])
    case_event_record(
        case=case,
        kind="case.field_job",
        actor=actor,
        at=at,
        incident=incident,
        data={"incident": incident.reference, "category": category},
    )
    return incident


@transaction.atomic
def case_raise(
    *,
    incident_id: int,
    actor: User,
    category: str,
    text: str,
    at: datetime | None = None,
) -> Case:
    """A field job raises an office case of `category` for its first caller."""
    at = at or timezone.now()
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise DispatchError(_("say what the case is about (at most 4000 characters)"), field="text")
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(_("no incident %(id)s") % {"id": incident_id})
    if not user_covers_station(actor, incident.station_id):
        raise ForbiddenError(
            _("%(reference)s is outside your organisation") % {"reference": incident.reference}
        )
    if category_rule_get(category).handling != Handling.OFFICE_CASE:
        raise DispatchError(_("choose an office case type"), field="category")
    call = Call.objects.filter(incident=incident).order_by("received_at", "id").first()
    if call is None:
        raise ConflictError(
            _("%(reference)s has no call to raise a case for") % {"reference": incident.reference}
        )
    rule = desk_rule_for(category)
    unit, department = case_route(rule, call, actor)
    case = Case.objects.create(
        reference=incident_reference_next(at=at),
        category=category,
        call=call,
        customer=call.customer,
        premise=call.premise,
        language=call.language,
        subject=text,
        confidential=rule.confidential,
        unit=unit,
        department=department,
        created_at=at,
        due_at=clock_due(category, Milestone.REPLY, at),
        raised_by=incident,
        status=CaseStatus.RECEIVED,
    )
    case_event_record(
        case=case,
        kind="case.opened",
        actor=actor,
        at=at,
        incident=incident,
        data={
            "category": category,
            "unit": unit.code,
            "department": department.code if department else None,
            "confidential": case.confidential,
            "due_at": case.due_at.isoformat() if case.due_at else None,
            "raised_by": incident.reference,
        },
    )
    return case
