from django.contrib.gis import admin

from gis.models import OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.GISModelAdmin):
    list_display = ("name", "code", "tier", "parent")
    list_filter = ("tier",)
    search_fields = ("name", "code")
