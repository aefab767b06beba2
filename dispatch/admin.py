from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from dispatch.models import User


@admin.register(User)
class DispatchUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "org_unit", "is_active")
    list_filter = ("role", "org_unit", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Dispatch", {"fields": ("role", "org_unit", "phone")}),
    )
