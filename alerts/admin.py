"""The alerts in the admin: templates and planned works are edited here, everything else is
read (what was sent, escalated, cut off) and acted on through the same services as elsewhere.
Every class stands on dispatch's RoleAdmin: a supervisor reads their own stations' escalations
here (and on /escalations/), nothing else of this app."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import (
    ApiKey,
    CallBack,
    CapMessage,
    Escalation,
    Notification,
    NotificationTemplate,
    PlannedWork,
    StatusLink,
    SupplyInterruption,
)
from alerts.open311.keys import ApiKeyError, api_key_create, api_key_revoke
from alerts.outages import supply_restore
from alerts.planned_works import (
    planned_work_cancel,
    planned_work_create,
    planned_work_publish,
    planned_work_update,
    planned_work_validate,
)
from dispatch.admin_access import RoleAdmin
from dispatch.errors import DispatchError
from dispatch.models import User
from gis.admin import MapAdmin


class ReadOnlyAdmin(RoleAdmin):
    """A record of what happened: viewed, never added, edited or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _actor(request: HttpRequest) -> User:
    """The signed-in user (only administrators may act on these pages: admin_access)."""
    assert isinstance(request.user, User)
    return request.user


def _each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    act: Any,
    done: str,
) -> None:
    """Run a service on each selected row; report each refusal in its own words."""
    count = 0
    for obj in queryset:
        try:
            act(obj)
        except DispatchError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(RoleAdmin):
    list_display = ("key", "language", "subject")
    list_filter = ("language",)
    search_fields = ("key", "subject", "body")
    ordering = ("key", "language")


def notifications_retry(queryset: QuerySet[Notification]) -> int:
    """Send failed (or backed-off) messages again now, with a fresh set of attempts; the
    drain picks them up. Messages a caller opted out of stay cancelled."""
    # A conditional UPDATE: a row a worker has just sent is not sent again.
    return queryset.filter(
        status__in=[Notification.Status.FAILED, Notification.Status.PENDING]
    ).update(status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now())


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "recipient", "template", "status", "attempts")
    list_filter = ("status", "channel", "template", "language")
    search_fields = ("recipient", "idempotency_key", "incident__reference")
    date_hierarchy = "created_at"
    list_select_related = ("incident",)
    actions = ["retry"]

    @admin.action(description=gettext_lazy("Retry the selected messages now"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notifications_retry(queryset)
        self.message_user(
            request, _("%(count)d messages will be sent again") % {"count": count}, messages.SUCCESS
        )


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("deadline_incident", "deadline_milestone", "level", "unit", "at", "told")
    list_filter = ("level", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("deadline__incident__reference",)
    list_select_related = ("deadline__incident", "unit")

    @admin.display(description=gettext_lazy("incident"))
    def deadline_incident(self, obj: Escalation) -> str:
        return obj.deadline.incident.reference

    @admin.display(description=gettext_lazy("milestone"))
    def deadline_milestone(self, obj: Escalation) -> str:
        return obj.deadline.get_milestone_display()

    @admin.display(description=gettext_lazy("told"))
    def told(self, obj: Escalation) -> str:
        return ", ".join(obj.recipients) or _("nobody")


@admin.register(SupplyInterruption)
class SupplyInterruptionAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "utility",
        "incident",
        "planned_work",
        "premises",
        "started_at",
        "restored_at",
    )
    list_filter = ("utility", ("restored_at", admin.EmptyFieldListFilter))
    search_fields = ("incident__reference", "planned_work__reference")
    list_select_related = ("incident", "planned_work")
    actions = ["restore"]

    @admin.display(description=gettext_lazy("premises"))
    def premises(self, obj: SupplyInterruption) -> int:
        return len(obj.premise_ids)

    @admin.action(description=gettext_lazy("Supply is back: restore and tell the customers"))
    def restore(self, request: HttpRequest, queryset: QuerySet[SupplyInterruption]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda i: supply_restore(interruption_id=i.pk, actor=_actor(request)),
            _("%(count)d interruptions restored"),
        )


class PlannedWorkForm(forms.ModelForm):
    class Meta:
        model = PlannedWork
        fields = ["utility", "area", "starts_at", "ends_at", "reason", "reason_zh"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            planned_work_validate(
                area=data.get("area"),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data.get("reason", ""),
                reason_zh=data.get("reason_zh", ""),
                utility=data.get("utility") or "gas",
            )
        except DispatchError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return data


@admin.register(PlannedWork)
class PlannedWorkAdmin(MapAdmin, RoleAdmin):
    form = PlannedWorkForm
    map_field = "area"
    list_display = (
        "reference",
        "utility",
        "starts_at",
        "ends_at",
        "reason",
        "station",
        "published_at",
        "cancelled_at",
    )
    list_filter = (
        "utility",
        "station",
        ("published_at", admin.EmptyFieldListFilter),
        ("cancelled_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("reference", "reason", "reason_zh")
    date_hierarchy = "starts_at"
    actions = ["publish", "publish_short_notice", "cancel"]
    INFO = ("reference", "station", "published_at", "cancelled_at", "created_by")

    def get_fields(self, request: HttpRequest, obj: PlannedWork | None = None) -> tuple[str, ...]:
        fields = ("utility", "area", "starts_at", "ends_at", "reason", "reason_zh")
        if obj is not None and not self.has_change_permission(request, obj):
            # Published or cancelled: the area on a map, not as a page of coordinates.
            fields = ("utility", "geometry_shown", *fields[2:])
        return fields if obj is None else (*self.INFO, *fields)

    def get_readonly_fields(self, request: HttpRequest, obj: PlannedWork | None = None) -> Any:
        return self.INFO

    def has_change_permission(self, request: HttpRequest, obj: PlannedWork | None = None) -> bool:
        if obj is not None and (obj.published_at or obj.cancelled_at):
            return False  # customers were told (or the works are off): cancel and plan anew
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancelled, never deleted: customers may have been told

    def save_model(self, request: HttpRequest, obj: PlannedWork, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in PlannedWorkForm.Meta.fields}
        if change:
            saved = planned_work_update(planned_work_id=obj.pk, actor=_actor(request), **fields)
        else:
            saved = planned_work_create(actor=_actor(request), **fields)
        # The admin logs and redirects with the object it holds: give it what was saved.
        for name in ("pk", "reference", "station", "created_by", "area"):
            setattr(obj, name, getattr(saved, name))

    @admin.action(description=gettext_lazy("Publish and tell the customers in the area"))
    def publish(self, request: HttpRequest, queryset: QuerySet[PlannedWork]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda w: planned_work_publish(planned_work_id=w.pk, actor=_actor(request)),
            _("%(count)d planned works published"),
        )

    @admin.action(description=gettext_lazy("Publish at short notice (administrator: urgent works)"))
    def publish_short_notice(self, request: HttpRequest, queryset: QuerySet[PlannedWork]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda w: planned_work_publish(planned_work_id=w.pk, actor=_actor(request), force=True),
            _("%(count)d planned works published"),
        )

    @admin.action(description=gettext_lazy("Cancel the works"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[PlannedWork]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda w: planned_work_cancel(planned_work_id=w.pk, actor=_actor(request)),
            _("%(count)d planned works cancelled"),
        )


@admin.register(CallBack)
class CallBackAdmin(ReadOnlyAdmin):
    """Read here; attempts are logged on the call-back work list (/callbacks/), by the agents."""

    list_display = ("call", "incident", "case", "status", "due_at", "attempts", "satisfaction")
    list_filter = ("status", "satisfaction")
    search_fields = ("incident__reference", "case__reference", "call__caller_phone")
    list_select_related = ("incident", "case", "call")
    readonly_fields = ("attempt_history",)
    exclude = ("link_token",)  # the customer's key: not shown even to administrators

    @admin.display(description=gettext_lazy("attempts logged"))
    def attempt_history(self, obj: CallBack) -> str:
        return "; ".join(
            f"{timezone.localtime(a.at):%Y-%m-%d %H:%M} {a.get_outcome_display()}"
            + (f" ({a.reason})" if a.reason else "")
            + (f" {a.score}/5" if a.score else "")
            for a in obj.attempt_log.all()
        )


@admin.register(CapMessage)
class CapMessageAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "msg_type", "incident", "references", "sent")
    list_filter = ("msg_type",)
    search_fields = ("identifier", "incident__reference")
    list_select_related = ("incident", "references")


@admin.register(ApiKey)
class ApiKeyAdmin(RoleAdmin):
    list_display = ("name", "prefix", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name", "prefix")
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name",)
        return ("name", "prefix", "active", "created_at", "last_used_at")

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: the requests it made keep their source

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        # The form has checked the name is free (unique); only a race could refuse it here.
        issued = api_key_create(name=form.cleaned_data["name"])
        obj.pk, obj.prefix = issued.key.pk, issued.key.prefix
        # Shown this once: only a hash is kept.
        self.message_user(
            request,
            _("The key for %(name)s is %(key)s (copy it now)")
            % {"name": issued.key.name, "key": issued.raw},
            messages.WARNING,
        )

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            try:
                api_key_revoke(name=key.name)
            except ApiKeyError as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(request, _("revoked"), messages.SUCCESS)


@admin.register(StatusLink)
class StatusLinkAdmin(ReadOnlyAdmin):
    # The token is a caller's key to their page: not shown, even here.
    list_display = ("call", "incident", "created_at", "expires_at")
    fields = ("call", "incident", "created_at", "expires_at")
    search_fields = ("incident__reference",)
    list_select_related = ("incident", "call")
