"""PostgreSQL + PostGIS, from DATABASE_URL."""

from urllib.parse import unquote

from config.env import ConfigError, env_int, env_url

_url = env_url(
    "DATABASE_URL",
    "postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch",
    schemes=("postgis", "postgres", "postgresql"),
)
_name = _url.path.lstrip("/")
if not _name:
    raise ConfigError("DATABASE_URL: no database name after the host (…:5432/gasdispatch)")

DATABASES = {
    "default": {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": _name,
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname,
        "PORT": _url.port or 5432,
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
        # A dead database must fail a request quickly, not hang a dispatcher's screen.
        "OPTIONS": {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)},
    }
}
