"""Dispatch behaviour a control room may tune."""

from config.env import env_bool, env_int, env_str

INCIDENT_REFERENCE_PREFIX = env_str("INCIDENT_REFERENCE_PREFIX", "GX")
# A crew that has not accepted within this long is passed over for the next one.
WORK_ORDER_ACCEPT_TIMEOUT_S = env_int("WORK_ORDER_ACCEPT_TIMEOUT_S", 120, minimum=1)
# P1 incidents of categories whose rule allows it go to the top crew without waiting.
AUTO_DISPATCH_P1 = env_bool("AUTO_DISPATCH_P1", False)
SLA_CHECK_SECONDS = env_int("SLA_CHECK_SECONDS", 30, minimum=5)
