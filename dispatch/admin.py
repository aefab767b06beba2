"""What an administrator configures in dispatch: users, the rules per category, hazard
escalations, SLA clocks, crews with their members and van, vans, customers. A supervisor
configures the crews and vans of their own stations and their people's contact details, and
reads the rest (dispatch/admin_access.py says who does what).

Incidents, calls, work orders and the timeline are not here: they change only through the
services that write the timeline, from the console, the wall and the tablet.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dispatch import admin_case_types  # noqa: F401  (registers the case types)
from dispatch.admin_access import (
    RoleAdmin,
    RoleInlineAccess,
    admin_scoped,
    admin_site_follow_roles,
    admin_stations,
    admin_units,
)
from dispatch.choices import Skill
from dispatch.models import CalendarDay, Crew, Customer, Season, SlaPolicy, TriageRule, User
from dispatch.roles import Role
from dispatch.selectors import phone_normalise
from fleet.models import Vehicle
from gis.admin import MapAdmin
from gis.selectors import org_unit_list_within

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a dev dependency: for the type only


@admin.register(User)
class DispatchUserAdmin(UserAdmin, RoleAdmin):
    list_display = ("username", "first_name", "last_name", "role", "org_unit", "crew", "is_active")
    list_filter = ("role", ("org_unit", admin.RelatedOnlyFieldListFilter), "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        # Supervisors' phone and e-mail are where SLA escalations are sent.
        (_("Dispatch"), {"fields": ("role", "org_unit", "phone", "language", "crew")}),
    )
    # A supervisor sees their people with their crew, and changes only where escalations reach
    # them: never a role, a unit, a name or a password.
    SUPERVISED = (
        (None, {"fields": ("username", "first_name", "last_name", "role", "org_unit", "crew")}),
        (_("Escalation contacts"), {"fields": ("phone", "email")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and admin_scoped(request.user):
            return self.SUPERVISED
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if admin_scoped(request.user):
            return self.SUPERVISED[0][1]["fields"]
        return ("crew",)  # put on a crew on the crew's page, with the station checked

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("crews")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Where escalations go is not a peer's to redirect: a supervisor changes their own
        # contacts and those of the people below them, never another supervisor's or an
        # administrator's.
        if (
            obj is not None
            and admin_scoped(request.user)
            and obj.pk != request.user.pk
            and obj.role in (Role.SUPERVISOR, Role.ADMINISTRATOR)
        ):
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if admin_scoped(request.user):
            raise PermissionDenied  # an administrator's, whoever the user is
        return super().user_change_password(request, id, form_url)

    @admin.display(description=_("crew"))
    def crew(self, user: User) -> SafeString | str:
        crews = [(reverse("admin:dispatch_crew_change", args=[c.pk]), c) for c in user.crews.all()]
        return format_html_join(", ", '<a href="{}">{}</a>', crews) if crews else "-"


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


@admin.register(TriageRule)
class TriageRuleAdmin(RoleAdmin):
    list_display = ("hazard", "category", "priority")
    list_filter = ("priority", "hazard", "category")
    search_fields = ("hazard", "category")


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = (
            "priority",
            "category",
            "milestone",
            "area_class",
            "season",
            "minutes",
            "working_days",
        )

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
            area_class=data.get("area_class", ""),
            season=data.get("season"),
        ).exclude(pk=self.instance.pk)
        if same.exists():
            self.add_error(
                None,
                _(
                    "a clock for this priority, category, milestone, area class and season "
                    "exists: change that one"
                ),
            )
        return data


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RoleAdmin):
    form = SlaPolicyForm
    list_display = (
        "milestone",
        "priority",
        "category",
        "area_class",
        "season",
        "minutes",
        "working_days",
    )
    list_filter = ("milestone", "priority", "category", "area_class", "season")


@admin.register(Season)
class SeasonAdmin(RoleAdmin):
    """A utility's season (district heating's) that SLA policies may hold in."""

    list_display = (
        "code",
        "name_zh",
        "name_en",
        "utility",
        "start_month",
        "start_day",
        "end_month",
        "end_day",
    )
    list_filter = ("utility",)


@admin.register(CalendarDay)
class CalendarDayAdmin(RoleAdmin):
    """The company's own days on top of the country's calendar (public holidays and make-up
    working days come from the `holidays` package): every working-day clock follows them."""

    list_display = ("day", "working", "note")
    list_filter = ("working",)
    date_hierarchy = "day"
    search_fields = ("note",)


class VanInline(RoleInlineAccess, admin.StackedInline):
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
        fields = ("code", "name", "station", "skills", "members", "shift_start", "shift_end")

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


class PeopleField(forms.ModelMultipleChoiceField):
    """People offered by name to pick from, not only by login."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def _who(user: User) -> dict[str, str]:
    return {"user": user.get_full_name() or user.get_username()}


def _yours(user: Any, words: "StrOrPromise") -> str:
    """A refused choice in `words`, naming the stations the user may pick from."""
    names = ", ".join(str(station) for station in admin_stations(user)) or gettext("none")
    return str(words) % {"stations": names}


@admin.register(Crew)
class CrewAdmin(RoleAdmin):
    form = CrewForm
    inlines = [VanInline]
    list_display = ("name", "code", "station", "status", "duty", "shift_start", "shift_end", "van")
    list_filter = (("station", admin.RelatedOnlyFieldListFilter), "status", "duty")
    search_fields = (
        "name",
        "code",
        "members__username",
        "members__last_name",
        "vehicle__device_id",
    )
    list_select_related = ("station", "vehicle")
    filter_horizontal = ("members",)
    readonly_fields = ("status", "duty", "duty_reported_at")
    fields = (
        "code",
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

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "station" and admin_scoped(request.user):
            kwargs["queryset"] = admin_stations(request.user)
            refused = _(
                "you manage the crews of %(stations)s: pick one of those, or ask an administrator"
            )
            kwargs["error_messages"] = {"invalid_choice": _yours(request.user, refused)}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "members":
            # Only crew members are offered: the tablet is theirs (another role is refused).
            people = User.objects.filter(role=Role.CREW_MEMBER, is_active=True)
            if admin_scoped(request.user):  # a supervisor's own people only
                people = people.filter(org_unit__in=admin_units(request.user))
            kwargs["queryset"] = people.order_by("last_name", "first_name", "username")
            kwargs["form_class"] = PeopleField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("van"))
    def van(self, crew: Crew) -> str:
        vehicle = getattr(crew, "vehicle", None)
        return str(vehicle) if vehicle else "-"


@admin.register(Vehicle)
class VehicleAdmin(MapAdmin, RoleAdmin):
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
        ("crew__station", admin.RelatedOnlyFieldListFilter),
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

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "crew" and admin_scoped(request.user):
            # A van with no crew belongs to no station: a supervisor would lose it from view.
            kwargs["queryset"] = Crew.objects.filter(station__in=admin_units(request.user))
            kwargs["required"] = True
            refused = _(
                "the van can go to a crew of %(stations)s only: pick one, or ask an administrator"
            )
            kwargs["error_messages"] = {
                "invalid_choice": _yours(request.user, refused),
                "required": _("give the van one of your crews; an administrator can park it"),
            }
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = (
            "account_no",
            "name",
            "address",
            "phones",
            "email",
            "language",
            "vulnerable",
            "premises",
        )
        help_texts = {"phones": _("comma-separated; the screen pop finds the caller by any")}

    def clean_phones(self) -> list[str]:
        # Stored as the screen pop looks them up: digits, without +86.
        phones = [phone_normalise(raw) for raw in self.cleaned_data.get("phones") or []]
        if any(len(phone) < 5 for phone in phones):
            raise forms.ValidationError(_("a phone number needs at least 5 digits"))
        return list(dict.fromkeys(phones))


@admin.register(Customer)
class CustomerAdmin(RoleAdmin):
    form = CustomerForm
    list_display = ("account_no", "name", "address", "phone_list", "email", "vulnerable")
    # "no premises": the accounts an import could not match to a premise, to link by hand.
    list_filter = (("premises", admin.EmptyFieldListFilter), "vulnerable", "language")
    search_fields = ("account_no", "name", "address", "email")
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


# Last: the admins of the layers below (config, gis) and of other packages (sign-in lockouts,
# groups, tokens), registered before this module and unable to import our roles, follow the
# same table. Apps above dispatch base their admins on RoleAdmin themselves.
admin_site_follow_roles(admin.site)
