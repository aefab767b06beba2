from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    """The hotline's phone system, integrated rather than replaced: its events (Asterisk AMI,
    FreeSWITCH's event socket, an ACD's webhook) become call legs (DESIGN.md, layer 4)."""

    name = "telephony"
    verbose_name = _("Telephony")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from telephony import listeners  # noqa: F401  (registers on dispatch's timeline)
