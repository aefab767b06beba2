from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldAppApiConfig(AppConfig):
    name = "field_app_api"
    verbose_name = _("Field app and tracking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Listeners register themselves on the timeline when their modules are imported.
        from field_app_api import listeners  # noqa: F401
