"""Positions over HTTP (OsmAnd, Traccar Client): believed only with the van's identifier."""

import base64
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from config.models import Counter
from fleet.device_keys import http_device_identifier, http_device_key
from fleet.models import Vehicle, VehiclePosition

URL = "/api/field/osmand/"
FIXTURES = Path(__file__).parent / "fixtures"
HOME = Point(117.2, 39.1, srid=4326)


@pytest.fixture
def van(db: None) -> Vehicle:
    return Vehicle.objects.create(device_id="VAN-0001", last_point=HOME)


def _counter(name: str) -> int:
    row = Counter.objects.filter(name=name).first()
    return row.value if row else 0


def _fix(**more: Any) -> dict[str, Any]:
    return {"lat": 39.2, "lon": 117.3, "timestamp": int(time.time()) - 60, **more}


def _traccar(fixture: str, device_id: str) -> str:
    body = json.loads((FIXTURES / fixture).read_text())
    body["device_id"] = device_id
    return json.dumps(body)


def _throttle_rates(settings: Any, **rates: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def _unmoved(van: Vehicle) -> None:
    van.refresh_from_db()
    assert van.last_point == HOME
    assert van.last_fix_at is None
    assert not VehiclePosition.objects.filter(vehicle_id=van.id).exists()


def test_an_osmand_tracker_with_its_identifier_reports_over_http(van: Vehicle) -> None:
    http = APIClient()
    identifier = http_device_identifier(van.device_id)
    t = int(time.time()) - 60
    query: dict[str, Any] = {"id": identifier, "lat": 39.1, "lon": 117.2, "speed": 10}
    ok = http.get(URL, {**query, "timestamp": t * 1000})
    assert ok.status_code == 200, ok.content
    assert ok.json() == {"stored": 1, "duplicate": 0}
    position = VehiclePosition.objects.get(vehicle_id=van.id)
    assert position.speed_kmh == pytest.approx(18.52)
    assert position.source == "osmand"
    van.refresh_from_db()
    assert van.last_fix_at is not None
    assert van.last_fix_at.timestamp() == t
    # The same fields in a form body, with `deviceid` as some trackers name it.
    form = http.post(URL, {"deviceid": identifier, "lat": 39.3, "lon": 117.2, "timestamp": t + 5})
    assert form.json() == {"stored": 1, "duplicate": 0}
    bad = http.get(URL, {**query, "lat": 91})
    assert bad.status_code == 400
    not_a_number = http.get(URL, {**query, "speed": "nan"})
    assert not_a_number.status_code == 400
    assert not_a_number.json() == {"error": "'speed' must be finite, got 'nan'", "field": "speed"}
    assert VehiclePosition.objects.filter(vehicle_id=van.id).count() == 2
    # Counted where /healthz reads the tracking refusals.
    assert _counter("tracking.refused.bad_coordinates") == 1
    assert _counter("tracking.refused.bad_field") == 1


def test_basic_auth_carries_the_key_for_apps_that_have_it(van: Vehicle) -> None:
    http = APIClient()
    secret = base64.b64encode(f"{van.device_id}:{http_device_key(van.device_id)}".encode())
    http.credentials(HTTP_AUTHORIZATION=f"Basic {secret.decode()}")
    ok = http.get(URL, {"id": van.device_id, **_fix()})
    assert ok.status_code == 200, ok.content
    assert VehiclePosition.objects.filter(vehicle_id=van.id).count() == 1
    # Basic auth for one van does not let an `id` speak for another.
    other = http.get(URL, {"id": "VAN-0002", **_fix()})
    assert other.status_code == 401


def test_a_position_with_only_a_known_van_id_is_refused_and_changes_nothing(van: Vehicle) -> None:
    forged = APIClient().get(URL, _fix(id=van.device_id, accuracy=5000))
    assert forged.status_code == 401
    body = forged.json()
    assert body["field"] == "id"
    assert "mqtt_credentials --show" in body["error"]
    _unmoved(van)
    assert _counter("tracking.refused.no_key") == 1


def test_wrong_key_unknown_device_and_malformed_id_get_byte_identical_answers(
    van: Vehicle, caplog: pytest.LogCaptureFixture
) -> None:
    http = APIClient()
    wrong_key = f"{van.device_id}.{'a' * 24}"
    unknown_but_signed = http_device_identifier("VAN-9999")  # a right key, no such van
    answers = [
        http.get(URL, _fix(id=wrong_key)),
        http.get(URL, _fix(id=unknown_but_signed)),
        http.get(URL, _fix(id="VAN-9999.bbbbbbbbbbbbbbbbbbbbbbbb")),
        http.get(URL, _fix(id=f"{van.device_id}.short")),
        http.get(URL, _fix(id="VAN\x00")),
        http.get(URL, _fix(id=van.device_id)),
        http.get(URL, _fix()),  # no id at all
    ]
    statuses = {a.status_code for a in answers}
    bodies = {a.content for a in answers}
    assert statuses == {401}
    assert len(bodies) == 1, bodies
    assert len({a.headers.get("WWW-Authenticate") for a in answers}) == 1
    _unmoved(van)
    assert _counter("tracking.refused.bad_key") == 2
    assert _counter("tracking.refused.unknown_device") == 1
    assert _counter("tracking.refused.malformed_id") == 2
    assert _counter("tracking.refused.no_key") == 1
    assert _counter("tracking.refused.missing_id") == 1
    refusals = [r for r in caplog.records if r.name == "fleet.osmand"]
    assert len(refusals) == len(answers)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert http_device_key("VAN-9999") not in logged  # never the key
    assert "a" * 24 not in logged


def test_a_flood_from_one_address_is_throttled_refused_attempts_included(
    van: Vehicle, settings: Any
) -> None:
    _throttle_rates(settings, tracking_address="5/minute")
    http = APIClient(REMOTE_ADDR="203.0.113.7")
    guesses = [http.get(URL, _fix(id=f"{van.device_id}.{c * 24}")) for c in "abcde"]
    assert [g.status_code for g in guesses] == [401] * 5
    throttled = http.get(URL, _fix(id=http_device_identifier(van.device_id)))
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "try again" in throttled.json()["error"]
    _unmoved(van)
    assert _counter("tracking.throttled.address") == 1
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.9")
    assert elsewhere.get(URL, _fix(id=http_device_identifier(van.device_id))).status_code == 200


def test_a_van_posting_too_often_is_throttled_and_others_are_not(
    van: Vehicle, settings: Any
) -> None:
    _throttle_rates(settings, tracking_device="3/minute")
    other = Vehicle.objects.create(device_id="VAN-0002")
    http = APIClient()
    # Guesses naming the van do not spend its allowance: only its own fixes do.
    for _ in range(5):
        assert http.get(URL, _fix(id=van.device_id)).status_code == 401
    t = int(time.time()) - 100
    sent = [
        http.get(URL, _fix(id=http_device_identifier(van.device_id), timestamp=t + i)).status_code
        for i in range(4)
    ]
    assert sent == [200, 200, 200, 429]
    assert http.get(URL, _fix(id=http_device_identifier(other.device_id))).status_code == 200
    assert _counter("tracking.throttled.device") == 1
    assert VehiclePosition.objects.filter(vehicle_id=van.id).count() == 3


def test_traccar_client_json_is_stored_in_our_units(van: Vehicle) -> None:
    http = APIClient()
    identifier = http_device_identifier(van.device_id)
    ok = http.post(
        URL, _traccar("traccar_client_android.json", identifier), content_type="application/json"
    )
    assert ok.status_code == 200, ok.content
    position = VehiclePosition.objects.get(vehicle_id=van.id)
    assert position.fix_at == datetime(2021, 7, 21, 8, 6, 34, 444000, tzinfo=UTC)
    assert (position.point.x, position.point.y) == (106.6837015, -6.1148096)
    assert position.speed_kmh == pytest.approx(18.67 * 3.6)  # m/s
    assert position.course_deg == 63
    assert position.accuracy_m == 3.8
    assert position.altitude_m == 35.7
    assert position.battery == 79  # a fraction of 1
    assert position.source == "osmand"


def test_traccar_client_unknowns_are_stored_as_null(van: Vehicle) -> None:
    http = APIClient()
    identifier = http_device_identifier(van.device_id)
    for fixture in ("traccar_client_ios_unknowns.json", "traccar_client_template.json"):
        ok = http.post(URL, _traccar(fixture, identifier), content_type="application/json")
        assert ok.status_code == 200, ok.content
    ios, template = VehiclePosition.objects.filter(vehicle_id=van.id).order_by("fix_at")
    assert (ios.speed_kmh, ios.course_deg, ios.battery) == (None, None, None)
    assert ios.accuracy_m == 5
    assert (template.speed_kmh, template.course_deg, template.battery) == (0, None, 100)


def test_traccar_client_json_without_the_key_gets_the_same_refusal(van: Vehicle) -> None:
    http = APIClient()
    bare = http.post(
        URL, _traccar("traccar_client_android.json", van.device_id), content_type="application/json"
    )
    query = http.get(URL, _fix(id=van.device_id))
    assert bare.status_code == 401
    assert bare.content == query.content
    broken = json.loads(
        _traccar("traccar_client_android.json", http_device_identifier(van.device_id))
    )
    del broken["location"]["coords"]
    no_coords = http.post(URL, json.dumps(broken), content_type="application/json")
    assert no_coords.status_code == 400
    assert no_coords.json()["field"] == "coords"
    _unmoved(van)


def test_refusals_are_logged_without_the_key(
    van: Vehicle, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        APIClient(REMOTE_ADDR="192.0.2.1").get(URL, _fix(id=f"{van.device_id}.{'z' * 24}"))
    (record,) = [r for r in caplog.records if r.name == "fleet.osmand"]
    message = record.getMessage()
    assert "VAN-0001" in message
    assert "bad_key" in message
    assert "192.0.2.1" in message
    assert "z" * 24 not in message


def test_no_shape_of_identifier_puts_the_key_in_the_log(
    van: Vehicle, caplog: pytest.LogCaptureFixture
) -> None:
    key = http_device_key(van.device_id)
    shapes = [
        f"{van.device_id}.{key}.",  # a trailing dot: the key is no longer after the last one
        f"{van.device_id}.{key}.x",
        f"{van.device_id}:{key}",  # basic auth's separator typed into the id field
        f"{van.device_id}/{key}",
        f"{van.device_id} {key}",
        f"{van.device_id}{key}",  # the dot forgotten
        f"{key}.{van.device_id}",
        key,
        f"{van.device_id}.{key.upper()}",
    ]
    http = APIClient()
    with caplog.at_level(logging.DEBUG):
        answers = [http.get(URL, _fix(id=shape)) for shape in shapes]
        for user, password in ((f"{van.device_id}.{key}", "x"), (key, key), (f"{key}:", "")):
            secret = base64.b64encode(f"{user}:{password}".encode()).decode()
            answers.append(http.get(URL, _fix(), HTTP_AUTHORIZATION=f"Basic {secret}"))
    assert {a.status_code for a in answers} == {401}
    _unmoved(van)
    logged = "\n".join(r.getMessage() for r in caplog.records).lower()
    assert key not in logged
    refusals = [r.getMessage() for r in caplog.records if r.name == "fleet.osmand"]
    assert len(refusals) == len(answers)
    # What is before the first separator, when it is a device name, still says who it was.
    assert "'VAN-0001'" in refusals[2]
    assert "'VAN-0001'" in refusals[0]


def test_basic_auth_that_is_not_base64_ascii_is_the_same_refusal(van: Vehicle) -> None:
    http = APIClient()
    expected = http.get(URL, _fix(id=van.device_id))
    for header in ("Basic \u00e9t\u00e9", "Basic \u4e2d\u6587", "Basic ***", "Basic"):
        refused = http.get(URL, _fix(), HTTP_AUTHORIZATION=header)
        assert refused.status_code == 401, header
        assert refused.content == expected.content
    _unmoved(van)


@pytest.mark.parametrize("timestamp", ["nan", "inf", "-inf", "NaN", "1e400"])
def test_a_fix_time_that_is_no_number_is_refused(van: Vehicle, timestamp: str) -> None:
    answer = APIClient().get(
        URL, _fix(id=http_device_identifier(van.device_id), timestamp=timestamp)
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]
    _unmoved(van)


def test_osmand_unknowns_are_stored_as_null_not_as_numbers(van: Vehicle) -> None:
    http = APIClient()
    identifier = http_device_identifier(van.device_id)
    t = int(time.time()) - 100
    for i, accuracy in enumerate((-5000, 0)):
        fix = _fix(id=identifier, timestamp=t + i, bearing=-1, speed=-1, batt=-1, accuracy=accuracy)
        assert http.get(URL, fix).status_code == 200
    for position in VehiclePosition.objects.filter(vehicle_id=van.id):
        assert (position.course_deg, position.speed_kmh, position.battery) == (None, None, None)
        assert position.accuracy_m is None  # no claim of a perfect fix
    known = http.get(
        URL, _fix(id=identifier, timestamp=t + 5, bearing=0, speed=0, batt=0, accuracy=7)
    )
    assert known.status_code == 200
    latest = VehiclePosition.objects.filter(vehicle_id=van.id).latest("fix_at")
    assert (latest.course_deg, latest.speed_kmh, latest.battery, latest.accuracy_m) == (0, 0, 0, 7)


def test_a_fix_time_without_a_zone_is_refused_in_both_formats(van: Vehicle) -> None:
    http = APIClient()
    identifier = http_device_identifier(van.device_id)
    local = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=5)
    osmand = http.get(URL, _fix(id=identifier, timestamp=local.isoformat()))
    assert osmand.status_code == 400
    assert osmand.json()["field"] == "timestamp"
    body = json.loads(_traccar("traccar_client_android.json", identifier))
    body["location"]["timestamp"] = local.isoformat()
    traccar = http.post(URL, json.dumps(body), content_type="application/json")
    assert traccar.status_code == 400
    assert traccar.json()["field"] == "timestamp"
    _unmoved(van)
    zoned = http.get(URL, _fix(id=identifier, timestamp=local.isoformat() + "Z"))
    assert zoned.status_code == 200, zoned.content
    position = VehiclePosition.objects.get(vehicle_id=van.id)
    assert position.fix_at == local.replace(tzinfo=UTC)


def test_a_fleet_behind_one_address_is_not_throttled_but_guessing_from_it_is(
    van: Vehicle, settings: Any
) -> None:
    _throttle_rates(settings, tracking_address="5/minute")
    vans = [van, *(Vehicle.objects.create(device_id=f"VAN-00{n:02d}") for n in (2, 3))]
    nat = APIClient(REMOTE_ADDR="100.64.0.1")  # a carrier's NAT, every van behind it
    t = int(time.time()) - 100
    sent = [
        nat.get(URL, _fix(id=http_device_identifier(v.device_id), timestamp=t + i)).status_code
        for i in range(4)
        for v in vans
    ]
    assert sent == [200] * 12
    assert VehiclePosition.objects.count() == 12
    guesses = [nat.get(URL, _fix(id=f"VAN-0009.{c * 24}")).status_code for c in "abcde"]
    assert guesses == [401] * 5
    assert nat.get(URL, _fix(id="VAN-0009.ffffffffffffffffffffffff")).status_code == 429
    assert _counter("tracking.throttled.address") == 1
