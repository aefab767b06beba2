#!/usr/bin/env bash
# `python manage.py ...` as `make run` runs it: the virtualenv's Python, .env read, and the
# same broker settings (scripts/env.sh). From anywhere, no virtualenv to activate:
#   scripts/manage.sh mqtt_credentials --show VAN-0001
set -euo pipefail
. "$(dirname "$0")/env.sh"
exec python manage.py "$@"
