"""The customer's own pages, no login: /book/ (a safety inspection, by account number and
phone) and /my-appointment/<token>/ (see, move, cancel).

Nothing a visitor types is believed by itself: /book/ books only when the account number and
the phone number belong to one customer on our books, and takes the name and address from
that record; the appointment link is a long random token and shows only that visit. Both are
rate-limited per client address (a guesser of accounts or tokens gets 429 quickly).
"""

import re
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import ServiceError
from config.throttles import AddressRateThrottle
from desk.appointments.models import Slot, WorkType
from desk.appointments.selectors import appointment_by_token
from desk.appointments.services import (
    BookingInput,
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from dispatch.choices import Channel, Language
from dispatch.models import Customer
from dispatch.selectors import phone_normalise
from gis.selectors import org_unit_station_for_point

PUBLIC_RATE = "30/minute"  # THROTTLE_RATES["appointments_public"] overrides it
DAYS_SHOWN = 21  # how far ahead a customer may book or move
SLOT_ID = re.compile(r"[0-9]{1,18}")


class PublicPageThrottle(AddressRateThrottle):
    scope = "appointments_public"

    def get_rate(self) -> str | None:
        return super().get_rate() or PUBLIC_RATE


def _limited(request: HttpRequest) -> HttpResponse | None:
    throttle = PublicPageThrottle()
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    response = render(request, "appointments/public_limited.html", status=429)
    response["Retry-After"] = str(int(throttle.wait() or 60))
    return response


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    return response


def _free_slots(station_id: int, work_type: str, *, besides: int = 0) -> list[Slot]:
    now = timezone.now()
    return list(
        Slot.objects.filter(
            station_id=station_id,
            work_type=work_type,
            starts_at__gt=now,
            starts_at__lt=now + timedelta(days=DAYS_SHOWN),
            booked__lt=F("capacity"),
        )
        .exclude(pk=besides)
        .order_by("starts_at")
    )


def _language_code(language: str) -> str:
    return "en" if language == Language.EN else "zh-hans"


@require_http_methods(["GET", "POST"])
def my_appointment(request: HttpRequest, token: str) -> HttpResponse:
    """In the customer's language (the booking's), whatever the browser says."""
    if limited := _limited(request):
        return limited
    appointment = appointment_by_token(token)
    if appointment is None:
        raise Http404("no such appointment link")
    error = ""
    with translation.override(_language_code(appointment.language)):
        if request.method == "POST":
            try:
                if request.POST.get("action") == "cancel":
                    appointment_cancel(reference=appointment.reference, actor=None)
                else:
                    slot = request.POST.get("slot", "")
                    appointment_move(
                        reference=appointment.reference,
                        slot_id=int(slot) if SLOT_ID.fullmatch(slot) else 0,
                        actor=None,
                    )
            except ServiceError as refused:
                error = refused.message
            else:
                return HttpResponseRedirect(f"/my-appointment/{token}/?done=1")
            appointment = appointment_by_token(token) or appointment
        context: dict[str, Any] = {
            "appointment": appointment,
            "error": error,
            "done": request.GET.get("done") == "1",
            "free_slots": (
                _free_slots(
                    appointment.slot.station_id,
                    appointment.slot.work_type,
                    besides=appointment.slot_id,
                )
                if appointment.is_active and not appointment.incident_id
                else []
            ),
        }
        response = render(request, "appointments/mine.html", context)
        response["Content-Language"] = _language_code(appointment.language)
    return _private(response)


def _customer(account: str, phone: str) -> Customer | None:
    """The customer only when both match one record: a phone alone or an account alone is
    not enough to book in someone's name."""
    phone = phone_normalise(phone)
    if not account or len(phone) < 7:
        return None
    return Customer.objects.filter(account_no=account, phones__contains=[phone]).first()


@require_http_methods(["GET", "POST"])
def book_page(request: HttpRequest) -> HttpResponse:
    """Step one: account and phone. Step two: the free slots of the customer's station; the
    account and phone are checked again with the chosen slot, never trusted from step one."""
    if limited := _limited(request):
        return limited
    context: dict[str, Any] = {"step": "who"}
    if request.method == "POST":
        account = request.POST.get("account", "").strip()[:32]
        phone = request.POST.get("phone", "").strip()[:32]
        context |= {"account": account, "phone": phone}
        customer = _customer(account, phone)
        premise = customer.premises.order_by("pk").first() if customer else None
        station = org_unit_station_for_point(premise.geom) if premise else None
        if customer is None:
            context["error"] = _(
                "The account number and phone number do not match our records. Check both, "
                "or call us."
            )
        elif premise is None or station is None:
            context["error"] = _("We cannot book this address online: please call us.")
        else:
            slot = request.POST.get("slot", "")
            if SLOT_ID.fullmatch(slot):
                try:
                    appointment = appointment_book(
                        data=BookingInput(
                            slot_id=int(slot),
                            name=customer.name,
                            phone=phone,
                            premise_id=premise.pk,
                            customer_id=customer.pk,
                            language=(
                                Language.EN if translation.get_language() == "en" else Language.ZH
                            ),
                            channel=Channel.WEB,
                        ),
                        actor=None,
                    )
                except ServiceError as refused:
                    context["error"] = refused.message
                else:
                    return HttpResponseRedirect(f"/my-appointment/{appointment.token}/?done=1")
            context |= {
                "step": "when",
                "address": premise.full_text,
                "free_slots": _free_slots(station.pk, WorkType.SAFETY_INSPECTION),
                "work": WorkType.SAFETY_INSPECTION.label,
            }
    return _private(render(request, "appointments/book.html", context))
