"""Who may do what in the admin: written down once, here.

The admin site lets in the roles of Capability.ADMIN (dispatch/access.py); this table says what
each may do there, model by model. Administrators may do everything (each admin class still
narrows it: a record of what happened is never added by hand). Supervisors configure what their
stations run on: crews (members, skills, shift, van), vans and their device ids, the phone and
e-mail that escalations reach; they read the rules, the organisation and the network, and the
escalations of their stations.

The answer follows the role alone, never Django's per-model permission rows, so it needs no data
and tests/config/test_admin_scope.py walks it. A supervisor's rows of a scoped model (SCOPE) are
those of the stations under their own unit: the list shows only those, a form offers only those,
and another station's row is refused with words that say whom to ask.
"""

from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils.translation import gettext as _

from dispatch.models import User
from dispatch.roles import Role
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


NOTHING: frozenset[Action] = frozenset()
READ = frozenset({Action.VIEW})
CONFIGURE = frozenset({Action.VIEW, Action.ADD, Action.CHANGE})  # never deleted by a supervisor
EVERYTHING = frozenset(Action)
EVERY_MODEL = "*"

# Role -> model label -> what that role may do; a model left out: nothing.
ADMIN_ACCESS: dict[Role, dict[str, frozenset[Action]]] = {
    Role.ADMINISTRATOR: {EVERY_MODEL: EVERYTHING},
    Role.SUPERVISOR: {
        "dispatch.crew": CONFIGURE,  # members, skills, shift and van
        "fleet.vehicle": CONFIGURE,  # vans and the device ids tablets and trackers use
        # Their people, each with their crew; only the phone and e-mail are theirs to change
        # (where escalations reach a supervisor): never a role, a unit or a password.
        "dispatch.user": frozenset({Action.VIEW, Action.CHANGE}),
        "alerts.escalation": READ,
        # When the wall sounds: one setting for every station, so the administrators'.
        "maps.queuealarm": READ,
        # The rules and the network are the administrators' (and the GIS import's): read only.
        "dispatch.categoryrule": READ,
        "dispatch.triagerule": READ,
        "dispatch.slapolicy": READ,
        "dispatch.calendarday": READ,  # the company's calendar: one for every station
        "dispatch.season": READ,  # the heating season the clocks follow
        "network.orgunit": READ,
        "network.pipesegment": READ,
        "network.valve": READ,
        "network.source": READ,
        "network.road": READ,
        "network.premise": READ,
        "network.landmark": READ,
        "network.powersubstation": READ,
        "network.powerline": READ,
        "network.powerdevice": READ,
        "network.servicearea": READ,
        # The desk: their units' departments and who belongs to each; the routing is the
        # administrators'.
        "desk.department": CONFIGURE,
        "desk.deskrule": READ,
        # Their stations' appointment slots (capacity, times); the bookings are read here and
        # changed on /appointments/.
        "appointments.slot": CONFIGURE,
        "appointments.appointment": READ,
        "knowledge.synonym": CONFIGURE,  # callers' words for the knowledge search
        # What the reports count against: the same for every station, so the administrators'.
        "reports.reportsettings": READ,
        "reports.reportpreset": READ,
    },
}

# For the models a supervisor sees only in part: the path from a row to the unit it belongs
# to. Administrators see every row.
SCOPE: dict[str, str] = {
    "dispatch.crew": "station",
    "fleet.vehicle": "crew__station",
    "dispatch.user": "org_unit",
    "alerts.escalation": "deadline__incident__station",
    "desk.department": "unit",
    "appointments.slot": "station",
    "appointments.appointment": "slot__station",
}


def admin_actions(user: Any, label: str) -> frozenset[Action]:
    """What the user may do with the model `label` ("app.model") in the admin."""
    if not (isinstance(user, User) and user.is_active):
        return NOTHING
    table = ADMIN_ACCESS.get(Role(user.role), {})
    return table.get(label, table.get(EVERY_MODEL, NOTHING))


def admin_scoped(user: Any) -> bool:
    """True for a user who sees only their own stations' rows (everyone but administrators)."""
    return not (isinstance(user, User) and user.role == Role.ADMINISTRATOR)


def admin_units(user: Any) -> QuerySet[OrgUnit]:
    """The units whose rows the user sees: everything for an administrator, else their unit
    and the units beneath it."""
    if not admin_scoped(user):
        return OrgUnit.objects.all()
    return org_unit_list_within(getattr(user, "org_unit", None))


def admin_stations(user: Any) -> QuerySet[OrgUnit]:
    """The maintenance stations a user may put a crew at."""
    return admin_units(user).filter(tier=OrgUnit.Tier.STATION)


def _unit_of(obj: Model, path: str) -> OrgUnit | None:
    current: Any = obj
    for step in path.split("__"):
        current = getattr(current, step, None)
        if current is None:
            return None
    return current if isinstance(current, OrgUnit) else None


def admin_refusal_words(obj: Model, label: str) -> str:
    """Why a row is not the user's, and whom to ask."""
    unit = _unit_of(obj, SCOPE[label])
    if unit is None:
        return _("%(object)s belongs to no station of yours; ask an administrator") % {
            "object": obj
        }
    return _("%(object)s belongs to %(unit)s; ask its supervisor or an administrator") % {
        "object": obj,
        "unit": unit,
    }


class RoleAccess:
    """Permissions from ADMIN_ACCESS, for model admins and inlines alike."""

    model: type[Model]

    def _allows(self, request: HttpRequest, *actions: Action) -> bool:
        allowed = admin_actions(request.user, self.model._meta.label_lower)
        return any(action in allowed for action in actions)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, Action.CHANGE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, Action.DELETE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # As in Django: whoever may change a row may look at it.
        return self._allows(request, Action.VIEW, Action.CHANGE)


class RoleInlineAccess(RoleAccess):
    """For an inline (whose add permission is asked with the parent row)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, Action.ADD)


class RoleAdmin(RoleAccess, admin.ModelAdmin):
    """The base of every admin class: permissions from the table, a supervisor's rows from
    SCOPE. Admin classes of the layers below dispatch (config, gis) and of other packages are
    put on it by `admin_site_follow_roles`: they cannot import our roles."""

    def _label(self) -> str:
        return self.model._meta.label_lower

    def _scope_path(self, request: HttpRequest) -> str | None:
        return SCOPE.get(self._label()) if admin_scoped(request.user) else None

    def admin_in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        path = self._scope_path(request)
        if obj is None or path is None:
            return True
        unit = _unit_of(obj, path)
        return unit is not None and admin_units(request.user).filter(pk=unit.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(admin_actions(request.user, self._label()))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, Action.ADD)

    @property
    def urls(self) -> list[URLPattern]:
        # Every page of the class, its own too (an upload, a report), which Django opens to
        # anyone the site lets in: a role the table gives nothing here opens none of them.
        return [self._guarded(pattern) for pattern in self.get_urls()]

    def _guarded(self, pattern: URLPattern) -> URLPattern:
        view: Callable[..., HttpResponse] = pattern.callback

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # Those the site refuses are sent to its sign-in page by the view itself.
            if self.admin_site.has_permission(request) and not self.has_module_permission(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return URLPattern(pattern.pattern, guarded, pattern.default_args, pattern.name)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.admin_in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.admin_in_scope(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self.admin_in_scope(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        path = self._scope_path(request)
        if path is None:
            return rows
        return rows.filter(**{f"{path}__in": admin_units(request.user)})

    def admin_refusal(self, request: HttpRequest, object_id: str | None) -> HttpResponse | None:
        """A 403 page that says whose row this is, for a row that exists but lies outside the
        user's stations (Django would call it deleted); None when the row is the user's (or
        does not exist: Django answers that itself)."""
        if object_id is None or self._scope_path(request) is None:
            return None
        try:
            obj = self.model._default_manager.filter(pk=unquote(object_id)).first()
        except (ValidationError, ValueError):
            return None
        if obj is None or self.get_queryset(request).filter(pk=obj.pk).exists():
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Another station's"),
            "content": admin_refusal_words(obj, self._label()),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/base_site.html", context, status=403)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        refused = self.admin_refusal(request, object_id)
        return refused or super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        refused = self.admin_refusal(request, object_id)
        return refused or super().delete_view(request, object_id, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        refused = self.admin_refusal(request, object_id)
        return refused or super().history_view(request, object_id, extra_context)


def admin_site_follow_roles(site: admin.AdminSite, models: Iterable[type[Model]] = ()) -> None:
    """Put every admin registered on `site` so far (or those of `models`) on RoleAdmin: a
    subclass of its own class, so the class's own narrowing (read-only, no add) still holds and
    the table decides the rest."""
    for model in list(models) or apps.get_models(include_auto_created=True):
        if not site.is_registered(model):
            continue
        current = site.get_model_admin(model)
        if isinstance(current, RoleAdmin):
            continue
        kind = type(current)
        following = type(kind.__name__, (kind, RoleAdmin), {"__module__": kind.__module__})
        site.unregister(model)
        site.register(model, following)
