from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """The pipeline network and the organisation's territories.

    Labelled `network` because `django.contrib.gis` already holds the label `gis`.
    """

    name = "gis"
    label = "network"
    verbose_name = _("Network and territories")
    default_auto_field = "django.db.models.BigAutoField"
