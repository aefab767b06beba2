"""Slots in the admin: administrators (and supervisors, once dispatch/admin_access.py lists
them) add and change slots; appointments are read here and changed through the services."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from config.errors import ServiceError
from desk.appointments.models import Appointment, Slot
from desk.appointments.services import slot_save
from dispatch.admin_access import RoleAdmin
from dispatch.models import User
from gis.admin import MapAdmin


class SlotForm(ModelForm):
    class Meta:
        model = Slot
        fields = ["station", "work_type", "starts_at", "ends_at", "capacity"]

    def clean_capacity(self) -> int:
        capacity: int = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.booked:
            raise ValidationError(
                _("%(booked)s visits are booked in this slot: move or cancel some first")
                % {"booked": self.instance.booked}
            )
        return capacity


@admin.register(Slot)
class SlotAdmin(RoleAdmin):
    form = SlotForm
    list_display = ["starts_at", "ends_at", "station", "work_type", "capacity", "booked"]
    list_filter = ["work_type", "station"]
    date_hierarchy = "starts_at"
    readonly_fields = ["booked"]

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)  # the admin site lets only staff in
        try:
            slot_save(slot=obj, actor=request.user)
        except ServiceError as refused:
            messages.error(request, refused.message)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A slot with bookings is never deleted (PROTECT); an empty one may be.
        if isinstance(obj, Slot) and obj.booked:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Appointment)
class AppointmentAdmin(MapAdmin, RoleAdmin):
    """Read only: booked, moved and cancelled on /appointments/, the API and the public pages."""

    map_field = "point"
    list_display = ["reference", "slot", "status", "name", "phone", "incident"]
    list_filter = ["status", "slot__work_type"]
    list_select_related = ["slot__station", "incident"]
    search_fields = ["reference", "phone", "name"]
    readonly_fields = ["geometry_shown"]
    fields = [
        "reference",
        "slot",
        "status",
        "name",
        "phone",
        "address_text",
        "language",
        "channel",
        "customer",
        "premise",
        "created_by",
        "call",
        "incident",
        "created_at",
        "updated_at",
        "geometry_shown",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
