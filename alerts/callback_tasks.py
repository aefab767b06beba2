"""Celery beat task of the call-backs: thin, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from alerts.callback_attempts import callbacks_give_up_due


@shared_task(acks_late=True)
def callbacks_give_up_task() -> int:
    """Beat: call-backs whose retry window has closed count as not reached."""
    return callbacks_give_up_due(now=timezone.now())
