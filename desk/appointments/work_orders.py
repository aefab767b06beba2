"""On the day of a visit: the appointment becomes a field job (a call, then its incident).

The call is stored as any other (dispatch.services.intake), so the job reaches the dispatch
queue, the clocks and the crews the way every job does. The incident is opened in the name of
the member of staff who booked it, when they still take calls for that station; otherwise
(a booking made online, or by a desk agent, or by someone since moved or gone) in the name of
the "appointments" service account: a call taker of the group centre with no password, who
covers every station, and whose name on the timeline says where the job came from.
"""

import logging

from django.db import transaction
from django.utils import timezone

from desk.appointments.models import WORK_TYPE_CATEGORY, Appointment, WorkType
from desk.appointments.selectors import appointments_due_for_work_orders
from dispatch.errors import DispatchError
from dispatch.models import Incident, User
from dispatch.roles import Role
from dispatch.selectors import user_covers_station, user_may_take_calls
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.timeline import event_record
from gis.models import OrgUnit

log = logging.getLogger(__name__)

SERVICE_ACCOUNT = "appointments"


def _service_account() -> User:
    group = OrgUnit.objects.filter(tier=OrgUnit.Tier.GROUP).order_by("code").first()
    user, created = User.objects.get_or_create(
        username=SERVICE_ACCOUNT, defaults={"role": Role.CALL_TAKER, "org_unit": group}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _actor_for(appointment: Appointment) -> User:
    creator = appointment.created_by
    if (
        creator is not None
        and user_may_take_calls(creator)
        and user_covers_station(creator, appointment.slot.station_id)
    ):
        return creator
    return _service_account()


@transaction.atomic
def appointment_work_order_create(*, appointment_id: int) -> Incident | None:
    """The field job of one visit due today; the existing one if it was made already, None
    if the visit was cancelled meanwhile. Safe to run twice: the appointment row is locked."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__station", "incident")
        .get(pk=appointment_id)
    )
    if appointment.incident is not None:
        return appointment.incident
    if not appointment.is_active:
        return None
    slot = appointment.slot
    if timezone.localdate(slot.starts_at) != timezone.localdate():
        raise DispatchError("a field job is made on the day of its visit, not before")
    local = timezone.localtime(slot.starts_at)
    call = call_receive(
        data=CallInput(
            category=WORK_TYPE_CATEGORY[WorkType(slot.work_type)],
            channel=appointment.channel,
            caller_phone=appointment.phone,
            caller_name=appointment.name,
            language=appointment.language,
            description=(
                f"{appointment.reference}: {WorkType(slot.work_type).label} "
                f"{local:%Y-%m-%d %H:%M}-{timezone.localtime(slot.ends_at):%H:%M}"
            ),
            address_text=appointment.address_text,
            point=appointment.point,
            premise_id=appointment.premise_id,
            geocode_method="premise" if appointment.premise_id else "appointment",
            external_ref=appointment.reference,
        ),
        taker=None,
    )
    actor = _actor_for(appointment)
    incident = call_open_incident(call_id=call.pk, actor=actor)
    appointment.incident = incident
    appointment.save(update_fields=["incident"])
    event_record(
        kind="appointment.work_order_created",
        incident=incident,
        call=call,
        actor=actor,
        data={
            "reference": appointment.reference,
            "incident": incident.reference,
            "work_type": slot.work_type,
            "starts_at": slot.starts_at.isoformat(),
        },
    )
    return incident


def appointments_work_orders_create() -> int:
    """Every visit of today still without its field job gets one; returns how many were made.
    One visit that cannot be made (its address left every territory) does not stop the rest."""
    made = 0
    due = appointments_due_for_work_orders(timezone.localdate())
    for appointment_id in list(due.values_list("pk", flat=True)):
        try:
            if appointment_work_order_create(appointment_id=appointment_id) is not None:
                made += 1
        except DispatchError:
            log.exception("appointment %s: no field job could be made", appointment_id)
    return made
