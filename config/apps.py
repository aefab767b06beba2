from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "config"
    label = "platform"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # django-axes names its app "Axes" and has no Chinese; its models' words are marked in
        # config/third_party_words.py.
        from django.apps import apps

        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")


class DispatchAdminConfig(AdminConfig):
    default_site = "config.admin_site.DispatchAdminSite"
