from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Accounts' balances, payments, arrears, supply status and usage from the company's CIS."""

    name = "desk.billing"
    label = "billing"
    verbose_name = _("Billing data")
    default_auto_field = "django.db.models.BigAutoField"
