"""Messages out: the SMS gateway, e-mail, escalation and public alerts."""

from config.env import env_int, env_str

# The SMS gateway takes a JSON POST {"to", "text", "reference"}; basic auth when a user is set.
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_USER = env_str("SMS_GATEWAY_USER", "")
SMS_GATEWAY_PASSWORD = env_str("SMS_GATEWAY_PASSWORD", "")
# E-mail goes through SMTP (Django's EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, ...).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gas-dispatch@localhost")
NOTIFICATION_EMAIL_DOMAIN = env_str("NOTIFICATION_EMAIL_DOMAIN", "gas-dispatch.local")
# A message is tried this many times (30 s, 1 min, 2 min... apart, at most an hour) then failed.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATION_DRAIN_SECONDS = env_int("NOTIFICATION_DRAIN_SECONDS", 5, minimum=1)
# A caller's status link works this long after their incident closes.
STATUS_LINK_DAYS = env_int("STATUS_LINK_DAYS", 14, minimum=1)
# A clock still breached this long after its last escalation goes one unit further up.
ESCALATE_AFTER_S = env_int("ESCALATE_AFTER_S", 900, minimum=30)
# Planned works are published at least this many days ahead (the hotline standard).
PLANNED_WORK_NOTICE_DAYS = env_int("PLANNED_WORK_NOTICE_DAYS", 7, minimum=0)
# Heat and power: the customers behind a substation, main or device are told of the outage
# once this many calls point to it (one call may be one home's own fault).
OUTAGE_CONFIRM_CALLS = env_int("OUTAGE_CONFIRM_CALLS", 2, minimum=2)
# Public CAP alerts: the sender id (no spaces, commas, "<", "&" or "/") and its names.
CAP_SENDER = env_str("CAP_SENDER", "gas-dispatch.local")
CAP_SENDER_NAME = env_str("CAP_SENDER_NAME", "Gas emergency service")
CAP_SENDER_NAME_ZH = env_str("CAP_SENDER_NAME_ZH", "燃气抢修中心")

# Call-backs (alerts/callback_attempts.py): retried within so many working days, at most so
# many attempts, a gap between tries; the customer's answer link after so many failures, kept
# so many days.
CALLBACK_RETRY_WORKING_DAYS = env_int("CALLBACK_RETRY_WORKING_DAYS", 3, minimum=1)
CALLBACK_MAX_ATTEMPTS = env_int("CALLBACK_MAX_ATTEMPTS", 6, minimum=1)
CALLBACK_LINK_DAYS = env_int("CALLBACK_LINK_DAYS", 7, minimum=1)
CALLBACK_LINK_AFTER_FAILURES = env_int("CALLBACK_LINK_AFTER_FAILURES", 2, minimum=1)
CALLBACK_RETRY_GAP_MINUTES = env_int("CALLBACK_RETRY_GAP_MINUTES", 120, minimum=1)
