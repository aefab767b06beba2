"""Celery tasks of the outbox and the clocks: thin, by id, safe to run twice."""

from celery import shared_task

from alerts.services.notifications import notification_deliver, notifications_drain


@shared_task(acks_late=True)
def notification_send_task(notification_id: int) -> str:
    return notification_deliver(notification_id)


@shared_task(acks_late=True)
def notifications_drain_task() -> int:
    """Beat: what waited while Redis was down, and retries that have come due."""
    return notifications_drain()
