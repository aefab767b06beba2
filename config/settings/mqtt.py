"""Mosquitto: vehicle positions in, assignments out."""

from config.env import env_int, env_str

MQTT_BROKER_HOST = env_str("MQTT_BROKER_HOST", "127.0.0.1")
MQTT_BROKER_PORT = env_int("MQTT_BROKER_PORT", 1883, minimum=1, maximum=65535)
MQTT_USERNAME = env_str("MQTT_USERNAME", "")
MQTT_PASSWORD = env_str("MQTT_PASSWORD", "")
MQTT_KEEPALIVE = env_int("MQTT_KEEPALIVE", 30, minimum=5)
# Prepended to every topic we use; lets test runs share a broker with a running system.
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "")
MQTT_TRACKER_CLIENT_ID = env_str("MQTT_TRACKER_CLIENT_ID", "gasdispatch-tracker")
