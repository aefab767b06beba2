"""What the map wall's delta feed reads: the transaction that last changed each live row.

A trigger stamps `map_xid` (the writing transaction's id) on every insert and update of the
rows a wall shows. A wall asks for rows stamped at or after its cursor; the cursor it gets
back is the oldest transaction still running when the feed read (pg_snapshot_xmin): every
transaction before it has finished, so nothing committed later can carry an older stamp.
Rows of transactions that finished after the cursor are sent again next time, which a map
that replaces features by id does not mind. The models do not declare the column: only the
feed's SQL reads it, and the trigger sets it whatever the writer sends.
"""

from django.db import migrations

TABLES = [
    "dispatch_incident",
    "dispatch_incidentdeadline",
    "dispatch_workorder",
    "dispatch_crew",
    "dispatch_vehicle",
    "dispatch_incidentisolation",
]

FUNCTION = """
CREATE FUNCTION maps_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.map_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END $$;
"""


def _forward(table: str) -> str:
    return f"""
ALTER TABLE {table} ADD COLUMN map_xid bigint NOT NULL DEFAULT 0;
CREATE INDEX {table}_map_xid ON {table} (map_xid);
CREATE TRIGGER {table}_map_stamp BEFORE INSERT OR UPDATE ON {table}
  FOR EACH ROW EXECUTE FUNCTION maps_stamp();
"""


def _backward(table: str) -> str:
    return f"""
DROP TRIGGER {table}_map_stamp ON {table};
ALTER TABLE {table} DROP COLUMN map_xid;
"""


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0008_incident_isolation")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION maps_stamp();"),
        *(migrations.RunSQL(_forward(t), _backward(t)) for t in TABLES),
    ]
