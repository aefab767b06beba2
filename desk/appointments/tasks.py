"""Celery tasks of the appointments: thin, safe to run twice."""

from celery import shared_task

from desk.appointments.work_orders import appointments_work_orders_create


@shared_task(acks_late=True)
def appointments_work_orders_task() -> int:
    """Beat (hourly): today's visits become field jobs; a visit booked for today later in the
    day is picked up by the next run."""
    return appointments_work_orders_create()
