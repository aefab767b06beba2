#!/usr/bin/env bash
# Bring a Debian/Ubuntu machine from nothing to "ready to run or test": system packages,
# running services, the database with its extensions, and the Python virtualenv.
# Idempotent: what is installed is kept, what is running is reused, what exists is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

DB_NAME=${DB_NAME:-gasdispatch}
DB_USER=${DB_USER:-gasdispatch}
DB_PASSWORD=${DB_PASSWORD:-gasdispatch}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
# The machine's anonymous Mosquitto, for the tests. Not MQTT_BROKER_PORT: that is the broker
# `make run` starts itself (1884), with a login per device.
MQTT_PORT=1883
VENV=${VENV:-.venv}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else
  command -v sudo >/dev/null || die "not root and no sudo: run as root or install sudo"
  SUDO="sudo"
fi
as_postgres() { if [ -z "$SUDO" ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {  # wait_port PORT NAME
  for _ in $(seq 1 60); do listening "$1" && return 0; sleep 0.5; done
  die "$2 did not start listening on 127.0.0.1:$1 (see its log under /var/log)"
}

# ---------------------------------------------------------------- system packages
pg_version() {  # the newest installed PostgreSQL major version, if any
  ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1
}
# `dpkg -s` also succeeds for a removed package whose config files remain: ask for the status.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
need() { installed "$1" || missing+=("$1"); }
have_pg=$(pg_version || true)
if [ -z "$have_pg" ]; then
  # No PostgreSQL yet: take 15 where the distribution has it (Debian 12), else its default.
  if apt-cache show postgresql-15 >/dev/null 2>&1; then need postgresql-15; have_pg=15
  else need postgresql; fi
fi
need postgresql-contrib
need redis-server
need mosquitto
need mosquitto-clients
need gdal-bin            # GeoDjango loads libgdal, libgeos_c and libproj through ctypes
need python3-venv
need ca-certificates
need chromium            # the console's end-to-end test drives it through Playwright
need fonts-noto-cjk      # Chinese addresses and advice in screenshots, not empty boxes
need fonts-wqy-microhei  # the CJK font the timeline PDF embeds: TrueType, which reportlab
                         # subsets (Noto CJK is CFF, which it cannot)
need poppler-utils       # pdffonts and pdftotext: the tests read the exported PDF back
need gettext             # msgfmt: the Chinese catalogue compiled below, checked in the tests
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
have_pg=$(pg_version)
if ! installed "postgresql-${have_pg}-postgis-3"; then
  say "installing PostGIS 3 for PostgreSQL ${have_pg}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    "postgresql-${have_pg}-postgis-3"
fi

# ---------------------------------------------------------------- services
# Reuse anything already listening on the standard ports; start only what is not.
if ! listening "$PG_PORT"; then
  say "starting PostgreSQL ${have_pg}"
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^${have_pg} main"; then
    # C.UTF-8: pg_trgm only makes trigrams of characters the locale calls letters (CJK too).
    $SUDO pg_createcluster --locale C.UTF-8 "$have_pg" main
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$have_pg" main start || true
  wait_port "$PG_PORT" PostgreSQL
fi
if ! listening "$REDIS_PORT"; then
  say "starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
    --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/gasdispatch.log
  wait_port "$REDIS_PORT" Redis
fi
if ! listening "$MQTT_PORT"; then
  say "starting Mosquitto"
  $SUDO mosquitto -d -c /etc/mosquitto/mosquitto.conf
  wait_port "$MQTT_PORT" Mosquitto
fi

# ---------------------------------------------------------------- database
# A local superuser role: the test runner creates its own database with PostGIS in it,
# which needs more than a plain owner. Production (docker-compose) has its own credentials.
psql_admin() {
  if psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1 -tAc "$1"
  else
    as_postgres psql -p "$PG_PORT" -d "${2:-postgres}" -v ON_ERROR_STOP=1 -tAc "$1"
  fi
}
if [ "$(psql_admin "select 1 from pg_roles where rolname='${DB_USER}'")" != "1" ]; then
  say "creating database role ${DB_USER}"
  psql_admin "create role ${DB_USER} login superuser password '${DB_PASSWORD}'" >/dev/null
fi
if [ "$(psql_admin "select 1 from pg_database where datname='${DB_NAME}'")" != "1" ]; then
  say "creating database ${DB_NAME}"
  psql_admin "create database ${DB_NAME} owner ${DB_USER} template template0
    encoding 'UTF8' locale 'C.UTF-8'" >/dev/null
fi
psql_admin "set client_min_messages = warning;
  create extension if not exists postgis; create extension if not exists pg_trgm" "$DB_NAME" >/dev/null

# ---------------------------------------------------------------- python
# The lock file's hash is stamped into the venv so an unchanged tree skips pip entirely.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python dependencies"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.lock
  echo "$want" > "$stamp"
fi
mkdir -p var
# The catalogues (locale/*.po) compiled to .mo, which are build products, not committed.
"$VENV/bin/python" manage.py compilemessages --ignore=.venv --ignore=var -v 0
say "bootstrap done: PostgreSQL ${have_pg} :${PG_PORT}, Redis :${REDIS_PORT}, Mosquitto :${MQTT_PORT}"
