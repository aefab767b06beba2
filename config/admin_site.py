from typing import Any

from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class DispatchAdminSite(admin.AdminSite):
    """The Django admin, by role (not every `is_staff` user): administrators everything,
    supervisors the crews, vans and people of their own stations (dispatch/admin_access.py).
    Its sign-in form asks for no staff flag: the role decides, once signed in."""

    login_form = AuthenticationForm
    site_header = _("Gas dispatch administration")
    site_title = _("Gas dispatch admin")

    def has_permission(self, request: HttpRequest) -> bool:
        from dispatch.access import Capability, user_may  # the admin site loads before apps

        return user_may(request.user, Capability.ADMIN)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The admin's sign-in, with the sign-in page's per-address limit."""
        from dispatch.api.lockout import sign_ins_throttled

        return sign_ins_throttled(request) or super().login(request, extra_context)
