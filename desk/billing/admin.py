"""Billing data in the admin: read-only (the company's system is the record; the imports
write it), so an administrator can look an account or an import run up."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from desk.billing.models import AccountBalance, BillingImportRun, MonthlyUsage


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountBalance)
class AccountBalanceAdmin(_ReadOnly):
    list_display = ("customer", "balance", "arrears", "arrears_since", "supply_status", "as_of")
    list_filter = ("supply_status",)
    search_fields = ("customer__account_no", "customer__name")
    raw_id_fields = ("customer",)


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(_ReadOnly):
    list_display = ("customer", "month", "volume_m3", "amount")
    search_fields = ("customer__account_no",)
    raw_id_fields = ("customer",)


@admin.register(BillingImportRun)
class BillingImportRunAdmin(_ReadOnly):
    list_display = (
        "started_at",
        "kind",
        "file_name",
        "source",
        "dry_run",
        "status",
        "rows",
        "created",
        "updated",
        "rejected",
        "unknown",
    )
    list_filter = ("kind", "status", "source")
