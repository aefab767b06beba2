from django.apps import AppConfig


class FieldAppApiConfig(AppConfig):
    name = "field_app_api"
    verbose_name = "Field app and tracking"
    default_auto_field = "django.db.models.BigAutoField"
