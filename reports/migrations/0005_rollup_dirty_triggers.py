"""Triggers that mark the days of old rows that changed (reports.models.DirtyDay), so a stored
day (reports.rollup) is read from the record again until it is rebuilt. Statement-level, with
transition tables: one small insert per statement, whatever its size.

Only rows older than 20 hours are marked: a day is stored only once it ended a day ago
(reports.rollup.ROLLUP_AFTER_DAYS), so its rows are at least 24 hours old, and the intake of
the day's calls never touches the table (an ON CONFLICT on one row being inserted by another
transaction waits for it).

A row counts for its own day, and its dependants' figures read it too: an incident's priority
is its calls' and call-backs' priority; a call's case type and channel are its call-backs',
desk cases' and phone legs'; an incident's SLA clocks are its own figures."""

from django.db import migrations

AGE = "interval '20 hours'"  # reports.rollup.ROLLUP_AFTER_DAYS leaves 4 hours of margin

# table -> (its time column, [(dependant table, its time column, its key to the table)])
MARKED = {
    "dispatch_incident": (
        "first_call_at",
        [("dispatch_call", "received_at", "incident_id"), ("alerts_callback", "due_at", "incident_id")],
    ),
    "dispatch_call": (
        "received_at",
        [
            ("alerts_callback", "due_at", "call_id"),
            ("desk_case", "created_at", "call_id"),
            ("telephony_callleg", "rang_at", "call_id"),
        ],
    ),
    "desk_case": ("created_at", []),
    "alerts_callback": ("due_at", []),
    "telephony_callleg": ("rang_at", []),
}
# A clock marks its incident's day.
CLOCKS = "dispatch_incidentdeadline"


def _times(table: str, rows: str) -> str:
    """SELECT of the moments whose days the changed `rows` (a transition table) touch."""
    if table == CLOCKS:
        return (
            f"SELECT i.first_call_at AS t FROM dispatch_incident i JOIN {rows} r "
            "ON i.id = r.incident_id"
        )
    time, dependants = MARKED[table]
    parts = [f"SELECT r.{time} AS t FROM {rows} r"]
    for other, other_time, key in dependants:
        parts.append(
            f"SELECT o.{other_time} FROM {other} o JOIN {rows} r ON o.{key} = r.id "
            f"WHERE r.{time} < now() - {AGE}"
        )
    return " UNION ALL ".join(parts)


def _function(table: str) -> str:
    def mark(rows: str) -> str:
        return (
            "INSERT INTO reports_dirtyday (day) SELECT DISTINCT (s.t AT TIME ZONE 'UTC')::date "
            f"FROM ({_times(table, rows)}) s WHERE s.t < now() - {AGE} ON CONFLICT DO NOTHING;"
        )

    return f"""
CREATE OR REPLACE FUNCTION reports_dirty_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {mark("new_rows")}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {mark("old_rows")}
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(table: str) -> str:
    # One trigger per event: a trigger with transition tables has only one.
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
    tables["UPDATE"] = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    return "\n".join(
        f"CREATE TRIGGER reports_dirty_{event.lower()} AFTER {event} ON {table} "
        f"REFERENCING {referencing} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION reports_dirty_{table}();"
        for event, referencing in tables.items()
    )


def _forward() -> str:
    return "\n".join(_function(t) + _triggers(t) for t in [*MARKED, CLOCKS])


def _backward() -> str:
    return "\n".join(
        "\n".join(
            f"DROP TRIGGER IF EXISTS reports_dirty_{event} ON {t};"
            for event in ("insert", "update", "delete")
        )
        + f"\nDROP FUNCTION IF EXISTS reports_dirty_{t}();"
        for t in [*MARKED, CLOCKS]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_rollup"),
        ("dispatch", "0030_incident_done_index"),
        ("desk", "0003_case_done_index"),
        ("alerts", "0010_status_push"),
        ("telephony", "0007_recordings_help"),
    ]

    operations = [migrations.RunSQL(_forward(), _backward())]
