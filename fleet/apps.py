from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "fleet"
    verbose_name = _("Vans and tracking")
    default_auto_field = "django.db.models.BigAutoField"
