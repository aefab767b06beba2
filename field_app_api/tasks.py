"""Celery tasks of the field side: thin, by id, safe to run twice."""

from celery import shared_task

from field_app_api.assignments import assignment_send


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, TimeoutError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=30,  # about half an hour of broker outage; the next change publishes anew
)
def crew_assignment_publish_task(crew_id: int) -> int | None:
    """Retained on the crew's topic: its job as it stands when this runs (retried while the
    broker is away; a retry publishes the newest state, not the one first queued)."""
    work_order = assignment_send(crew_id)["work_order"]
    return work_order["id"] if work_order else None
