"""Rate limits and the shared cache they count in, sign-in lockout, HTTPS. Every rate is
`N/second|minute|hour|day`."""

from datetime import timedelta

from config.env import env_bool, env_int, env_str, env_url

from .base import PRODUCTION
from .celery import REDIS_URL

# Its own Redis database where it can: tests clear it between tests, which must not empty
# Celery's queues.
CACHE_URL = env_url("CACHE_URL", REDIS_URL, schemes=("redis", "rediss")).geturl()

CACHES = {
    "default": {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "gasdispatch"),
        # A Redis that is away must cost a request milliseconds, not a hung screen.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# DRF throttle scopes (ScopedRateThrottle and the classes that extend it). Each limit is
# per client as the scope defines it (user, API key, device or address).
THROTTLE_RATES = {
    # Logins that hand out a token (tablets): per address.
    "login": env_str("THROTTLE_LOGIN", "20/minute"),
    # Positions over HTTP (OsmAnd, Traccar Client): per device, and per address.
    "tracking_device": env_str("THROTTLE_TRACKING_DEVICE", "120/minute"),
    "tracking_address": env_str("THROTTLE_TRACKING_ADDRESS", "600/minute"),
    # Open311: requests posted per API key, and reads per address.
    "open311_post": env_str("THROTTLE_OPEN311_POST", "30/minute"),
    "open311_read": env_str("THROTTLE_OPEN311_READ", "300/minute"),
    # An ACD's webhook requests refused (bad token, bad body): per address.
    "telephony_webhook": env_str("THROTTLE_TELEPHONY_WEBHOOK", "30/minute"),
    # The IVR's questions (alerts/ivr): per API key.
    "ivr": env_str("THROTTLE_IVR", "600/minute"),
    # A customer answering a call-back by the SMS link: per address.
    "callback_link": env_str("THROTTLE_CALLBACK_LINK", "30/minute"),
    # Every other API call, per signed-in user.
    "user": env_str("THROTTLE_USER", "1200/minute"),
}

from .base import REST_FRAMEWORK  # noqa: E402 - the API settings this module completes

REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = THROTTLE_RATES

# How many proxies in front of Django add themselves to X-Forwarded-For. 0 (no proxy): the
# address is REMOTE_ADDR and a client's own X-Forwarded-For is ignored, so a flood cannot dodge
# its limit by inventing addresses. Behind one reverse proxy, set 1.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# Sign-in lockout (django-axes), on the sign-in page, the admin's and the tablet token: after
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one address, that pair is refused,
# right password included, until LOGIN_LOCKOUT_MINUTES pass with no further try (each try
# during the lockout restarts it) or an administrator deletes the attempt in the admin.
# Account *and* address: a guesser elsewhere cannot lock a call taker out of their own desk.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "dispatch.api.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.throttles.client_address"

# HTTPS (`manage.py check --deploy` clean). Production assumes TLS ends at a proxy or load
# balancer in front of gunicorn, which says so in X-Forwarded-Proto. A site without TLS
# termination yet sets DJANGO_HTTPS=false (and so gets no redirect, HSTS or secure cookies:
# browsers would drop secure cookies over plain HTTP and nobody could sign in).
HTTPS = env_bool("DJANGO_HTTPS", PRODUCTION)
if env_bool("DJANGO_TLS_PROXY", HTTPS):
    # Only a proxy that sets (not passes on) this header may be trusted with it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", HTTPS)
# Container health checks and the broker's neighbours probe /healthz over plain HTTP inside
# the compose network, with no proxy in between: they must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# A year, once HTTPS works; browsers then refuse plain HTTP to this host. Start lower
# (DJANGO_HSTS_SECONDS=3600) on a first deployment: HSTS cannot be taken back for its length.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if not SECURE_HSTS_PRELOAD:
    from .base import SILENCED_SYSTEM_CHECKS

    # Preloading hard-codes HTTPS-only for the whole registered domain into every browser,
    # for months, and is asked of the domain's owner (hstspreload.org): a utility's control
    # room host does not decide that for its parent domain. HSTS itself is on (above).
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]
