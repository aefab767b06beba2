from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonthlyConfig(AppConfig):
    """The monthly analysis report: a PDF per top unit and language, built by beat on the
    first working day of a month and e-mailed to its supervisors through the outbox."""

    name = "reports.monthly"
    label = "reports_monthly"
    verbose_name = _("Monthly reports")
    default_auto_field = "django.db.models.BigAutoField"
