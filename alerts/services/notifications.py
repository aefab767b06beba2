"""The outbox: queue a message in the transaction of the change it reports; send it later.

`notification_queue` renders the message from its template (so it says what was true when the
change happened) and writes one row, or nothing if a row with the same idempotency key exists:
a step is told once, however often a status flaps or a change is replayed. After the commit a
Celery task is asked to send it. If Redis is down the row simply waits: the beat's drain
(`notifications_drain`, every few seconds) sends whatever is due once Redis is back.

`notification_deliver` sends one row while holding its row lock (a second worker skips it) and
marks it sent in the same transaction. A worker killed between the gateway's answer and the
commit would leave it pending: the SMS gateway gets the idempotency key as `Idempotency-Key`
and the e-mail its Message-ID from the key, so even that resend is recognisable downstream.
"""

import logging
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.channels import ChannelError, channel_send
from alerts.models import Notification, NotificationTemplate
from dispatch.models import Incident

log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 30
BACKOFF_MAX_S = 3600


class _Blank(dict):
    """Leaves an unknown `{placeholder}` as it is, so a template edit cannot break sending."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text: str, context: dict[str, Any]) -> str:
    try:
        return string.Formatter().vformat(text, (), _Blank(context))
    except (ValueError, IndexError):  # a stray brace in an edited template: send it as written
        return text


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def template_render(key: str, language: str, context: dict[str, Any]) -> Rendered:
    """The template in the caller's language, else in any language, else the key itself (a
    missing template must not lose the message: the body then says what it was about)."""
    templates = {t.language: t for t in NotificationTemplate.objects.filter(key=key)}
    template = templates.get(language) or next(iter(templates.values()), None)
    if template is None:
        log.error("no template %s: sending its context as the text", key)
        return Rendered(key, f"{key}: {context}")
    return Rendered(render(template.subject, context), render(template.body, context))


def notification_queue(
    *,
    channel: str,
    recipient: str,
    template: str,
    language: str,
    context: dict[str, Any],
    idempotency_key: str,
    incident: Incident | None = None,
    body: str | None = None,
) -> Notification | None:
    """Write the message to the outbox, once per idempotency key; None if it was already
    there. Call inside the transaction of the change the message reports. `body`: a message
    for a machine (a linked system's JSON), sent as it is rather than from the template."""
    if body is not None:
        rendered = Rendered("", body)
    else:
        rendered = template_render(template, language, context)
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the duplicate's error stays in here
            notification = Notification.objects.create(
                channel=channel,
                recipient=recipient,
                template=template,
                language=language,
                context=context,
                subject=rendered.subject,
                body=rendered.body,
                idempotency_key=idempotency_key[:200],
                next_attempt_at=now,
                created_at=now,
                incident=incident,
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _ask_worker(notification.pk))
    return notification


def _ask_worker(notification_id: int) -> None:
    from alerts.tasks import notification_send_task  # the task module imports this one

    try:
        notification_send_task.apply_async((notification_id,), retry=False)
    except Exception:  # Redis down: the row waits for the drain, nothing is lost
        log.warning("could not queue notification %s; the drain will send it", notification_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_FIRST_S * 2 ** (attempts - 1), BACKOFF_MAX_S))


def notification_deliver(notification_id: int) -> str:
    """Send one pending, due message; returns its status afterwards ("" if another worker
    holds it or it is not due). Never raises for a channel's failure: that is recorded."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != Notification.Status.PENDING:
            return notification.status if notification else ""
        now = timezone.now()
        if notification.next_attempt_at > now:
            return ""
        notification.attempts += 1
        try:
            channel_send(notification)
        except Exception as error:  # a channel's own fault must not block the whole outbox
            if not isinstance(error, ChannelError):
                log.exception(
                    "notification %s: the %s channel failed", notification.pk, notification.channel
                )
            notification.last_error = str(error)[:2000] or type(error).__name__
            if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                log.error("notification %s failed for good: %s", notification.pk, error)
            else:
                notification.next_attempt_at = now + _backoff(notification.attempts)
                log.warning("notification %s failed, will retry: %s", notification.pk, error)
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        notification.save(
            update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
        )
        return notification.status


def notifications_drain(*, limit: int = 500) -> int:
    """Send what is due (queued while Redis was down, or waiting for a retry); returns how
    many were sent."""
    due = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(notification_deliver(pk) == Notification.Status.SENT for pk in due)
