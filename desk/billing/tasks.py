from celery import shared_task

from desk.billing.inbox import billing_inbox_import


@shared_task(acks_late=True)
def billing_inbox_import_task() -> int:
    """Import the billing files waiting in BILLING_IMPORT_DIR; a second run finds them moved."""
    return len(billing_inbox_import())
