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
# A fix inside the radius counts only when it is this accurate (or its whole circle of error
# lies inside the radius): a 5 km fix "at" the incident proves nothing. A fix without an
# accuracy counts by its point alone (stock OsmAnd omits it when the phone does not know).
ARRIVAL_MAX_ACCURACY_M = env_int("ARRIVAL_MAX_ACCURACY_M", 100, minimum=1)
# A manual "on site" is verified by a fitting fix of the crew's van in this many seconds
# before it (or the minute after); without one it stands, marked unverified.
ARRIVAL_EVIDENCE_WINDOW_S = env_int("ARRIVAL_EVIDENCE_WINDOW_S", 600, minimum=0)
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
# Reports from one source (a phone number, a linked system's Open311 key, an e-mail address)
# on one incident within this many minutes of its last counted report count once toward the
# "enough reports raise the priority" rule, and so toward a public alert: a worried caller
# ringing back, or a linked system re-sending, is not a second witness. 30 minutes is the
# on-site goal for a gas emergency: a caller still smelling gas after the crew should have
# arrived is telling us something new (and one source alone then needs an hour of calls to
# raise a P2 that waits for 3 reports). 0 counts every call.
REPORT_REPEAT_WINDOW_MIN = env_int("REPORT_REPEAT_WINDOW_MIN", 30, minimum=0)

# The desk's billing data (desk/billing): a folder the company's CIS drops balance and usage
# files into, imported by the beat every BILLING_IMPORT_SECONDS; blank: import by hand only
# (`manage.py import_billing`).
BILLING_IMPORT_DIR = env_str("BILLING_IMPORT_DIR", "")
