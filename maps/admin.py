"""What a supervisor sets for the maps: how long each priority may wait for a crew before the
wall and the dispatch screen sound the alarm. Who may see and change it is the admin's one
table (dispatch/admin_access.py: supervisors change it, administrators add it)."""

from django.contrib import admin

from dispatch.admin_access import RoleAdmin
from maps.models import QueueAlarm


@admin.register(QueueAlarm)
class QueueAlarmAdmin(RoleAdmin):
    list_display = ("priority", "after_seconds", "sound")
    list_editable = ("after_seconds", "sound")  # one page for the whole table: it is short
    fields = ("priority", "after_seconds", "sound")
