#!/usr/bin/env bash
# Prepare the database and start every process of the system in the foreground (honcho).
# Ctrl-C stops them all. Called by `make run` after scripts/bootstrap.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
[ -f .env ] && set -a && . ./.env && set +a

bind=${WEB_BIND:-127.0.0.1:8000}
if (exec 3<>"/dev/tcp/${bind%:*}/${bind##*:}") 2>/dev/null; then
  echo "run: ${bind} is already in use: is the system already running (make run in another terminal)?" >&2
  echo "     stop it with Ctrl-C there, or choose another address: WEB_BIND=127.0.0.1:8001 make run" >&2
  exit 1
fi

# The project's own broker (Procfile: mqtt), with a login per device and an ACL. The machine's
# anonymous Mosquitto on 1883 is left alone (the tests use it), so ours defaults to 1884. Every
# process gets these; the service account's password, unless .env sets MQTT_PASSWORD, is derived
# from DJANGO_SECRET_KEY by the settings, the same one mqtt_credentials writes for the broker.
export MQTT_BROKER_HOST=${MQTT_BROKER_HOST:-127.0.0.1}
export MQTT_BROKER_PORT=${MQTT_BROKER_PORT:-1884}
export MQTT_USERNAME=${MQTT_USERNAME:-gasdispatch-service}
broker="${MQTT_BROKER_HOST}:${MQTT_BROKER_PORT}"
if (exec 3<>"/dev/tcp/${MQTT_BROKER_HOST}/${MQTT_BROKER_PORT}") 2>/dev/null; then
  echo "run: ${broker} is already in use, and make run starts its own MQTT broker there" >&2
  echo "     stop what listens on it, or choose another port: MQTT_BROKER_PORT=1885 make run" >&2
  exit 1
fi

python manage.py check --fail-level ERROR >/dev/null   # bad configuration stops here, in one line
python manage.py migrate --no-input -v 0
python manage.py collectstatic --no-input -v 0
python -c "from dispatch.road_search import warm_up; warm_up()"  # compiled once, then cached
python manage.py load_demo > var/demo-logins.txt
python manage.py make_demo_city --if-empty   # about 20,000 premises; kept on later runs
python manage.py make_demo_crews --if-empty  # 60 crews with vans, day and night shifts
python manage.py mqtt_credentials --dir var/mosquitto \
  --host "$MQTT_BROKER_HOST" --port "$MQTT_BROKER_PORT"  # a login per van, the ACL, the conf

url="http://${bind}"
cat <<MSG

  Gas dispatch is starting: MQTT broker, web, Celery worker, Celery beat, MQTT tracker.

    Start page        ${url}/
    Call console      ${url}/console/
    Health            ${url}/healthz
    API (Swagger UI)  ${url}/api/docs/
    Admin             ${url}/admin/
    MQTT broker       ${broker}  (a tablet's login: manage.py mqtt_credentials --show VAN-0001)

  Demo logins (user / password):
$(sed -n '2,$p' var/demo-logins.txt)

  Ctrl-C stops everything.

MSG
# .env was read at the top; honcho reading it again would put its empty values (MQTT_USERNAME=
# as copied from .env.example) back over the defaults set above.
exec honcho start -f Procfile --env /dev/null
