"""The reports' settings in the admin: the thresholds the figures count against and the
regulators' presets, which an administrator edits and supervisors read. Everything else a
report shows is computed from the record."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dispatch.admin_access import RoleAdmin
from reports.models import ReportPreset, ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(RoleAdmin):
    list_display = ("__str__", "work_order_minutes", "made_safe_hours", "repeat_days")

    # One row, shipped by the migration: edited, never added twice or deleted.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not ReportSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportPreset)
class ReportPresetAdmin(RoleAdmin):
    list_display = (
        "name_zh",
        "name_en",
        "attend_minutes",
        "target_share",
        "average_max_minutes",
        "longest_max_minutes",
        "active",
        "order",
    )
    list_editable = ("active", "order")
    search_fields = ("code", "name_zh", "name_en")
