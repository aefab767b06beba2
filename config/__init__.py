"""Project configuration, and the `platform` app: process heartbeats and /healthz."""

from .celery import app as celery_app

__all__ = ["celery_app"]
