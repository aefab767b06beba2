from django.contrib import admin
from django.http import HttpRequest


class DispatchAdminSite(admin.AdminSite):
    """The Django admin, for the administrator role only (not every `is_staff` user)."""

    site_header = "Gas dispatch administration"
    site_title = "Gas dispatch admin"

    def has_permission(self, request: HttpRequest) -> bool:
        from dispatch.access import Capability, user_may  # the admin site loads before apps

        return user_may(request.user, Capability.ADMIN)
