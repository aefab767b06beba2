"""The crew board is retired (issue 18): a recommendation reads the crews by SQL each time
(dispatch.recommend), so what 0011 made for the board alone goes: `dispatch_board_read`, and the
delete stamp (its table, the function that sets it, the triggers that call that function).

The `map_xid` columns and their `maps_stamp` triggers (0008) stay: the map wall's delta feed
(maps.feed) reads them.

The vans' table was renamed after 0011 (fleet 0002, which may run before or after this), and a
trigger keeps its name and goes with its table: the board's triggers are found by name.
"""

import importlib

from django.db import migrations

board = importlib.import_module("dispatch.migrations.0011_crew_board")

TRIGGERS = [f"{t}_crewboard_deleted" for t in board.TABLES]

DROP = """
DROP FUNCTION IF EXISTS dispatch_board_read(bigint, text, float8, float8, integer);
DO $$
DECLARE found record;
BEGIN
  FOR found IN
    SELECT tgname, tgrelid::regclass AS on_table FROM pg_trigger
    WHERE NOT tgisinternal AND tgname IN (
      'dispatch_crew_crewboard_deleted', 'dispatch_vehicle_crewboard_deleted',
      'dispatch_workorder_crewboard_deleted', 'dispatch_incident_crewboard_deleted')
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', found.tgname, found.on_table);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS dispatch_crewboard_deleted();
DROP TABLE IF EXISTS dispatch_crewboardstamp;
"""


def board_drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(DROP, params=None)


def board_restore(apps, schema_editor):  # type: ignore[no-untyped-def]
    """0011's board, on the vans' table by whichever name it has now."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(to_regclass('fleet_vehicle'), to_regclass('dispatch_vehicle'))::text"
        )
        vans = cursor.fetchone()[0]
    schema_editor.execute(board.STAMP, params=None)
    for table, trigger in zip(board.TABLES, TRIGGERS, strict=True):
        on = vans if table == "dispatch_vehicle" else table
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} AFTER DELETE OR TRUNCATE ON {on}"
            " FOR EACH STATEMENT EXECUTE FUNCTION dispatch_crewboard_deleted();",
            params=None,
        )
    schema_editor.execute(board.FUNCTION.replace("dispatch_vehicle", vans), params=None)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0020_vehicle_to_fleet")]

    operations = [migrations.RunPython(board_drop, board_restore)]
