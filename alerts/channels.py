"""How a message leaves: an HTTP SMS gateway, SMTP e-mail, MQTT to a tablet."""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from alerts.models import ApiKey, Channel, Notification
from fleet.mqtt import mqtt_publish_once

TIMEOUT_S = 10


class ChannelError(Exception):
    """The channel refused or could not be reached; the outbox retries."""


def sms_send(notification: Notification) -> None:
    """POST {"to", "text", "reference"} as JSON to SMS_GATEWAY_URL, with basic auth when
    SMS_GATEWAY_USER is set; any 2xx is delivered to the gateway."""
    if not settings.SMS_GATEWAY_URL:
        raise ChannelError("SMS_GATEWAY_URL is not set: set it to the gateway's send URL")
    body = json.dumps(
        {
            "to": notification.recipient,
            "text": notification.body,
            "reference": notification.idempotency_key,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
        settings.SMS_GATEWAY_URL, data=body, method="POST"
    )
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("Idempotency-Key", notification.idempotency_key)
    if settings.SMS_GATEWAY_USER:
        pair = f"{settings.SMS_GATEWAY_USER}:{settings.SMS_GATEWAY_PASSWORD}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:
        raise ChannelError(f"the SMS gateway answered {error.code}: {error.reason}") from error
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        raise ChannelError(f"the SMS gateway could not be reached: {error}") from error


def email_send(notification: Notification) -> None:
    domain = settings.NOTIFICATION_EMAIL_DOMAIN
    message = EmailMessage(
        subject=notification.subject or notification.template,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        # The same message always has the same id: a resend is recognisable as one.
        headers={"Message-ID": make_msgid(idstring=str(notification.pk), domain=domain)},
    )
    try:
        message.send(fail_silently=False)
    except (OSError, Exception) as error:  # smtplib's errors and a refused connection
        raise ChannelError(f"the mail server refused or could not be reached: {error}") from error


def mqtt_send(notification: Notification) -> None:
    try:
        mqtt_publish_once(notification.recipient, notification.body.encode(), qos=1)
    except (OSError, RuntimeError) as error:
        raise ChannelError(f"the broker could not be reached: {error}") from error


def webhook_send(notification: Notification) -> None:
    """POST a linked hotline's status push (alerts.open311.push) to its status URL, signed
    with its secret (X-Signature: sha256=<HMAC-SHA256 of the body>)."""
    key = ApiKey.objects.filter(status_url=notification.recipient, active=True).first()
    if key is None:
        raise ChannelError("no active API key pushes to this URL any more")
    body = notification.body.encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the administrator's setting
        notification.recipient, data=body, method="POST"
    )
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("Idempotency-Key", notification.idempotency_key)
    if key.status_secret:
        digest = hmac.new(key.status_secret.encode(), body, hashlib.sha256).hexdigest()
        request.add_header("X-Signature", f"sha256={digest}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:
        raise ChannelError(f"the linked system answered {error.code}: {error.reason}") from error
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        raise ChannelError(f"the linked system could not be reached: {error}") from error


SENDERS = {
    Channel.SMS: sms_send,
    Channel.EMAIL: email_send,
    Channel.MQTT: mqtt_send,
    Channel.WEBHOOK: webhook_send,
}


def channel_send(notification: Notification) -> None:
    sender = SENDERS.get(Channel(notification.channel))
    if sender is None:
        raise ChannelError(f"no channel {notification.channel!r}")
    sender(notification)
