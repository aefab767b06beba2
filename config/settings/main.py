"""The settings module: topics assembled, configuration errors reported in one line."""

import sys

from config.env import ConfigError

try:
    from .alerts import *
    from .base import *
    from .celery import *
    from .database import *
    from .dispatch import *
    from .mqtt import *
    from .security import *
except ConfigError as exc:
    # Whatever process is starting (manage.py, gunicorn, celery) stops here with one clear line.
    sys.exit(f"configuration error: {exc}")
