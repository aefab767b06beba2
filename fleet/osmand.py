"""Positions over HTTP, for trackers without MQTT, as Traccar's port 5055 takes them.

Two formats at one URL: the OsmAnd protocol, `GET` or `POST /api/field/osmand/?id=<identifier>
&lat=39.1&lon=117.2&timestamp=1795000000&speed=12` (speed in knots; bearing, altitude, accuracy
and batt optional; the timestamp epoch seconds, milliseconds or ISO 8601), and the JSON body of
Traccar Client 9 (fleet.traccar), whose `device_id` carries the identifier.

Such apps hold no session or token, so the identifier is the credential: the van's device id, a
dot and its key (fleet.device_keys), or the device id and the key as HTTP basic auth.
A bare or guessed id, a wrong key, an unknown device and a malformed id all get one answer
(a 401 saying what to configure), so the answer tells a stranger nothing; the reason goes to the
log and to a counter (`tracking.refused.<reason>`), never the key. The key is checked before the
vehicle is looked up, so the time taken does not say which vans exist either. Rates: per address
(its refused attempts, so guessing keys is slow while a fleet behind one NAT is not limited by
its own numbers) and per van (only its verified fixes).
"""

import base64
import logging
import math
import re
import time
from collections.abc import Mapping
from typing import Any, NoReturn

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.counters import counter_increment
from config.errors import ServiceError
from fleet.credentials import mqtt_username_valid
from fleet.device_keys import (
    KEY_LENGTH,
    SEPARATOR,
    http_device_verified,
    http_identifier_split,
)
from fleet.moves import moves_announce
from fleet.positions import (
    Fix,
    FixRefusedError,
    accuracy_or_none,
    fix_checked,
    fix_time_parsed,
    number_or_none,
    positions_store,
    vehicle_ids_by_device,
)
from fleet.schemas import PositionStoredOut
from fleet.throttles import TrackingAddressThrottle, TrackingDeviceThrottle
from fleet.traccar import traccar_body, traccar_device_identifier, traccar_fix

log = logging.getLogger(__name__)
KNOTS_TO_KMH = 1.852
DEVICE_ID_MAX = 64  # fleet.Vehicle.device_id
IDENTIFIER_MAX = DEVICE_ID_MAX + len(SEPARATOR) + KEY_LENGTH
# device_keys: lowercase base32 (typed in capitals too, where an app shouts)
LOOKS_LIKE_A_KEY = re.compile(f"[a-z2-7]{{{KEY_LENGTH}}}", re.IGNORECASE)
# A device name up to its first separator ('.', ':', '/', a space or anything else).
DEVICE_NAME_PREFIX = re.compile(r"[A-Za-z0-9_-]+")


class TrackingThrottledError(Throttled):
    def __init__(self, wait: float | None, *, scope: str) -> None:
        super().__init__(wait)
        self.wait_s = wait
        self.scope = scope


class _RefusedError(Exception):
    """Not believed; `reason` is for the counter and the log, `name` what may be logged."""

    def __init__(self, reason: str, name: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name


def _loggable(identifier: str) -> str:
    """What of an identifier may go to the log: the device name before its first separator,
    when that is a name a device could have and holds nothing shaped like a key; otherwise only
    its length. The first separator, not the last: `VAN-0001.<key>.` or `VAN-0001:<key>` must
    not log the key, and whatever follows a name is all the key could be."""
    name = DEVICE_NAME_PREFIX.match(identifier)
    head = name.group() if name else ""
    if head and mqtt_username_valid(head) and not LOOKS_LIKE_A_KEY.search(head):
        return repr(head)
    return f"({len(identifier)} characters)"


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8: all ValueErrors
        raise _RefusedError("malformed_id", "(basic auth not decodable)") from None
    if not colon:
        raise _RefusedError("malformed_id", "(basic auth without a password)")
    return user, password


def _claimed(request: Request, identifier: str) -> tuple[str, str]:
    """(device id, key) the request claims, or _RefusedError."""
    basic = _basic_auth(request)
    if basic is not None:
        device_id, key = basic
        if (
            identifier
            and identifier != device_id
            and identifier.rpartition(SEPARATOR)[0] != device_id
        ):
            raise _RefusedError("id_mismatch", _loggable(device_id))
    elif not identifier:
        raise _RefusedError("missing_id", "(none)")
    elif len(identifier) > IDENTIFIER_MAX or not identifier.isprintable():
        # PostgreSQL refuses text with NUL bytes outright; no van has such an id.
        raise _RefusedError("malformed_id", _loggable(identifier))
    elif SEPARATOR not in identifier:
        raise _RefusedError("no_key", _loggable(identifier))
    elif (split := http_identifier_split(identifier)) is None:
        raise _RefusedError("malformed_id", _loggable(identifier))
    else:
        device_id, key = split
    if len(device_id) > DEVICE_ID_MAX or not device_id.isprintable() or len(key) != KEY_LENGTH:
        raise _RefusedError("malformed_id", _loggable(device_id))
    return device_id, key


def _vehicle_verified(request: Request, identifier: str) -> tuple[str, int]:
    """(device id, vehicle id) of a van whose key the request carries, or _RefusedError."""
    device_id, key = _claimed(request, identifier)
    if not http_device_verified(device_id=device_id, key=key):
        raise _RefusedError("bad_key", _loggable(device_id))
    vehicle_id = vehicle_ids_by_device([device_id]).get(device_id)
    if vehicle_id is None:  # a right key for a van since removed: revoked
        raise _RefusedError("unknown_device", _loggable(device_id))
    return device_id, vehicle_id


def _refusal() -> Response:
    """The one answer to every request not believed: what to configure, nothing more."""
    return Response(
        {
            "error": _(
                "this device may not post positions: set its identifier to the one "
                "`manage.py mqtt_credentials --show <device id>` prints (the device id, a dot "
                "and its key), or send the device id and key as HTTP basic auth"
            ),
            "field": "id",
        },
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="positions"'},
    )


def _timestamp(raw: str) -> float:
    if raw == "":
        return time.time()  # OsmAnd may leave it out: the fix is now
    return fix_time_parsed(raw)


def _osmand_fix(device_id: str, params: dict[str, str], *, now: float) -> Fix:
    """The OsmAnd fields as a fix. As in Traccar Client's JSON and OwnTracks, a speed, bearing
    or battery level below 0 (and an accuracy of 0 or less) is "not known": stored as NULL, not
    as 359 degrees, -1.85 km/h, an empty battery or a perfect fix."""
    lat = number_or_none(params, "lat", required=True)
    lon = number_or_none(params, "lon", required=True)
    speed = number_or_none(params, "speed", unknown_below=0)
    assert lat is not None
    assert lon is not None
    return fix_checked(
        device_id=device_id,
        lat=lat,
        lon=lon,
        fix_at=_timestamp(params.get("timestamp", "")),
        now=now,
        source="osmand",
        accuracy_m=accuracy_or_none(params, "accuracy"),
        altitude_m=number_or_none(params, "altitude"),
        speed_kmh=None if speed is None else speed * KNOTS_TO_KMH,
        course_deg=number_or_none(params, "bearing", unknown_below=0),
        battery=number_or_none(params, "batt", unknown_below=0),
    )


_PARAMETERS = [
    OpenApiParameter(
        "id",
        str,
        description="the van's identifier: its device id, a dot and its key, as "
        "`manage.py mqtt_credentials --show` prints it (or basic auth: device id and key)",
    ),
    OpenApiParameter("deviceid", str, description="the same as id, as some trackers name it"),
    OpenApiParameter("lat", float),
    OpenApiParameter("lon", float),
    OpenApiParameter("timestamp", str, description="epoch s or ms, or ISO 8601"),
    OpenApiParameter("speed", float, description="knots"),
    OpenApiParameter("bearing", float),
    OpenApiParameter("altitude", float),
    OpenApiParameter("accuracy", float),
    OpenApiParameter("batt", float),
]
# Its refusals (400, 401, 429) are in the one error shape config.openapi adds everywhere.
_RESPONSES = {200: PositionStoredOut}


class OsmAndPositionView(APIView):
    authentication_classes: list[Any] = []  # the identifier is checked in the view, below
    permission_classes = [AllowAny]
    # Before anything else: an address that has used up its refusals waits, whatever it sends.
    throttle_classes = [TrackingAddressThrottle]

    @extend_schema(
        summary="A position from a tracker speaking the OsmAnd protocol",
        parameters=_PARAMETERS,
        request=None,
        responses=_RESPONSES,
    )
    def get(self, request: Request) -> Response:
        return self._position(request)

    @extend_schema(
        summary="A position from the OsmAnd protocol (form) or Traccar Client (JSON)",
        parameters=_PARAMETERS,
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/x-www-form-urlencoded": OpenApiTypes.OBJECT,
        },
        responses=_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        return self._position(request)

    def _position(self, request: Request) -> Response:
        params = {k: str(v) for k, v in request.query_params.items()}
        body = traccar_body(request.data)
        if body is not None:
            identifier = traccar_device_identifier(body)
        else:
            if isinstance(request.data, Mapping):  # a form POST carries the OsmAnd fields
                params.update({k: str(v) for k, v in request.data.items()})
            identifier = params.get("id") or params.get("deviceid") or ""
        try:
            device_id, vehicle_id = _vehicle_verified(request, identifier)
        except _RefusedError as refused:
            address = TrackingAddressThrottle().get_ident(request)
            log.warning(
                "refused a position for %s from %s: %s", refused.name, address, refused.reason
            )
            counter_increment(f"tracking.refused.{refused.reason}")
            TrackingAddressThrottle().refusal_count(request)
            return _refusal()
        device_throttle = TrackingDeviceThrottle(device_id)
        if not device_throttle.allow_request(request, self):
            raise TrackingThrottledError(device_throttle.wait(), scope="device")
        now = time.time()
        try:
            fix = (
                traccar_fix(device_id, body, now=now)
                if body
                else _osmand_fix(device_id, params, now=now)
            )
        except FixRefusedError as refused:
            counter_increment(f"tracking.refused.{refused.reason}")
            raise ServiceError(str(refused), field=refused.field) from None
        stored = positions_store([(vehicle_id, fix, now)])
        # Counted as the tracker counts them (a fix too inaccurate to be an arrival...).
        for name, count in moves_announce(stored.moved).items():
            if count:
                counter_increment(f"tracking.{name}", count)
        return Response({"stored": stored.inserted, "duplicate": stored.duplicates})

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise TrackingThrottledError(wait, scope="address")

    def handle_exception(self, exc: Exception) -> Response:
        if not isinstance(exc, TrackingThrottledError):
            return super().handle_exception(exc)
        seconds = max(1, math.ceil(exc.wait_s or 1))
        log.warning(
            "throttled positions (%s limit) from %s",
            exc.scope,
            TrackingAddressThrottle().get_ident(self.request),
        )
        counter_increment(f"tracking.throttled.{exc.scope}")
        response = Response(
            {
                "error": _("too many positions: try again in %(seconds)d s") % {"seconds": seconds},
                "field": None,
            },
            status=429,
            headers={"Retry-After": str(seconds)},
        )
        response.exception = True
        return response


osmand_position = OsmAndPositionView.as_view()
