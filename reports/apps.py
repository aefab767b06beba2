from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The figures a utility, its regulator and its group judge the hotline by: dashboards,
    exports and the monthly analysis, all computed from the record (DESIGN.md, layer 6)."""

    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"
