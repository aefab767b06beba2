"""Splitting mains where valves, stations and other mains' ends sit on them.

Utility GIS (Esri's utility models among them) draws most valves as points on an unsplit main,
and lets a branch end in the middle of another main ("midspan connectivity"). The trace works
on a graph whose nodes are the ends of mains, so each main is cut where something sits on it:

- a valve within VALVE_TOLERANCE_M of its nearest main;
- a station within SOURCE_TOLERANCE_M of its nearest main;
- the end of another main lying on it (within END_ON_MAIN_M: drawn touching, not merely near;
  a wider reach would join parallel mains that only run close).

Only the nearest main is cut for a valve or a station, so a valve on one of two parallel mains
does not also cut the other. Each network is cut by its own: a valve cuts only a pipe of its
utility and circuit, a main's end only mains of its utility and circuit, a station the nearest
main of its utility (a heat station: of each circuit). A gas valve drawn over a heat pipe, or
the supply's valve beside the return pipe, cuts nothing of the other network. A cut closer
than SNAP_TOLERANCE_M to an end of the main, or to another cut, is no cut: the graph joins
such points already.

The first part keeps the main's row and asset id (whatever refers to it keeps pointing at a
main at the same place), the others are "<asset id>#2", "#3"... in drawing order, and every
part records the main it came from in `split_from`. Importing the main again re-cuts it: parts
it no longer needs are marked abandoned, never deleted (an incident's isolation may name them).
"""

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db import connection

from gis.models import PipeSegment
from gis.topology import SNAP_TOLERANCE_M, SOURCE_TOLERANCE_M, VALVE_TOLERANCE_M

END_ON_MAIN_M = 0.01
PART_MARK = "#"
# Degrees that surely cover `metres` before the exact test on the geography (up to ~70° of
# latitude), so the GiST index on the geometry does the searching.
_DEGREES_PER_METRE = 3 / 111_320
# The columns a part copies from the main it was cut from.
_COPIED = [
    str(f.column)
    for f in PipeSegment._meta.concrete_fields
    if f.name not in {"id", "asset_id", "geom", "split_from", "updated_at"}
]


@dataclass
class SplitResult:
    mains_split: int = 0  # mains cut into parts in this run
    parts_made: int = 0  # parts beyond the first, as cut now
    parts_retired: int = 0  # parts of a re-imported main that it no longer needs
    too_long: list[str] = field(default_factory=list)  # asset ids too long to number parts
    name_taken: list[str] = field(default_factory=list)  # a part's name is another main's


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def mains_split_at_points(*, imported: set[str] | frozenset[str] = frozenset()) -> SplitResult:
    """Cut every in-service main where a valve, a station or another main's end sits on it.

    `imported`: asset ids of the mains this import has just written as drawn. Their old parts
    are set aside while the cuts are found, so the main is cut afresh; parts made again the
    same are left as they are (no row written), and those it no longer needs are retired.
    Premises are moved only off parts that changed. Runs inside the import's transaction."""
    result = SplitResult()
    _set_aside_old_parts(imported)
    cuts = _cuts()
    limit = PipeSegment._meta.get_field("asset_id").max_length or 64
    too_long = [asset for _pk, asset, _f in cuts if len(asset) + 4 > limit]
    if too_long:
        result.too_long = sorted(too_long)
        cuts = [c for c in cuts if len(c[1]) + 4 <= limit]
    taken = _names_taken(cuts)
    if taken:
        result.name_taken = sorted(taken)
        cuts = [c for c in cuts if c[1] not in taken]
    pipe_ids: list[int] = []
    numbers: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    made: list[str] = []
    for pk, asset, fractions in cuts:
        bounds = [0.0, *fractions, 1.0]
        for number, (start, end) in enumerate(pairwise(bounds), start=1):
            pipe_ids.append(pk)
            numbers.append(number)
            starts.append(start)
            ends.append(end)
            if number > 1:
                made.append(f"{asset}{PART_MARK}{number}")
    params = {"pipe": pipe_ids, "n": numbers, "f0": starts, "f1": ends, "mark": PART_MARK}
    changed = _write_parts(params) if cuts else set()
    result.mains_split = len(cuts)
    result.parts_made = len(made)
    retired = _retire_unneeded(made)
    result.parts_retired = len(retired)
    _reconnect_premises(sorted(changed | set(retired)))
    return result


def _names_taken(cuts: list[tuple[int, str, list[float]]]) -> set[str]:
    """The mains a part name of which ("M1#2") is already another main's asset id: cutting
    them would overwrite that main, so they are left whole and named in the report."""
    root_of = dict(
        _fetch(
            "SELECT id, COALESCE(NULLIF(split_from, ''), asset_id) FROM network_pipesegment "
            "WHERE id = ANY(%(ids)s)",
            {"ids": [pk for pk, _a, _f in cuts]},
        )
    )
    names = {
        f"{asset}{PART_MARK}{n}": (asset, root_of[pk])
        for pk, asset, fractions in cuts
        for n in range(2, len(fractions) + 2)
    }
    if not names:
        return set()
    rows = _fetch(
        "SELECT asset_id, split_from FROM network_pipesegment WHERE asset_id = ANY(%(names)s)",
        {"names": list(names)},
    )
    return {names[name][0] for name, split_from in rows if split_from != names[name][1]}


def _set_aside_old_parts(imported: set[str] | frozenset[str]) -> None:
    """Note the parts of the mains just imported as drawn (not themselves in the file), in
    a temporary table that the cut search and the retiring read."""
    _execute(
        """DROP TABLE IF EXISTS pg_temp.network_split_set_aside;
            CREATE TEMP TABLE network_split_set_aside ON COMMIT DROP AS
            SELECT id FROM network_pipesegment
            WHERE split_from = ANY(%(imported)s) AND asset_id <> split_from
              AND NOT (asset_id = ANY(%(imported)s)) AND status = 'in_service'""",
        {"imported": sorted(imported)},
    )


def _retire_unneeded(made: list[str]) -> list[str]:
    """Retire the set-aside parts not made again; the main each came from."""
    rows = _fetch(
        """UPDATE network_pipesegment SET status = 'abandoned', updated_at = now()
            WHERE id IN (SELECT id FROM network_split_set_aside) AND NOT (asset_id = ANY(%(made)s))
            RETURNING split_from""",
        {"made": made},
    )
    return [r[0] for r in rows]


def _cuts() -> list[tuple[int, str, list[float]]]:
    """(main id, asset id, fractions along it to cut at, in order), for mains needing a cut."""
    rows = _fetch(
        """
        WITH points AS (
            SELECT row_number() OVER () AS point, geom, reach, nearest_only, utility, circuit
            FROM (
                SELECT geom, %(valve_m)s::float8 AS reach, true AS nearest_only,
                       utility, circuit
                FROM network_valve
                UNION ALL  -- a heat station sits on both circuits: the nearest of each is cut
                SELECT geom, %(source_m)s, true, utility, c.circuit FROM network_source
                CROSS JOIN LATERAL unnest(CASE WHEN utility = 'heat'
                    THEN ARRAY['supply', 'return'] ELSE ARRAY[''] END) AS c(circuit)
                UNION ALL
                SELECT ST_StartPoint(geom), %(end_m)s, false, utility, circuit
                 FROM network_pipesegment
                 WHERE status = 'in_service' AND id NOT IN (SELECT id FROM network_split_set_aside)
                UNION ALL
                SELECT ST_EndPoint(geom), %(end_m)s, false, utility, circuit
                 FROM network_pipesegment
                 WHERE status = 'in_service' AND id NOT IN (SELECT id FROM network_split_set_aside)
            ) drawn
        ),
        hits AS (
            SELECT m.id, m.asset_id, m.geom, ST_LineLocatePoint(m.geom, pt.geom) AS fraction,
                   pt.nearest_only,
                   rank() OVER (PARTITION BY pt.point ORDER BY m.distance, m.id) AS nth
            FROM points pt
            CROSS JOIN LATERAL (
                SELECT s.id, s.asset_id, s.geom,
                       ST_Distance(s.geom::geography, pt.geom::geography) AS distance
                FROM network_pipesegment s
                WHERE s.status = 'in_service'
                  AND s.id NOT IN (SELECT id FROM network_split_set_aside)
                  AND s.utility = pt.utility AND s.circuit = pt.circuit
                  AND ST_DWithin(s.geom, pt.geom, pt.reach * %(degrees)s)
            ) m
            WHERE m.distance <= pt.reach
        ),
        kept AS (
            SELECT id, asset_id, fraction, ST_Length(geom::geography) AS metres
            FROM hits WHERE nth = 1 OR NOT nearest_only
        )
        SELECT id, asset_id, metres, array_agg(fraction ORDER BY fraction)
        FROM kept
        WHERE fraction * metres > %(snap)s AND (1 - fraction) * metres > %(snap)s
        GROUP BY id, asset_id, metres
        ORDER BY id
        """,
        {
            "valve_m": VALVE_TOLERANCE_M,
            "source_m": SOURCE_TOLERANCE_M,
            "end_m": END_ON_MAIN_M,
            "degrees": _DEGREES_PER_METRE,
            "snap": SNAP_TOLERANCE_M,
        },
    )
    cuts = []
    for pk, asset, metres, fractions in rows:
        kept: list[float] = []
        for fraction in fractions:
            if not kept or (fraction - kept[-1]) * metres > SNAP_TOLERANCE_M:
                kept.append(fraction)
        cuts.append((pk, asset, kept))
    return cuts


def _write_parts(params: dict[str, Any]) -> set[str]:
    """Write the parts; the mains whose parts 2..n were new or different."""
    copied = ", ".join(_COPIED)
    # A heat pipe's later parts name no twin: its twin was cut elsewhere, if at all, and the
    # pipe of the other circuit alongside each part is found by gis.heat when it is traced.
    from_main = ", ".join("''" if c == "twin" else f"m.{c}" for c in _COPIED)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COPIED)
    current = ", ".join(f"t.{c}" for c in ["geom", "split_from", *_COPIED])
    incoming = ", ".join(f"EXCLUDED.{c}" for c in ["geom", "split_from", *_COPIED])
    # Parts 2..n first, while the main's row still holds the whole line; then part 1 in place.
    # A part made again the same is not written: no new row version, its updated_at kept.
    changed = _fetch(
        f"""
        INSERT INTO network_pipesegment AS t (asset_id, geom, split_from, updated_at, {copied})
        SELECT m.asset_id || %(mark)s || c.n, ST_LineSubstring(m.geom, c.f0, c.f1),
               COALESCE(NULLIF(m.split_from, ''), m.asset_id), now(), {from_main}
        FROM unnest(%(pipe)s::int[], %(n)s::int[], %(f0)s::float8[], %(f1)s::float8[])
             AS c(pipe, n, f0, f1)
        JOIN network_pipesegment m ON m.id = c.pipe
        WHERE c.n > 1
        ORDER BY c.pipe, c.n
        ON CONFLICT (asset_id) DO UPDATE SET geom = EXCLUDED.geom,
            split_from = EXCLUDED.split_from, updated_at = now(), {updates}
        WHERE ({current}) IS DISTINCT FROM ({incoming})
        RETURNING t.split_from
        """,  # noqa: S608 - column names come from the model, values are parameters
        params,
    )
    _execute(
        """
        UPDATE network_pipesegment m
        SET geom = ST_LineSubstring(m.geom, 0, c.f1),
            split_from = COALESCE(NULLIF(m.split_from, ''), m.asset_id), updated_at = now()
        FROM unnest(%(pipe)s::int[], %(n)s::int[], %(f1)s::float8[]) AS c(pipe, n, f1)
        WHERE m.id = c.pipe AND c.n = 1
        """,
        params,
    )
    return {r[0] for r in changed}


def _reconnect_premises(roots: list[str]) -> None:
    """Premises served by a part of these mains take its part nearest them, in service;
    only those whose part changes are written."""
    if not roots:
        return
    _execute(
        """
        UPDATE network_premise p SET service_segment_id = w.best
        FROM (
            SELECT q.id, (
                SELECT part.id FROM network_pipesegment part
                WHERE part.split_from = served.split_from AND part.status = 'in_service'
                ORDER BY ST_Distance(part.geom::geography, q.geom::geography, false), part.id
                LIMIT 1
            ) AS best
            FROM network_premise q
            JOIN network_pipesegment served ON served.id = q.service_segment_id
            WHERE served.split_from = ANY(%(roots)s)
        ) w
        WHERE p.id = w.id AND p.service_segment_id IS DISTINCT FROM w.best
        """,
        {"roots": roots},
    )
