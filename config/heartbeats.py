"""Writing and reading process heartbeats (services and selectors of the platform app)."""

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from config.models import Heartbeat

_STARTED_AT = timezone.now()
KEEP_DEAD_INSTANCES = timedelta(days=1)


def process_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_record(
    *, component: str, instance: str | None = None, detail: dict[str, Any] | None = None
) -> None:
    """Upsert this process's heartbeat in one statement (no read-then-write race)."""
    # Called from long-lived threads (worker timer, tracker loop): drop a connection that
    # died with a database restart instead of failing every beat after it.
    close_old_connections()
    now = timezone.now()
    row = Heartbeat(
        component=component,
        instance=instance or process_instance(),
        started_at=_STARTED_AT,
        beat_at=now,
        detail=detail or {},
    )
    Heartbeat.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["component", "instance"],
        update_fields=["beat_at", "detail"],
    )


def heartbeat_prune() -> int:
    """Forget instances silent for a day (every restart of a process is a new instance)."""
    deleted, _ = Heartbeat.objects.filter(beat_at__lt=timezone.now() - KEEP_DEAD_INSTANCES).delete()
    return deleted


@dataclass(frozen=True)
class ComponentLife:
    last: Heartbeat | None
    live_instances: int

    @property
    def age_seconds(self) -> float | None:
        return None if self.last is None else (timezone.now() - self.last.beat_at).total_seconds()


def heartbeat_get_life(component: str, *, now: datetime | None = None) -> ComponentLife:
    now = now or timezone.now()
    fresh_since = now - timedelta(seconds=settings.HEALTH_STALE_AFTER)
    rows = Heartbeat.objects.filter(component=component).order_by("-beat_at")
    return ComponentLife(
        last=rows.first(), live_instances=rows.filter(beat_at__gte=fresh_since).count()
    )
