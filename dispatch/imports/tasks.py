from celery import shared_task

from dispatch.imports.runs import import_run_execute


@shared_task(acks_late=True)
def import_run_task(run_id: int) -> str | None:
    """Run one uploaded import; a second delivery finds it claimed and does nothing."""
    run = import_run_execute(run_id=run_id)
    return run.status if run is not None else None
