"""Derived MQTT passwords: HMAC-SHA256 keyed with DJANGO_SECRET_KEY, never stored.

Here, beside the settings, because the settings derive the back-end's own password when
MQTT_PASSWORD is not set, and settings import no app. The devices' passwords and Mosquitto's
files are fleet.credentials' business.
"""

import base64
import hashlib
import hmac


def mqtt_password_derive(*, secret_key: str, purpose: str, salt: str, name: str) -> str:
    """24 lowercase base32 characters (120 bits): easy to type into a tablet."""
    message = "\0".join(("gasdispatch.mqtt", purpose, salt, name)).encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def service_mqtt_password(*, username: str, secret_key: str) -> str:
    """The back-end's password when MQTT_PASSWORD is not set."""
    return mqtt_password_derive(secret_key=secret_key, purpose="service", salt="", name=username)
