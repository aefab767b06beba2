"""What a whole export no longer holds, retired (`import_network --retire-missing`).

An import adds and updates by asset id and never deletes on its own: a file may hold one
district, or only the valves. A utility that loads its whole GIS export each week says so, and
then what the export dropped (or its mapping's filter now leaves out) leaves the trace: mains
are marked abandoned (kept, as incidents may name them), valves and stations are deleted.
Power alike: lines are marked abandoned, devices and substations deleted (a premise whose
transformer is deleted is left without one). Premises, roads and landmarks are left:
customers and calls point at premises.
"""

from django.db import connection

RETIRABLE = ("pipes", "valves", "sources", "power_lines", "power_devices", "power_substations")


def assets_retire_missing(*, kept: dict[str, set[str]]) -> dict[str, int]:
    """For each target in `kept` (the asset ids the file holds for it, rejected rows included),
    retire the rows not among them; how many, by target."""
    retired = {}
    with connection.cursor() as cursor:
        if "pipes" in kept:
            # A part the import cut from a main the file holds is the file's too.
            cursor.execute(
                """UPDATE network_pipesegment SET status = 'abandoned', updated_at = now()
                   WHERE status <> 'abandoned' AND NOT (asset_id = ANY(%(kept)s))
                     AND NOT (split_from <> '' AND split_from = ANY(%(kept)s))""",
                {"kept": sorted(kept["pipes"])},
            )
            retired["pipes"] = cursor.rowcount
        if "power_lines" in kept:
            cursor.execute(
                """UPDATE network_powerline SET status = 'abandoned', updated_at = now()
                   WHERE status <> 'abandoned' AND NOT (asset_id = ANY(%(kept)s))""",
                {"kept": sorted(kept["power_lines"])},
            )
            retired["power_lines"] = cursor.rowcount
        for target, table in (
            ("valves", "network_valve"),
            ("sources", "network_source"),
            ("power_devices", "network_powerdevice"),
            ("power_substations", "network_powersubstation"),
        ):
            if target in kept:
                cursor.execute(
                    f"DELETE FROM {table} WHERE NOT (asset_id = ANY(%(kept)s))",  # noqa: S608 - one of four constants
                    {"kept": sorted(kept[target])},
                )
                retired[target] = cursor.rowcount
    return retired
