"""Fixes in: parse what trackers send, then store a batch with COPY in one transaction.

Every message is checked here and turned into a `Fix` or refused with a reason (counted per
reason by the caller). `positions_store` then writes a batch: COPY into temporary tables (the
fixes, and each van's newest), one INSERT into the partitioned history that drops duplicates
(same van, same fix time), and one UPDATE that moves each van to its newest fix, unless it
already has a newer one (a late fix from a tablet's offline queue is history, not where the
van is now).
"""

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

MAX_FUTURE_S = 10 * 60  # a device clock this far ahead is wrong, not early
OLDEST_FIX = datetime(2000, 1, 1, tzinfo=UTC).timestamp()  # older: a tracker with no time set


class FixRefusedError(ValueError):
    """A message that is not a usable fix; `reason` is the counter's name, `field` the part of
    the message at fault when one is."""

    def __init__(self, reason: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class Fix:
    device_id: str
    fix_at: float  # epoch seconds, device time
    lon: float
    lat: float
    accuracy_m: float | None = None
    altitude_m: float | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    battery: int | None = None
    source: str = "mqtt"


def number_or_none(
    body: Mapping[str, Any],
    key: str,
    *,
    required: bool = False,
    unknown_below: float | None = None,
) -> float | None:
    """`body[key]` as a finite number; None when absent, or below `unknown_below` (trackers
    send -1 for a speed, course or battery level they do not know)."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise FixRefusedError(
                "missing_field", _("'%(key)s' is required") % {"key": key}, field=key
            )
        return None
    if isinstance(value, bool):
        raise _not_a_number(key, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _not_a_number(key, value) from None
    if not math.isfinite(number):
        raise FixRefusedError(
            "bad_field",
            _("'%(key)s' must be finite, got %(value)r") % {"key": key, "value": value},
            field=key,
        )
    if unknown_below is not None and number < unknown_below:
        return None
    return number


def _not_a_number(key: str, value: object) -> "FixRefusedError":
    return FixRefusedError(
        "bad_field",
        _("'%(key)s' must be a number, got %(value)r") % {"key": key, "value": value},
        field=key,
    )


def accuracy_or_none(body: Mapping[str, Any], key: str) -> float | None:
    """An accuracy radius in metres; None when absent or not above zero. Trackers send -1 (or
    0) when they do not know it, and an accuracy of 0 m or less would pass any arrival's
    accuracy test as a perfect fix."""
    accuracy = number_or_none(body, key, unknown_below=0)
    return accuracy if accuracy else None


def fix_time_parsed(raw: object, *, field: str = "timestamp") -> float:
    """A fix time as trackers send it, in epoch seconds: epoch seconds or milliseconds (a
    number, or a string of one), or ISO 8601 with its zone (`Z` or an offset). An ISO time
    without a zone is refused, not guessed: a tablet's local time taken as UTC would put its
    fixes hours away from when they were taken (China is UTC+8), so it says what to fix."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _time_unreadable(raw, field)
    if isinstance(raw, str):
        try:
            number = float(raw)
        except ValueError:
            return _iso_time_parsed(raw, field)
    else:
        number = float(raw)
    # Milliseconds, as many trackers send: 1e11 s is the year 5138, 1e11 ms 1973.
    return number / 1000 if number > 1e11 else number


def _iso_time_parsed(raw: str, field: str) -> float:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _time_unreadable(raw, field) from None
    if moment.tzinfo is None:
        raise FixRefusedError(
            "bad_time",
            _("%(field)s %(raw)r has no time zone: send UTC (a 'Z' at the end) or an offset")
            % {"field": field, "raw": raw},
            field=field,
        )
    return moment.timestamp()


def _time_unreadable(raw: object, field: str) -> FixRefusedError:
    return FixRefusedError(
        "bad_time",
        _("%(field)s %(raw)r is neither epoch seconds nor ISO 8601") % {"field": field, "raw": raw},
        field=field,
    )


def fix_checked(
    *,
    device_id: str,
    lat: float,
    lon: float,
    fix_at: float,
    now: float,
    source: str,
    accuracy_m: float | None = None,
    altitude_m: float | None = None,
    speed_kmh: float | None = None,
    course_deg: float | None = None,
    battery: float | None = None,
) -> Fix:
    """A fix whose coordinates and time are possible, or FixRefusedError saying why not."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise FixRefusedError(
            "bad_coordinates",
            _("lat %(lat)s, lon %(lon)s is not on Earth") % {"lat": lat, "lon": lon},
        )
    if lat == 0 and lon == 0:
        raise FixRefusedError("bad_coordinates", _("lat 0, lon 0: the device had no fix"))
    if not math.isfinite(fix_at):  # PostgreSQL refuses a NaN timestamp with an error
        raise FixRefusedError(
            "bad_time", _("fix time %(at)s is not a time") % {"at": fix_at}, field="timestamp"
        )
    if fix_at < OLDEST_FIX:
        raise FixRefusedError(
            "bad_time",
            _("fix time %(at).0f is before 2000: the device's clock is not set") % {"at": fix_at},
        )
    if fix_at > now + MAX_FUTURE_S:
        raise FixRefusedError(
            "future_time",
            _("fix time %(at).0f is over 10 min ahead of ours") % {"at": fix_at},
        )
    return Fix(
        device_id=device_id,
        fix_at=fix_at,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy_m,
        altitude_m=altitude_m,
        speed_kmh=speed_kmh,
        course_deg=None if course_deg is None else course_deg % 360,
        battery=None if battery is None else max(0, min(100, round(battery))),
        source=source,
    )


def owntracks_fix(device_id: str, body: Mapping[str, Any], *, now: float | None = None) -> Fix:
    """An OwnTracks `location` (or `transition`, which carries one) as a fix.

    lat, lon and tst are required; acc, alt, vel (km/h), cog and batt are kept when present
    (an acc of 0 or less is none: fleet.positions.accuracy_or_none).
    The iOS app sends vel and cog -1 when Core Location has no speed or course, and a negative
    batt with no battery reading: not known, stored as NULL (not -1 km/h and 359 degrees).
    """
    lat = number_or_none(body, "lat", required=True)
    lon = number_or_none(body, "lon", required=True)
    tst = number_or_none(body, "tst", required=True)
    assert lat is not None
    assert lon is not None
    assert tst is not None
    return fix_checked(
        device_id=device_id,
        lat=lat,
        lon=lon,
        fix_at=tst,
        now=time.time() if now is None else now,
        source="mqtt",
        accuracy_m=accuracy_or_none(body, "acc"),
        altitude_m=number_or_none(body, "alt"),
        speed_kmh=number_or_none(body, "vel", unknown_below=0),
        course_deg=number_or_none(body, "cog", unknown_below=0),
        battery=number_or_none(body, "batt", unknown_below=0),
    )


@dataclass(frozen=True)
class Moved:
    """A van whose last position a batch changed."""

    vehicle_id: int
    crew_id: int | None
    lon: float
    lat: float
    fix_at: datetime
    accuracy_m: float | None


@dataclass(frozen=True)
class Stored:
    inserted: int
    duplicates: int
    moved: list[Moved]


# Two staging tables, emptied at each commit: the batch's fixes, and one row per van (its
# newest fix of the batch, and when we last heard from it), which the tracker works out while
# it copies: PostgreSQL then moves the vans without sorting the batch for them.
_STAGE = """CREATE TEMP TABLE IF NOT EXISTS position_in (
    vehicle_id bigint, fix_at double precision, received_at double precision,
    lon double precision, lat double precision, accuracy_m double precision,
    altitude_m double precision, speed_kmh double precision, course_deg double precision,
    battery smallint, source varchar(8)
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS van_in (
    vehicle_id bigint, fix_at double precision, seen double precision,
    lon double precision, lat double precision, accuracy_m double precision,
    speed_kmh double precision, course_deg double precision, battery smallint
) ON COMMIT DELETE ROWS"""
_COLUMNS = (
    "vehicle_id, fix_at, received_at, lon, lat, accuracy_m, altitude_m, speed_kmh, "
    "course_deg, battery, source"
)
_VAN_COLUMNS = "vehicle_id, fix_at, seen, lon, lat, accuracy_m, speed_kmh, course_deg, battery"
_INSERT = """INSERT INTO fleet_vehicleposition
    (vehicle_id, fix_at, received_at, point, accuracy_m, altitude_m, speed_kmh, course_deg,
     battery, source)
SELECT vehicle_id, to_timestamp(fix_at), to_timestamp(received_at),
       ST_SetSRID(ST_MakePoint(lon, lat), 4326), accuracy_m, altitude_m, speed_kmh,
       course_deg, battery, source
FROM position_in
ON CONFLICT DO NOTHING"""
# Each van to its newest fix of the batch, only if that is newer than the one it has (the
# test is on the row as it is when locked: another tracker of a shared subscription may have
# moved it since our snapshot). A fix also says the device is back online. last_seen_at is
# set here too, so that _SEEN rewrites only the vans that did not move: one new row version
# per van and batch, not two (the second rewrite took as long as the INSERT).
_MOVE = """UPDATE fleet_vehicle v
SET last_point = ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), last_fix_at = to_timestamp(p.fix_at),
    speed_kmh = p.speed_kmh, heading = p.course_deg, battery = coalesce(p.battery, v.battery),
    offline_at = NULL, last_seen_at = greatest(v.last_seen_at, to_timestamp(p.seen))
FROM van_in p
WHERE v.id = p.vehicle_id
  AND (v.last_fix_at IS NULL OR v.last_fix_at < to_timestamp(p.fix_at))
RETURNING v.id, v.crew_id, p.lon, p.lat, v.last_fix_at, p.accuracy_m"""
# Any fix says the device is there, a late one (history, no move) too.
_SEEN = """UPDATE fleet_vehicle v SET last_seen_at = to_timestamp(p.seen)
FROM van_in p
WHERE v.id = p.vehicle_id
  AND (v.last_seen_at IS NULL OR v.last_seen_at < to_timestamp(p.seen))"""


def positions_store(rows: Iterable[tuple[int, Fix, float]]) -> Stored:
    """Store (vehicle id, fix, received at) rows in one transaction."""
    newest: dict[int, tuple[Fix, float]] = {}  # by van: its newest fix, when last heard of
    with transaction.atomic():
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute(_STAGE)
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            count = 0
            with raw.copy(f"COPY position_in ({_COLUMNS}) FROM STDIN") as copy:
                for vehicle_id, fix, received_at in rows:
                    copy.write_row(
                        (
                            vehicle_id,
                            fix.fix_at,
                            received_at,
                            fix.lon,
                            fix.lat,
                            fix.accuracy_m,
                            fix.altitude_m,
                            fix.speed_kmh,
                            fix.course_deg,
                            fix.battery,
                            fix.source,
                        )
                    )
                    count += 1
                    if (known := newest.get(vehicle_id)) is None:
                        newest[vehicle_id] = (fix, received_at)
                    elif fix.fix_at > known[0].fix_at or received_at > known[1]:
                        newest[vehicle_id] = (
                            fix if fix.fix_at > known[0].fix_at else known[0],
                            max(received_at, known[1]),
                        )
            with raw.copy(f"COPY van_in ({_VAN_COLUMNS}) FROM STDIN") as copy:
                for vehicle_id, (fix, seen) in newest.items():
                    copy.write_row(
                        (
                            vehicle_id,
                            fix.fix_at,
                            seen,
                            fix.lon,
                            fix.lat,
                            fix.accuracy_m,
                            fix.speed_kmh,
                            fix.course_deg,
                            fix.battery,
                        )
                    )
            cursor.execute(_INSERT)
            inserted = cursor.rowcount
            cursor.execute(_MOVE)
            moved = [Moved(*row) for row in cursor.fetchall()]
            if len(moved) < len(newest):  # the vans that moved were seen by _MOVE
                cursor.execute(_SEEN)
    return Stored(inserted=inserted, duplicates=count - inserted, moved=moved)


def vehicle_ids_by_device(device_ids: Iterable[str]) -> dict[str, int]:
    """Vehicle ids of the devices we know, by device id."""
    from fleet.models import Vehicle

    wanted = set(device_ids)
    if not wanted:
        return {}
    return dict(Vehicle.objects.filter(device_id__in=wanted).values_list("device_id", "id"))
