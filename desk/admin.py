"""The desk's settings in the admin: its departments (and who belongs to each) and how each
office case type is routed. The cases themselves are worked on the desk's own screens."""

from django.contrib import admin

from desk.models import Department, DeskRule
from dispatch.admin_access import RoleAdmin


@admin.register(Department)
class DepartmentAdmin(RoleAdmin):
    list_display = ("name_zh", "name_en", "kind", "unit")
    list_filter = ("kind",)
    search_fields = ("name_zh", "name_en", "code")
    filter_horizontal = ("members",)
    autocomplete_fields = ()


@admin.register(DeskRule)
class DeskRuleAdmin(RoleAdmin):
    list_display = ("category", "tier", "department_kind", "confidential", "call_back")
    list_filter = ("tier", "confidential", "call_back")
    search_fields = ("category",)
