"""Celery tasks: thin, by id, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dispatch.errors import ConflictError
from dispatch.models import CategoryRule, Incident, WorkOrder
from dispatch.services.assign import incident_dispatch_next
from dispatch.services.sla import deadlines_breach_due
from dispatch.services.work_orders import work_order_transition


@shared_task(acks_late=True)
def work_order_accept_timeout_task(work_order_id: int, waited_s: int) -> str:
    """Pass over a crew that has not accepted in time (it may have accepted since: then no-op)."""
    if not WorkOrder.objects.filter(pk=work_order_id, status=WorkOrder.Status.ASSIGNED).exists():
        return "answered"
    try:
        work_order_transition(
            work_order_id=work_order_id,
            to=WorkOrder.Status.REJECTED,
            actor=None,
            actor_label="system",
            data={"reason": f"no answer within {waited_s} s"},
        )
    except ConflictError:
        return "answered"  # accepted between the check and the lock
    return "passed over"


@shared_task(acks_late=True)
def incident_offer_next_crew_task(incident_id: int) -> int | None:
    """After a reject or a timeout: the next crew, unless someone already has it."""
    work_order = incident_dispatch_next(incident_id=incident_id, why="previous crew passed")
    return work_order.pk if work_order else None


@shared_task(acks_late=True)
def incident_auto_dispatch_task(incident_id: int) -> int | None:
    """P1 auto-dispatch, when enabled and the category's rule allows it."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or incident.priority != 1 or not settings.AUTO_DISPATCH_P1:
        return None
    if not CategoryRule.objects.filter(category=incident.category, auto_dispatch=True).exists():
        return None
    work_order = incident_dispatch_next(incident_id=incident_id, why="P1 auto-dispatch")
    return work_order.pk if work_order else None


@shared_task(acks_late=True)
def sla_check_task() -> int:
    """Mark clocks past due (Celery beat runs this every SLA_CHECK_SECONDS)."""
    return deadlines_breach_due(now=timezone.now())
