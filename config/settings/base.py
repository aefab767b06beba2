"""Django core settings: apps, security, web, logging, heartbeats."""

from pathlib import Path
from typing import Any

import holidays
from django.utils.translation import gettext_lazy as _

from config.env import REQUIRED, ConfigError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

APP_ENV = env_choice("APP_ENV", ("development", "test", "production"), "development")
PRODUCTION = APP_ENV == "production"

# Production must bring its own secret; development and tests get a fixed, obviously-local one.
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", REQUIRED if PRODUCTION else "insecure-local-development-key"
)
if PRODUCTION and len(SECRET_KEY) < 32:
    raise ConfigError("DJANGO_SECRET_KEY: must be at least 32 characters in production")
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", REQUIRED if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "config.apps.DispatchAdminConfig",  # the admin, by role (administrators, supervisors)
    "config.apps.PlatformConfig",  # heartbeats and health of the running processes
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "axes",  # sign-in lockout; its attempts and lockouts are in the admin
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "gis.apps.NetworkConfig",
    "dispatch",
    "dispatch.imports",  # a utility's customers, crews, vans and users from its own files
    "import_export",  # django-import-export: the resources and admin of those imports
    "fleet",
    "field_app_api",
    "maps",
    "desk",
    "desk.knowledge",
    "desk.appointments",
    "desk.billing",
    "telephony",  # the phone system's events as call legs (AMI, event socket, webhook)
    "alerts",
    "reports",  # the figures, dashboards, exports and monthly report (reads every app above)
    "reports.monthly.apps.MonthlyConfig",  # the monthly PDF report, built by beat and e-mailed
]
# The demo city, logins, crews and fleet simulator (`make run`): left out in production unless
# asked for, so nothing there can reach a utility's data.
DEMO = env_bool("DEMO", not PRODUCTION)
if DEMO:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (or the deployment's default), then the signed-in user's choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dispatch.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into the page that says what to do.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "dispatch.User"
AUTHENTICATION_BACKENDS = [
    "dispatch.api.lockout.LockoutBackend",  # refuses a locked account+address first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = (
    [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
    if PRODUCTION
    else []
)
# HTTPS, HSTS and secure cookies: config/settings/security.py.

# Staff screens follow the user's choice (their profile, the switch in the header), then the
# browser, then this default: Chinese for a Chinese utility. Public pages (outage lookup, status,
# CAP, SMS, Open311) choose their language themselves, from the caller.
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", tuple(code for code, _name in LANGUAGES), "zh-hans")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
# Whose public holidays and make-up working days the working-day clocks follow (an ISO country
# code the `holidays` package knows); the company's own days are added in the admin.
WORKING_CALENDAR_COUNTRY = env_choice(
    "WORKING_CALENDAR_COUNTRY", tuple(holidays.list_supported_countries()), "CN"
)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Tablets: one token per member; the token user's own language then applies.
        "dispatch.language.UserLanguageTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    # Filled in by config/settings/security.py (THROTTLE_RATES), read from the environment.
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gas dispatch API",
    "DESCRIPTION": "Field tablets, dispatch consoles and linked systems.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: control rooms often have no Internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's refusals (400, 401, 403, 404, 409, 429...) declared, in their one shape.
    # Readable names for enums several serializers share (else Status06bEnum...).
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "dispatch.models.Incident.Status",
        "WorkOrderStatusEnum": "dispatch.models.WorkOrder.Status",
        "CrewStatusEnum": "dispatch.models.Crew.Status",
        "DutyEnum": "dispatch.models.crews.Duty",
        "PipeStatusEnum": "gis.models.PipeSegment.Status",
        "ValveTypeEnum": "gis.models.Valve.Type",
        "DeskCaseStatusEnum": "desk.models.CaseStatus",
        "CallOutcomeEnum": "dispatch.models.Call.Outcome",
        "GeoJSONFeatureEnum": ["Feature"],
        "GeoJSONFeatureCollectionEnum": ["FeatureCollection"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.refusals_add",
    ],
}

# Background processes (worker, beat, tracker) write a heartbeat this often; /healthz calls a
# process down when its last heartbeat is older than HEALTH_STALE_AFTER seconds.
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 10, minimum=1, maximum=300)
HEALTH_STALE_AFTER = env_int("HEALTH_STALE_AFTER", 3 * HEARTBEAT_SECONDS + 5, minimum=2)
HEALTH_PROBE_TIMEOUT = env_int("HEALTH_PROBE_TIMEOUT", 2, minimum=1, maximum=30)

LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes announces itself at INFO in every process, manage.py commands included.
        "axes": {"level": "WARNING"},
    },
}

# Debian 12 ships GDAL 3.6, which cannot block network access while opening a dataset. We only
# open files that an administrator imports from local disk (import_network), never a URL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# The TrueType font the timeline PDF embeds (a subset) for Chinese text; empty: the first of
# maps.exports.CJK_FONT_PATHS installed (Debian's fonts-wqy-microhei, scripts/bootstrap.sh).
PDF_CJK_FONT = env_str("PDF_CJK_FONT", "")
