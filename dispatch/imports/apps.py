from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Imports of a utility's own records; its one model is the import run (progress, report)."""

    name = "dispatch.imports"
    label = "imports"
    verbose_name = "Imports"
    default_auto_field = "django.db.models.BigAutoField"
