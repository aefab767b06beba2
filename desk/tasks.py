"""The desk's beat tasks."""

from celery import shared_task
from django.utils import timezone

from desk.services.clocks import cases_clocks_check


@shared_task
def cases_clocks_task() -> dict[str, int]:
    """Urge the cases whose reply falls due soon, escalate the overdue (once each)."""
    return cases_clocks_check(now=timezone.now())
