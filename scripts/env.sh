# Sourced by scripts/run.sh and scripts/manage.sh: the virtualenv first on PATH, .env read, and
# the defaults `make run` gives every process, so a command run by hand beside it (manage.sh)
# reaches the same broker with the same account.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.venv/bin:$PATH"
if [ -f .env ]; then set -a && . ./.env && set +a; fi

# The project's own broker (Procfile: mqtt), with two listeners: the back-end's on
# MQTT_BROKER_HOST:MQTT_BROKER_PORT (the service account only) and the devices' on
# MQTT_DEVICE_HOST:MQTT_DEVICE_PORT (a login per device). The machine's anonymous Mosquitto on
# 1883 is left alone (the tests use it), so ours default to 1884 and 1885. The service
# account's password, unless .env sets MQTT_PASSWORD, is derived from DJANGO_SECRET_KEY by the
# settings, the same one mqtt_credentials writes for the broker.
export MQTT_BROKER_HOST=${MQTT_BROKER_HOST:-127.0.0.1}
export MQTT_BROKER_PORT=${MQTT_BROKER_PORT:-1884}
export MQTT_DEVICE_HOST=${MQTT_DEVICE_HOST:-$MQTT_BROKER_HOST}
export MQTT_DEVICE_PORT=${MQTT_DEVICE_PORT:-1885}
export MQTT_USERNAME=${MQTT_USERNAME:-gasdispatch-service}
