from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Listeners register themselves on the timeline when their modules are imported.
        from alerts import callbacks, escalation, outages, progress, tasks_clocks  # noqa: F401
        from alerts.cap import listeners  # noqa: F401
