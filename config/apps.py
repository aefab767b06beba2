from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PlatformConfig(AppConfig):
    name = "config"
    label = "platform"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"


class DispatchAdminConfig(AdminConfig):
    default_site = "config.admin_site.DispatchAdminSite"
