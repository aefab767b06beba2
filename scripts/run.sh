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

python manage.py check --fail-level ERROR >/dev/null   # bad configuration stops here, in one line
python manage.py migrate --no-input -v 0
python manage.py collectstatic --no-input -v 0
python manage.py load_demo > var/demo-logins.txt
python manage.py make_demo_city --if-empty   # about 20,000 premises; kept on later runs
python manage.py make_demo_crews --if-empty  # 60 crews with vans, day and night shifts

url="http://${bind}"
cat <<MSG

  Gas dispatch is starting: web, Celery worker, Celery beat and the MQTT tracker.

    Start page        ${url}/
    Call console      ${url}/console/
    Health            ${url}/healthz
    API (Swagger UI)  ${url}/api/docs/
    Admin             ${url}/admin/

  Demo logins (user / password):
$(sed -n '2,$p' var/demo-logins.txt)

  Ctrl-C stops everything.

MSG
exec honcho start -f Procfile
