"""The writes of demo.history: each table once, from the temporary tables demo.history_sql
planned, in id order; the timeline in the order the services write it, so events at the same
instant (a work order, the status it moves, the clock it meets) replay as they happened."""


def _id(table: str, n: str) -> str:
    return f"(%({table}_base)s + {n} - 1)"


INC = _id("dispatch_incident", "{}")
CALL = _id("dispatch_call", "{}")
WO = _id("dispatch_workorder", "{}")
CASE = _id("desk_case", "{}")
CB = _id("alerts_callback", "{}")

_EVIDENCE = """jsonb_build_object('verified', i.verified, 'vehicle_id', NULL,
  'fix_at', i.on_site_at, 'lon', ST_X(i.geom), 'lat', ST_Y(i.geom), 'accuracy_m', 8,
  'distance_m', CASE WHEN i.verified THEN 14.0 END, 'radius_m', %(radius)s, 'window_s', 120)"""

_NOTE = """CASE i.fate WHEN 'crew' THEN '抢修完成' WHEN 'phone' THEN '电话指导用户处理'
  ELSE '用户确认误报' END"""

INCIDENTS = f"""INSERT INTO dispatch_incident (id, reference, category, priority, status, point,
  address_text, hazards, report_count, independent_report_count, created_at, updated_at,
  station_id, end_note, end_reason, ended_at, referred_to, first_call_at, channel,
  work_order_at, accepted_at, on_site_at, on_site_verified, made_safe_at, completed_at)
SELECT {INC.format("i.n")}, r.reference, i.category, i.priority, i.status, i.geom, i.full_text,
  '{{}}', 1 + COALESCE(j.calls, 0), 1 + COALESCE(j.calls, 0), i.opened_at,
  GREATEST(i.opened_at, i.wo_at, i.accepted_at, i.on_site_at, i.wo_cancel_at, i.made_safe_at,
           i.completed_at, i.ended_at),
  i.station_id, CASE WHEN i.ended_at IS NOT NULL THEN {_NOTE} ELSE '' END, i.end_reason,
  i.ended_at, '', i.first_call_at, i.channel, i.wo_at, i.accepted_at, i.on_site_at, i.verified,
  i.made_safe_at, i.completed_at
FROM h_inc i JOIN h_ref r ON r.kind = 'i' AND r.n = i.n
LEFT JOIN (SELECT inc_n, count(*) AS calls FROM h_call WHERE outcome = 'joined'
           AND closed_real IS NOT NULL GROUP BY inc_n) j ON j.inc_n = i.n
ORDER BY i.n"""  # noqa: S608 - constants; values are bound

CALLS = f"""INSERT INTO dispatch_call (id, channel, caller_phone, caller_name, category,
  description, address_text, point, geocode_method, hazards, received_at, external_ref, outcome,
  premise_id, taker_id, incident_id, opened_at, closed_at, premise_previous_at, unit_id)
SELECT {CALL.format("c.n")}, c.channel, c.phone, '', c.category, '', c.full_text, c.geom,
  'premise', '{{}}', c.received_at, '',
  CASE WHEN c.closed_real IS NULL THEN 'open' ELSE c.outcome END, c.premise_id, c.taker_id,
  CASE WHEN c.closed_real IS NOT NULL THEN {INC.format("c.inc_n")} END, c.opened_at,
  c.closed_real,
  COALESCE(c.previous_at, (SELECT max(x.received_at) FROM dispatch_call x
                           WHERE x.premise_id = c.premise_id AND x.received_at <= c.received_at)),
  -- Still open: the taker's own unit; else the incident's station or the case's desk.
  COALESCE(CASE WHEN c.closed_real IS NULL THEN tu.unit END, c.unit_id)
FROM h_call c
LEFT JOIN LATERAL (SELECT COALESCE(t.unit_id, %(company)s) AS unit FROM h_taker t
                   WHERE t.user_id = c.taker_id) tu ON TRUE
ORDER BY c.n"""  # noqa: S608 - constants; values are bound

WORK_ORDERS = f"""INSERT INTO dispatch_workorder (id, status, created_at, status_changed_at,
  findings, crew_id, incident_id, arrived_at, arrival_verified, arrival_evidence)
SELECT {WO.format("i.wo_n")}, i.wo_status, i.wo_at,
  COALESCE(i.wo_cancel_at, i.completed_at, i.made_safe_at, i.on_site_at, i.accepted_at, i.wo_at),
  '{{}}', i.crew_id, {INC.format("i.n")}, i.on_site_at, i.verified,
  CASE WHEN i.on_site_at IS NOT NULL THEN {_EVIDENCE} END
FROM h_inc i WHERE i.wo_at IS NOT NULL ORDER BY i.wo_n"""  # noqa: S608 - constants; values are bound

DEADLINES = f"""INSERT INTO dispatch_incidentdeadline (milestone, due_at, met_at, breached_at,
  not_applicable_at, incident_id)
SELECT d.milestone, d.due_at, d.met_at, d.breached_at, d.not_applicable_at, {INC.format("d.n")}
FROM h_dl d
UNION ALL
SELECT 'call_back', min(b.due_at), max(b.done_at), NULL, NULL, {INC.format("b.inc_n")}
FROM h_cbo b WHERE b.inc_n IS NOT NULL GROUP BY b.inc_n"""  # noqa: S608 - constants; values are bound

# The call-backs' outcomes: reached mostly (scored 1 to 5), some never reached, a few declined.
CALLBACK_OUTCOMES = """CREATE TEMP TABLE h_cbo ON COMMIT DROP AS
SELECT b.*,
  CASE WHEN b.first_attempt_at IS NULL THEN 'pending' WHEN b.r_outcome < 0.8 THEN 'reached'
       WHEN b.r_outcome < 0.93 THEN CASE WHEN b.retry_until <= %(now)s THEN 'not_reached'
                                         ELSE 'pending' END
       ELSE 'declined' END AS status,
  CASE WHEN b.first_attempt_at IS NULL THEN 0 ELSE 1 END AS attempts,
  CASE WHEN b.first_attempt_at IS NULL THEN NULL WHEN b.r_outcome < 0.8 THEN b.first_attempt_at
       WHEN b.r_outcome < 0.93 THEN CASE WHEN b.retry_until <= %(now)s THEN b.retry_until END
       ELSE b.first_attempt_at END AS done_at,
  CASE WHEN b.first_attempt_at IS NULL THEN NULL WHEN b.r_outcome < 0.8 THEN TRUE
       WHEN b.r_outcome < 0.93 THEN CASE WHEN b.retry_until <= %(now)s THEN FALSE END
       ELSE TRUE END AS reached,
  CASE WHEN b.first_attempt_at IS NOT NULL AND b.r_outcome < 0.8 THEN
    CASE WHEN b.r_score < 0.04 THEN 1 WHEN b.r_score < 0.10 THEN 2 WHEN b.r_score < 0.20 THEN 3
         WHEN b.r_score < 0.45 THEN 4 ELSE 5 END END AS satisfaction
FROM h_cb b"""

CASES = f"""INSERT INTO desk_case (id, reference, category, status, language, subject,
  confidential, created_at, due_at, answer_text, reply_text, replied_at, checklist_done,
  closed_at, close_note, call_id, premise_id, replied_by_id, unit_id)
SELECT {CASE.format("k.n")}, r.reference, k.category,
  CASE WHEN k.closed_at IS NOT NULL THEN 'closed' WHEN k.replied_at IS NOT NULL THEN 'replied'
       ELSE 'received' END, 'zh', '', k.confidential, k.created_at, k.due_at, '',
  CASE WHEN k.replied_at IS NOT NULL THEN '已答复客户' ELSE '' END, k.replied_at, '{{}}',
  k.closed_at, '', {CALL.format("c.n")}, k.premise_id,
  CASE WHEN k.replied_at IS NOT NULL THEN k.taker_id END, k.unit_id
FROM h_case k JOIN h_call c ON c.case_n = k.n JOIN h_ref r ON r.kind = 'k' AND r.n = k.n
ORDER BY k.n"""  # noqa: S608 - constants; values are bound

CALLBACKS = f"""INSERT INTO alerts_callback (id, due_at, done_at, reached, satisfaction, notes,
  call_id, done_by_id, incident_id, case_id, attempts, first_attempt_at, next_attempt_at,
  retry_until, status, unit_id)
SELECT {CB.format("b.n")}, b.due_at, b.done_at, b.reached, b.satisfaction, '',
  {CALL.format("b.call_n")}, CASE WHEN b.done_at IS NOT NULL THEN b.by_id END,
  {INC.format("b.inc_n")}, {CASE.format("b.case_n")}, b.attempts, b.first_attempt_at,
  COALESCE(b.first_attempt_at, b.start), b.retry_until, b.status,
  COALESCE((SELECT i.station_id FROM dispatch_incident i WHERE i.id = {INC.format("b.inc_n")}),
           (SELECT k.unit_id FROM desk_case k WHERE k.id = {CASE.format("b.case_n")}))
FROM h_cbo b ORDER BY b.n"""  # noqa: S608 - constants; values are bound

_COLS = (
    "(kind, at, device_time, actor_id, actor_label, data, point, call_id, incident_id, "
    "work_order_id)"
)


def _status(at: str, old: str, new: str, because: str) -> str:
    return f"""SELECT 'incident.status', {at}, NULL::timestamptz, NULL::bigint, 'system',
  jsonb_build_object('from', {old}, 'to', {new}, 'because', {because}), NULL::geometry,
  NULL::bigint, {INC.format("i.n")}, NULL::bigint FROM h_inc i WHERE {at} IS NOT NULL"""  # noqa: S608 - constants; values are bound


def _met(milestone: str, at: str) -> str:
    return f"""SELECT 'sla.met', {at}, NULL, NULL, 'system', jsonb_build_object('milestone',
  d.milestone, 'on_time', d.met_at <= d.due_at, 'late_seconds',
  GREATEST(0, round(extract(epoch FROM d.met_at - d.due_at)))), NULL, NULL, {INC.format("i.n")},
  NULL FROM h_inc i JOIN h_dl d ON d.n = i.n AND d.milestone = '{milestone}'
WHERE d.met_at IS NOT NULL"""  # noqa: S608 - constants; values are bound


def _wo(kind: str, at: str, data: str, point: str = "NULL") -> str:
    return f"""SELECT '{kind}', {at}, {at if kind == "work_order.on_site" else "NULL"}, NULL,
  i.crew_name, {data}, {point}, NULL, {INC.format("i.n")}, {WO.format("i.wo_n")}
FROM h_inc i WHERE {at} IS NOT NULL"""  # noqa: S608 - constants; values are bound


_PRE_END = """CASE WHEN i.fate = 'crew' THEN 'resolved' ELSE 'open' END"""
_REASON_LABEL = """CASE i.end_reason WHEN 'work_completed' THEN 'work completed'
  WHEN 'resolved_on_phone' THEN 'resolved on the phone' ELSE 'false alarm' END"""

_MADE_SAFE_OR_ON_SITE = "CASE WHEN i.made_safe_at IS NULL THEN 'on_site' ELSE 'made_safe' END"
_ASSIGNED = "jsonb_build_object('crew', i.crew_name, 'crew_id', i.crew_id, 'recommendation', NULL)"
_CANCELLED = "jsonb_build_object('from', 'accepted', 'reason', '用户来电确认误报')"
# A crew's job, step by step: its event, the incident's status, the clock it meets.
_WORK_STEPS = "\nUNION ALL\n".join(
    [
        _wo("work_order.assigned", "i.wo_at", _ASSIGNED),
        _status("i.wo_at", "'open'", "'dispatched'", "i.crew_name || ' assigned'"),
        _met("work_order", "i.wo_at"),
        _wo("work_order.accepted", "i.accepted_at", "jsonb_build_object('from', 'assigned')"),
        _wo("work_order.cancelled", "i.wo_cancel_at", _CANCELLED),
        _status("i.wo_cancel_at", "'dispatched'", "'open'", "'no crew left on it'"),
        _wo(
            "work_order.on_site",
            "i.on_site_at",
            f"jsonb_build_object('from', 'accepted', 'arrival', {_EVIDENCE})",
            "CASE WHEN i.verified THEN i.geom END",
        ),
        _status("i.on_site_at", "'dispatched'", "'on_site'", "i.crew_name || ' on site'"),
        _met("on_site", "i.on_site_at"),
        _wo("work_order.made_safe", "i.made_safe_at", "jsonb_build_object('from', 'on_site')"),
        _status("i.made_safe_at", "'on_site'", "'made_safe'", "i.crew_name || ' made safe'"),
        _met("made_safe", "i.made_safe_at"),
        _wo(
            "work_order.completed",
            "i.completed_at",
            f"jsonb_build_object('from', {_MADE_SAFE_OR_ON_SITE})",
        ),
        _status(
            "i.completed_at", _MADE_SAFE_OR_ON_SITE, "'resolved'", "i.crew_name || ' completed'"
        ),
        _met("completed", "i.completed_at"),
    ]
)

EVENTS = f"""INSERT INTO dispatch_incidentevent {_COLS}
SELECT 'call.received', c.received_at, NULL::timestamptz, c.taker_id,
  COALESCE(t.username, 'system'),
  jsonb_build_object('channel', c.channel, 'category', c.category, 'phone', c.phone,
                     'address', c.full_text, 'customer', NULL, 'premise', c.premise_id,
                     'opened_at', c.opened_at), c.geom, {CALL.format("c.n")},
  NULL::bigint, NULL::bigint
FROM h_call c LEFT JOIN h_taker t ON t.user_id = c.taker_id
UNION ALL
SELECT 'incident.opened', i.opened_at, NULL, c.taker_id, COALESCE(t.username, 'system'),
  jsonb_build_object('reference', r.reference, 'priority', i.priority, 'triage', '[]'::jsonb,
                     'station', o.code, 'segment', NULL, 'segment_distance_m', NULL),
  i.geom, {CALL.format("c.n")}, {INC.format("i.n")}, NULL
FROM h_inc i JOIN h_call c ON c.inc_n = i.n AND c.outcome = 'new_incident'
JOIN h_ref r ON r.kind = 'i' AND r.n = i.n JOIN network_orgunit o ON o.id = i.station_id
LEFT JOIN h_taker t ON t.user_id = c.taker_id
UNION ALL
SELECT 'sla.started', i.opened_at, NULL, NULL, 'system',
  jsonb_build_object('from', i.first_call_at, 'due', d.due), NULL, NULL, {INC.format("i.n")}, NULL
FROM h_inc i JOIN (SELECT n, jsonb_object_agg(milestone, due_at) AS due FROM h_due GROUP BY n) d
  ON d.n = i.n
UNION ALL
SELECT 'call.joined', c.closed_real, NULL, c.taker_id, COALESCE(t.username, 'system'),
  jsonb_build_object('reference', r.reference), NULL, {CALL.format("c.n")},
  {INC.format("c.inc_n")}, NULL
FROM h_call c JOIN h_ref r ON r.kind = 'i' AND r.n = c.inc_n
LEFT JOIN h_taker t ON t.user_id = c.taker_id
WHERE c.outcome = 'joined' AND c.closed_real IS NOT NULL
UNION ALL
SELECT 'call.answered', c.closed_real, NULL, c.taker_id, COALESCE(t.username, 'system'),
  jsonb_build_object('note', ''), NULL, {CALL.format("c.n")}, NULL, NULL
FROM h_call c LEFT JOIN h_taker t ON t.user_id = c.taker_id
WHERE c.outcome = 'answered' AND c.closed_real IS NOT NULL
UNION ALL
SELECT 'case.opened', k.created_at, NULL, k.taker_id, 'system',
  jsonb_build_object('case', r.reference, 'case_id', {CASE.format("k.n")}, 'category',
    k.category, 'unit', o.code, 'department', NULL, 'confidential', k.confidential,
    'due_at', k.due_at), NULL, {CALL.format("c.n")}, NULL, NULL
FROM h_case k JOIN h_call c ON c.case_n = k.n JOIN h_ref r ON r.kind = 'k' AND r.n = k.n
JOIN network_orgunit o ON o.id = k.unit_id
UNION ALL
{_WORK_STEPS}
UNION ALL
SELECT 'callback.scheduled', min(b.start), NULL, NULL, 'system',
  jsonb_build_object('callbacks', jsonb_agg({CB.format("b.n")} ORDER BY b.n), 'due_at',
                     min(b.due_at)), NULL, NULL, {INC.format("b.inc_n")}, NULL
FROM h_cbo b WHERE b.inc_n IS NOT NULL GROUP BY b.inc_n
UNION ALL
SELECT 'sla.breached', d.breached_at, NULL, NULL, 'system',
  jsonb_build_object('milestone', d.milestone, 'due_at', d.due_at), NULL, NULL,
  {INC.format("d.n")}, NULL
FROM h_dl d WHERE d.breached_at IS NOT NULL
UNION ALL
SELECT CASE WHEN i.status = 'cancelled' THEN 'incident.cancelled' ELSE 'incident.closed' END,
  i.ended_at, NULL, NULL, 'system', jsonb_build_object('from', {_PRE_END}, 'reason',
  i.end_reason, 'note', {_NOTE}), NULL, NULL, {INC.format("i.n")}, NULL
FROM h_inc i WHERE i.ended_at IS NOT NULL
UNION ALL
SELECT 'sla.not_applicable', i.ended_at, NULL, NULL, 'system',
  jsonb_build_object('milestones', d.milestones, 'breached_before', d.breached, 'because',
                     i.status), NULL, NULL, {INC.format("i.n")}, NULL
FROM h_inc i JOIN (SELECT n, jsonb_agg(milestone ORDER BY due_at) AS milestones,
  COALESCE(jsonb_agg(milestone) FILTER (WHERE breached_at IS NOT NULL), '[]') AS breached
  FROM h_dl WHERE not_applicable_at IS NOT NULL GROUP BY n) d ON d.n = i.n
UNION ALL
{_status("i.ended_at", _PRE_END, "i.status", _REASON_LABEL)}
UNION ALL
SELECT 'case.replied', k.replied_at, NULL, k.taker_id, 'system',
  jsonb_build_object('case', r.reference, 'case_id', {CASE.format("k.n")}), NULL,
  {CALL.format("c.n")}, NULL, NULL
FROM h_case k JOIN h_call c ON c.case_n = k.n JOIN h_ref r ON r.kind = 'k' AND r.n = k.n
WHERE k.replied_at IS NOT NULL
UNION ALL
SELECT 'callback.scheduled', b.start, NULL, NULL, 'system',
  jsonb_build_object('case', r.reference, 'case_id', {CASE.format("b.case_n")}, 'callbacks',
                     jsonb_build_array({CB.format("b.n")}), 'due_at', b.due_at), NULL,
  {CALL.format("b.call_n")}, NULL, NULL
FROM h_cbo b JOIN h_ref r ON r.kind = 'k' AND r.n = b.case_n
UNION ALL
SELECT 'callback.attempted', b.first_attempt_at, NULL, b.by_id, COALESCE(t.username, 'system'),
  jsonb_build_object('callback', {CB.format("b.n")}, 'attempts', 1, 'status',
    CASE WHEN b.status = 'not_reached' THEN 'pending' ELSE b.status END,
    'outcome', CASE b.status WHEN 'reached' THEN 'reached' WHEN 'declined' THEN 'refused'
                             ELSE 'no_answer' END,
    'score', b.satisfaction, 'reason', '', 'reached', b.status IN ('reached', 'declined'),
    'satisfaction', b.satisfaction, 'link_sent', FALSE, 'late', b.first_attempt_at > b.due_at)
  || CASE WHEN b.case_n IS NULL THEN '{{}}'::jsonb ELSE jsonb_build_object('case', r.reference,
       'case_id', {CASE.format("b.case_n")}) END,
  NULL, {CALL.format("b.call_n")}, {INC.format("b.inc_n")}, NULL
FROM h_cbo b LEFT JOIN h_ref r ON r.kind = 'k' AND r.n = b.case_n
LEFT JOIN h_taker t ON t.user_id = b.by_id
WHERE b.first_attempt_at IS NOT NULL
UNION ALL
SELECT 'case.closed', k.closed_at, NULL, NULL, 'system',
  jsonb_build_object('case', r.reference, 'case_id', {CASE.format("k.n")}), NULL,
  {CALL.format("c.n")}, NULL, NULL
FROM h_case k JOIN h_call c ON c.case_n = k.n JOIN h_ref r ON r.kind = 'k' AND r.n = k.n
WHERE k.closed_at IS NOT NULL"""  # noqa: S608 - constants; values are bound

COUNTERS = """INSERT INTO dispatch_referencecounter (day, last)
SELECT day, max(number) FROM h_ref GROUP BY day
ON CONFLICT (day) DO UPDATE SET last = GREATEST(dispatch_referencecounter.last, EXCLUDED.last)"""

WRITE = [
    ("call-back outcomes", CALLBACK_OUTCOMES),
    ("incidents written", INCIDENTS),
    ("calls written", CALLS),
    ("work orders written", WORK_ORDERS),
    ("clocks written", DEADLINES),
    ("desk cases written", CASES),
    ("call-backs written", CALLBACKS),
    ("events written", EVENTS),
    ("reference counters", COUNTERS),
    (
        "analyze",
        "ANALYZE dispatch_call, dispatch_incident, dispatch_incidentevent, "
        "dispatch_workorder, dispatch_incidentdeadline, desk_case, alerts_callback",
    ),
]
