#!/usr/bin/env bash
# Prepare the database and start every process of the system in the foreground (honcho).
# Ctrl-C stops them all. Called by `make run` after scripts/bootstrap.sh.
set -euo pipefail
. "$(dirname "$0")/env.sh"  # the virtualenv, .env, the broker's defaults
# The demo runs as a site does: an error anyone can provoke gets the short answer, not Django's
# debug page with the settings and a traceback (DJANGO_DEBUG=true in .env to see them).
export DJANGO_DEBUG=${DJANGO_DEBUG:-false}

bind=${WEB_BIND:-127.0.0.1:8000}
if (exec 3<>"/dev/tcp/${bind%:*}/${bind##*:}") 2>/dev/null; then
  echo "run: ${bind} is already in use: is the system already running (make run in another terminal)?" >&2
  echo "     stop it with Ctrl-C there, or choose another address: WEB_BIND=127.0.0.1:8001 make run" >&2
  exit 1
fi

broker="${MQTT_BROKER_HOST}:${MQTT_BROKER_PORT}"
devices="${MQTT_DEVICE_HOST}:${MQTT_DEVICE_PORT}"
for listener in "$broker" "$devices"; do
  if (exec 3<>"/dev/tcp/${listener%:*}/${listener##*:}") 2>/dev/null; then
    echo "run: ${listener} is already in use, and make run starts its own MQTT broker there" >&2
    echo "     stop what listens on it, or choose other ports: MQTT_BROKER_PORT=1886 MQTT_DEVICE_PORT=1887 make run" >&2
    exit 1
  fi
done

python manage.py check --fail-level ERROR >/dev/null   # bad configuration stops here, in one line
python manage.py migrate --no-input -v 0
python manage.py collectstatic --no-input -v 0
python manage.py load_demo > var/demo-logins.txt
python manage.py make_demo_city --if-empty   # about 20,000 premises; kept on later runs
python manage.py make_demo_crews --if-empty  # 60 crews with vans, day and night shifts
python manage.py make_demo_history --if-empty --days 90 --calls-per-day 300  # a season for the reports
python manage.py mqtt_credentials --dir var/mosquitto \
  --host "$MQTT_BROKER_HOST" --port "$MQTT_BROKER_PORT" \
  --device-host "$MQTT_DEVICE_HOST" --device-port "$MQTT_DEVICE_PORT"  # logins, ACLs, the conf

url="http://${bind}"
cat <<MSG

  Gas dispatch is starting: MQTT broker, web, Celery worker, Celery beat, MQTT tracker.
  Each is started again on its own if it dies (scripts/respawn.sh).

    Start page        ${url}/
    Call console      ${url}/console/
    Health            ${url}/healthz
    API (Swagger UI)  ${url}/api/docs/
    Admin             ${url}/admin/
    MQTT for tablets  ${devices}  (a tablet's logins: scripts/manage.sh mqtt_credentials --show VAN-0001)
    MQTT back-end     ${broker}  (the service account only)

  Demo logins (user / password):
$(sed -n '2,$p' var/demo-logins.txt)

  Ctrl-C stops everything.

MSG
# .env was read at the top; honcho reading it again would put its empty values (MQTT_USERNAME=
# as copied from .env.example) back over the defaults set above. Every Procfile line runs under
# scripts/respawn.sh: a process that dies is started again, the others go on serving. Its paths
# and address come from WEB_BIND, MQTT_CONF_DIR and BEAT_SCHEDULE (defaults under var/), which
# tests/test_supervision.py points at its own.
exec honcho start -f Procfile --env /dev/null
