"""The phone systems, the agents' extensions, and the call legs (read only: the phone system
writes them)."""

from django.contrib import admin

from dispatch.admin_access import RoleAdmin
from telephony.models import CallLeg, Extension, PhoneSystem


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(PhoneSystem)
class PhoneSystemAdmin(RoleAdmin):
    list_display = ("name", "kind", "host", "port", "active", "connected_at", "disconnected_at")
    list_filter = ("kind", "active")
    search_fields = ("name", "host")
    readonly_fields = ("connected_at", "disconnected_at")
    inlines = (ExtensionInline,)


@admin.register(CallLeg)
class CallLegAdmin(RoleAdmin):
    list_display = (
        "rang_at",
        "role",
        "status",
        "caller_number",
        "queue",
        "extension",
        "agent",
        "answered_at",
        "ended_at",
    )
    list_filter = ("status", "role", "system")
    search_fields = ("caller_number", "call_uid", "leg_uid", "extension")
    date_hierarchy = "rang_at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
