"""Celery beat tasks of the SLA clocks' escalation: thin, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from alerts.escalation import escalations_advance


@shared_task(acks_late=True)
def sla_escalate_task() -> int:
    """Beat: clocks still breached ESCALATE_AFTER_S after their last escalation go one up."""
    return escalations_advance(now=timezone.now())
