"""/appointments/: a station's week of slots, with free places; book, move, cancel there.

Server-rendered forms calling the same services as the API; a refusal comes back as the
service's own words at the top of the page, and nothing is changed.
"""

import re
from datetime import date, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import ServiceError
from desk.appointments.models import Appointment, WorkType
from desk.appointments.selectors import appointment_list_in, slot_list, stations_for, week_bounds
from desk.appointments.services import (
    BookingInput,
    appointment_book,
    appointment_cancel,
    appointment_move,
    slots_generate,
)
from dispatch.access import Capability, user_may
from dispatch.choices import Channel, Language
from dispatch.models import Customer, User
from dispatch.roles import Role

ID = re.compile(r"[0-9]{1,18}")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    return user


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/refused.html", status=403)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    keep = {k: request.POST[k] for k in ("station", "work_type", "week") if request.POST.get(k)}
    return HttpResponseRedirect(f"/appointments/?{urlencode(keep)}")


@require_GET
@login_required
def appointment_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user_may(user, Capability.APPOINTMENTS):
        return _refused(request)
    stations = list(stations_for(user))
    chosen = request.GET.get("station", "")
    station = next((s for s in stations if str(s.pk) == chosen), stations[0] if stations else None)
    work_type = request.GET.get("work_type", WorkType.SAFETY_INSPECTION)
    if work_type not in WorkType.values:
        work_type = WorkType.SAFETY_INSPECTION
    today = timezone.localdate()
    week = parse_date(request.GET.get("week", "")) or today
    monday, start, end = week_bounds(week)
    days: list[dict[str, Any]] = []
    appointments: list[Appointment] = []
    if station is not None:
        slots = slot_list(station_id=station.pk, work_type=work_type, start=start, end=end)
        by_day: dict[date, list[Any]] = {monday + timedelta(days=n): [] for n in range(7)}
        now = timezone.now()
        for slot in slots:
            slot.bookable = slot.free > 0 and slot.starts_at > now  # type: ignore[attr-defined]
            by_day[timezone.localdate(slot.starts_at)].append(slot)
        days = [{"day": d, "slots": s} for d, s in by_day.items() if s or d.weekday() < 5]
        appointments = list(appointment_list_in(slots=slots))
    free_slots = [s for d in days for s in d["slots"] if s.bookable]
    return render(
        request,
        "appointments/page.html",
        {
            "stations": stations,
            "station": station,
            "work_types": WorkType.choices,
            "work_type": work_type,
            "week": monday,
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "days": days,
            "free_slots": free_slots,
            "appointments": appointments,
            "languages": Language.choices,
            "may_generate": user.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR),
        },
    )


def _int(raw: str | None) -> int:
    return int(raw) if raw and ID.fullmatch(raw) else 0


@require_POST
@login_required
def appointment_book_form(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user_may(user, Capability.APPOINTMENTS):
        return _refused(request)
    post = request.POST
    account = post.get("account", "").strip()
    customer = Customer.objects.filter(account_no=account).first() if account else None
    try:
        if account and customer is None:
            raise ServiceError(_("no customer with account number %(no)s") % {"no": account})
        appointment = appointment_book(
            data=BookingInput(
                slot_id=_int(post.get("slot")),
                name=post.get("name", "") or (customer.name if customer else ""),
                phone=post.get("phone", ""),
                address_text=post.get("address_text", ""),
                customer_id=customer.pk if customer else None,
                call_id=_int(post.get("call_id")) or None,
                language=post.get("language", Language.ZH),
                channel=Channel.PHONE,
            ),
            actor=user,
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Booked %(ref)s for %(when)s")
            % {"ref": appointment.reference, "when": _when(appointment)},
        )
    return _back(request)


def _when(appointment: Appointment) -> str:
    return f"{timezone.localtime(appointment.slot.starts_at):%m-%d %H:%M}"


@require_POST
@login_required
def appointment_move_form(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    if not user_may(user, Capability.APPOINTMENTS):
        return _refused(request)
    try:
        appointment = appointment_move(
            reference=reference, slot_id=_int(request.POST.get("slot")), actor=user
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Moved %(ref)s to %(when)s")
            % {"ref": appointment.reference, "when": _when(appointment)},
        )
    return _back(request)


@require_POST
@login_required
def appointment_cancel_form(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    if not user_may(user, Capability.APPOINTMENTS):
        return _refused(request)
    try:
        appointment_cancel(reference=reference, actor=user, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Cancelled %(ref)s") % {"ref": reference})
    return _back(request)


@require_POST
@login_required
def slots_generate_form(request: HttpRequest) -> HttpResponse:
    """A week of slots: supervisors and administrators, for their stations."""
    user = _user(request)
    if not user_may(user, Capability.APPOINTMENTS):
        return _refused(request)
    post = request.POST
    windows: list[tuple[time, time]] = []
    for line in post.get("windows", "").split(","):
        start, _dash, end = line.strip().partition("-")
        begins, ends = parse_time(start.strip() or "x"), parse_time(end.strip() or "x")
        if begins is None or ends is None:
            messages.error(request, _("write the windows like 09:00-11:00, 13:00-15:00"))
            return _back(request)
        windows.append((begins, ends))
    try:
        made = slots_generate(
            station_id=_int(post.get("station")),
            work_type=post.get("work_type", ""),
            week_of=parse_date(post.get("week", "")) or timezone.localdate(),
            windows=windows,
            capacity=_int(post.get("capacity")),
            actor=user,
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s slots made") % {"count": len(made)})
    return _back(request)
