"""HTTP tracking identifiers: what a stock OsmAnd or Traccar Client app carries instead of a login.

Such apps can be configured with a server URL and a device identifier only (basic auth where the
app has it). So the identifier a van's app is given is its device id *and* a key derived from
DJANGO_SECRET_KEY and MQTT_DEVICE_PASSWORD_SALT, like the MQTT passwords
(`fleet.credentials`): `VAN-0001.k4f...` Knowing or guessing `VAN-0001` is not enough to
post its position. The key is derived, never stored, so `manage.py mqtt_credentials --show`
prints it again at any time, and a new salt (or secret key) revokes every one at once, MQTT
passwords included; removing a vehicle revokes its own.

A different purpose than the MQTT password: an identifier travels in URLs (proxies log them), and
one leaked there must not open the broker.
"""

import hmac

from django.conf import settings

from fleet.credentials import mqtt_password_derive

SEPARATOR = "."  # device ids may hold '.', keys never do: the key is after the last one
KEY_LENGTH = 24


def http_device_key(device_id: str) -> str:
    """The device's HTTP key: 24 lowercase base32 characters (120 bits)."""
    return mqtt_password_derive(
        secret_key=settings.SECRET_KEY,
        purpose="http",
        salt=settings.MQTT_DEVICE_PASSWORD_SALT,
        name=device_id,
    )


def http_device_identifier(device_id: str) -> str:
    """What to type into the app's "device identifier" field."""
    return f"{device_id}{SEPARATOR}{http_device_key(device_id)}"


def http_device_verified(*, device_id: str, key: str) -> bool:
    """Whether `key` is this device's key (compared in constant time)."""
    return hmac.compare_digest(http_device_key(device_id), key)


def http_identifier_split(identifier: str) -> tuple[str, str] | None:
    """(device id, key) of an identifier shaped like ours, else None (nothing is looked up)."""
    device_id, separator, key = identifier.rpartition(SEPARATOR)
    if not separator or not device_id or len(key) != KEY_LENGTH:
        return None
    return device_id, key
