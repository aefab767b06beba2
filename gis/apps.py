from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """The pipeline network and the organisation's territories.

    Labelled `network` because `django.contrib.gis` already holds the label `gis`.
    """

    name = "gis"
    label = "network"
    verbose_name = "Network and territories"
    default_auto_field = "django.db.models.BigAutoField"
