"""A dispatcher's crew moves: take a crew off a job (with a reason), send another instead,
and the checks every dispatch makes: the skills the category needs, and a crew busy elsewhere.

A crew is on one job at a time. One busy elsewhere is taken off it only for a more urgent
incident (preemption), and never once on site: from there the crew finishes or makes safe on
its tablet. A job called off goes through work_order_transition like any other change, so the
crew is freed and the incident, with no crew left on it, goes back to open: the queue.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dispatch.categories import category_name
from dispatch.choices import Skill
from dispatch.errors import ConflictError, DispatchError, ForbiddenError
from dispatch.models import CategoryRule, Crew, Incident, User, WorkOrder
from dispatch.selectors import user_may_dispatch
from dispatch.services.locks import work_order_locked
from dispatch.services.work_orders import work_order_dispatch, work_order_transition

S = WorkOrder.Status
CANCELLABLE = WorkOrder.CANCELLABLE_STATUSES
REASON_MAX = 200
NOTE_MAX = 1000


def _listed(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _skill_name(code: str) -> str:
    return str(Skill(code).label) if code in Skill.values else code


def _job(incident: Incident) -> str:
    """How a job reads in a message: "P3 meter fault"."""
    return f"P{incident.priority} {category_name(incident.category).lower()}"


def crew_skills_check(*, incident: Incident, crew: Crew, first_responder: bool) -> list[str]:
    """The skills the incident's category needs that the crew lacks (sent as first responder);
    refused in words when it lacks some and is not sent as one."""
    rule = CategoryRule.objects.filter(category=incident.category).first()
    if rule is None:
        raise ConflictError(
            _(
                "%(reference)s has the case type %(code)s, which is no longer configured: an"
                " administrator restores it in the admin (Case types)"
            )
            % {"reference": incident.reference, "code": incident.category},
            field="crew_id",
        )
    if not rule.sends_crews:
        raise ConflictError(
            _("%(type)s is handled by the desk, not a crew: end it from the desk or the queue")
            % {"type": str(rule)},
            field="crew_id",
        )
    lacks = [s for s in rule.skills if s not in crew.skills]
    if lacks and not first_responder:
        raise ConflictError(
            ngettext(
                "%(crew)s lacks %(skills)s: choose a crew that has it, or send them as first "
                "responder to make it safe and add a specialist",
                "%(crew)s lacks %(skills)s: choose a crew that has them, or send them as first "
                "responder to make it safe and add a specialist",
                len(lacks),
            )
            % {"crew": crew.name, "skills": _listed([_skill_name(s) for s in lacks])},
            field="first_responder",
        )
    return lacks


def crew_preempt(
    *,
    incident: Incident,
    crew: Crew,
    actor: User | None,
    at: datetime,
    preempt: bool,
    recommendation: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Take the crew (locked by the caller) off its jobs on other incidents so it can go to
    `incident`: only when the dispatcher said so (`preempt`, or a recommendation naming that
    job), each job is less urgent, and the crew is not on site yet. Returns the jobs taken
    off; refused in words, with nothing changed, otherwise."""
    elsewhere = list(
        WorkOrder.objects.select_for_update(of=("self",))
        .filter(crew=crew, status__in=WorkOrder.ACTIVE_STATUSES)
        .exclude(incident=incident)
        .select_related("incident")
        .order_by("id")
    )
    offered = (recommendation or {}).get("preempts_work_order_id")
    allowed = preempt or any(w.pk == offered for w in elsewhere)
    for job in elsewhere:  # every one checked before any is touched
        # Whose job it is first: another organisation's job is not described to this user.
        if actor is not None and not user_may_dispatch(actor, job.incident.station):
            raise ForbiddenError(
                _("%(crew)s is on %(reference)s, outside your organisation: choose another crew")
                % {"crew": crew.name, "reference": job.incident.reference},
                field="crew_id",
            )
        _check_preemptable(job, incident=incident, crew=crew, allowed=allowed)
    taken_off = []
    for job in elsewhere:
        _call_off(
            job,
            reason=f"preempted by {incident.reference}",  # the timeline keeps one language
            note="",
            actor=actor,
            at=at,
            data={"preempted_by": incident.reference, "preempted_by_incident": incident.pk},
        )
        taken_off.append(
            {
                "work_order_id": job.pk,
                "incident_id": job.incident_id,
                "reference": job.incident.reference,
                "priority": job.incident.priority,
            }
        )
    return taken_off


def _check_preemptable(job: WorkOrder, *, incident: Incident, crew: Crew, allowed: bool) -> None:
    words = {
        "crew": crew.name,
        "reference": job.incident.reference,
        "job": _job(job.incident),
        "this": incident.reference,
        "priority": incident.priority,
    }
    if job.status not in CANCELLABLE:
        raise ConflictError(
            _(
                "%(crew)s is on site at %(reference)s (%(job)s): they finish or make safe "
                "there first; ask them, or choose another crew"
            )
            % words,
            field="crew_id",
        )
    if job.incident.priority <= incident.priority:
        raise ConflictError(
            _(
                "%(crew)s is busy on %(reference)s (%(job)s) and %(this)s is P%(priority)s: "
                "only a more urgent incident takes a crew off its job; choose another crew"
            )
            % words,
            field="crew_id",
        )
    if not allowed:
        raise ConflictError(
            _(
                "%(crew)s is busy on %(reference)s (%(job)s): send them with preempt to take "
                "them off it, or choose another crew"
            )
            % words,
            field="preempt",
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DispatchError(
            _("give a reason: say why the crew is taken off the job"), field="reason"
        )
    if len(reason) > REASON_MAX:
        raise DispatchError(
            _("a reason is at most %(max)d characters") % {"max": REASON_MAX}, field="reason"
        )
    return reason


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DispatchError(
            _("a note is at most %(max)d characters") % {"max": NOTE_MAX}, field="note"
        )
    return note


def _check_mover(actor: User, work_order: WorkOrder) -> None:
    if not user_may_dispatch(actor, work_order.incident.station):
        raise ForbiddenError(
            _("only dispatchers of %(reference)s's organisation move its crews")
            % {"reference": work_order.incident.reference}
        )


def _check_cancellable(work_order: WorkOrder) -> None:
    if work_order.status in WorkOrder.ACTIVE_STATUSES and work_order.status not in CANCELLABLE:
        raise ConflictError(
            _(
                "the crew is on site: they finish or make safe from the tablet; ask them, or "
                "close the incident once they are done"
            ),
            field="work_order",
        )
    if work_order.status not in CANCELLABLE:
        raise ConflictError(
            _("WO-%(id)s is %(status)s already: there is no crew on it to take off")
            % {"id": work_order.pk, "status": work_order.get_status_display().lower()},
            field="work_order",
        )


def _call_off(
    work_order: WorkOrder,
    *,
    reason: str,
    note: str,
    actor: User | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> WorkOrder:
    """Cancel a job the caller holds locked; the transition frees the crew and, with no crew
    left on the incident, puts it back in the queue."""
    _check_cancellable(work_order)
    return work_order_transition(
        work_order_id=work_order.pk,
        to=S.CANCELLED,
        actor=actor,
        at=at,
        reason=reason,
        data={**({"note": note} if note else {}), **(data or {})},
    )


@transaction.atomic
def work_order_cancel(
    *, work_order_id: int, reason: str, actor: User, note: str = "", at: datetime | None = None
) -> WorkOrder:
    """Take a crew off a job before it is on site, with a reason; the crew is free again and
    the incident, if no other crew is on it, goes back to open."""
    work_order = work_order_locked(work_order_id, "incident", "crew")
    _check_mover(actor, work_order)
    _check_cancellable(work_order)
    return _call_off(
        work_order, reason=_reason(reason), note=_note(note), actor=actor, at=at or timezone.now()
    )


@transaction.atomic
def work_order_reassign(
    *,
    work_order_id: int,
    crew_id: int,
    reason: str,
    actor: User,
    first_responder: bool = False,
    preempt: bool = False,
    at: datetime | None = None,
) -> WorkOrder:
    """Give a job to another crew: the new one is sent (with every dispatch check) and the old
    one called off, in one transaction; refused, nothing changes. Returns the new work order."""
    at = at or timezone.now()
    old = work_order_locked(work_order_id, "incident", "crew")
    _check_mover(actor, old)
    _check_cancellable(old)
    reason = _reason(reason)
    if crew_id == old.crew_id:
        raise DispatchError(
            _("%(crew)s already has this job: choose another crew") % {"crew": old.crew.name},
            field="crew_id",
        )
    # The new crew first: the incident never looks, even inside the transaction, as if no
    # crew were on it (no "back to open" and "dispatched again" on its timeline).
    new = work_order_dispatch(
        incident_id=old.incident_id,
        crew_id=crew_id,
        actor=actor,
        at=at,
        first_responder=first_responder,
        preempt=preempt,
        context={
            "reassigned_from": {
                "work_order_id": old.pk,
                "crew": old.crew.name,
                "crew_id": old.crew_id,
                "reason": reason,
            }
        },
    )
    _call_off(
        old,
        reason=f"reassigned to {new.crew.name}: {reason}",
        note="",
        actor=actor,
        at=at,
        data={"replaced_by": new.pk},
    )
    return new
