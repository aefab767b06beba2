from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reports.monthly.models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """Read only: a report is built by the beat or the page's button, never typed in. The
    PDF itself is downloaded from /reports/monthly/, not shown here."""

    list_display = ("month", "unit", "language", "pages", "created_at")
    list_filter = ("language", "unit__tier")
    exclude = ("pdf",)
    readonly_fields = ("month", "unit", "language", "pages", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
