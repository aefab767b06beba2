"""What administrators see of the platform: the refusal counters, read-only.

Throttled requests (`*.throttled.*`, `api.refused.429`), refused devices and keys
(`tracking.refused.*`, `open311.refused.*`), lockouts (`auth.locked_out`, with each attempt
under "Access attempts") and dropped payloads are counted here; the rates themselves are
settings (THROTTLE_*, LOGIN_*), read from the environment.
"""

from django.contrib import admin
from django.http import HttpRequest

from config.models import Counter


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("name", "value", "updated_at")
    search_fields = ("name",)
    ordering = ("name",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # counted by the code, never typed in

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
