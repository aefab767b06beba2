"""An office case's life: opened from a call, routed to a desk, worked, sent to the second tier
and answered back, replied to, called back, closed. One function per step; each checks who may
take it and from which state, and writes the step on the timeline (desk.services.timeline)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.access import unit_desk_for_tier, user_may_handle
from desk.models import Case, CaseStatus, Department, DeskRule
from desk.services.timeline import case_event_record
from dispatch.choices import Handling
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Call, Milestone, SlaPolicy, User
from dispatch.selectors import category_rule_get, user_may_take_calls
from dispatch.services.intake import incident_reference_next
from dispatch.services.moments import CLOSED_FIELDS, call_closed_note
from dispatch.working_days import working_days_add
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within, org_unit_station_for_point

TEXT_MAX = 4000

# Which step may follow which: anything else is refused with the state it is in.
MOVES: dict[str, tuple[str, ...]] = {
    "assign": (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS),
    "start": (CaseStatus.RECEIVED, CaseStatus.ASSIGNED),
    "send_up": (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS),
    "answer": (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS),
    "reply": (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS),
    "called_back": (CaseStatus.REPLIED,),
    "close": (CaseStatus.REPLIED, CaseStatus.CALLED_BACK),
    "check": Case.OPEN_STATUSES,
}


def _text(text: str, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DispatchError(what, field=field)
    if len(text) > TEXT_MAX:
        raise DispatchError(
            _("at most %(n)s characters, please shorten it") % {"n": TEXT_MAX}, field=field
        )
    return text


def clock_due(category: str, milestone: str, start: datetime) -> datetime | None:
    """When `milestone` falls due for a case of `category` opened at `start` (its SLA policy:
    the case type's own, else any type's), None when no policy sets one."""
    # A desk case has no place class or season of its own: the all-year, anywhere policies.
    policy = (
        SlaPolicy.objects.filter(
            category__in=[category, ""], milestone=milestone, area_class="", season=None
        )
        .order_by("-category", "priority")
        .first()
    )
    if policy is None:
        return None
    if policy.minutes is not None:
        return start + timedelta(minutes=policy.minutes)
    return working_days_add(start, policy.working_days or 0)


def desk_rule_for(category: str) -> DeskRule:
    return DeskRule.objects.filter(category=category).first() or DeskRule(category=category)


def case_route(rule: DeskRule, call: Call, actor: User) -> tuple[OrgUnit, Department | None]:
    """The desk of the rule's tier above the caller's station (by where the call is, else the
    call taker's own unit), and the rule's department there or above it."""
    utility = category_rule_get(call.category).utility
    start = org_unit_station_for_point(call.point, utility) if call.point else None
    start = start or actor.org_unit
    if start is None:
        raise DispatchError(
            _("you belong to no unit of the organisation: an administrator must set yours"),
            field="call",
        )
    unit = unit_desk_for_tier(start, rule.tier)
    department = None
    if rule.department_kind:
        candidate: OrgUnit | None = unit
        while candidate is not None and department is None:
            department = Department.objects.filter(
                unit=candidate, kind=rule.department_kind
            ).first()
            candidate = candidate.parent
    if department is not None:
        unit = department.unit
    return unit, department


def case_locked(case_id: int, actor: User, step: str) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("call", "department")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFoundError(_("no case %(id)s") % {"id": case_id})
    if step != "answer" and not user_may_handle(actor, case):
        raise ForbiddenError(
            _("%(reference)s is held by another desk: ask its desk or a supervisor above it")
            % {"reference": case.reference}
        )
    if case.status not in MOVES[step]:
        raise ConflictError(
            _("%(reference)s is %(status)s: that step is not possible now")
            % {"reference": case.reference, "status": case.get_status_display()}
        )
    return case


@transaction.atomic
def case_open(*, call_id: int, actor: User, at: datetime | None = None) -> Case:
    """Open a case for a stored call of an office case type (or a consultation that could not
    be answered on the call): routed by its desk rule, its reply clock started."""
    at = at or timezone.now()
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        raise NotFoundError(_("no call %(id)s") % {"id": call_id})
    if not user_may_take_calls(actor) and not user_may_handle_new(actor):
        raise ForbiddenError(_("your role does not open desk cases"))
    if call.outcome != Call.Outcome.OPEN:
        raise ConflictError(
            _("call %(id)s is already handled (%(outcome)s)")
            % {"id": call.pk, "outcome": call.get_outcome_display()}
        )
    case_type = category_rule_get(call.category)
    if case_type.handling == Handling.FIELD_JOB:
        raise DispatchError(
            _("%(type)s calls go to a crew: open an incident, not a desk case")
            % {"type": case_type},
            field="call",
        )
    rule = desk_rule_for(call.category)
    unit, department = case_route(rule, call, actor)
    case = Case.objects.create(
        reference=incident_reference_next(at=at),
        category=call.category,
        call=call,
        customer=call.customer,
        premise=call.premise,
        language=call.language,
        subject=call.description,
        confidential=rule.confidential,
        unit=unit,
        department=department,
        created_at=at,
        due_at=clock_due(call.category, Milestone.REPLY, call.received_at),
    )
    call.outcome = Call.Outcome.CASE
    call_closed_note(call, at, unit.pk)
    call.save(update_fields=["outcome", *CLOSED_FIELDS])
    case_event_record(
        case=case,
        kind="case.opened",
        actor=actor,
        at=at,
        data={
            "category": case.category,
            "unit": unit.code,
            "department": department.code if department else None,
            "confidential": case.confidential,
            "due_at": case.due_at.isoformat() if case.due_at else None,
        },
    )
    return case


def user_may_handle_new(actor: User) -> bool:
    """Desk staff open cases too (a letter, a walk-in), not only those who take calls."""
    from dispatch.access import Capability, user_may

    return user_may(actor, Capability.DESK)


@transaction.atomic
def case_assign(
    *,
    case_id: int,
    actor: User,
    unit_id: int | None = None,
    department_id: int | None = None,
    handler_id: int | None = None,
    at: datetime | None = None,
) -> Case:
    """Pass the case to a desk beneath the actor's (a station's, a company's), a department,
    or a person of the desk."""
    at = at or timezone.now()
    case = case_locked(case_id, actor, "assign")
    if unit_id is None and department_id is None and handler_id is None:
        raise DispatchError(_("say to whom: a desk, a department or a person"), field="unit")
    within = org_unit_list_within(actor.org_unit)
    if department_id is not None:
        department = Department.objects.filter(pk=department_id).first()
        if department is None or not within.filter(pk=department.unit_id).exists():
            raise DispatchError(_("no such department in your organisation"), field="department")
        case.department, case.unit = department, department.unit
    elif unit_id is not None:
        unit = within.filter(pk=unit_id).first()
        if unit is None:
            raise DispatchError(_("no such desk in your organisation"), field="unit")
        case.unit, case.department = unit, None
    if handler_id is not None:
        handler = User.objects.filter(pk=handler_id, is_active=True).first()
        if handler is None or not user_may_handle(handler, case):
            raise DispatchError(_("that person cannot handle cases of this desk"), field="handler")
        case.handler = handler
    elif unit_id is not None or department_id is not None:
        case.handler = None
    case.status = CaseStatus.ASSIGNED
    case.save(update_fields=["unit", "department", "handler", "status"])
    case_event_record(
        case=case,
        kind="case.assigned",
        actor=actor,
        at=at,
        data={
            "unit": case.unit.code,
            "department": case.department.code if case.department else None,
            "handler": case.handler.get_username() if case.handler else None,
        },
    )
    return case


@transaction.atomic
def case_start(*, case_id: int, actor: User, at: datetime | None = None) -> Case:
    """The actor takes the case and works on it."""
    at = at or timezone.now()
    case = case_locked(case_id, actor, "start")
    case.status, case.handler = CaseStatus.IN_PROGRESS, actor
    case.save(update_fields=["status", "handler"])
    case_event_record(case=case, kind="case.started", actor=actor, at=at)
    return case


@transaction.atomic
def case_send_up(*, case_id: int, actor: User, unit_id: int, at: datetime | None = None) -> Case:
    """Second tier (疑难问题咨询): the desk sends the question to another desk (a company's
    centre) and gets the answer back to reply with; the answer clock starts."""
    at = at or timezone.now()
    case = case_locked(case_id, actor, "send_up")
    if case.return_to_id is not None:
        raise ConflictError(_("this case is with the second tier already"))
    target = OrgUnit.objects.filter(pk=unit_id).first()
    if target is None or target.pk == case.unit_id:
        raise DispatchError(_("choose another desk to send it to"), field="unit")
    case.return_to, case.unit, case.department, case.handler = case.unit, target, None, None
    case.status = CaseStatus.ASSIGNED
    case.answer_due_at = clock_due(case.category, Milestone.ANSWER, at)
    case.save(
        update_fields=["return_to", "unit", "department", "handler", "status", "answer_due_at"]
    )
    case_event_record(
        case=case,
        kind="case.sent_up",
        actor=actor,
        at=at,
        data={
            "to": target.code,
            "back_to": case.return_to.code,  # type: ignore[union-attr]
            "answer_due_at": case.answer_due_at.isoformat() if case.answer_due_at else None,
        },
    )
    return case


@transaction.atomic
def case_answer(*, case_id: int, actor: User, text: str, at: datetime | None = None) -> Case:
    """The second tier's answer: back to the desk that asked, which replies to the customer."""
    at = at or timezone.now()
    text = _text(text, "text", _("write the answer for the desk that asked"))
    case = case_locked(case_id, actor, "answer")
    if case.return_to_id is None:
        raise ConflictError(_("this case was not sent to a second tier: reply to the customer"))
    if not user_may_handle(actor, case):
        raise ForbiddenError(_("only the desk it was sent to answers it"))
    back_to = case.return_to
    assert back_to is not None  # return_to_id was checked above
    case.answer_text, case.unit, case.return_to, case.handler = text, back_to, None, None
    case.status = CaseStatus.IN_PROGRESS
    case.save(update_fields=["answer_text", "unit", "return_to", "handler", "status"])
    case_event_record(
        case=case,
        kind="case.answered",
        actor=actor,
        at=at,
        data={"text": text, "back_to": back_to.code, "late": _late(case.answer_due_at, at)},
    )
    return case


def _late(due: datetime | None, at: datetime) -> bool:
    return due is not None and at > due


@transaction.atomic
def case_reply(*, case_id: int, actor: User, text: str, at: datetime | None = None) -> Case:
    """The reply given to the customer (sent to them by the listeners): the reply clock stops."""
    at = at or timezone.now()
    text = _text(text, "text", _("write what the customer is told"))
    case = case_locked(case_id, actor, "reply")
    if case.return_to_id is not None:
        raise ConflictError(_("the second tier has not answered yet: wait for it, or ask its desk"))
    case.reply_text, case.replied_at, case.replied_by = text, at, actor
    case.status = CaseStatus.REPLIED
    case.save(update_fields=["reply_text", "replied_at", "replied_by", "status"])
    case_event_record(
        case=case,
        kind="case.replied",
        actor=actor,
        at=at,
        data={
            "text": text,
            "late": _late(case.due_at, at),
            "call_back": desk_rule_for(case.category).call_back,
        },
    )
    return case


@transaction.atomic
def case_call_back_done(
    *, case_id: int, actor: User | None, reached: bool, score: int | None, at: datetime
) -> Case:
    """The call-back after the reply is over (reached with a score, or not reached after every
    retry): the case is called back. Called by the call-back work list (alerts)."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFoundError(_("no case %(id)s") % {"id": case_id})
    if case.status not in MOVES["called_back"]:
        raise ConflictError(
            _("%(reference)s is %(status)s: that step is not possible now")
            % {"reference": case.reference, "status": case.get_status_display()}
        )
    case.status = CaseStatus.CALLED_BACK
    case.save(update_fields=["status"])
    case_event_record(
        case=case,
        kind="case.called_back",
        actor=actor,
        at=at,
        data={"reached": reached, "score": score},
    )
    return case


@transaction.atomic
def case_check(
    *, case_id: int, actor: User, step: int, done: bool = True, at: datetime | None = None
) -> Case:
    """Tick (or untick) one step of the case type's checklist."""
    at = at or timezone.now()
    case = case_locked(case_id, actor, "check")
    steps = desk_rule_for(case.category).checklist()
    if not 0 <= step < len(steps):
        raise DispatchError(
            _("this case type has %(n)s checklist steps") % {"n": len(steps)}, field="step"
        )
    ticked = set(case.checklist_done)
    ticked.add(step) if done else ticked.discard(step)
    case.checklist_done = sorted(ticked)
    case.save(update_fields=["checklist_done"])
    case_event_record(
        case=case,
        kind="case.checked",
        actor=actor,
        at=at,
        data={"step": step, "done": done, "label": steps[step]},
    )
    return case


@transaction.atomic
def case_close(*, case_id: int, actor: User, note: str = "", at: datetime | None = None) -> Case:
    """Archive the case once replied to (and called back when its type is), every checklist
    step ticked."""
    at = at or timezone.now()
    case = case_locked(case_id, actor, "close")
    rule = desk_rule_for(case.category)
    if rule.call_back and case.status != CaseStatus.CALLED_BACK and case.call.caller_phone:
        raise ConflictError(_("call the customer back first (the call-back work list)"))
    missing = [s for i, s in enumerate(rule.checklist()) if i not in case.checklist_done]
    if missing:
        raise ConflictError(
            _("tick the checklist first: %(steps)s") % {"steps": "; ".join(missing)},
            field="checklist",
        )
    case.status, case.closed_at, case.close_note = CaseStatus.CLOSED, at, (note or "").strip()
    case.save(update_fields=["status", "closed_at", "close_note"])
    case_event_record(case=case, kind="case.closed", actor=actor, at=at, data={"note": note})
    return case
