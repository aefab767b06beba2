"""Dispatch behaviour a control room may tune."""

from config.env import env_bool, env_float, env_int, env_str

INCIDENT_REFERENCE_PREFIX = env_str("INCIDENT_REFERENCE_PREFIX", "GX")
# A crew that has not accepted within this long is passed over for the next one.
WORK_ORDER_ACCEPT_TIMEOUT_S = env_int("WORK_ORDER_ACCEPT_TIMEOUT_S", 120, minimum=1)
# P1 incidents of categories whose rule allows it go to the top crew without waiting.
AUTO_DISPATCH_P1 = env_bool("AUTO_DISPATCH_P1", False)
SLA_CHECK_SECONDS = env_int("SLA_CHECK_SECONDS", 30, minimum=5)
# A van within this distance of its incident has arrived (the fix is the evidence), unless
# its crew says within ARRIVAL_CANCEL_WINDOW_S that it only drove past.
ARRIVAL_RADIUS_M = env_int("ARRIVAL_RADIUS_M", 100, minimum=10)
ARRIVAL_CANCEL_WINDOW_S = env_int("ARRIVAL_CANCEL_WINDOW_S", 60, minimum=0)
# After such a cancel, the geofence does not raise an arrival again for this long.
ARRIVAL_SUPPRESS_S = env_int("ARRIVAL_SUPPRESS_S", 600, minimum=0)
# En-route ETAs are recomputed from the van's live position at most this often.
ETA_REFRESH_S = env_int("ETA_REFRESH_S", 30, minimum=1)
# Position history kept (daily partitions older than this are dropped; 0 keeps everything).
POSITION_RETENTION_DAYS = env_int("POSITION_RETENTION_DAYS", 400, minimum=0)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10_000_000, minimum=100_000)
# The map wall's feed: each web process asks once a tick what changed and answers its walls
# from memory (maps/feed_log.py). 0: every poll asks PostgreSQL itself (the tests, most of
# them, to see each change at once).
MAP_FEED_TICK_S = env_float("MAP_FEED_TICK_S", 0.25, minimum=0.0)
