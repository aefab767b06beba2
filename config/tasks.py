import os
import socket

from celery import shared_task

from config.heartbeats import heartbeat_prune, heartbeat_record


@shared_task(acks_late=True)
def heartbeat_prune_task() -> int:
    """Delete heartbeats of processes that have been gone for a day."""
    return heartbeat_prune()


@shared_task(acks_late=True)
def heartbeat_probe_task(*, component: str = "probe") -> str:
    """Record a heartbeat from whichever worker ran this: proves the queue path end to end."""
    instance = f"{socket.gethostname()}:{os.getpid()}"
    heartbeat_record(component=component, instance=instance)
    return instance
