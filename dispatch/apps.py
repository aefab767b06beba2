from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After the admin's autodiscover (the admin app is listed first): every admin class,
        # whatever app registered it, follows the role table (dispatch/admin_access.py).
        from django.contrib import admin

        from dispatch.admin_access import admin_site_follow_roles

        admin_site_follow_roles(admin.site)

        # The fleet's "vans moved": a van at its job's site is on site, and the ETA follows it;
        # each second, arrivals whose cancel window has passed are confirmed.
        from dispatch.arrival import arrivals_confirm_due, moves_apply
        from fleet.moves import moves_listen, ticks_listen

        moves_listen(moves_apply)
        ticks_listen(arrivals_confirm_due)
