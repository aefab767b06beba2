from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Alerts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Listeners register themselves on the timeline when their modules are imported.
        from alerts import (  # noqa: F401
            appointment_messages,
            callbacks,
            desk_messages,
            escalation,
            outages,
            progress,
            tasks_clocks,
        )
        from alerts.cap import listeners  # noqa: F401
        from alerts.open311 import push  # noqa: F401  (results pushed to linked hotlines)
