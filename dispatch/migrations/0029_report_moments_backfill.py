"""The report moments of what happened before this release, from the record. A migration of its
own: its UPDATEs leave the new foreign key's checks pending, and PostgreSQL refuses the
index Django creates at the end of the migration that adds it while they are."""

from django.db import migrations

# The moments of what happened before this release, from the record: the calls and work
# orders for the first call, the first work order and the first arrival; the timeline for the
# rest (a late report of a step counts at its own time, as the services count it now).
BACKFILL = """
UPDATE dispatch_call c SET closed_at = e.at FROM (
    SELECT call_id, MIN(at) AS at FROM dispatch_incidentevent
    WHERE kind IN ('incident.opened', 'call.joined', 'call.answered', 'case.opened')
      AND call_id IS NOT NULL
    GROUP BY call_id
) e WHERE e.call_id = c.id AND c.outcome <> 'open';

UPDATE dispatch_call c SET unit_id = COALESCE(
    (SELECT station_id FROM dispatch_incident i WHERE i.id = c.incident_id),
    (SELECT unit_id FROM desk_case k WHERE k.call_id = c.id ORDER BY k.id LIMIT 1),
    (SELECT org_unit_id FROM dispatch_user u WHERE u.id = c.taker_id)
);

UPDATE dispatch_call c SET premise_previous_at = p.previous FROM (
    SELECT id, LAG(received_at) OVER (PARTITION BY premise_id ORDER BY received_at, id)
        AS previous
    FROM dispatch_call WHERE premise_id IS NOT NULL
) p WHERE p.id = c.id AND p.previous IS NOT NULL;

UPDATE dispatch_incident i SET first_call_at = f.received_at, channel = f.channel FROM (
    SELECT DISTINCT ON (incident_id) incident_id, received_at, channel FROM dispatch_call
    WHERE incident_id IS NOT NULL ORDER BY incident_id, received_at, id
) f WHERE f.incident_id = i.id;

UPDATE dispatch_incident SET first_call_at = created_at WHERE first_call_at IS NULL;

UPDATE dispatch_incident i SET work_order_at = w.at FROM (
    SELECT incident_id, MIN(created_at) AS at FROM dispatch_workorder GROUP BY incident_id
) w WHERE w.incident_id = i.id;

UPDATE dispatch_incident i SET on_site_at = w.arrived_at, on_site_verified = w.arrival_verified
FROM (
    SELECT DISTINCT ON (incident_id) incident_id, arrived_at, arrival_verified
    FROM dispatch_workorder WHERE arrived_at IS NOT NULL
    ORDER BY incident_id, arrived_at, id
) w WHERE w.incident_id = i.id;

UPDATE dispatch_incident i SET accepted_at = e.at FROM (
    SELECT incident_id, MIN(at) AS at FROM dispatch_incidentevent
    WHERE kind = 'work_order.accepted' GROUP BY incident_id
) e WHERE e.incident_id = i.id;

UPDATE dispatch_incident i SET made_safe_at = e.at FROM (
    SELECT incident_id, MIN(COALESCE(device_time, at)) AS at FROM dispatch_incidentevent
    WHERE kind = 'work_order.made_safe'
       OR (kind = 'work_order.stale_update' AND data->>'reported' = 'made_safe')
    GROUP BY incident_id
) e WHERE e.incident_id = i.id;

UPDATE dispatch_incident i SET completed_at = e.at FROM (
    SELECT incident_id, MIN(COALESCE(device_time, at)) AS at FROM dispatch_incidentevent
    WHERE kind = 'work_order.completed'
       OR (kind = 'work_order.stale_update' AND data->>'reported' = 'completed')
    GROUP BY incident_id
) e WHERE e.incident_id = i.id;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0028_report_moments"),
        ("desk", "0001_initial"),  # the backfill reads the desk cases
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
