"""The monthly report's beat task: run every hour, it acts only on the first working day of
a month (reports.monthly.services), and only once that day."""

from celery import shared_task
from django.utils import timezone

from reports.monthly.services import monthly_reports_send


@shared_task
def monthly_reports_task() -> dict[str, int]:
    """Build last month's reports and e-mail them, on the month's first working day."""
    return monthly_reports_send(today=timezone.localdate())
