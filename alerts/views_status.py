"""/s/<token>: the caller's own status page. No login: the token is the key, so the page
shows that incident's progress and ETA and nothing about anyone else (no address, no names,
no other callers), and stops working when the link expires."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from alerts.models import Notification, StatusLink
from dispatch.choices import Language
from dispatch.models import Call, Incident, WorkOrder

# What a member of the public is told, step by step, in their language.
STEP_WORDS = {
    "received": _("Report received"),
    "dispatched": _("A crew is on the way"),
    "arrived": _("The crew has arrived"),
    "made_safe": _("Made safe"),
    "completed": _("Work completed"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    at: datetime | None


def _link(token: str) -> StatusLink:
    link = StatusLink.objects.select_related("incident", "call").filter(token=token).first()
    if link is None:
        raise Http404("no such status link")
    return link


def _steps(incident: Incident) -> tuple[list[Step], WorkOrder | None]:
    orders = list(incident.work_orders.order_by("created_at"))
    live = next((w for w in reversed(orders) if w.status in WorkOrder.ACTIVE_STATUSES), None)
    last = live or (orders[-1] if orders else None)

    def first(field: str) -> datetime | None:
        times = [getattr(w, field) for w in orders if getattr(w, field, None)]
        return min(times) if times else None

    made_safe = incident.events.filter(kind="work_order.made_safe").order_by("at").first()
    completed = incident.events.filter(kind="work_order.completed").order_by("at").first()
    reached = {
        "received": incident.created_at,
        "dispatched": first("created_at"),
        "arrived": first("arrived_at"),
        "made_safe": made_safe.at if made_safe else None,
        "completed": completed.at if completed else None,
    }
    steps = [Step(key, str(STEP_WORDS[key]), reached[key]) for key in STEP_WORDS]
    return steps, last


@require_http_methods(["GET"])
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    """In the caller's language (the call's), whatever the browser says: the link came in a
    message in that language, and a shared phone's browser may be set to another."""
    link = _link(token)
    call: Call = link.call
    code = "en" if call.language == Language.EN else "zh-hans"
    with translation.override(code):
        if link.expires_at < timezone.now():
            response = render(request, "alerts/status_expired.html", status=410)
        else:
            steps, work_order = _steps(link.incident)
            response = render(
                request,
                "alerts/status.html",
                {
                    "incident": link.incident,
                    "steps": steps,
                    "eta": work_order.eta if work_order and not work_order.arrived_at else None,
                    "notify": call.notify,
                    "stopped": request.GET.get("stopped") == "1",
                },
            )
            response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = code
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    return response


@require_http_methods(["POST"])
def status_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The caller opts out: no more progress messages for this incident to this number or
    address, and the ones waiting are cancelled."""
    link = _link(token)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=link.call_id)
        same_caller = Call.objects.filter(incident_id=link.incident_id).filter(
            **({"caller_phone": call.caller_phone} if call.caller_phone else {"pk": call.pk})
        )
        same_caller.update(notify=False)
        recipients = [r for r in (call.caller_phone, call.caller_email) if r]
        Notification.objects.filter(
            incident_id=link.incident_id,
            recipient__in=recipients,
            status=Notification.Status.PENDING,
            # Every progress message, whatever set its case type uses (alerts.progress keys).
            idempotency_key__startswith="progress:",
        ).update(status=Notification.Status.CANCELLED, last_error="the caller opted out")
    return redirect(f"/s/{token}?stopped=1")
