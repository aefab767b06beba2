from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city, its organisation and logins, crews and vans, and the fleet simulator:
    what `make run` loads. Installed unless DEMO=false (production leaves it out)."""

    name = "demo"
    verbose_name = _("Demo")
    default_auto_field = "django.db.models.BigAutoField"
