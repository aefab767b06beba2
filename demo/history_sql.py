"""The SQL behind demo.history: plan every row in temporary tables, then write each table once.

U(n, k) is a seeded uniform draw in [0, 1) for row key n and salt k (pg_temp.u, a hash: the
same seed gives the same history on any machine, whatever order PostgreSQL reads rows in);
EX(n, k) an exponential draw of mean 1. Every value is bound (%(name)s)."""

import re

_U = re.compile(r"\b(U|EX)\(([^()]*?), (\d+)\)")


def _sql(text: str) -> str:
    def draw(m: re.Match[str]) -> str:
        u = f"pg_temp.u({m.group(2)}, {m.group(3)}, %(seed)s)"
        return u if m.group(1) == "U" else f"(-ln(1 - {u}))"

    return _U.sub(draw, text)


def _secs(expr: str) -> str:
    return f"make_interval(secs => {expr})"


# Each station's share of late arrivals is the base share times `late` (one in three is 2.5x).
PLAN = [
    (
        "stations",
        """CREATE TEMP TABLE h_station ON COMMIT DROP AS
SELECT s.id AS station_id, s.parent_id AS company_id,
       CASE WHEN mod(row_number() OVER (ORDER BY s.code), 3) = 0 THEN 2.5 ELSE 1.0 END AS late
FROM network_orgunit s WHERE s.tier = 3 AND s.territory IS NOT NULL""",
    ),
    (
        "premises",
        """CREATE TEMP TABLE h_premise ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY hashint8extended(p.id, %(seed)s), p.id) AS n,
       p.id AS premise_id, p.geom, p.full_text, s.station_id, s.company_id, s.late,
       '13' || lpad(mod(abs(hashint8extended(p.id, %(seed)s + 7)), 1000000000)::text, 9, '0')
           AS phone
FROM network_premise p
JOIN network_orgunit o ON o.tier = 3 AND ST_Contains(o.territory, p.geom)
JOIN h_station s ON s.station_id = o.id;
CREATE INDEX ON h_premise (n); ANALYZE h_premise""",
    ),
    (
        "crews",
        # A station without crews borrows every crew (a demo loaded before its crews).
        """CREATE TEMP TABLE h_crew ON COMMIT DROP AS
SELECT s.station_id, row_number() OVER (PARTITION BY s.station_id ORDER BY c.id) AS n,
       c.id AS crew_id, c.name, count(*) OVER (PARTITION BY s.station_id) AS size
FROM h_station s JOIN dispatch_crew c ON c.station_id = s.station_id
  OR NOT EXISTS (SELECT 1 FROM dispatch_crew x WHERE x.station_id = s.station_id);
CREATE INDEX ON h_crew (station_id, n); ANALYZE h_crew""",
    ),
    (
        "days",
        # More calls in winter (the heating season) and on weekdays, and some noise.
        _sql("""CREATE TEMP TABLE h_day ON COMMIT DROP AS
SELECT d, ((%(first)s::date + d)::timestamp AT TIME ZONE %(tz)s) AS t0,
       round(%(per_day)s * 0.92
             * (1 + 0.25 * cos(2 * pi() * (extract(doy FROM %(first)s::date + d) - 15) / 365.25))
             * CASE WHEN extract(isodow FROM %(first)s::date + d) >= 6 THEN 0.85 ELSE 1.04 END
             * (0.9 + 0.2 * U(d, 1)))::int AS n
FROM generate_series(0, %(days)s - 1) d"""),
    ),
]

_TYPICAL_ARRIVAL_S = (
    "CASE priority WHEN 1 THEN 1800 WHEN 2 THEN 3600 WHEN 3 THEN 14400 ELSE 86400 END"
)
_DISPATCH_MEAN_S = "CASE priority WHEN 1 THEN 40 WHEN 2 THEN 90 WHEN 3 THEN 300 ELSE 2400 END"

_TIME_OF_DAY = _secs(
    "CASE WHEN U(key, 1) < 0.75 THEN 25200 + 54000 * U(key, 2) ELSE 86400 * U(key, 2) END"
)
_CLOCK_S = "extract(epoch FROM on_site_due - first_call_at)"
# Late: past the clock by up to 60% of it, mostly just past; on time: 30-95% of the clock
# or of a typical drive, whichever is shorter (a P3's 24 hours are not driven for).
_LATE_BY = _secs(f"60 + {_CLOCK_S} * 0.6 * power(U(key, 16), 2)")
_ARRIVE_AFTER = _secs(f"LEAST({_CLOCK_S}, {_TYPICAL_ARRIVAL_S}) * (0.3 + 0.65 * U(key, 16))")
_REPLY_S = "extract(epoch FROM d.due_at - d.created_at)"
_REPLY_LATE_BY = _secs(f"3600 + {_REPLY_S} * 0.5 * U(d.key, 44)")
_REPLY_AFTER = _secs(f"{_REPLY_S} * (0.05 + 0.85 * U(d.key, 44))")
_CALL_BACK_AFTER = _secs("extract(epoch FROM d.due_at - d.start) * (0.05 + 0.85 * U(d.key, 51))")

INCIDENT_TABLES = [
    (
        "call slots",
        _sql(
            f"""CREATE TEMP TABLE h_slot ON COMMIT DROP AS
WITH s AS (
  SELECT d.d * 1000000::bigint + j AS key, d.t0 FROM h_day d, generate_series(1, d.n) j
), t AS (
  SELECT key, t0 + {_TIME_OF_DAY} AS received_at,
         CASE WHEN U(key, 3) < 0.33 THEN 'field' WHEN U(key, 3) < 0.50 THEN 'case'
              ELSE 'answer' END AS kind,
         U(key, 4) AS r_cat, U(key, 5) AS r_chan, U(key, 6) AS r_premise, U(key, 7) AS r_taker
  FROM s
)
SELECT t.key, t.received_at, t.kind, m.code AS category, ch.code AS channel, p.premise_id,
       p.geom, p.full_text, p.phone, p.station_id, p.company_id, p.late,
       CASE WHEN ch.code IN ('web', 'open311') THEN NULL ELSE tk.user_id END AS taker_id,
       COALESCE(tk.unit_id, p.company_id) AS taker_unit
FROM t
JOIN h_mix m ON m.kind = t.kind AND t.r_cat >= m.lo AND t.r_cat < m.hi
JOIN h_mix ch ON ch.kind = 'channel' AND t.r_chan >= ch.lo AND t.r_chan < ch.hi
JOIN h_premise p ON p.n = 1 + floor(power(t.r_premise, 1.5) * (SELECT count(*) FROM h_premise))
JOIN h_taker tk ON tk.n = 1 + floor(t.r_taker * (SELECT count(*) FROM h_taker))
WHERE t.received_at <= %(now)s"""  # noqa: S608 - constants; values are bound
        ),
    ),
    (
        "incidents planned",
        _sql(
            f"""CREATE TEMP TABLE h_inc0 ON COMMIT DROP AS
WITH f AS (
  SELECT s.*, r.base_priority AS priority, s.received_at AS first_call_at,
         s.received_at + {_secs("30 + 90 * U(s.key, 10)")} AS opened_at,
         CASE WHEN U(s.key, 11) < 0.03 THEN 'cancel_early' WHEN U(s.key, 11) < 0.07 THEN 'phone'
              WHEN U(s.key, 11) < 0.09 THEN 'cancel_late' ELSE 'crew' END AS fate
  FROM h_slot s JOIN dispatch_categoryrule r ON r.category = s.category WHERE s.kind = 'field'
)
SELECT row_number() OVER (ORDER BY f.first_call_at, f.key) AS n, f.*,
       CASE WHEN f.fate IN ('crew', 'cancel_late') THEN f.opened_at
            + {_secs(f"EX(f.key, 12) * {_DISPATCH_MEAN_S} * sqrt(f.late)")} END AS p_wo,
       c.crew_id, c.name AS crew_name
FROM f JOIN h_crew c ON c.station_id = f.station_id
  AND c.n = 1 + floor(U(f.key, 13) * c.size)
WHERE f.opened_at <= %(now)s;
CREATE INDEX ON h_inc0 (n); ANALYZE h_inc0"""  # noqa: S608 - constants; values are bound
        ),
    ),
    (
        "clocks due",
        # The most specific policy per milestone, as dispatch.services.sla picks it.
        """CREATE TEMP TABLE h_due ON COMMIT DROP AS
SELECT DISTINCT ON (i.n, p.milestone) i.n, p.milestone,
       CASE WHEN p.minutes IS NOT NULL THEN i.first_call_at + make_interval(mins => p.minutes)
            ELSE i.first_call_at + make_interval(days => COALESCE(w.ahead, 0)) END AS due_at
FROM h_inc0 i
JOIN dispatch_slapolicy p ON (p.priority = i.priority OR p.priority IS NULL)
  AND (p.category = i.category OR p.category = '')
LEFT JOIN h_wd w ON w.day = (i.first_call_at AT TIME ZONE %(tz)s)::date AND w.n = p.working_days
WHERE p.milestone IN ('work_order', 'on_site', 'made_safe', 'completed')
ORDER BY i.n, p.milestone,
  (CASE WHEN p.category <> '' THEN 2 ELSE 0 END
   + CASE WHEN p.priority IS NOT NULL THEN 1 ELSE 0 END) DESC;
CREATE INDEX ON h_due (n, milestone); ANALYZE h_due""",
    ),
    (
        "incidents",
        # Planned moments (p_*), then only what happened by now: a later one is still to come.
        _sql(
            f"""CREATE TEMP TABLE h_inc ON COMMIT DROP AS
WITH a AS MATERIALIZED (
  SELECT i.*, i.p_wo + {_secs("15 + 120 * U(i.key, 14)")} AS p_acc,
         COALESCE(d.due_at, i.first_call_at + interval '1 day') AS on_site_due
  FROM h_inc0 i LEFT JOIN h_due d ON d.n = i.n AND d.milestone = 'on_site'
), b AS MATERIALIZED (
  SELECT a.*,
    CASE WHEN fate = 'crew' THEN GREATEST(p_acc + interval '1 minute',
      CASE WHEN U(key, 15) < 0.05 * late
           THEN on_site_due + {_LATE_BY}
           ELSE first_call_at + {_ARRIVE_AFTER}
      END) END AS p_on_site,
    CASE WHEN fate = 'cancel_late' THEN p_acc + {_secs("180 + 720 * U(key, 17)")} END
      AS p_wo_cancel,
    U(key, 18) < 0.95 - 0.06 * (late - 1) AS p_verified
  FROM a
), c AS MATERIALIZED (
  SELECT b.*, CASE WHEN priority <= 2 AND p_on_site IS NOT NULL THEN p_on_site
    + CASE WHEN U(key, 19) < 0.02 * late THEN {_secs("21600 + 36000 * U(key, 20)")}
           ELSE {_secs("600 + 2100 * EX(key, 20)")} END END AS p_made_safe
  FROM b
), d AS MATERIALIZED (
  SELECT c.*, COALESCE(p_made_safe, p_on_site) + {_secs("1200 + 4800 * EX(key, 21)")} AS p_done
  FROM c
), e AS MATERIALIZED (
  SELECT d.*, CASE fate
      WHEN 'crew' THEN CASE WHEN U(key, 22) >= 0.03
                            THEN p_done + {_secs("300 + 2400 * EX(key, 23)")} END
      WHEN 'phone' THEN opened_at + {_secs("180 + 1020 * U(key, 23)")}
      WHEN 'cancel_early' THEN opened_at + {_secs("120 + 780 * U(key, 23)")}
      ELSE p_wo_cancel + interval '1 minute' END AS p_end
  FROM d
), f AS MATERIALIZED (
  SELECT e.*,
    CASE WHEN p_wo <= %(now)s THEN p_wo END AS wo_at,
    CASE WHEN p_acc <= %(now)s THEN p_acc END AS accepted_at,
    CASE WHEN p_on_site <= %(now)s THEN p_on_site END AS on_site_at,
    CASE WHEN p_wo_cancel <= %(now)s THEN p_wo_cancel END AS wo_cancel_at,
    CASE WHEN p_made_safe <= %(now)s THEN p_made_safe END AS made_safe_at,
    CASE WHEN p_done <= %(now)s THEN p_done END AS completed_at,
    CASE WHEN p_end <= %(now)s THEN p_end END AS ended_at
  FROM e
)
SELECT f.*, CASE WHEN on_site_at IS NOT NULL THEN p_verified END AS verified,
  CASE WHEN wo_at IS NOT NULL THEN count(wo_at) OVER (ORDER BY n) END AS wo_n,
  CASE WHEN ended_at IS NOT NULL
       THEN (CASE WHEN fate IN ('crew', 'phone') THEN 'closed' ELSE 'cancelled' END)
       WHEN completed_at IS NOT NULL THEN 'resolved' WHEN made_safe_at IS NOT NULL THEN 'made_safe'
       WHEN on_site_at IS NOT NULL THEN 'on_site'
       WHEN wo_at IS NOT NULL AND wo_cancel_at IS NULL THEN 'dispatched' ELSE 'open' END AS status,
  CASE WHEN ended_at IS NULL THEN '' WHEN fate = 'crew' THEN 'work_completed'
       WHEN fate = 'phone' THEN 'resolved_on_phone' ELSE 'false_alarm' END AS end_reason,
  CASE WHEN wo_cancel_at IS NOT NULL THEN 'cancelled' WHEN completed_at IS NOT NULL THEN 'completed'
       WHEN made_safe_at IS NOT NULL THEN 'made_safe' WHEN on_site_at IS NOT NULL THEN 'on_site'
       WHEN accepted_at IS NOT NULL THEN 'accepted' ELSE 'assigned' END AS wo_status
FROM f;
CREATE INDEX ON h_inc (n); ANALYZE h_inc"""  # noqa: S608 - constants; values are bound
        ),
    ),
    (
        "clocks",
        # Met when the moment came; breached by the beat a minute after due while the incident
        # was still open and unmet; stopped as not applicable when it ended without it.
        """CREATE TEMP TABLE h_dl ON COMMIT DROP AS
SELECT d.n, d.milestone, d.due_at, m.met_at,
  CASE WHEN d.due_at + interval '1 minute' <= %(now)s
        AND (m.met_at IS NULL OR m.met_at > d.due_at + interval '1 minute')
        AND (i.ended_at IS NULL OR i.ended_at > d.due_at + interval '1 minute')
        AND (i.completed_at IS NULL OR i.completed_at > d.due_at + interval '1 minute')
       THEN d.due_at + interval '1 minute' END AS breached_at,
  CASE WHEN m.met_at IS NULL AND i.ended_at IS NOT NULL THEN i.ended_at END AS not_applicable_at
FROM h_due d JOIN h_inc i ON i.n = d.n
CROSS JOIN LATERAL (SELECT CASE d.milestone WHEN 'work_order' THEN i.wo_at
  WHEN 'on_site' THEN i.on_site_at WHEN 'made_safe' THEN i.made_safe_at
  ELSE i.completed_at END AS met_at) m""",
    ),
]

CALL_TABLES = [
    (
        "joined calls",
        # Further reports of an open incident: a neighbour, or the same caller again.
        _sql(
            f"""CREATE TEMP TABLE h_join ON COMMIT DROP AS
SELECT * FROM (
  SELECT i.n AS inc_n, i.key * 4 + j AS jkey,
         i.opened_at + {_secs("60 + 2400 * U(i.key * 4 + j, 30)")} AS received_at,
         i.ended_at, i.category, i.station_id, i.company_id,
         CASE WHEN U(i.key * 4 + j, 31) < 0.4 THEN i.premise_n
              ELSE 1 + floor(U(i.key * 4 + j, 32) * (SELECT count(*) FROM h_premise)) END
           AS premise_n,
         U(i.key * 4 + j, 33) AS r_chan, U(i.key * 4 + j, 34) AS r_taker
  FROM (SELECT h.*, p.n AS premise_n FROM h_inc h JOIN h_premise p USING (premise_id)) i,
       generate_series(1, CASE WHEN U(i.key, 29) < 0.05 THEN 2 WHEN U(i.key, 29) < 0.22 THEN 1
                               ELSE 0 END) j
) x WHERE x.received_at <= LEAST(%(now)s - interval '3 minutes', COALESCE(x.ended_at, %(now)s))"""  # noqa: S608 - constants; values are bound
        ),
    ),
    (
        "cases planned",
        _sql(
            f"""CREATE TEMP TABLE h_case ON COMMIT DROP AS
WITH k AS (
  SELECT s.*, s.received_at + {_secs("60 + 240 * U(s.key, 40)")} AS created_at,
         CASE WHEN U(s.key, 41) < 0.5 THEN s.station_id ELSE s.company_id END AS unit_id
  FROM h_slot s WHERE s.kind = 'case'
), d AS (
  SELECT DISTINCT ON (k.key) k.*,
    CASE WHEN p.minutes IS NOT NULL THEN k.received_at + make_interval(mins => p.minutes)
         WHEN p.id IS NOT NULL THEN k.received_at + make_interval(days => COALESCE(w.ahead, 0))
    END AS due_at
  FROM k LEFT JOIN dispatch_slapolicy p ON p.milestone = 'reply'
    AND (p.category = k.category OR p.category = '')
  LEFT JOIN h_wd w ON w.day = (k.received_at AT TIME ZONE %(tz)s)::date AND w.n = p.working_days
  ORDER BY k.key, (p.category <> '') DESC
), r AS MATERIALIZED (
  SELECT d.*, CASE WHEN d.due_at IS NULL THEN d.created_at + {_secs("86400 * EX(d.key, 42)")}
    WHEN U(d.key, 43) < 0.08 * d.late THEN d.due_at + {_REPLY_LATE_BY}
    ELSE d.created_at + {_REPLY_AFTER}
    END AS p_replied
  FROM d
)
SELECT row_number() OVER (ORDER BY r.created_at, r.key) AS n, r.*,
  CASE WHEN r.p_replied <= %(now)s THEN r.p_replied END AS replied_at,
  CASE WHEN r.p_replied + {_secs("14400 + 86400 * 2 * U(r.key, 45)")} <= %(now)s
       THEN r.p_replied + {_secs("14400 + 86400 * 2 * U(r.key, 45)")} END AS closed_at,
  COALESCE(dr.call_back, FALSE) AS calls_back, COALESCE(dr.confidential, FALSE) AS confidential
FROM r LEFT JOIN desk_deskrule dr ON dr.category = r.category
WHERE r.created_at <= %(now)s"""  # noqa: S608 - constants; values are bound
        ),
    ),
    (
        "calls",
        _sql(
            f"""CREATE TEMP TABLE h_call ON COMMIT DROP AS
WITH c AS (
  SELECT s.key, s.received_at, s.channel, s.category, s.premise_id, s.geom, s.full_text,
         s.phone, s.taker_id, i.n AS inc_n, 'new_incident' AS outcome, i.opened_at AS closed_at,
         s.station_id AS unit_id, NULL::bigint AS case_n
  FROM h_inc i JOIN h_slot s ON s.key = i.key
  UNION ALL
  SELECT j.jkey, j.received_at, ch.code, j.category, p.premise_id, p.geom, p.full_text, p.phone,
         CASE WHEN ch.code IN ('web', 'open311') THEN NULL ELSE tk.user_id END, j.inc_n,
         'joined', j.received_at + {_secs("30 + 120 * U(j.jkey, 35)")}, j.station_id, NULL
  FROM h_join j JOIN h_premise p ON p.n = j.premise_n
  JOIN h_mix ch ON ch.kind = 'channel' AND j.r_chan >= ch.lo AND j.r_chan < ch.hi
  JOIN h_taker tk ON tk.n = 1 + floor(j.r_taker * (SELECT count(*) FROM h_taker))
  UNION ALL
  SELECT k.key, k.received_at, k.channel, k.category, k.premise_id, k.geom, k.full_text, k.phone,
         k.taker_id, NULL, 'case', k.created_at, k.unit_id, k.n
  FROM h_case k
  UNION ALL
  SELECT s.key, s.received_at, s.channel, s.category, s.premise_id, s.geom, s.full_text,
         s.phone, s.taker_id, NULL, 'answered', s.received_at + {_secs("45 + 150 * EX(s.key, 36)")},
         s.taker_unit, NULL
  FROM h_slot s WHERE s.kind = 'answer'
)
SELECT row_number() OVER (ORDER BY c.received_at, c.key) AS n, c.*,
  CASE WHEN c.taker_id IS NOT NULL THEN c.received_at - {_secs("15 + 60 * U(c.key, 37)")} END
    AS opened_at,
  CASE WHEN c.closed_at <= %(now)s THEN c.closed_at END AS closed_real,
  lag(c.received_at) OVER (PARTITION BY c.premise_id ORDER BY c.received_at, c.key) AS previous_at
FROM c;
CREATE INDEX ON h_call (n); ANALYZE h_call""",  # noqa: S608 - constants; values are bound
        ),
    ),
    (
        "references",
        # GX-20261122-0042: incidents and cases share the day's counter, after any already used.
        """CREATE TEMP TABLE h_ref ON COMMIT DROP AS
WITH x AS (
  SELECT 'i' AS kind, n, opened_at AS at FROM h_inc
  UNION ALL SELECT 'k', n, created_at FROM h_case
), y AS (
  SELECT x.*, (x.at AT TIME ZONE %(tz)s)::date AS day,
         row_number() OVER (PARTITION BY (x.at AT TIME ZONE %(tz)s)::date
                            ORDER BY x.at, x.kind, x.n)
         + COALESCE(r.last, 0) AS number
  FROM x LEFT JOIN dispatch_referencecounter r ON r.day = (x.at AT TIME ZONE %(tz)s)::date
)
SELECT kind, n, day, number, %(prefix)s || '-' || to_char(day, 'YYYYMMDD') || '-'
  || CASE WHEN number < 10000 THEN lpad(number::text, 4, '0') ELSE number::text END AS reference
FROM y;
CREATE INDEX ON h_ref (kind, n)""",
    ),
    (
        "call-backs planned",
        # One per caller number of a resolved incident, one per replied case whose type is
        # called back; due a working day after, tried mostly in time.
        _sql(
            f"""CREATE TEMP TABLE h_cb ON COMMIT DROP AS
WITH o AS (
  (SELECT DISTINCT ON (c.inc_n, c.phone) c.n AS call_n, c.inc_n, NULL::bigint AS case_n,
          i.completed_at AS start, i.late, c.key
   FROM h_call c JOIN h_inc i ON i.n = c.inc_n
   WHERE i.completed_at IS NOT NULL AND c.closed_real IS NOT NULL
   ORDER BY c.inc_n, c.phone, c.received_at, c.key)
  UNION ALL
  SELECT c.n, NULL, k.n, k.replied_at, k.late, k.key
  FROM h_case k JOIN h_call c ON c.case_n = k.n WHERE k.replied_at IS NOT NULL AND k.calls_back
), d AS (
  SELECT o.*, o.start + make_interval(days => w.ahead) AS due_at
  FROM o JOIN h_wd w ON w.day = (o.start AT TIME ZONE %(tz)s)::date AND w.n = 1
), t AS (
  SELECT d.*, w.ahead AS retry_days,
    CASE WHEN U(d.key, 50) < 0.9 / d.late + 0.05
         THEN d.start + {_CALL_BACK_AFTER}
         ELSE d.due_at + {_secs("3600 + 100000 * U(d.key, 51)")} END AS p_attempt,
    U(d.key, 52) AS r_outcome, U(d.key, 53) AS r_score, U(d.key, 54) AS r_taker
  FROM d JOIN h_wd w ON w.day = (d.due_at AT TIME ZONE %(tz)s)::date AND w.n = 3
)
SELECT row_number() OVER (ORDER BY t.start, t.call_n) AS n, t.*,
  t.due_at + make_interval(days => t.retry_days) AS retry_until,
  CASE WHEN t.p_attempt <= %(now)s THEN t.p_attempt END AS first_attempt_at,
  tk.user_id AS by_id
FROM t JOIN h_taker tk ON tk.n = 1 + floor(t.r_taker * (SELECT count(*) FROM h_taker))"""  # noqa: S608 - constants; values are bound
        ),
    ),
]

from demo.history_write import WRITE  # noqa: E402 - the writes read the tables planned above

__all__ = ["CALL_TABLES", "INCIDENT_TABLES", "PLAN", "WRITE"]
