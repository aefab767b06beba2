"""The Celery app, with a heartbeat from every worker and from beat."""

import logging
import os
import socket
import time
from typing import Any

from celery import Celery, bootsteps
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")

app = Celery("gasdispatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


def _beat(component: str, instance: str, detail: dict[str, Any]) -> None:
    from django.apps import apps

    if not apps.ready:  # beat does not always set Django up before its first tick
        import django

        django.setup()
    from config.heartbeats import heartbeat_record

    try:
        heartbeat_record(component=component, instance=instance, detail=detail)
    except Exception:  # a database outage must not kill the worker or beat
        log.exception("could not record %s heartbeat", component)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Each worker records a heartbeat on the worker's own timer, independent of the queue."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        detail = {"hostname": worker.hostname, "concurrency": worker.concurrency}
        _beat("worker", worker.hostname, detail)
        self.tref = worker.timer.call_repeatedly(
            settings.HEARTBEAT_SECONDS, _beat, ("worker", worker.hostname, detail), priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()


app.steps["worker"].add(WorkerHeartbeat)


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's scheduler, recording that beat itself is alive on every tick."""

    _last_beat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        from django.conf import settings

        now = time.monotonic()
        if now - self._last_beat >= settings.HEARTBEAT_SECONDS:
            self._last_beat = now
            _beat("beat", f"{socket.gethostname()}:{os.getpid()}", {"entries": len(self.schedule)})
        interval = super().tick(*args, **kwargs)
        return min(interval, float(settings.HEARTBEAT_SECONDS))


app.conf.beat_scheduler = "config.celery:HeartbeatScheduler"
app.conf.beat_schedule = {
    "prune-heartbeats": {"task": "config.tasks.heartbeat_prune_task", "schedule": 3600.0},
    "sla-check": {
        "task": "dispatch.tasks.sla_check_task",
        "schedule": float(os.environ.get("SLA_CHECK_SECONDS", "30")),
    },
    "sla-escalate": {"task": "alerts.tasks_clocks.sla_escalate_task", "schedule": 60.0},
    # Office cases: urge (督办) before the reply is due, escalate once overdue.
    "desk-clocks": {"task": "desk.tasks.cases_clocks_task", "schedule": 60.0},
    # Appointments: the day's field jobs made in the morning, reminders the day before.
    "appointments-work-orders": {
        "task": "desk.appointments.tasks.appointments_work_orders_task",
        "schedule": 3600.0,
    },
    "appointment-reminders": {
        "task": "alerts.appointment_messages.appointment_reminders_task",
        "schedule": 3600.0,
    },
    # The company's CIS drops balance and usage files in BILLING_IMPORT_DIR.
    "billing-import": {
        "task": "desk.billing.tasks.billing_inbox_import_task",
        "schedule": float(os.environ.get("BILLING_IMPORT_SECONDS", "900")),
    },
    # Call-backs whose retry window (3 working days) passed: finally not reached.
    "callbacks-give-up": {
        "task": "alerts.callback_tasks.callbacks_give_up_task",
        "schedule": 300.0,
    },
    "notifications-drain": {
        "task": "alerts.tasks.notifications_drain_task",
        "schedule": float(os.environ.get("NOTIFICATION_DRAIN_SECONDS", "5")),
    },
    # Last month's analysis report, on the first working day of the month. The task does
    # nothing on other days; it runs hourly so a beat that was down at midnight still sends it.
    "monthly-reports": {"task": "reports.monthly.tasks.monthly_reports_task", "schedule": 3600.0},
    # Closed days' figures stored, so a year's dashboard reads days, not a year of rows.
    "reports-rollup": {"task": "reports.tasks.rollup_refresh_task", "schedule": 900.0},
}
