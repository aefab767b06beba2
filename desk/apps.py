from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The customer-service desk: office cases with their own lifecycle, routing and deadlines."""

    name = "desk"
    verbose_name = _("Service desk")
    default_auto_field = "django.db.models.BigAutoField"
