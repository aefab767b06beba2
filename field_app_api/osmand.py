"""The OsmAnd protocol over HTTP, for trackers without MQTT (as Traccar's port 5055 takes it).

`GET` or `POST /api/field/osmand/?id=VAN-01&lat=39.1&lon=117.2&timestamp=1795000000&speed=12`
with speed in knots, bearing, altitude, accuracy and batt optional; the timestamp may be epoch
seconds, epoch milliseconds or ISO 8601. The device id is the vehicle's; no session or token,
as such trackers cannot hold one, so an unknown id is refused.
"""

import logging
import math
import time
from datetime import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from config.counters import counter_increment
from dispatch.errors import DispatchError, NotFoundError
from field_app_api.arrival import moves_apply
from field_app_api.positions import (
    FixRefusedError,
    fix_checked,
    positions_store,
    vehicle_ids_by_device,
)

log = logging.getLogger(__name__)
KNOTS_TO_KMH = 1.852


DEVICE_ID_MAX = 64  # dispatch.Vehicle.device_id


def _number(params: dict[str, str], key: str, *, required: bool = False) -> float | None:
    raw = params.get(key, "")
    if raw == "":
        if required:
            raise DispatchError(f"'{key}' is required", field=key)
        return None
    try:
        number = float(raw)
    except ValueError:
        raise DispatchError(f"'{key}' must be a number, got {raw!r}", field=key) from None
    if not math.isfinite(number):
        raise DispatchError(f"'{key}' must be a finite number, got {raw!r}", field=key)
    return number


def _timestamp(raw: str) -> float:
    if raw == "":
        return time.time()  # OsmAnd may leave it out: the fix is now
    try:
        number = float(raw)
    except ValueError:
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise DispatchError(
                f"timestamp {raw!r} is neither epoch seconds nor ISO 8601", field="timestamp"
            ) from None
    return number / 1000 if number > 1e11 else number  # milliseconds, as some trackers send


@extend_schema(
    summary="A position from a tracker speaking the OsmAnd protocol",
    parameters=[
        OpenApiParameter("id", str, required=True, description="the vehicle's device id"),
        OpenApiParameter("lat", float, required=True),
        OpenApiParameter("lon", float, required=True),
        OpenApiParameter("timestamp", str, description="epoch s or ms, or ISO 8601"),
        OpenApiParameter("speed", float, description="knots"),
        OpenApiParameter("bearing", float),
        OpenApiParameter("altitude", float),
        OpenApiParameter("accuracy", float),
        OpenApiParameter("batt", float),
    ],
    request=None,
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET", "POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def osmand_position(request: Request) -> Response:
    params = {k: str(v) for k, v in request.query_params.items()}
    if isinstance(request.data, dict):  # a form POST carries the same fields in its body
        params.update({k: str(v) for k, v in request.data.items()})
    device_id = params.get("id") or params.get("deviceid") or ""
    if not device_id:
        raise DispatchError("'id' (the vehicle's device id) is required", field="id")
    if len(device_id) > DEVICE_ID_MAX or not device_id.isprintable():
        # No vehicle has such an id, and PostgreSQL refuses text with NUL bytes outright.
        raise DispatchError(
            f"'id' must be printable and at most {DEVICE_ID_MAX} characters", field="id"
        )
    vehicle_id = vehicle_ids_by_device([device_id]).get(device_id)
    if vehicle_id is None:
        raise NotFoundError(f"unknown device {device_id!r}: register it on a vehicle", field="id")
    lat = _number(params, "lat", required=True)
    lon = _number(params, "lon", required=True)
    speed = _number(params, "speed")
    assert lat is not None
    assert lon is not None
    now = time.time()
    try:
        fix = fix_checked(
            device_id=device_id,
            lat=lat,
            lon=lon,
            fix_at=_timestamp(params.get("timestamp", "")),
            now=now,
            source="osmand",
            accuracy_m=_number(params, "accuracy"),
            altitude_m=_number(params, "altitude"),
            speed_kmh=None if speed is None else speed * KNOTS_TO_KMH,
            course_deg=_number(params, "bearing"),
            battery=_number(params, "batt"),
        )
    except FixRefusedError as refused:
        counter_increment(f"osmand.{refused.reason}")
        raise DispatchError(str(refused)) from None
    stored = positions_store([(vehicle_id, fix, now)])
    try:
        moves_apply(stored.moved)
    except Exception:  # stored; a job's arrival check must not turn that into an error
        log.exception("could not check arrivals for %s", device_id)
    return Response({"stored": stored.inserted, "duplicate": stored.duplicates})
