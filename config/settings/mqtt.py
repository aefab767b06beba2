"""Mosquitto: vehicle positions in, assignments out."""

from config.env import env_int, env_str
from config.mqtt_passwords import service_mqtt_password

from .base import SECRET_KEY

MQTT_BROKER_HOST = env_str("MQTT_BROKER_HOST", "127.0.0.1")
MQTT_BROKER_PORT = env_int("MQTT_BROKER_PORT", 1883, minimum=1, maximum=65535)
# The broker's other listener, the one tablets use (what `mqtt_credentials --show` prints):
# devices only, each one's client id forced to its user name. The back-end's listener above
# knows only the service account, so a device can never reach or take over its sessions.
MQTT_DEVICE_HOST = env_str("MQTT_DEVICE_HOST", MQTT_BROKER_HOST)
MQTT_DEVICE_PORT = env_int("MQTT_DEVICE_PORT", 1885, minimum=1, maximum=65535)
# The back-end's one account (tracker, web, worker, simulator); empty: connect anonymously.
MQTT_USERNAME = env_str("MQTT_USERNAME", "")
# Empty with a user name: derived from DJANGO_SECRET_KEY, the same password that
# `manage.py mqtt_credentials` writes into the broker's password file.
MQTT_PASSWORD = env_str("MQTT_PASSWORD", "") or (
    service_mqtt_password(username=MQTT_USERNAME, secret_key=SECRET_KEY) if MQTT_USERNAME else ""
)
# Part of every derived device password: a new value changes them all (a lost tablet).
MQTT_DEVICE_PASSWORD_SALT = env_str("MQTT_DEVICE_PASSWORD_SALT", "")
MQTT_KEEPALIVE = env_int("MQTT_KEEPALIVE", 30, minimum=5)
# Prepended to every topic we use; lets test runs share a broker with a running system.
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "")
MQTT_TRACKER_CLIENT_ID = env_str("MQTT_TRACKER_CLIENT_ID", "gasdispatch-tracker")
