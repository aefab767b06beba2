"""What an administrator configures in dispatch: users, the rules per category, hazard
escalations, SLA clocks, crews with their members and van, vans, customers.

Incidents, calls, work orders and the timeline are not here: they change only through the
services that write the timeline, from the console, the wall and the tablet.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Category, Skill
from dispatch.models import CategoryRule, Crew, Customer, SlaPolicy, TriageRule, User, Vehicle
from dispatch.roles import Role
from dispatch.selectors import phone_normalise
from gis.admin import MapAdmin
from gis.selectors import org_unit_list_within

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a dev dependency: for the type only


@admin.register(User)
class DispatchUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "org_unit", "is_active")
    list_filter = ("role", "org_unit", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        # Supervisors' phone and e-mail are where SLA escalations are sent.
        (_("Dispatch"), {"fields": ("role", "org_unit", "phone")}),
    )


def _ticks(
    choices: Any, label: "StrOrPromise", help_text: "StrOrPromise" = ""
) -> forms.TypedMultipleChoiceField:
    """An array of choices as ticks rather than comma-separated codes to type."""
    return forms.TypedMultipleChoiceField(
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=label,
        help_text=help_text,
    )


class CategoryRuleForm(forms.ModelForm):
    skills = _ticks(Skill.choices, _("skills"), _("a crew needs all of these"))
    merges_with = _ticks(
        Category.choices, _("merges with"), _("open incidents of these categories take the call")
    )

    class Meta:
        model = CategoryRule
        fields = (
            "category",
            "label_zh",
            "base_priority",
            "needs_incident",
            "skills",
            "duplicate_radius_m",
            "duplicate_window_min",
            "merges_with",
            "groups_by_supply",
            "raise_after_reports",
            "auto_dispatch",
            "advice_en",
            "advice_zh",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Callers are answered in Chinese or English: advice read out needs both.
        if bool(data.get("advice_en")) != bool(data.get("advice_zh")):
            missing = "advice_zh" if data.get("advice_en") else "advice_en"
            self.add_error(missing, _("give the advice in both Chinese and English"))
        return data


@admin.register(CategoryRule)
class CategoryRuleAdmin(admin.ModelAdmin):
    form = CategoryRuleForm
    list_display = (
        "category",
        "label_zh",
        "base_priority",
        "needs_incident",
        "auto_dispatch",
        "duplicate_radius_m",
        "duplicate_window_min",
    )
    list_filter = ("base_priority", "needs_incident", "auto_dispatch", "groups_by_supply")
    search_fields = ("category", "label_zh", "advice_en", "advice_zh")


@admin.register(TriageRule)
class TriageRuleAdmin(admin.ModelAdmin):
    list_display = ("hazard", "category", "priority")
    list_filter = ("priority", "hazard", "category")
    search_fields = ("hazard", "category")


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ("priority", "category", "milestone", "minutes", "working_days")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        minutes, days = data.get("minutes"), data.get("working_days")
        # A field refused here is left out of the model's own check of the same rule
        # (sla_minutes_or_working_days), whose message names the constraint, not the fix.
        if (minutes is None) == (days is None):
            self.add_error("minutes", _("give either minutes or working days, not both or none"))
        elif minutes == 0 or days == 0:
            field = "minutes" if minutes == 0 else "working_days"
            self.add_error(field, _("a clock of zero is always breached: give at least 1"))
        same = SlaPolicy.objects.filter(
            priority=data.get("priority"),
            category=data.get("category", ""),
            milestone=data.get("milestone"),
        ).exclude(pk=self.instance.pk)
        if same.exists():
            self.add_error(
                None, _("a clock for this priority, category and milestone exists: change that one")
            )
        return data


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ("milestone", "priority", "category", "minutes", "working_days")
    list_filter = ("milestone", "priority", "category")


class VanInline(admin.StackedInline):
    """The crew's van: its device id is what the tablet and the tracker know it by."""

    model = Vehicle
    fields = ("device_id", "registration", "last_fix_at", "battery")
    readonly_fields = ("last_fix_at", "battery")
    extra = 0
    max_num = 1
    can_delete = False  # a van leaves a crew by being given to another, on the van's page


class CrewForm(forms.ModelForm):
    skills = _ticks(Skill.choices, _("skills"))

    class Meta:
        model = Crew
        fields = ("name", "station", "skills", "members", "shift_start", "shift_end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("shift_start") is not None and data.get("shift_start") == data.get("shift_end"):
            self.add_error("shift_end", _("a shift that ends when it starts has no hours"))
        station = data.get("station")
        for member in data.get("members") or []:
            self._check_member(member, station)
        return data

    def _check_member(self, member: User, station: Any) -> None:
        if (
            station is not None
            and member.org_unit is not None
            and not org_unit_list_within(member.org_unit).filter(pk=station.pk).exists()
        ):
            self.add_error(
                "members",
                _("%(user)s belongs to %(unit)s, not to this crew's station")
                % {**_who(member), "unit": member.org_unit},
            )
        # The tablet serves one crew per login: a second crew would make its jobs ambiguous.
        other = member.crews.exclude(pk=self.instance.pk).first()
        if other is not None:
            self.add_error(
                "members",
                _("%(user)s is on %(crew)s already: take them off that crew first")
                % {**_who(member), "crew": other},
            )


def _who(user: User) -> dict[str, str]:
    return {"user": user.get_full_name() or user.get_username()}


@admin.register(Crew)
class CrewAdmin(admin.ModelAdmin):
    form = CrewForm
    inlines = [VanInline]
    list_display = ("name", "station", "status", "duty", "shift_start", "shift_end", "van")
    list_filter = ("station", "status", "duty")
    search_fields = ("name", "members__username", "members__last_name", "vehicle__device_id")
    list_select_related = ("station", "vehicle")
    filter_horizontal = ("members",)
    readonly_fields = ("status", "duty", "duty_reported_at")
    fields = (
        "name",
        "station",
        "skills",
        "members",
        "shift_start",
        "shift_end",
        "status",
        "duty",
        "duty_reported_at",
    )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "members":
            # Only crew members are offered: the tablet is theirs (another role is refused).
            kwargs["queryset"] = User.objects.filter(role=Role.CREW_MEMBER, is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("van"))
    def van(self, crew: Crew) -> str:
        vehicle = getattr(crew, "vehicle", None)
        return str(vehicle) if vehicle else "-"


@admin.register(Vehicle)
class VehicleAdmin(MapAdmin):
    map_field = "last_point"
    list_display = (
        "device_id",
        "registration",
        "crew",
        "last_fix_at",
        "battery",
        "last_seen_at",
        "offline_at",
    )
    list_filter = (
        "crew__station",
        ("crew", admin.EmptyFieldListFilter),
        ("offline_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("device_id", "registration", "crew__name")
    list_select_related = ("crew",)
    autocomplete_fields = ("crew",)
    # Where the van is and how it is doing is the tracker's to write.
    readonly_fields = (
        "last_fix_at",
        "speed_kmh",
        "heading",
        "battery",
        "last_seen_at",
        "offline_at",
        "geometry_shown",
    )
    fields = ("device_id", "registration", "crew", *readonly_fields)


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("account_no", "name", "phones", "email", "language", "vulnerable", "premises")
        help_texts = {"phones": _("comma-separated; the screen pop finds the caller by any")}

    def clean_phones(self) -> list[str]:
        # Stored as the screen pop looks them up: digits, without +86.
        phones = [phone_normalise(raw) for raw in self.cleaned_data.get("phones") or []]
        if any(len(phone) < 5 for phone in phones):
            raise forms.ValidationError(_("a phone number needs at least 5 digits"))
        return list(dict.fromkeys(phones))


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ("account_no", "name", "phone_list", "email", "language", "vulnerable")
    list_filter = ("vulnerable", "language")
    search_fields = ("account_no", "name", "email")
    autocomplete_fields = ("premises",)
    date_hierarchy = "created_at"

    @admin.display(description=_("phones"))
    def phone_list(self, customer: Customer) -> str:
        return ", ".join(customer.phones)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        found, may_duplicate = super().get_search_results(request, queryset, search_term)
        phone = phone_normalise(search_term)
        if len(phone) >= 5:  # a number: the phones index (GIN, phones @> ARRAY[...])
            found |= queryset.filter(phones__contains=[phone])
        return found, may_duplicate
