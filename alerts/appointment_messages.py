"""Text messages of the appointments: a confirmation when a visit is booked, moved or
cancelled, and a reminder the day before. In the customer's language, through the outbox.

The confirmations are timeline listeners, so the message is written in the transaction of the
booking itself. Each message has an idempotency key (the appointment, what happened, and for a
move the event, for a reminder the slot), so a replay never sends it twice, and a visit moved
to another day is reminded of again for its new day.

The words are templates an administrator may edit (alerts.NotificationTemplate, keys
`appointment.*`); the first use writes each one from the translated text below, so a new
installation needs no data of its own for them.
"""

from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy

from alerts.models import Channel, NotificationTemplate
from alerts.services.notifications import notification_queue
from desk.appointments.models import Appointment, WorkType
from desk.appointments.selectors import appointments_to_remind
from dispatch.choices import Language
from dispatch.models import IncidentEvent
from dispatch.services.listeners import event_listen

TEXTS = {
    "appointment.booked": gettext_lazy(
        "Your {work} visit is booked for {when} ({reference}). To move or cancel it: {link}"
    ),
    "appointment.moved": gettext_lazy(
        "Your {work} visit ({reference}) is moved to {when}. To change it: {link}"
    ),
    "appointment.cancelled": gettext_lazy(
        "Your {work} visit on {when} ({reference}) is cancelled."
    ),
    "appointment.reminder": gettext_lazy(
        "Reminder: our staff visit you tomorrow, {when}, for {work} ({reference}). "
        "Please make sure someone is at home. To change it: {link}"
    ),
}

# Reminders go out in the daytime only: the hourly task queues none before or after these.
REMINDER_FROM_HOUR, REMINDER_UNTIL_HOUR = 9, 20


def _django_language(language: str) -> str:
    return "zh-hans" if language == Language.ZH else "en"


def _template(key: str, language: str) -> None:
    """The template row for `key` in `language`, written from TEXTS on its first use."""
    if not NotificationTemplate.objects.filter(key=key, language=language).exists():
        with translation.override(_django_language(language)):
            NotificationTemplate.objects.get_or_create(
                key=key, language=language, defaults={"body": str(TEXTS[key])}
            )


def _context(appointment: Appointment) -> dict[str, Any]:
    slot = appointment.slot
    with translation.override(_django_language(appointment.language)):
        start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
        day = formats.date_format(start, "MONTH_DAY_FORMAT")
        return {
            "reference": appointment.reference,
            "work": str(WorkType(slot.work_type).label),
            "when": f"{day} {start:%H:%M}-{end:%H:%M}",
            "station": slot.station.name,
            "link": f"{settings.SITE_URL.rstrip('/')}/my-appointment/{appointment.token}/",
        }


def appointment_message_queue(appointment: Appointment, key: str, idempotency: str) -> bool:
    """Queue one text to the appointment's phone; False when it was queued before."""
    _template(key, appointment.language)
    return (
        notification_queue(
            channel=Channel.SMS,
            recipient=appointment.phone,
            template=key,
            language=appointment.language,
            context=_context(appointment),
            idempotency_key=f"appointment:{appointment.reference}:{idempotency}",
            incident=appointment.incident,
        )
        is not None
    )


@event_listen("appointment.booked", "appointment.moved", "appointment.cancelled")
def appointment_confirm_on_event(event: IncidentEvent) -> None:
    appointment = (
        Appointment.objects.select_related("slot__station", "incident")
        .filter(reference=event.data.get("reference"))
        .first()
    )
    if appointment is None or not appointment.phone:
        return
    what = event.kind.split(".", 1)[1]
    idempotency = f"moved:{event.pk}" if what == "moved" else what
    appointment_message_queue(appointment, event.kind, idempotency)


def appointment_reminders_queue(*, now: datetime | None = None) -> int:
    """Tomorrow's visits get their reminder, once per visit and slot; returns how many."""
    now = timezone.localtime(now)
    if not REMINDER_FROM_HOUR <= now.hour < REMINDER_UNTIL_HOUR:
        return 0
    queued = 0
    for appointment in appointments_to_remind(now.date() + timedelta(days=1)):
        if appointment_message_queue(
            appointment, "appointment.reminder", f"reminder:{appointment.slot_id}"
        ):
            queued += 1
    return queued


@shared_task(acks_late=True)
def appointment_reminders_task() -> int:
    """Beat (hourly): the day-before reminders; a run that finds them queued does nothing."""
    return appointment_reminders_queue()
