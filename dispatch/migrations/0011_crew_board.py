"""What a process's crew board (dispatch.crew_board) reads: the crews, vans and live work orders
changed since its cursor, in one call, under one snapshot.

Inserts and updates are stamped by maps.0001's `map_xid` trigger. Deletes leave no row to
stamp, so a statement trigger stamps the single row of `dispatch_crewboardstamp` instead, and a
board that sees that stamp at or after its cursor loads everything again. Deletes of crews,
vans, work orders and incidents are rare (an administrator's), so the row lock they take is no
bottleneck; TRUNCATE (a test's flush) counts as a delete.

`dispatch_board_read` is STABLE so that every statement in it sees the caller's snapshot: the
cursor it returns (pg_snapshot_xmin) and the rows it returns agree. When nothing changed it
costs one backward index step per table (max(map_xid)); the change queries run only when
something did, through EXECUTE so that each is planned for its own cursor (a generic plan for
`map_xid >= $1` may well choose a sequential scan).
"""

from django.db import migrations

LIVE = "'assigned', 'accepted', 'en_route', 'on_site', 'made_safe'"  # WorkOrder.ACTIVE_STATUSES

STAMP = """
CREATE TABLE dispatch_crewboardstamp (
  id integer PRIMARY KEY CHECK (id = 1),
  deleted_xid bigint NOT NULL DEFAULT 0
);
INSERT INTO dispatch_crewboardstamp (id) VALUES (1);

CREATE FUNCTION dispatch_crewboard_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE dispatch_crewboardstamp SET deleted_xid = pg_current_xact_id()::text::bigint
  WHERE id = 1;
  RETURN NULL;
END $$;
"""

TABLES = ["dispatch_crew", "dispatch_vehicle", "dispatch_workorder", "dispatch_incident"]

TRIGGERS = "\n".join(
    f"""CREATE TRIGGER {t}_crewboard_deleted AFTER DELETE OR TRUNCATE ON {t}
  FOR EACH STATEMENT EXECUTE FUNCTION dispatch_crewboard_deleted();"""
    for t in TABLES
)

# Rows, by r_kind:
#   'h' head (always, first): r_id the new cursor, r_ref the road revision, r_t1 when it
#       changed, r_t3 the category rule's skills, r_x/r_y the incident in `to_srid`,
#       r_n1 1 when the rows that follow are everything (the board starts again), else 0
#   'w' the calling transaction has itself written what the board reads, or does not read
#       committed data: nothing else follows
#   'c' crew: r_n1/r_n2 shift start/end (seconds of the day), r_t1 name, r_t2 station code,
#       r_t3 skills, r_t4 status
#   'v' van: r_ref crew (NULL: none), r_x/r_y position in `to_srid` (NULL: none), r_z last fix
#   'o' work order: r_ref crew, r_n1 its incident's priority, r_t1 category, r_t4 status
FUNCTION = f"""
CREATE FUNCTION dispatch_board_read(
  since bigint, want_category text, lon float8, lat float8, to_srid integer
) RETURNS TABLE (
  r_kind text, r_id bigint, r_ref bigint, r_n1 integer, r_n2 integer,
  r_t1 text, r_t2 text, r_t3 text, r_t4 text, r_x float8, r_y float8, r_z float8
) LANGUAGE plpgsql STABLE AS $$
DECLARE
  me bigint := pg_current_xact_id_if_assigned()::text::bigint;
  -- A snapshot's xmin counts the caller's own transaction: what it writes later is still
  -- at or after this cursor.
  cursor_now bigint := pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
  everything boolean;
  crews_changed boolean;
  vans_changed boolean;
  orders_changed boolean;
  incidents_changed boolean;
  incident geometry := ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), to_srid);
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' OR (me IS NOT NULL AND (
    EXISTS (SELECT 1 FROM dispatch_crew c WHERE c.map_xid = me)
    OR EXISTS (SELECT 1 FROM dispatch_vehicle v WHERE v.map_xid = me)
    OR EXISTS (SELECT 1 FROM dispatch_workorder w WHERE w.map_xid = me)
    -- An incident of its own matters only through the live work orders on it.
    OR EXISTS (SELECT 1 FROM dispatch_incident i JOIN dispatch_workorder w
               ON w.incident_id = i.id WHERE i.map_xid = me AND w.status IN ({LIVE}))
    OR EXISTS (SELECT 1 FROM dispatch_crewboardstamp s WHERE s.deleted_xid = me)
  )) THEN
    RETURN QUERY SELECT 'w', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer,
      NULL, NULL, NULL, NULL, NULL::float8, NULL::float8, NULL::float8;
    RETURN;
  END IF;
  -- The head, and whether anything changed since the cursor, in one statement: one
  -- backward index step per table (max(map_xid)) when nothing did.
  SELECT 'h', cursor_now, n.revision, n.changed_at::text,
      (SELECT array_to_string(r.skills, ',') FROM dispatch_categoryrule r
       WHERE r.category = want_category),
      ST_X(incident), ST_Y(incident),
      since <= 0 OR s.deleted_xid >= since,
      coalesce((SELECT max(c.map_xid) FROM dispatch_crew c) >= since, false),
      coalesce((SELECT max(v.map_xid) FROM dispatch_vehicle v) >= since, false),
      coalesce((SELECT max(w.map_xid) FROM dispatch_workorder w) >= since, false),
      coalesce((SELECT max(i.map_xid) FROM dispatch_incident i) >= since, false)
    INTO r_kind, r_id, r_ref, r_t1, r_t3, r_x, r_y, everything,
      crews_changed, vans_changed, orders_changed, incidents_changed
    FROM dispatch_crewboardstamp s
    LEFT JOIN network_networkrevision n ON n.id = 1
    WHERE s.id = 1;
  r_n1 := CASE WHEN everything THEN 1 ELSE 0 END;
  RETURN NEXT;
  IF everything THEN
    since := 0;
  END IF;
  -- Only the tables that changed are read (a moving van is the common case).
  IF everything OR crews_changed THEN
    RETURN QUERY EXECUTE $q$
      SELECT 'c', c.id, NULL::bigint,
        extract(epoch FROM c.shift_start)::integer, extract(epoch FROM c.shift_end)::integer,
        c.name::text, o.code::text, array_to_string(c.skills, ','), c.status::text,
        NULL::float8, NULL::float8, NULL::float8
      FROM dispatch_crew c JOIN network_orgunit o ON o.id = c.station_id
      WHERE c.map_xid >= $1
    $q$ USING since;
  END IF;
  IF everything OR vans_changed THEN
    RETURN QUERY EXECUTE $q$
      SELECT 'v', v.id, v.crew_id::bigint, NULL::integer, NULL::integer,
        NULL, NULL, NULL, NULL,
        ST_X(ST_Transform(v.last_point, $2)), ST_Y(ST_Transform(v.last_point, $2)),
        extract(epoch FROM v.last_fix_at)::float8
      FROM dispatch_vehicle v
      WHERE v.map_xid >= $1
    $q$ USING since, to_srid;
  END IF;
  -- Changed work orders (a board drops those no longer live), and the live work orders of
  -- changed incidents (their priority decides who may be taken off them).
  IF everything OR orders_changed THEN
    RETURN QUERY EXECUTE $q$
      SELECT 'o', w.id, w.crew_id::bigint, i.priority::integer, NULL::integer,
        i.category::text, NULL, NULL, w.status::text,
        NULL::float8, NULL::float8, NULL::float8
      FROM dispatch_workorder w JOIN dispatch_incident i ON i.id = w.incident_id
      WHERE w.map_xid >= $1 AND ($1 > 0 OR w.status IN ({LIVE}))
    $q$ USING since;
  END IF;
  IF NOT everything AND incidents_changed THEN
    RETURN QUERY EXECUTE $q$
      SELECT 'o', w.id, w.crew_id::bigint, i.priority::integer, NULL::integer,
        i.category::text, NULL, NULL, w.status::text,
        NULL::float8, NULL::float8, NULL::float8
      FROM dispatch_incident i JOIN dispatch_workorder w ON w.incident_id = i.id
      WHERE i.map_xid >= $1 AND w.status IN ({LIVE})
    $q$ USING since;
  END IF;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0010_contact_db_defaults"),
        ("maps", "0001_change_tracking"),
    ]

    operations = [
        migrations.RunSQL(
            STAMP,
            "DROP TABLE dispatch_crewboardstamp; DROP FUNCTION dispatch_crewboard_deleted();",
        ),
        migrations.RunSQL(
            TRIGGERS,
            "\n".join(f"DROP TRIGGER {t}_crewboard_deleted ON {t};" for t in TABLES),
        ),
        migrations.RunSQL(
            FUNCTION,
            "DROP FUNCTION dispatch_board_read(bigint, text, float8, float8, integer);",
        ),
    ]
